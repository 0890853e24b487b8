//! Raw calls: any route of the platform, including ones this SDK does not model
//! yet (rerank, embeddings, images), with everything a typed call has: the
//! bearer key, `User-Agent`, retries, an idempotency key on every POST,
//! per-call options, tracing and the same [`Error`]s.
//!
//! The path is relative to the base URL and must start with `/`; it can never
//! name another host, so the key goes nowhere else. Encode ids with [`path`].

use super::{Call, json_text};
use crate::call::{RequestSpec, meta};
use crate::config::Config;
use crate::encode;
use crate::error::{Error, TransportError};
use crate::http::{HeaderLookup, Method};
use crate::sse::{SseDecoder, SseError, SseEvent};
use crate::stream::StreamDecoder;
use pareta_types::ResponseMeta;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;

/// The route template of raw calls in errors and traces (their paths are the
/// caller's, so no template names them).
fn route(method: Method) -> &'static str {
    match method {
        Method::Get => "GET (raw)",
        Method::Post => "POST (raw)",
        Method::Put => "PUT (raw)",
        Method::Delete => "DELETE (raw)",
    }
}

const STREAM: &str = "POST (raw stream)";

/// A path of percent-encoded segments: `path(["v1", "endpoints", id])` gives
/// `/v1/endpoints/ep%2F1` for `ep/1`, so an id is always one segment.
///
/// ```
/// assert_eq!(pareta_core::flows::raw::path(["v1", "rerank", "a b/c"]), "/v1/rerank/a%20b%2Fc");
/// ```
pub fn path<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        out.push_str(&encode::path_segment(segment.as_ref()));
    }
    out
}

/// A request body as JSON; a value that cannot be serialized fails here,
/// before anything is sent.
pub fn body<T: serde::Serialize + ?Sized>(body: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(body).map_err(|e| Error::InvalidArgument(format!("the raw request body is not JSON: {e}")))
}

/// A whole response of a raw call: status, headers and body as sent. Only a
/// 2xx status gets here; anything else is an [`Error::Api`] as for typed calls.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawResponse {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The response headers this SDK reads (request id, billing receipt,
    /// retry and content headers), lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body, exactly as received.
    pub body: Vec<u8>,
    meta: ResponseMeta,
}

impl RawResponse {
    /// The first value of a header kept in [`headers`](Self::headers).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.header(name)
    }
    /// The body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
    /// Request id, billing receipt, attempts and elapsed time.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }
}

/// Headers kept on a [`RawResponse`]: drivers hand core a lookup, not a list.
const KEPT_HEADERS: [&str; 10] = [
    "content-type",
    "content-length",
    "x-request-id",
    "x-pareta-billed",
    "x-pareta-frontier-would-have-cost",
    "x-idempotent-replay",
    "retry-after",
    "retry-after-ms",
    "date",
    "location",
];

/// Checks a raw path and joins the query; errors name the problem.
fn target(raw_path: &str, query: &[(&str, &str)]) -> Result<String, Error> {
    if !raw_path.starts_with('/') || raw_path.starts_with("//") {
        return Err(Error::InvalidArgument(format!(
            "raw path {raw_path:?} must start with a single `/` (it is relative to the base URL)"
        )));
    }
    if raw_path.contains(['?', '#']) || raw_path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::InvalidArgument(format!(
            "raw path {raw_path:?} must not contain `?`, `#` or spaces: pass query parameters separately and encode ids with raw::path"
        )));
    }
    if raw_path.split('/').any(|s| s == "." || s == "..") {
        return Err(Error::InvalidArgument(format!("raw path {raw_path:?} must not contain `.` or `..` segments")));
    }
    Ok(format!("{raw_path}{}", encode::query(query)))
}

