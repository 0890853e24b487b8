//! One test per route of the API against httpmock: method, path, query, the
//! headers every request carries, JSON and multipart bodies, and the parsed result.

use crate::common::{KEY, client};
use futures_util::StreamExt;
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, Then, When};
use pareta_async::types::{
    ChatCompletionRequest, ChatMessage, DeployRequest, Document, EvalRunCreate, EvalSetCreate, Frontier,
    UploadDocument, WaitOptions,
};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The headers of every Pareta request (JSON accept).
fn std_headers(when: When) -> When {
    when.header("authorization", format!("Bearer {KEY}"))
        .header_prefix("user-agent", "pareta-rust/")
        .header("accept", "application/json")
}

/// A GET: no idempotency key, no content type.
fn get(when: When, path: &str) -> When {
    std_headers(when.method(GET).path(path)).header_missing("idempotency-key").header_missing("content-type")
}

/// A POST with a JSON body and an idempotency key.
fn post_json(when: When, path: &str, body: serde_json::Value) -> When {
    std_headers(when.method(POST).path(path))
        .header_exists("idempotency-key")
        .header("content-type", "application/json")
        .json_body(body)
}

fn ok_json(then: Then, body: serde_json::Value) -> Then {
    then.status(200).header("content-type", "application/json").header("x-request-id", "req_1").json_body(body)
}

fn sse(then: Then, body: &str) -> Then {
    then.status(200).header("content-type", "text/event-stream").header("x-request-id", "req_sse").body(body)
}

#[tokio::test]
async fn models_list() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/models");
            ok_json(
                then,
                json!({"object": "list", "data": [
                    {"id": "ep_contract_kie", "owned_by": "org_1", "created": 1700000000},
                    {"id": "ep_b", "owned_by": "org_1", "created": 1700000001}
                ]}),
            );
        })
        .await;
    let list = client(&server.base_url()).models().list().await.unwrap();
    mock.assert_async().await;
    assert_eq!(list.len(), 2);
    assert_eq!(list.data[0].id, "ep_contract_kie");
    assert_eq!(list.data[1].created, Some(1700000001));
}

#[tokio::test]
async fn chat_create() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            post_json(
                when,
                "/v1/chat/completions",
                json!({"model": "ep_contract_kie", "messages": [{"role": "user", "content": "Extract the parties."}],
                       "temperature": 0.0, "max_tokens": 64, "top_p": 0.9}),
            );
            ok_json(
                then,
                json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "ep_contract_kie",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": "Acme and Beta."},
                                    "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}),
            )
            .header("x-pareta-billed", "120")
            .header("x-pareta-frontier-would-have-cost", "900");
        })
        .await;
    let req = ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("Extract the parties.")])
        .temperature(0.0)
        .max_tokens(64)
        .extra("top_p", 0.9);
    let reply = client(&server.base_url()).chat().completions().create(&req).await.unwrap();
    mock.assert_async().await;
    assert_eq!(reply.content(), Some("Acme and Beta."));
    assert_eq!(reply.usage.total_tokens, Some(8));
    assert_eq!(reply.meta().request_id(), Some("req_1"));
    assert_eq!(reply.meta().billed_micro_usd(), Some(120));
    assert_eq!(reply.meta().frontier_would_have_cost_micro_usd(), Some(900));
}

const CHAT_SSE: &str = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"The\"}}]}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" parties\"},\"finish_reason\":\"stop\"}]}\n\n\
data: [DONE]\n\n";

#[tokio::test]
async fn chat_stream() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/chat/completions")
                .header("authorization", format!("Bearer {KEY}"))
                .header_prefix("user-agent", "pareta-rust/")
                .header("accept", "text/event-stream")
                .header_exists("idempotency-key")
                .json_body(json!({"model": "ep_1", "messages": [{"role": "user", "content": "hi"}], "stream": true}));
            sse(then, CHAT_SSE).header("x-pareta-billed", "7");
        })
        .await;
    let req = ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")]);
    let mut stream = client(&server.base_url()).chat().completions().create_stream(&req).await.unwrap();
    assert_eq!(stream.meta().request_id(), Some("req_sse"));
    assert_eq!(stream.meta().billed_micro_usd(), Some(7));
    let mut deltas = Vec::new();
    while let Some(chunk) = stream.next().await {
        deltas.push(chunk.unwrap().delta().map(str::to_owned));
    }
    assert_eq!(deltas, vec![None, Some("The".into()), Some(" parties".into())]);
    assert!(stream.next().await.is_none(), "a finished stream stays finished");
    mock.assert_async().await;

    let text = client(&server.base_url()).chat().completions().create_stream(&req).await.unwrap().collect_text();
    assert_eq!(text.await.unwrap(), "The parties");
}

