//! `Pareta`, its builder, and who owns the HTTP agent.

use crate::driver::Http;
use crate::namespaces::{Chat, Endpoints, Evals, Models, Tasks};
use pareta_core::{Config, ConfigBuilder, Error};
use std::sync::Arc;
use std::time::Duration;

/// The blocking Pareta client. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// use pareta_blocking::Pareta;
/// use std::time::Duration;
/// let pa = Pareta::builder()
///     .api_key("pareta_sk_…")
///     .timeout(Duration::from_secs(120))
///     .max_retries(5)
///     .build()?;
/// for m in &pa.models().list()? {
///     println!("{:?}", m.id);
/// }
/// # Ok::<(), pareta_blocking::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Pareta {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub cfg: Config,
    pub http: Http,
}

impl Pareta {
    /// A client from `PARETA_API_KEY` and the optional `PARETA_BASE_URL`.
    pub fn from_env() -> Result<Pareta, Error> {
        ParetaBuilder::from_env().build()
    }

    /// A client with this key and every default.
    pub fn new(api_key: impl Into<String>) -> Result<Pareta, Error> {
        Self::builder().api_key(api_key).build()
    }

    /// A builder starting from the defaults (nothing read from the environment).
    pub fn builder() -> ParetaBuilder {
        ParetaBuilder { core: Config::builder(), agent: None }
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

    pub(crate) fn run<F: pareta_core::Flow>(&self, flow: F) -> Result<F::Value, Error> {
        self.inner.http.run(flow).map(|(value, _)| value)
    }
}

/// Configures a [`Pareta`].
///
/// # Bringing your own `ureq::Agent`
///
/// Pass an agent with [`agent`](Self::agent) for proxies, TLS settings or a shared
/// pool. The ownership rule of the platform's clients, in Rust terms: an agent you
/// pass in is yours. The client keeps a clone (ureq agents are reference-counted
/// handles) and never changes its configuration; its timeouts are yours to set,
/// and the builder's `timeout`/`connect_timeout` apply only to an agent the client
/// builds itself. That agent's pool is released when the last `Pareta` clone is
/// dropped; there is no `close()` to forget.
#[derive(Debug)]
pub struct ParetaBuilder {
    core: ConfigBuilder,
    agent: Option<ureq::Agent>,
}

impl ParetaBuilder {
    /// A builder that reads `PARETA_API_KEY` and `PARETA_BASE_URL`; values set
    /// afterwards win.
    pub fn from_env() -> Self {
        ParetaBuilder { core: ConfigBuilder::from_env(), agent: None }
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
    /// Total deadline of an ordinary call, and the response-header deadline of a stream (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.core = self.core.timeout(timeout);
        self
    }
    /// Connect timeout (default 10 s).
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
    /// Uses your agent (see the type docs for who owns what).
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = Some(agent);
        self
    }
    /// Validates the configuration (a missing key fails here, before any request).
    pub fn build(self) -> Result<Pareta, Error> {
        let cfg = self.core.build()?;
        let http = Http::new(&cfg, self.agent);
        Ok(Pareta { inner: Arc::new(Inner { cfg, http }) })
    }
}
