//! What went over the wire, for `--json` and for upload progress.
//!
//! The CLI hands the blocking client its own ureq agent with [`Wire`] as
//! middleware. It keeps the bytes of the last non-streaming response exactly
//! as received (so `--json` prints the server's envelope, not a rebuilt one),
//! copies streamed bodies into a buffer as the SDK reads them (so `--json` on
//! a deploy prints each event's data verbatim), and counts the bytes of a
//! signed-URL `PUT` as they are sent (so a large upload can show a bar).

use std::io::{self, Read};
use std::sync::{Arc, Mutex, MutexGuard};
use ureq::http::{Method, Request, Response};
use ureq::middleware::{Middleware, MiddlewareNext};
use ureq::{Body, SendBody};

/// Called with (bytes sent so far, total bytes if known) while a `PUT` uploads.
pub type UploadObserver = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

#[derive(Default)]
struct State {
    last_body: Option<Vec<u8>>,
    stream: Vec<u8>,
    on_upload: Option<UploadObserver>,
}

/// The recording middleware; clones share one record.
#[derive(Clone, Default)]
pub struct Wire {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wire").finish_non_exhaustive()
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Wire {
    /// The body of the last non-streaming response, as received.
    pub fn last_body(&self) -> Option<Vec<u8>> {
        lock(&self.state).last_body.clone()
    }

    /// Takes the streamed bytes read since the last call.
    pub fn take_stream(&self) -> Vec<u8> {
        std::mem::take(&mut lock(&self.state).stream)
    }

    /// Observes the bytes of every `PUT` (the signed-URL upload).
    pub fn on_upload(&self, observer: Option<UploadObserver>) {
        lock(&self.state).on_upload = observer;
    }
}

/// Counts bytes as the body is read out to the socket.
struct Counting<R> {
    inner: R,
    sent: u64,
    total: Option<u64>,
    observer: UploadObserver,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sent += n as u64;
        (self.observer)(self.sent, self.total);
        Ok(n)
    }
}

/// Copies what the SDK reads from a stream into the shared buffer.
struct Tee {
    inner: Mutex<ureq::BodyReader<'static>>,
    state: Arc<Mutex<State>>,
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.get_mut().unwrap_or_else(|e| e.into_inner()).read(buf)?;
        lock(&self.state).stream.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl Middleware for Wire {
    fn handle(&self, request: Request<SendBody>, next: MiddlewareNext) -> Result<Response<Body>, ureq::Error> {
        let observer = lock(&self.state).on_upload.clone();
        let response = match observer {
            Some(observer) if request.method() == Method::PUT => {
                let total =
                    request.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
                let (parts, body) = request.into_parts();
                let mut counting = Counting { inner: body.into_reader(), sent: 0, total, observer };
                next.handle(Request::from_parts(parts, SendBody::from_reader(&mut counting)))?
            }
            _ => next.handle(request)?,
        };
        let (parts, body) = response.into_parts();
        let mime = body.mime_type().map(str::to_owned);
        let streaming = mime.as_deref().is_some_and(|m| m.starts_with("text/event-stream"));
        let body = if streaming {
            lock(&self.state).stream.clear();
            let tee = Tee { inner: Mutex::new(body.into_reader()), state: self.state.clone() };
            let mut builder = Body::builder();
            if let Some(m) = mime {
                builder = builder.mime_type(m);
            }
            builder.reader(tee)
        } else {
            let bytes = body.into_with_config().limit(u64::MAX).read_to_vec()?;
            lock(&self.state).last_body = Some(bytes.clone());
            let mut builder = Body::builder();
            if let Some(m) = mime {
                builder = builder.mime_type(m);
            }
            builder.data(bytes)
        };
        Ok(Response::from_parts(parts, body))
    }
}

/// An incremental reader of named-event SSE text, giving each complete
/// event's name and its `data` exactly as sent (for `deploy --json`).
#[derive(Debug, Default)]
pub struct SseEvents {
    buf: String,
}

impl SseEvents {
    /// Feeds bytes; returns the events they completed, `(event, data)`.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<(String, String)> {
        self.buf.push_str(&String::from_utf8_lossy(bytes));
        let mut out = Vec::new();
        loop {
            let normalized = self.buf.replace("\r\n", "\n");
            let Some(end) = normalized.find("\n\n") else {
                self.buf = normalized;
                break;
            };
            let block = normalized[..end].to_owned();
            self.buf = normalized[end + 2..].to_owned();
            let (mut event, mut data) = (String::from("message"), Vec::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                }
            }
            if !data.is_empty() {
                out.push((event, data.join("\n")));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_split_across_chunks_keep_their_data_verbatim() {
        let mut sse = SseEvents::default();
        assert!(sse.feed(b"event: progress\r\ndata: {\"pct\": 45,").is_empty());
        let got = sse.feed(b" \"stage\":\"x\"}\r\n\r\n: keep-alive\n\nevent: complete\ndata: {}\n\n");
        assert_eq!(
            got,
            [("progress".to_owned(), "{\"pct\": 45, \"stage\":\"x\"}".to_owned()), ("complete".into(), "{}".into())]
        );
    }
}
