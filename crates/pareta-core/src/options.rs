//! Per-call options: what `pa.with_options(..)` overrides for the calls made
//! through the view it returns.

use crate::encode;
use http::header::{HeaderName, HeaderValue};
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Headers a caller cannot set through options, and why.
const RESERVED: [(&str, &str); 6] = [
    ("authorization", "the key comes from the client; build another client for another key"),
    ("idempotency-key", "use RequestOptions::idempotency_key"),
    ("host", "it follows the base URL"),
    ("content-length", "the SDK measures the body"),
    ("transfer-encoding", "the SDK frames the body"),
    ("connection", "the HTTP client manages connections"),
];

/// Longest idempotency key accepted (the platform stores up to 255 bytes).
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Overrides for the calls made through `pa.with_options(options)`: a cheap
/// view of the client that shares its connection pool, random source and
/// retry budget.
///
/// ```
/// use pareta_core::{Config, RequestOptions};
/// use std::time::Duration;
/// let cfg = Config::builder().api_key("pareta_sk_test").build()?;
/// let view = cfg.with_options(
///     &RequestOptions::new()
///         .timeout(Duration::from_secs(5))
///         .deadline(Duration::from_secs(20))
///         .header("x-trace-id", "t-42")
///         .idempotency_key("order-7-attempt"),
/// );
/// assert_eq!(view.timeout(), Duration::from_secs(5));
/// assert_eq!(cfg.timeout(), Duration::from_secs(60)); // the client is unchanged
/// # Ok::<(), pareta_core::Error>(())
/// ```
///
/// - `timeout`, `connect_timeout`, `max_retries` and `deadline` replace the
///   client's; per-call timeouts apply even on an HTTP client you brought,
///   except a `connect_timeout` on a `reqwest::Client` of yours, which reqwest
///   fixes when the client is built: the async client then refuses the call
///   with [`Error::InvalidArgument`](crate::Error::InvalidArgument) before
///   sending.
/// - `header` adds a header or replaces one the SDK sets (`user-agent`, say).
///   `Authorization`, `Idempotency-Key`, `Host`, `Content-Length`,
///   `Transfer-Encoding` and `Connection` cannot be set this way: a call through
///   a view that tries fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument)
///   before anything is sent.
/// - `query` appends a parameter to every request's URL (percent-encoded).
/// - `idempotency_key` is used, unchanged, on every attempt of the first POST
///   made through the view; a multi-step call's later POSTs get `KEY-2`,
///   `KEY-3`, ... so the server never confuses two steps. Make a new view to
///   repeat a logical call with the same keys. The key must be 1 to 255
///   visible ASCII characters.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) idempotency_key: Option<String>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }
    /// Deadline of each attempt of an ordinary call, and idle limit of a stream.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// Time to establish a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }
    /// Automatic retries of transient failures (0 turns them off).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }
    /// A limit on the whole logical call, retries and backoff included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
    /// An extra header (names are case-insensitive; a later one of the same
    /// name wins).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// An extra query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }
    /// The idempotency key of the view's first POST (see the type docs).
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// Options merged onto a configuration, validated once.
pub(crate) struct PerCall {
    /// Checked and parsed once, here, not on every request.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Encoded `k=v` pairs joined by `&`, without a leading `?`.
    pub query: String,
    idempotency_key: Option<String>,
    key_uses: AtomicU32,
    /// True when a timeout came from the options (drivers then apply it on a
    /// caller's HTTP client too).
    pub timeouts: bool,
    /// True when the options set the connect timeout (see
    /// [`Timeouts::connect_per_call`](crate::Timeouts::connect_per_call)).
    pub connect: bool,
    /// The first problem found, reported by every call through the view.
    pub invalid: Option<String>,
}

impl fmt::Debug for PerCall {
    // Header values may be credentials of the caller's own: names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerCall")
            .field("headers", &self.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
            .field("query", &self.query)
            .field("idempotency_key", &self.idempotency_key.is_some())
            .field("timeouts", &self.timeouts)
            .field("connect", &self.connect)
            .field("invalid", &self.invalid)
            .finish()
    }
}

