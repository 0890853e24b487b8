//! The machinery every response record shares, top-level and nested: the kept JSON
//! text, lossless access to it, and (top-level only) response metadata.

use serde_json::{Map, Value};
use std::fmt;
use std::sync::OnceLock;

/// The exact JSON text a record was parsed from, plus a lazily built index of its
/// top-level keys.
///
/// Kept as text rather than a `serde_json::Value` so that the hot path (one chat
/// chunk per SSE event) costs a typed parse and no tree, and so that `raw_json()`
/// returns the server's bytes, not a re-serialization. The first `get(key)` parses
/// the object once into the index; later calls are map lookups.
#[derive(Clone)]
pub(crate) struct RawJson {
    text: String,
    index: OnceLock<Option<Map<String, Value>>>,
}

impl RawJson {
    pub(crate) fn new(text: String) -> Self {
        RawJson { text, index: OnceLock::new() }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The top-level object, parsed once; `None` when the JSON is not an object.
    pub(crate) fn object(&self) -> Option<&Map<String, Value>> {
        self.index.get_or_init(|| serde_json::from_str(&self.text).ok()).as_ref()
    }

    pub(crate) fn to_value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

impl Default for RawJson {
    /// An absent nested record reads as `{}`, as the Python client's `X(raw or {})`.
    fn default() -> Self {
        RawJson::new("{}".to_owned())
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text || self.to_value() == other.to_value()
    }
}

impl Eq for RawJson {}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes of JSON>", self.text.len())
    }
}

/// A nested record: anything with kept raw text (used by the `optional` reader).
pub(crate) trait Nested: for<'de> serde::Deserialize<'de> {
    fn raw_text(&self) -> &str;
}

/// True for the JSON values Python's `bool()` calls false: `null`, `false`, `0`,
/// `""`, `[]`, `{}`.
pub(crate) fn is_falsy(text: &str) -> bool {
    let t = text.trim();
    match t.as_bytes().first() {
        None | Some(b'n') | Some(b'f') => true,
        Some(b'{') | Some(b'[') => t.len() >= 2 && t[1..t.len() - 1].trim().is_empty(),
        Some(b'"') => t == "\"\"",
        Some(b't') => false,
        Some(_) => t.parse::<f64>().is_ok_and(|f| f == 0.0),
    }
}

/// The top-level rule for a whole body of the wrong shape: `null` reads as the
/// empty value (`Ok`); anything else (a list where an object belongs, a string,
/// text that is not JSON) is an error saying what was `expected`.
pub(crate) fn null_or_error(json: &str, expected: &str) -> Result<(), serde_json::Error> {
    use serde::de::Error as _;
    let value: Value = serde_json::from_str(json)?;
    match value {
        Value::Null => Ok(()),
        other => Err(serde_json::Error::custom(format!("expected {expected}, found {}", kind(&other)))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The API every record shares, top-level or nested: raw text, value, `get`,
/// verbatim `Serialize`, equality by JSON value, and a total `Deserialize` (any
/// JSON value reads; a non-object is the empty record with its text kept), which
/// is how records read inside lists and other records. The struct has a `raw: RawJson`
/// field and derives `Deserialize` with `#[serde(remote = "Self")]` (an inherent
/// `deserialize` for the typed fields) and `Default`.
macro_rules! raw_access {
    ($ty:ident, $fixup:expr) => {
        impl $ty {
            /// The typed parse of an object's text (the fields' lenient readers).
            fn parse_object(json: &str) -> Result<Self, serde_json::Error> {
                let mut de = serde_json::Deserializer::from_str(json);
                let rec = $ty::deserialize(&mut de)?;
                de.end()?;
                Ok(rec)
            }

            /// Keeps the text and applies the record's wire quirks.
            fn finish(mut rec: Self, text: String) -> Self {
                rec.raw = $crate::record::RawJson::new(text);
                let fixup: fn(&mut $ty) = $fixup;
                fixup(&mut rec);
                rec
            }

            /// Parses a record from JSON text, keeping the text.
            ///
            /// Every field is read leniently (a `null`, a wrong type or a non-integral
            /// float in an integer field reads as absent, never as an error). A `null`
            /// body reads as the empty record. Only text that is not JSON, or JSON
            /// that is not an object, is an error.
            pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
                Self::from_json_string(json.to_owned())
            }

            /// [`from_json`](Self::from_json) over an owned string, which the record
            /// keeps without copying.
            pub fn from_json_string(json: String) -> Result<Self, serde_json::Error> {
                let rec = match json.trim_start().as_bytes().first() {
                    Some(b'{') => Self::parse_object(&json)?,
                    _ => {
                        $crate::record::null_or_error(&json, "a JSON object")?;
                        Self::default()
                    }
                };
                Ok(Self::finish(rec, json))
            }

            /// Builds a record from an already parsed JSON value.
            pub fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error> {
                Self::from_json_string(value.to_string())
            }

            /// The JSON text exactly as the server sent it.
            pub fn raw_json(&self) -> &str {
                self.raw.text()
            }

            /// The server's JSON as a value, losslessly (typed fields are a view over it).
            pub fn to_value(&self) -> serde_json::Value {
                self.raw.to_value()
            }

            /// Reads one raw top-level field, typed or not: the escape hatch for
            /// fields the platform adds before this crate names them. The object is
            /// parsed once, on the first call; later calls are a map lookup.
            pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
                self.raw.object()?.get(key)
            }
        }

        impl serde::Serialize for $ty {
            /// Serializes the server's JSON verbatim.
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match serde_json::value::RawValue::from_string(self.raw.text().to_owned()) {
                    Ok(raw) => raw.serialize(s),
                    Err(e) => Err(serde::ser::Error::custom(e)),
                }
            }
        }

        impl PartialEq for $ty {
            /// Two records are equal when their JSON is the same value (whitespace and
            /// key order aside); typed fields derive from it, response metadata is ignored.
            fn eq(&self, other: &Self) -> bool {
                self.raw == other.raw
            }
        }

        impl Eq for $ty {}

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
                let text = String::from(Box::<str>::from(raw));
                // Only a duplicate key can fail the typed parse of text that is
                // already valid JSON; the record then keeps its text and typed defaults.
                let rec =
                    if text.starts_with('{') { $ty::parse_object(&text).unwrap_or_default() } else { $ty::default() };
                Ok($ty::finish(rec, text))
            }
        }

        impl $crate::record::Nested for $ty {
            fn raw_text(&self) -> &str {
                self.raw.text()
            }
        }
    };
}

