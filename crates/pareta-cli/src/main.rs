//! `pareta`: a terminal front end to the Pareta API, on the blocking client.
//!
//! Exit status: 0 on success, 1 on an API or SDK error (a missing API key
//! included), 2 on a usage error (bad flags, a bad JSONL file, a bad `--param`).
//! No async runtime is started unless `--mock` is given (the in-process mock
//! server runs one on its own thread).

mod cli;
mod commands;
mod output;
mod progress;
mod wire;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command, Global};
use pareta_blocking::{Error, Pareta};
use std::process::ExitCode;
use std::time::Duration;
use wire::Wire;

/// Why a command failed, which decides the exit status.
#[derive(Debug)]
pub enum CliError {
    /// The API or the SDK failed (exit 1).
    Sdk(Error),
    /// The request succeeded but what it reports failed, e.g. a failed eval run (exit 1).
    Failed(String),
    /// The invocation was wrong (exit 2).
    Usage(String),
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Sdk(e)
    }
}

/// `Result` of a command.
pub type CliResult<T = ()> = Result<T, CliError>;

/// What every command gets: the client, the wire record and the output mode.
#[derive(Debug)]
pub struct Ctx {
    /// The client.
    pub pa: Pareta,
    /// What the client received (for `--json` and table views).
    pub wire: Wire,
    /// `--json`: print the server's JSON as received.
    pub json: bool,
}

impl Ctx {
    /// The body of the last reply, as received (empty when there was none).
    pub fn last_body(&self) -> Vec<u8> {
        self.wire.last_body().unwrap_or_default()
    }

    /// The last reply parsed as JSON (an empty body reads as `{}`).
    pub fn last_json(&self) -> serde_json::Value {
        output::parse(&self.last_body())
    }

    /// With `--json`, prints the last reply exactly as received and returns true.
    pub fn print_json(&self) -> bool {
        if self.json {
            output::print_raw(&self.last_body());
        }
        self.json
    }
}

