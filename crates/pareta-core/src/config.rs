//! Client configuration: key, base URL, timeouts, retry budget, randomness.

use crate::error::Error;
use crate::options::{PerCall, RequestOptions};
use crate::retry::{MAX_RETRY_AFTER, RetryBudget};
use crate::rng::Rng;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The production API root.
pub const DEFAULT_BASE_URL: &str = "https://api.pareta.ai";
/// Default total timeout of a call (the platform client's `Timeout(60.0, connect=10.0)`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of automatic retries (three attempts in all).
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default cap on an ordinary (non-stream) response body: far past any reply
/// of the API, small enough that a broken proxy cannot exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("pareta-rust/", env!("CARGO_PKG_VERSION"));

/// A secret API key. It prints as `pareta_sk_…<redacted>` and cannot be read
/// back as a string; only the request builder puts it in a header.
///
/// ```
/// use pareta_core::ApiKey;
/// let key = ApiKey::new("pareta_sk_live_secret");
/// assert!(!format!("{key:?} {key}").contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Arc<str>);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(Arc::from(key.into()))
    }
    /// The `Authorization` value, marked sensitive so that `http`'s `Debug`
    /// hides it; `None` when the key holds a space, a tab, a line break or
    /// another control character (never part of a real key, and a line break
    /// no header can carry).
    fn authorization(&self) -> Option<http::HeaderValue> {
        if self.0.chars().any(|c| c == ' ' || c.is_control()) {
            return None;
        }
        let mut value = http::HeaderValue::try_from(format!("Bearer {}", self.0)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
    fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Everything a flow needs to build requests. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct Config {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// `Bearer <key>`, built once: every request clones it (a reference count).
    authorization: http::HeaderValue,
    /// All the headers of a plain GET, shared by every such request.
    get_headers: Arc<http::HeaderMap>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    deadline: Option<Duration>,
    max_retry_after: Duration,
    max_response_bytes: u64,
    /// Shared with every view made by `with_options`.
    budget: Option<Arc<RetryBudget>>,
    rng: Arc<Rng>,
    /// The only CA certificates to trust, when set.
    roots: Option<Roots>,
    /// What `with_options` added: headers, query, an idempotency key.
    per_call: Option<PerCall>,
}

impl Config {
    /// A builder with the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }
    pub(crate) fn authorization(&self) -> &http::HeaderValue {
        &self.inner.authorization
    }
    pub(crate) fn get_headers(&self) -> &Arc<http::HeaderMap> {
        &self.inner.get_headers
    }
    /// The API root, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
    /// Deadline of each attempt of an ordinary call; also the idle timeout of streams.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }
    /// Time to establish a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }
    /// Automatic retries per call.
    pub fn max_retries(&self) -> u32 {
        self.inner.max_retries
    }
    /// The limit on a whole logical call, retries and backoff included (`None`:
    /// only the per-attempt `timeout` applies).
    pub fn deadline(&self) -> Option<Duration> {
        self.inner.deadline
    }
    /// The most bytes of an ordinary response body the client reads.
    pub fn max_response_bytes(&self) -> u64 {
        self.inner.max_response_bytes
    }
    /// The longest server-requested retry delay the client waits out.
    pub fn max_retry_after(&self) -> Duration {
        self.inner.max_retry_after
    }
    /// The client-wide retry budget, `None` when switched off.
    pub fn retry_budget(&self) -> Option<&RetryBudget> {
        self.inner.budget.as_deref()
    }
    /// The CA certificates (DER) the client's own HTTP client trusts instead of
    /// the built-in roots, when [`ConfigBuilder::root_certificates_pem`] set some.
    pub fn root_certificates(&self) -> Option<&[Vec<u8>]> {
        self.inner.roots.as_ref().map(|r| &*r.0)
    }
    /// The client's random source.
    pub fn rng(&self) -> &Rng {
        &self.inner.rng
    }
    pub(crate) fn per_call(&self) -> Option<&PerCall> {
        self.inner.per_call.as_ref()
    }

    /// A view of this configuration with per-call `options` on top: the same
    /// key, base URL, random source and retry budget, with the options'
    /// timeouts, retries, deadline, headers, query and idempotency key. Options
    /// that are invalid (an `Authorization` header, a malformed idempotency key)
    /// make every call through the view fail with
    /// [`Error::InvalidArgument`] before anything is sent.
    pub fn with_options(&self, options: &RequestOptions) -> Config {
        let base = &self.inner;
        let per_call = PerCall::merge(base.per_call.as_ref(), options);
        Config {
            inner: Arc::new(Inner {
                authorization: base.authorization.clone(),
                get_headers: Arc::clone(&base.get_headers),
                base_url: base.base_url.clone(),
                timeout: options.timeout.unwrap_or(base.timeout),
                connect_timeout: options.connect_timeout.unwrap_or(base.connect_timeout),
                max_retries: options.max_retries.unwrap_or(base.max_retries),
                deadline: options.deadline.or(base.deadline),
                max_retry_after: base.max_retry_after,
                max_response_bytes: base.max_response_bytes,
                budget: base.budget.clone(),
                rng: Arc::clone(&base.rng),
                roots: base.roots.clone(),
                per_call: Some(per_call),
            }),
        }
    }
}

/// Builds a [`Config`]. Missing key and malformed URL are reported by
/// [`build`](Self::build), before any request.
///
/// ```
/// use pareta_core::Config;
/// use std::time::Duration;
/// let cfg = Config::builder()
///     .api_key("pareta_sk_test")
///     .base_url("http://127.0.0.1:8787//")
///     .timeout(Duration::from_secs(5))
///     .build()?;
/// assert_eq!(cfg.base_url(), "http://127.0.0.1:8787");
/// assert!(Config::builder().build().is_err()); // no key
/// # Ok::<(), pareta_core::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ConfigBuilder {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    deadline: Option<Duration>,
    max_retry_after: Option<Duration>,
    max_response_bytes: Option<u64>,
    budget: Option<Option<RetryBudget>>,
    seed: Option<u64>,
    roots_pem: Vec<Vec<u8>>,
}

impl ConfigBuilder {
    /// A builder that reads `PARETA_API_KEY` and `PARETA_BASE_URL`. Values set
    /// afterwards on the builder win over the environment.
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
        ConfigBuilder {
            api_key: var("PARETA_API_KEY").map(ApiKey::new),
            base_url: var("PARETA_BASE_URL"),
            ..Self::default()
        }
    }
    /// The `pareta_sk_…` key.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }
    /// The API root (default `https://api.pareta.ai`); trailing slashes are stripped.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Deadline of each attempt of an ordinary call, and idle timeout of a
    /// stream (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }
    /// Automatic retries on transient failures (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }
    /// A limit on each whole logical call, retries and backoff included (default
    /// none). No attempt or backoff starts that would end past it.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
    /// The longest `Retry-After` the client waits out (default 30 s); a server
    /// asking for longer gets the error back at once.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = Some(max);
        self
    }
    /// The most bytes of an ordinary (non-stream) response body the client
    /// reads (default 64 MiB); past it the call fails with
    /// [`Error::ResponseTooLarge`]. Stream lines have their own bound.
    pub fn max_response_bytes(mut self, max: u64) -> Self {
        self.max_response_bytes = Some(max);
        self
    }
    /// The client-wide retry budget (default [`RetryBudget::standard`]); `None`
    /// switches it off, so only `max_retries` limits retries.
    pub fn retry_budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }
    /// Seeds the random source (jitter, idempotency keys), for reproducible tests.
    pub fn rng_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Trusts only the CA certificates in this PEM text (one or more
    /// `CERTIFICATE` blocks; call again to add more files) instead of the
    /// built-in roots. Checked by [`build`](Self::build).
    pub fn root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.roots_pem.push(pem.as_ref().to_vec());
        self
    }
    /// Validates and builds.
    pub fn build(self) -> Result<Config, Error> {
        let api_key = self.api_key.filter(|k| !k.is_empty()).ok_or(Error::MissingApiKey)?;
        // The key itself is never printed, not even in this error.
        let authorization = api_key.authorization().ok_or_else(|| {
            Error::InvalidArgument("the API key holds a space, a tab, a line break or another control character".into())
        })?;
        let base_url = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let rest = base_url.strip_prefix("https://").or_else(|| base_url.strip_prefix("http://")).ok_or_else(|| {
            Error::InvalidArgument(format!("base URL {base_url:?} must start with http:// or https://"))
        })?;
        // A backslash reads as `/` to a URL parser, so it would move the path.
        if rest.is_empty() || rest.contains(['?', '#', ' ', '\\']) || rest.contains(|c: char| c.is_control()) {
            return Err(Error::InvalidArgument(format!("base URL {base_url:?} is not a valid API root")));
        }
        let roots = if self.roots_pem.is_empty() { None } else { Some(Roots(roots_from_pem(&self.roots_pem)?.into())) };
        Ok(Config {
            inner: Arc::new(Inner {
                get_headers: Arc::new(crate::call::client_headers(&authorization, crate::call::JSON)),
                authorization,
                base_url,
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
                deadline: self.deadline,
                max_retry_after: self.max_retry_after.unwrap_or(MAX_RETRY_AFTER),
                max_response_bytes: self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                budget: self.budget.unwrap_or_else(|| Some(RetryBudget::standard())).map(Arc::new),
                rng: Arc::new(self.seed.map(Rng::seeded).unwrap_or_else(Rng::from_entropy)),
                roots,
                per_call: None,
            }),
        })
    }
}

