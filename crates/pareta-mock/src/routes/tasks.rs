//! The benchmark catalog: tasks, the intent matcher, leaderboards and the
//! frontier roster.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

use crate::catalog::Task;
use crate::http::{ApiError, ApiResult, json_object, ok_json, round};
use crate::state::AppState;

/// A top score at or above this counts as a match.
const MATCH_THRESHOLD: f64 = 0.4;
/// Top two scores closer than this are ambiguous.
const AMBIGUITY_GAP: f64 = 0.1;

fn task_or_404<'a>(st: &'a AppState, id: &str) -> Result<&'a Task, ApiError> {
    st.catalog.task(id).ok_or_else(|| ApiError::not_found(format!("task '{id}' not found")))
}

/// `GET /v1/tasks`.
pub(crate) async fn list(State(st): State<Arc<AppState>>) -> ApiResult {
    let tasks: Vec<Value> = st.catalog.tasks.iter().map(|t| t.record(None)).collect();
    ok_json(json!({ "tasks": tasks }))
}

/// `GET /v1/tasks/{id}?examples_n=N`.
pub(crate) async fn retrieve(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let task = task_or_404(&st, &id)?;
    let examples_n = match q.get("examples_n") {
        None => None,
        Some(raw) => Some(
            raw.trim()
                .parse::<usize>()
                .map_err(|_| ApiError::invalid(format!("examples_n must be a non-negative integer, got '{raw}'")))?,
        ),
    };
    ok_json(task.record(examples_n))
}

/// `GET /v1/tasks/{id}/leaderboard`.
pub(crate) async fn leaderboard(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    ok_json(task_or_404(&st, &id)?.leaderboard())
}

/// `GET /v1/eval/frontier-models[?task=T]`.
pub(crate) async fn frontier_models(
    State(st): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let task = match q.get("task").filter(|t| !t.is_empty()) {
        Some(id) => Some(task_or_404(&st, id)?),
        None => None,
    };
    let models: Vec<Value> = st
        .catalog
        .frontier
        .iter()
        .filter(|f| task.is_none_or(|t| !t.is_blob() || f.vision))
        .map(|f| {
            let mut rec = json!({
                "id": f.id,
                "vendor": f.vendor,
                "vision": f.vision,
                "context_k": f.context_k,
            });
            if let Some(t) = task {
                rec["benchmarked"] = json!(t.benchmarked.contains(&f.id));
            }
            rec
        })
        .collect();
    ok_json(json!({ "frontier_models": models }))
}

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "each", "for", "from", "i", "in", "into", "is", "it",
    "me", "my", "need", "of", "on", "or", "other", "our", "out", "please", "some", "that", "the", "their", "them",
    "this", "to", "want", "we", "with", "you",
];

/// Lower-cased, stop-word-free, crudely singularized words.
fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() >= 2 && !STOPWORDS.contains(&w.as_str()))
        .map(|w| {
            if let Some(stem) = w.strip_suffix("ies") {
                format!("{stem}y")
            } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
        .collect()
}

/// Share of the query's words found in the task's id, name and description.
fn score(query: &BTreeSet<String>, task: &Task) -> f64 {
    if query.is_empty() {
        return 0.0;
    }
    let haystack = words(&format!("{} {} {}", task.id, task.name, task.description));
    let hits = query.iter().filter(|w| haystack.contains(*w)).count();
    round(hits as f64 / query.len() as f64, 3)
}

fn confidence(score: f64) -> &'static str {
    if score >= 0.6 {
        "high"
    } else if score >= MATCH_THRESHOLD {
        "medium"
    } else {
        "low"
    }
}

/// `POST /v1/tasks/match` `{"query", "top_k"}`.
pub(crate) async fn match_tasks(State(st): State<Arc<AppState>>, body: Bytes) -> ApiResult {
    let obj = json_object(&body)?;
    let query = match obj.get("query") {
        Some(Value::String(q)) if !q.trim().is_empty() => q.clone(),
        Some(Value::String(_)) => return Err(ApiError::invalid("query must not be empty")),
        Some(Value::Null) | None => return Err(ApiError::invalid("field 'query' is required")),
        Some(_) => return Err(ApiError::invalid("field 'query' must be a string")),
    };
    let top_k = match obj.get("top_k") {
        None | Some(Value::Null) => 5,
        Some(v) => match v.as_u64() {
            Some(k) if k >= 1 => k as usize,
            _ => return Err(ApiError::invalid("top_k must be a positive integer")),
        },
    };
    let qwords = words(&query);
    let mut scored: Vec<(&Task, f64)> =
        st.catalog.tasks.iter().map(|t| (t, score(&qwords, t))).filter(|(_, s)| *s > 0.0).collect();
    // Stable sort: ties keep catalog order.
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let ambiguous = scored.len() >= 2 && scored[0].1 - scored[1].1 < AMBIGUITY_GAP;
    let candidates: Vec<Value> = scored
        .iter()
        .take(top_k)
        .map(|(t, s)| json!({ "task_id": t.id, "score": s, "confidence": confidence(*s) }))
        .collect();
    let matched = scored.first().is_some_and(|(_, s)| *s >= MATCH_THRESHOLD);
    let chosen = if matched { candidates.first().cloned().unwrap_or(Value::Null) } else { Value::Null };
    ok_json(json!({
        "query": query,
        "matched": matched,
        "chosen": chosen,
        "candidates": candidates,
        "ambiguous": ambiguous,
        "matcher": "keyword",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn best(query: &str) -> (&'static str, f64) {
        let cat = Catalog::seeded();
        let q = words(query);
        let mut scored: Vec<(&'static str, f64)> = cat.tasks.iter().map(|t| (t.id, score(&q, t))).collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored[0]
    }

    #[test]
    fn keyword_scores_pick_the_obvious_task() {
        assert_eq!(best("pull key fields out of vendor contracts").0, "contract-key-fields");
        assert_eq!(best("pull totals and dates out of vendor invoices").0, "invoice-extraction");
        assert_eq!(best("route support tickets").0, "ticket-triage");
        assert_eq!(best("flag toxic comments").0, "comment-moderation");
    }
}
