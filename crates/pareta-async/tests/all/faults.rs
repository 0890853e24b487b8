//! Error mapping, retries, idempotency keys across retries, and broken streams.

use crate::common::{RawServer, chat_event, client, client_with, response, sse_head, write_bytewise};
use futures_util::StreamExt;
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use pareta_async::types::{ChatCompletionRequest, ChatMessage, DeployRequest};
use pareta_async::{ApiErrorKind, Error};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn every_status_of_the_table_maps_to_its_kind() {
    use ApiErrorKind::*;
    let table = [
        (400, BadRequest),
        (422, BadRequest),
        (401, Authentication),
        (402, InsufficientCredits),
        (403, PermissionDenied),
        (404, NotFound),
        (409, Conflict),
        (429, RateLimit),
        (500, Server),
        (502, Server),
        (503, EndpointNotReady),
        (504, Server),
        (418, Other),
    ];
    let server = MockServer::start_async().await;
    for (status, _) in table {
        server
            .mock_async(|when, then| {
                when.method(GET).path(format!("/v1/tasks/t{status}"));
                then.status(status)
                    .header("content-type", "application/json")
                    .header("x-request-id", format!("req_{status}"))
                    .json_body(serde_json::json!({"detail": format!("detail {status}")}));
            })
            .await;
    }
    let pa = client(&server.base_url());
    for (status, kind) in table {
        let err = pa.tasks().retrieve(&format!("t{status}")).await.unwrap_err();
        let api = err.api().unwrap_or_else(|| panic!("{status}: {err:?}"));
        assert_eq!(api.kind(), kind, "{status}");
        assert_eq!(api.status(), status);
        assert_eq!(api.detail(), Some(format!("detail {status}").as_str()));
        assert_eq!(err.request_id(), Some(format!("req_{status}").as_str()));
        let text = err.to_string();
        assert!(text.contains(&status.to_string()) && text.contains(&format!("detail {status}")), "{text}");
        assert!(text.contains(&format!("req_{status}")), "{text}");
    }
}

/// One scripted answer: status, extra headers, body.
type Reply = (u16, Vec<(&'static str, &'static str)>, &'static str);

/// A responder that records each request's idempotency key and answers with
/// `statuses[n]` (the last one repeated).
fn scripted(
    statuses: Vec<Reply>,
    keys: Arc<Mutex<Vec<String>>>,
) -> impl Fn(&HttpMockRequest) -> HttpMockResponse + Send + Sync + 'static {
    move |req: &HttpMockRequest| {
        let mut keys = keys.lock().unwrap();
        let key = req.headers().get("idempotency-key").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        keys.push(key);
        let (status, headers, body) = &statuses[(keys.len() - 1).min(statuses.len() - 1)];
        let mut b = HttpMockResponse::builder().status(*status).header("content-type", "application/json");
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(*body).build()
    }
}

const MATCH_OK: &str = r#"{"query": "q", "matched": true, "candidates": []}"#;

#[tokio::test]
async fn rate_limit_with_retry_after_is_retried_then_succeeds() {
    let server = MockServer::start_async().await;
    let keys = Arc::new(Mutex::new(Vec::new()));
    let responder = scripted(
        vec![(429, vec![("retry-after", "1")], r#"{"detail": "slow down"}"#), (200, vec![], MATCH_OK)],
        Arc::clone(&keys),
    );
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/tasks/match");
            then.respond_with(responder);
        })
        .await;
    let started = Instant::now();
    let m = client_with(&server.base_url(), 2).tasks().match_intent("q").await.unwrap();
    assert!(m.matched);
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After: 1 was honoured");
    let keys = keys.lock().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(!keys[0].is_empty() && keys[0] == keys[1], "one idempotency key for both attempts: {keys:?}");
}