const DEPLOY_SSE: &str = "event: progress\ndata: {\"stage\": \"pulling weights\", \"pct\": 45}\n\n\
event: progress\ndata: warming up\n\n\
event: complete\ndata: {\"endpoint\": {\"name\": \"ep_new\", \"status\": \"live\", \"taskName\": \"contract-key-fields\"}}\n\n";

fn deploy_mock(when: When, then: Then) {
    when.method(POST)
        .path("/v1/endpoints")
        .header("authorization", format!("Bearer {KEY}"))
        .header("accept", "text/event-stream")
        .header_exists("idempotency-key")
        .json_body(json!({"task": "contract-key-fields", "model": "qwen-1", "name": "x"}));
    sse(then, DEPLOY_SSE);
}

#[tokio::test]
async fn deploy_stream_events() {
    let server = MockServer::start_async().await;
    let mock = server.mock_async(deploy_mock).await;
    let req = DeployRequest::new("contract-key-fields").model("qwen-1").name("x");
    let stream = client(&server.base_url()).endpoints().deploy(&req).await.unwrap();
    let events: Vec<_> = stream.map(Result::unwrap).collect().await;
    mock.assert_async().await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].stage(), Some("pulling weights"));
    assert_eq!(events[0].pct(), Some(45.0));
    assert_eq!(events[1].data, json!("warming up"));
    assert!(events[2].is_complete());
}

#[tokio::test]
async fn deploy_wait() {
    let server = MockServer::start_async().await;
    let mock = server.mock_async(deploy_mock).await;
    let req = DeployRequest::new("contract-key-fields").model("qwen-1").name("x");
    let endpoint = client(&server.base_url()).endpoints().deploy(&req).await.unwrap().wait().await.unwrap();
    mock.assert_async().await;
    assert_eq!(endpoint.id, "ep_new");
    assert_eq!(endpoint.task.as_deref(), Some("contract-key-fields"));
    assert!(endpoint.is_live());
    assert_eq!(endpoint.meta().request_id(), Some("req_sse"));
}

#[tokio::test]
async fn endpoints_list() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/endpoints");
            ok_json(then, json!([{"id": "ep_1", "status": "live", "taskName": "t1"}, {"name": "ep_2", "task": "t2"}]));
        })
        .await;
    let eps = client(&server.base_url()).endpoints().list().await.unwrap();
    mock.assert_async().await;
    assert_eq!(eps.len(), 2);
    assert!(eps[0].is_live());
    assert_eq!(eps[1].id, "ep_2", "id falls back to name");
    assert_eq!(eps[1].task.as_deref(), Some("t2"));
}

#[tokio::test]
async fn endpoints_retrieve() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/endpoints/ep_1");
            ok_json(then, json!({"id": "ep_1", "status": "stopped", "model": "qwen-1", "custom": 1}));
        })
        .await;
    let ep = client(&server.base_url()).endpoints().retrieve("ep_1").await.unwrap();
    mock.assert_async().await;
    assert_eq!(ep.model.as_deref(), Some("qwen-1"));
    assert!(!ep.is_live());
    assert_eq!(ep.get("custom"), Some(&json!(1)), "unknown fields are kept");
}

async fn endpoint_action(action: &str) {
    let server = MockServer::start_async().await;
    let path = format!("/v1/endpoints/ep_1/{action}");
    let mock = server
        .mock_async(|when, then| {
            std_headers(when.method(POST).path(path.as_str())).header_exists("idempotency-key");
            ok_json(then, json!({"id": "ep_1", "status": action}));
        })
        .await;
    let pa = client(&server.base_url());
    let value = if action == "start" {
        pa.endpoints().start("ep_1").await.unwrap()
    } else {
        pa.endpoints().stop("ep_1").await.unwrap()
    };
    mock.assert_async().await;
    assert_eq!(value, json!({"id": "ep_1", "status": action}));
}

