//! The machinery every response record shares, top-level and nested: the kept JSON
//! text, lossless access to it, and (top-level only) response metadata.

use once_cell::race::OnceBox;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::OnceLock;

/// The text of one response body, shared by the record parsed from it and every
/// record nested inside, with its JSON value parsed once, on first use.
///
/// One allocation holds the reference count, the lazily parsed value (the
/// header) and the text (the slice): a streamed chunk costs one allocation for
/// what it keeps, where a `std::sync::Arc` around a `String` cost two.
pub(crate) type Doc = triomphe::Arc<triomphe::HeaderSlice<OnceLock<Value>, str>>;

/// The field names records nest under. A path step names one by its position
/// here, so that a step is four bytes: every record carries its path, and a
/// stream moves one chunk (five records) per token.
const KEYS: &[&str] =
    &["candidates", "choices", "chosen", "data", "delta", "frontier", "message", "models", "results", "usage"];

/// Steps at and above this are list indices; below it, `KEYS` positions + 1.
const FIRST_INDEX: u32 = 1 << 10;

/// One step from a record to a nested one: a field name or a list index
/// (`0` ends a path).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Seg(u32);

impl fmt::Debug for Seg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("end"),
            i if i >= FIRST_INDEX => write!(f, "{}", i - FIRST_INDEX),
            k => f.write_str(KEYS[k as usize - 1]),
        }
    }
}

impl Seg {
    const END: Seg = Seg(0);

    /// The step into field `name`, which must be in `KEYS` (checked at compile
    /// time where the record macros use it).
    pub(crate) const fn key(name: &str) -> Seg {
        let mut i = 0;
        while i < KEYS.len() {
            if str_eq(KEYS[i], name) {
                return Seg(i as u32 + 1);
            }
            i += 1;
        }
        panic!("a nested record field missing from record::KEYS")
    }

    pub(crate) fn index(i: usize) -> Seg {
        Seg(u32::try_from(i).unwrap_or(u32::MAX).saturating_add(FIRST_INDEX))
    }

    fn step(self, v: &Value) -> Option<&Value> {
        match self.0 {
            i if i >= FIRST_INDEX => v.get((i - FIRST_INDEX) as usize),
            k => v.get(KEYS[k as usize - 1]),
        }
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Where a nested record sits in its document (records nest at most three deep:
/// `choices/0/message`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Path([Seg; 3]);

impl Path {
    pub(crate) const ROOT: Path = Path([Seg::END; 3]);

    pub(crate) fn push(self, seg: Seg) -> Path {
        let mut p = self;
        match p.0.iter_mut().find(|s| **s == Seg::END) {
            Some(slot) => *slot = seg,
            None => debug_assert!(false, "records nest at most three deep"),
        }
        p
    }

    fn is_root(&self) -> bool {
        self.0[0] == Seg::END
    }
}

/// A record's JSON: the document it was read from and its place in it.
///
/// A response body's record keeps the exact text (`raw_json()` returns the
/// server's bytes, not a re-serialization). Nested records share that text: the
/// typed parse reads each byte once, with no copy per nested object, and the first
/// `get(key)` or `to_value()` on any record of the document parses the document once
/// for all of them; later calls are lookups.
#[derive(Clone, Default)]
pub(crate) struct RawJson {
    /// `None` for a record built empty (an absent nested object): `{}`.
    doc: Option<Doc>,
    path: Path,
    /// A nested record's own text, made on first `raw_json()`.
    text: OnceBox<String>,
}

fn empty_object() -> &'static Value {
    static EMPTY: OnceLock<Value> = OnceLock::new();
    EMPTY.get_or_init(|| Value::Object(Map::new()))
}

impl RawJson {
    /// The record read from a whole text.
    pub(crate) fn root(text: &str) -> Doc {
        triomphe::Arc::from_header_and_str(OnceLock::new(), text)
    }

    pub(crate) fn at(doc: &Doc, path: Path) -> Self {
        Self::owning(doc.clone(), path)
    }

    /// A place to point at its document once the document is known (a strict
    /// parse builds records before it hands them their document):
    /// [`bind_pending`](Self::bind_pending) does it. Until then it reads as `{}`.
    pub(crate) fn pending(path: Path) -> Self {
        RawJson { doc: None, path, text: OnceBox::new() }
    }

    /// Points a [`pending`](Self::pending) place at `doc`; leaves an unbound
    /// default (the root path, no document) as it is.
    pub(crate) fn bind_pending(&mut self, doc: &Doc) {
        if self.doc.is_none() && !self.path.is_root() {
            self.doc = Some(doc.clone());
        }
    }

    /// [`at`](Self::at), moving a handle in (no count to change).
    pub(crate) fn owning(doc: Doc, path: Path) -> Self {
        RawJson { doc: Some(doc), path, text: OnceBox::new() }
    }

    /// The record's JSON value: for a nested record, `{}` when its place holds
    /// nothing or `null` (as the Python client's `X(raw or {})`).
    pub(crate) fn value(&self) -> &Value {
        let Some(doc) = &self.doc else { return empty_object() };
        let mut v = doc.header.get_or_init(|| serde_json::from_str(&doc.slice).unwrap_or(Value::Null));
        if self.path.is_root() {
            return v;
        }
        for seg in self.path.0.into_iter().take_while(|s| *s != Seg::END) {
            v = match seg.step(v) {
                Some(n) => n,
                None => return empty_object(),
            };
        }
        if v.is_null() { empty_object() } else { v }
    }

    pub(crate) fn object(&self) -> Option<&Map<String, Value>> {
        self.value().as_object()
    }

    pub(crate) fn to_value(&self) -> Value {
        self.value().clone()
    }

    pub(crate) fn is_root(&self) -> bool {
        self.doc.is_some() && self.path.is_root()
    }

    pub(crate) fn text(&self) -> &str {
        match &self.doc {
            Some(doc) if self.path.is_root() => &doc.slice,
            _ => self.text.get_or_init(|| Box::new(self.value().to_string())),
        }
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        (self.is_root() && other.is_root() && self.text() == other.text()) || self.value() == other.value()
    }
}

impl Eq for RawJson {}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.doc {
            Some(doc) if self.path.is_root() => write!(f, "<{} bytes of JSON>", doc.slice.len()),
            Some(_) => write!(f, "<JSON at {:?}>", self.path),
            None => f.write_str("<{}>"),
        }
    }
}

