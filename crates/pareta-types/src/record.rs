//! The machinery every response record shares: the kept JSON text, lossless
//! access to it, and response metadata.

use std::fmt;

/// The exact JSON text a record was parsed from.
///
/// Kept as text rather than a `serde_json::Value` so that the hot path (one chat
/// chunk per SSE event) costs a single typed parse, and so that `raw_json()` returns
/// the server's bytes, not a re-serialization.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct RawJson(pub(crate) String);

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes of JSON>", self.0.len())
    }
}

/// Implements the shared record API for a struct with `raw: RawJson` and
/// `meta: ResponseMeta` fields that derives `Deserialize` with `#[serde(remote = "Self")]`
/// (which gives an inherent `deserialize` for the typed fields). `$fixup` applies the
/// record's wire quirks after parsing.
macro_rules! record {
    ($ty:ident) => {
        record!($ty, |_r: &mut $ty| {});
    };
    ($ty:ident, $fixup:expr) => {
        impl $ty {
            /// Parses a record from the JSON text the server sent, keeping the text.
            pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
                Self::from_owned_json(json.to_owned())
            }

            /// [`from_json`](Self::from_json) keeping `json` itself as the raw text.
            fn from_owned_json(json: String) -> Result<Self, serde_json::Error> {
                let mut de = serde_json::Deserializer::from_str(&json);
                let mut rec = $ty::deserialize(&mut de)?;
                de.end()?;
                drop(de);
                rec.raw = $crate::record::RawJson(json);
                let fixup: fn(&mut $ty) = $fixup;
                fixup(&mut rec);
                Ok(rec)
            }

            /// Builds a record from an already parsed JSON value.
            pub fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error> {
                let mut rec = $ty::deserialize(&value)?;
                rec.raw = $crate::record::RawJson(value.to_string());
                let fixup: fn(&mut $ty) = $fixup;
                fixup(&mut rec);
                Ok(rec)
            }

            /// The JSON text exactly as the server sent it.
            pub fn raw_json(&self) -> &str {
                &self.raw.0
            }

            /// The server's JSON as a value, losslessly (typed fields are a view over it).
            pub fn to_value(&self) -> serde_json::Value {
                serde_json::from_str(&self.raw.0).unwrap_or(serde_json::Value::Null)
            }

            /// Reads one raw top-level field, typed or not: the escape hatch for fields
            /// the platform adds before this crate names them.
            pub fn get(&self, key: &str) -> Option<serde_json::Value> {
                match self.to_value() {
                    serde_json::Value::Object(mut map) => map.remove(key),
                    _ => None,
                }
            }

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

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Capture the record's exact text (no `Value` tree, no
                // re-serialization), then run the one typed parse over it.
                // The captured text becomes the record's own (no second copy).
                let raw: Box<str> = Box::<serde_json::value::RawValue>::deserialize(d)?.into();
                $ty::from_owned_json(raw.into()).map_err(serde::de::Error::custom)
            }
        }

        impl serde::Serialize for $ty {
            /// Serializes the server's JSON verbatim.
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match serde_json::value::RawValue::from_string(self.raw.0.clone()) {
                    Ok(raw) => raw.serialize(s),
                    Err(e) => Err(serde::ser::Error::custom(e)),
                }
            }
        }

        impl PartialEq for $ty {
            /// Two records are equal when their JSON is the same value (whitespace and
            /// key order aside); typed fields derive from it, response metadata is ignored.
            fn eq(&self, other: &Self) -> bool {
                self.raw == other.raw || self.to_value() == other.to_value()
            }
        }
    };
}
