//! Server lifecycle, auth, request ids, unknown routes and the request log.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::*;
use pareta_mock::{MockConfig, MockServer};
use serde_json::json;

#[test]
fn starts_from_sync_code_and_stops_on_drop() {
    let server = MockServer::start();
    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(!base.ends_with('/'));
    assert_ne!(server.storage_url(), base);
    assert_eq!(get(&server, "/v1/models").status, 200);
    drop(server);
    let after = send_raw("GET", &format!("{base}/v1/models"), &[("Authorization", AUTH)], None);
    assert!(after.is_err(), "server still answering after drop");
}

#[tokio::test]
async fn starts_inside_a_tokio_runtime() {
    let server = pareta_mock::spawn();
    let base = server.base_url();
    let resp =
        tokio::task::spawn_blocking(move || send("GET", &format!("{base}/v1/tasks"), &[("Authorization", AUTH)], None))
            .await
            .unwrap();
    assert_eq!(resp.status, 200);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_inside_a_multi_thread_runtime() {
    let server = MockServer::start();
    assert_eq!(get(&server, "/v1/models").status, 200);
}

#[test]
fn drop_does_not_hang_on_an_open_stream() {
    let server = MockServer::start_with(MockConfig { chunk_delay: Duration::from_secs(5), ..MockConfig::default() });
    let body = serde_json::to_vec(&json!({
        "model": "ep_contract_kie", "stream": true,
        "messages": [{"role": "user", "content": "a b c d e f"}],
    }))
    .unwrap();
    let mut resp = send_raw(
        "POST",
        &format!("{}/v1/chat/completions", server.base_url()),
        &[("Authorization", AUTH), ("Content-Type", "application/json")],
        Some(body),
    )
    .unwrap();
    let mut first = [0u8; 16];
    resp.body_mut().as_reader().read_exact(&mut first).unwrap();
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[test]
fn binds_requested_ports() {
    // A free port, found by binding and releasing it. Tests running beside
    // this one may take it in between, so try a few.
    let (port, server) = (0..16)
        .find_map(|_| {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = probe.local_addr().unwrap().port();
            drop(probe);
            MockServer::try_start_with(MockConfig { port, ..MockConfig::default() }).ok().map(|s| (port, s))
        })
        .expect("a released port was taken 16 times in a row");
    assert_eq!(server.base_url(), format!("http://127.0.0.1:{port}"));
    let taken = MockServer::try_start_with(MockConfig { port, ..MockConfig::default() });
    assert!(taken.is_err());
}

#[test]
fn auth_is_required_on_v1_routes() {
    let server = MockServer::start();
    let url = format!("{}/v1/models", server.base_url());
    for headers in [
        vec![],
        vec![("Authorization", "Bearer sk_live_nope")],
        vec![("Authorization", "Bearer pareta_sk_")],
        vec![("Authorization", "pareta_sk_abc")],
        vec![("Authorization", "Basic pareta_sk_abc")],
    ] {
        let resp = send("GET", &url, &headers, None);
        assert_eq!(resp.status, 401, "{headers:?}");
        assert!(!resp.detail().is_empty());
        assert!(resp.header("x-request-id").is_some_and(|v| v.starts_with("req_")));
    }
    let ok = send("GET", &url, &[("Authorization", "Bearer pareta_sk_x")], None);
    assert_eq!(ok.status, 200);
}

#[test]
fn every_response_has_a_distinct_request_id() {
    let server = MockServer::start();
    let a = get(&server, "/v1/models");
    let b = get(&server, "/v1/endpoints/nope");
    let c = send("GET", &format!("{}/nowhere", server.base_url()), &[], None);
    let ids: Vec<&str> = [&a, &b, &c].iter().map(|r| r.header("x-request-id").unwrap()).collect();
    assert!(ids.iter().all(|id| id.starts_with("req_")));
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
}

#[test]
fn unknown_routes_are_fastapi_404s() {
    let server = MockServer::start();
    let resp = get(&server, "/v1/does-not-exist");
    assert_eq!(resp.status, 404);
    assert_eq!(resp.json(), json!({"detail": "Not Found"}));
    let resp = send("PUT", &format!("{}/v1/models", server.base_url()), &[("Authorization", AUTH)], Some(vec![]));
    assert_eq!(resp.status, 405);
    assert_eq!(resp.detail(), "Method Not Allowed");
}

#[test]
fn request_log_records_both_listeners_in_order() {
    let server = MockServer::start();
    get(&server, "/v1/tasks?x=1");
    post_json_with(&server, "/v1/tasks/match", &json!({"query": "invoices"}), &[("Idempotency-Key", "k")]);
    send("PUT", &format!("{}/upload/nope", server.storage_url()), &[], Some(b"abc".to_vec()));
    let log = server.requests();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!((log[0].method.as_str(), log[0].path.as_str()), ("GET", "/v1/tasks"));
    assert_eq!(log[0].query.as_deref(), Some("x=1"));
    assert_eq!(log[0].listener, "api");
    assert_eq!(log[0].header("authorization"), Some("Bearer <redacted>"));
    assert!(log[0].headers.iter().all(|(k, _)| *k == k.to_lowercase()));
    assert_eq!(log[1].body_text(), r#"{"query":"invoices"}"#);
    assert_eq!(log[1].header("idempotency-key"), Some("k"));
    assert_eq!(log[2].listener, "storage");
    assert_eq!(log[2].method, "PUT");

    // The same log over HTTP, without auth; control routes are not logged.
    let over_http = send("GET", &format!("{}/__mock/requests", server.base_url()), &[], None);
    assert_eq!(over_http.status, 200);
    let entries = over_http.json();
    assert_eq!(entries.as_array().unwrap().len(), 3);
    assert_eq!(entries[1]["body"], r#"{"query":"invoices"}"#);
    assert_eq!(entries[1]["listener"], "api");

    let cleared = send("DELETE", &format!("{}/__mock/requests", server.base_url()), &[], None);
    assert_eq!(cleared.status, 204);
    assert!(server.requests().is_empty());
    get(&server, "/v1/models");
    assert_eq!(server.requests().len(), 1);
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[test]
fn request_log_keeps_the_first_mebibyte_of_large_bodies() {
    let server = MockServer::start();
    let big = vec![b'x'; 3 * 1024 * 1024];
    send("POST", &format!("{}/v1/tasks/match", server.base_url()), &[("Authorization", AUTH)], Some(big));
    let log = server.requests();
    assert_eq!(log[0].body.len(), 1024 * 1024);
    assert_eq!(log[0].header("x-mock-body-truncated"), Some("3145728"));
}