#[tokio::test]
async fn endpoints_start() {
    endpoint_action("start").await;
}

#[tokio::test]
async fn endpoints_stop() {
    endpoint_action("stop").await;
}

#[tokio::test]
async fn endpoints_delete() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            std_headers(when.method(DELETE).path("/v1/endpoints/ep_1")).header_missing("idempotency-key");
            then.status(204);
        })
        .await;
    client(&server.base_url()).endpoints().delete("ep_1").await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn endpoints_metrics_all_five() {
    let server = MockServer::start_async().await;
    let pa = client(&server.base_url());
    for kind in ["performance", "uptime", "cost", "quality", "activity"] {
        let path = format!("/v1/endpoints/ep_1/{kind}");
        let mock = server
            .mock_async(|when, then| {
                get(when, &path).query_param("window", "7d").query_param("bucket", "1 h");
                ok_json(then, json!({"kind": kind, "points": [1, 2]}));
            })
            .await;
        let metrics = pa.endpoints().metrics("ep_1");
        let params = [("window", "7d"), ("bucket", "1 h")];
        let value = match kind {
            "performance" => metrics.performance(&params).await,
            "uptime" => metrics.uptime(&params).await,
            "cost" => metrics.cost(&params).await,
            "quality" => metrics.quality(&params).await,
            _ => metrics.activity(&params).await,
        }
        .unwrap();
        mock.assert_async().await;
        assert_eq!(value["kind"], kind);
    }
}

#[tokio::test]
async fn tasks_list() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/tasks");
            ok_json(then, json!({"tasks": [{"id": "contract-key-fields", "has_blob_input": null}, {"id": "b"}]}));
        })
        .await;
    let tasks = client(&server.base_url()).tasks().list().await.unwrap();
    mock.assert_async().await;
    assert_eq!(tasks.len(), 2);
    assert!(!tasks[0].has_blob_input);
}

#[tokio::test]
async fn tasks_retrieve() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/tasks/contract-key-fields").query_param_missing("examples_n");
            ok_json(then, json!({"id": "contract-key-fields", "name": "Contract key fields", "has_blob_input": true}));
        })
        .await;
    let task = client(&server.base_url()).tasks().retrieve("contract-key-fields").await.unwrap();
    mock.assert_async().await;
    assert_eq!(task.name.as_deref(), Some("Contract key fields"));
    assert!(task.has_blob_input);
}

#[tokio::test]
async fn tasks_retrieve_with_examples() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/tasks/contract-key-fields").query_param("examples_n", "3");
            ok_json(then, json!({"id": "contract-key-fields", "examples": [{"a": 1}, {"a": 2}, {"a": 3}]}));
        })
        .await;
    let task = client(&server.base_url()).tasks().retrieve_with_examples("contract-key-fields", 3).await.unwrap();
    mock.assert_async().await;
    assert_eq!(task.examples.len(), 3);
}

fn match_body() -> serde_json::Value {
    json!({"query": "pull totals out of invoices", "matched": true,
           "chosen": {"task_id": "invoice-totals", "score": 0.91, "confidence": "high"},
           "candidates": [{"task_id": "invoice-totals", "score": 0.91}], "ambiguous": false, "matcher": "embed"})
}

#[tokio::test]
async fn tasks_match_intent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            post_json(when, "/v1/tasks/match", json!({"query": "pull totals out of invoices", "top_k": 5}));
            ok_json(then, match_body());
        })
        .await;
    let m = client(&server.base_url()).tasks().match_intent("pull totals out of invoices").await.unwrap();
    mock.assert_async().await;
    assert!(m.matched && !m.ambiguous);
    assert_eq!(m.chosen.unwrap().task_id, "invoice-totals");
}

#[tokio::test]
async fn tasks_match_intent_top_k() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            post_json(when, "/v1/tasks/match", json!({"query": "pull totals out of invoices", "top_k": 3}));
            ok_json(then, match_body());
        })
        .await;
    let m = client(&server.base_url()).tasks().match_intent_top_k("pull totals out of invoices", 3).await.unwrap();
    mock.assert_async().await;
    assert_eq!(m.candidates.len(), 1);
}

