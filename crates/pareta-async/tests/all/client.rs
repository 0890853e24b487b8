//! The client itself: building it, its base URL, a caller's own reqwest client, and the
//! headers on the wire.

use crate::common::*;
use httpmock::MockServer;
use pareta_async::{AsyncPareta, Error};
use pareta_test_support::raw::{RawServer, Reply, plain_tcp_server};
use std::time::Duration;

#[test]
fn missing_api_key_fails_before_any_request() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body("{}");
    });
    assert!(matches!(AsyncPareta::builder().base_url(server.base_url()).build(), Err(Error::MissingApiKey)));
    assert!(matches!(AsyncPareta::builder().build(), Err(Error::MissingApiKey)));
    assert!(matches!(
        AsyncPareta::builder().api_key("   ").base_url(server.base_url()).build(),
        Err(Error::MissingApiKey)
    ));
    let msg = AsyncPareta::builder().build().unwrap_err().to_string();
    assert!(msg.contains("PARETA_API_KEY"), "{msg}");
    assert!(matches!(AsyncPareta::new("  "), Err(Error::MissingApiKey)));
    any.assert_calls(0);
}

#[test]
fn base_url_trailing_slashes_are_stripped() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/models");
        ok(then, r#"{"object":"list","data":[]}"#);
    });
    let pa = AsyncPareta::builder().api_key(KEY).base_url(format!("{}//", server.base_url())).build().unwrap();
    assert!(pa.models().list().block().unwrap().is_empty());
    m.assert();

    let prefixed = server.mock(|when, then| {
        bare_no_query(when, "GET", "/proxy/pareta/v1/models");
        ok(then, r#"{"object":"list","data":[]}"#);
    });
    let pa =
        AsyncPareta::builder().api_key(KEY).base_url(format!("{}/proxy/pareta/", server.base_url())).build().unwrap();
    pa.models().list().block().unwrap();
    prefixed.assert();
}

/// What arrives on the socket: every header once, `content-length: 0` on a bodyless
/// POST (RFC 9110 §8.6; some front ends answer 411 without it), no content type
/// where there is no body.
#[test]
fn headers_on_the_wire_are_single_and_bodyless_posts_send_content_length_zero() {
    let server = RawServer::script(vec![Reply::json(200, r#"{"status":"starting"}"#)]);
    let pa = AsyncPareta::builder().api_key(KEY).base_url(&server.base_url).build().unwrap();
    pa.endpoints().start("ep_1").block().unwrap();
    pa.endpoints().delete("ep_1").block().unwrap();
    let _ = pa.models().list().block();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    for rec in &reqs {
        let mut names: Vec<&str> = rec.headers.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a header was sent twice: {:?}", rec.headers);
        assert_eq!(rec.header("user-agent"), Some(concat!("pareta-rust/", env!("CARGO_PKG_VERSION"))));
        assert_eq!(rec.header("content-type"), None, "{} {}", rec.method, rec.target);
    }
    assert_eq!((reqs[0].method.as_str(), reqs[0].header("content-length")), ("POST", Some("0")));
    assert_eq!(reqs[1].method, "DELETE");
    assert_eq!(reqs[2].method, "GET");
}

#[test]
fn a_callers_own_http_client_still_gets_api_errors_not_transport_errors() {
    let server = MockServer::start();
    server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/endpoints/ep_gone");
        then.status(404).header("x-request-id", "req_404").body(r#"{"detail":"endpoint not found"}"#);
    });
    // A client the SDK did not configure: its 4xx must still be API errors.
    let pa = AsyncPareta::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .http_client(callers_http_client())
        .build()
        .unwrap();
    let err = pa.endpoints().retrieve("ep_gone").block().unwrap_err();
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((api.status(), api.detail(), api.request_id()), (404, Some("endpoint not found"), Some("req_404")));
}

#[test]
fn ids_are_percent_encoded_path_segments_and_an_empty_id_sends_nothing() {
    let server = RawServer::script(vec![Reply::json(200, r#"{"id": "a/b c"}"#)]);
    let ep = client(&server.base_url).endpoints().retrieve("a/b c?x").block().unwrap();
    assert_eq!(ep.id, "a/b c");
    let req = &server.requests()[0];
    assert_eq!((req.method.as_str(), req.target.as_str()), ("GET", "/v1/endpoints/a%2Fb%20c%3Fx"));
    assert_eq!(req.body_len, 0);
    // A dot-segment id names no resource, and WHATWG URL parsers (reqwest's)
    // resolve even `%2E%2E` away: core refuses it before anything is sent.
    let err = client(&server.base_url).endpoints().retrieve("..").block().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    let err = client(&server.base_url).endpoints().retrieve("").block().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert_eq!(server.requests().len(), 1, "an invalid id sends nothing");
}

#[test]
fn https_to_a_plain_tcp_server_is_a_connection_error_not_a_panic() {
    // Exercises the TLS setup of a client the SDK builds: the handshake fails
    // cleanly against a server that is not TLS.
    let err = client(&plain_tcp_server()).models().list().block().unwrap_err();
    assert!(err.is_connection(), "{err:?}");
}

#[test]
fn streams_and_the_client_are_send_static_and_unpin() {
    fn send<T: Send + 'static>() {}
    fn send_sync<T: Send + Sync + 'static>() {}
    fn unpin<T: Unpin>() {}
    send::<pareta_async::ChatStream>();
    send::<pareta_async::DeployStream>();
    unpin::<pareta_async::ChatStream>();
    unpin::<pareta_async::DeployStream>();
    send_sync::<AsyncPareta>();
    send_sync::<Error>();
}

#[test]
fn a_callers_client_is_used_as_given() {
    let server = RawServer::script(vec![Reply::json(200, r#"{"object": "list", "data": []}"#)]);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-app", reqwest::header::HeaderValue::from_static("mine"));
    crate::common::install_crypto_provider();
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let pa = AsyncPareta::builder()
        .api_key(KEY)
        .base_url(&server.base_url)
        .timeout(Duration::from_millis(1))
        .http_client(http)
        .build()
        .unwrap();
    // The 1 ms SDK timeout is not applied to a caller's client.
    assert!(pa.models().list().block().unwrap().is_empty());
    let req = &server.requests()[0];
    assert_eq!(req.header("x-app"), Some("mine"));
    assert_eq!(req.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert!(req.header("user-agent").unwrap().starts_with("pareta-rust/"));
}
