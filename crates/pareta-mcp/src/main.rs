//! `pareta-mcp`: the same server as `pareta mcp`, as a binary of its own.

use clap::Parser;
use pareta_mcp::{Connection, McpArgs};
use std::process::ExitCode;
use std::time::Duration;

/// The Pareta API as MCP tools over stdio: read-only unless --allow-spend.
#[derive(Debug, Parser)]
#[command(name = "pareta-mcp", version)]
struct Cli {
    /// API key (`pareta_sk_...`).
    #[arg(long, env = "PARETA_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// API root (default: the production API).
    #[arg(long, env = "PARETA_BASE_URL")]
    base_url: Option<String>,
    /// Total deadline of one call, in seconds.
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Automatic retries of transient failures.
    #[arg(long, value_name = "N")]
    max_retries: Option<u32>,
    /// Trust only the CA certificates in this PEM file instead of the built-in roots.
    /// Empty: the built-in roots.
    #[arg(long, env = "PARETA_CA_CERT", value_name = "FILE")]
    ca_cert: Option<String>,
    /// Serve an in-process mock server (no account needed, nothing billed).
    #[arg(long)]
    mock: bool,
    #[command(flatten)]
    mcp: McpArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let pem = match cli.ca_cert.as_deref().filter(|p| !p.is_empty()).map(|p| (p, std::fs::read(p))) {
        None => None,
        Some((_, Ok(pem))) => Some(pem),
        Some((path, Err(e))) => {
            eprintln!("error: --ca-cert / PARETA_CA_CERT {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let conn = Connection::new()
        .root_certificates_pem(pem)
        .api_key(cli.api_key)
        .base_url(cli.base_url)
        .timeout(cli.timeout.map(Duration::from_secs))
        .max_retries(cli.max_retries)
        .mock(cli.mock);
    match pareta_mcp::run(conn, cli.mcp) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_usage() { 2 } else { 1 })
        }
    }
}