fn leaderboard_body() -> serde_json::Value {
    json!({"task_id": "t1", "metric": "f1", "cost_unit": "micro_usd", "recommended": "qwen-1",
           "models": [{"name": "qwen-1", "kind": "open", "quality": 0.9}, {"name": "llama-3", "quality": 0.8}],
           "frontier": {"name": "gpt-x", "kind": "frontier", "quality": 0.95}})
}

#[tokio::test]
async fn tasks_leaderboard() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/tasks/t1/leaderboard");
            ok_json(then, leaderboard_body());
        })
        .await;
    let lb = client(&server.base_url()).tasks().leaderboard("t1").await.unwrap();
    mock.assert_async().await;
    assert_eq!(lb.models.len(), 2);
    assert_eq!(lb.frontier.unwrap().name.as_deref(), Some("gpt-x"));
}

#[tokio::test]
async fn tasks_recommended() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/tasks/t1/leaderboard");
            ok_json(then, leaderboard_body());
        })
        .await;
    let rec = client(&server.base_url()).tasks().recommended("t1").await.unwrap();
    mock.assert_async().await;
    assert_eq!(rec.as_deref(), Some("qwen-1"));
}

fn frontier_body() -> serde_json::Value {
    json!({"frontier_models": [{"id": "gpt-x", "vendor": "openai", "benchmarked": true},
                               {"id": "claude-y", "vendor": "anthropic", "vision": true}]})
}

#[tokio::test]
async fn frontier_models_for_a_task() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/eval/frontier-models").query_param("task", "contract-key-fields");
            ok_json(then, frontier_body());
        })
        .await;
    let models = client(&server.base_url()).evals().frontier_models(Some("contract-key-fields")).await.unwrap();
    mock.assert_async().await;
    assert_eq!(models.len(), 2);
    assert!(models[0].benchmarked && !models[1].benchmarked && models[1].vision);
}

#[tokio::test]
async fn frontier_models_without_task() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/eval/frontier-models").query_param_missing("task");
            ok_json(then, frontier_body());
        })
        .await;
    let models = client(&server.base_url()).evals().frontier_models(None).await.unwrap();
    mock.assert_async().await;
    assert_eq!(models[1].id, "claude-y");
}

#[tokio::test]
async fn sets_create_multipart() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            std_headers(when.method(POST).path("/v1/eval-sets"))
                .header_exists("idempotency-key")
                .header_prefix("content-type", "multipart/form-data; boundary=")
                .body_includes("Content-Disposition: form-data; name=\"task_id\"\r\n\r\ncontract-key-fields\r\n")
                .body_includes("Content-Disposition: form-data; name=\"name\"\r\n\r\nv1\r\n")
                .body_includes(
                    "Content-Disposition: form-data; name=\"items\"; filename=\"items.contract-key-fields.jsonl\"\r\n\
                     Content-Type: application/jsonl\r\n\r\n{\"n\":1,\"text\":\"a\"}\n{\"n\":2,\"text\":\"b\"}\r\n",
                )
                .is_true(|req: &HttpMockRequest| {
                    // The boundary of the header closes the body.
                    let ct = req.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
                    let boundary = ct.split("boundary=").nth(1).unwrap().to_owned();
                    req.body_string().ends_with(&format!("--{boundary}--\r\n"))
                });
            ok_json(
                then,
                json!({"eval_set": {"id": "es_1", "task_id": "contract-key-fields", "name": "v1", "item_count": 2}}),
            );
        })
        .await;
    let rows = vec![json!({"text": "a", "n": 1}), json!({"text": "b", "n": 2})];
    let set = client(&server.base_url())
        .evals()
        .sets()
        .create(&EvalSetCreate::new("contract-key-fields", rows).name("v1"))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(set.id, "es_1");
    assert_eq!(set.item_count, Some(2));
}

#[tokio::test]
async fn sets_create_default_name() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/eval-sets").body_includes("name=\"name\"\r\n\r\nsdk eval set (1 items)\r\n");
            ok_json(then, json!({"eval_set": {"id": "es_2"}}));
        })
        .await;
    let set = client(&server.base_url()).evals().sets().create(&EvalSetCreate::new("t", vec![json!({"a": 1})])).await;
    mock.assert_async().await;
    assert_eq!(set.unwrap().id, "es_2");
}

