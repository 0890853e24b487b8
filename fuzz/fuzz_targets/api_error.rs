//! `ApiError::from_response` over any status, headers and body: never panics,
//! keeps what it was given, and its excerpt of a non-JSON body stays bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pareta_core::{ApiError, ApiErrorKind, Error, Response};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]) % 1000;
    let rest = &data[2..];
    // Headers: the part before the first NUL, as `name: value` lines; the body is the rest.
    let (head, body) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&b""[..], rest),
    };
    let head = String::from_utf8_lossy(head);
    let headers: Vec<(String, String)> = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let resp = Response { status, headers: &headers, body };
    let err = ApiError::from_response("fuzz", &resp);
    assert_eq!(err.status(), status);
    assert_eq!(err.kind(), ApiErrorKind::from_status(status));
    assert_eq!(err.route(), "fuzz");
    if let Some(ex) = err.body_excerpt() {
        // Lossy UTF-8 may turn each invalid byte into a 3-byte U+FFFD.
        assert!(ex.len() <= 3 * pareta_core::error::BODY_EXCERPT_LIMIT + 3, "body excerpt of {} bytes", ex.len());
    }
    let _ = (err.detail(), err.request_id());
    let shown = err.to_string();
    assert!(!shown.is_empty());
    let wrapped = Error::Api(Box::new(err));
    let _ =
        (wrapped.to_string(), wrapped.status(), wrapped.request_id(), wrapped.is_connection(), wrapped.is_timeout());
});
