//! `pareta-mock`: serve the mock Pareta API until Ctrl-C.
//!
//! ```text
//! pareta-mock [--port 8787] [--storage-port 8788]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use pareta_mock::{MockConfig, MockServer};

const USAGE: &str = "usage: pareta-mock [--port PORT] [--storage-port PORT]\n\
\n\
Serves a stateful mock of the Pareta HTTP API on 127.0.0.1.\n\
  --port PORT           API port (default 8787; 0 picks a free port)\n\
  --storage-port PORT   signed-URL storage port (default: a free port)\n\
  -h, --help            show this help";

fn parse_port(flag: &str, value: Option<String>) -> Result<u16, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value.parse().map_err(|_| format!("{flag}: '{value}' is not a port number"))
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<MockConfig>, String> {
    let mut config = MockConfig {
        deploy_step_delay: Duration::from_millis(300),
        chunk_delay: Duration::from_millis(30),
        port: 8787,
        storage_port: 0,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" | "-p" => config.port = parse_port(&flag, inline.or_else(|| args.next()))?,
            "--storage-port" => {
                config.storage_port = parse_port(&flag, inline.or_else(|| args.next()))?;
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(Some(config))
}

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("pareta-mock: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match MockServer::try_start_with(config) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("pareta-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("pareta-mock listening on {} (storage on {})", server.base_url(), server.storage_url());
    println!("seeded endpoint: ep_contract_kie; any 'Bearer pareta_sk_...' key works; Ctrl-C stops");
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pareta-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = rt.block_on(tokio::signal::ctrl_c()) {
        eprintln!("pareta-mock: cannot wait for Ctrl-C: {e}");
    }
    println!("pareta-mock: shutting down");
    drop(server);
    ExitCode::SUCCESS
}