#[tokio::test]
async fn sets_list() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/eval-sets");
            ok_json(then, json!({"eval_sets": [{"id": "es_1"}, {"id": "es_2"}]}));
        })
        .await;
    let sets = client(&server.base_url()).evals().sets().list().await.unwrap();
    mock.assert_async().await;
    assert_eq!(sets.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), ["es_1", "es_2"]);
}

#[tokio::test]
async fn sets_retrieve() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/eval-sets/es_1");
            ok_json(then, json!({"eval_set": {"id": "es_1", "task_id": "t1", "scoring_strategy": "exact"}}));
        })
        .await;
    let set = client(&server.base_url()).evals().sets().retrieve("es_1").await.unwrap();
    mock.assert_async().await;
    assert_eq!(set.task_id.as_deref(), Some("t1"));
}

#[tokio::test]
async fn sets_delete() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            std_headers(when.method(DELETE).path("/v1/eval-sets/es_1"));
            then.status(200);
        })
        .await;
    client(&server.base_url()).evals().sets().delete("es_1").await.unwrap();
    mock.assert_async().await;
}

fn temp_file(name: &str, len: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pareta-async-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn upload_document_small_attach_blob() {
    let path = temp_file("invoice.pdf", 3000);
    let expected: Vec<u8> = std::fs::read(&path).unwrap();
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(move |when, then| {
            std_headers(when.method(POST).path("/v1/eval-sets/es_1/attach-blob"))
                .header_exists("idempotency-key")
                .header_prefix("content-type", "multipart/form-data; boundary=")
                .body_includes("name=\"idx\"\r\n\r\n4\r\n")
                .body_includes("name=\"field_name\"\r\n\r\ndocument\r\n")
                .body_includes("name=\"mime\"\r\n\r\napplication/pdf\r\n")
                .body_includes("name=\"file\"; filename=\"invoice.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
                .is_true(move |req: &HttpMockRequest| {
                    req.body_ref().windows(expected.len()).any(|w| w == expected.as_slice())
                });
            ok_json(then, json!({"ok": true, "idx": 4}));
        })
        .await;
    let req = UploadDocument::new("es_1", 4, "document", Document::path(&path)).mime("application/pdf");
    let value = client(&server.base_url()).evals().sets().upload_document(&req).await.unwrap();
    mock.assert_async().await;
    assert_eq!(value, json!({"ok": true, "idx": 4}));
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn upload_document_missing_file_is_a_file_error() {
    let req = UploadDocument::new("es_1", 0, "document", Document::path("/nonexistent/pareta/x.pdf"));
    let err = client("http://127.0.0.1:9").evals().sets().upload_document(&req).await.unwrap_err();
    assert!(matches!(err, pareta_async::Error::File { .. }), "{err:?}");
}

#[tokio::test]
async fn upload_document_large_signed_url() {
    let len = 5 * 1024 * 1024 + 17;
    let path = temp_file("scan.tiff", len);
    let api = MockServer::start_async().await;
    let storage = MockServer::start_async().await;
    let upload_url = storage.url("/bucket/obj?sig=abc");
    let step1 = api
        .mock_async(|when, then| {
            post_json(
                when,
                "/v1/eval-sets/es_1/blob-upload-url",
                json!({"idx": 0, "field_name": "document", "mime": "image/tiff", "file_size": len}),
            );
            ok_json(then, json!({"upload_url": upload_url, "storage_uri": "gs://bucket/obj"}));
        })
        .await;
    let put = storage
        .mock_async(move |when, then| {
            when.method(PUT)
                .path("/bucket/obj")
                .query_param("sig", "abc")
                .header_missing("authorization")
                .header("content-type", "image/tiff")
                .header("content-length", len.to_string())
                .is_true(move |req: &HttpMockRequest| {
                    let body = req.body_ref();
                    body.len() == len && body.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8)
                });
            then.status(201);
        })
        .await;
    let step3 = api
        .mock_async(|when, then| {
            post_json(
                when,
                "/v1/eval-sets/es_1/blob-upload-complete",
                json!({"idx": 0, "field_name": "document", "storage_uri": "gs://bucket/obj", "mime": "image/tiff"}),
            );
            ok_json(then, json!({"attached": true}));
        })
        .await;
    let req = UploadDocument::new("es_1", 0, "document", Document::path(&path));
    let value = client(&api.base_url()).evals().sets().upload_document(&req).await.unwrap();
    step1.assert_async().await;
    put.assert_async().await;
    step3.assert_async().await;
    assert_eq!(value, json!({"attached": true}));
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn runs_create_on_set() {
    let server = MockServer::start_async().await;
    let frontier = server
        .mock_async(|when, then| {
            get(when, "/v1/eval/frontier-models").query_param("task", "t1");
            ok_json(then, frontier_body());
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            post_json(
                when,
                "/v1/eval-runs",
                json!({"eval_set_id": "es_1", "candidate_model_ids": ["qwen-1", "gpt-x"]}),
            );
            ok_json(then, json!({"run_id": "run_1", "status": "queued"}));
        })
        .await;
    let req = EvalRunCreate::on_set("es_1", ["qwen-1"]).task("t1").frontier(Frontier::Benchmarked);
    let run = client(&server.base_url()).evals().runs().create(&req).await.unwrap();
    frontier.assert_async().await;
    create.assert_async().await;
    assert_eq!(run.id, "run_1");
    assert_eq!(run.status.as_deref(), Some("queued"));
}

fn run_body(status: &str) -> serde_json::Value {
    json!({"run": {"id": "run_1", "eval_set_id": "es_1", "status": status, "candidate_model_ids": ["qwen-1"],
                   "error_detail": null, "total_cost_micro_usd": 123456},
           "results": [{"model_id": "qwen-1", "kind": "open", "quality_mean": 0.8}]})
}

#[tokio::test]
async fn runs_retrieve() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            get(when, "/v1/eval-runs/run_1");
            ok_json(then, run_body("completed"));
        })
        .await;
    let run = client(&server.base_url()).evals().runs().retrieve("run_1").await.unwrap();
    mock.assert_async().await;
    assert!(run.is_terminal());
    assert_eq!(run.cost_micro_usd, 123456);
    assert_eq!(run.cost().to_string(), "0.12");
    assert_eq!(run.candidate_models, ["qwen-1"]);
    assert_eq!(run.results.len(), 1);
}

