//! The mock against the spec's tables: the status each route's error table
//! names, the statuses the platform sends on its own (402 balance, 403
//! permission, 429 rate limit), real model ids on deploy, both endpoint
//! record forms, the metric keys of 002, and quirks mode (checked on the raw
//! JSON, not through SDK types).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use pareta_mock::{EndpointForm, MockConfig, MockServer, RateLimit};
use serde_json::{Value, json};

fn deploy(server: &MockServer, body: &Value) -> Resp {
    post_json_with(server, "/v1/endpoints", body, &[("Accept", "text/event-stream")])
}

fn chat(server: &MockServer, model: &str) -> Resp {
    post_json(server, "/v1/chat/completions", &json!({"model": model, "messages": [{"role": "user", "content": "hi"}]}))
}

fn with_key(server: &MockServer, method: &str, path: &str, key: &str, body: Option<&Value>) -> Resp {
    let auth = format!("Bearer {key}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    send(method, &format!("{}{path}", server.base_url()), &headers, body.map(|b| serde_json::to_vec(b).unwrap()))
}

/// 000 "Status codes" and the per-route tables of 002: each status a route's
/// table names, produced by the mock without any injected fault.
#[test]
fn every_route_answers_the_status_its_table_names() {
    let server = MockServer::start_with(MockConfig { balance_micro_usd: Some(420), ..MockConfig::default() });
    let cases: Vec<(Resp, u16, &str)> = vec![
        // 401: missing or invalid key, on any route.
        (send("GET", &format!("{}/v1/models", server.base_url()), &[], None), 401, "no key"),
        (with_key(&server, "GET", "/v1/tasks", "sk_wrong", None), 401, "bad key"),
        // Deploy table (002 "Errors you will hit here"): unknown task 400/422, unknown endpoint 404, 409.
        (deploy(&server, &json!({"task": "no-such-task"})), 400, "deploy unknown task"),
        (deploy(&server, &json!({"task": "contract-key-fields", "model": "triage-1"})), 422, "deploy bad model"),
        (deploy(&server, &json!({"task": "contract-key-fields", "name": "ep_contract_kie"})), 409, "deploy name taken"),
        (get(&server, "/v1/endpoints/nope"), 404, "retrieve unknown endpoint"),
        (post_json(&server, "/v1/endpoints/nope/start", &json!({})), 404, "start unknown"),
        (post_json(&server, "/v1/endpoints/nope/stop", &json!({})), 404, "stop unknown"),
        (delete(&server, "/v1/endpoints/nope"), 404, "delete unknown"),
        (get(&server, "/v1/endpoints/nope/cost"), 404, "metrics unknown"),
        // Chat table (002 reference/chat "Errors"): 422 malformed, 404 not callable, 402, 403, 503.
        (post_json(&server, "/v1/chat/completions", &json!({"model": "ep_contract_kie"})), 422, "chat no messages"),
        (chat(&server, "no-such-endpoint"), 404, "chat unknown model"),
        (chat(&server, "ep_contract_kie"), 200, "chat within balance"),
        (chat(&server, "ep_contract_kie"), 402, "chat balance spent"),
        (
            with_key(&server, "POST", "/v1/chat/completions", "pareta_sk_ro_viewer", Some(&json!({"model": "x"}))),
            403,
            "chat with a read-only key",
        ),
        // Tasks and evals: unknown ids are 404; validation is 422.
        (get(&server, "/v1/tasks/nope"), 404, "task unknown"),
        (get(&server, "/v1/tasks/nope/leaderboard"), 404, "leaderboard unknown"),
        (post_json(&server, "/v1/tasks/match", &json!({"query": ""})), 422, "match empty query"),
        (get(&server, "/v1/eval/frontier-models?task=nope"), 404, "frontier unknown task"),
        (get(&server, "/v1/eval-sets/nope"), 404, "set unknown"),
        (delete(&server, "/v1/eval-sets/nope"), 404, "set delete unknown"),
        (get(&server, "/v1/eval-runs/nope"), 404, "run unknown"),
        (
            post_json(&server, "/v1/eval-runs", &json!({"eval_set_id": "nope", "candidate_model_ids": ["a"]})),
            404,
            "run on unknown set",
        ),
        (post_json(&server, "/v1/eval-runs", &json!({"eval_set_id": "x"})), 422, "run without candidates"),
    ];
    for (resp, status, what) in cases {
        assert_eq!(resp.status, status, "{what}: {}", resp.body);
        if status >= 400 {
            assert!(!resp.detail().is_empty(), "{what}: FastAPI-style detail expected: {}", resp.body);
            assert!(resp.header("x-request-id").is_some(), "{what}");
        }
    }
    // 503 for a stopped endpoint.
    server.set_balance(None);
    post_json(&server, "/v1/endpoints/ep_contract_kie/stop", &json!({}));
    assert_eq!(chat(&server, "ep_contract_kie").status, 503);
}

#[test]
fn the_balance_is_debited_and_402_comes_once_it_is_spent() {
    let server = MockServer::start_with(MockConfig { balance_micro_usd: Some(1_000), ..MockConfig::default() });
    // ep_contract_kie costs 420 micro-USD per completion.
    assert_eq!(chat(&server, "ep_contract_kie").status, 200);
    assert_eq!(server.balance(), Some(580));
    assert_eq!(chat(&server, "ep_contract_kie").status, 200);
    let refused = chat(&server, "ep_contract_kie");
    assert_eq!(refused.status, 402);
    assert!(refused.detail().contains("Insufficient credits"), "{}", refused.detail());
    assert_eq!(server.balance(), Some(160), "a refused call debits nothing");

    // Eval runs are debited up front; one the balance cannot cover is a 402 before any work.
    let set = create_eval_set(&server, "contract-key-fields", "s", &[json!({"input": "a"}), json!({"input": "b"})]);
    let run = post_json(&server, "/v1/eval-runs", &json!({"eval_set_id": set, "candidate_model_ids": ["contract-1"]}));
    assert_eq!(run.status, 402, "{}", run.body);
    assert!(get(&server, "/v1/eval-runs/run_1").status == 404, "no run was created");
    server.set_balance(Some(10_000_000));
    let run = post_json(&server, "/v1/eval-runs", &json!({"eval_set_id": set, "candidate_model_ids": ["contract-1"]}));
    assert_eq!(run.status, 200);
    let billed: u64 = run.header("x-pareta-billed").unwrap().parse().unwrap();
    assert_eq!(server.balance(), Some(10_000_000 - billed), "the receipt matches the debit");
    // An idempotent replay is not billed again.
    server.set_balance(Some(420));
    let key = [("Idempotency-Key", "k-1")];
    let body = json!({"model": "ep_contract_kie", "messages": [{"role": "user", "content": "hi"}]});
    assert_eq!(post_json_with(&server, "/v1/chat/completions", &body, &key).status, 200);
    assert_eq!(post_json_with(&server, "/v1/chat/completions", &body, &key).status, 200);
    assert_eq!(server.balance(), Some(0));
}

#[test]
fn the_rate_limit_answers_429_with_retry_after() {
    let server = MockServer::start_with(MockConfig {
        rate_limit: Some(RateLimit::new(2, Duration::from_millis(400))),
        ..MockConfig::default()
    });
    assert_eq!(get(&server, "/v1/models").status, 200);
    assert_eq!(get(&server, "/v1/tasks").status, 200);
    let limited = get(&server, "/v1/models");
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("1"), "whole seconds, rounded up");
    let ms: u64 = limited.header("retry-after-ms").unwrap().parse().unwrap();
    assert!((1..=400).contains(&ms), "{ms}");
    // Control routes are not limited.
    assert_eq!(get(&server, "/__mock/requests").status, 200);
    std::thread::sleep(Duration::from_millis(ms + 20));
    assert_eq!(get(&server, "/v1/models").status, 200, "a new window");
    server.set_rate_limit(None);
    for _ in 0..5 {
        assert_eq!(get(&server, "/v1/models").status, 200);
    }
}

