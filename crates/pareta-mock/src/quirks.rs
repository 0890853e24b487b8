//! Quirks mode: the same data in the shapes that real servers, proxies and
//! JSON libraries produce and that a strict reader rejects. Applied to 2xx
//! JSON replies only; streams and error bodies pass untouched.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::state::AppState;

/// Middleware: rewrites 2xx JSON replies when quirks mode is on.
pub(crate) async fn layer(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if !st.quirks.load(Ordering::Relaxed) || !req.uri().path().starts_with("/v1") {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !resp.status().is_success() || !is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let text = rewrite(&method, &path, value).to_string();
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    Response::from_parts(parts, Body::from(text))
}

/// The quirked form of the reply to `method` `path`.
pub(crate) fn rewrite(method: &Method, path: &str, value: Value) -> Value {
    if method == Method::GET && path == "/v1/tasks" {
        // An empty envelope: the list key is missing altogether.
        return Value::Object(Map::new());
    }
    let mut value = match value {
        // A bare top-level array (GET /v1/endpoints) keeps its shape; its
        // records get the quirks.
        Value::Array(items) => Value::Array(items.into_iter().map(nested).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, nested(v))).collect()),
        other => other,
    };
    if method == Method::POST
        && path == "/v1/chat/completions"
        && let Some(usage) = value.get_mut("usage")
    {
        *usage = Value::Null;
    }
    value
}

/// Nested values: empty lists and objects become `null`, integers become
/// integral floats.
fn nested(v: Value) -> Value {
    match v {
        Value::Array(items) if items.is_empty() => Value::Null,
        Value::Object(map) if map.is_empty() => Value::Null,
        Value::Array(items) => Value::Array(items.into_iter().map(nested).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, nested(v))).collect()),
        Value::Number(n) if n.is_u64() || n.is_i64() => {
            n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Number(n), Value::Number)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rewrites_the_three_quirks() {
        assert_eq!(rewrite(&Method::GET, "/v1/tasks", json!({"tasks": [{"id": "t"}]})), json!({}));
        let run = rewrite(
            &Method::GET,
            "/v1/eval-runs/run_1",
            json!({"run": {"id": "run_1", "total_cost_micro_usd": 420_715, "error_detail": null}, "results": []}),
        );
        assert_eq!(
            run.to_string(),
            r#"{"results":null,"run":{"error_detail":null,"id":"run_1","total_cost_micro_usd":420715.0}}"#
        );
        let sets = rewrite(&Method::GET, "/v1/eval-sets", json!({"eval_sets": []}));
        assert_eq!(sets, json!({"eval_sets": null}));
        let chat = rewrite(&Method::POST, "/v1/chat/completions", json!({"usage": {"total_tokens": 3}}));
        assert_eq!(chat, json!({"usage": null}));
        let eps = rewrite(&Method::GET, "/v1/endpoints", json!([{"created": 1}]));
        assert_eq!(eps.to_string(), r#"[{"created":1.0}]"#);
    }
}
