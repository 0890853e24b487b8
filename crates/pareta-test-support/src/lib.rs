//! Dev-only helpers shared by the pareta-blocking and pareta-async test suites, so
//! both suites speak the same words:
//!
//! - [`raw`]: one hand-written HTTP/1.1 server on loopback (threads, so it serves a
//!   blocking and an async client alike) for the faults httpmock cannot produce:
//!   byte-at-a-time writes, cut connections, silence, a connection held open until
//!   the client goes away;
//! - [`mock`]: httpmock matchers for the headers every Pareta request carries;
//! - [`trace`]: a `tracing` subscriber that records spans and events;
//! - [`fixtures`]: the SSE bodies and file contents the suites share;
//! - [`tls`]: a loopback HTTPS server with a certificate of its own, for
//!   `root_certificates_pem`.
//!
//! Not published; a dev-dependency only.
#![allow(clippy::unwrap_used, reason = "test support: a failed setup step should panic the test")]

pub mod fixtures;
pub mod mock;
pub mod raw;
pub mod tls;
pub mod trace;

/// The API key both suites use. Its [`SECRET`] fragment must never show up in a
/// trace, a `Debug`, a `Display` or an error.
pub const KEY: &str = "pareta_sk_test_5ecret";

/// A fragment of [`KEY`] that survives truncation or partial masking.
pub const SECRET: &str = "5ecret";
