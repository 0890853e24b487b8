//! Endpoint state machine (deploy stream, start/stop/delete, metrics) and
//! chat completions.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use common::*;
use pareta_mock::{MockConfig, MockServer};
use serde_json::{Value, json};

fn deploy(server: &MockServer, body: &Value) -> Resp {
    post_json_with(server, "/v1/endpoints", body, &[("Accept", "text/event-stream")])
}

#[test]
fn deploy_streams_progress_then_goes_live() {
    let server = MockServer::start();
    let resp = deploy(&server, &json!({"task": "contract-key-fields", "model": "recommended"}));
    assert_eq!(resp.status, 200);
    assert!(resp.header("content-type").unwrap().starts_with("text/event-stream"));
    let events = parse_sse(&resp.body);
    assert!(events.len() >= 4, "{events:?}");
    let (last, progress) = events.split_last().unwrap();
    assert!(progress.iter().all(|e| e.event.as_deref() == Some("progress")));
    let stages: Vec<String> = progress
        .iter()
        .map(|e| {
            let d: Value = serde_json::from_str(&e.data).unwrap();
            assert!(d["pct"].is_u64());
            d["stage"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(stages[0], "queued");
    assert!(stages.contains(&"pulling weights".to_owned()));
    assert_eq!(last.event.as_deref(), Some("complete"));
    let ep = serde_json::from_str::<Value>(&last.data).unwrap()["endpoint"].clone();
    // Deployed endpoints come in the modern form (`id`, `name`, `task`).
    let name = ep["name"].as_str().unwrap().to_owned();
    assert!(name.starts_with("ep_"));
    assert_eq!(ep["id"], name.as_str());
    assert_eq!(ep["task"], "contract-key-fields");
    assert!(ep.get("taskName").is_none());
    assert_eq!(ep["model"], "contract-1");
    assert_eq!(ep["status"], "live");
    assert_eq!(ep["url"], format!("{}/v1/endpoints/{name}/infer", server.base_url()));

    let listed = get(&server, "/v1/endpoints").json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|e| e["name"] == name.as_str() && e["status"] == "live"));
    assert_eq!(get(&server, &format!("/v1/endpoints/{name}")).json(), ep);
    let models = get(&server, "/v1/models").json();
    assert!(models["data"].as_array().unwrap().iter().any(|m| m["id"] == name.as_str()));
}

#[test]
fn deploy_is_starting_while_streaming() {
    let server =
        MockServer::start_with(MockConfig { deploy_step_delay: Duration::from_millis(150), ..MockConfig::default() });
    let body = serde_json::to_vec(&json!({"task": "ticket-triage", "name": "my-triage"})).unwrap();
    let mut resp = send_raw(
        "POST",
        &format!("{}/v1/endpoints", server.base_url()),
        &[("Authorization", AUTH), ("Content-Type", "application/json")],
        Some(body),
    )
    .unwrap();
    let mut reader = BufReader::new(resp.body_mut().as_reader());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "event: progress\n");
    let ep = get(&server, "/v1/endpoints/my-triage").json();
    assert_eq!(ep["status"], "starting");
    assert_eq!(ep["model"], "triage-1");
    let chat = post_json(
        &server,
        "/v1/chat/completions",
        &json!({"model": "my-triage", "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(chat.status, 503);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    assert!(rest.contains("event: complete"));
    assert_eq!(get(&server, "/v1/endpoints/my-triage").json()["status"], "live");
}

#[test]
fn deploy_validation() {
    let server = MockServer::start();
    // The spec's deploy table: an unknown task is a BadRequestError (400).
    let resp = deploy(&server, &json!({"task": "nope"}));
    assert_eq!(resp.status, 400);
    assert!(resp.header("content-type").unwrap().starts_with("application/json"));
    assert!(resp.detail().contains("nope"));
    let resp = deploy(&server, &json!({"task": "contract-key-fields", "model": "triage-1"}));
    assert_eq!(resp.status, 422);
    assert!(resp.detail().contains("triage-1"));
    assert_eq!(deploy(&server, &json!({"task": "contract-key-fields", "model": "gpt-4o"})).status, 422);
    assert_eq!(deploy(&server, &json!({"model": "contract-1"})).status, 422);
    assert_eq!(deploy(&server, &json!({"task": "contract-key-fields", "name": "ep_contract_kie"})).status, 409);
    // An explicit alias and extra fields pass through.
    let resp = deploy(
        &server,
        &json!({"task": "contract-key-fields", "model": "qwen-1", "region": "eu", "cost_per_request_micro_usd": 111}),
    );
    let done = parse_sse(&resp.body).pop().unwrap();
    let ep = serde_json::from_str::<Value>(&done.data).unwrap()["endpoint"].clone();
    assert_eq!(ep["model"], "qwen-1");
    assert_eq!(ep["region"], "eu");
}

#[test]
fn start_stop_delete() {
    let server = MockServer::start();
    let stop = post_json(&server, "/v1/endpoints/ep_contract_kie/stop", &json!({}));
    assert_eq!(stop.status, 200);
    assert_eq!(stop.json()["status"], "stopped");
    assert_eq!(stop.json()["id"], "ep_contract_kie");
    assert_eq!(get(&server, "/v1/endpoints/ep_contract_kie").json()["status"], "stopped");
    let chat = post_json(
        &server,
        "/v1/chat/completions",
        &json!({"model": "ep_contract_kie", "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(chat.status, 503);
    assert_eq!(chat.detail(), "endpoint ep_contract_kie is stopped");

    // Start, then poll `retrieve(id).is_live` before sending traffic: a call
    // while it is starting is a cold-start 503.
    let start = post_json(&server, "/v1/endpoints/ep_contract_kie/start", &json!({}));
    assert_eq!(start.json()["status"], "starting");
    assert_eq!(start.json()["previous_status"], "stopped");
    let chat = post_json(
        &server,
        "/v1/chat/completions",
        &json!({"model": "ep_contract_kie", "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(chat.status, 503);
    assert!(chat.detail().contains("starting"), "{}", chat.detail());
    assert_eq!(get(&server, "/v1/endpoints/ep_contract_kie").json()["status"], "starting");
    assert_eq!(get(&server, "/v1/endpoints/ep_contract_kie").json()["status"], "live");
    // Starting a live endpoint leaves it live.
    assert_eq!(post_json(&server, "/v1/endpoints/ep_contract_kie/start", &json!({})).json()["status"], "live");

    let del = delete(&server, "/v1/endpoints/ep_contract_kie");
    assert_eq!(del.status, 204);
    assert_eq!(del.body, "");
    assert_eq!(get(&server, "/v1/endpoints/ep_contract_kie").status, 404);
    assert_eq!(get(&server, "/v1/endpoints").json(), json!([]));
    assert_eq!(delete(&server, "/v1/endpoints/ep_contract_kie").status, 404);
    assert_eq!(post_json(&server, "/v1/endpoints/nope/start", &json!({})).status, 404);
    assert_eq!(post_json(&server, "/v1/endpoints/nope/stop", &json!({})).status, 404);
}

#[test]
fn percent_encoded_ids_round_trip() {
    let server = MockServer::start();
    let resp = deploy(&server, &json!({"task": "ticket-triage", "name": "team/a b"}));
    assert!(resp.body.contains("event: complete"));
    let ep = get(&server, "/v1/endpoints/team%2Fa%20b").json();
    assert_eq!(ep["name"], "team/a b");
    assert!(ep["url"].as_str().unwrap().ends_with("/v1/endpoints/team%2Fa%20b/infer"));
}

#[test]
fn metrics_echo_query_params() {
    let server = MockServer::start();
    for metric in ["performance", "uptime", "cost", "quality", "activity"] {
        let m = get(&server, &format!("/v1/endpoints/ep_contract_kie/{metric}")).json();
        assert_eq!(m["endpoint_id"], "ep_contract_kie", "{metric}");
        assert_eq!(m["window"], "24h");
        let m = get(&server, &format!("/v1/endpoints/ep_contract_kie/{metric}?window=7d&granularity=1h")).json();
        assert_eq!(m["window"], "7d");
        assert_eq!(m["params"], json!({"window": "7d", "granularity": "1h"}));
        assert_eq!(get(&server, &format!("/v1/endpoints/nope/{metric}")).status, 404);
    }
    let perf = get(&server, "/v1/endpoints/ep_contract_kie/performance").json();
    assert!(perf["p50_ms"].as_u64().unwrap() <= perf["p95_ms"].as_u64().unwrap());
}

#[test]
fn chat_completion() {
    let server = MockServer::start();
    let resp = post_json(
        &server,
        "/v1/chat/completions",
        &json!({"model": "ep_contract_kie", "temperature": 0.0,
                "messages": [{"role": "system", "content": "be terse"},
                             {"role": "user", "content": "Extract the parties."}]}),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("x-pareta-billed"), Some("420"));
    assert_eq!(resp.header("x-pareta-frontier-would-have-cost"), Some("9000"));
    let c = resp.json();
    assert_eq!(c["object"], "chat.completion");
    assert!(c["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(c["model"], "ep_contract_kie");
    assert_eq!(c["choices"][0]["index"], 0);
    assert_eq!(c["choices"][0]["message"]["role"], "assistant");
    assert_eq!(c["choices"][0]["message"]["content"], "echo: Extract the parties.");
    assert_eq!(c["choices"][0]["finish_reason"], "stop");
    let u = &c["usage"];
    assert_eq!(
        u["total_tokens"].as_u64().unwrap(),
        u["prompt_tokens"].as_u64().unwrap() + u["completion_tokens"].as_u64().unwrap()
    );

    let cut = post_json(
        &server,
        "/v1/chat/completions",
        &json!({"model": "ep_contract_kie", "max_tokens": 2,
                "messages": [{"role": "user", "content": "one two three"}]}),
    )
    .json();
    assert_eq!(cut["choices"][0]["message"]["content"], "echo: one");

    let infer = post_json(
        &server,
        "/v1/endpoints/ep_contract_kie/infer",
        &json!({"messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(infer.json()["choices"][0]["message"]["content"], "echo: hi");

    let unknown = post_json(
        &server,
        "/v1/chat/completions",
        &json!({"model": "ep_nope", "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(unknown.status, 404);
    let empty = post_json(&server, "/v1/chat/completions", &json!({"model": "ep_contract_kie", "messages": []}));
    assert_eq!(empty.status, 422);
    let garbage = send(
        "POST",
        &format!("{}/v1/chat/completions", server.base_url()),
        &[("Authorization", AUTH)],
        Some(b"{not json".to_vec()),
    );
    assert_eq!(garbage.status, 422);
}

#[test]
fn chat_stream() {
    let server = MockServer::start();
    let resp = post_json(
        &server,
        "/v1/chat/completions",
        &json!({"model": "ep_contract_kie", "stream": true,
                "messages": [{"role": "user", "content": "Summarize the contract."}]}),
    );
    assert_eq!(resp.status, 200);
    assert!(resp.header("content-type").unwrap().starts_with("text/event-stream"));
    assert_eq!(resp.header("x-pareta-billed"), Some("420"));
    let events = parse_sse(&resp.body);
    assert!(events.iter().all(|e| e.event.is_none()), "data-only stream");
    assert_eq!(events.last().unwrap().data, "[DONE]");
    let chunks: Vec<Value> =
        events[..events.len() - 1].iter().map(|e| serde_json::from_str(&e.data).unwrap()).collect();
    assert_eq!(chunks[0]["choices"][0]["delta"], json!({"role": "assistant"}));
    assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk"));
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["choices"][0]["delta"], json!({}));
    let text: String = chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect();
    assert_eq!(text, "echo: Summarize the contract.");
    assert_eq!(chunks.len(), 1 + 4 + 1);
}

#[test]
fn chat_stream_is_flushed_chunk_by_chunk() {
    let server =
        MockServer::start_with(MockConfig { chunk_delay: Duration::from_millis(100), ..MockConfig::default() });
    let body = serde_json::to_vec(&json!({"model": "ep_contract_kie", "stream": true,
        "messages": [{"role": "user", "content": "a b c d"}]}))
    .unwrap();
    let started = Instant::now();
    let mut resp = send_raw(
        "POST",
        &format!("{}/v1/chat/completions", server.base_url()),
        &[("Authorization", AUTH), ("Content-Type", "application/json")],
        Some(body),
    )
    .unwrap();
    let mut reader = BufReader::new(resp.body_mut().as_reader());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let first_at = started.elapsed();
    assert!(first.starts_with("data: {"), "{first}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    let total = started.elapsed();
    assert!(rest.trim_end().ends_with("data: [DONE]"));
    // 8 events, 100 ms apart: the first arrives long before the last.
    assert!(total >= Duration::from_millis(600), "{total:?}");
    assert!(first_at + Duration::from_millis(400) < total, "{first_at:?} vs {total:?}");
}
