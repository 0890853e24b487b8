//! Evals: sets, runs, results, the frontier roster, and their request builders.

use crate::record::RawJson;
use crate::{ModelKind, ResponseMeta, RunStatus, money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A vendor model you can evaluate against (never deployed).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct FrontierModel {
    /// Vendor model id, in the clear; empty when the server sent none.
    #[serde(default, deserialize_with = "crate::de::id")]
    pub id: String,
    /// `"openai"`, `"anthropic"`, ...
    #[serde(default, deserialize_with = "crate::de::string")]
    pub vendor: Option<String>,
    /// Vision-capable (absent or null reads false).
    #[serde(default, deserialize_with = "crate::de::flag")]
    pub vision: bool,
    /// On the task's leaderboard; only meaningful when the roster was asked for a task.
    #[serde(default, deserialize_with = "crate::de::flag")]
    pub benchmarked: bool,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(FrontierModel);

/// A reusable evaluation dataset bound to a task.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct EvalSet {
    /// Eval set id; empty when the server sent none.
    #[serde(default, deserialize_with = "crate::de::id")]
    pub id: String,
    /// The task this set is graded against.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub task_id: Option<String>,
    /// Label.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub name: Option<String>,
    /// Number of rows.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub item_count: Option<u64>,
    /// How rows are graded, e.g. `"extraction"`.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub scoring_strategy: Option<String>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(EvalSet);

/// One model's aggregate over a run.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct EvalResult {
    /// Per-task alias (open) or vendor id (frontier); empty when the server sent none.
    #[serde(default, deserialize_with = "crate::de::id")]
    pub model_id: String,
    /// [`ModelKind::Open`] or [`ModelKind::Frontier`].
    #[serde(default, deserialize_with = "crate::de::open")]
    pub kind: Option<ModelKind>,
    /// Mean score in `[0, 1]`.
    #[serde(default, deserialize_with = "crate::de::float")]
    pub quality_mean: Option<f64>,
    /// 95% CI lower bound.
    #[serde(default, deserialize_with = "crate::de::float")]
    pub quality_ci_low: Option<f64>,
    /// 95% CI upper bound.
    #[serde(default, deserialize_with = "crate::de::float")]
    pub quality_ci_high: Option<f64>,
    /// Average cost per item in micro-USD (not floored).
    #[serde(default, deserialize_with = "crate::de::int")]
    pub mean_cost_micro_usd: Option<i64>,
    /// Rows that scored cleanly.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub n_succeeded: Option<u64>,
    /// Rows that errored.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub error_count: Option<u64>,
    #[serde(skip)]
    raw: RawJson,
}
nested!(EvalResult);

/// The state of an evaluation, flattened from `{"run": {...}, "results": [...]}`.
///
/// A run returned by a create without waiting carries only `id` (from `run_id`)
/// and `status`.
///
/// ```
/// use pareta_types::{EvalRun, RunStatus};
/// let run = EvalRun::from_json(r#"{"run":{"id":"run_1","status":"completed","total_cost_micro_usd":420715.0,"candidate_model_ids":["a"]},"results":null}"#)?;
/// assert!(run.is_terminal());
/// assert_eq!(run.status, Some(RunStatus::Completed));
/// assert_eq!(run.cost().to_string(), "0.42");
/// assert_eq!(run.cost_micro_usd, 420_715); // an integral float reads as the integer
/// assert!(run.results.is_empty()); // `null` reads as empty
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct EvalRun {
    /// Run id; empty when the server sent none.
    #[serde(skip)]
    pub id: String,
    /// The set evaluated.
    #[serde(skip)]
    pub eval_set_id: Option<String>,
    /// [`RunStatus::Queued`], [`RunStatus::Running`], ..., [`RunStatus::Completed`],
    /// [`RunStatus::Failed`], or anything new.
    #[serde(default, deserialize_with = "crate::de::open")]
    pub status: Option<RunStatus>,
    /// The model ids evaluated (open and frontier).
    #[serde(skip)]
    pub candidate_models: Vec<String>,
    /// Failure message when `status == "failed"`.
    #[serde(skip)]
    pub error_detail: Option<String>,
    /// Raw total cost in micro-USD (`run.total_cost_micro_usd`; absent, `null` or
    /// non-integral reads 0).
    #[serde(skip)]
    pub cost_micro_usd: i64,
    /// One aggregate per model, populated once terminal.
    #[serde(default, deserialize_with = "crate::de::records")]
    pub results: Vec<EvalResult>,
    #[serde(default, deserialize_with = "crate::de::object")]
    run: Option<RunFields>,
    #[serde(default, deserialize_with = "crate::de::id")]
    run_id: String,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(EvalRun, |r: &mut EvalRun| {
    if let Some(run) = r.run.take() {
        r.id = run.id;
        r.eval_set_id = run.eval_set_id;
        r.status = run.status.or(r.status.take());
        r.candidate_models = run.candidate_model_ids;
        r.error_detail = run.error_detail;
        r.cost_micro_usd = run.total_cost_micro_usd.unwrap_or(0);
    }
    if r.id.is_empty() {
        r.id = std::mem::take(&mut r.run_id);
    }
}, nested: [results]);

#[derive(Clone, Debug, Default, Deserialize)]
struct RunFields {
    #[serde(default, deserialize_with = "crate::de::id")]
    id: String,
    #[serde(default, deserialize_with = "crate::de::string")]
    eval_set_id: Option<String>,
    #[serde(default, deserialize_with = "crate::de::open")]
    status: Option<RunStatus>,
    #[serde(default, deserialize_with = "crate::de::strings")]
    candidate_model_ids: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::string")]
    error_detail: Option<String>,
    #[serde(default, deserialize_with = "crate::de::int")]
    total_cost_micro_usd: Option<i64>,
}

impl EvalRun {
    /// Statuses after which a run never changes.
    pub const TERMINAL_STATUSES: [&'static str; 2] = ["completed", "failed"];

    /// True when the status is `"completed"` or `"failed"`.
    pub fn is_terminal(&self) -> bool {
        self.status.as_ref().is_some_and(RunStatus::is_terminal)
    }

    /// The billed total in dollars, floored to whole cents (never rounded up).
    pub fn cost(&self) -> Decimal {
        money::floor_to_cents(self.cost_micro_usd)
    }
}

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

/// The bytes of a document to attach: a file (streamed, never read whole) or memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Document {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes in memory (shared, so retries never copy them).
    Bytes(Arc<[u8]>),
}

impl Document {
    /// A file on disk.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Document::Path(path.into())
    }
    /// Bytes in memory.
    pub fn bytes(bytes: impl Into<Arc<[u8]>>) -> Self {
        Document::Bytes(bytes.into())
    }
    /// The multipart filename: the file's base name, or `upload` for bytes.
    pub fn file_name(&self) -> String {
        match self {
            Document::Path(p) => {
                p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "upload".to_owned())
            }
            Document::Bytes(_) => "upload".to_owned(),
        }
    }
    /// The file path, for a file document.
    pub fn as_path(&self) -> Option<&Path> {
        match self {
            Document::Path(p) => Some(p),
            Document::Bytes(_) => None,
        }
    }
}

