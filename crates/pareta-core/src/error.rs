//! The one error type of the SDK, and how responses map onto it.

use crate::http::Response;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Longest excerpt of a non-JSON error body kept in an error.
pub const BODY_EXCERPT_LIMIT: usize = 512;

/// Everything that can go wrong in a Pareta call.
///
/// ```
/// use pareta_core::{ApiErrorKind, Error};
/// fn handle(err: &Error) -> &'static str {
///     match err {
///         Error::Api(e) if e.kind() == ApiErrorKind::InsufficientCredits => "top up in the dashboard",
///         Error::Api(e) if e.status() == 404 => "wrong id",
///         e if e.is_timeout() => "raise the timeout or stream",
///         _ => "report it with the request id",
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No API key was given (argument or `PARETA_API_KEY`); nothing was sent.
    #[error("missing API key: pass .api_key(..) or set PARETA_API_KEY (mint a pareta_sk_ key in the dashboard)")]
    MissingApiKey,
    /// A bad argument, caught before any request was sent. One case is caught
    /// later, before anything is created or billed: an eval run whose only
    /// models come from a frontier keyword whose roster turns out empty.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The server answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// No response: the connection failed or timed out (after retries).
    #[error(transparent)]
    Connection(Box<TransportError>),
    /// A 2xx response whose body was not the JSON the route promises.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The server sent an `{"error": …}` object inside a stream.
    #[error("the server reported an error mid-stream: {message}")]
    Stream {
        /// The server's message.
        message: String,
        /// The whole error object, as JSON text.
        raw: String,
    },
    /// The stream ended before its terminator (`[DONE]`, or the deploy's `complete`).
    #[error("the stream ended before {expected}: the response was cut off")]
    StreamTruncated {
        /// What was still expected.
        expected: &'static str,
    },
    /// The event stream itself was malformed (e.g. a line past the size limit).
    #[error("malformed event stream: {0}")]
    Protocol(String),
    /// The deploy stream sent an `error` event.
    #[error("deploy failed: {message}")]
    Deploy {
        /// The event's `data.message` (or the data itself when it is a string).
        message: String,
        /// The event's whole `data`, e.g. `{"message": "out of memory", "code": 7}`:
        /// read a `code` with `data.get("code")` or [`Error::deploy_data`].
        data: serde_json::Value,
    },
    /// An eval run did not reach a terminal status within the wait's timeout. The
    /// run keeps going server-side; retrieve it later by id.
    #[error("eval run {run_id} did not finish within {}s (last status: {}); retrieve it later by id", waited.as_secs_f64(), last_status.as_deref().unwrap_or("unknown"))]
    WaitTimeout {
        /// The run id.
        run_id: String,
        /// The last status seen.
        last_status: Option<String>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// The call's deadline (`deadline`, for the whole logical call) passed
    /// before it finished; no attempt or backoff was started that would have
    /// ended past it. Distinct from a per-attempt `timeout`, which is a
    /// [`Connection`](Error::Connection) timeout.
    #[error("the call's deadline of {}s passed before it finished{}", deadline.as_secs_f64(), last_attempt.as_ref().map(|l| format!(" (last attempt: {l})")).unwrap_or_default())]
    DeadlineExceeded {
        /// The deadline that was set.
        deadline: Duration,
        /// What the last attempt came to (`"HTTP 503 on GET /v1/models"`,
        /// `"timeout on ..."`), when one was made.
        last_attempt: Option<String>,
    },
    /// A response body was larger than the client's limit
    /// (`max_response_bytes`, 64 MiB by default). Reading stopped at the limit
    /// and the connection was dropped; the call is not retried.
    #[error(
        "the response to {route} is larger than the {limit}-byte limit (max_response_bytes); it was not read further"
    )]
    ResponseTooLarge {
        /// The route template.
        route: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A signed-URL document upload failed at one of its three steps.
    #[error(transparent)]
    Upload(Box<UploadError>),
    /// A local file could not be read (before or while sending it).
    #[error("could not read {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The SDK was driven against its contract (a driver bug).
    #[error("SDK misuse: {0}")]
    Misuse(&'static str),
}

impl Error {
    /// For drivers: the error for root certificate `index` (0-based, counting
    /// every PEM text's certificates in order) that their TLS library refuses,
    /// at `build()`.
    pub fn unusable_root_certificate(index: usize, reason: impl fmt::Display) -> Error {
        Error::InvalidArgument(format!(
            "root certificate {} (counting every PEM text's, in order) is not a usable CA certificate: {reason}",
            index + 1
        ))
    }

    /// The API error, for a non-2xx response.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::Upload(u) => u.source.as_ref().and_then(|e| e.api()),
            _ => None,
        }
    }
    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Upload(u) => u.status,
            Error::Decode(d) => Some(d.status),
            _ => self.api().map(ApiError::status),
        }
    }
    /// The `x-request-id` of the response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Decode(d) => d.request_id.as_deref(),
            _ => self.api().and_then(ApiError::request_id),
        }
    }
    /// The whole `data` of a deploy `error` event.
    ///
    /// ```
    /// use pareta_core::Error;
    /// let err = Error::Deploy { message: "oom".into(), data: serde_json::json!({"message": "oom", "code": 7}) };
    /// assert_eq!(err.deploy_data().and_then(|d| d.get("code")), Some(&serde_json::json!(7)));
    /// ```
    pub fn deploy_data(&self) -> Option<&serde_json::Value> {
        match self {
            Error::Deploy { data, .. } => Some(data),
            _ => None,
        }
    }
    /// The decode error, for a 2xx answer that could not be read or lacked a field
    /// the SDK needed.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match self {
            Error::Decode(d) => Some(d),
            _ => None,
        }
    }
    /// The delay the server asked for (`retry-after-ms` / `Retry-After`) on the
    /// response behind this error, if it asked: also when it asked for longer
    /// than the client's `max_retry_after`, which is why the call stopped.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.api().and_then(ApiError::retry_after)
    }
    /// True when no response arrived (timeouts included).
    pub fn is_connection(&self) -> bool {
        matches!(self, Error::Connection(_))
    }
    /// True when a time limit was hit before a response (or between stream reads).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Connection(e) if e.kind == TransportErrorKind::Timeout)
            || matches!(self, Error::DeadlineExceeded { .. })
    }

    pub(crate) fn decode(route: &'static str, resp: &Response<'_>, message: impl fmt::Display) -> Error {
        Error::Decode(Box::new(DecodeError {
            route,
            status: resp.status,
            message: message.to_string(),
            field: None,
            request_id: resp.headers.header("x-request-id").map(str::to_owned),
            body_excerpt: excerpt(resp.body),
        }))
    }

    /// A 2xx answer that parsed but lacks `field`, which the SDK's next step needs
    /// (a run id to wait on, a set id to start a run on).
    pub(crate) fn missing_field(route: &'static str, resp: &Response<'_>, field: &'static str, why: &str) -> Error {
        let mut e = Error::decode(route, resp, format!("the response has no `{field}`, which {why}"));
        if let Error::Decode(d) = &mut e {
            d.field = Some(field);
        }
        e
    }
}

