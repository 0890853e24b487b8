//! `AsyncPareta`, its builder, and who owns the HTTP client.

use crate::driver::{Http, LiveBody};
use crate::namespaces::{Chat, Endpoints, Evals, Models, Tasks};
use pareta_core::{Config, ConfigBuilder, Error, Flow};
use std::sync::Arc;
use std::time::Duration;

/// The async Pareta client. Cheap to clone: clones share one connection pool, and
/// one client serves any number of concurrent calls.
///
/// ```no_run
/// use pareta_async::AsyncPareta;
/// use std::time::Duration;
/// # async fn demo() -> pareta_async::Result<()> {
/// let pa = AsyncPareta::builder()
///     .api_key("pareta_sk_…")
///     .timeout(Duration::from_secs(120))
///     .max_retries(5)
///     .build()?;
/// for m in &pa.models().list().await? {
///     println!("{:?}", m.id);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AsyncPareta {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub cfg: Config,
    pub http: Http,
}

impl AsyncPareta {
    /// A client from `PARETA_API_KEY` and the optional `PARETA_BASE_URL`.
    pub fn from_env() -> Result<AsyncPareta, Error> {
        AsyncParetaBuilder::from_env().build()
    }

    /// A client with this key and every default.
    pub fn new(api_key: impl Into<String>) -> Result<AsyncPareta, Error> {
        Self::builder().api_key(api_key).build()
    }

    /// A builder starting from the defaults (nothing read from the environment).
    pub fn builder() -> AsyncParetaBuilder {
        AsyncParetaBuilder { core: Config::builder(), client: None }
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.inner.cfg
    }

    /// `models`: the OpenAI-compatible list of callable endpoints.
    pub fn models(&self) -> Models<'_> {
        Models { pa: self }
    }
    /// `chat`: OpenAI-compatible inference.
    pub fn chat(&self) -> Chat<'_> {
        Chat { pa: self }
    }
    /// `endpoints`: deploy and operate endpoints.
    pub fn endpoints(&self) -> Endpoints<'_> {
        Endpoints { pa: self }
    }
    /// `tasks`: the benchmark catalog.
    pub fn tasks(&self) -> Tasks<'_> {
        Tasks { pa: self }
    }
    /// `evals`: evaluate models on your own data.
    pub fn evals(&self) -> Evals<'_> {
        Evals { pa: self }
    }

    pub(crate) async fn run<F: Flow + Send>(&self, flow: F) -> Result<F::Value, Error> {
        self.inner.http.run(flow).await.map(|(value, _)| value)
    }

    pub(crate) async fn run_stream<F: Flow + Send>(&self, flow: F) -> Result<(F::Value, Option<LiveBody>), Error> {
        self.inner.http.run(flow).await
    }
}

/// Configures an [`AsyncPareta`].
///
/// # Bringing your own `reqwest::Client`
///
/// Pass a client with [`http_client`](Self::http_client) for proxies, TLS
/// settings, or one connection pool shared with the rest of your application. The ownership rule of the platform's clients,
/// in Rust terms: a client you pass in is yours. `AsyncPareta` keeps a clone
/// (reqwest clients are reference-counted handles to one pool) and never changes
/// its configuration. Its timeouts are yours to set: the builder's `timeout` and
/// `connect_timeout` apply only to a client the SDK builds itself, and the SDK
/// adds no deadline or idle limit of its own to requests on your client. A
/// client the SDK builds is released when the last `AsyncPareta` clone is
/// dropped; there is no `close()` to forget (nor to call on yours).
///
/// With the default `rustls` feature, reqwest is compiled without a built-in
/// rustls crypto provider (the SDK brings `ring` for the clients it builds, to
/// avoid the aws-lc C build). A client *you* build with reqwest's own builder
/// then needs a provider: install one once at startup
/// (`rustls::crypto::ring::default_provider().install_default()`), or enable
/// reqwest's `rustls` feature in your own `Cargo.toml`, or use pareta-async's
/// `native-tls` feature. Without one, reqwest panics when building the client.
///
/// ```no_run
/// use pareta_async::AsyncPareta;
/// use std::time::Duration;
/// # fn demo() -> pareta_async::Result<()> {
/// let http = reqwest::Client::builder().timeout(Duration::from_secs(300)).build().expect("client");
/// let pa = AsyncPareta::builder().api_key("pareta_sk_…").http_client(http.clone()).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncParetaBuilder {
    core: ConfigBuilder,
    client: Option<reqwest::Client>,
}

impl AsyncParetaBuilder {
    /// A builder that reads `PARETA_API_KEY` and `PARETA_BASE_URL`; values set
    /// afterwards win.
    pub fn from_env() -> Self {
        AsyncParetaBuilder { core: ConfigBuilder::from_env(), client: None }
    }
    /// The `pareta_sk_…` key (required).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.core = self.core.api_key(key);
        self
    }
    /// The API root (default `https://api.pareta.ai`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.core = self.core.base_url(url);
        self
    }
    /// Total deadline of an ordinary call, and the idle (per-read) limit of a
    /// stream (default 60 s). Applies only to a client the SDK builds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.core = self.core.timeout(timeout);
        self
    }
    /// Connect timeout (default 10 s). Applies only to a client the SDK builds.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.core = self.core.connect_timeout(timeout);
        self
    }
    /// Automatic retries of transient failures (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.core = self.core.max_retries(n);
        self
    }
    /// Seeds jitter and idempotency keys, for reproducible tests.
    pub fn rng_seed(mut self, seed: u64) -> Self {
        self.core = self.core.rng_seed(seed);
        self
    }
    /// Uses your `reqwest::Client` (see the type docs for who owns what).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }
    /// Validates the configuration (a missing key fails here, before any
    /// request) and, unless you passed one, builds the HTTP client.
    pub fn build(self) -> Result<AsyncPareta, Error> {
        let cfg = self.core.build()?;
        let http = Http::new(&cfg, self.client)?;
        Ok(AsyncPareta { inner: Arc::new(Inner { cfg, http }) })
    }
}
