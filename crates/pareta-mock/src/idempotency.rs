//! `Idempotency-Key` handling: the first successful response to a POST is
//! stored whole (status, headers, body; for SSE the full event text) under
//! (key, method, path) and replayed for every repeat, without running the
//! handler again. Replays carry `X-Idempotent-Replay: true` and a chat
//! completion replay bills `X-Pareta-Billed: 0`.
//!
//! Only 2xx responses are stored: a failed attempt created no state, so a
//! retry runs for real. A repeat that arrives while the first attempt is
//! still running gets a 409.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::Stream;

use crate::http::detail_response;
use crate::state::{AppState, lock};

type Key = (String, String, String);

/// A stored first response.
struct Stored {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

enum Slot {
    InFlight,
    Done(Arc<Stored>),
}

/// The idempotency store.
#[derive(Default)]
pub(crate) struct IdempotencyStore {
    slots: Mutex<HashMap<Key, Slot>>,
}

impl IdempotencyStore {
    fn finish(&self, key: Key, stored: Stored) {
        lock(&self.slots).insert(key, Slot::Done(Arc::new(stored)));
    }

    fn abandon(&self, key: &Key) {
        lock(&self.slots).remove(key);
    }
}

/// Headers not replayed verbatim.
fn keep_header(name: &HeaderName) -> bool {
    !matches!(name.as_str(), "x-request-id" | "content-length" | "transfer-encoding" | "date" | "connection")
}

fn replay(stored: &Stored) -> Response {
    let mut resp = Response::new(Body::from(stored.body.clone()));
    *resp.status_mut() = stored.status;
    let headers = resp.headers_mut();
    for (name, value) in &stored.headers {
        headers.append(name.clone(), value.clone());
    }
    if headers.contains_key("x-pareta-billed") {
        headers.insert("x-pareta-billed", HeaderValue::from_static("0"));
    }
    headers.insert("x-idempotent-replay", HeaderValue::from_static("true"));
    resp
}

fn stored_headers(headers: &HeaderMap) -> Vec<(HeaderName, HeaderValue)> {
    headers.iter().filter(|(n, _)| keep_header(n)).map(|(n, v)| (n.clone(), v.clone())).collect()
}

/// Middleware for POSTs carrying `Idempotency-Key` on `/v1` routes.
pub(crate) async fn layer(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let key = match req.headers().get("idempotency-key") {
        Some(v) if req.method() == Method::POST && req.uri().path().starts_with("/v1/") => (
            String::from_utf8_lossy(v.as_bytes()).into_owned(),
            req.method().as_str().to_owned(),
            req.uri().path().to_owned(),
        ),
        _ => return next.run(req).await,
    };
    {
        let mut slots = lock(&st.idempotency.slots);
        match slots.get(&key) {
            Some(Slot::Done(stored)) => return replay(stored),
            Some(Slot::InFlight) => {
                return detail_response(
                    StatusCode::CONFLICT,
                    "a request with this Idempotency-Key is still being processed",
                );
            }
            None => {
                slots.insert(key.clone(), Slot::InFlight);
            }
        }
    }
    let resp = next.run(req).await;
    if !resp.status().is_success() {
        st.idempotency.abandon(&key);
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let status = parts.status;
    let headers = stored_headers(&parts.headers);
    if body.size_hint().exact().is_some() {
        // Already in memory: store it and answer with the same bytes.
        let bytes = match to_bytes(body, usize::MAX).await {
            Ok(b) => b,
            Err(_) => {
                st.idempotency.abandon(&key);
                return detail_response(StatusCode::INTERNAL_SERVER_ERROR, "body error");
            }
        };
        st.idempotency.finish(key, Stored { status, headers, body: bytes.clone() });
        return Response::from_parts(parts, Body::from(bytes));
    }
    let tee = StoreTee {
        inner: Box::pin(body.into_data_stream()),
        buf: Vec::new(),
        pending: Some(Pending { key, status, headers }),
        state: st.clone(),
    };
    let mut resp = Response::from_parts(parts, Body::from_stream(tee));
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    resp
}

type DataStream = Pin<Box<dyn Stream<Item = Result<Bytes, axum::Error>> + Send>>;

/// What a [`StoreTee`] stores once its body has been sent.
struct Pending {
    key: Key,
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// Passes a streamed response through while recording it for replay.
struct StoreTee {
    inner: DataStream,
    buf: Vec<u8>,
    pending: Option<Pending>,
    state: Arc<AppState>,
}

impl StoreTee {
    fn store(&mut self) {
        if let Some(Pending { key, status, headers }) = self.pending.take() {
            let body = Bytes::from(std::mem::take(&mut self.buf));
            self.state.idempotency.finish(key, Stored { status, headers, body });
        }
    }
}

impl Stream for StoreTee {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => {
                let chunk = chunk.clone();
                self.buf.extend_from_slice(&chunk);
            }
            // The stream ended (cleanly, or cut by a fault): what was sent
            // is what a replay sends.
            Poll::Ready(Some(Err(_))) | Poll::Ready(None) => self.store(),
            Poll::Pending => {}
        }
        polled
    }
}

impl Drop for StoreTee {
    fn drop(&mut self) {
        self.store();
    }
}
