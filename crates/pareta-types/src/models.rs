//! `GET /v1/models`: the OpenAI-compatible list of callable endpoints.

use crate::ResponseMeta;
use crate::record::RawJson;
use serde::Deserialize;

/// One callable model (a deployed endpoint).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct Model {
    /// Endpoint id; pass it as `ChatCompletionRequest::model`. Empty when the server
    /// sent none.
    #[serde(default, deserialize_with = "crate::de::id")]
    pub id: String,
    /// `"pareta"` or a vendor name.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub owned_by: Option<String>,
    /// Unix timestamp.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub created: Option<i64>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(Model);

/// The `{"object": "list", "data": [...]}` envelope; iterable, with a length.
///
/// ```
/// use pareta_types::ModelList;
/// let list = ModelList::from_json(r#"{"object":"list","data":[{"id":"ep_1","owned_by":"pareta"}]}"#)?;
/// assert_eq!(list.len(), 1);
/// for m in &list {
///     assert_eq!(m.id, "ep_1");
/// }
/// // A null or missing `data`, or an empty body, is an empty list.
/// assert!(ModelList::from_json(r#"{"data":null}"#)?.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct ModelList {
    /// The models.
    #[serde(default, deserialize_with = "crate::de::records")]
    pub data: Vec<Model>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(ModelList, nested: [data]);

impl ModelList {
    /// Number of models.
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// True when no endpoint is callable.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// Iterates the models.
    pub fn iter(&self) -> std::slice::Iter<'_, Model> {
        self.data.iter()
    }
}

impl<'a> IntoIterator for &'a ModelList {
    type Item = &'a Model;
    type IntoIter = std::slice::Iter<'a, Model>;
    fn into_iter(self) -> Self::IntoIter {
        self.data.iter()
    }
}

impl IntoIterator for ModelList {
    type Item = Model;
    type IntoIter = std::vec::IntoIter<Model>;
    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}