/// What kind of non-2xx answer an [`ApiError`] is (the spec's status table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400, 422: request validation failed.
    BadRequest,
    /// 401: the key is missing or invalid.
    Authentication,
    /// 402: the org is out of balance; top up in the dashboard.
    InsufficientCredits,
    /// 403: authenticated, not allowed.
    PermissionDenied,
    /// 404: no such endpoint, eval set, run or task.
    NotFound,
    /// 409: conflict (seed endpoint, transient lock).
    Conflict,
    /// 429: rate limited.
    RateLimit,
    /// 503: the endpoint is stopped, cold, or its provider is down.
    EndpointNotReady,
    /// Any other 5xx.
    Server,
    /// Any other status.
    Other,
}

impl ApiErrorKind {
    /// The kind for a status code.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 | 422 => ApiErrorKind::BadRequest,
            401 => ApiErrorKind::Authentication,
            402 => ApiErrorKind::InsufficientCredits,
            403 => ApiErrorKind::PermissionDenied,
            404 => ApiErrorKind::NotFound,
            409 => ApiErrorKind::Conflict,
            429 => ApiErrorKind::RateLimit,
            503 => ApiErrorKind::EndpointNotReady,
            500..=599 => ApiErrorKind::Server,
            _ => ApiErrorKind::Other,
        }
    }
}