impl From<Vec<u8>> for Document {
    fn from(bytes: Vec<u8>) -> Self {
        Document::bytes(bytes)
    }
}

impl From<&[u8]> for Document {
    fn from(bytes: &[u8]) -> Self {
        Document::bytes(bytes)
    }
}

impl From<Arc<[u8]>> for Document {
    fn from(bytes: Arc<[u8]>) -> Self {
        Document::Bytes(bytes)
    }
}

impl From<PathBuf> for Document {
    fn from(path: PathBuf) -> Self {
        Document::Path(path)
    }
}

impl From<&PathBuf> for Document {
    fn from(path: &PathBuf) -> Self {
        Document::Path(path.clone())
    }
}

impl From<&Path> for Document {
    fn from(path: &Path) -> Self {
        Document::Path(path.to_owned())
    }
}

/// A string is a file path, as in the Python client (`Document::bytes` for text content).
impl From<&str> for Document {
    fn from(path: &str) -> Self {
        Document::Path(path.into())
    }
}

/// A string is a file path, as in the Python client (`Document::bytes` for text content).
impl From<String> for Document {
    fn from(path: String) -> Self {
        Document::Path(path.into())
    }
}

/// A document for one row's blob field (`evals.sets.upload_document`).
///
/// ```
/// use pareta_types::{Document, UploadDocument};
/// let up = UploadDocument::new("evset_1", 0, "document", "scans/invoice.pdf").mime("application/pdf");
/// assert_eq!(up.document, Document::path("scans/invoice.pdf"));
/// assert_eq!(up.document.file_name(), "invoice.pdf");
/// let up = UploadDocument::new("evset_1", 1, "document", b"%PDF-1.7".to_vec());
/// assert_eq!(up.document.file_name(), "upload");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadDocument {
    /// The set to attach to.
    pub eval_set_id: String,
    /// 0-based row index.
    pub idx: u64,
    /// The blob input field of the task schema.
    pub field_name: String,
    /// The bytes.
    pub document: Document,
    /// MIME type; guessed from the file name when absent, else `application/octet-stream`.
    pub mime: Option<String>,
}

