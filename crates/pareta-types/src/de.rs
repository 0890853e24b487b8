//! The lenient readers: one set of field readers that every record uses.
//!
//! The rule they implement, for every typed field of every response record:
//!
//! - **absent or `null`** reads as the empty value: `None`, an empty list, `false`,
//!   the empty nested record;
//! - **a value of another type** (a string where a number belongs, an object where a
//!   list belongs) also reads as the empty value; it never fails the parse, and the
//!   record's raw JSON still holds it;
//! - **integers** accept an integral float (`420715.0`); a non-integral one (`32.5`)
//!   or one out of range reads as `None`;
//! - **booleans** read like Python's `bool(x)` (the platform's Python client 0.1.0
//!   reads them so): `null`, `0`, `""`, `[]`, `{}` are false;
//! - **ids** read a string, or an integer as its decimal text; anything else is `""`.
//!
//! Every reader visits the value once through `deserialize_any`: there is no
//! intermediate `serde_json::Value`.

use crate::record::Typed;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Reads every scalar (and `null`) as the empty default.
macro_rules! scalars_read_as_default {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    };
}

/// Reads every shape a list reader does not want as the empty default.
macro_rules! other_shapes_read_as_default {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
    };
}

/// One scalar or the shape of a compound, as a reader saw it.
enum Scalar {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    /// An array or an object, with whether it had any element.
    Compound {
        non_empty: bool,
    },
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        let mut non_empty = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            non_empty = true;
        }
        Ok(Scalar::Compound { non_empty })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        let mut non_empty = false;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
            non_empty = true;
        }
        Ok(Scalar::Compound { non_empty })
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// An optional string: any non-string value reads as `None` (an array of content
/// parts, a number).
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Str(s) => Some(s),
        _ => None,
    })
}

/// An id: a string, or an integer as its decimal text; anything else reads `""`.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Str(s) => s,
        Scalar::I64(n) => n.to_string(),
        Scalar::U64(n) => n.to_string(),
        _ => String::new(),
    })
}

/// A boolean read as Python's `bool(x)`: absent, `null`, `false`, `0`, `""`, `[]`
/// and `{}` are false; everything else is true.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Null => false,
        Scalar::Bool(b) => b,
        Scalar::I64(n) => n != 0,
        Scalar::U64(n) => n != 0,
        Scalar::F64(f) => f != 0.0,
        Scalar::Str(s) => !s.is_empty(),
        Scalar::Compound { non_empty } => non_empty,
    })
}

/// An integer of type `T`: a JSON integer in range, or an integral float in range
/// (`420715.0`). A non-integral float, an out-of-range number or a non-number
/// reads as `None`.
pub(crate) fn int<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Ok(match scalar(d)? {
        Scalar::I64(n) => T::try_from(n).ok(),
        Scalar::U64(n) => T::try_from(n).ok(),
        Scalar::F64(f) => integral(f).and_then(|n| T::try_from(n).ok()),
        _ => None,
    })
}

/// `f` as an `i64` when it is a whole number in range.
fn integral(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; every f64 in [-2^63, 2^63) fits an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.is_finite() && f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

/// A float: any JSON number; anything else reads as `None`.
pub(crate) fn float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::I64(n) => Some(n as f64),
        Scalar::U64(n) => Some(n as f64),
        Scalar::F64(f) => Some(f),
        _ => None,
    })
}

/// A server-vocabulary value (an open enum): a string maps onto the enum, anything
/// else reads as `None`.
pub(crate) fn open<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    Ok(string(d)?.map(T::from))
}

/// A list of strings: a non-array reads as empty; non-string elements are skipped.
pub(crate) fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<Element>()? {
                if let Some(s) = item.0 {
                    out.push(s);
                }
            }
            Ok(out)
        }
        other_shapes_read_as_default!();
    }
    struct Element(Option<String>);
    impl<'de> Deserialize<'de> for Element {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            string(d).map(Element)
        }
    }
    d.deserialize_any(V)
}

/// A list of values read by `T`'s own `Deserialize` (raw values, or whole records
/// that keep their own text): a non-array reads as empty.
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
            while let Some(item) = seq.next_element::<T>()? {
                out.push(item);
            }
            Ok(out)
        }
        other_shapes_read_as_default!();
    }
    d.deserialize_any(V(PhantomData))
}

/// A plain object of lenient fields (not a record): an object reads through `T`,
/// anything else as `None`.
pub(crate) fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        scalars_read_as_default!();
    }
    d.deserialize_any(V(PhantomData))
}

/// A list of nested records: a non-array reads as empty; each element is read by
/// [`total`], so a `null` or non-object element is the empty record.
pub(crate) fn records<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Typed,
{
    struct Seed<T>(PhantomData<T>);
    impl<'de, T: Typed> de::DeserializeSeed<'de> for Seed<T> {
        type Value = T;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
            total(d).map(|(rec, _)| rec)
        }
    }
    struct V<T>(PhantomData<T>);
    impl<'de, T: Typed> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
            while let Some(item) = seq.next_element_seed(Seed(PhantomData))? {
                out.push(item);
            }
            Ok(out)
        }
        other_shapes_read_as_default!();
    }
    d.deserialize_any(V(PhantomData))
}

