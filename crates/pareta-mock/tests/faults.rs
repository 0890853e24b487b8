//! Every `X-Mock-Fault` kind, and `Idempotency-Key` replays.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

use common::*;
use pareta_mock::MockServer;
use serde_json::{Value, json};

fn models_with_fault(server: &MockServer, fault: &str) -> Resp {
    send("GET", &format!("{}/v1/models", server.base_url()), &[("Authorization", AUTH), ("X-Mock-Fault", fault)], None)
}

fn chat_body(content: &str, stream: bool) -> Value {
    json!({"model": "ep_contract_kie", "stream": stream,
           "messages": [{"role": "user", "content": content}]})
}

fn stream_chat(server: &MockServer, fault: &str) -> Resp {
    post_json_with(server, "/v1/chat/completions", &chat_body("one two three", true), &[("X-Mock-Fault", fault)])
}

#[test]
fn status_with_times_and_retry_after() {
    let server = MockServer::start();
    let fault = "status=503;times=2;retry-after=1;retry-after-ms=250";
    let first = models_with_fault(&server, fault);
    assert_eq!(first.status, 503);
    assert_eq!(first.json(), json!({"detail": "injected fault"}));
    assert_eq!(first.header("retry-after"), Some("1"));
    assert_eq!(first.header("retry-after-ms"), Some("250"));
    assert!(first.header("x-request-id").is_some());
    assert_eq!(models_with_fault(&server, fault).status, 503);
    assert_eq!(models_with_fault(&server, fault).status, 200);
    // Counted per header value and per method + path.
    assert_eq!(models_with_fault(&server, "status=503;times=1").status, 503);
    assert_eq!(models_with_fault(&server, "status=503;times=1").status, 200);
    let other_path = send(
        "GET",
        &format!("{}/v1/tasks", server.base_url()),
        &[("Authorization", AUTH), ("X-Mock-Fault", "status=503;times=1")],
        None,
    );
    assert_eq!(other_path.status, 503);
    for status in [402, 409, 429, 500] {
        assert_eq!(models_with_fault(&server, &format!("status={status}")).status, status);
    }
}

#[test]
fn faulted_posts_create_no_state() {
    let server = MockServer::start();
    let resp =
        post_json_with(&server, "/v1/endpoints", &json!({"task": "ticket-triage"}), &[("X-Mock-Fault", "status=503")]);
    assert_eq!(resp.status, 503);
    assert_eq!(get(&server, "/v1/endpoints").json().as_array().unwrap().len(), 1);
}

#[test]
fn html_and_garbage_bodies() {
    let server = MockServer::start();
    let html = models_with_fault(&server, "html");
    assert_eq!(html.status, 502);
    assert!(html.header("content-type").unwrap().starts_with("text/html"));
    assert!(html.body.contains("<html>"));
    let html = models_with_fault(&server, "html;status=504");
    assert_eq!(html.status, 504);
    let garbage = models_with_fault(&server, "garbage");
    assert_eq!(garbage.status, 200);
    assert_eq!(garbage.header("content-type"), Some("application/json"));
    assert_eq!(garbage.body, "{\"not json");
}

#[test]
fn bad_fault_header_is_a_400() {
    let server = MockServer::start();
    let resp = models_with_fault(&server, "stauts=503");
    assert_eq!(resp.status, 400);
    assert!(resp.detail().contains("stauts"));
}

#[test]
fn truncate_after() {
    let server = MockServer::start();
    let resp = stream_chat(&server, "truncate-after=2");
    assert_eq!(resp.status, 200);
    let events = parse_sse(&resp.body);
    assert_eq!(events.len(), 2);
    assert!(!resp.body.contains("[DONE]"));

    let deploy = post_json_with(
        &server,
        "/v1/endpoints",
        &json!({"task": "ticket-triage"}),
        &[("X-Mock-Fault", "truncate-after=3")],
    );
    let events = parse_sse(&deploy.body);
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.event.as_deref() == Some("progress")));
}

