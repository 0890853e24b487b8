//! The helpers of this suite; pareta-blocking's suite has the same names.

pub use pareta_test_support::KEY;
pub use pareta_test_support::fixtures::*;
pub use pareta_test_support::mock::*;

use pareta_async::AsyncPareta;
use pareta_async::types::{ChatCompletionRequest, ChatMessage};
use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

/// One runtime for the whole binary: a reqwest client's pooled connections live
/// on the runtime that made them, so every call of a test runs on this one.
static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());

/// `fut.block()` runs a future to its end on the suite's runtime, on this thread
/// (so a thread-local `tracing` subscriber sees it). The tests then read like
/// pareta-blocking's, one `.block()` per call.
pub trait Block: Future + Sized {
    /// Runs the future to its end.
    fn block(self) -> Self::Output {
        RUNTIME.block_on(self)
    }
}

impl<F: Future> Block for F {}

/// Which suite this is, for temp file names.
pub const SUITE: &str = "async";

/// The size from which a document upload takes the signed URL.
pub const INLINE_LIMIT: usize = pareta_core::flows::upload::INLINE_LIMIT as usize;

/// A client for `base` with the test key, no retries and a 10 s timeout.
pub fn client(base: &str) -> AsyncPareta {
    client_with(base, 0)
}

/// A client for `base` with `retries` automatic retries.
pub fn client_with(base: &str, retries: u32) -> AsyncPareta {
    AsyncPareta::builder()
        .api_key(KEY)
        .base_url(base)
        .max_retries(retries)
        .timeout(Duration::from_secs(10))
        .rng_seed(7)
        .build()
        .unwrap()
}

/// A client for `base` with a total deadline of `timeout` and no retries.
pub fn client_timing_out(base: &str, timeout: Duration) -> AsyncPareta {
    AsyncPareta::builder().api_key(KEY).base_url(base).timeout(timeout).max_retries(0).build().unwrap()
}

/// A client whose idle (per-read) timeout is 400 ms.
pub fn quick_client(base: &str) -> AsyncPareta {
    AsyncPareta::builder()
        .api_key(KEY)
        .base_url(base)
        .timeout(Duration::from_millis(400))
        .max_retries(0)
        .build()
        .unwrap()
}

/// `ep_1`, one user message.
pub fn chat_req() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")])
}

/// Installs rustls's ring provider for a reqwest client the test builds itself
/// (the default `rustls` feature builds reqwest without a provider of its own).
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A reqwest client built by the caller, not by the SDK.
pub fn callers_http_client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::builder().build().unwrap()
}
