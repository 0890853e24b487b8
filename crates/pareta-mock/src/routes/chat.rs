//! `POST /v1/chat/completions` (and the per-endpoint `.../infer` alias):
//! OpenAI-shaped completions with a deterministic echo reply, plain or as a
//! data-only SSE stream.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use crate::faults::StreamFaults;
use crate::http::{ApiError, ApiResult, json_object, req_str};
use crate::routes::endpoints::{find, unit_costs};
use crate::sse::{ErrorStyle, SseWriter};
use crate::state::{AppState, EndpointStatus};

/// `POST /v1/chat/completions`.
pub(crate) async fn create(
    State(st): State<Arc<AppState>>,
    faults: Option<Extension<StreamFaults>>,
    body: Bytes,
) -> ApiResult {
    let obj = json_object(&body)?;
    let model = req_str(&obj, "model")?.to_owned();
    complete(st, faults.map(|f| f.0), obj, model).await
}

/// `POST /v1/endpoints/{id}/infer`: the same, with the model taken from the
/// path.
pub(crate) async fn infer(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    faults: Option<Extension<StreamFaults>>,
    body: Bytes,
) -> ApiResult {
    let obj = json_object(&body)?;
    complete(st, faults.map(|f| f.0), obj, id).await
}

/// The text of a message's `content` (a string, or OpenAI content parts).
fn content_text(msg: &Value) -> String {
    match msg.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => {
            parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join(" ")
        }
        _ => String::new(),
    }
}

/// The deterministic reply and whether `max_tokens` cut it.
fn reply_for(messages: &[Value], max_tokens: Option<u64>) -> (String, bool) {
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .or_else(|| messages.last())
        .map(content_text)
        .unwrap_or_default();
    let full = format!("echo: {last_user}");
    let words: Vec<&str> = full.split_whitespace().collect();
    match max_tokens {
        Some(n) if (n as usize) < words.len() => (words[..n as usize].join(" "), true),
        _ => (words.join(" "), false),
    }
}

fn word_count(s: &str) -> u64 {
    s.split_whitespace().count() as u64
}

async fn complete(
    st: Arc<AppState>,
    faults: Option<StreamFaults>,
    obj: Map<String, Value>,
    model: String,
) -> ApiResult {
    let messages = match obj.get("messages") {
        Some(Value::Array(m)) if !m.is_empty() => m.clone(),
        Some(Value::Array(_)) => return Err(ApiError::invalid("messages must not be empty")),
        Some(Value::Null) | None => return Err(ApiError::invalid("field 'messages' is required")),
        Some(_) => return Err(ApiError::invalid("field 'messages' must be an array")),
    };
    if messages.iter().any(|m| !m.is_object()) {
        return Err(ApiError::invalid("every message must be an object with 'role' and 'content'"));
    }
    let max_tokens = obj.get("max_tokens").or_else(|| obj.get("max_completion_tokens")).and_then(Value::as_u64);
    let stream = obj.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let include_usage =
        obj.get("stream_options").and_then(|o| o.get("include_usage")).and_then(Value::as_bool).unwrap_or(false);

    let ep = find(&st, &model).map_err(|_| ApiError::not_found(format!("model '{model}' not found")))?;
    match ep.status {
        EndpointStatus::Live => {}
        EndpointStatus::Stopped => {
            return Err(ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("endpoint {model} is stopped"),
            ));
        }
        EndpointStatus::Starting => {
            return Err(ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("endpoint {model} is not ready (starting)"),
            ));
        }
    }
    let (billed, frontier) = unit_costs(&st, &ep);
    st.charge(billed, &format!("a completion on {model}"))?;
    let (reply, cut) = reply_for(&messages, max_tokens);
    let prompt_tokens = messages.iter().map(|m| word_count(&content_text(m))).sum::<u64>() + 1;
    let completion_tokens = word_count(&reply);
    let usage = json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    });
    let (id, created) = {
        let mut db = st.db();
        let id = db.next_chat_id();
        let created = db.tick();
        if let Some(ep) = db.endpoint_mut(&model) {
            ep.requests += 1;
            ep.billed_micro_usd += billed;
        }
        (id, created)
    };
    let finish = if cut { "length" } else { "stop" };

    let mut resp = if stream {
        let (mut w, resp) = SseWriter::new(faults, ErrorStyle::Chat);
        let delay = st.config.chunk_delay;
        let chunk = move |delta: Value, finish: Value| {
            json!({
                "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            })
        };
        let mut events = vec![chunk(json!({"role": "assistant"}), Value::Null)];
        let words: Vec<&str> = reply.split(' ').collect();
        for (i, word) in words.iter().enumerate() {
            let piece = if i + 1 < words.len() { format!("{word} ") } else { (*word).to_owned() };
            events.push(chunk(json!({ "content": piece }), Value::Null));
        }
        events.push(chunk(json!({}), json!(finish)));
        if include_usage {
            let mut last = chunk(json!({}), Value::Null);
            last["choices"] = json!([]);
            last["usage"] = usage;
            events.push(last);
        }
        let mut lines: Vec<String> = events.iter().map(Value::to_string).collect();
        lines.push("[DONE]".to_owned());
        tokio::spawn(async move {
            for (i, line) in lines.iter().enumerate() {
                if i > 0 {
                    w.pause(delay).await;
                }
                w.send(None, line).await;
            }
        });
        resp
    } else {
        Json(json!({
            "id": id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": finish,
            }],
            "usage": usage,
        }))
        .into_response()
    };
    set_money_headers(&mut resp, billed, frontier);
    Ok(resp)
}

fn set_money_headers(resp: &mut Response, billed: u64, frontier: u64) {
    let headers = resp.headers_mut();
    headers.insert("x-pareta-billed", HeaderValue::from(billed));
    headers.insert("x-pareta-frontier-would-have-cost", HeaderValue::from(frontier));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_echoes_the_last_user_message() {
        let msgs = vec![
            json!({"role": "system", "content": "be brief"}),
            json!({"role": "user", "content": "Extract  the parties."}),
        ];
        assert_eq!(reply_for(&msgs, None), ("echo: Extract the parties.".to_owned(), false));
        assert_eq!(reply_for(&msgs, Some(2)), ("echo: Extract".to_owned(), true));
        let parts = vec![json!({"role": "user", "content": [{"type": "text", "text": "hi"}]})];
        assert_eq!(reply_for(&parts, None).0, "echo: hi");
    }
}