#[tokio::test]
async fn unavailable_is_retried_max_retries_times_with_one_idempotency_key() {
    let server = MockServer::start_async().await;
    let keys = Arc::new(Mutex::new(Vec::new()));
    let responder = scripted(
        vec![(503, vec![("retry-after-ms", "10"), ("x-request-id", "req_busy")], r#"{"detail": "cold start"}"#)],
        Arc::clone(&keys),
    );
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/tasks/match");
            then.respond_with(responder);
        })
        .await;
    let pa = client_with(&server.base_url(), 3);
    let err = pa.tasks().match_intent("q").await.unwrap_err();
    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::EndpointNotReady);
    assert_eq!(err.api().unwrap().detail(), Some("cold start"));
    assert_eq!(err.request_id(), Some("req_busy"));
    let first: Vec<String> = keys.lock().unwrap().drain(..).collect();
    assert_eq!(first.len(), 4, "1 attempt + 3 retries");
    assert!(first.iter().all(|k| k == &first[0]) && first[0].len() == 36, "{first:?}");

    // A second logical call has a key of its own.
    let _ = pa.tasks().match_intent("q").await.unwrap_err();
    let second = keys.lock().unwrap().clone();
    assert_eq!(second.len(), 4);
    assert_ne!(second[0], first[0]);
}

#[tokio::test]
async fn a_non_json_502_is_an_api_error_with_a_body_excerpt() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/models");
            then.status(502)
                .header("content-type", "text/html")
                .body("<html><body><h1>502 Bad Gateway</h1>nginx</body></html>");
        })
        .await;
    let err = client(&server.base_url()).models().list().await.unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.kind(), ApiErrorKind::Server);
    assert_eq!(api.detail(), None);
    assert!(api.body_excerpt().unwrap().starts_with("<html><body><h1>502 Bad Gateway"), "{api:?}");
    assert!(err.to_string().contains("502"), "{err}");
}

#[tokio::test]
async fn a_2xx_that_is_not_json_is_a_decode_error_naming_the_route() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/models");
            then.status(200).header("x-request-id", "req_bad").body("{\"not json");
        })
        .await;
    let err = client(&server.base_url()).models().list().await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("GET /v1/models"), "{err}");
    assert_eq!(err.request_id(), Some("req_bad"));
}

#[tokio::test]
async fn an_http_error_on_a_stream_is_returned_before_any_item() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/chat/completions");
            then.status(404).json_body(serde_json::json!({"detail": "model 'ep_x' not found"}));
        })
        .await;
    let req = ChatCompletionRequest::new("ep_x", vec![ChatMessage::user("hi")]);
    let err = client(&server.base_url()).chat().completions().create_stream(&req).await.unwrap_err();
    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::NotFound);
    assert_eq!(err.api().unwrap().detail(), Some("model 'ep_x' not found"));
}

fn chat_req() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")])
}

async fn collect_chat(base: &str) -> Vec<Result<Option<String>, Error>> {
    let stream = client(base).chat().completions().create_stream(&chat_req()).await.unwrap();
    stream.map(|item| item.map(|c| c.delta().map(str::to_owned))).collect().await
}

#[tokio::test]
async fn a_chat_stream_cut_before_done_ends_with_an_error_item() {
    // The connection closes mid-event, before `[DONE]`.
    let server = RawServer::start(|_req, mut sock| async move {
        let mut out = sse_head().to_vec();
        out.extend_from_slice(chat_event("a").as_bytes());
        out.extend_from_slice(b"data: {\"choices\":[{\"delta\":{\"con");
        sock.write_all(&out).await.unwrap();
    })
    .await;
    let items = collect_chat(&server.base_url()).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().as_deref(), Some("a"));
    assert!(matches!(items[1], Err(Error::StreamTruncated { expected: "[DONE]" })), "{:?}", items[1]);
}

#[tokio::test]
async fn a_deploy_stream_cut_before_complete_is_an_error() {
    let server = RawServer::start(|_req, mut sock| async move {
        let mut out = sse_head().to_vec();
        out.extend_from_slice(b"event: progress\ndata: {\"stage\": \"pulling\", \"pct\": 10}\n\n");
        sock.write_all(&out).await.unwrap();
    })
    .await;
    let pa = client(&server.base_url());
    let req = DeployRequest::new("t1");
    let items: Vec<_> = pa.endpoints().deploy(&req).await.unwrap().collect().await;
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert!(matches!(items[1], Err(Error::StreamTruncated { .. })), "{:?}", items[1]);

    let err = pa.endpoints().deploy(&req).await.unwrap().wait().await.unwrap_err();
    assert!(matches!(err, Error::StreamTruncated { .. }), "{err:?}");
}

