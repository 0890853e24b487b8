//! Eval runs: create (validating candidates against the set's task) and
//! retrieve, which advances the status one step per poll:
//! queued → running → evaluating → completed (or failed, for a set whose
//! name contains "fail").

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::catalog::Task;
use crate::http::{ApiError, ApiResult, fnv, json_object, ok_json, req_str, round};
use crate::routes::eval_sets::find;
use crate::state::{AppState, Run};

/// What a candidate id resolves to on a task.
struct Candidate {
    id: String,
    kind: &'static str,
    quality: f64,
    cost: u64,
}

fn resolve(st: &AppState, task: &Task, id: &str) -> Result<Option<Candidate>, ApiError> {
    if let Some(e) = task.open_model(id) {
        return Ok(Some(Candidate { id: id.to_owned(), kind: "open", quality: e.quality, cost: e.cost }));
    }
    let (Some(model), Some(score)) = (st.catalog.frontier_model(id), task.frontier_score(id)) else {
        return Ok(None);
    };
    if task.is_blob() && !model.vision {
        return Err(ApiError::invalid(format!(
            "frontier model '{id}' has no vision support, which task '{}' needs",
            task.id
        )));
    }
    Ok(Some(Candidate { id: id.to_owned(), kind: "frontier", quality: score.quality, cost: score.cost }))
}

/// One deterministic result row and its total cost.
fn result_row(c: &Candidate, n: usize) -> (Value, u64) {
    let n = n.max(1);
    let h = fnv(&format!("{}:{n}", c.id));
    let jitter = ((h % 21) as f64 - 10.0) / 1000.0;
    let mean = round((c.quality + jitter).clamp(0.0, 1.0), 4);
    let half = 1.96 * (mean * (1.0 - mean) / n as f64).sqrt();
    let mean_cost = c.cost + 7 + (h >> 8) % (c.cost / 10 + 1);
    let row = json!({
        "model_id": c.id,
        "kind": c.kind,
        "quality_mean": mean,
        "quality_ci_low": round((mean - half).max(0.0), 4),
        "quality_ci_high": round((mean + half).min(1.0), 4),
        "mean_cost_micro_usd": mean_cost,
        "n_succeeded": n,
        "error_count": 0,
    });
    (row, mean_cost * n as u64)
}

/// `POST /v1/eval-runs` `{"eval_set_id", "candidate_model_ids"}`.
pub(crate) async fn create(State(st): State<Arc<AppState>>, body: Bytes) -> ApiResult {
    let obj = json_object(&body)?;
    let set_id = req_str(&obj, "eval_set_id")?.to_owned();
    let ids: Vec<String> = match obj.get("candidate_model_ids") {
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::invalid("candidate_model_ids must be a list of strings"))?,
        Some(Value::Null) | None => {
            return Err(ApiError::invalid("field 'candidate_model_ids' is required"));
        }
        Some(_) => return Err(ApiError::invalid("candidate_model_ids must be a list of strings")),
    };
    let set = find(&st, &set_id)?;
    if ids.is_empty() {
        return Err(ApiError::invalid("candidate_model_ids must not be empty"));
    }
    let task = st
        .catalog
        .task(&set.task_id)
        .ok_or_else(|| ApiError::not_found(format!("task '{}' not found", set.task_id)))?;
    let mut candidates = Vec::new();
    let mut unknown = Vec::new();
    for id in &ids {
        match resolve(&st, task, id)? {
            Some(c) => candidates.push(c),
            None => unknown.push(id.as_str()),
        }
    }
    if !unknown.is_empty() {
        let aliases: Vec<&str> = task.models.iter().map(|e| e.name).collect();
        return Err(ApiError::invalid(format!(
            "unknown model ids for task '{}': {} (open aliases: {}; or a frontier model id)",
            task.id,
            unknown.join(", "),
            aliases.join(", ")
        )));
    }
    let n = set.items.len();
    let mut results = Vec::new();
    let mut total = 0;
    for c in &candidates {
        let (row, cost) = result_row(c, n);
        results.push(row);
        total += cost;
    }
    // Metered: the whole run is debited up front, or 402 before any work.
    st.charge(total, &format!("an eval run of {} candidates on {n} items", candidates.len()))?;
    let run_id = {
        let mut db = st.db();
        let run = Run {
            id: db.next_run_id(),
            eval_set_id: set.id.clone(),
            candidate_model_ids: ids,
            polls: 0,
            fail: set.name.to_lowercase().contains("fail"),
            results,
            total_cost_micro_usd: total,
            created: db.tick(),
        };
        let id = run.id.clone();
        db.runs.push(run);
        id
    };
    // The receipt, as on chat completions (an idempotent replay bills 0).
    let mut resp = ok_json(json!({ "run_id": run_id, "status": "queued" }))?;
    resp.headers_mut().insert("x-pareta-billed", axum::http::HeaderValue::from(total));
    Ok(resp)
}

/// `GET /v1/eval-runs/{id}`: advances the run one status per call.
pub(crate) async fn retrieve(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let mut db = st.db();
    let run = db
        .runs
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found(format!("eval run '{id}' not found")))?;
    run.polls = run.polls.saturating_add(1);
    ok_json(run.envelope())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_deterministic_and_sane() {
        let c = Candidate { id: "contract-1".into(), kind: "open", quality: 0.91, cost: 420 };
        let (a, cost_a) = result_row(&c, 25);
        let (b, cost_b) = result_row(&c, 25);
        assert_eq!(a, b);
        assert_eq!(cost_a, cost_b);
        let mean = a["quality_mean"].as_f64().unwrap_or_default();
        let low = a["quality_ci_low"].as_f64().unwrap_or_default();
        let high = a["quality_ci_high"].as_f64().unwrap_or_default();
        assert!(low <= mean && mean <= high && (0.89..=0.93).contains(&mean));
        assert!(a["mean_cost_micro_usd"].as_u64().is_some_and(|c| c > 420));
    }
}