#[tokio::test]
async fn runs_wait_polls_until_terminal() {
    let server = MockServer::start_async().await;
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&polls);
    let mock = server
        .mock_async(move |when, then| {
            get(when, "/v1/eval-runs/run_1");
            then.respond_with(move |_req: &HttpMockRequest| {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let status = if n < 2 { "running" } else { "completed" };
                httpmock::HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(run_body(status).to_string())
                    .build()
            });
        })
        .await;
    let options = WaitOptions::default().poll_interval(Duration::from_millis(20)).timeout(Duration::from_secs(10));
    let run = client(&server.base_url()).evals().runs().wait("run_1", options).await.unwrap();
    assert_eq!(run.status.as_deref(), Some("completed"));
    assert_eq!(polls.load(Ordering::SeqCst), 3);
    mock.assert_calls_async(3).await;
}

#[tokio::test]
async fn runs_create_inline_and_wait() {
    let server = MockServer::start_async().await;
    let set = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/eval-sets").body_includes("items.t1.jsonl");
            ok_json(then, json!({"eval_set": {"id": "es_9", "task_id": "t1"}}));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            post_json(when, "/v1/eval-runs", json!({"eval_set_id": "es_9", "candidate_model_ids": ["qwen-1"]}));
            ok_json(then, json!({"run_id": "run_1", "status": "queued"}));
        })
        .await;
    let poll = server
        .mock_async(|when, then| {
            get(when, "/v1/eval-runs/run_1");
            ok_json(then, run_body("completed"));
        })
        .await;
    let req = EvalRunCreate::inline("t1", vec![json!({"q": 1})], ["qwen-1"])
        .frontier(Frontier::None)
        .wait(WaitOptions::default().poll_interval(Duration::from_millis(10)));
    let run = client(&server.base_url()).evals().runs().create(&req).await.unwrap();
    set.assert_async().await;
    create.assert_async().await;
    poll.assert_async().await;
    assert!(run.is_terminal());
    assert_eq!(run.eval_set_id.as_deref(), Some("es_1"));
}