/// A nested record that is always there (`usage`, `message`): `null` or any
/// non-object reads as the empty record.
pub(crate) fn nested<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Typed,
{
    total(d).map(|(rec, _)| rec)
}

/// An optional nested record (`chosen`, `frontier`): a Python-falsy value (`null`,
/// `{}`, `[]`, `""`, `0`, `false`) reads as `None`, as `X(c) if c else None` does in
/// the Python client; anything else is the record.
pub(crate) fn optional<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Typed,
{
    total(d).map(|(rec, truthy)| truthy.then_some(rec))
}

/// Reads a record's typed fields in one pass from an object (anything else is the
/// empty record), and whether the value was Python-truthy.
fn total<'de, D: Deserializer<'de>, T: Typed>(d: D) -> Result<(T, bool), D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: Typed> Visitor<'de> for V<T> {
        type Value = (T, bool);
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let mut counting = Counting { inner: map, entries: 0 };
            let rec = T::fields(de::value::MapAccessDeserializer::new(&mut counting))?;
            Ok((rec, counting.entries > 0))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok((T::default(), v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok((T::default(), v != 0))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok((T::default(), v != 0))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok((T::default(), v != 0.0))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((T::default(), !v.is_empty()))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok((T::default(), false))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok((T::default(), false))
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut non_empty = false;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                non_empty = true;
            }
            Ok((T::default(), non_empty))
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// Counts the entries of a map as they are read.
struct Counting<A> {
    inner: A,
    entries: usize,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Counting<A> {
    type Error = A::Error;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        let key = self.inner.next_key_seed(seed)?;
        self.entries += usize::from(key.is_some());
        Ok(key)
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "flag")]
        b: bool,
        #[serde(default, deserialize_with = "string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "int")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "int")]
        u: Option<u32>,
        #[serde(default, deserialize_with = "float")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "id")]
        id: String,
        #[serde(default, deserialize_with = "strings")]
        v: Vec<String>,
    }

    fn t(json: &str) -> T {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn booleans_read_like_python_bool() {
        for (json, want) in [
            (r#"{}"#, false),
            (r#"{"b": null}"#, false),
            (r#"{"b": true}"#, true),
            (r#"{"b": 0}"#, false),
            (r#"{"b": 1}"#, true),
            (r#"{"b": 0.0}"#, false),
            (r#"{"b": ""}"#, false),
            (r#"{"b": "no"}"#, true),
            (r#"{"b": []}"#, false),
            (r#"{"b": [0]}"#, true),
            (r#"{"b": {}}"#, false),
            (r#"{"b": {"a": 1}}"#, true),
        ] {
            assert_eq!(t(json).b, want, "{json}");
        }
    }

    #[test]
    fn strings_skip_non_strings() {
        assert_eq!(t(r#"{"s": [{"type":"text"}]}"#).s, None);
        assert_eq!(t(r#"{"s": "hi"}"#).s.as_deref(), Some("hi"));
        assert_eq!(t(r#"{"s": null}"#).s, None);
        assert_eq!(t(r#"{"s": 5}"#).s, None);
    }

    #[test]
    fn integers_accept_integral_floats_only() {
        assert_eq!(t(r#"{"i": 420715}"#).i, Some(420_715));
        assert_eq!(t(r#"{"i": 420715.0}"#).i, Some(420_715));
        assert_eq!(t(r#"{"i": -5.0}"#).i, Some(-5));
        assert_eq!(t(r#"{"i": 32.5}"#).i, None);
        assert_eq!(t(r#"{"i": 1e300}"#).i, None);
        assert_eq!(t(r#"{"i": 18446744073709551615}"#).i, None, "u64::MAX does not fit an i64");
        assert_eq!(t(r#"{"i": "7"}"#).i, None);
        assert_eq!(t(r#"{"i": null}"#).i, None);
        assert_eq!(t(r#"{"u": 128.0}"#).u, Some(128));
        assert_eq!(t(r#"{"u": -1}"#).u, None);
        assert_eq!(t(r#"{"u": 4294967296}"#).u, None);
    }

    #[test]
    fn floats_ids_and_string_lists() {
        assert_eq!(t(r#"{"f": 1}"#).f, Some(1.0));
        assert_eq!(t(r#"{"f": "0.5"}"#).f, None);
        assert_eq!(t(r#"{"id": "ep_1"}"#).id, "ep_1");
        assert_eq!(t(r#"{"id": 42}"#).id, "42");
        assert_eq!(t(r#"{"id": null}"#).id, "");
        assert_eq!(t(r#"{"id": {"x": 1}}"#).id, "");
        assert_eq!(t(r#"{"v": ["a", null, 3, "b"]}"#).v, ["a", "b"]);
        assert!(t(r#"{"v": null}"#).v.is_empty());
        assert!(t(r#"{"v": {"a": ["x"]}}"#).v.is_empty());
        assert!(t(r#"{"v": "a"}"#).v.is_empty());
    }
}