/// A top-level record (a response body): the shared API plus response metadata.
macro_rules! record {
    ($ty:ident) => {
        record!($ty, |_r: &mut $ty| {});
    };
    ($ty:ident, $fixup:expr) => {
        raw_access!($ty, $fixup);

        impl $ty {
            /// Metadata of the HTTP response this record came from (request id,
            /// billing receipt). Empty for records parsed by hand.
            pub fn meta(&self) -> &$crate::ResponseMeta {
                &self.meta
            }

            /// Attaches response metadata; the clients call this after parsing.
            pub fn with_meta(mut self, meta: $crate::ResponseMeta) -> Self {
                self.meta = meta;
                self
            }
        }
    };
}

/// A nested record (a choice, a leaderboard row): the shared API, no metadata.
macro_rules! nested {
    ($ty:ident) => {
        nested!($ty, |_r: &mut $ty| {});
    };
    ($ty:ident, $fixup:expr) => {
        raw_access!($ty, $fixup);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falsy_values_match_python_bool() {
        for t in ["null", "false", "0", "0.0", "-0", "\"\"", "[]", "{}", "{ }", "[ \n ]", " null "] {
            assert!(is_falsy(t), "{t}");
        }
        for t in ["true", "1", "0.5", "\"x\"", "[0]", "{\"a\":1}", "\" \""] {
            assert!(!is_falsy(t), "{t}");
        }
    }

    #[test]
    fn the_index_is_built_once() {
        let raw = RawJson::new(r#"{"a": 1, "b": [2]}"#.to_owned());
        let first = raw.object().map(|m| m as *const _);
        assert_eq!(raw.object().map(|m| m as *const _), first, "the second lookup reuses the first parse");
        assert_eq!(raw.object().and_then(|m| m.get("b")), Some(&serde_json::json!([2])));
        assert!(RawJson::new("[1]".to_owned()).object().is_none());
    }

    #[test]
    fn non_object_bodies() {
        assert!(null_or_error("null", "a JSON object").is_ok());
        assert!(null_or_error(" null\n", "a JSON object").is_ok());
        let e = null_or_error("[]", "a JSON object").unwrap_err().to_string();
        assert!(e.contains("expected a JSON object, found an array"), "{e}");
        assert!(null_or_error("\"x\"", "a JSON object").unwrap_err().to_string().contains("a string"));
        assert!(null_or_error("<html>", "a JSON object").is_err());
    }
}
