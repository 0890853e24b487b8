//! The sans-IO core of the Pareta Rust SDK: every behaviour, no I/O.
//!
//! **In scope:** configuration, building every request of the API (URL with
//! percent-encoded ids, headers, JSON and multipart bodies), the retry policy,
//! mapping responses to [`Error`], decoding Server-Sent Events into chat chunks
//! and deploy events, and the multi-step operations (eval runs, document uploads,
//! waits) as state machines.
//!
//! **Out of scope:** sockets, TLS, the clock, sleeping, async runtimes. The
//! drivers (`pareta-blocking` over ureq, `pareta-async` over reqwest) own those
//! and only move bytes and time.
//!
//! # Driving a flow
//!
//! Every SDK method is a [`Flow`]. The contract: call [`Flow::poll`] with the
//! current time; perform each [`Output::Send`] and feed its outcome to
//! [`Flow::handle`]; wait out each [`Output::Sleep`]; stop at [`Output::Done`].
//! Time only enters as the `now` argument, so a flow is testable with canned
//! responses and a fake clock:
//!
//! ```
//! use pareta_core::{flows, Config, Flow, Input, Output, Response};
//! use std::time::{Duration, Instant};
//!
//! let cfg = Config::builder().api_key("pareta_sk_test").rng_seed(1).build()?;
//! let mut flow = flows::tasks::retrieve(&cfg, "contract-key-fields", None);
//! let mut now = Instant::now();
//! let mut replies = vec![
//!     (429, r#"{"detail":"slow down"}"#, vec![("retry-after", "2")]),
//!     (200, r#"{"id":"contract-key-fields","has_blob_input":false}"#, vec![]),
//! ]
//! .into_iter();
//! let task = loop {
//!     match flow.poll(now) {
//!         Output::Send(req) => {
//!             assert_eq!(&*req.url, "https://api.pareta.ai/v1/tasks/contract-key-fields");
//!             let (status, body, headers) = replies.next().unwrap();
//!             flow.handle(now, Input::Response(Response { status, headers: &headers, body: body.as_bytes() }));
//!         }
//!         Output::Sleep(d) => {
//!             assert_eq!(d, Duration::from_secs(2)); // the server's Retry-After
//!             now += d;
//!         }
//!         Output::Done(result) => break result?,
//!     }
//! };
//! assert_eq!(task.id, "contract-key-fields");
//! # Ok::<(), pareta_core::Error>(())
//! ```
//!
//! For a streaming request (`HttpRequest::streaming`), a 2xx answer is handed over
//! with an empty body; the flow's value is then a [`stream::StreamDecoder`] that
//! the driver feeds with the body as it arrives.
//!
//! # Errors and panics
//!
//! An [`Error`] means bad input, a server answer, or a broken connection. Nothing
//! the server sends can panic this crate.

// Every public type makes a deliberate forward-compatibility choice (rustls does
// the same): `#[non_exhaustive]`, or an allow with the reason beside it.
#![warn(clippy::exhaustive_enums, clippy::exhaustive_structs)]

mod call;
pub mod config;
pub mod deadline;
pub mod encode;
pub mod error;
pub mod flows;
pub mod http;
pub mod mime;
pub mod multipart;
pub mod options;
pub mod retry;
pub mod rng;
pub mod sse;
pub mod stream;
mod surface;
pub mod trace;

/// What the [`client_surface!`] expansion names; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde::Serialize;
    pub use serde::de::DeserializeOwned;
    pub use serde_json::Value;
}

pub use config::{ApiKey, Config, ConfigBuilder};
pub use error::{
    ApiError, ApiErrorKind, DecodeError, Error, TransportError, TransportErrorKind, UploadError, UploadStep,
};
pub use http::{
    Body, BodyCollector, BodyPart, Flow, HeaderLookup, HttpRequest, Input, Method, Output, Response, Timeouts,
};
pub use options::RequestOptions;
pub use pareta_types as types;
pub use retry::RetryBudget;