/// A non-2xx response: status, the server's `detail`, the request id, and what a
/// caller may need beyond them: the response headers ([`header`](Self::header),
/// [`retry_after`](Self::retry_after)) and the JSON body ([`body_json`](Self::body_json)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    kind: ApiErrorKind,
    status: u16,
    route: &'static str,
    detail: Option<String>,
    request_id: Option<String>,
    body_excerpt: Option<String>,
    body_json: Option<serde_json::Value>,
    headers: Vec<(String, String)>,
}

impl ApiError {
    /// Reads an error response: FastAPI's `{"detail": …}` (a string, or a list of
    /// validation errors kept as JSON text), an OpenAI-style `{"error": {"message"}}`,
    /// any other JSON that is not an object (its text is the detail, as in the
    /// Python client), or, for a non-JSON body (an HTML 502 page), a bounded excerpt.
    /// The headers and the parsed JSON body are kept whole.
    pub fn from_response(route: &'static str, resp: &Response<'_>) -> Self {
        let parsed = serde_json::from_slice::<serde_json::Value>(resp.body).ok();
        let detail = parsed.as_ref().and_then(|v| {
            let d = match v {
                serde_json::Value::Object(_) => {
                    v.get("detail").or_else(|| v.get("error").map(|e| e.get("message").unwrap_or(e)))?
                }
                serde_json::Value::Null => return None,
                other => other,
            };
            Some(match d {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        });
        let body_excerpt = if parsed.is_some() { None } else { excerpt(resp.body) };
        let mut headers = Vec::new();
        resp.headers.for_each_header(&mut |name, value| headers.push((name.to_ascii_lowercase(), value.to_owned())));
        ApiError {
            kind: ApiErrorKind::from_status(resp.status),
            status: resp.status,
            route,
            detail,
            request_id: resp.headers.header("x-request-id").map(str::to_owned),
            body_excerpt,
            body_json: parsed,
            headers,
        }
    }
    /// The response body parsed as JSON, whatever its shape (`{"detail", "code"}`, a
    /// bare list), when it was JSON.
    pub fn body_json(&self) -> Option<&serde_json::Value> {
        self.body_json.as_ref()
    }
    /// The first value of a response header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Every response header, names in lower case, in the order received.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
    /// How long the server asked to wait before retrying (`Retry-After` in seconds or
    /// as an HTTP date, or `retry-after-ms`), e.g. on a final 429.
    pub fn retry_after(&self) -> Option<Duration> {
        crate::retry::retry_after(&self.headers)
    }
    /// The kind, from the status.
    pub fn kind(&self) -> ApiErrorKind {
        self.kind
    }
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The route template that failed, e.g. `GET /v1/tasks/{id}`.
    pub fn route(&self) -> &str {
        self.route
    }
    /// The server's `detail` message.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    /// The `x-request-id` header: quote it in bug reports.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The start of a body that was not JSON (bounded to 512 bytes).
    pub fn body_excerpt(&self) -> Option<&str> {
        self.body_excerpt.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} returned {} {}", self.route, self.status, reason(self.status))?;
        match (&self.detail, &self.body_excerpt) {
            (Some(d), _) => write!(f, ": {d}")?,
            (None, Some(b)) => write!(f, " with a non-JSON body: {b:?}")?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A 2xx body that is not the JSON the route promises, or that lacks a field an
/// SDK step needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    route: &'static str,
    status: u16,
    message: String,
    field: Option<&'static str>,
    request_id: Option<String>,
    body_excerpt: Option<String>,
}

impl DecodeError {
    /// The route template.
    pub fn route(&self) -> &str {
        self.route
    }
    /// What did not parse.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The field the SDK needed and did not find (e.g. `run_id`, `eval_set.id`), when
    /// that is what went wrong.
    pub fn field(&self) -> Option<&str> {
        self.field
    }
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The `x-request-id` of the response.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The start of the body.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.body_excerpt.as_deref()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not decode the {} response of {}: {}", self.status, self.route, self.message)?;
        if let Some(b) = &self.body_excerpt {
            write!(f, " (body starts {b:?})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// Why no response arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// DNS, TCP or TLS failure while connecting.
    Connect,
    /// A time limit was hit.
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
    /// Anything else the HTTP library reported (not retried).
    Other,
    /// The response body passed the request's size limit
    /// ([`HttpRequest::max_body`](crate::HttpRequest::max_body)); the driver
    /// stopped reading and dropped the connection (not retried).
    BodyTooLarge,
}

/// A connection-level failure, described without the HTTP library's types.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// The HTTP library's description.
    pub message: String,
}

impl TransportError {
    /// A failure of `kind` with a description.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError { kind, message: message.into() }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TransportErrorKind::Connect => write!(f, "could not connect to the Pareta API: {}", self.message),
            TransportErrorKind::Timeout => write!(f, "the request timed out: {}", self.message),
            TransportErrorKind::Io => write!(f, "the connection failed: {}", self.message),
            TransportErrorKind::BodyTooLarge => write!(f, "the response was too large: {}", self.message),
            TransportErrorKind::Other => write!(f, "the HTTP request failed: {}", self.message),
        }
    }
}

impl std::error::Error for TransportError {}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Connection(Box::new(e))
    }
}