#[test]
fn stream_error_after() {
    let server = MockServer::start();
    let resp = stream_chat(&server, "stream-error-after=2");
    let events = parse_sse(&resp.body);
    assert_eq!(events.len(), 3);
    let err: Value = serde_json::from_str(&events[2].data).unwrap();
    assert_eq!(err, json!({"error": {"message": "injected stream error", "type": "server_error"}}));

    let deploy = post_json_with(
        &server,
        "/v1/endpoints",
        &json!({"task": "ticket-triage"}),
        &[("X-Mock-Fault", "stream-error-after=1")],
    );
    let events = parse_sse(&deploy.body);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].event.as_deref(), Some("error"));
    assert_eq!(serde_json::from_str::<Value>(&events[1].data).unwrap()["message"], "injected stream error");
}

#[test]
fn drop_after_aborts_the_connection() {
    let server = MockServer::start();
    let body = serde_json::to_vec(&chat_body("one two three", true)).unwrap();
    let mut resp = send_raw(
        "POST",
        &format!("{}/v1/chat/completions", server.base_url()),
        &[("Authorization", AUTH), ("Content-Type", "application/json"), ("X-Mock-Fault", "drop-after=2")],
        Some(body),
    )
    .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut got = Vec::new();
    let read = resp.body_mut().as_reader().read_to_end(&mut got);
    assert!(read.is_err(), "expected a broken body, got {:?}", String::from_utf8_lossy(&got));
    let text = String::from_utf8_lossy(&got);
    assert!(!text.contains("[DONE]"));
}

#[test]
fn crlf_and_comments() {
    let server = MockServer::start();
    let resp = stream_chat(&server, "crlf;comments");
    assert!(resp.body.contains("\r\n"));
    assert!(!resp.body.replace("\r\n", "").contains('\n'), "only CRLF line endings");
    assert!(resp.body.contains(": keep-alive"));
    let events = parse_sse(&resp.body);
    assert_eq!(events.last().unwrap().data, "[DONE]");
    let deploy =
        post_json_with(&server, "/v1/endpoints", &json!({"task": "ticket-triage"}), &[("X-Mock-Fault", "crlf")]);
    assert!(deploy.body.contains("event: complete\r\n"));
}

#[test]
fn slow_chunks_and_pause_after_first() {
    let server = MockServer::start();
    let started = Instant::now();
    let resp = stream_chat(&server, "slow-chunk-ms=40");
    // role + 4 words + finish + [DONE] = 7 events, 6 gaps.
    assert!(started.elapsed() >= Duration::from_millis(240), "{:?}", started.elapsed());
    assert!(resp.body.contains("[DONE]"));

    let body = serde_json::to_vec(&chat_body("x", true)).unwrap();
    let started = Instant::now();
    let mut raw = send_raw(
        "POST",
        &format!("{}/v1/chat/completions", server.base_url()),
        &[("Authorization", AUTH), ("Content-Type", "application/json"), ("X-Mock-Fault", "pause-after-first-ms=1000")],
        Some(body),
    )
    .unwrap();
    let mut reader = BufReader::new(raw.body_mut().as_reader());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let first_at = started.elapsed();
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    let total = started.elapsed();
    // The first chunk comes at once; the rest waits for the pause.
    assert!(first.starts_with("data: {"), "{first}");
    assert!(total - first_at >= Duration::from_millis(700), "{first_at:?} {total:?}");
    assert!(rest.contains("[DONE]"));
}

#[test]
fn storage_listener_faults() {
    let server = MockServer::start();
    let resp = send(
        "PUT",
        &format!("{}/upload/anything", server.storage_url()),
        &[("X-Mock-Fault", "status=503;times=1")],
        Some(b"x".to_vec()),
    );
    assert_eq!(resp.status, 503);
}

#[test]
fn idempotent_chat_replay() {
    let server = MockServer::start();
    let key = [("Idempotency-Key", "idem-chat-1")];
    let first = post_json_with(&server, "/v1/chat/completions", &chat_body("hello", false), &key);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-pareta-billed"), Some("420"));
    assert_eq!(first.header("x-idempotent-replay"), None);
    let again = post_json_with(&server, "/v1/chat/completions", &chat_body("hello", false), &key);
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("x-pareta-billed"), Some("0"));
    assert_eq!(again.header("x-idempotent-replay"), Some("true"));
    assert_ne!(again.header("x-request-id"), first.header("x-request-id"));
    // Billed once.
    let cost = get(&server, "/v1/endpoints/ep_contract_kie/cost").json();
    assert_eq!(cost["requests"], 1);
    assert_eq!(cost["total_micro_usd"], 420);
    // Another key is a new completion.
    let other = post_json_with(
        &server,
        "/v1/chat/completions",
        &chat_body("hello", false),
        &[("Idempotency-Key", "idem-chat-2")],
    );
    assert_ne!(other.json()["id"], first.json()["id"]);
}

