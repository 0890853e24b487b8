//! Streams on real sockets: SSE framing byte by byte, cut and silent streams,
//! error events, items that arrive before the body ends, and dropping a stream.

use crate::common::*;
use pareta_blocking::types::{ChatCompletionRequest, ChatMessage, DeployRequest};
use pareta_blocking::{ApiErrorKind, ChatStream, Error, Pareta};
use pareta_test_support::raw::{Closed, Framing, RawServer, Reply, bytewise};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Each item as its delta text, or the error's text.
fn deltas(stream: ChatStream) -> Vec<Result<Option<String>, Error>> {
    stream.map(|item| item.map(|c| c.delta().map(str::to_owned))).collect()
}

fn chat(base: &str) -> Vec<Result<Option<String>, Error>> {
    deltas(client(base).chat().completions().create_stream(&chat_req()).unwrap())
}

const LF_BODY: &str = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
data: {\"choices\":[{\"delta\":{\"content\":\"Hé\"}}]}\n\n\
data: {\"choices\":[{\"delta\":{\"content\":\"llo ✓\"},\"finish_reason\":\"stop\"}]}\n\n\
data: [DONE]\n\n";

#[test]
fn crlf_comments_and_one_byte_chunks_parse_identically() {
    let plain = RawServer::script(vec![Reply::sse(vec![LF_BODY.as_bytes().to_vec()])]);
    let reference: Vec<Option<String>> = chat(&plain.base_url).into_iter().map(Result::unwrap).collect();
    assert_eq!(reference, vec![None, Some("Hé".into()), Some("llo ✓".into())]);
    assert_eq!(plain.requests()[0].header("accept"), Some("text/event-stream"));

    // CRLF line ends, comments, and one byte per write (splitting the UTF-8 too).
    let body = format!(
        ": keep-alive\r\n\r\n{}",
        LF_BODY.replace('\n', "\r\n").replace("data: [DONE]", ": ping\r\ndata: [DONE]")
    );
    let tricky = RawServer::script(vec![Reply::sse(bytewise(body.as_bytes()))]);
    let items: Vec<Option<String>> = chat(&tricky.base_url).into_iter().map(Result::unwrap).collect();
    assert_eq!(items, reference);
}

#[test]
fn a_chat_stream_cut_before_done_ends_with_an_error_item() {
    // The connection closes mid-event, before `[DONE]`.
    let body = format!("{}data: {{\"choices\":[{{\"delta\":{{\"con", chat_event("a"));
    let server = RawServer::script(vec![Reply::sse(vec![body.into_bytes()]).framing(Framing::Close)]);
    let items = chat(&server.base_url);
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().as_deref(), Some("a"));
    assert!(matches!(items[1], Err(Error::StreamTruncated { expected: "[DONE]" })), "{:?}", items[1]);
    assert!(items[1].as_ref().unwrap_err().to_string().contains("[DONE]"));
}

#[test]
fn a_dropped_connection_mid_stream_is_an_error_item() {
    // Chunked framing, closed without the final chunk.
    let server = RawServer::script(vec![Reply::sse(vec![CHAT_SSE[..70].to_vec(), b"data: {\"choi".to_vec()]).cut()]);
    let items = chat(&server.base_url);
    assert!(items.last().unwrap().is_err(), "{items:?}");
    assert_eq!(server.requests().len(), 1, "a stream that sent bytes is never retried");
}

#[test]
fn an_error_object_mid_stream_is_an_error_item() {
    let body = format!(
        "{}data: {{\"error\": {{\"message\": \"overloaded\", \"type\": \"server_error\"}}}}\n\n{}data: [DONE]\n\n",
        chat_event("a"),
        chat_event("never")
    );
    let server = RawServer::script(vec![Reply::sse(vec![body.into_bytes()])]);
    let items = chat(&server.base_url);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[1], Err(Error::Stream { message, .. }) if message == "overloaded"), "{:?}", items[1]);
}

#[test]
fn an_http_error_on_a_stream_is_returned_before_any_item() {
    let server = RawServer::script(vec![Reply::json(404, r#"{"detail":"model 'ep_x' not found"}"#)]);
    let err = client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap_err();
    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::NotFound);
    assert_eq!(err.api().unwrap().detail(), Some("model 'ep_x' not found"));
}

#[test]
fn a_deploy_stream_cut_before_complete_is_an_error() {
    let body = b"event: progress\ndata: {\"stage\":\"pulling weights\",\"pct\":45}\n\n".to_vec();
    let server = RawServer::script(vec![Reply::sse(vec![body])]);
    let pa = client(&server.base_url);
    let items: Vec<_> = pa.endpoints().deploy(&DeployRequest::new("t")).unwrap().collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().stage(), Some("pulling weights"));
    assert!(matches!(items[1], Err(Error::StreamTruncated { .. })), "{:?}", items[1]);
    let err = pa.endpoints().deploy(&DeployRequest::new("t")).unwrap().wait().unwrap_err();
    assert!(matches!(err, Error::StreamTruncated { .. }), "{err:?}");
}

#[test]
fn a_deploy_error_event_fails_the_wait() {
    let body = b"event: progress\ndata: {\"pct\":10}\n\nevent: error\ndata: {\"message\": \"out of memory\"}\n\n";
    let server = RawServer::script(vec![Reply::sse(bytewise(body))]);
    let err = client(&server.base_url).endpoints().deploy(&DeployRequest::new("t")).unwrap().wait().unwrap_err();
    assert!(matches!(&err, Error::Deploy { message, .. } if message == "out of memory"), "{err:?}");
    assert_eq!(err.to_string(), "deploy failed: out of memory");
}

#[test]
fn the_first_item_arrives_before_the_rest_of_the_body_is_sent() {
    // The server sends the first event, then waits (up to 5 s) for the test to say
    // it has that event as an item. A client that buffered the body would only
    // see it after the wait.
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let server = RawServer::start(move |_, conn| {
        conn.head(200, &[("content-type".into(), "text/event-stream".into())], Framing::Chunked, 0);
        conn.chunk(chat_event("first").as_bytes());
        let _ = go_rx.lock().unwrap().recv_timeout(Duration::from_secs(5));
        conn.chunk(format!("{}data: [DONE]\n\n", chat_event(" second")).as_bytes());
        conn.finish();
    });
    let started = Instant::now();
    let mut stream = client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap();
    let first = stream.next().unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(4), "the first item waited for the body's end (buffered?)");
    assert_eq!(first.delta(), Some("first"));
    go_tx.send(()).unwrap();
    assert_eq!(stream.collect_text().unwrap(), " second");
}

