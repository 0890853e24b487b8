//! The blocking client for the [Pareta](https://pareta.ai) API: a plain `fn main`
//! with no async runtime can use the whole API. Built on ureq; no tokio in its tree.
//!
//! ```no_run
//! use pareta_blocking::Pareta;
//! use pareta_blocking::types::{ChatCompletionRequest, ChatMessage};
//!
//! let pa = Pareta::from_env()?; // PARETA_API_KEY, optional PARETA_BASE_URL
//! let req = ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("Extract the parties.")]);
//! let reply = pa.chat().completions().create(&req)?;
//! println!("{}", reply.content().unwrap_or_default());
//! println!("request id {:?}, billed {:?} µUSD", reply.meta().request_id(), reply.meta().billed_micro_usd());
//! # Ok::<(), pareta_blocking::Error>(())
//! ```
//!
//! Every behaviour (retries, idempotency keys, error mapping, SSE parsing, the
//! multi-step eval and upload flows) lives in `pareta-core`; this crate performs
//! the requests it asks for and sleeps when it says so.
//!
//! # Response metadata
//!
//! Every record carries the metadata of the response it came from:
//! `record.meta().request_id()`, and on chat completions the billing receipt
//! (`billed_micro_usd()`, `frontier_would_have_cost_micro_usd()`). Streams expose
//! the same through [`ChatStream::meta`] and [`DeployStream::meta`]. Errors carry
//! the request id too ([`Error::request_id`]).
//!
//! # Timeouts
//!
//! Ordinary calls have a total deadline (default 60 s) and a connect timeout
//! (10 s). Streams have the connect timeout and an idle timeout instead (the same
//! 60 s by default, restarted by every read), so a long generation that keeps
//! sending is never cut off while a server that goes silent is. These apply to an
//! agent the client builds; a caller's own agent keeps its own settings.
//!
//! # Tracing
//!
//! Each call runs in a `tracing` span named `pareta`, target `pareta` (its
//! `method` and `route` are the first request's, the route as a template), with one DEBUG event per HTTP attempt carrying
//! `method`, `route`, `attempt` (1, then 2 for the first retry, ...), `status`,
//! `request_id` and `elapsed_ms`, or `error` when no response came. The API key
//! and request or response bodies are never recorded. Without a subscriber this
//! costs nothing; install one (e.g. `tracing-subscriber`) to see them.

// Every public type makes a deliberate forward-compatibility choice (rustls does
// the same): `#[non_exhaustive]`, or an allow with the reason beside it.
#![warn(clippy::exhaustive_enums, clippy::exhaustive_structs)]

mod client;
mod driver;
mod resolver;
mod stream;

pub use client::{Pareta, ParetaBuilder};
pub use pareta_core::flows::raw::RawResponse;
pub use pareta_core::retry::RetryBudget;
pub use pareta_core::sse::SseEvent;
pub use pareta_core::{
    ApiError, ApiErrorKind, Config, DecodeError, Error, Method, RequestOptions, TransportError, TransportErrorKind,
    UploadError, UploadStep,
};
pub use pareta_types as types;

use client::Inner;
use driver::LiveBody;
use stream::{Pull, WatchPull};

pareta_core::client_surface! {
    mode: #[maybe_async::must_be_sync],
    client: Pareta,
    builder: ParetaBuilder,
}

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The TLS settings of the agent the client builds with
/// [`root_certificates_pem`](ParetaBuilder::root_certificates_pem)`(pem)`:
/// trust only the CA certificates in `pem`, each checked now (not valid PEM,
/// no certificate in it, or one rustls cannot use: an error that says which).
/// For an agent of your own (one with middleware, say), which
/// `root_certificates_pem` does not configure, that should trust the same roots.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tls = pareta_blocking::tls_config_trusting(std::fs::read("corp-ca.pem")?)?;
/// let agent: ureq::Agent = ureq::Agent::config_builder().tls_config(tls).http_status_as_error(false).build().into();
/// let pa = pareta_blocking::Pareta::builder().api_key("pareta_sk_...").agent(agent).build()?;
/// # let _ = pa; Ok(()) }
/// ```
pub fn tls_config_trusting(pem: impl AsRef<[u8]>) -> Result<ureq::tls::TlsConfig> {
    driver::trusting_only(&pareta_core::config::root_certificates_der(pem.as_ref())?)
}