#[test]
fn idempotent_stream_and_state_replay() {
    let server = MockServer::start();
    let key = [("Idempotency-Key", "idem-deploy")];
    let body = json!({"task": "ticket-triage"});
    let first = post_json_with(&server, "/v1/endpoints", &body, &key);
    let again = post_json_with(&server, "/v1/endpoints", &body, &key);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("x-idempotent-replay"), Some("true"));
    assert!(again.header("content-type").unwrap().starts_with("text/event-stream"));
    assert_eq!(get(&server, "/v1/endpoints").json().as_array().unwrap().len(), 2, "deployed once");

    let stream_key = [("Idempotency-Key", "idem-stream")];
    let s1 = post_json_with(&server, "/v1/chat/completions", &chat_body("a b", true), &stream_key);
    let s2 = post_json_with(&server, "/v1/chat/completions", &chat_body("a b", true), &stream_key);
    assert_eq!(s1.body, s2.body);
    assert_eq!(s2.header("x-pareta-billed"), Some("0"));

    let set_key = [("Idempotency-Key", "idem-run")];
    let set = create_eval_set(&server, "ticket-triage", "s", &[json!({"input": "x"})]);
    let run_body = json!({"eval_set_id": set, "candidate_model_ids": ["triage-1"]});
    let r1 = post_json_with(&server, "/v1/eval-runs", &run_body, &set_key);
    let r2 = post_json_with(&server, "/v1/eval-runs", &run_body, &set_key);
    assert_eq!(r1.body, r2.body);
    assert_eq!(get(&server, "/v1/eval-runs/run_2").status, 404, "one run created");

    // A failed attempt is not stored: the retry runs for real.
    let fail_key = [("Idempotency-Key", "idem-fail"), ("X-Mock-Fault", "status=503;times=1")];
    let f1 = post_json_with(&server, "/v1/chat/completions", &chat_body("z", false), &fail_key);
    assert_eq!(f1.status, 503);
    let f2 = post_json_with(&server, "/v1/chat/completions", &chat_body("z", false), &fail_key);
    assert_eq!(f2.status, 200);
    assert_eq!(f2.header("x-pareta-billed"), Some("420"));
    let f3 = post_json_with(&server, "/v1/chat/completions", &chat_body("z", false), &fail_key);
    assert_eq!(f3.header("x-pareta-billed"), Some("0"));
    assert_eq!(f3.body, f2.body);
}

/// Sends `head` and `body` on a raw connection, half-closes it, and returns the
/// status line of the answer.
fn raw_status(server: &MockServer, head: &str, body: &[u8]) -> String {
    use std::io::Write;
    let addr = server.base_url().trim_start_matches("http://").to_owned();
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    conn.shutdown(std::net::Shutdown::Write).unwrap();
    let mut status = String::new();
    BufReader::new(conn).read_line(&mut status).unwrap();
    status
}

#[test]
fn a_request_body_cut_short_is_a_400_and_one_over_the_limit_a_413() {
    let server = MockServer::start();
    let body = br#"{"model":"ep"#;
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len() + 100
    );
    let status = raw_status(&server, &head, body);
    assert!(status.starts_with("HTTP/1.1 400"), "a truncated body: {status}");
    let logged = server.requests();
    assert!(logged.iter().any(|r| r.method == "POST" && r.path == "/v1/chat/completions"), "logged: {logged:?}");
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH}\r\nContent-Length: {}\r\n\r\n",
        65 * 1024 * 1024
    );
    let status = raw_status(&server, &head, b"");
    assert!(status.starts_with("HTTP/1.1 413"), "a declared length over the limit: {status}");
}
