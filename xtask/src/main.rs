//! Project automation: `cargo xtask <ci|demo|bench>`.
fn main() {}
