//! Eval sets: multipart JSONL create, list, retrieve, delete.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use serde_json::{Value, json};

use crate::http::{ApiError, ApiResult, form_text, no_content, ok_json, read_multipart};
use crate::state::{AppState, EvalSet};

/// The eval set `id`, cloned, or a 404.
pub(crate) fn find(st: &AppState, id: &str) -> Result<EvalSet, ApiError> {
    st.db()
        .eval_sets
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("eval set '{id}' not found")))
}

/// Parses JSONL rows; each non-blank line must be a JSON object. Line
/// numbers in errors are 1-based.
fn parse_rows(text: &str) -> Result<Vec<Value>, ApiError> {
    let mut rows = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => rows.push(v),
            Ok(_) => {
                return Err(ApiError::invalid(format!("items line {n}: each row must be a JSON object")));
            }
            Err(e) => {
                return Err(ApiError::invalid(format!("items line {n}: invalid JSON: {e}")));
            }
        }
    }
    if rows.is_empty() {
        return Err(ApiError::invalid("items is empty: at least one row is required"));
    }
    Ok(rows)
}

/// `POST /v1/eval-sets` (multipart: `items` file, `task_id`, `name`).
pub(crate) async fn create(State(st): State<Arc<AppState>>, req: Request) -> ApiResult {
    let parts = read_multipart(req).await?;
    let task_id = form_text(&parts, "task_id")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("form field 'task_id' is required"))?;
    let task = st.catalog.task(&task_id).ok_or_else(|| ApiError::not_found(format!("task '{task_id}' not found")))?;
    let items =
        parts.iter().find(|p| p.name == "items").ok_or_else(|| ApiError::invalid("file part 'items' is required"))?;
    let text = std::str::from_utf8(&items.data).map_err(|_| ApiError::invalid("items must be UTF-8 JSONL"))?;
    let rows = parse_rows(text)?;
    let name = form_text(&parts, "name")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("sdk eval set ({} items)", rows.len()));
    let record = {
        let mut db = st.db();
        let set = EvalSet {
            id: db.next_eval_set_id(),
            task_id: task.id.to_owned(),
            name,
            items: rows,
            scoring_strategy: task.default_scorer.to_owned(),
            created: db.tick(),
            blobs: BTreeMap::new(),
        };
        let record = set.record();
        db.eval_sets.push(set);
        record
    };
    ok_json(json!({ "eval_set": record }))
}

/// `GET /v1/eval-sets`.
pub(crate) async fn list(State(st): State<Arc<AppState>>) -> ApiResult {
    let sets: Vec<Value> = st.db().eval_sets.iter().map(EvalSet::record).collect();
    ok_json(json!({ "eval_sets": sets }))
}

/// `GET /v1/eval-sets/{id}`.
pub(crate) async fn retrieve(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    ok_json(json!({ "eval_set": find(&st, &id)?.record() }))
}

/// `DELETE /v1/eval-sets/{id}`: 204.
pub(crate) async fn delete(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let mut db = st.db();
    let before = db.eval_sets.len();
    db.eval_sets.retain(|s| s.id != id);
    if db.eval_sets.len() == before {
        return Err(ApiError::not_found(format!("eval set '{id}' not found")));
    }
    no_content()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_objects_and_errors_name_the_line() {
        assert_eq!(parse_rows("{\"a\":1}\n{\"b\":2}\n").map(|r| r.len()).ok(), Some(2));
        let err = parse_rows("{\"a\":1}\n[1,2]").err().map(|e| e.detail);
        assert_eq!(err.as_deref(), Some("items line 2: each row must be a JSON object"));
        let err = parse_rows("{\"a\":1}\n\n{oops").err().map(|e| e.detail);
        assert!(err.is_some_and(|d| d.starts_with("items line 3: invalid JSON")));
        assert!(parse_rows("\n").is_err());
    }
}
