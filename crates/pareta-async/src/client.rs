//! `AsyncPareta`, its builder, and who owns the HTTP client. The methods every
//! client shares come from `pareta_core::client_surface!` (expanded in `lib.rs`).

use crate::driver::Http;
use crate::tls::Tls;
use pareta_core::{Config, ConfigBuilder, Error};
use std::path::Path;
use std::sync::Arc;

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
    /// The length of a file to upload, measured now (without blocking the runtime).
    pub(crate) async fn file_size(&self, path: &Path) -> Result<u64, Error> {
        tokio::fs::metadata(path).await.map(|m| m.len()).map_err(|source| Error::File { path: path.to_owned(), source })
    }
}

/// Configures an [`AsyncPareta`].
///
/// # Bringing your own `reqwest::Client`
///
/// Pass a client with [`http_client`](Self::http_client) for proxies, TLS
/// settings, or one connection pool shared with the rest of your application.
/// The ownership rule of the platform's clients, in Rust terms: a client you
/// pass in is yours. `AsyncPareta` keeps a clone (reqwest clients are
/// reference-counted handles to one pool) and never changes its configuration.
/// Its timeouts and TLS are yours to set: the builder's `timeout`,
/// `connect_timeout` and `tls` apply only to a client the SDK builds itself,
/// and the SDK adds no deadline or idle limit of its own to requests on your
/// client. Per-call options (`with_options`) are the exception: their timeout
/// applies on your client too, but a per-call `connect_timeout` cannot
/// (reqwest fixes it when a client is built), so a call with one fails with
/// `Error::InvalidArgument` before anything is sent. A client the SDK builds is released when the last `AsyncPareta`
/// clone is dropped; there is no `close()` to forget (nor to call on yours).
///
/// Build yours from [`http_client_builder`](crate::http_client_builder), which
/// sets up TLS: a plain `reqwest::Client::builder()` panics at `build()` under
/// the default `rustls` feature unless a rustls crypto provider was installed
/// process-wide.
///
/// ```no_run
/// use pareta_async::{AsyncPareta, Tls};
/// use std::time::Duration;
/// # fn demo() -> pareta_async::Result<()> {
/// let http = pareta_async::http_client_builder(Tls::Rustls)?.timeout(Duration::from_secs(300)).build().expect("client");
/// let pa = AsyncPareta::builder().api_key("pareta_sk_…").http_client(http.clone()).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncParetaBuilder {
    pub(crate) core: ConfigBuilder,
    client: Option<reqwest::Client>,
    tls: Tls,
}

impl AsyncParetaBuilder {
    pub(crate) fn with_core(core: ConfigBuilder) -> Self {
        AsyncParetaBuilder { core, client: None, tls: Tls::default() }
    }

    /// Uses your `reqwest::Client` (see the type docs for who owns what).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The TLS stack of the client the SDK builds (default [`Tls::Rustls`]).
    /// Features only make a backend available; this picks one. A backend that
    /// is not compiled in fails at [`build`](Self::build) for an https base URL.
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = tls;
        self
    }

    /// Validates the configuration (a missing key, an https base URL without a
    /// compiled-in TLS backend, a PEM text without a certificate, or root
    /// certificates together with a client of yours fail here, before any
    /// request) and, unless you passed one, builds the HTTP client.
    pub fn build(self) -> Result<AsyncPareta, Error> {
        let cfg = self.core.build()?;
        let http = Http::new(&cfg, self.client, self.tls)?;
        Ok(AsyncPareta { inner: Arc::new(Inner { cfg, http }) })
    }
}
