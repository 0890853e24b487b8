//! httpmock matchers for what every Pareta request carries (wire-notes.md):
//! `authorization` and the SDK's `user-agent` always, an `idempotency-key` on
//! every POST and never on GET/DELETE, `content-type` only with a body.
//!
//! A request that matches no mock gets httpmock's 404, which fails the call, so a
//! test's `unwrap()` of a result also proves that its request matched.

use crate::KEY;
use httpmock::{Then, When};
use serde_json::Value;

/// The headers of every API request, per method.
pub fn api(when: When, method: &str, path: &str) -> When {
    let when = when
        .method(method)
        .path(path)
        .header("authorization", format!("Bearer {KEY}"))
        .header_prefix("user-agent", "pareta-rust/");
    if method == "POST" { when.header_exists("idempotency-key") } else { when.header_missing("idempotency-key") }
}

/// A request with no body: JSON accepted, no content type (a query may follow).
pub fn bare(when: When, method: &str, path: &str) -> When {
    api(when, method, path).header("accept", "application/json").header_missing("content-type")
}

/// A [`bare`] request without any query string.
pub fn bare_no_query(when: When, method: &str, path: &str) -> When {
    bare(when, method, path).is_true(|r| r.uri().query().is_none())
}

/// A request with a JSON body equal to `body` and no query string.
pub fn json_req(when: When, method: &str, path: &str, body: Value) -> When {
    api(when, method, path)
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .is_true(|r| r.uri().query().is_none())
        .json_body(body)
}

/// A POST of a multipart form to `path`, JSON accepted.
pub fn multipart_req(when: When, path: &str) -> When {
    api(when, "POST", path)
        .header("accept", "application/json")
        .header_prefix("content-type", "multipart/form-data; boundary=")
        .is_true(|r| r.uri().query().is_none())
}

/// A streaming POST of a JSON body: `accept: text/event-stream`.
pub fn stream_req(when: When, path: &str, body: Value) -> When {
    api(when, "POST", path)
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .json_body(body)
}

/// A 200 JSON answer with request id `req_1`.
pub fn ok(then: Then, body: &str) -> Then {
    ok_id(then, body, "req_1")
}

/// A 200 JSON answer with the given request id.
pub fn ok_id(then: Then, body: &str, request_id: &str) -> Then {
    then.status(200).header("content-type", "application/json").header("x-request-id", request_id).body(body)
}

/// A 200 event stream with request id `req_sse`.
pub fn sse(then: Then, body: &str) -> Then {
    then.status(200).header("content-type", "text/event-stream").header("x-request-id", "req_sse").body(body)
}
