//! Streaming properties: items arrive as their bytes do, dropping a stream closes
//! its connection, and one client serves many concurrent streams.

use crate::common::{RawServer, chat_event, client, response, sse_head};
use futures_util::StreamExt;
use pareta_async::AsyncPareta;
use pareta_async::types::{ChatCompletionRequest, ChatMessage};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

fn chat_req(text: &str) -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user(text)])
}

#[tokio::test]
async fn the_first_item_arrives_before_the_rest_of_the_body_is_sent() {
    // The server sends the first chunk, then waits until the test has received
    // that chunk as an item. A client that buffers the body would wait forever.
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let go_rx = Arc::new(Mutex::new(Some(go_rx)));
    let server = RawServer::start(move |_req, mut sock| {
        let go = go_rx.lock().unwrap().take();
        async move {
            let mut out = sse_head().to_vec();
            out.extend_from_slice(chat_event("first").as_bytes());
            sock.write_all(&out).await.unwrap();
            sock.flush().await.unwrap();
            if let Some(go) = go {
                let _ = go.await;
            }
            let rest = format!("{}data: [DONE]\n\n", chat_event(" second"));
            sock.write_all(rest.as_bytes()).await.unwrap();
        }
    })
    .await;
    let mut stream = client(&server.base_url()).chat().completions().create_stream(&chat_req("x")).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("the first item must arrive before the body ends (is the stream buffered?)")
        .unwrap()
        .unwrap();
    assert_eq!(first.delta(), Some("first"));
    go_tx.send(()).unwrap();
    let rest = tokio::time::timeout(Duration::from_secs(5), stream.collect_text()).await.unwrap().unwrap();
    assert_eq!(rest, " second");
}

#[tokio::test]
async fn dropping_a_stream_closes_its_connection_and_the_client_stays_usable() {
    let (closed_tx, mut closed_rx) = mpsc::unbounded_channel::<&'static str>();
    let server = RawServer::start(move |req, mut sock| {
        let closed_tx = closed_tx.clone();
        async move {
            if req.target == "/v1/models" {
                let body = br#"{"object": "list", "data": [{"id": "ep_1"}]}"#;
                sock.write_all(&response(200, &[("content-type", "application/json")], body)).await.unwrap();
                return;
            }
            let mut out = sse_head().to_vec();
            out.extend_from_slice(chat_event("first").as_bytes());
            sock.write_all(&out).await.unwrap();
            // Keep the stream going (comments) until the client goes away.
            let mut buf = [0u8; 64];
            let how = loop {
                tokio::select! {
                    read = sock.read(&mut buf) => match read {
                        Ok(0) | Err(_) => break "read returned 0",
                        Ok(_) => {}
                    },
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {
                        if sock.write_all(b": keep-alive\n\n").await.is_err() {
                            break "write failed";
                        }
                    }
                }
            };
            let _ = closed_tx.send(how);
        }
    })
    .await;
    let pa = client(&server.base_url());
    let mut stream = pa.chat().completions().create_stream(&chat_req("x")).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().delta(), Some("first"));
    drop(stream);
    let how = tokio::time::timeout(Duration::from_secs(5), closed_rx.recv())
        .await
        .expect("the server never saw the connection close after the stream was dropped")
        .unwrap();
    assert!(["read returned 0", "write failed"].contains(&how));

    let models = pa.models().list().await.unwrap();
    assert_eq!(models.data[0].id, "ep_1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_streams_on_one_client() {
    let mock = pareta_mock::MockServer::start();
    let pa = AsyncPareta::builder().api_key("pareta_sk_concurrency").base_url(mock.base_url()).build().unwrap();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..200 {
        let pa = pa.clone();
        // Spawning proves the facade's futures and the streams are `Send + 'static`.
        set.spawn(async move {
            let stream = pa.chat().completions().create_stream(&chat_req(&format!("message number {i}"))).await?;
            stream.collect_text().await.map(|text| (i, text))
        });
    }
    let mut seen = 0;
    while let Some(joined) = set.join_next().await {
        let (i, text) = joined.unwrap().unwrap();
        assert_eq!(text, format!("echo: message number {i}"));
        seen += 1;
    }
    assert_eq!(seen, 200);
    let streamed = mock.requests().iter().filter(|r| r.path == "/v1/chat/completions").count();
    assert_eq!(streamed, 200);
}

#[tokio::test]
async fn a_stream_moves_into_a_spawned_task() {
    let mock = pareta_mock::MockServer::start();
    let pa = AsyncPareta::builder().api_key("pareta_sk_spawn").base_url(mock.base_url()).build().unwrap();
    let stream = pa.chat().completions().create_stream(&chat_req("moved")).await.unwrap();
    let text = tokio::spawn(async move { stream.collect_text().await }).await.unwrap().unwrap();
    assert_eq!(text, "echo: moved");
}
