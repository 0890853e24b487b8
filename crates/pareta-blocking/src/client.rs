//! `Pareta`, its builder, and who owns the HTTP agent. The methods every client
//! shares come from `pareta_core::client_surface!` (expanded in `lib.rs`).

use crate::driver::Http;
use pareta_core::{Config, ConfigBuilder, Error};
use std::path::Path;
use std::sync::Arc;

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
    /// The length of a file to upload, measured now.
    pub(crate) fn file_size(&self, path: &Path) -> Result<u64, Error> {
        std::fs::metadata(path).map(|m| m.len()).map_err(|source| Error::File { path: path.to_owned(), source })
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
///
/// The agent the client builds also caches the base URL host's addresses (for 30
/// seconds, dropped when connecting fails), so that a call on a pooled connection
/// resolves nothing and spawns no thread. Your agent keeps the resolver you gave
/// it: with ureq's default, every request resolves the host, on a new thread
/// when a deadline applies.
#[derive(Debug)]
pub struct ParetaBuilder {
    pub(crate) core: ConfigBuilder,
    agent: Option<ureq::Agent>,
}

impl ParetaBuilder {
    pub(crate) fn with_core(core: ConfigBuilder) -> Self {
        ParetaBuilder { core, agent: None }
    }

    /// Uses your agent (see the type docs for who owns what). It is used as it
    /// is: its resolver is not replaced by the client's address cache.
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// Validates the configuration (a missing key, a PEM text without a
    /// certificate, or root certificates together with an agent of yours fail
    /// here, before any request).
    pub fn build(self) -> Result<Pareta, Error> {
        let cfg = self.core.build()?;
        let http = Http::new(&cfg, self.agent)?;
        Ok(Pareta { inner: Arc::new(Inner { cfg, http }) })
    }
}
