//! Lenient field readers for server-chosen shapes.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Reads a boolean where absent or `null` means `false` (the spec's rule for
/// `has_blob_input`, `matched`, `ambiguous`, `vision`, `benchmarked`).
pub(crate) fn null_as_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

/// Reads an optional string, treating any non-string value (an array of content
/// parts, a number) as absent instead of failing the whole record.
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or any other JSON value")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

use serde::Deserialize;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "null_as_false")]
        b: bool,
        #[serde(default, deserialize_with = "lenient_string")]
        s: Option<String>,
    }

    #[test]
    fn null_and_absent_booleans_read_false() {
        let t: T = serde_json::from_str(r#"{"b": null}"#).unwrap();
        assert!(!t.b);
        let t: T = serde_json::from_str(r#"{}"#).unwrap();
        assert!(!t.b);
        let t: T = serde_json::from_str(r#"{"b": true}"#).unwrap();
        assert!(t.b);
    }

    #[test]
    fn lenient_string_skips_non_strings() {
        let t: T = serde_json::from_str(r#"{"s": [{"type":"text"}]}"#).unwrap();
        assert_eq!(t.s, None);
        let t: T = serde_json::from_str(r#"{"s": "hi"}"#).unwrap();
        assert_eq!(t.s.as_deref(), Some("hi"));
        let t: T = serde_json::from_str(r#"{"s": null}"#).unwrap();
        assert_eq!(t.s, None);
    }
}