/// A record type: its typed fields read in one pass (the remote-derived
/// `deserialize`), and a walk that points it and its nested records at their
/// document.
pub(crate) trait Typed: Default + Sized {
    fn fields<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    fn bind(&mut self, doc: &Doc, path: Path);
}

/// Points nested records (one, optional, or a list) at their places.
pub(crate) trait Bind {
    fn bind_at(&mut self, doc: &Doc, path: Path);
}

impl<T: Typed> Bind for Vec<T> {
    fn bind_at(&mut self, doc: &Doc, path: Path) {
        for (i, item) in self.iter_mut().enumerate() {
            item.bind(doc, path.push(Seg::index(i)));
        }
    }
}

impl<T: Typed> Bind for Option<T> {
    fn bind_at(&mut self, doc: &Doc, path: Path) {
        if let Some(item) = self {
            item.bind(doc, path);
        }
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
/// `Serialize` (the server's JSON), equality by JSON value, and a total
/// `Deserialize` (any JSON value reads; a non-object is the empty record with its
/// JSON kept), which is how records read inside lists of other types. The struct
/// has a `raw: RawJson` field, derives `Default` and `Deserialize` with
/// `#[serde(remote = "Self")]` (an inherent `deserialize` for the typed fields),
/// and lists its nested record fields. `$fast` may read a whole document
/// strictly first, building the record already pointed at the document (`Err`
/// hands the document back and the lenient parse decides); it must give exactly
/// the record the lenient parse would. A fast path has no wire-quirk fixup.
macro_rules! raw_access {
    ($ty:ident, $fixup:expr, $fast:expr, [$($nested:ident),*]) => {
        impl $crate::record::Typed for $ty {
            fn fields<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $ty::deserialize(d)
            }
            fn bind(&mut self, doc: &$crate::record::Doc, path: $crate::record::Path) {
                self.raw = $crate::record::RawJson::at(doc, path);
                $( $crate::record::Bind::bind_at(&mut self.$nested, doc, path.push(const { $crate::record::Seg::key(stringify!($nested)) })); )*
            }
        }

        impl $crate::record::Bind for $ty {
            fn bind_at(&mut self, doc: &$crate::record::Doc, path: $crate::record::Path) {
                $crate::record::Typed::bind(self, doc, path);
            }
        }

        impl $ty {
            /// Parses a record from JSON text, keeping a copy of the text.
            ///
            /// Every field is read leniently (a `null`, a wrong type or a non-integral
            /// float in an integer field reads as absent, never as an error). A `null`
            /// body reads as the empty record. Only text that is not JSON, or JSON
            /// that is not an object, is an error.
            pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
                let doc = $crate::record::RawJson::root(json);
                // A body starts with `{` (checked first, as trimming costs more).
                let first = match json.as_bytes().first() {
                    Some(b'{') => Some(&b'{'),
                    _ => json.trim_start().as_bytes().first(),
                };
                let rec = match first {
                    Some(b'{') => {
                        let fast: fn($crate::record::Doc) -> Result<$ty, $crate::record::Doc> = $fast;
                        match fast(doc) {
                            Ok(rec) => return Ok(rec),
                            Err(doc) => {
                                let mut de = serde_json::Deserializer::from_str(json);
                                let rec = $ty::deserialize(&mut de)?;
                                de.end()?;
                                return Ok(Self::finish(rec, &doc));
                            }
                        }
                    }
                    _ => {
                        $crate::record::null_or_error(json, "a JSON object")?;
                        Self::default()
                    }
                };
                Ok(Self::finish(rec, &doc))
            }

            /// [`from_json`](Self::from_json) over an owned string (the record keeps
            /// its text in one shared allocation with the parsed value, so the
            /// string is copied there once).
            pub fn from_json_string(json: String) -> Result<Self, serde_json::Error> {
                Self::from_json(&json)
            }

            /// Points the record at its own document and applies its wire quirks.
            fn finish(mut rec: Self, doc: &$crate::record::Doc) -> Self {
                $crate::record::Typed::bind(&mut rec, doc, $crate::record::Path::ROOT);
                let fixup: fn(&mut $ty) = $fixup;
                fixup(&mut rec);
                rec
            }

            /// Builds a record from an already parsed JSON value.
            pub fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error> {
                Self::from_json_string(value.to_string())
            }

            /// The JSON text: exactly the server's bytes for a record read from a
            /// whole response body, the compact text of its value for a record read
            /// inside another one.
            pub fn raw_json(&self) -> &str {
                self.raw.text()
            }

            /// The server's JSON as a value, losslessly (typed fields are a view over it).
            pub fn to_value(&self) -> serde_json::Value {
                self.raw.to_value()
            }

            /// Reads one raw field, typed or not: the escape hatch for fields the
            /// platform adds before this crate names them. The document is parsed
            /// once, on the first call on any record of it; later calls are lookups.
            pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
                self.raw.object()?.get(key)
            }
        }