#[test]
fn a_stream_that_goes_silent_ends_with_a_timeout_item() {
    // Events 150 ms apart for longer than the 400 ms idle limit in all (no
    // timeout: each gap is shorter), then silence.
    let server = RawServer::start(|_, conn| {
        conn.head(200, &[("content-type".into(), "text/event-stream".into())], Framing::Chunked, 0);
        conn.chunk(chat_event("a").as_bytes());
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(150));
            conn.chunk(chat_event("b").as_bytes());
        }
        std::thread::sleep(Duration::from_secs(5));
    });
    let started = Instant::now();
    let items: Vec<_> =
        quick_client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap().collect();
    assert_eq!(items.len(), 6, "{items:?}");
    assert!(items[..5].iter().all(Result::is_ok));
    let err = items[5].as_ref().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_long_stream_that_keeps_sending_is_not_cut_by_the_timeout() {
    // 8 chunks 150 ms apart: 1.2 s in all, three times the 400 ms timeout, but no read waits long.
    let chunks = CHAT_SSE.chunks(CHAT_SSE.len() / 8 + 1).map(<[u8]>::to_vec).collect();
    let server = RawServer::script(vec![Reply::sse(chunks).chunk_delay(Duration::from_millis(150))]);
    let stream = quick_client(&server.base_url).chat().completions().create_stream(&chat_req()).unwrap();
    assert_eq!(stream.collect_text().unwrap(), "The parties");
}

#[test]
fn a_stream_whose_headers_never_come_times_out() {
    let server = RawServer::script(vec![Reply::sse(vec![CHAT_SSE.to_vec()]).head_delay(Duration::from_secs(5))]);
    let pa = Pareta::builder()
        .api_key(KEY)
        .base_url(&server.base_url)
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    let err = pa.chat().completions().create_stream(&chat_req()).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[test]
fn dropping_a_stream_closes_its_connection_and_the_client_stays_usable() {
    let (closed_tx, closed_rx) = mpsc::channel::<Closed>();
    let closed_tx = Mutex::new(closed_tx);
    let server = RawServer::start(move |req, conn| {
        if req.target == "/v1/models" {
            conn.reply(&Reply::json(200, r#"{"object": "list", "data": [{"id": "ep_1"}]}"#));
            return;
        }
        conn.head(200, &[("content-type".into(), "text/event-stream".into())], Framing::Chunked, 0);
        conn.chunk(chat_event("first").as_bytes());
        // Keep the stream going (comments) until the client goes away.
        let how = conn.hold_until_closed(b": keep-alive\n\n", Duration::from_millis(20), Duration::from_secs(10));
        let _ = closed_tx.lock().unwrap().send(how);
    });
    let pa = client(&server.base_url);
    let mut stream = pa.chat().completions().create_stream(&chat_req()).unwrap();
    assert_eq!(stream.next().unwrap().unwrap().delta(), Some("first"));
    drop(stream);
    let how = closed_rx.recv_timeout(Duration::from_secs(5)).expect("the server never saw the connection close");
    assert_ne!(how, Closed::StillOpen, "the server never saw the connection close after the stream was dropped");

    let models = pa.models().list().unwrap();
    assert_eq!(models.data[0].id, "ep_1");
    assert_eq!(server.connections(), 2);
}

#[test]
fn two_hundred_concurrent_streams_on_one_client() {
    let mock = pareta_mock::MockServer::start();
    let pa = Pareta::builder().api_key("pareta_sk_concurrency").base_url(mock.base_url()).build().unwrap();
    let pa = Arc::new(pa);
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let pa = Arc::clone(&pa);
            std::thread::spawn(move || {
                let req = ChatCompletionRequest::new(
                    "ep_contract_kie",
                    vec![ChatMessage::user(format!("message number {i}"))],
                );
                let stream = pa.chat().completions().create_stream(&req)?;
                stream.collect_text().map(|text| (i, text))
            })
        })
        .collect();
    for t in threads {
        let (i, text) = t.join().unwrap().unwrap();
        assert_eq!(text, format!("echo: message number {i}"));
    }
    let streamed = mock.requests().iter().filter(|r| r.path == "/v1/chat/completions").count();
    assert_eq!(streamed, 200);
}

#[test]
fn a_stream_moves_into_a_spawned_task() {
    let mock = pareta_mock::MockServer::start();
    let pa = Pareta::builder().api_key("pareta_sk_spawn").base_url(mock.base_url()).build().unwrap();
    let req = ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("moved")]);
    let stream = pa.chat().completions().create_stream(&req).unwrap();
    let text = std::thread::spawn(move || stream.collect_text()).join().unwrap().unwrap();
    assert_eq!(text, "echo: moved");
}
