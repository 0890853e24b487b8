//! Per-call options, raw calls and run watches through both clients against
//! pareta-mock: the same requests on the wire, the same results.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use futures_util::StreamExt;
use pareta_mock::MockServer;
use pareta_types::{ChatCompletionRequest, ChatMessage, EvalRunCreate, WaitOptions};
use serde_json::{Value, json};
use std::time::Duration;

const KEY: &str = "pareta_sk_options";

fn chat() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("Extract the parties.")]).temperature(0.0)
}

fn wait() -> WaitOptions {
    WaitOptions::default().poll_interval(Duration::from_millis(10)).timeout(Duration::from_secs(10))
}

fn rows() -> Vec<Value> {
    vec![json!({"input": "Agreement between A and B", "expected": {"parties": ["A", "B"]}})]
}

fn options() -> pareta_core::RequestOptions {
    pareta_core::RequestOptions::new()
        .header("x-trace-id", "trace-7")
        .query("source", "parity")
        .idempotency_key("order-7")
        .timeout(Duration::from_secs(20))
}

/// What the mock saw of the interesting requests: method, path, query, the
/// per-call header and the idempotency key.
fn wire(mock: &MockServer) -> Vec<Value> {
    mock.requests()
        .iter()
        .map(|r| {
            json!({
                "method": r.method, "path": r.path, "query": r.query,
                "trace": r.header("x-trace-id"), "key": r.header("idempotency-key").map(|k| if k.starts_with("order-") { k.to_owned() } else { "<minted>".to_owned() }),
            })
        })
        .collect()
}

fn run_blocking() -> (Vec<Value>, Vec<Value>) {
    let mock = MockServer::start();
    let pa = pareta_blocking::Pareta::builder().api_key(KEY).base_url(mock.base_url()).rng_seed(1).build().unwrap();
    let mut out = Vec::new();
    let reply = pa.with_options(options()).chat().completions().create(&chat()).unwrap();
    out.push(json!({"content": reply.content(), "attempts": reply.meta().attempts()}));
    let models: Value = pa.raw().get("/v1/models", &[]).unwrap();
    out.push(json!({"raw models": models["data"].as_array().map(Vec::len)}));
    let posted: Value = pa.raw().post("/v1/chat/completions", &chat()).unwrap();
    out.push(json!({"raw chat": posted["choices"][0]["message"]["content"]}));
    let resp = pa.raw().send(pareta_blocking::Method::Get, &pa.raw().path(["v1", "tasks", "ticket-triage"]), &[], None);
    let resp = resp.unwrap();
    out.push(json!({"raw send": resp.status, "json": resp.json::<Value>().unwrap()["id"]}));
    let mut body = serde_json::to_value(chat()).unwrap();
    body["stream"] = json!(true);
    let events: Vec<String> =
        pa.raw().stream("/v1/chat/completions", &body).unwrap().map(|e| e.unwrap().data).collect();
    out.push(json!({"raw stream events": events.len(), "last": events.last()}));
    let run = pa.evals().runs().create(&EvalRunCreate::inline("contract-key-fields", rows(), ["contract-1"])).unwrap();
    let snapshots: Vec<Value> = pa.evals().runs().watch(&run.id, wait()).map(|s| json!(s.unwrap().status)).collect();
    out.push(json!({"watch ends terminal": snapshots.last(), "polls": !snapshots.is_empty()}));
    let waited = pa.evals().runs().wait(&run.id, wait()).unwrap();
    out.push(json!({"wait": waited.status}));
    (out, wire(&mock))
}

async fn run_async() -> (Vec<Value>, Vec<Value>) {
    let mock = MockServer::start();
    let pa = pareta_async::AsyncPareta::builder().api_key(KEY).base_url(mock.base_url()).rng_seed(1).build().unwrap();
    let mut out = Vec::new();
    let reply = pa.with_options(options()).chat().completions().create(&chat()).await.unwrap();
    out.push(json!({"content": reply.content(), "attempts": reply.meta().attempts()}));
    let models: Value = pa.raw().get("/v1/models", &[]).await.unwrap();
    out.push(json!({"raw models": models["data"].as_array().map(Vec::len)}));
    let posted: Value = pa.raw().post("/v1/chat/completions", &chat()).await.unwrap();
    out.push(json!({"raw chat": posted["choices"][0]["message"]["content"]}));
    let path = pa.raw().path(["v1", "tasks", "ticket-triage"]);
    let resp = pa.raw().send(pareta_async::Method::Get, &path, &[], None).await.unwrap();
    out.push(json!({"raw send": resp.status, "json": resp.json::<Value>().unwrap()["id"]}));
    let mut body = serde_json::to_value(chat()).unwrap();
    body["stream"] = json!(true);
    let stream = pa.raw().stream("/v1/chat/completions", &body).await.unwrap();
    let events: Vec<String> = stream.map(|e| e.unwrap().data).collect().await;
    out.push(json!({"raw stream events": events.len(), "last": events.last()}));
    let run =
        pa.evals().runs().create(&EvalRunCreate::inline("contract-key-fields", rows(), ["contract-1"])).await.unwrap();
    let snapshots: Vec<Value> =
        pa.evals().runs().watch(&run.id, wait()).map(|s| json!(s.unwrap().status)).collect().await;
    out.push(json!({"watch ends terminal": snapshots.last(), "polls": !snapshots.is_empty()}));
    let waited = pa.evals().runs().wait(&run.id, wait()).await.unwrap();
    out.push(json!({"wait": waited.status}));
    (out, wire(&mock))
}

#[test]
fn options_raw_calls_and_watches_match_across_clients() {
    let blocking = run_blocking();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let async_ = runtime.block_on(run_async());
    assert_eq!(blocking, async_, "the two clients differ");

    let (results, wire) = blocking;
    // Per-call options on the wire: the header, the query, the caller's key.
    let first = &wire[0];
    assert_eq!(first["path"], "/v1/chat/completions");
    assert_eq!(first["query"], "source=parity");
    assert_eq!(first["trace"], "trace-7");
    assert_eq!(first["key"], "order-7");
    assert_eq!(results[0]["attempts"], 1);
    // Calls made without the view carry none of it.
    assert!(wire[1..].iter().all(|r| r["trace"].is_null() && r["query"].is_null() && r["key"] != "order-7"));
    // Raw calls: the same routes, keys minted on POST.
    assert_eq!((wire[1]["method"].as_str(), wire[1]["path"].as_str()), (Some("GET"), Some("/v1/models")));
    assert_eq!(wire[2]["key"], "<minted>");
    assert!(results[1]["raw models"].as_u64().is_some_and(|n| n > 0), "{results:?}");
    assert!(results[2]["raw chat"].is_string(), "{results:?}");
    assert_eq!(results[3]["json"], "ticket-triage");
    assert_eq!(results[4]["last"], "[DONE]");
    // The watch ends on a terminal snapshot, and wait agrees.
    assert_eq!(results[5]["watch ends terminal"], results[6]["wait"]);
    assert!(matches!(results[6]["wait"].as_str(), Some("completed" | "failed" | "cancelled")), "{results:?}");
}
