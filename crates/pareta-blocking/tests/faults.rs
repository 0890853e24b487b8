#![allow(clippy::unwrap_used)]
//! Error mapping, retries, idempotency and stream faults, over real sockets.

mod support;

use pareta_blocking::types::{ChatCompletionRequest, ChatMessage, DeployRequest};
use pareta_blocking::{ApiErrorKind, Error};
use support::{RawServer, Reply, bytewise, client};

fn chat_req() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")])
}

#[test]
fn each_status_maps_to_its_kind_with_detail_and_request_id() {
    let table = [
        (400, ApiErrorKind::BadRequest),
        (401, ApiErrorKind::Authentication),
        (402, ApiErrorKind::InsufficientCredits),
        (403, ApiErrorKind::PermissionDenied),
        (404, ApiErrorKind::NotFound),
        (422, ApiErrorKind::BadRequest),
    ];
    for (status, kind) in table {
        let server = RawServer::script(vec![Reply::json(status, r#"{"detail":"nope"}"#)]);
        let err = client(&server.base_url).models().list().unwrap_err();
        let api = err.api().unwrap_or_else(|| panic!("{status}: {err:?}"));
        assert_eq!((api.kind(), api.status(), api.detail()), (kind, status, Some("nope")));
        assert_eq!(err.request_id(), Some("req_0"));
        assert!(err.to_string().contains(&format!("{status}")) && err.to_string().contains("nope"));
        assert_eq!(server.requests().len(), 1, "{status} is not retried");
    }
    for (status, kind) in [
        (409, ApiErrorKind::Conflict),
        (429, ApiErrorKind::RateLimit),
        (503, ApiErrorKind::EndpointNotReady),
        (500, ApiErrorKind::Server),
    ] {
        let server = RawServer::script(vec![Reply::json(status, r#"{"detail":"busy"}"#).header("retry-after", "0")]);
        let err = client(&server.base_url).models().list().unwrap_err();
        assert_eq!(err.api().unwrap().kind(), kind);
        assert_eq!(server.requests().len(), 3, "{status} is retried twice");
    }
}

#[test]
fn rate_limit_with_retry_after_is_retried_then_succeeds_with_one_idempotency_key() {
    let server = RawServer::script(vec![
        Reply::json(429, r#"{"detail":"slow down"}"#).header("retry-after", "1"),
        Reply::json(503, r#"{"detail":"cold"}"#).header("retry-after-ms", "10"),
        Reply::json(200, r#"{"choices":[{"message":{"content":"ok"}}]}"#),
    ]);
    let t0 = std::time::Instant::now();
    let out = client(&server.base_url).chat().completions().create(&chat_req()).unwrap();
    assert_eq!(out.content(), Some("ok"));
    assert!(t0.elapsed() >= std::time::Duration::from_secs(1), "honoured Retry-After");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let key = reqs[0].header("idempotency-key").unwrap();
    assert!(reqs.iter().all(|r| r.header("idempotency-key") == Some(key)));
}

#[test]
fn server_errors_retry_up_to_max_retries() {
    for status in [500, 502, 503, 504] {
        let server = RawServer::script(vec![Reply::json(status, "{}").header("retry-after", "0")]);
        let pa = pareta_blocking::Pareta::builder()
            .api_key("pareta_sk_x")
            .base_url(&server.base_url)
            .max_retries(3)
            .build()
            .unwrap();
        let err = pa.tasks().list().unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(server.requests().len(), 4);
    }
}

#[test]
fn html_502_is_a_clear_status_error() {
    let mut reply = Reply::json(502, "<html><body><h1>502 Bad Gateway</h1></body></html>").header("retry-after", "0");
    reply.headers[0].1 = "text/html".into();
    let server = RawServer::script(vec![reply]);
    let err = client(&server.base_url).models().list().unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.detail(), None);
    assert!(api.body_excerpt().unwrap().contains("502 Bad Gateway"));
    assert!(err.to_string().contains("non-JSON body"), "{err}");
}

#[test]
fn garbage_json_on_200_is_a_decode_error_naming_the_route() {
    let server = RawServer::script(vec![Reply::json(200, "{\"not json")]);
    let err = client(&server.base_url).tasks().leaderboard("t").unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("GET /v1/tasks/{id}/leaderboard"), "{err}");
}

#[test]
fn connection_refused_is_a_connection_error_after_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let pa = pareta_blocking::Pareta::builder()
        .api_key("pareta_sk_x")
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(1)
        .build()
        .unwrap();
    let err = pa.models().list().unwrap_err();
    assert!(err.is_connection(), "{err:?}");
}

const CHAT: &[u8] = b"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"The\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\" parties\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

fn texts(stream: pareta_blocking::ChatStream) -> Vec<Result<Option<String>, String>> {
    stream.map(|c| c.map(|c| c.delta().map(str::to_owned)).map_err(|e| e.to_string())).collect()
}

#[test]
fn crlf_comments_and_one_byte_chunks_parse_identically() {
    let whole = RawServer::script(vec![Reply::sse(vec![CHAT.to_vec()])]);
    let expected = texts(client(&whole.base_url).chat().completions().create_stream(&chat_req()).unwrap());
    assert_eq!(expected, vec![Ok(None), Ok(Some("The".into())), Ok(Some(" parties".into()))]);
    let crlf = String::from_utf8(CHAT.to_vec()).unwrap().replace("\n\n", "\r\n: keep-alive\r\n\r\n");
    let server = RawServer::script(vec![Reply::sse(bytewise(crlf.as_bytes()))]);
    let stream = client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap();
    assert_eq!(texts(stream), expected);
    let req = &server.requests()[0];
    assert_eq!(req.header("accept"), Some("text/event-stream"));
}

#[test]
fn chat_stream_cut_before_done_ends_with_an_error_item() {
    let cut = CHAT[..CHAT.len() - 14].to_vec();
    let server = RawServer::script(vec![Reply::sse(vec![cut])]);
    let items = texts(client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap());
    assert_eq!(items.len(), 4);
    assert!(items[3].as_ref().unwrap_err().contains("[DONE]"), "{items:?}");
}

#[test]
fn a_dropped_connection_mid_stream_is_an_error_item() {
    let mut reply = Reply::sse(vec![CHAT[..60].to_vec(), b"data: {\"choi".to_vec()]);
    reply.drop = true;
    let server = RawServer::script(vec![reply]);
    let items = texts(client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap());
    assert!(items.last().unwrap().is_err(), "{items:?}");
    assert_eq!(server.requests().len(), 1, "a stream that sent bytes is never retried");
}

#[test]
fn a_mid_stream_error_object_is_an_error_item() {
    let body = b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"error\": {\"message\": \"overloaded\"}}\n\n".to_vec();
    let server = RawServer::script(vec![Reply::sse(vec![body])]);
    let items = texts(client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap());
    assert_eq!(items.len(), 2);
    assert!(items[1].as_ref().unwrap_err().contains("overloaded"));
}

#[test]
fn stream_http_errors_come_from_create_stream_itself() {
    let server = RawServer::script(vec![Reply::json(402, r#"{"detail":"balance empty"}"#)]);
    let err = client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap_err();
    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::InsufficientCredits);
}

#[test]
fn deploy_stream_cut_before_complete_is_an_error_and_wait_fails() {
    let body = b"event: progress\ndata: {\"stage\":\"pulling weights\",\"pct\":45}\n\n".to_vec();
    let server = RawServer::script(vec![Reply::sse(vec![body])]);
    let pa = client(&server.base_url);
    let events: Vec<_> = pa.endpoints().deploy(&DeployRequest::new("t")).unwrap().collect();
    assert_eq!(events.len(), 2);
    assert!(matches!(events[1], Err(Error::StreamTruncated { .. })));
    let err = pa.endpoints().deploy(&DeployRequest::new("t")).unwrap().wait().unwrap_err();
    assert!(matches!(err, Error::StreamTruncated { .. }), "{err:?}");
}

#[test]
fn deploy_error_event_fails_wait_with_its_message() {
    let body =
        b"event: progress\ndata: {\"pct\":10}\n\nevent: error\ndata: {\"message\": \"out of memory\"}\n\n".to_vec();
    let server = RawServer::script(vec![Reply::sse(bytewise(&body))]);
    let err = client(&server.base_url).endpoints().deploy(&DeployRequest::new("t")).unwrap().wait().unwrap_err();
    assert_eq!(err.to_string(), "deploy failed: out of memory");
}

#[test]
fn items_arrive_before_the_stream_ends() {
    let mut reply = Reply::sse(vec![CHAT[..50].to_vec(), CHAT[50..].to_vec()]);
    reply.chunk_delay = std::time::Duration::from_millis(300);
    let server = RawServer::script(vec![reply]);
    let t0 = std::time::Instant::now();
    let mut stream = client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap();
    let first = stream.next().unwrap().unwrap();
    let first_at = t0.elapsed();
    assert_eq!(first.choices[0].delta.role.as_deref(), Some("assistant"));
    assert_eq!(stream.count(), 2);
    // The first item came with the first chunk, one delay before the end (ordering, not a timing bound).
    assert!(first_at < t0.elapsed());
}

fn quick_client(base_url: &str) -> pareta_blocking::Pareta {
    pareta_blocking::Pareta::builder()
        .api_key("pareta_sk_x")
        .base_url(base_url)
        .timeout(std::time::Duration::from_millis(400))
        .build()
        .unwrap()
}

#[test]
fn a_stream_that_goes_silent_ends_with_a_timeout_item() {
    let mut reply = Reply::sse(vec![CHAT[..60].to_vec(), CHAT[60..].to_vec()]);
    reply.chunk_delay = std::time::Duration::from_millis(1500); // far past the 400 ms idle limit
    let server = RawServer::script(vec![reply]);
    let items: Vec<_> =
        quick_client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap().collect();
    let last = items.last().unwrap().as_ref().unwrap_err();
    assert!(last.is_timeout(), "{last:?}");
}

#[test]
fn a_long_stream_that_keeps_sending_is_not_cut_by_the_timeout() {
    // 8 chunks 150 ms apart: 1.2 s in all, three times the 400 ms timeout, but no read waits long.
    let mut reply = Reply::sse(CHAT.chunks(CHAT.len() / 8 + 1).map(<[u8]>::to_vec).collect());
    reply.chunk_delay = std::time::Duration::from_millis(150);
    let server = RawServer::script(vec![reply]);
    let stream = quick_client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap();
    assert_eq!(stream.collect_text().unwrap(), "The parties");
}

#[test]
fn a_host_name_base_url_is_served_like_an_ip_literal() {
    // The client caches the base host's addresses (src/resolver.rs, whose unit
    // tests count lookups and connections); a name must work like its literal.
    let server = RawServer::start(|_, _| Reply::json(200, r#"{"object":"list","data":[{"id":"m1"}]}"#));
    let base = server.base_url.replace("127.0.0.1", "localhost");
    let pa = client(&base);
    for _ in 0..3 {
        assert_eq!(pa.models().list().unwrap().len(), 1);
    }
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_refused_host_name_is_a_connection_error_after_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let pa = pareta_blocking::Pareta::builder()
        .api_key("pareta_sk_x")
        .base_url(format!("http://localhost:{port}"))
        .max_retries(1)
        .build()
        .unwrap();
    for _ in 0..2 {
        let err = pa.models().list().unwrap_err();
        assert!(err.is_connection(), "{err:?}");
    }
}
