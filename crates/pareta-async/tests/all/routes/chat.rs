//! `pa.chat().completions()`: `create` and `create_stream`.

use crate::common::*;
use futures_util::StreamExt;
use httpmock::MockServer;
use pareta_async::types::{ChatCompletionRequest, ChatMessage};
use serde_json::json;

#[test]
fn chat_create_sends_no_stream_key_and_reads_billing_headers() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/chat/completions",
            json!({
                "model": "ep_contract_kie",
                "messages": [
                    {"role": "system", "content": "Be terse."},
                    {"role": "user", "content": "Extract the parties."}
                ],
                "temperature": 0.0,
                "max_tokens": 64,
                "top_p": 0.9
            }),
        )
        .body_excludes("stream");
        ok(
            then,
            r#"{"id":"chatcmpl-1","object":"chat.completion","created":1767225601,"model":"ep_contract_kie",
                "choices":[{"index":0,"message":{"role":"assistant","content":"Acme Corp; Globex LLC"},"finish_reason":"stop"}],
                "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}"#,
        )
        .header("x-pareta-billed", "1234")
        .header("x-pareta-frontier-would-have-cost", "56789");
    });
    // create() must send no `stream` key whatever the request says.
    let req = ChatCompletionRequest::new(
        "ep_contract_kie",
        vec![ChatMessage::system("Be terse."), ChatMessage::user("Extract the parties.")],
    )
    .temperature(0.0)
    .max_tokens(64)
    .extra("top_p", 0.9)
    .extra("stream", true);
    let out = client(&server.base_url()).chat().completions().create(&req).block().unwrap();
    m.assert();
    assert_eq!(out.id.as_deref(), Some("chatcmpl-1"));
    assert_eq!(out.model.as_deref(), Some("ep_contract_kie"));
    assert_eq!(out.content(), Some("Acme Corp; Globex LLC"));
    assert_eq!(out.choices[0].finish_reason.as_deref(), Some("stop"));
    assert_eq!(
        (out.usage.prompt_tokens, out.usage.completion_tokens, out.usage.total_tokens),
        (Some(12), Some(5), Some(17))
    );
    assert_eq!(out.meta().request_id(), Some("req_1"));
    assert_eq!(out.meta().billed_micro_usd(), Some(1234));
    assert_eq!(out.meta().frontier_would_have_cost_micro_usd(), Some(56789));
}

#[test]
fn chat_idempotency_key_is_a_uuid_v4() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        api(when, "POST", "/v1/chat/completions").is_true(|r| {
            let headers = r.headers();
            let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else { return false };
            let b = key.as_bytes();
            b.len() == 36
                && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
                && b[14] == b'4'
                && matches!(b[19], b'8' | b'9' | b'a' | b'b')
                && key.chars().filter(|c| *c != '-').all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        });
        ok(then, r#"{"choices":[{"message":{"content":"ok"}}]}"#);
    });
    let req = ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")]);
    client(&server.base_url()).chat().completions().create(&req).block().unwrap();
    m.assert();
}

#[test]
fn chat_create_stream_sends_stream_true_and_yields_deltas() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        api(when, "POST", "/v1/chat/completions")
            .header("accept", "text/event-stream")
            .header("content-type", "application/json")
            .json_body(json!({
                "model": "ep_contract_kie",
                "messages": [{"role": "user", "content": "Extract the parties."}],
                "stream": true
            }));
        sse(
            then,
            concat!(
                "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
                "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Acme\"}}]}\n\n",
                ": keep-alive\n\n",
                "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Corp\"},\"finish_reason\":\"stop\"}]}\n\n",
                "data: [DONE]\n\n",
            ),
        )
        .header("x-pareta-billed", "77");
    });
    let req = ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("Extract the parties.")]);
    let stream = client(&server.base_url()).chat().completions().create_stream(&req).block().unwrap();
    assert_eq!(stream.meta().request_id(), Some("req_sse"));
    assert_eq!(stream.meta().billed_micro_usd(), Some(77));
    let mut stream = stream;
    let chunks: Vec<_> = stream.by_ref().map(Result::unwrap).collect::<Vec<_>>().block();
    assert!(stream.next().block().is_none(), "a finished stream stays finished");
    m.assert();
    let deltas: Vec<Option<&str>> = chunks.iter().map(|c| c.delta()).collect();
    assert_eq!(deltas, [None, Some("Acme"), Some(" Corp")]);
    assert_eq!(chunks[2].finish_reason().map(|r| r.as_str()), Some("stop"));
    assert!(chunks.iter().all(|c| c.id.as_deref() == Some("c1")));

    // collect_text over a second identical call.
    let text = client(&server.base_url())
        .chat()
        .completions()
        .create_stream(&req)
        .block()
        .unwrap()
        .collect_text()
        .block()
        .unwrap();
    assert_eq!(text, "Acme Corp");
    m.assert_calls(2);
}
