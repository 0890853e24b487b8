//! `pareta-mock`: serve the mock Pareta API until Ctrl-C.
//!
//! ```text
//! pareta-mock [--port 8787] [--storage-port 8788] [--quirks] [--balance MICRO_USD]
//!             [--rate-limit N/SECS] [--endpoint-form mixed|legacy|modern] [--start-polls N]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use pareta_mock::{EndpointForm, MockConfig, MockServer, RateLimit};

const USAGE: &str = "usage: pareta-mock [OPTIONS]\n\
\n\
Serves a stateful mock of the Pareta HTTP API on 127.0.0.1.\n\
  --port PORT            API port (default 8787; 0 picks a free port)\n\
  --storage-port PORT    signed-URL storage port (default: a free port)\n\
  --quirks               answer with nulls for empty lists/objects, integral floats\n\
                         for integers (420715.0) and {} from GET /v1/tasks\n\
  --balance MICRO_USD    org balance that chat and eval runs debit; 402 once spent\n\
                         (default: unlimited)\n\
  --rate-limit N/SECS    at most N /v1 requests per SECS seconds, then 429 with\n\
                         Retry-After (e.g. 10/1)\n\
  --endpoint-form FORM   endpoint records as mixed (default: seeded one legacy,\n\
                         deployed ones modern), legacy (name, taskName) or\n\
                         modern (id, name, task)\n\
  --start-polls N        reads a started endpoint stays \"starting\" (default 1)\n\
  -h, --help             show this help\n\
\n\
Any 'Bearer pareta_sk_...' key works; 'pareta_sk_ro_...' keys are read-only (403).";

fn parse_port(flag: &str, value: Option<String>) -> Result<u16, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value.parse().map_err(|_| format!("{flag}: '{value}' is not a port number"))
}

fn parse_rate(value: Option<String>) -> Result<RateLimit, String> {
    let value = value.ok_or("--rate-limit needs a value like 10/1")?;
    let bad = || format!("--rate-limit: '{value}' is not N/SECS (e.g. 10/1)");
    let (n, secs) = value.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let secs: f64 = secs.trim().parse().map_err(|_| bad())?;
    if !(secs.is_finite() && secs > 0.0) {
        return Err(bad());
    }
    Ok(RateLimit::new(n, Duration::from_secs_f64(secs)))
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<MockConfig>, String> {
    let mut config = MockConfig {
        deploy_step_delay: Duration::from_millis(300),
        chunk_delay: Duration::from_millis(30),
        port: 8787,
        ..MockConfig::default()
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
            "--quirks" => config.quirks = true,
            "--balance" => {
                let v = inline.or_else(|| args.next()).ok_or("--balance needs a value")?;
                config.balance_micro_usd =
                    Some(v.parse().map_err(|_| format!("--balance: '{v}' is not a whole number of micro-USD"))?);
            }
            "--rate-limit" => config.rate_limit = Some(parse_rate(inline.or_else(|| args.next()))?),
            "--endpoint-form" => {
                config.endpoint_form = match inline.or_else(|| args.next()).as_deref() {
                    Some("mixed") => EndpointForm::Mixed,
                    Some("legacy") => EndpointForm::Legacy,
                    Some("modern") => EndpointForm::Modern,
                    other => return Err(format!("--endpoint-form: {other:?} is not mixed, legacy or modern")),
                };
            }
            "--start-polls" => {
                let v = inline.or_else(|| args.next()).ok_or("--start-polls needs a value")?;
                config.start_polls = v.parse().map_err(|_| format!("--start-polls: '{v}' is not a count"))?;
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
    if server.quirks() {
        println!("quirks mode: nulls for empty lists/objects, integral floats, {{}} from GET /v1/tasks");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Option<MockConfig>, String> {
        parse_args(a.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags_set_the_config() {
        let c = args(&["--quirks", "--balance", "5000", "--rate-limit", "10/0.5", "--endpoint-form=modern"])
            .unwrap()
            .unwrap();
        assert!(c.quirks);
        assert_eq!(c.balance_micro_usd, Some(5000));
        assert_eq!(c.rate_limit, Some(RateLimit::new(10, Duration::from_millis(500))));
        assert_eq!(c.endpoint_form, EndpointForm::Modern);
        assert_eq!(c.port, 8787);
        assert!(args(&["--rate-limit", "ten"]).is_err());
        assert!(args(&["--rate-limit", "1/0"]).is_err());
        assert!(args(&["--balance", "-1"]).is_err());
        assert!(args(&["--endpoint-form", "odd"]).is_err());
        assert!(args(&["--start-polls", "3"]).unwrap().unwrap().start_polls == 3);
        assert!(args(&["-h"]).unwrap().is_none());
    }
}