/// Which step of the large-document upload failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadStep {
    /// 1: `POST /v1/eval-sets/{id}/blob-upload-url`.
    RequestUrl,
    /// 2: `PUT` of the bytes to the signed storage URL.
    Put,
    /// 3: `POST /v1/eval-sets/{id}/blob-upload-complete`.
    Complete,
}

impl fmt::Display for UploadStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UploadStep::RequestUrl => "step 1 of 3 (requesting the signed upload URL)",
            UploadStep::Put => "step 2 of 3 (PUT to the signed storage URL)",
            UploadStep::Complete => "step 3 of 3 (confirming the upload)",
        })
    }
}

/// A failed signed-URL document upload: which step, and what the server answered.
#[derive(Debug)]
#[non_exhaustive]
pub struct UploadError {
    /// The failed step.
    pub step: UploadStep,
    /// The status, when a response arrived.
    pub status: Option<u16>,
    /// What the server answered (detail or body excerpt), or the failure.
    pub detail: String,
    /// The underlying error, when there is one.
    pub source: Option<Error>,
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document upload failed at {}", self.step)?;
        if let Some(s) = self.status {
            write!(f, ": status {s}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl std::error::Error for UploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

fn excerpt(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let cut = &body[..body.len().min(BODY_EXCERPT_LIMIT)];
    let mut s = String::from_utf8_lossy(cut).trim().to_owned();
    if body.len() > BODY_EXCERPT_LIMIT {
        s.push('…');
    }
    Some(s)
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp<'a>(status: u16, headers: &'a Vec<(&'a str, &'a str)>, body: &'a [u8]) -> Response<'a> {
        Response { status, headers, body }
    }

    /// The status table of wire-notes.md: each status, its kind, and whether it is retried.
    /// The client suites test bytes; this is the one place the policy is tested.
    const TABLE: [(u16, ApiErrorKind, bool); 14] = {
        use ApiErrorKind::*;
        [
            (400, BadRequest, false),
            (422, BadRequest, false),
            (401, Authentication, false),
            (402, InsufficientCredits, false),
            (403, PermissionDenied, false),
            (404, NotFound, false),
            (408, Other, true),
            (409, Conflict, true),
            (429, RateLimit, true),
            (503, EndpointNotReady, true),
            (500, Server, true),
            (502, Server, true),
            (504, Server, true),
            (418, Other, false),
        ]
    };

    #[test]
    fn statuses_map_to_the_spec_table() {
        for (status, kind, _) in TABLE {
            assert_eq!(ApiErrorKind::from_status(status), kind, "{status}");
        }
    }

    /// Each status through a whole call (max_retries 2): the error's kind, status,
    /// detail, request id and sentence, and how many attempts were made.
    #[test]
    fn every_status_of_the_table_through_a_call_kind_detail_request_id_and_retries() {
        use crate::flows::script::{Script, reply_h};
        for (status, kind, retried) in TABLE {
            let cfg = crate::Config::builder().api_key("k").base_url("http://api.test").max_retries(2).build().unwrap();
            let request_id = format!("req_{status}");
            let body = format!(r#"{{"detail":"detail {status}"}}"#);
            let attempts = if retried { 3 } else { 1 };
            let replies = (0..attempts)
                .map(|_| reply_h(status, &[("x-request-id", &request_id), ("retry-after", "0")], &body))
                .collect();
            let mut s = Script::new(replies);
            let err = s.run(crate::flows::models::list(&cfg)).unwrap_err();
            let api = err.api().unwrap_or_else(|| panic!("{status}: {err:?}"));
            assert_eq!((api.kind(), api.status(), api.route()), (kind, status, "GET /v1/models"), "{status}");
            assert_eq!(api.detail(), Some(format!("detail {status}").as_str()));
            assert_eq!(err.request_id(), Some(request_id.as_str()));
            assert_eq!(err.status(), Some(status));
            let text = err.to_string();
            assert!(text.contains(&status.to_string()) && text.contains(&format!("detail {status}")), "{text}");
            assert!(text.contains(&request_id), "{text}");
            let sent = s.steps.iter().filter(|st| st.starts_with("GET")).count();
            assert_eq!(sent, attempts, "{status}: retried = {retried}");
        }
    }

    #[test]
    fn display_is_a_sentence_with_status_detail_and_request_id() {
        let h = vec![("x-request-id", "req_9")];
        let e = ApiError::from_response("GET /v1/tasks/{id}", &resp(404, &h, br#"{"detail":"no task 'x'"}"#));
        assert_eq!(e.to_string(), "GET /v1/tasks/{id} returned 404 Not Found: no task 'x' (request id req_9)");
        assert_eq!(
            (e.kind(), e.detail(), e.request_id()),
            (ApiErrorKind::NotFound, Some("no task 'x'"), Some("req_9"))
        );
    }

    #[test]
    fn html_bodies_become_a_bounded_excerpt() {
        let html = format!("<html><body>{}</body></html>", "Bad gateway ".repeat(200));
        let e = ApiError::from_response("GET /v1/models", &resp(502, &vec![], html.as_bytes()));
        assert_eq!(e.detail(), None);
        let ex = e.body_excerpt().unwrap();
        assert!(ex.starts_with("<html>") && ex.chars().count() <= BODY_EXCERPT_LIMIT + 1);
        assert!(e.to_string().contains("502 Bad Gateway with a non-JSON body"));
    }

    #[test]
    fn headers_and_the_json_body_are_kept_whole() {
        let h = vec![("Retry-After", "7"), ("X-Request-Id", "req_1"), ("x-ratelimit-remaining", "0")];
        let e = ApiError::from_response(
            "POST /v1/chat/completions",
            &resp(429, &h, br#"{"detail":"slow down","code":"rate_limited","limit":60}"#),
        );
        assert_eq!(e.header("x-ratelimit-remaining"), Some("0"));
        assert_eq!(e.header("RETRY-AFTER"), Some("7"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(e.request_id(), Some("req_1"));
        assert_eq!(e.body_json().and_then(|b| b.get("code")), Some(&serde_json::json!("rate_limited")));
        assert_eq!(e.detail(), Some("slow down"));
        assert_eq!(e.headers().count(), 3);
        assert_eq!(e.headers().next(), Some(("retry-after", "7")));
    }

    #[test]
    fn a_json_body_that_is_not_an_object_is_the_detail() {
        // Python 0.1.0 `_parse_error`: `detail = body.get("detail") if isinstance(body, dict) else body`.
        let e = ApiError::from_response("GET /v1/tasks", &resp(500, &vec![], br#"["db down", 3]"#));
        assert_eq!(e.detail(), Some(r#"["db down",3]"#));
        assert_eq!(e.body_json(), Some(&serde_json::json!(["db down", 3])));
        let e = ApiError::from_response("GET /v1/tasks", &resp(500, &vec![], br#""db down""#));
        assert_eq!(e.detail(), Some("db down"));
        let e = ApiError::from_response("GET /v1/tasks", &resp(500, &vec![], b"null"));
        assert_eq!((e.detail(), e.body_json()), (None, Some(&serde_json::Value::Null)));
        let e = ApiError::from_response("GET /v1/tasks", &resp(502, &vec![], b"<html>"));
        assert_eq!((e.body_json(), e.body_excerpt()), (None, Some("<html>")));
    }

    #[test]
    fn validation_detail_lists_are_kept_as_json() {
        let e = ApiError::from_response(
            "POST /v1/tasks/match",
            &resp(422, &vec![], br#"{"detail":[{"loc":["body","query"],"msg":"field required"}]}"#),
        );
        assert!(e.detail().unwrap().contains("field required"));
    }
}
