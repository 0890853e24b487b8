//! Failures as MCP tool errors: `isError: true` and one text block holding a
//! JSON object `{"error": {...}}` the model can read, with the HTTP status, the
//! server's `detail` and the request id when there was a response.

use crate::policy::PathRefusal;
use pareta_async::{ApiErrorKind, Error};
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Map, Value, json};

/// A tool failure, before it becomes a [`CallToolResult`].
#[derive(Debug)]
pub(crate) struct ToolError(pub Value);

impl ToolError {
    /// A call the guardrails refused; nothing was sent.
    pub fn refused(reason: &str, message: impl Into<String>) -> Self {
        ToolError(json!({ "type": "refused", "reason": reason, "message": message.into() }))
    }

    /// Bad input the schema could not catch (e.g. two exclusive fields).
    pub fn invalid(message: impl Into<String>) -> Self {
        ToolError(json!({ "type": "invalid_argument", "message": message.into() }))
    }

    /// The client cancelled a wait; the run goes on server-side.
    pub fn cancelled(run_id: &str) -> Self {
        ToolError(json!({
            "type": "cancelled",
            "run_id": run_id,
            "message": format!("the wait for {run_id} was cancelled; the run goes on: poll get_eval_run"),
        }))
    }

    /// A file inside the root that is not what the tool needs.
    pub fn file(path: &str, message: impl Into<String>) -> Self {
        ToolError(json!({ "type": "file", "path": path, "message": message.into() }))
    }

    /// A failed SDK call. `spending` says whether it was a call that may have
    /// been billed, so the model is told not to blindly repeat it.
    pub fn sdk(e: &Error, spending: bool) -> Self {
        let mut o = Map::new();
        let ty = match e {
            Error::Api(_) => "api_error",
            Error::Connection(_) if e.is_timeout() => "timeout",
            Error::Connection(_) => "connection",
            Error::MissingApiKey => "missing_api_key",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::Decode(_) => "decode",
            Error::Stream { .. } | Error::StreamTruncated { .. } | Error::Protocol(_) => "stream",
            Error::Deploy { .. } => "deploy_failed",
            Error::WaitTimeout { .. } => "wait_timeout",
            Error::Upload(_) => "upload",
            Error::File { .. } => "file",
            _ => "sdk_error",
        };
        o.insert("type".into(), ty.into());
        o.insert("message".into(), e.to_string().into());
        if let Some(status) = e.status() {
            o.insert("status".into(), status.into());
        }
        if let Some(api) = e.api() {
            o.insert("kind".into(), kind_name(api.kind()).into());
            if let Some(detail) = api.detail() {
                o.insert("detail".into(), detail.into());
            }
            if let Some(excerpt) = api.body_excerpt() {
                o.insert("body_excerpt".into(), excerpt.into());
            }
        }
        if let Some(id) = e.request_id() {
            o.insert("request_id".into(), id.into());
        }
        if let Error::WaitTimeout { run_id, last_status, .. } = e {
            o.insert("run_id".into(), run_id.as_str().into());
            o.insert("last_status".into(), last_status.clone().into());
        }
        if let Some(hint) = hint(e, spending) {
            o.insert("hint".into(), hint.into());
        }
        ToolError(Value::Object(o))
    }

    pub fn into_result(self) -> CallToolResult {
        let body = json!({ "error": self.0 });
        CallToolResult::error(vec![ContentBlock::text(body.to_string())])
    }
}

impl From<PathRefusal> for ToolError {
    fn from(r: PathRefusal) -> Self {
        match r {
            PathRefusal::OutsideRoot { path, root } => ToolError::refused(
                "outside_root",
                format!(
                    "{path:?} is outside the allowed root {}; only files under it can be read \
                     (relative paths are resolved against it)",
                    root.display()
                ),
            ),
            PathRefusal::Unreadable { path, reason } => {
                ToolError::file(&path, format!("cannot read {path:?}: {reason}"))
            }
            PathRefusal::Invalid(message) => ToolError::invalid(message),
        }
    }
}

fn kind_name(kind: ApiErrorKind) -> &'static str {
    match kind {
        ApiErrorKind::BadRequest => "bad_request",
        ApiErrorKind::Authentication => "authentication",
        ApiErrorKind::InsufficientCredits => "insufficient_credits",
        ApiErrorKind::PermissionDenied => "permission_denied",
        ApiErrorKind::NotFound => "not_found",
        ApiErrorKind::Conflict => "conflict",
        ApiErrorKind::RateLimit => "rate_limit",
        ApiErrorKind::EndpointNotReady => "endpoint_not_ready",
        ApiErrorKind::Server => "server",
        _ => "other",
    }
}

fn hint(e: &Error, spending: bool) -> Option<&'static str> {
    if let Some(api) = e.api() {
        return match api.kind() {
            ApiErrorKind::InsufficientCredits => Some("the organisation is out of balance: ask the user to top up"),
            ApiErrorKind::Authentication => {
                Some("the API key is missing or invalid: ask the user to check PARETA_API_KEY")
            }
            ApiErrorKind::EndpointNotReady => {
                Some("the endpoint is stopped or cold: start_endpoint, or wait and check get_endpoint")
            }
            ApiErrorKind::NotFound => Some("check the id with the matching list_* tool"),
            _ => None,
        };
    }
    if spending && (e.is_connection() || matches!(e, Error::StreamTruncated { .. })) {
        // The SDK already retried with one idempotency key; a new tool call would
        // carry a new key and could be billed again.
        return Some(
            "the outcome is unknown and the SDK already retried this call with one idempotency key; \
             do not call it again blindly: check list_endpoints or get_eval_run first",
        );
    }
    None
}

/// A tool error that is not in this server's shape (rmcp's "failed to
/// deserialize parameters: ..." text) becomes `{"error": {"type":
/// "invalid_argument", ...}}`; everything else passes unchanged.
pub(crate) fn normalize(result: CallToolResult) -> CallToolResult {
    if result.is_error != Some(true) || result.structured_content.is_some() {
        return result;
    }
    let text: String = result.content.iter().filter_map(|c| c.as_text()).map(|t| t.text.as_str()).collect();
    let ours = serde_json::from_str::<Value>(&text).is_ok_and(|v| v.get("error").is_some_and(Value::is_object));
    if ours { result } else { ToolError::invalid(text).into_result() }
}