impl PerCall {
    /// `options` on top of what an earlier view already set.
    pub fn merge(base: Option<&PerCall>, options: &RequestOptions) -> PerCall {
        let mut merged = PerCall {
            headers: base.map(|b| b.headers.clone()).unwrap_or_default(),
            query: base.map(|b| b.query.clone()).unwrap_or_default(),
            idempotency_key: options.idempotency_key.clone().or_else(|| base.and_then(|b| b.idempotency_key.clone())),
            key_uses: AtomicU32::new(0),
            timeouts: base.is_some_and(|b| b.timeouts)
                || options.timeout.is_some()
                || options.connect_timeout.is_some(),
            connect: base.is_some_and(|b| b.connect) || options.connect_timeout.is_some(),
            invalid: base.and_then(|b| b.invalid.clone()),
        };
        for (name, value) in &options.headers {
            let name = name.trim().to_ascii_lowercase();
            match check_header(&name, value) {
                Ok(header) => {
                    merged.headers.retain(|(n, _)| *n != header.0);
                    merged.headers.push(header);
                }
                Err(problem) => {
                    merged.invalid.get_or_insert(problem);
                }
            }
        }
        let extra = encode::query(&options.query);
        if let Some(pairs) = extra.strip_prefix('?') {
            if !merged.query.is_empty() {
                merged.query.push('&');
            }
            merged.query.push_str(pairs);
        }
        if let Some(key) = &options.idempotency_key
            && let Err(problem) = check_idempotency_key(key)
        {
            merged.invalid.get_or_insert(problem);
        }
        merged
    }

    /// The key of the next POST built through this view, if the caller chose one.
    pub fn next_idempotency_key(&self) -> Option<String> {
        let key = self.idempotency_key.as_ref()?;
        let n = self.key_uses.fetch_add(1, Ordering::Relaxed) + 1;
        Some(if n == 1 { key.clone() } else { format!("{key}-{n}") })
    }
}

/// The header `name: value` (`name` lower-cased), or what is wrong with it.
fn check_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(format!("{name:?} is not a valid HTTP header name"));
    }
    if let Some((_, why)) = RESERVED.iter().find(|(n, _)| *n == name) {
        return Err(format!("the `{name}` header cannot be set per call: {why}"));
    }
    if !value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
        return Err(format!("the value of the `{name}` header must be visible ASCII, without line breaks"));
    }
    // Checked above with friendlier messages; `http` checks the same again.
    let header_name =
        HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("{name:?} is not a valid HTTP header name"))?;
    let mut header_value = HeaderValue::from_str(value)
        .map_err(|_| format!("the value of the `{name}` header must be visible ASCII, without line breaks"))?;
    // It may be a credential of the caller's own: no `Debug` prints it.
    header_value.set_sensitive(true);
    Ok((header_name, header_value))
}

fn check_idempotency_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.bytes().all(|b| (b'!'..=b'~').contains(&b)) {
        return Err(format!(
            "idempotency key {key:?} must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters (no spaces)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_malformed_headers_make_the_view_invalid() {
        for (name, value) in [("Authorization", "Bearer x"), ("bad name", "v"), ("x-ok", "line\r\nbreak")] {
            let merged = PerCall::merge(None, &RequestOptions::new().header(name, value));
            assert!(merged.invalid.is_some(), "{name}");
            assert!(merged.headers.is_empty());
        }
        let merged = PerCall::merge(None, &RequestOptions::new().header("X-Trace", "a").header("x-trace", "b"));
        assert_eq!(merged.headers, vec![(HeaderName::from_static("x-trace"), HeaderValue::from_static("b"))]);
        assert!(merged.invalid.is_none());
    }

    #[test]
    fn idempotency_keys_are_validated_and_numbered_per_post() {
        assert!(PerCall::merge(None, &RequestOptions::new().idempotency_key("has space")).invalid.is_some());
        assert!(PerCall::merge(None, &RequestOptions::new().idempotency_key("")).invalid.is_some());
        let long = "k".repeat(MAX_IDEMPOTENCY_KEY + 1);
        assert!(PerCall::merge(None, &RequestOptions::new().idempotency_key(long)).invalid.is_some());
        let merged = PerCall::merge(None, &RequestOptions::new().idempotency_key("order-7"));
        assert_eq!(merged.next_idempotency_key().as_deref(), Some("order-7"));
        assert_eq!(merged.next_idempotency_key().as_deref(), Some("order-7-2"));
    }

    #[test]
    fn views_stack_headers_and_query() {
        let first = PerCall::merge(None, &RequestOptions::new().header("x-a", "1").query("k", "a b"));
        let second = PerCall::merge(Some(&first), &RequestOptions::new().header("x-b", "2").query("n", 3));
        assert_eq!(second.headers.len(), 2);
        assert_eq!(second.query, "k=a%20b&n=3");
    }
}
