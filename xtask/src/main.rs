//! Project automation: `cargo xtask <demo|ci|bench|chaos|soak>`.

mod bench;
mod demo;

/// Counts allocations for the bench's allocations-per-chunk rows (a pass-through otherwise).
#[global_allocator]
static GLOBAL: bench::alloc::Counting = bench::alloc::Counting;

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  demo    walk the discovery funnel with the blocking client (against an in-process
          pareta-mock, or your account when PARETA_API_KEY and PARETA_BASE_URL are set)
  ci      fmt check, clippy -D warnings, tests, rustdoc -D warnings (what .ci/run runs)
  bench   performance harness (issue 8): release build, loopback servers, a table of
          ours vs baselines; --quick for a CI smoke run (see `cargo xtask bench --help`)
  chaos   the full chaos suite (issue 16): 2,400 randomized calls per client through a
          seeded TCP fault proxy; CHAOS_SEED=N replays a plan, CHAOS_CALLS=N resizes it
  soak    rounds of 1,000 concurrent async streams with random drops plus 200 blocking
          calls on threads, for 2 minutes; the last rounds' trimmed RSS, live heap and
          open fds must be within 5% of the first rounds' (`cargo xtask soak --help`)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo::run(),
        Some("ci") => ci(),
        Some("bench") => bench::run(&args[1..]),
        Some("chaos") => cargo(
            &["test", "-p", "pareta-parity-tests", "--test", "chaos", "--", "--ignored", "--nocapture", "chaos_full"],
            &[],
        ),
        // Its own binary (src/bin/soak.rs): it counts live heap bytes with a global allocator.
        Some("soak") => {
            let mut a = vec!["run", "--release", "-q", "-p", "xtask", "--bin", "soak", "--"];
            a.extend(args[1..].iter().map(String::as_str));
            cargo(&a, &[])
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<(), Box<dyn std::error::Error>> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .envs(env.iter().copied())
        .status()?;
    if !status.success() {
        return Err(format!("`cargo {}` failed ({status})", args.join(" ")).into());
    }
    Ok(())
}

/// The same steps as `.ci/run`.
fn ci() -> Result<(), Box<dyn std::error::Error>> {
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    cargo(&["test", "--workspace"], &[])?;
    cargo(&["doc", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    Ok(())
}