#[test]
fn a_read_only_key_reads_but_cannot_change_or_call() {
    let server = MockServer::start();
    let key = "pareta_sk_ro_dashboard";
    assert_eq!(with_key(&server, "GET", "/v1/endpoints", key, None).status, 200);
    assert_eq!(with_key(&server, "GET", "/v1/tasks/contract-key-fields", key, None).status, 200);
    let stop = with_key(&server, "POST", "/v1/endpoints/ep_contract_kie/stop", key, Some(&json!({})));
    assert_eq!(stop.status, 403);
    assert!(stop.detail().contains("read-only"));
    assert_eq!(with_key(&server, "DELETE", "/v1/endpoints/ep_contract_kie", key, None).status, 403);
    assert_eq!(get(&server, "/v1/endpoints/ep_contract_kie").json()["status"], "live", "nothing changed");
}

#[test]
fn deploy_accepts_real_ids_and_masks_them_back_to_the_alias() {
    let server = MockServer::start();
    let resp = deploy(&server, &json!({"task": "contract-key-fields", "model": "Qwen/Qwen2.5-7B-Instruct"}));
    let done = parse_sse(&resp.body).pop().unwrap();
    assert_eq!(done.event.as_deref(), Some("complete"), "{}", resp.body);
    let ep = serde_json::from_str::<Value>(&done.data).unwrap()["endpoint"].clone();
    assert_eq!(ep["model"], "qwen-1");
    assert!(!resp.body.contains("Qwen/"), "the real id never crosses back");
    // A real id of a model that is not on the task's board is still refused.
    let other = deploy(&server, &json!({"task": "contract-key-fields", "model": "microsoft/Phi-3.5-mini-instruct"}));
    assert_eq!(other.status, 422);
}

