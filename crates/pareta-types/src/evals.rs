//! Evals: sets, runs, results, the frontier roster, and their request builders.

use crate::record::RawJson;
use crate::{ResponseMeta, money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A vendor model you can evaluate against (never deployed).
#[derive(Clone, Debug, Deserialize)]
#[serde(remote = "Self")]
pub struct FrontierModel {
    /// Vendor model id, in the clear.
    #[serde(default)]
    pub id: Option<String>,
    /// `"openai"`, `"anthropic"`, ...
    #[serde(default)]
    pub vendor: Option<String>,
    /// Vision-capable (absent or null reads false).
    #[serde(default, deserialize_with = "crate::de::null_as_false")]
    pub vision: bool,
    /// On the task's leaderboard; only meaningful when the roster was asked for a task.
    #[serde(default, deserialize_with = "crate::de::null_as_false")]
    pub benchmarked: bool,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(FrontierModel);

/// A reusable evaluation dataset bound to a task.
#[derive(Clone, Debug, Deserialize)]
#[serde(remote = "Self")]
pub struct EvalSet {
    /// Eval set id.
    #[serde(default)]
    pub id: Option<String>,
    /// The task this set is graded against.
    #[serde(default)]
    pub task_id: Option<String>,
    /// Label.
    #[serde(default)]
    pub name: Option<String>,
    /// Number of rows.
    #[serde(default)]
    pub item_count: Option<u64>,
    /// How rows are graded, e.g. `"extraction"`.
    #[serde(default)]
    pub scoring_strategy: Option<String>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(EvalSet);

/// One model's aggregate over a run.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct EvalResult {
    /// Per-task alias (open) or vendor id (frontier).
    #[serde(default)]
    pub model_id: Option<String>,
    /// `"open"` or `"frontier"`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Mean score in `[0, 1]`.
    #[serde(default)]
    pub quality_mean: Option<f64>,
    /// 95% CI lower bound.
    #[serde(default)]
    pub quality_ci_low: Option<f64>,
    /// 95% CI upper bound.
    #[serde(default)]
    pub quality_ci_high: Option<f64>,
    /// Average cost per item in micro-USD (not floored).
    #[serde(default)]
    pub mean_cost_micro_usd: Option<i64>,
    /// Rows that scored cleanly.
    #[serde(default)]
    pub n_succeeded: Option<u64>,
    /// Rows that errored.
    #[serde(default)]
    pub error_count: Option<u64>,
}

/// The state of an evaluation, flattened from `{"run": {...}, "results": [...]}`.
///
/// A run returned by a create without waiting carries only `id` (from `run_id`)
/// and `status`.
///
/// ```
/// use pareta_types::EvalRun;
/// let run = EvalRun::from_json(r#"{"run":{"id":"run_1","status":"completed","total_cost_micro_usd":420715,"candidate_model_ids":["a"]},"results":[]}"#)?;
/// assert!(run.is_terminal());
/// assert_eq!(run.cost().to_string(), "0.42");
/// assert_eq!(run.cost_micro_usd, 420_715);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(remote = "Self")]
pub struct EvalRun {
    /// Run id.
    #[serde(skip)]
    pub id: Option<String>,
    /// The set evaluated.
    #[serde(skip)]
    pub eval_set_id: Option<String>,
    /// `"queued"`, `"running"`, `"evaluating"`, `"completed"`, `"failed"`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// The model ids evaluated (open and frontier).
    #[serde(skip)]
    pub candidate_models: Vec<String>,
    /// Failure message when `status == "failed"`.
    #[serde(skip)]
    pub error_detail: Option<String>,
    /// Raw total cost in micro-USD (`run.total_cost_micro_usd`; absent reads 0).
    #[serde(skip)]
    pub cost_micro_usd: i64,
    /// One aggregate per model, populated once terminal.
    #[serde(default)]
    pub results: Vec<EvalResult>,
    #[serde(default)]
    run: Option<RunFields>,
    #[serde(default)]
    run_id: Option<String>,
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
    if r.id.is_none() {
        r.id = r.run_id.take();
    }
});

#[derive(Clone, Debug, Default, Deserialize)]
struct RunFields {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    eval_set_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    candidate_model_ids: Vec<String>,
    #[serde(default)]
    error_detail: Option<String>,
    #[serde(default)]
    total_cost_micro_usd: Option<i64>,
}

impl EvalRun {
    /// Statuses after which a run never changes.
    pub const TERMINAL_STATUSES: [&'static str; 2] = ["completed", "failed"];

    /// True when the status is `"completed"` or `"failed"`.
    pub fn is_terminal(&self) -> bool {
        self.status.as_deref().is_some_and(|s| Self::TERMINAL_STATUSES.contains(&s))
    }

    /// The billed total in dollars, floored to whole cents (never rounded up).
    pub fn cost(&self) -> Decimal {
        money::floor_to_cents(self.cost_micro_usd)
    }
}

/// The rows and task of a new eval set (`POST /v1/eval-sets`).
///
/// Rows are JSON objects in the task's schema; they travel as JSONL.
///
/// ```
/// use pareta_types::EvalSetCreate;
/// use serde_json::json;
/// let req = EvalSetCreate::new("contract-key-fields", vec![json!({"input": "...", "expected": {}})])
///     .name("v1");
/// assert_eq!(req.name.as_deref(), Some("v1"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EvalSetCreate {
    /// The task id: carries the scorer and the input schema.
    pub task: String,
    /// The rows (must not be empty).
    pub rows: Vec<Value>,
    /// Label; defaults to `sdk eval set (<N> items)`.
    pub name: Option<String>,
}

impl EvalSetCreate {
    /// A set of `rows` for `task`.
    pub fn new(task: impl Into<String>, rows: Vec<Value>) -> Self {
        EvalSetCreate { task: task.into(), rows, name: None }
    }

    /// A set from any serializable rows (your own structs).
    pub fn from_rows<T: Serialize>(task: impl Into<String>, rows: &[T]) -> Result<Self, serde_json::Error> {
        let rows = rows.iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
        Ok(Self::new(task, rows))
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
        rows: Vec<Value>,
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

    /// A run over rows that become an eval set first.
    pub fn inline<I, S>(task: impl Into<String>, rows: Vec<Value>, models: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with_source(EvalRunSource::Inline { task: task.into(), rows }, models)
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

impl From<PathBuf> for Document {
    fn from(path: PathBuf) -> Self {
        Document::Path(path)
    }
}

/// A document for one row's blob field (`evals.sets.upload_document`).
///
/// ```
/// use pareta_types::{Document, UploadDocument};
/// let up = UploadDocument::new("evset_1", 0, "document", Document::path("invoice.pdf"))
///     .mime("application/pdf");
/// assert_eq!(up.document.file_name(), "invoice.pdf");
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
    /// Attach `document` to row `idx`'s `field_name`.
    pub fn new(eval_set_id: impl Into<String>, idx: u64, field_name: impl Into<String>, document: Document) -> Self {
        UploadDocument { eval_set_id: eval_set_id.into(), idx, field_name: field_name.into(), document, mime: None }
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
        assert_eq!(run.id.as_deref(), Some("r1"));
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
        assert_eq!(run.id.as_deref(), Some("r2"));
        assert_eq!(run.status.as_deref(), Some("queued"));
        assert_eq!(run.cost_micro_usd, 0);
        assert!(!run.is_terminal());
        assert!(run.results.is_empty());
    }

    #[test]
    fn missing_cost_reads_zero() {
        let run = EvalRun::from_json(r#"{"run":{"id":"r","status":"running"}}"#).unwrap();
        assert_eq!(run.cost_micro_usd, 0);
        assert_eq!(run.status.as_deref(), Some("running"));
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
    fn document_names() {
        assert_eq!(Document::path("/a/b/scan.tiff").file_name(), "scan.tiff");
        assert_eq!(Document::bytes(vec![1u8]).file_name(), "upload");
    }
}
