//! Ordinary calls on real sockets: how an error body, a retry, a timeout and a
//! refused connection reach the caller. Which status is which kind and which is
//! retried is pareta-core's table (`error.rs`); here the bytes.

use crate::common::*;
use pareta_blocking::{ApiErrorKind, Error, TransportErrorKind};
use pareta_test_support::raw::{RawServer, Reply, bytewise, hanging_port, refused_port};
use std::time::{Duration, Instant};

#[test]
fn an_api_error_reads_status_detail_and_request_id_from_the_wire() {
    let server = RawServer::script(vec![Reply::json(404, r#"{"detail":"model 'ep_x' not found"}"#)]);
    let err = client(&server.base_url).models().list().unwrap_err();
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((api.kind(), api.status(), api.detail()), (ApiErrorKind::NotFound, 404, Some("model 'ep_x' not found")));
    assert_eq!(err.request_id(), Some("req_0"), "read from the x-request-id header");
    let text = err.to_string();
    assert!(text.contains("404") && text.contains("model 'ep_x' not found") && text.contains("req_0"), "{text}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn retries_resend_one_idempotency_key_and_honour_retry_after() {
    let server = RawServer::script(vec![
        Reply::json(429, r#"{"detail":"slow down"}"#).header("retry-after", "1"),
        Reply::json(503, r#"{"detail":"cold"}"#).header("retry-after-ms", "10"),
        Reply::json(200, r#"{"choices":[{"message":{"content":"ok"}}]}"#),
    ]);
    let started = Instant::now();
    let out = client_with(&server.base_url, 2).chat().completions().create(&chat_req()).unwrap();
    assert_eq!(out.content(), Some("ok"));
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After: 1 was honoured");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let key = reqs[0].header("idempotency-key").unwrap();
    assert!(reqs.iter().all(|r| r.header("idempotency-key") == Some(key)), "one key for every attempt");
    assert!(reqs.iter().all(|r| r.body == reqs[0].body && r.target == "/v1/chat/completions"), "the same bytes resent");
}

#[test]
fn max_retries_bounds_the_attempts_and_a_new_call_gets_a_new_key() {
    let server = RawServer::script(vec![Reply::json(503, r#"{"detail":"cold start"}"#).header("retry-after-ms", "10")]);
    let pa = client_with(&server.base_url, 3);
    let err = pa.tasks().match_intent("q").unwrap_err();
    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::EndpointNotReady);
    assert_eq!(err.api().unwrap().detail(), Some("cold start"));
    assert_eq!(err.request_id(), Some("req_3"), "the last attempt's request id");
    let first = server.requests();
    assert_eq!(first.len(), 4, "1 attempt + 3 retries");
    let key = first[0].header("idempotency-key").unwrap().to_owned();
    assert!(first.iter().all(|r| r.header("idempotency-key") == Some(key.as_str())) && key.len() == 36, "{key}");

    let _ = pa.tasks().match_intent("q").unwrap_err();
    let second = server.requests();
    assert_eq!(second.len(), 8);
    assert_ne!(second[4].header("idempotency-key"), Some(key.as_str()), "a second logical call has a key of its own");
}

#[test]
fn a_non_json_502_is_an_api_error_with_a_body_excerpt() {
    let reply = Reply::json(502, "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>").content_type("text/html");
    let server = RawServer::script(vec![reply]);
    let err = client(&server.base_url).models().list().unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!((api.kind(), api.detail()), (ApiErrorKind::Server, None));
    assert!(api.body_excerpt().unwrap().starts_with("<html><body><h1>502 Bad Gateway"), "{api:?}");
    assert!(err.to_string().contains("502") && err.to_string().contains("non-JSON body"), "{err}");
}

#[test]
fn a_2xx_that_is_not_json_is_a_decode_error_naming_the_route() {
    let server = RawServer::script(vec![Reply::json(200, "{\"not json")]);
    let err = client(&server.base_url).tasks().leaderboard("t").unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("GET /v1/tasks/{id}/leaderboard"), "{err}");
    assert_eq!(err.request_id(), Some("req_0"));
}

#[test]
fn a_connection_refused_is_a_connect_error() {
    let refused = refused_port();
    let err = client_with(&format!("http://127.0.0.1:{}", refused.port()), 1).models().list().unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    let Error::Connection(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind, TransportErrorKind::Connect, "{err}");
}

#[test]
fn a_slow_ordinary_call_hits_the_total_timeout() {
    let server = RawServer::script(vec![Reply::json(200, r#"{"data": []}"#).head_delay(Duration::from_secs(5))]);
    let pa = client_timing_out(&server.base_url, Duration::from_millis(200));
    let started = Instant::now();
    let err = pa.models().list().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_body_that_trickles_past_the_total_timeout_is_a_timeout() {
    // Each byte comes within 60 ms, so no per-read limit would fire: the
    // total deadline covers the body as well as the headers.
    let body = br#"{"data": [{"id": "m1"}, {"id": "m2"}]}"#;
    let reply = Reply::sse(bytewise(body)).content_type("application/json").chunk_delay(Duration::from_millis(60));
    let server = RawServer::script(vec![reply]);
    let pa = client_timing_out(&server.base_url, Duration::from_millis(400));
    let started = Instant::now();
    let err = pa.models().list().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let Error::Connection(t) = &err else { panic!("{err:?}") };
    assert_eq!(t.kind, TransportErrorKind::Timeout, "{err}");
    // The whole body takes about 2.4 s; the call ends at its 400 ms deadline.
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[test]
fn a_host_name_base_url_is_served_like_an_ip_literal() {
    // The client caches the base host's addresses (src/resolver.rs, whose unit
    // tests count lookups and connections); a name must work like its literal.
    let ok = || Reply::json(200, r#"{"object":"list","data":[{"id":"m1"}]}"#);
    let server = RawServer::script(vec![ok(), ok(), ok()]);
    let pa = client(&server.base_url.replace("127.0.0.1", "localhost"));
    for _ in 0..3 {
        assert_eq!(pa.models().list().unwrap().len(), 1);
    }
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_refused_host_name_is_a_connection_error_after_retries() {
    let refused = refused_port();
    let pa = pareta_blocking::Pareta::builder()
        .api_key("pareta_sk_x")
        .base_url(format!("http://localhost:{}", refused.port()))
        .max_retries(1)
        .build()
        .unwrap();
    for _ in 0..2 {
        let err = pa.models().list().unwrap_err();
        assert!(err.is_connection(), "{err:?}");
    }
}

#[test]
fn a_per_call_connect_timeout_applies_to_the_sdks_client() {
    let hanging = hanging_port();
    let base = format!("http://127.0.0.1:{}", hanging.port());
    let pa = pareta_blocking::Pareta::builder()
        .api_key(KEY)
        .base_url(&base)
        .connect_timeout(Duration::from_secs(30))
        .max_retries(0)
        .build()
        .unwrap();
    let options = pareta_blocking::RequestOptions::new().connect_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let err = pa.with_options(options).models().list().unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "the client's 30 s applied: {:?}", started.elapsed());
}
