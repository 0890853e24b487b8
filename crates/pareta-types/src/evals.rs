//! Evals as the server returns them: sets, runs, results and the frontier roster.
//! Their request builders are in `eval_requests`, documents in `documents`.

use crate::record::RawJson;
use crate::{ModelKind, ResponseMeta, RunStatus, money};
use rust_decimal::Decimal;
use serde::Deserialize;

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
}
