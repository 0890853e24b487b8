//! Integration tests of the async client: one test binary (faster to build and
//! link than one per file), no internet: httpmock, raw tokio servers and
//! pareta-mock, all on 127.0.0.1.

// Helpers outside `#[test]` fns are test code too.
#![allow(clippy::unwrap_used)]

mod common;
mod faults;
mod misc;
mod routes;
mod streaming;