#[tokio::test]
async fn a_deploy_error_event_fails_the_wait() {
    let server = RawServer::start(|_req, mut sock| async move {
        let mut out = sse_head().to_vec();
        out.extend_from_slice(b"event: progress\ndata: {}\n\nevent: error\ndata: {\"message\": \"out of memory\"}\n\n");
        sock.write_all(&out).await.unwrap();
    })
    .await;
    let err = client(&server.base_url()).endpoints().deploy(&DeployRequest::new("t1")).await.unwrap().wait().await;
    assert!(matches!(&err, Err(Error::Deploy { message, .. }) if message == "out of memory"), "{err:?}");
}

#[tokio::test]
async fn an_error_object_mid_stream_is_an_error_item() {
    let server = RawServer::start(|_req, mut sock| async move {
        let mut out = sse_head().to_vec();
        out.extend_from_slice(chat_event("a").as_bytes());
        out.extend_from_slice(b"data: {\"error\": {\"message\": \"overloaded\", \"type\": \"server_error\"}}\n\n");
        out.extend_from_slice(chat_event("never").as_bytes());
        out.extend_from_slice(b"data: [DONE]\n\n");
        sock.write_all(&out).await.unwrap();
    })
    .await;
    let items = collect_chat(&server.base_url()).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[1], Err(Error::Stream { message, .. }) if message == "overloaded"), "{:?}", items[1]);
}

const LF_BODY: &str = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
data: {\"choices\":[{\"delta\":{\"content\":\"Hé\"}}]}\n\n\
data: {\"choices\":[{\"delta\":{\"content\":\"llo ✓\"},\"finish_reason\":\"stop\"}]}\n\n\
data: [DONE]\n\n";

#[tokio::test]
async fn crlf_comments_and_one_byte_chunks_parse_identically() {
    let plain = RawServer::start(|_req, mut sock| async move {
        let mut out = sse_head().to_vec();
        out.extend_from_slice(LF_BODY.as_bytes());
        sock.write_all(&out).await.unwrap();
    })
    .await;
    let reference: Vec<Option<String>> =
        collect_chat(&plain.base_url()).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(reference, vec![None, Some("Hé".into()), Some("llo ✓".into())]);

    let tricky = RawServer::start(|_req, mut sock| async move {
        sock.write_all(sse_head()).await.unwrap();
        let body = format!(
            ": keep-alive\r\n\r\n{}",
            LF_BODY.replace('\n', "\r\n").replace("data: [DONE]", ": ping\r\ndata: [DONE]")
        );
        write_bytewise(&mut sock, body.as_bytes()).await.unwrap();
    })
    .await;
    let items: Vec<Option<String>> = collect_chat(&tricky.base_url()).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(items, reference);
}

#[tokio::test]
async fn a_connection_refused_is_a_connect_error() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = client(&format!("http://127.0.0.1:{port}")).models().list().await.unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    let Error::Connection(t) = &err else { panic!() };
    assert_eq!(t.kind, pareta_async::TransportErrorKind::Connect, "{err}");
}

#[tokio::test]
async fn a_slow_ordinary_call_hits_the_total_timeout() {
    let server = RawServer::start(|_req, mut sock| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let _ = sock.write_all(&response(200, &[], b"{\"data\": []}")).await;
    })
    .await;
    let pa = pareta_async::AsyncPareta::builder()
        .api_key(crate::common::KEY)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = pa.models().list().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_stalled_stream_yields_an_idle_timeout_item() {
    let server = RawServer::start(|_req, mut sock| async move {
        let mut out = sse_head().to_vec();
        out.extend_from_slice(chat_event("a").as_bytes());
        sock.write_all(&out).await.unwrap();
        // Keep sending slowly for longer than the idle limit in total, but each
        // gap shorter than it: no timeout. Then stall.
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            sock.write_all(chat_event("b").as_bytes()).await.unwrap();
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let pa = pareta_async::AsyncPareta::builder()
        .api_key(crate::common::KEY)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(400))
        .max_retries(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let items: Vec<_> = pa.chat().completions().create_stream(&chat_req()).await.unwrap().collect().await;
    assert_eq!(items.len(), 6, "{items:?}");
    assert!(items[..5].iter().all(Result::is_ok));
    let err = items[5].as_ref().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_stream_whose_headers_never_come_times_out() {
    let server = RawServer::start(|_req, sock| async move {
        let _held_open = sock;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let pa = pareta_async::AsyncPareta::builder()
        .api_key(crate::common::KEY)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    let err = pa.chat().completions().create_stream(&chat_req()).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}
