//! `GET /v1/models`: the OpenAI-compatible listing of live endpoints.

use std::sync::Arc;

use axum::extract::State;
use serde_json::{Value, json};

use crate::http::{ApiResult, ok_json};
use crate::state::{AppState, EndpointStatus};

/// `GET /v1/models`.
pub(crate) async fn list(State(st): State<Arc<AppState>>) -> ApiResult {
    let db = st.db();
    let data: Vec<Value> = db
        .endpoints
        .iter()
        .filter(|e| e.status == EndpointStatus::Live)
        .map(|e| {
            json!({
                "id": e.name,
                "object": "model",
                "owned_by": "pareta",
                "created": e.created,
            })
        })
        .collect();
    ok_json(json!({ "object": "list", "data": data }))
}