impl UploadDocument {
    /// Attach `document` (a [`Document`], a path as `&str`/`&Path`/`PathBuf`, or bytes
    /// as `Vec<u8>`/`&[u8]`) to row `idx`'s `field_name`.
    pub fn new(
        eval_set_id: impl Into<String>,
        idx: u64,
        field_name: impl Into<String>,
        document: impl Into<Document>,
    ) -> Self {
        UploadDocument {
            eval_set_id: eval_set_id.into(),
            idx,
            field_name: field_name.into(),
            document: document.into(),
            mime: None,
        }
    }
    /// Sets the MIME type.
    pub fn mime(mut self, mime: impl Into<String>) -> Self {
        self.mime = Some(mime.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_envelope_flattens_and_cost_comes_from_total() {
        let run = EvalRun::from_json(
            r#"{"run":{"id":"r1","eval_set_id":"s1","status":"failed","candidate_model_ids":["a","gpt-4o"],"error_detail":"boom","total_cost_micro_usd":5},
                "results":[{"model_id":"a","kind":"open","quality_mean":0.5,"mean_cost_micro_usd":850,"n_succeeded":3,"error_count":0}]}"#,
        )
        .unwrap();
        assert_eq!(run.id, "r1");
        assert_eq!(run.eval_set_id.as_deref(), Some("s1"));
        assert_eq!(run.candidate_models, ["a", "gpt-4o"]);
        assert_eq!(run.error_detail.as_deref(), Some("boom"));
        assert_eq!(run.cost_micro_usd, 5);
        assert_eq!(run.cost().to_string(), "0.00");
        assert!(run.is_terminal());
        assert_eq!(run.results[0].mean_cost_micro_usd, Some(850));
    }

    #[test]
    fn created_run_has_id_and_status_only() {
        let run = EvalRun::from_json(r#"{"run_id":"r2","status":"queued"}"#).unwrap();
        assert_eq!(run.id, "r2");
        assert_eq!(run.status, Some(RunStatus::Queued));
        assert_eq!(run.cost_micro_usd, 0);
        assert!(!run.is_terminal());
        assert!(run.results.is_empty());
    }

    #[test]
    fn missing_cost_reads_zero() {
        let run = EvalRun::from_json(r#"{"run":{"id":"r","status":"running"}}"#).unwrap();
        assert_eq!(run.cost_micro_usd, 0);
        assert_eq!(run.status, Some(RunStatus::Running));
    }

    #[test]
    fn frontier_booleans_read_null_as_false() {
        let f = FrontierModel::from_json(r#"{"id":"gpt-4o","vendor":"openai","vision":null}"#).unwrap();
        assert!(!f.vision && !f.benchmarked);
    }

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

    #[test]
    fn documents_convert_from_paths_and_bytes() {
        let p = Path::new("/a/b/scan.tiff");
        for d in [Document::from(p), Document::from(p.to_path_buf()), Document::from("/a/b/scan.tiff")] {
            assert_eq!(d.as_path(), Some(p));
        }
        assert_eq!(Document::from(&b"x"[..]), Document::bytes(vec![b'x']));
    }

    #[test]
    fn document_names() {
        assert_eq!(Document::path("/a/b/scan.tiff").file_name(), "scan.tiff");
        assert_eq!(Document::bytes(vec![1u8]).file_name(), "upload");
    }
}
