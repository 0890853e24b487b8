//! The request log: middleware for both listeners (which also stamps
//! `x-request-id` on every response) and the `/__mock/requests` routes.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::task::{Context, Poll};

use axum::Json;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::Stream;

use crate::RecordedRequest;
use crate::http::detail_response;
use crate::state::{AppState, lock};

/// Bodies longer than this are logged truncated.
pub(crate) const LOG_BODY_CAP: usize = 1024 * 1024;
/// The API listener buffers bodies up to this size.
pub(crate) const API_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The shared request log.
#[derive(Default)]
pub(crate) struct RequestLog {
    entries: Mutex<Vec<(u64, RecordedRequest)>>,
    seq: Mutex<u64>,
}

impl RequestLog {
    fn push(&self, req: RecordedRequest) -> u64 {
        let mut entries = lock(&self.entries);
        let seq = {
            let mut s = lock(&self.seq);
            *s += 1;
            *s
        };
        entries.push((seq, req));
        seq
    }

    fn set_body(&self, seq: u64, body: Vec<u8>, total: u64) {
        let mut entries = lock(&self.entries);
        if let Ok(i) = entries.binary_search_by_key(&seq, |(s, _)| *s) {
            let rec = &mut entries[i].1;
            if total > body.len() as u64 {
                rec.headers.push(("x-mock-body-truncated".to_owned(), total.to_string()));
            }
            rec.body = body;
        }
    }

    /// A copy of the log, in arrival order.
    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        lock(&self.entries).iter().map(|(_, r)| r.clone()).collect()
    }

    /// Empties the log.
    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

fn record(parts: &Parts, listener: &str) -> RecordedRequest {
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_ascii_lowercase();
            let value = if name == "authorization" {
                let raw = value.to_str().unwrap_or_default();
                if raw.len() >= 7 && raw[..7].eq_ignore_ascii_case("bearer ") {
                    "Bearer <redacted>".to_owned()
                } else {
                    "<redacted>".to_owned()
                }
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect();
    RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body: Vec::new(),
        listener: listener.to_owned(),
    }
}

fn is_control(parts: &Parts) -> bool {
    parts.uri.path().starts_with("/__mock")
}

fn stamp(mut resp: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Whether reading a body failed because it passed the limit (anything else is
/// a body cut short or a broken connection).
fn over_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// API listener middleware: buffers the body, logs the request, stamps the
/// response with `x-request-id`.
pub(crate) async fn api_layer(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let request_id = st.next_request_id();
    let (parts, body) = req.into_parts();
    let declared =
        parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    let too_large =
        || detail_response(StatusCode::PAYLOAD_TOO_LARGE, &format!("request body larger than {API_BODY_LIMIT} bytes"));
    if declared.is_some_and(|n| n > API_BODY_LIMIT) {
        if !is_control(&parts) {
            st.log.push(record(&parts, "api"));
        }
        return stamp(too_large(), &request_id);
    }
    let bytes = match to_bytes(body, API_BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            if !is_control(&parts) {
                st.log.push(record(&parts, "api"));
            }
            if over_limit(&e) {
                return stamp(too_large(), &request_id);
            }
            // The client stopped sending before the body it announced was complete.
            let msg = "the request body ended before it was complete";
            return stamp(detail_response(StatusCode::BAD_REQUEST, msg), &request_id);
        }
    };
    if !is_control(&parts) {
        let seq = st.log.push(record(&parts, "api"));
        let kept = bytes[..bytes.len().min(LOG_BODY_CAP)].to_vec();
        st.log.set_body(seq, kept, bytes.len() as u64);
    }
    let req = Request::from_parts(parts, Body::from(bytes));
    stamp(next.run(req).await, &request_id)
}

/// Storage listener middleware: logs the request while the body streams
/// through (keeping at most the first 1 MiB), stamps `x-request-id`.
pub(crate) async fn storage_layer(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let request_id = st.next_request_id();
    let (parts, body) = req.into_parts();
    let seq = st.log.push(record(&parts, "storage"));
    let tee = LogTee {
        inner: Box::pin(body.into_data_stream()),
        kept: Vec::new(),
        total: 0,
        seq,
        state: st.clone(),
        flushed: false,
    };
    let req = Request::from_parts(parts, Body::from_stream(tee));
    stamp(next.run(req).await, &request_id)
}

type DataStream = Pin<Box<dyn Stream<Item = Result<Bytes, axum::Error>> + Send>>;

/// Passes a request body through, copying its first bytes into the log.
struct LogTee {
    inner: DataStream,
    kept: Vec<u8>,
    total: u64,
    seq: u64,
    state: Arc<AppState>,
    flushed: bool,
}

impl LogTee {
    fn flush(&mut self) {
        if !self.flushed {
            self.flushed = true;
            let kept = std::mem::take(&mut self.kept);
            self.state.log.set_body(self.seq, kept, self.total);
        }
    }
}

impl Stream for LogTee {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => {
                self.total += chunk.len() as u64;
                let room = LOG_BODY_CAP.saturating_sub(self.kept.len());
                let take = room.min(chunk.len());
                if take > 0 {
                    let chunk = chunk.clone();
                    self.kept.extend_from_slice(&chunk[..take]);
                }
            }
            Poll::Ready(None) => self.flush(),
            _ => {}
        }
        polled
    }
}

impl Drop for LogTee {
    fn drop(&mut self) {
        self.flush();
    }
}

/// `GET /__mock/requests`: the log as JSON.
pub(crate) async fn list_requests(State(st): State<Arc<AppState>>) -> Response {
    Json(st.log.snapshot()).into_response()
}

/// `DELETE /__mock/requests`: clears the log.
pub(crate) async fn clear_requests(State(st): State<Arc<AppState>>) -> Response {
    st.log.clear();
    StatusCode::NO_CONTENT.into_response()
}
