//! A server-sent-events writer feeding a streamed response body, applying the
//! stream faults (truncate, error, drop, delays, CRLF, comments).
//!
//! Handlers spawn a producer task that calls [`SseWriter::send`] and
//! [`SseWriter::pause`]; every event is flushed to the client as it is sent.
//! Once the stream is cut (by a fault or because the client went away) sends
//! are dropped and pauses return at once, so a producer can still finish its
//! state changes.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::sync::mpsc;

use crate::faults::StreamFaults;

/// Which flavour of error event a `stream-error-after` fault sends.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ErrorStyle {
    /// Data-only chat stream: `data: {"error": {...}}`.
    Chat,
    /// Named-event deploy stream: `event: error` / `data: {"message": ...}`.
    Deploy,
}

type Chunk = Result<Bytes, io::Error>;

/// Writes SSE events into a response body.
pub(crate) struct SseWriter {
    tx: Option<mpsc::Sender<Chunk>>,
    faults: StreamFaults,
    style: ErrorStyle,
    sent: u32,
}

impl SseWriter {
    /// A writer and the `text/event-stream` response its events flow into.
    pub fn new(faults: Option<StreamFaults>, style: ErrorStyle) -> (SseWriter, Response) {
        let (tx, rx) = mpsc::channel::<Chunk>(16);
        let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
        let mut resp = Response::new(Body::from_stream(stream));
        *resp.status_mut() = StatusCode::OK;
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        let writer = SseWriter { tx: Some(tx), faults: faults.unwrap_or_default(), style, sent: 0 };
        (writer, resp)
    }

    /// True once the body has ended or the client is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_none()
    }

    fn format(&self, event: Option<&str>, data: &str) -> String {
        let eol = if self.faults.crlf { "\r\n" } else { "\n" };
        let mut out = String::new();
        if self.faults.comments {
            out.push_str(": keep-alive");
            out.push_str(eol);
            out.push_str(eol);
        }
        if let Some(event) = event {
            out.push_str("event: ");
            out.push_str(event);
            out.push_str(eol);
        }
        for line in data.split('\n') {
            out.push_str("data: ");
            out.push_str(line);
            out.push_str(eol);
        }
        out.push_str(eol);
        out
    }

    async fn write(&mut self, chunk: Chunk) {
        if let Some(tx) = &self.tx
            && tx.send(chunk).await.is_err()
        {
            self.tx = None;
        }
    }

    /// Sends one event (`event:` line only when `event` is given).
    pub async fn send(&mut self, event: Option<&str>, data: &str) {
        if self.sent == 0 {
            self.apply_cuts(0).await;
        }
        if self.is_closed() {
            return;
        }
        let text = self.format(event, data);
        self.write(Ok(Bytes::from(text))).await;
        self.sent += 1;
        self.apply_cuts(self.sent).await;
    }

    /// Applies the truncate / error / drop faults once `n` events are out.
    async fn apply_cuts(&mut self, n: u32) {
        if self.faults.error_after == Some(n) {
            let text = match self.style {
                ErrorStyle::Chat => {
                    self.format(None, r#"{"error": {"message": "injected stream error", "type": "server_error"}}"#)
                }
                ErrorStyle::Deploy => self.format(Some("error"), r#"{"message": "injected stream error"}"#),
            };
            self.write(Ok(Bytes::from(text))).await;
            self.tx = None;
        } else if self.faults.drop_after == Some(n) {
            let err = io::Error::new(io::ErrorKind::ConnectionAborted, "injected connection drop");
            self.write(Err(err)).await;
            self.tx = None;
        } else if self.faults.truncate_after == Some(n) {
            self.tx = None;
        }
    }

    /// Waits between two events: `default`, unless a fault sets the delay.
    pub async fn pause(&mut self, default: Duration) {
        if self.is_closed() {
            return;
        }
        let mut wait = self.faults.slow_chunk.unwrap_or(default);
        if self.sent == 1
            && let Some(extra) = self.faults.pause_after_first
        {
            wait += extra;
        }
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}
