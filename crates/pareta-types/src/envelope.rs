//! Reading the envelopes the list and wrapper routes answer with, as leniently as
//! the platform's Python client 0.1.0 (`(raw or {}).get("tasks") or []`).
//!
//! - A `null` body, an empty object, a missing key or a `null` under the key read as
//!   the empty list (or the empty record).
//! - Each element is read by the record's own total reader: a `null` element is
//!   the empty record, and every element keeps its exact JSON text.
//! - Text that is not JSON, or a body of the wrong shape (a string, a number; a
//!   non-empty object where a bare array belongs), is an error.
//!
//! ```
//! use pareta_types::{Task, envelope};
//! let tasks: Vec<Task> = envelope::list_in(r#"{"tasks":[{"id":"t1"},null]}"#, "tasks")?;
//! assert_eq!(tasks.len(), 2);
//! assert_eq!(tasks[0].id, "t1");
//! assert_eq!(tasks[1].id, "");
//! assert!(envelope::list_in::<Task>("{}", "tasks")?.is_empty());
//! assert!(envelope::list_in::<Task>(r#"{"tasks":null}"#, "tasks")?.is_empty());
//! assert!(envelope::list_in::<Task>("not json", "tasks").is_err());
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::de::{DeserializeOwned, Error as _};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;

/// The records of a bare JSON array body (`GET /v1/endpoints`). A `null` body or
/// `{}` reads as empty.
pub fn list<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, serde_json::Error> {
    match text.trim_start().as_bytes().first() {
        Some(b'[') => lenient_list(text),
        Some(b'{') => {
            let map: HashMap<Cow<'_, str>, &RawValue> = serde_json::from_str(text)?;
            if map.is_empty() {
                Ok(Vec::new())
            } else {
                Err(serde_json::Error::custom("expected a JSON array, found a non-empty object"))
            }
        }
        _ => {
            crate::record::null_or_error(text, "a JSON array")?;
            Ok(Vec::new())
        }
    }
}

/// The records of the list under `key` of an object body (`{"tasks": [...]}`).
pub fn list_in<T: DeserializeOwned>(text: &str, key: &str) -> Result<Vec<T>, serde_json::Error> {
    match field(text, key)? {
        Some(raw) => lenient_list(raw.get()),
        None => Ok(Vec::new()),
    }
}

/// The record under `key` of an object body (`{"eval_set": {...}}`); a missing or
/// `null` key reads as the empty record.
pub fn record_in<T: DeserializeOwned>(text: &str, key: &str) -> Result<T, serde_json::Error> {
    match field(text, key)? {
        Some(raw) => serde_json::from_str(raw.get()),
        None => serde_json::from_str("{}"),
    }
}

/// The raw value under `key`, `None` for a `null` body or a missing key.
fn field<'a>(text: &'a str, key: &str) -> Result<Option<&'a RawValue>, serde_json::Error> {
    if !text.trim_start().starts_with('{') {
        crate::record::null_or_error(text, "a JSON object")?;
        return Ok(None);
    }
    let mut map: HashMap<Cow<'a, str>, &'a RawValue> = serde_json::from_str(text)?;
    Ok(map.remove(key))
}

fn lenient_list<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let items = crate::de::list(&mut de)?;
    de.end()?;
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Endpoint, EvalSet};

    #[test]
    fn bare_arrays() {
        let eps: Vec<Endpoint> = list(r#"[{"name":"a"}, null, 5]"#).unwrap();
        assert_eq!(eps.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["a", "", ""]);
        assert_eq!(eps[2].raw_json(), "5", "a non-object element keeps its text");
        assert!(list::<Endpoint>("null").unwrap().is_empty());
        assert!(list::<Endpoint>("{}").unwrap().is_empty());
        assert!(list::<Endpoint>(r#"{"a":1}"#).is_err());
        assert!(list::<Endpoint>(r#""x""#).unwrap_err().to_string().contains("array"));
        assert!(list::<Endpoint>("[1,").is_err());
    }

    #[test]
    fn keyed_lists_and_records() {
        for body in ["{}", "null", r#"{"eval_sets":null}"#, r#"{"eval_sets":{}}"#, r#"{"eval_sets":"x"}"#] {
            assert!(list_in::<EvalSet>(body, "eval_sets").unwrap().is_empty(), "{body}");
        }
        let set: EvalSet = record_in(r#"{"eval_set":{"id":"s1","item_count":3.0}}"#, "eval_set").unwrap();
        assert_eq!((set.id.as_str(), set.item_count), ("s1", Some(3)));
        let set: EvalSet = record_in(r#"{"eval_set":null}"#, "eval_set").unwrap();
        assert_eq!(set.id, "");
        let set: EvalSet = record_in("{}", "eval_set").unwrap();
        assert_eq!(set.raw_json(), "{}");
        assert!(record_in::<EvalSet>("[]", "eval_set").is_err());
    }
}
