//! Integration tests of the async client, one test binary, nothing on the
//! internet: httpmock, pareta-test-support's raw server and pareta-mock, all on
//! 127.0.0.1. pareta-blocking's suite has the same layout, helper names and test names.
//!
//! - `routes/<namespace>.rs`: every route, byte by byte, against httpmock;
//! - `client.rs`: building a client, base URLs, a caller's reqwest client, headers on the wire;
//! - `faults.rs`: error bodies, retries on the wire, timeouts, refused connections;
//! - `streaming.rs`: SSE framing, cut and silent streams, dropping a stream;
//! - `../tracing.rs` (its own binary, see there): the span and the per-attempt events;
//! - `secrets.rs`: the key never shows;
//! - `tls_roots.rs`: a private CA through `root_certificates_pem`, against an HTTPS server on loopback.
//!
//! What status maps to which error kind, and which statuses are retried, is
//! pareta-core's to test (`error.rs`, `retry.rs`, `flows/tests.rs`); here only
//! that the bytes of a response reach it.
//!
//! Each test is a plain `#[test]`: every call runs on one shared runtime through
//! `common::Block::block`, so the bodies match pareta-blocking's line for line.

// Helpers outside `#[test]` fns are test code too.
#![allow(clippy::unwrap_used)]

mod client;
mod common;
mod faults;
mod routes;
mod secrets;
mod streaming;
mod tls_roots;
