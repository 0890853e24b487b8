//! The `pareta mcp` command line and its entry point.

use crate::policy::{Policy, parse_usd};
use crate::server::ParetaMcp;
use pareta_async::AsyncPareta;
use pareta_types::Decimal;
use rmcp::ServiceExt;
use std::path::PathBuf;
use std::time::Duration;

/// The flags of `pareta mcp` (the guardrails). Embedded in the `pareta`
/// command as its `mcp` subcommand.
#[derive(Clone, Debug, Default, clap::Args)]
#[command(after_help = "Examples:\n  pareta mcp --mock\n  \
                        pareta mcp --allow-spend --spend-cap-usd 5 --root ~/evals\n\n\
                        Speaks MCP on stdin/stdout; logs nothing to stdout. See docs/mcp.md for client configuration.")]
pub struct McpArgs {
    /// Enable the tools that spend money or change state (deploy, start, stop,
    /// chat, eval sets and runs). Without it the server is read-only.
    #[arg(long)]
    pub allow_spend: bool,
    /// Also enable delete_endpoint (needs --allow-spend).
    #[arg(long, requires = "allow_spend")]
    pub allow_delete: bool,
    /// Refuse spending calls once this many dollars of receipts and run costs
    /// were counted (e.g. 5 or 0.25).
    #[arg(long, value_name = "USD", value_parser = parse_usd)]
    pub spend_cap_usd: Option<Decimal>,
    /// The only directory tools may read files from (default: the working directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// How to reach the API: the `pareta` command's global options. `Debug` shows
/// neither the API key nor the certificates' text.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Connection {
    /// API key; `PARETA_API_KEY` when `None`.
    pub api_key: Option<String>,
    /// API root; `PARETA_BASE_URL` or the production API when `None`.
    pub base_url: Option<String>,
    /// Total deadline of one call.
    pub timeout: Option<Duration>,
    /// Automatic retries of transient failures.
    pub max_retries: Option<u32>,
    /// Serve an in-process pareta-mock instead of the API.
    pub mock: bool,
    /// PEM text of the only CA certificates to trust (`None`: the built-in roots).
    pub root_certificates_pem: Option<Vec<u8>>,
}

