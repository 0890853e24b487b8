//! The async client for the [Pareta](https://pareta.ai) API, for tokio
//! applications. Built on reqwest; every method is an `async fn`, and streams are
//! [`futures_core::Stream`]s that yield each item as soon as its bytes arrive.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use pareta_async::AsyncPareta;
//! use pareta_async::types::{ChatCompletionRequest, ChatMessage};
//!
//! # async fn demo() -> pareta_async::Result<()> {
//! let pa = AsyncPareta::from_env()?; // PARETA_API_KEY, optional PARETA_BASE_URL
//! let req = ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("Extract the parties.")]);
//! let reply = pa.chat().completions().create(&req).await?;
//! println!("{}", reply.content().unwrap_or_default());
//! println!("request id {:?}, billed {:?} µUSD", reply.meta().request_id(), reply.meta().billed_micro_usd());
//!
//! let mut stream = pa.chat().completions().create_stream(&req).await?;
//! while let Some(chunk) = stream.next().await {
//!     print!("{}", chunk?.delta().unwrap_or_default());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every behaviour (retries, idempotency keys, error mapping, SSE parsing, the
//! multi-step eval and upload flows) lives in `pareta-core`; this crate performs
//! the requests it asks for and sleeps (with `tokio::time::sleep`) when it says so.
//! The client needs a tokio runtime with the time driver enabled
//! (`#[tokio::main]` has it).
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
//! Ordinary calls have a total deadline (default 60 s, body included) and a
//! connect timeout (10 s). Streams have no total deadline, so a long generation
//! is never cut off: instead the same duration is an *idle* limit, applied to the
//! wait for the response headers and to every read of the body. A server that
//! stops sending mid-stream without closing the connection yields a timeout
//! error item ([`Error::is_timeout`]). These limits apply to a client the SDK
//! builds; with [`AsyncParetaBuilder::http_client`] your client's own settings
//! govern.
//!
//! # Streams
//!
//! [`ChatStream`] and [`DeployStream`] read the response body only when polled:
//! no background task, no channel, no buffering of the whole body. They are
//! `Send + 'static + Unpin`, so they can be moved into `tokio::spawn`. A stream
//! cut before its terminator, an `{"error": …}` object sent mid-stream, a broken
//! connection or an idle timeout is an `Err` item, after which the stream ends.
//! Dropping a stream closes its connection (over HTTP/2, it resets only its own
//! stream; the connection's other calls go on).
//!
//! # TLS
//!
//! Features only make a backend available; the builder picks one
//! ([`AsyncParetaBuilder::tls`]), so a crate elsewhere in your build that
//! enables `native-tls` changes nothing. The default, [`Tls::Rustls`] (the
//! `rustls` feature, on by default), uses the `ring` crypto provider (or the
//! process-wide default provider when one is installed) and the Mozilla roots
//! of `webpki-roots`, like the blocking client, with no aws-lc C build.
//! [`Tls::NativeTls`] (the `native-tls` feature) uses the platform's TLS library
//! and trust store. An https base URL whose backend is not compiled in fails at
//! `build()`. To trust a private CA in place of the built-in roots, give the
//! builder its PEM with `root_certificates_pem` (either backend). To use a
//! proxy or other settings, bring your own `reqwest::Client`, built from
//! [`http_client_builder`] so it has a crypto provider
//! ([`AsyncParetaBuilder::http_client`]). With [`Tls::Rustls`], reqwest keeps the
//! SDK's rustls configuration as it is, so a root added to that builder with
//! `add_root_certificate` is not used: a client of your own that needs other
//! roots passes a `rustls::ClientConfig` of its own to reqwest's
//! `tls_backend_preconfigured` (list `h2` in its ALPN protocols to keep HTTP/2).
//!
//! # HTTP/2
//!
//! Over TLS, both backends offer HTTP/2 and HTTP/1.1 by ALPN (`h2` first) and
//! speak whichever the server picks; plain `http://` stays HTTP/1.1 (no h2c).
//! Under HTTP/2, concurrent calls and streams on one client share one connection
//! (up to the server's limit of concurrent streams) instead of one connection
//! each: for 1,000 concurrent streams, 1 connection instead of 1,000 and less than
//! half the peak memory (`docs/performance.md`). The client learns that a server
//! speaks HTTP/2 only from the first TLS handshake, so a burst of calls made
//! before any connection exists opens one connection per call; one call first
//! (any, e.g. `models().list()`) lets the burst share it. This needs no setting
//! and is the same on a client of your own built with reqwest's `http2` feature,
//! which this crate enables.
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
mod origin;
mod stream;
mod tls;

pub use client::{AsyncPareta, AsyncParetaBuilder};
pub use pareta_core::flows::raw::RawResponse;
pub use pareta_core::retry::RetryBudget;
pub use pareta_core::sse::SseEvent;
pub use pareta_core::{
    ApiError, ApiErrorKind, Config, DecodeError, Error, Method, RequestOptions, TransportError, TransportErrorKind,
    UploadError, UploadStep,
};
pub use pareta_types as types;
/// The reqwest this crate is built on, for [`AsyncParetaBuilder::http_client`].
pub use reqwest;
pub use tls::{Tls, http_client_builder};

use client::Inner;
use driver::LiveBody;
use stream::{Pull, WatchPull};

pareta_core::client_surface! {
    mode: #[maybe_async::must_be_async],
    client: AsyncPareta,
    builder: AsyncParetaBuilder,
}

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
