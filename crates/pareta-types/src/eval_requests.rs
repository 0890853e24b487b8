//! The bodies of eval requests: rows for a set, a run on a set or inline rows,
//! the frontier to compare against, and how to wait for a run.

use serde::Serialize;
use serde_json::value::RawValue;
use std::time::Duration;

/// The rows of an eval set: JSON objects, each serialized once, in the caller's
/// field order (a struct's fields stay in declaration order in the JSONL).
///
/// Built from any `Serialize` items. A row that does not serialize, or is not a
/// JSON object, is reported as an invalid argument before any request is sent.
///
/// ```
/// use pareta_types::EvalRows;
/// #[derive(serde::Serialize)]
/// struct Row { input: &'static str, expected: &'static str }
/// let rows = EvalRows::new([Row { input: "a", expected: "b" }]);
/// assert_eq!(rows.to_jsonl(), br#"{"input":"a","expected":"b"}"#);
/// assert!(rows.check().is_ok());
/// assert!(EvalRows::new([1, 2]).check().unwrap_err().contains("row 0 is not a JSON object"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct EvalRows {
    rows: Vec<Box<RawValue>>,
    error: Option<String>,
}

impl PartialEq for EvalRows {
    fn eq(&self, other: &Self) -> bool {
        self.error == other.error && self.iter().eq(other.iter())
    }
}

impl Eq for EvalRows {}

impl EvalRows {
    /// Serializes `rows`, keeping each one's field order.
    pub fn new<I>(rows: I) -> Self
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let mut out = EvalRows::default();
        for (i, row) in rows.into_iter().enumerate() {
            match serde_json::value::to_raw_value(&row) {
                Ok(raw) => out.rows.push(raw),
                Err(e) => {
                    out.error = Some(format!("eval set row {i} could not be serialized: {e}"));
                    break;
                }
            }
        }
        out
    }
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    /// Each row's compact JSON text.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(|r| r.get())
    }
    /// Checks the rows: at least one, every one serialized, every one a JSON object.
    pub fn check(&self) -> Result<(), String> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.rows.is_empty() {
            return Err("eval set rows must not be empty".into());
        }
        match self.rows.iter().position(|r| !r.get().starts_with('{')) {
            Some(i) => Err(format!("eval set row {i} is not a JSON object")),
            None => Ok(()),
        }
    }
    /// The rows as JSONL: one compact object per row, joined by `\n`, no trailing newline.
    pub fn to_jsonl(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.rows.iter().map(|r| r.get().len() + 1).sum());
        for (i, row) in self.rows.iter().enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(row.get().as_bytes());
        }
        out
    }
}

/// Rows are themselves rows: `EvalRunCreate::inline(task, &set.rows, models)`.
impl<'a> IntoIterator for &'a EvalRows {
    type Item = &'a RawValue;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Box<RawValue>>, fn(&'a Box<RawValue>) -> &'a RawValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter().map(|r| &**r)
    }
}

impl IntoIterator for EvalRows {
    type Item = Box<RawValue>;
    type IntoIter = std::vec::IntoIter<Box<RawValue>>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.into_iter()
    }
}

impl<T: Serialize> FromIterator<T> for EvalRows {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        EvalRows::new(iter)
    }
}

/// The rows and task of a new eval set (`POST /v1/eval-sets`).
///
/// Rows are JSON objects in the task's schema, of any `Serialize` type; they
/// travel as JSONL, a struct's fields in declaration order.
///
/// ```
/// use pareta_types::EvalSetCreate;
/// use serde_json::json;
/// let req = EvalSetCreate::new("contract-key-fields", vec![json!({"input": "...", "expected": {}})])
///     .name("v1");
/// assert_eq!(req.name.as_deref(), Some("v1"));
/// assert_eq!(req.rows.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EvalSetCreate {
    /// The task id: carries the scorer and the input schema.
    pub task: String,
    /// The rows (must not be empty).
    pub rows: EvalRows,
    /// Label; defaults to `sdk eval set (<N> items)`.
    pub name: Option<String>,
}

