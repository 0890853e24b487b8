//! The chaos suite (see `pareta_parity_tests::chaos`): randomized calls over
//! every route through a seeded TCP fault proxy, with per-call invariants.
//!
//! `cargo test` runs the bounded form (about 20 s of calls per client). The full
//! form, 2,400 calls per client, is `cargo xtask chaos` (or this file's ignored
//! test); `CHAOS_SEED` replays a plan.

use pareta_parity_tests::chaos::{self, ChaosConfig, Client};

fn seed() -> u64 {
    std::env::var("CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261201)
}

fn check(client: Client, cfg: &ChaosConfig, min_calls: usize) {
    let report = chaos::run(client, cfg);
    println!("{}", report.table());
    for v in report.violations.iter().take(20) {
        println!("VIOLATION {v}");
    }
    assert!(
        report.violations.is_empty(),
        "{} invariant violations (first: {})",
        report.violations.len(),
        report.violations[0]
    );
    assert!(report.calls >= min_calls, "only {} calls", report.calls);
    assert!(report.faults.values().sum::<usize>() > 0, "no fault fired");
}

#[test]
fn chaos_bounded_blocking() {
    check(Client::Blocking, &ChaosConfig::bounded(seed()), 50);
}

#[test]
fn chaos_bounded_async() {
    check(Client::Async, &ChaosConfig::bounded(seed()), 50);
}

#[test]
fn calibration_without_faults_every_call_equals_the_reference() {
    let cfg = ChaosConfig { calls: 66, lanes: 2, faults: false, ..ChaosConfig::bounded(seed()) };
    for client in [Client::Blocking, Client::Async] {
        let report = chaos::run(client, &cfg);
        assert!(report.violations.is_empty(), "{client:?}: {:#?}", report.violations);
        assert!(report.faults.keys().all(|k| k.starts_with("idle")), "{:?}", report.faults);
    }
}

#[test]
#[ignore = "full chaos run, minutes: cargo xtask chaos"]
fn chaos_full() {
    let calls = std::env::var("CHAOS_CALLS").ok().and_then(|s| s.parse().ok()).unwrap_or(2400);
    for client in [Client::Blocking, Client::Async] {
        check(client, &ChaosConfig { calls, ..ChaosConfig::full(seed()) }, 2000.min(calls));
    }
}
