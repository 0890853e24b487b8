//! Opt-in fault injection through the `X-Mock-Fault: k=v;k=v;flag` header.
//!
//! Response faults (`status`, `html`, `garbage`, with `retry-after` and
//! `retry-after-ms` headers) are answered here, before the handler runs, so
//! they never create state. Stream faults are handed to the streaming
//! handlers as a [`StreamFaults`] request extension.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::http::detail_response;
use crate::state::{AppState, lock};

/// The header that carries a fault spec.
pub(crate) const FAULT_HEADER: &str = "x-mock-fault";

/// Faults that shape a streamed body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct StreamFaults {
    /// End the body cleanly after N events.
    pub truncate_after: Option<u32>,
    /// Send an error event after N events, then end.
    pub error_after: Option<u32>,
    /// Abort the connection after N events.
    pub drop_after: Option<u32>,
    /// Delay between events, replacing the configured one.
    pub slow_chunk: Option<Duration>,
    /// Extra wait after the first event.
    pub pause_after_first: Option<Duration>,
    /// `\r\n` line endings.
    pub crlf: bool,
    /// A `: keep-alive` comment before every event.
    pub comments: bool,
}

/// A parsed `X-Mock-Fault` header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FaultSpec {
    pub status: Option<u16>,
    pub times: Option<u32>,
    pub retry_after: Option<String>,
    pub retry_after_ms: Option<String>,
    pub html: bool,
    pub garbage: bool,
    pub stream: StreamFaults,
}

impl FaultSpec {
    /// Parses `k=v;k=v;flag`. Unknown keys and bad numbers are errors.
    pub fn parse(raw: &str) -> Result<FaultSpec, String> {
        let mut spec = FaultSpec::default();
        for item in raw.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim())),
                None => (item.to_ascii_lowercase(), None),
            };
            let num = |v: Option<&str>| -> Result<u64, String> {
                v.ok_or_else(|| format!("'{key}' needs a value"))?
                    .parse::<u64>()
                    .map_err(|_| format!("'{key}' needs a non-negative integer"))
            };
            let count = |v| num(v).and_then(|n| u32::try_from(n).map_err(|e| e.to_string()));
            let millis = |v| num(v).map(Duration::from_millis);
            match key.as_str() {
                "status" => {
                    let n = num(value)?;
                    if !(100..=599).contains(&n) {
                        return Err("'status' must be an HTTP status code".to_owned());
                    }
                    spec.status = Some(n as u16);
                }
                "times" => spec.times = Some(count(value)?),
                "retry-after" => spec.retry_after = Some(num(value)?.to_string()),
                "retry-after-ms" => spec.retry_after_ms = Some(num(value)?.to_string()),
                "html" => spec.html = true,
                "garbage" => spec.garbage = true,
                "truncate-after" => spec.stream.truncate_after = Some(count(value)?),
                "stream-error-after" => spec.stream.error_after = Some(count(value)?),
                "drop-after" => spec.stream.drop_after = Some(count(value)?),
                "slow-chunk-ms" => spec.stream.slow_chunk = Some(millis(value)?),
                "pause-after-first-ms" => spec.stream.pause_after_first = Some(millis(value)?),
                "crlf" => spec.stream.crlf = true,
                "comments" => spec.stream.comments = true,
                other => return Err(format!("unknown key '{other}'")),
            }
        }
        Ok(spec)
    }

    /// True when the fault replaces the whole response.
    fn is_response_fault(&self) -> bool {
        self.status.is_some() || self.html || self.garbage
    }

    /// The injected response.
    fn response(&self) -> Response {
        let mut resp = if self.garbage {
            let status = self.status.unwrap_or(200);
            let mut r = Response::new(Body::from("{\"not json"));
            *r.status_mut() = code(status);
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        } else if self.html {
            let status = code(self.status.unwrap_or(502));
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{n} {reason}</title></head>\r\n<body>\r\n\
                 <center><h1>{n} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
                 </body>\r\n</html>\r\n",
                n = status.as_u16()
            );
            let mut r = Response::new(Body::from(page));
            *r.status_mut() = status;
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            r
        } else {
            detail_response(code(self.status.unwrap_or(503)), "injected fault")
        };
        let headers = resp.headers_mut();
        if let Some(v) = self.retry_after.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(header::RETRY_AFTER, v);
        }
        if let Some(v) = self.retry_after_ms.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert("retry-after-ms", v);
        }
        resp
    }
}

fn code(n: u16) -> StatusCode {
    StatusCode::from_u16(n).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Middleware applying the `X-Mock-Fault` header (both listeners).
pub(crate) async fn layer(State(st): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let raw = match req.headers().get(FAULT_HEADER) {
        Some(raw) => String::from_utf8_lossy(raw.as_bytes()).into_owned(),
        None => {
            let armed = lock(&st.armed_faults)
                .iter()
                .find(|(m, p, _)| m.eq_ignore_ascii_case(req.method().as_str()) && p == req.uri().path())
                .map(|(_, _, spec)| spec.clone());
            match armed {
                Some(spec) => spec,
                None => return next.run(req).await,
            }
        }
    };
    let spec = match FaultSpec::parse(&raw) {
        Ok(spec) => spec,
        Err(e) => {
            let body = json!({ "detail": format!("bad X-Mock-Fault header: {e}") });
            let mut r = Response::new(Body::from(body.to_string()));
            *r.status_mut() = StatusCode::BAD_REQUEST;
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            return r;
        }
    };
    let seen = {
        let key = (req.method().as_str().to_owned(), req.uri().path().to_owned(), raw);
        let mut counts = lock(&st.fault_counts);
        let n = counts.entry(key).or_insert(0);
        *n += 1;
        *n
    };
    if spec.times.is_some_and(|t| seen > t) {
        return next.run(req).await;
    }
    if spec.is_response_fault() {
        return spec.response();
    }
    req.extensions_mut().insert(spec.stream);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_grammar() {
        let spec = FaultSpec::parse("status=503; times=2;retry-after=1;retry-after-ms=250").unwrap();
        assert_eq!(spec.status, Some(503));
        assert_eq!(spec.times, Some(2));
        assert_eq!(spec.retry_after.as_deref(), Some("1"));
        assert_eq!(spec.retry_after_ms.as_deref(), Some("250"));
        let spec = FaultSpec::parse("truncate-after=3;crlf;comments;slow-chunk-ms=5").unwrap();
        assert_eq!(spec.stream.truncate_after, Some(3));
        assert!(spec.stream.crlf && spec.stream.comments);
        assert_eq!(spec.stream.slow_chunk, Some(Duration::from_millis(5)));
        assert!(FaultSpec::parse("bogus=1").is_err());
        assert!(FaultSpec::parse("status=abc").is_err());
        assert!(FaultSpec::parse("status=42").is_err());
    }
}
