//! The Pareta Rust SDK user guide. Each page is a Markdown file in `docs/`; this
//! crate includes them as rustdoc so `cargo test -p pareta-docs` compiles and runs
//! every Rust block against an in-process pareta-mock.

/// A blocking client pointed at a fresh in-process pareta-mock, for the guide's
/// examples. The server stops when the returned guard is dropped.
pub fn mock_client() -> (pareta_blocking::Pareta, pareta_mock::MockServer) {
    let mock = pareta_mock::MockServer::start();
    let pa = pareta_blocking::Pareta::builder()
        .api_key("pareta_sk_docs")
        .base_url(mock.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    (pa, mock)
}

/// The async twin of [`mock_client`].
pub fn mock_async_client() -> (pareta_async::AsyncPareta, pareta_mock::MockServer) {
    let mock = pareta_mock::MockServer::start();
    let pa = pareta_async::AsyncPareta::builder()
        .api_key("pareta_sk_docs")
        .base_url(mock.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    (pa, mock)
}

#[doc = include_str!("../README.md")]
pub mod guide {}
#[doc = include_str!("../getting-started.md")]
pub mod getting_started {}
#[doc = include_str!("../configuration.md")]
pub mod configuration {}
#[doc = include_str!("../chat-and-streaming.md")]
pub mod chat_and_streaming {}
#[doc = include_str!("../endpoints.md")]
pub mod endpoints {}
#[doc = include_str!("../discovery.md")]
pub mod discovery {}
#[doc = include_str!("../evals.md")]
pub mod evals {}
#[doc = include_str!("../errors.md")]
pub mod errors {}
#[doc = include_str!("../money-and-metadata.md")]
pub mod money_and_metadata {}
#[doc = include_str!("../per-call-options.md")]
pub mod per_call_options {}
#[doc = include_str!("../retries-and-idempotency.md")]
pub mod retries_and_idempotency {}
#[doc = include_str!("../testing-with-pareta-mock.md")]
pub mod testing_with_pareta_mock {}
#[doc = include_str!("../types.md")]
pub mod types {}
#[doc = include_str!("../tracing.md")]
pub mod tracing_and_logs {}
/// What the SDK promises under load, faults and bad input: fuzzing, the chaos suite, the soak.
#[doc = include_str!("../reliability.md")]
pub mod reliability {}

/// The repository README: its examples are compiled too (`no_run`: they need an account).
#[doc = include_str!("../../README.md")]
pub mod readme {}

/// How the SDK is measured (`cargo xtask bench`) and the latest numbers.
#[doc = include_str!("../performance.md")]
pub mod performance {}
