//! Parity: one list of scenarios, run through both `Pareta` and `AsyncPareta`
//! against a fresh pareta-mock each, must give equal results and equal requests.
//!
//! A scenario is data ([`Op`]s plus faults to arm), so a scenario added once runs
//! through both clients. [`Op`] has one variant per public client method, and a
//! test checks that the scenario list uses every one.

pub mod chaos;
mod ops;
mod run;

pub use ops::{ALL_METHODS, Op};
pub use run::{Outcome, run_async, run_blocking};

/// A named sequence of calls, with faults armed on the mock first.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// What it checks.
    pub name: &'static str,
    /// `(method, path, spec)` faults armed before the calls (`X-Mock-Fault` grammar).
    pub faults: Vec<(&'static str, &'static str, &'static str)>,
    /// The calls, in order.
    pub ops: Vec<Op>,
}
