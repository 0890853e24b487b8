//! The helpers of this suite; pareta-async's suite has the same names.

pub use pareta_test_support::KEY;
pub use pareta_test_support::fixtures::*;
pub use pareta_test_support::mock::*;

use pareta_blocking::Pareta;
use pareta_blocking::types::{ChatCompletionRequest, ChatMessage};
use std::time::Duration;

/// Which suite this is, for temp file names.
pub const SUITE: &str = "blocking";

/// The size from which a document upload takes the signed URL.
pub const INLINE_LIMIT: usize = pareta_core::flows::upload::INLINE_LIMIT as usize;

/// A client for `base` with the test key, no retries and a 10 s timeout.
pub fn client(base: &str) -> Pareta {
    client_with(base, 0)
}

/// A client for `base` with `retries` automatic retries.
pub fn client_with(base: &str, retries: u32) -> Pareta {
    Pareta::builder()
        .api_key(KEY)
        .base_url(base)
        .max_retries(retries)
        .timeout(Duration::from_secs(10))
        .rng_seed(7)
        .build()
        .unwrap()
}

/// A client for `base` with a total deadline of `timeout` and no retries.
pub fn client_timing_out(base: &str, timeout: Duration) -> Pareta {
    Pareta::builder().api_key(KEY).base_url(base).timeout(timeout).max_retries(0).build().unwrap()
}

/// A client whose idle (per-read) timeout is 400 ms.
pub fn quick_client(base: &str) -> Pareta {
    Pareta::builder().api_key(KEY).base_url(base).timeout(Duration::from_millis(400)).max_retries(0).build().unwrap()
}

/// `ep_1`, one user message.
pub fn chat_req() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")])
}

/// A ureq agent built by the caller, not by the SDK.
pub fn callers_http_client() -> ureq::Agent {
    ureq::Agent::config_builder().build().into()
}