impl EvalSetCreate {
    /// A set of `rows` (any `Serialize` items: `serde_json::Value`s, your structs) for `task`.
    pub fn new<I>(task: impl Into<String>, rows: I) -> Self
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        EvalSetCreate { task: task.into(), rows: EvalRows::new(rows), name: None }
    }

    /// A set from serializable rows, reporting a row that does not serialize now
    /// rather than when the request is made.
    pub fn from_rows<T: Serialize>(task: impl Into<String>, rows: &[T]) -> Result<Self, serde_json::Error> {
        let req = Self::new(task, rows);
        match &req.rows.error {
            Some(e) => Err(<serde_json::Error as serde::ser::Error>::custom(e)),
            None => Ok(req),
        }
    }

    /// Names the set.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// Which frontier (vendor) baselines a run scores beside the open candidates.
///
/// ```
/// use pareta_types::Frontier;
/// assert_eq!("benchmarked".parse::<Frontier>().unwrap(), Frontier::Benchmarked);
/// assert!("best".parse::<Frontier>().is_err());
/// assert_eq!(Frontier::from(vec!["gpt-4o"]), Frontier::Ids(vec!["gpt-4o".into()]));
/// assert_eq!(Frontier::from(["gpt-4o"]), Frontier::Ids(vec!["gpt-4o".into()]));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Frontier {
    /// No baselines (the default).
    #[default]
    None,
    /// Every frontier model available for the task.
    All,
    /// The frontier models on the task's leaderboard.
    Benchmarked,
    /// Exactly these vendor ids, as given (no roster lookup).
    Ids(Vec<String>),
}

impl std::str::FromStr for Frontier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Frontier::None),
            "all" => Ok(Frontier::All),
            "benchmarked" => Ok(Frontier::Benchmarked),
            other => Err(format!(
                "unknown frontier keyword {other:?}: expected \"none\", \"all\", \"benchmarked\" or a list of ids"
            )),
        }
    }
}

impl<S: Into<String>> From<Vec<S>> for Frontier {
    fn from(ids: Vec<S>) -> Self {
        Frontier::Ids(ids.into_iter().map(Into::into).collect())
    }
}

impl<S: Into<String>, const N: usize> From<[S; N]> for Frontier {
    fn from(ids: [S; N]) -> Self {
        Frontier::Ids(ids.into_iter().map(Into::into).collect())
    }
}

impl<S: AsRef<str>> From<&[S]> for Frontier {
    fn from(ids: &[S]) -> Self {
        Frontier::Ids(ids.iter().map(|s| s.as_ref().to_owned()).collect())
    }
}

/// How long to wait for a run, and how often to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitOptions {
    /// Time between polls (default 3 s).
    pub poll_interval: Duration,
    /// Give up waiting after this long (default 900 s); the run keeps going server-side.
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions { poll_interval: Duration::from_secs(3), timeout: Duration::from_secs(900) }
    }
}

impl WaitOptions {
    /// Sets the poll interval.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }
    /// Sets the overall deadline.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
}

/// Where a run's rows come from.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalRunSource {
    /// An existing eval set; `task`, when known, saves a lookup for frontier keywords.
    Set {
        /// The eval set id.
        eval_set_id: String,
        /// The set's task, if the caller knows it.
        task: Option<String>,
    },
    /// Rows to turn into a set first.
    Inline {
        /// The task id.
        task: String,
        /// The rows.
        rows: EvalRows,
    },
}