impl Connection {
    /// A connection with every default (environment, production API).
    pub fn new() -> Self {
        Connection::default()
    }
    /// Sets the API key.
    pub fn api_key(mut self, key: Option<String>) -> Self {
        self.api_key = key;
        self
    }
    /// Sets the API root.
    pub fn base_url(mut self, url: Option<String>) -> Self {
        self.base_url = url;
        self
    }
    /// Sets the per-call deadline.
    pub fn timeout(mut self, t: Option<Duration>) -> Self {
        self.timeout = t;
        self
    }
    /// Sets the retry count.
    pub fn max_retries(mut self, n: Option<u32>) -> Self {
        self.max_retries = n;
        self
    }
    /// Serves the embedded mock.
    pub fn mock(mut self, yes: bool) -> Self {
        self.mock = yes;
        self
    }
    /// Trusts only the CA certificates in this PEM text (`None`: the built-in
    /// roots). It replaces an earlier one; put several certificates in one text.
    pub fn root_certificates_pem(mut self, pem: Option<Vec<u8>>) -> Self {
        self.root_certificates_pem = pem;
        self
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("mock", &self.mock)
            .field(
                "root_certificates_pem",
                &self.root_certificates_pem.as_ref().map(|p| format!("<{} bytes of PEM>", p.len())),
            )
            .finish()
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// A bad flag (e.g. a `--root` that is not a directory).
    Usage(String),
    /// The client could not be built (e.g. no API key), or the transport failed.
    Failed(String),
}

impl StartError {
    /// True for a usage error (the `pareta` command exits 2 for those).
    pub fn is_usage(&self) -> bool {
        matches!(self, StartError::Usage(_))
    }
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Usage(m) | StartError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for StartError {}

#[cfg(feature = "mock")]
type MockGuard = Option<pareta_mock::MockServer>;
#[cfg(not(feature = "mock"))]
type MockGuard = Option<()>;

#[cfg(feature = "mock")]
fn start_mock() -> Result<(String, MockGuard), StartError> {
    let server = pareta_mock::MockServer::try_start_with(pareta_mock::MockConfig::default())
        .map_err(|e| StartError::Failed(format!("cannot start the mock: {e}")))?;
    Ok((server.base_url(), Some(server)))
}

#[cfg(not(feature = "mock"))]
fn start_mock() -> Result<(String, MockGuard), StartError> {
    Err(StartError::Usage("--mock needs pareta-mcp built with the `mock` feature".to_owned()))
}

/// Builds the policy from the flags.
fn policy(args: &McpArgs, mock: bool) -> Result<Policy, StartError> {
    let root = match &args.root {
        Some(r) => r.clone(),
        None => std::env::current_dir().map_err(|e| StartError::Usage(format!("no working directory: {e}")))?,
    };
    let mut p = Policy::read_only(&root)
        .map_err(|e| StartError::Usage(e.to_string()))?
        .allow_spend(args.allow_spend)
        .allow_delete(args.allow_delete);
    if args.allow_delete && !args.allow_spend {
        return Err(StartError::Usage("--allow-delete needs --allow-spend".to_owned()));
    }
    if let Some(cap) = args.spend_cap_usd {
        if !args.allow_spend {
            // stderr is the MCP client's log; stdout belongs to the protocol.
            eprintln!("pareta mcp: --spend-cap-usd has no effect without --allow-spend (the server is read-only)");
        }
        p = p.spend_cap_usd(cap).map_err(StartError::Usage)?;
    }
    if mock {
        // The mock advances a run one status per poll: no need to wait seconds.
        p = p.poll_interval(Duration::from_millis(50));
    }
    Ok(p)
}

/// Runs `pareta mcp`: serves the tools on stdin/stdout until the client
/// disconnects. Starts its own tokio runtime (only this command does).
pub fn run(conn: Connection, args: McpArgs) -> Result<(), StartError> {
    let policy = policy(&args, conn.mock)?;
    // Keep the mock alive for the whole session.
    let (pa, _mock) = client(&conn)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| StartError::Failed(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let server = ParetaMcp::with_mock_flag(pa, policy, conn.mock);
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| StartError::Failed(format!("MCP initialization failed: {e}")))?;
        running.waiting().await.map_err(|e| StartError::Failed(format!("MCP server stopped: {e}")))?;
        Ok::<(), StartError>(())
    })?;
    rt.shutdown_timeout(Duration::from_millis(200));
    Ok(())
}

fn client(conn: &Connection) -> Result<(AsyncPareta, MockGuard), StartError> {
    let mut b = AsyncPareta::builder();
    let guard = if conn.mock {
        let (url, guard) = start_mock()?;
        b = b.api_key("pareta_sk_mock").base_url(url);
        guard
    } else {
        b = pareta_async::AsyncParetaBuilder::from_env();
        if let Some(key) = &conn.api_key {
            b = b.api_key(key);
        }
        if let Some(url) = &conn.base_url {
            b = b.base_url(url);
        }
        None
    };
    if let Some(t) = conn.timeout {
        b = b.timeout(t);
    }
    if let Some(n) = conn.max_retries {
        b = b.max_retries(n);
    }
    if let Some(pem) = &conn.root_certificates_pem {
        b = b.root_certificates_pem(pem);
    }
    // A bad base URL or CA certificate is a bad flag: a usage error.
    let pa = b.build().map_err(|e| match e {
        pareta_async::Error::InvalidArgument(_) => StartError::Usage(e.to_string()),
        e => StartError::Failed(e.to_string()),
    })?;
    Ok((pa, guard))
}