#[test]
fn endpoint_records_come_in_both_forms() {
    let server = MockServer::start();
    let legacy = get(&server, "/v1/endpoints/ep_contract_kie").json();
    assert!(legacy.get("id").is_none() && legacy.get("task").is_none(), "{legacy}");
    assert_eq!(legacy["name"], "ep_contract_kie");
    assert_eq!(legacy["taskName"], "contract-key-fields");
    deploy(&server, &json!({"task": "ticket-triage", "name": "triage-prod"}));
    let modern = get(&server, "/v1/endpoints/triage-prod").json();
    assert_eq!(modern["id"], "triage-prod");
    assert_eq!(modern["task"], "ticket-triage");
    assert!(modern.get("taskName").is_none(), "{modern}");

    for (form, has_id) in [(EndpointForm::Legacy, false), (EndpointForm::Modern, true)] {
        let server = MockServer::start_with(MockConfig { endpoint_form: form, ..MockConfig::default() });
        deploy(&server, &json!({"task": "ticket-triage", "name": "t"}));
        for ep in get(&server, "/v1/endpoints").json().as_array().unwrap() {
            assert_eq!(ep.get("id").is_some(), has_id, "{form:?}: {ep}");
            assert_eq!(ep.get("taskName").is_none(), has_id, "{form:?}: {ep}");
        }
    }
}

#[test]
fn metric_payloads_use_the_keys_of_the_spec_examples() {
    let server = MockServer::start();
    chat(&server, "ep_contract_kie");
    let cost = get(&server, "/v1/endpoints/ep_contract_kie/cost?window=7d").json();
    // 002 "Cost and the vs-frontier savings framing".
    assert_eq!(cost["total_micro_usd"], 420);
    assert_eq!(cost["frontier_baseline_micro_usd"], 9000);
    assert_eq!(cost["savings_micro_usd"], 9000 - 420);
    // 002 "Quality monitoring (judge windows)".
    let quality = get(&server, "/v1/endpoints/ep_contract_kie/quality").json();
    assert!(quality["quality_mean"].is_f64(), "{quality}");
    assert!(quality["judge_windows"].is_array());
}

#[test]
fn quirks_mode_sends_nulls_integral_floats_and_empty_envelopes() {
    let server = MockServer::start_with(MockConfig { quirks: true, ..MockConfig::default() });
    assert_eq!(get(&server, "/v1/tasks").body, "{}");
    assert_eq!(get(&server, "/v1/eval-sets").json(), json!({"eval_sets": null}));
    let lb = get(&server, "/v1/tasks/contract-key-fields/leaderboard").body;
    assert!(lb.contains("\"context_k\":32.0") && lb.contains("\"cost_per_request_micro_usd\":420.0"), "{lb}");
    let roster = get(&server, "/v1/eval/frontier-models").body;
    assert!(roster.contains("\"context_k\":128.0"), "{roster}");
    let task = get(&server, "/v1/tasks/contract-key-fields?examples_n=0").json();
    assert_eq!(task["examples"], Value::Null, "an empty list reads as null");
    let reply = chat(&server, "ep_contract_kie").json();
    assert_eq!(reply["usage"], Value::Null);
    assert!(reply["created"].is_f64());

    let set = create_eval_set(&server, "contract-key-fields", "s", &[json!({"input": "a"})]);
    let run = post_json(&server, "/v1/eval-runs", &json!({"eval_set_id": set, "candidate_model_ids": ["contract-1"]}));
    let run_id = run.json()["run_id"].as_str().unwrap().to_owned();
    let first = get(&server, &format!("/v1/eval-runs/{run_id}")).json();
    assert_eq!(first["results"], Value::Null, "no results yet: null, not []");
    let done = loop {
        let r = get(&server, &format!("/v1/eval-runs/{run_id}"));
        if r.json()["run"]["status"] == "completed" {
            break r.body;
        }
    };
    assert!(regex_like_float(&done, "total_cost_micro_usd"), "{done}");
    assert!(regex_like_float(&done, "mean_cost_micro_usd"), "{done}");
    // Errors and streams are left alone.
    assert_eq!(get(&server, "/v1/tasks/nope").json()["detail"], "task 'nope' not found");
    // The library switch turns it off again.
    server.set_quirks(false);
    assert!(get(&server, "/v1/tasks").json()["tasks"].is_array());
}

/// True when `key` holds a number written with a `.0`.
fn regex_like_float(body: &str, key: &str) -> bool {
    let needle = format!("\"{key}\":");
    body.match_indices(&needle).any(|(i, _)| {
        let rest = &body[i + needle.len()..];
        let num: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        num.ends_with(".0")
    })
}