/// CA certificates (DER), shown in `Debug` by their number only.
#[derive(Clone)]
struct Roots(Arc<[Vec<u8>]>);

impl fmt::Debug for Roots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} root certificates>", self.0.len())
    }
}

/// The DER certificates of one PEM text, read as
/// [`ConfigBuilder::root_certificates_pem`] reads it: an error when the text is
/// not valid PEM or holds no `CERTIFICATE` block (other blocks are skipped).
/// Whether a TLS library can use each certificate is for that library to say.
/// For a driver or a tool that configures a TLS library itself.
pub fn root_certificates_der(pem: impl AsRef<[u8]>) -> Result<Vec<Vec<u8>>, Error> {
    let mut roots = Vec::new();
    read_pem(pem.as_ref(), "the PEM text", &mut roots)?;
    Ok(roots)
}

/// The DER certificates of each PEM text, each text holding at least one.
fn roots_from_pem(pems: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, Error> {
    let mut roots = Vec::new();
    for (i, pem) in pems.iter().enumerate() {
        read_pem(pem, &format!("root_certificates_pem (text {})", i + 1), &mut roots)?;
    }
    Ok(roots)
}

/// Appends the certificates of `pem` to `roots`; `what` names the text in an error.
fn read_pem(pem: &[u8], what: &str, roots: &mut Vec<Vec<u8>>) -> Result<(), Error> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let before = roots.len();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| Error::InvalidArgument(format!("{what}: not valid PEM: {e}")))?;
        roots.push(cert.as_ref().to_vec());
    }
    if roots.len() == before {
        return Err(Error::InvalidArgument(format!("{what}: no `-----BEGIN CERTIFICATE-----` block in it")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed CA certificate (openssl, P-256), only ever parsed here.
    const ROOT_PEM: &str = include_str!("test_root.pem");

    #[test]
    fn root_certificates_are_read_from_pem_before_any_request() {
        let cfg = Config::builder().api_key("k").build().unwrap();
        assert!(cfg.root_certificates().is_none(), "the built-in roots by default");
        // Two blocks in one text, and a second text: three roots, in order.
        let two = format!("{ROOT_PEM}\n{ROOT_PEM}");
        let cfg =
            Config::builder().api_key("k").root_certificates_pem(&two).root_certificates_pem(ROOT_PEM).build().unwrap();
        let roots = cfg.root_certificates().unwrap();
        assert_eq!(roots.len(), 3);
        assert_eq!(roots[0][0], 0x30, "DER, not PEM");
        assert!(roots.iter().all(|r| r == &roots[0]));
        // Kept by per-call views.
        assert_eq!(cfg.with_options(&RequestOptions::default()).root_certificates().map(<[_]>::len), Some(3));
        let err = |pem: &str| {
            Config::builder()
                .api_key("k")
                .root_certificates_pem(ROOT_PEM)
                .root_certificates_pem(pem)
                .build()
                .unwrap_err()
                .to_string()
        };
        assert!(err("").contains("(text 2): no `-----BEGIN CERTIFICATE-----` block"), "{}", err(""));
        let torn = "-----BEGIN CERTIFICATE-----\nAAAA";
        assert!(err(torn).contains("(text 2): not valid PEM"), "{}", err(torn));
    }

    #[test]
    fn missing_or_blank_key_is_an_error_before_any_request() {
        assert!(matches!(Config::builder().build(), Err(Error::MissingApiKey)));
        assert!(matches!(Config::builder().api_key("  ").build(), Err(Error::MissingApiKey)));
        let msg = Config::builder().build().unwrap_err().to_string();
        assert!(msg.contains("PARETA_API_KEY"), "{msg}");
    }

    #[test]
    fn a_key_no_header_can_carry_is_refused_without_printing_it() {
        for key in [
            "pareta_sk_se\ncret",
            "pareta_sk_se\rcret",
            "pareta_sk_se\u{7f}cret",
            "pareta_sk_se\tcret",
            "pareta_sk_se cret",
        ] {
            let e = Config::builder().api_key(key).build().unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
            assert!(e.to_string().contains("API key") && !e.to_string().contains("cret"), "{e}");
        }
        // The placeholder of the docs' examples still builds.
        assert!(Config::builder().api_key("pareta_sk_…").build().is_ok());
        // The value a request carries is marked sensitive, so it never prints.
        let cfg = Config::builder().api_key("pareta_sk_secret").build().unwrap();
        assert!(cfg.authorization().is_sensitive() && !format!("{cfg:?}").contains("secret"));
    }

    #[test]
    fn base_url_is_normalized_and_validated() {
        let cfg = Config::builder().api_key("k").build().unwrap();
        assert_eq!(cfg.base_url(), DEFAULT_BASE_URL);
        assert_eq!(cfg.max_retries(), 2);
        assert_eq!(cfg.timeout(), Duration::from_secs(60));
        let cfg = Config::builder().api_key("k").base_url("https://x.test/api///").build().unwrap();
        assert_eq!(cfg.base_url(), "https://x.test/api");
        assert!(matches!(
            Config::builder().api_key("k").base_url("api.pareta.ai").build(),
            Err(Error::InvalidArgument(_))
        ));
        for bad in ["https://x.test\\api", "https://x.test/a\tb", "https://x.test/a b", "https://x.test/#f"] {
            let e = Config::builder().api_key("k").base_url(bad).build().unwrap_err();
            assert!(e.to_string().contains("not a valid API root"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let cfg = Config::builder().api_key("pareta_sk_supersecret").build().unwrap();
        assert!(!format!("{cfg:?}").contains("supersecret"));
    }
}
