//! Small HTTP helpers shared by the routes: FastAPI-style errors, JSON body
//! parsing with readable 422s, multipart reading, a stable hash.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// A FastAPI-style error: `{"detail": "<message>"}` with a status.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub detail: String,
}

impl ApiError {
    /// An error with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError { status, detail: detail.into() }
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    /// 422.
    pub fn invalid(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// 409.
    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        detail_response(self.status, &self.detail)
    }
}

/// A `{"detail": ...}` JSON response.
pub(crate) fn detail_response(status: StatusCode, detail: &str) -> Response {
    (status, Json(json!({ "detail": detail }))).into_response()
}

/// Result type of handlers.
pub(crate) type ApiResult = Result<Response, ApiError>;

/// A 200 JSON response.
pub(crate) fn ok_json(value: Value) -> ApiResult {
    Ok(Json(value).into_response())
}

/// A 204 with an empty body.
pub(crate) fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Parses a JSON object body; anything else is a 422.
pub(crate) fn json_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::invalid("request body is required (a JSON object)"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid("request body must be a JSON object")),
        Err(e) => Err(ApiError::invalid(format!("request body is not valid JSON: {e}"))),
    }
}

/// A required non-empty string field.
pub(crate) fn req_str<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(ApiError::invalid(format!("field '{key}' must not be empty"))),
        Some(Value::Null) | None => Err(ApiError::invalid(format!("field '{key}' is required"))),
        Some(_) => Err(ApiError::invalid(format!("field '{key}' must be a string"))),
    }
}

/// An optional string field (null counts as absent).
pub(crate) fn opt_str<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Null) | None => Ok(None),
        Some(_) => Err(ApiError::invalid(format!("field '{key}' must be a string"))),
    }
}

/// A required non-negative integer field (a decimal string is accepted too).
pub(crate) fn req_usize(obj: &Map<String, Value>, key: &str) -> Result<usize, ApiError> {
    match obj.get(key) {
        Some(Value::Null) | None => Err(ApiError::invalid(format!("field '{key}' is required"))),
        Some(v) => {
            value_usize(v).ok_or_else(|| ApiError::invalid(format!("field '{key}' must be a non-negative integer")))
        }
    }
}

/// An optional non-negative integer field.
pub(crate) fn opt_u64(obj: &Map<String, Value>, key: &str) -> Result<Option<u64>, ApiError> {
    match obj.get(key) {
        Some(Value::Null) | None => Ok(None),
        Some(v) => value_usize(v)
            .map(|n| Some(n as u64))
            .ok_or_else(|| ApiError::invalid(format!("field '{key}' must be a non-negative integer"))),
    }
}

fn value_usize(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One part of a multipart body.
pub(crate) struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

/// Reads every part of a multipart/form-data request; a non-multipart or
/// malformed body is a 422.
pub(crate) async fn read_multipart(req: Request) -> Result<Vec<Part>, ApiError> {
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::invalid(format!("expected a multipart/form-data body: {}", e.body_text())))?;
    let mut parts = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(ApiError::invalid(format!("malformed multipart body: {e}"))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let data =
            field.bytes().await.map_err(|e| ApiError::invalid(format!("malformed multipart part '{name}': {e}")))?;
        parts.push(Part { name, filename, content_type, data });
    }
    Ok(parts)
}

/// The text of the form field `name`, if present.
pub(crate) fn form_text(parts: &[Part], name: &str) -> Option<String> {
    parts.iter().find(|p| p.name == name).map(|p| String::from_utf8_lossy(&p.data).into_owned())
}

/// 64-bit FNV-1a: a stable hash for deterministic pseudo-random numbers.
pub(crate) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Rounds to `places` decimals.
pub(crate) fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved).
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The fallback for unknown routes.
pub(crate) async fn not_found_route() -> Response {
    detail_response(StatusCode::NOT_FOUND, "Not Found")
}

/// The fallback for a known path with the wrong method.
pub(crate) async fn method_not_allowed() -> Response {
    detail_response(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}