fn spec(
    cfg: &Config,
    method: Method,
    raw_path: &str,
    query: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Result<RequestSpec, Error> {
    let target = target(raw_path, query)?;
    let spec = RequestSpec::new(cfg, method, route(method), &target);
    // Without a body a POST or PUT still sends `Content-Length: 0`
    // (HttpRequest::content_length), and no content type.
    Ok(match body {
        Some(json) => spec.json(json),
        None => spec,
    })
}

/// A raw call whose 2xx JSON body (`{}` when empty) is read as `T`.
pub fn json<T: DeserializeOwned + Send + 'static>(
    cfg: &Config,
    method: Method,
    raw_path: &str,
    query: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Call<T> {
    let route = route(method);
    match spec(cfg, method, raw_path, query, body) {
        Ok(spec) => spec.call(
            cfg,
            Box::new(move |resp| {
                let text = json_text(route, resp)?;
                serde_json::from_str(text).map_err(|e| Error::decode(route, resp, e))
            }),
        ),
        Err(e) => Call::failed(e),
    }
}

/// A raw call whose 2xx response is returned whole.
pub fn response(
    cfg: &Config,
    method: Method,
    raw_path: &str,
    query: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Call<RawResponse> {
    match spec(cfg, method, raw_path, query, body) {
        Ok(spec) => spec.call(
            cfg,
            Box::new(|resp| {
                let headers = KEPT_HEADERS
                    .iter()
                    .filter_map(|n| resp.headers.header(n).map(|v| ((*n).to_owned(), v.to_owned())))
                    .collect();
                Ok(RawResponse { status: resp.status, headers, body: resp.body.to_vec(), meta: meta(resp) })
            }),
        ),
        Err(e) => Call::failed(e),
    }
}

/// A raw streaming POST: the value is a decoder of the server's SSE events.
pub fn stream(cfg: &Config, raw_path: &str, body: &serde_json::Value) -> Call<RawEventDecoder> {
    match target(raw_path, &[]) {
        Ok(target) => RequestSpec::new(cfg, Method::Post, STREAM, &target)
            .json(body)
            .streaming()
            .call(cfg, Box::new(|resp| Ok(RawEventDecoder::new(meta(resp))))),
        Err(e) => Call::failed(e),
    }
}

/// The decoder behind a raw stream: every SSE event as sent (a `data: [DONE]`
/// included), until the body ends. A broken connection or a malformed stream
/// is an error item; the end of the body is the normal end, since a raw route's
/// terminator is not known.
#[derive(Debug)]
pub struct RawEventDecoder {
    sse: SseDecoder,
    queue: VecDeque<Result<SseEvent, Error>>,
    finished: bool,
    meta: ResponseMeta,
}

impl RawEventDecoder {
    /// A decoder for a response with these headers' metadata.
    pub fn new(meta: ResponseMeta) -> Self {
        RawEventDecoder { sse: SseDecoder::new(), queue: VecDeque::new(), finished: false, meta }
    }

    fn fail(&mut self, error: Error) {
        if !self.finished {
            self.queue.push_back(Err(error));
            self.finished = true;
        }
    }
}

impl StreamDecoder for RawEventDecoder {
    type Item = SseEvent;
    fn feed(&mut self, bytes: &[u8]) {
        self.sse.feed(bytes);
    }
    fn read_with<E>(&mut self, max: usize, read: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<usize, E> {
        if self.finished {
            self.sse.discard_input();
        }
        self.sse.read_with(max, read)
    }
    fn feed_bytes(&mut self, bytes: bytes::Bytes) {
        self.sse.feed_bytes(bytes);
    }
    fn next_item(&mut self) -> Option<Result<SseEvent, Error>> {
        if let Some(item) = self.queue.pop_front() {
            return Some(item);
        }
        if self.finished {
            return None;
        }
        match self.sse.next_event()? {
            Ok(ev) => Some(Ok(ev)),
            Err(e) => {
                self.fail(Error::Protocol(e.to_string()));
                self.queue.pop_front()
            }
        }
    }
    fn end_of_body(&mut self) {
        if self.finished {
            return;
        }
        match self.sse.finish() {
            Ok(Some(ev)) => self.queue.push_back(Ok(ev)),
            Ok(None) | Err(SseError::Incomplete) => {}
            Err(e) => self.fail(Error::Protocol(e.to_string())),
        }
        self.finished = true;
    }
    fn transport_error(&mut self, error: TransportError) {
        self.fail(error.into());
    }
    fn is_finished(&self) -> bool {
        self.finished && self.queue.is_empty()
    }
    fn meta(&self) -> &ResponseMeta {
        &self.meta
    }
}

#[cfg(test)]
mod tests {
    use super::super::script::{Script, reply, reply_h};
    use super::*;

    fn cfg() -> Config {
        Config::builder().api_key("pareta_sk_secret").base_url("http://api.test").rng_seed(3).build().unwrap()
    }

    #[test]
    fn a_raw_get_is_a_typed_call_with_query_and_the_usual_headers() {
        let mut s = Script::new(vec![reply(503, "{}"), reply(200, r#"{"data":[1,2]}"#)]);
        let v: serde_json::Value =
            s.run(json(&cfg(), Method::Get, &path(["v1", "rerank", "m/1"]), &[("top", "3")], None)).unwrap();
        assert_eq!(v["data"][1], 2);
        assert_eq!(s.steps[0], "GET /v1/rerank/m%2F1?top=3");
        assert_eq!(s.requests.len(), 2, "retried like any call");
        let req = &s.requests[0];
        assert_eq!(req.header("authorization"), Some("Bearer pareta_sk_secret"));
        assert_eq!(req.header("content-type"), None);
        assert_eq!(req.route, "GET (raw)");
    }

    #[test]
    fn a_raw_post_carries_one_idempotency_key_and_errors_are_api_errors() {
        let body = serde_json::json!({"input": "x"});
        let mut s = Script::new(vec![reply(500, "{}"), reply_h(404, &[("x-request-id", "r9")], r#"{"detail":"no"}"#)]);
        let err = s.run(response(&cfg(), Method::Post, "/v1/embeddings", &[], Some(&body))).unwrap_err();
        assert_eq!((err.status(), err.request_id()), (Some(404), Some("r9")));
        let keys: Vec<_> = s.requests.iter().map(|r| r.header("idempotency-key")).collect();
        assert!(keys[0].is_some() && keys[0] == keys[1], "{keys:?}");
        assert_eq!(s.requests[0].body.as_bytes(), Some(br#"{"input":"x"}"#.as_slice()));
    }

    #[test]
    fn a_raw_response_keeps_status_headers_and_bytes() {
        let mut s = Script::new(vec![reply_h(201, &[("x-request-id", "r1"), ("content-type", "image/png")], "PNG")]);
        let r = s.run(response(&cfg(), Method::Put, "/v1/images/x", &[], None)).unwrap();
        assert_eq!(
            (r.status, r.body.as_slice(), r.header("content-type")),
            (201, b"PNG".as_slice(), Some("image/png"))
        );
        assert_eq!(r.meta().request_id(), Some("r1"));
        assert_eq!(s.requests[0].content_length(), Some(0));
    }

    #[test]
    fn bad_raw_paths_fail_before_anything_is_sent() {
        for bad in ["v1/models", "//evil.test/x", "/v1/x?y=1", "/v1/../admin", "/v1/a b", "http://x/v1"] {
            let mut s = Script::new(vec![]);
            let err = s.run(json::<serde_json::Value>(&cfg(), Method::Get, bad, &[], None)).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{bad}: {err:?}");
        }
    }

    #[test]
    fn raw_events_end_with_the_body() {
        let mut d = RawEventDecoder::new(ResponseMeta::default());
        d.feed(b"event: a\ndata: 1\n\ndata: [DONE]\n\n");
        assert_eq!(d.next_item().unwrap().unwrap().event.as_deref(), Some("a"));
        assert_eq!(d.next_item().unwrap().unwrap().data, "[DONE]");
        assert!(d.next_item().is_none() && !d.is_finished());
        d.end_of_body();
        assert!(d.next_item().is_none() && d.is_finished());
    }
}