/// Rust ignores SIGPIPE, so printing to a closed pipe (`pareta tasks list | head`)
/// panics inside `println!`. A reader that stopped early is not an error for a CLI:
/// exit quietly, as a SIGPIPE-killed Unix tool would, instead of printing a panic.
fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg =
            payload.downcast_ref::<String>().map(String::as_str).or_else(|| payload.downcast_ref::<&str>().copied());
        if msg.is_some_and(|m| m.contains("Broken pipe")) {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// `NO_COLOR` (any non-empty value, <https://no-color.org>) turns colour off;
/// output that is not a terminal gets none either way.
fn respect_no_color() {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}

fn main() -> ExitCode {
    exit_quietly_on_broken_pipe();
    respect_no_color();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Sdk(Error::MissingApiKey)) => {
            eprintln!(
                "error: no API key: pass --api-key pareta_sk_... or set PARETA_API_KEY \
                 (mint a key in the dashboard, or try everything with --mock)"
            );
            ExitCode::from(1)
        }
        Err(CliError::Sdk(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
        Err(CliError::Failed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
        Err(CliError::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> CliResult {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "pareta", &mut std::io::stdout());
        return Ok(());
    }
    #[cfg(feature = "mcp")]
    if let Command::Mcp(args) = cli.command {
        return run_mcp(&cli.global, args);
    }
    // Keep the mock alive for the whole command.
    let (pa, wire, _mock) = client(&cli.global)?;
    let ctx = Ctx { pa, wire, json: cli.global.json };
    match cli.command {
        Command::Models(c) => commands::models::run(&ctx, c),
        Command::Tasks(c) => commands::tasks::run(&ctx, c),
        Command::Endpoints(c) => commands::endpoints::run(&ctx, c),
        Command::Chat(a) => commands::chat::run(&ctx, a),
        Command::Evals(c) => commands::evals::run(&ctx, c),
        Command::Completions { .. } => Ok(()),
        #[cfg(feature = "mcp")]
        Command::Mcp(_) => Ok(()),
    }
}

/// `pareta mcp`: the only command with a runtime of its own (pareta-mcp starts it).
#[cfg(feature = "mcp")]
fn run_mcp(g: &Global, args: pareta_mcp::McpArgs) -> CliResult {
    let conn = pareta_mcp::Connection::new()
        .root_certificates_pem(ca_cert(g)?.map(|(pem, _)| pem))
        .api_key(g.api_key.clone())
        .base_url(g.base_url.clone())
        .timeout(Duration::try_from_secs_f64(g.timeout).ok())
        .max_retries(g.max_retries)
        .mock(g.mock);
    pareta_mcp::run(conn, args)
        .map_err(|e| if e.is_usage() { CliError::Usage(e.to_string()) } else { CliError::Failed(e.to_string()) })
}

#[cfg(feature = "mock")]
type MockGuard = Option<pareta_mock::MockServer>;
#[cfg(not(feature = "mock"))]
type MockGuard = Option<()>;

/// Starts the in-process mock for `--mock`, returning its base URL and the server.
#[cfg(feature = "mock")]
fn start_mock() -> CliResult<(String, MockGuard)> {
    let server = pareta_mock::MockServer::start();
    Ok((server.base_url(), Some(server)))
}

#[cfg(not(feature = "mock"))]
fn start_mock() -> CliResult<(String, MockGuard)> {
    Err(CliError::Usage("--mock needs a pareta built with the `mock` feature".to_owned()))
}

/// The `--ca-cert` file's PEM text and the TLS settings that trust only it. A
/// file that cannot be read, or holds no usable certificate, is a usage error.
fn ca_cert(g: &Global) -> CliResult<Option<(Vec<u8>, ureq::tls::TlsConfig)>> {
    // An empty value (`PARETA_CA_CERT=`) means none, as an unset one does.
    let Some(path) = g.ca_cert.as_deref().filter(|p| !p.is_empty()) else { return Ok(None) };
    let bad = |e: &dyn std::fmt::Display| CliError::Usage(format!("--ca-cert / PARETA_CA_CERT {path}: {e}"));
    let pem = std::fs::read(path).map_err(|e| bad(&e))?;
    let tls = pareta_blocking::tls_config_trusting(&pem).map_err(|e| bad(&e))?;
    Ok(Some((pem, tls)))
}

fn seconds(flag: &str, secs: f64) -> CliResult<Duration> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| CliError::Usage(format!("{flag} {secs} is not a positive number of seconds")))
}

/// The client, on an agent of ours: [`Wire`] records what comes back.
///
/// A caller-supplied agent keeps its own timeouts, so they are set here:
/// `--connect-timeout` for the connection, and `--timeout` both for the
/// reply to start and for any silence inside it (per read), which bounds
/// every call without cutting off a long stream that keeps sending.
fn client(g: &Global) -> CliResult<(Pareta, Wire, MockGuard)> {
    let timeout = seconds("--timeout", g.timeout)?;
    let connect = seconds("--connect-timeout", g.connect_timeout)?;
    let wire = Wire::default();
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(connect))
        .timeout_recv_response(Some(timeout))
        .timeout_per_read(Some(timeout))
        .middleware(wire.clone());
    if let Some((_, tls)) = ca_cert(g)? {
        config = config.tls_config(tls);
    }
    let agent: ureq::Agent = config.build().into();
    let mut b = Pareta::builder().agent(agent).timeout(timeout).connect_timeout(connect);
    let guard = if g.mock {
        let (url, guard) = start_mock()?;
        b = b.api_key("pareta_sk_mock").base_url(url);
        guard
    } else {
        if let Some(key) = &g.api_key {
            b = b.api_key(key);
        }
        if let Some(url) = &g.base_url {
            b = b.base_url(url);
        }
        None
    };
    if let Some(n) = g.max_retries {
        b = b.max_retries(n);
    }
    // What the builder refuses (a base URL that is not one) came from a flag: a usage error.
    let pa = b.build().map_err(|e| match e {
        Error::InvalidArgument(_) => CliError::Usage(e.to_string()),
        e => CliError::Sdk(e),
    })?;
    Ok((pa, wire, guard))
}