        impl serde::Serialize for $ty {
            /// Serializes the server's JSON (verbatim for a whole response body).
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if self.raw.is_root() {
                    match serde_json::value::RawValue::from_string(self.raw.text().to_owned()) {
                        Ok(raw) => raw.serialize(s),
                        Err(e) => Err(serde::ser::Error::custom(e)),
                    }
                } else {
                    self.raw.value().serialize(s)
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
            /// Reads a record on its own (in your types, in a list): it keeps its text.
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
                let text = raw.get();
                // Only a duplicate key can fail the typed parse of text that is
                // already valid JSON; the record then keeps its text and typed defaults.
                let rec = if text.starts_with('{') {
                    let mut de = serde_json::Deserializer::from_str(text);
                    $ty::deserialize(&mut de).unwrap_or_default()
                } else {
                    $ty::default()
                };
                Ok($ty::finish(rec, &$crate::record::RawJson::root(text)))
            }
        }
    };
}

/// A top-level record (a response body): the shared API plus response metadata.
macro_rules! record {
    ($ty:ident, fast: $fast:expr, nested: [$($nested:ident),*]) => {
        record!(@full $ty, |_r: &mut $ty| {}, $fast, [$($nested),*]);
    };
    ($ty:ident $(, nested: [$($nested:ident),*])?) => {
        record!($ty, |_r: &mut $ty| {} $(, nested: [$($nested),*])?);
    };
    ($ty:ident, $fixup:expr $(, nested: [$($nested:ident),*])?) => {
        record!(@full $ty, $fixup, Err, [$($($nested),*)?]);
    };
    (@full $ty:ident, $fixup:expr, $fast:expr, [$($nested:ident),*]) => {
        raw_access!($ty, $fixup, $fast, [$($nested),*]);

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
    ($ty:ident $(, nested: [$($nested:ident),*])?) => {
        raw_access!($ty, |_r: &mut $ty| {}, Err, [$($($nested),*)?]);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_parsed_once_for_every_record_of_it() {
        let doc = RawJson::root(r#"{"a": 1, "data": [{"c": 2}, null]}"#);
        let root = RawJson::at(&doc, Path::ROOT);
        let first = root.value() as *const Value;
        assert_eq!(root.value() as *const Value, first, "the second lookup reuses the first parse");
        let b0 = RawJson::at(&doc, Path::ROOT.push(Seg::key("data")).push(Seg::index(0)));
        assert_eq!(b0.object().and_then(|m| m.get("c")), Some(&serde_json::json!(2)));
        assert_eq!(b0.text(), r#"{"c":2}"#);
        // A null or missing place reads as `{}`.
        let b1 = RawJson::at(&doc, Path::ROOT.push(Seg::key("data")).push(Seg::index(1)));
        assert_eq!(b1.to_value(), serde_json::json!({}));
        let gone = RawJson::at(&doc, Path::ROOT.push(Seg::key("usage")));
        assert_eq!(gone.to_value(), serde_json::json!({}));
        assert_eq!(RawJson::default().text(), "{}");
        assert!(root.is_root() && !b0.is_root());
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