/// A new eval run (`POST /v1/eval-runs`), on a set or on inline rows.
///
/// ```
/// use pareta_types::{EvalRunCreate, Frontier, WaitOptions};
/// let on_set = EvalRunCreate::on_set("evset_1", ["qwen-1"]).frontier(Frontier::Benchmarked);
/// let inline = EvalRunCreate::inline("contract-key-fields", vec![serde_json::json!({"input": "x"})], ["qwen-1"])
///     .frontier("all".parse::<Frontier>().unwrap())
///     .wait(WaitOptions::default());
/// assert!(inline.wait.is_some() && on_set.wait.is_none());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EvalRunCreate {
    /// The set or the inline rows.
    pub source: EvalRunSource,
    /// Open candidate aliases.
    pub models: Vec<String>,
    /// Frontier baselines.
    pub frontier: Frontier,
    /// For an inline run, the name of the eval set created from the rows (the run
    /// itself carries no name on the wire). Ignored for a run on an existing set.
    pub name: Option<String>,
    /// Wait until terminal when set.
    pub wait: Option<WaitOptions>,
}

impl EvalRunCreate {
    /// A run over an existing eval set.
    pub fn on_set<I, S>(eval_set_id: impl Into<String>, models: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with_source(EvalRunSource::Set { eval_set_id: eval_set_id.into(), task: None }, models)
    }

    /// A run over rows (any `Serialize` items) that become an eval set first.
    pub fn inline<R, I, S>(task: impl Into<String>, rows: R, models: I) -> Self
    where
        R: IntoIterator,
        R::Item: Serialize,
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with_source(EvalRunSource::Inline { task: task.into(), rows: EvalRows::new(rows) }, models)
    }

    fn with_source<I, S>(source: EvalRunSource, models: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EvalRunCreate {
            source,
            models: models.into_iter().map(Into::into).collect(),
            frontier: Frontier::None,
            name: None,
            wait: None,
        }
    }

    /// Adds frontier baselines.
    pub fn frontier(mut self, frontier: impl Into<Frontier>) -> Self {
        self.frontier = frontier.into();
        self
    }
    /// Names the eval set an inline run creates (ignored for a run on an existing set).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Blocks until the run is terminal.
    pub fn wait(mut self, options: WaitOptions) -> Self {
        self.wait = Some(options);
        self
    }
    /// For a run on a set: the set's task, so frontier keywords skip the set lookup.
    pub fn task(mut self, task: impl Into<String>) -> Self {
        if let EvalRunSource::Set { task: t, .. } = &mut self.source {
            *t = Some(task.into());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontier_parses_keywords_only() {
        assert_eq!("none".parse::<Frontier>().unwrap(), Frontier::None);
        assert_eq!("all".parse::<Frontier>().unwrap(), Frontier::All);
        let err = "Benchmarked".parse::<Frontier>().unwrap_err();
        assert!(err.contains("Benchmarked"), "{err}");
    }

    #[test]
    fn rows_keep_struct_field_order_and_frontier_takes_arrays() {
        #[derive(Serialize)]
        struct Row {
            zeta: u8,
            alpha: &'static str,
        }
        let req = EvalRunCreate::inline("t", vec![Row { zeta: 1, alpha: "a" }], ["m"]).frontier(["gpt-4o", "o3"]);
        match &req.source {
            EvalRunSource::Inline { rows, .. } => assert_eq!(rows.to_jsonl(), br#"{"zeta":1,"alpha":"a"}"#),
            other => panic!("{other:?}"),
        }
        assert_eq!(req.frontier, Frontier::Ids(vec!["gpt-4o".into(), "o3".into()]));
        let ids = vec!["x".to_owned()];
        assert_eq!(Frontier::from(ids.as_slice()), Frontier::Ids(ids.clone()));
        let set = EvalSetCreate::new("t", [serde_json::json!({"b": 1}), serde_json::json!({"a": 2})]);
        assert_eq!(set.rows.to_jsonl(), b"{\"b\":1}\n{\"a\":2}");
        assert!(EvalSetCreate::new("t", Vec::<serde_json::Value>::new()).rows.check().is_err());
        let mut bad = std::collections::HashMap::new();
        bad.insert(vec![1u8], 1);
        assert!(EvalSetCreate::from_rows("t", &[bad]).is_err(), "non-string map keys do not serialize");
    }
}
