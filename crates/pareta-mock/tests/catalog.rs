//! The seeded catalog: tasks, matcher, leaderboards, frontier roster, models.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pareta_mock::MockServer;
use serde_json::{Value, json};

#[test]
fn tasks_list_and_retrieve() {
    let server = MockServer::start();
    let resp = get(&server, "/v1/tasks");
    assert_eq!(resp.status, 200);
    let tasks = resp.json()["tasks"].as_array().unwrap().clone();
    let ids: Vec<&str> = tasks.iter().map(|t| t["id"].as_str().unwrap()).collect();
    for id in ["contract-key-fields", "invoice-extraction", "ticket-triage"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    assert!(tasks.iter().all(|t| t.get("examples").is_none()));
    assert!(tasks.iter().any(|t| t["has_blob_input"].is_null()), "one task has null");

    let task = get(&server, "/v1/tasks/invoice-extraction").json();
    assert_eq!(task["has_blob_input"], true);
    assert_eq!(task["default_scorer"], "extraction");
    assert_eq!(task["blob_fields"], json!(["document"]));
    assert!(task.get("examples").is_none());

    let task = get(&server, "/v1/tasks/contract-key-fields?examples_n=2").json();
    assert_eq!(task["has_blob_input"], false);
    assert_eq!(task["examples"].as_array().unwrap().len(), 2);
    let task = get(&server, "/v1/tasks/ticket-triage?examples_n=100").json();
    assert_eq!(task["default_scorer"], "classification");
    assert!(task["examples"].as_array().unwrap().len() >= 2);

    assert_eq!(get(&server, "/v1/tasks/nope").status, 404);
    assert_eq!(get(&server, "/v1/tasks/contract-key-fields?examples_n=x").status, 422);
}

#[test]
fn leaderboard_envelope() {
    let server = MockServer::start();
    let lb = get(&server, "/v1/tasks/contract-key-fields/leaderboard").json();
    assert_eq!(lb["task_id"], "contract-key-fields");
    assert_eq!(lb["metric"], "quality");
    assert_eq!(lb["cost_unit"], "per_request");
    assert_eq!(lb["recommended"], "contract-1");
    let models = lb["models"].as_array().unwrap();
    let rows: Vec<(&str, f64, u64)> = models
        .iter()
        .map(|m| {
            assert_eq!(m["kind"], "open");
            assert!(m["context_k"].is_u64() && m["run_mode"].is_string());
            (
                m["name"].as_str().unwrap(),
                m["quality"].as_f64().unwrap(),
                m["cost_per_request_micro_usd"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, vec![("contract-1", 0.91, 420), ("contract-2", 0.88, 310), ("qwen-1", 0.84, 150)]);
    assert_eq!(lb["frontier"]["name"], "gpt-4o");
    assert_eq!(lb["frontier"]["kind"], "frontier");
    assert_eq!(lb["frontier"]["quality"], 0.93);
    assert_eq!(lb["frontier"]["cost_per_request_micro_usd"], 9000);

    let inv = get(&server, "/v1/tasks/invoice-extraction/leaderboard").json();
    assert_eq!(inv["recommended"], "invoice-1");
    assert_eq!(inv["frontier"]["name"], "claude-sonnet");
    let tri = get(&server, "/v1/tasks/ticket-triage/leaderboard").json();
    assert_eq!(tri["recommended"], "triage-1");
    assert_eq!(tri["frontier"]["name"], "gpt-4o-mini");
    assert_eq!(get(&server, "/v1/tasks/nope/leaderboard").status, 404);
}

#[test]
fn frontier_roster() {
    let server = MockServer::start();
    let all = get(&server, "/v1/eval/frontier-models").json();
    let all = all["frontier_models"].as_array().unwrap();
    let ids: Vec<&str> = all.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "gemini-flash"]);
    assert!(all.iter().all(|m| m.get("benchmarked").is_none()));
    assert_eq!(all[1]["vendor"], "openai");
    assert_eq!(all[1]["vision"], false);

    let contract = get(&server, "/v1/eval/frontier-models?task=contract-key-fields").json();
    let contract = contract["frontier_models"].as_array().unwrap();
    assert_eq!(contract.len(), 4);
    let benchmarked: Vec<&str> =
        contract.iter().filter(|m| m["benchmarked"] == true).map(|m| m["id"].as_str().unwrap()).collect();
    assert!(benchmarked.contains(&"gpt-4o"), "{benchmarked:?}");

    let invoice = get(&server, "/v1/eval/frontier-models?task=invoice-extraction").json();
    let invoice = invoice["frontier_models"].as_array().unwrap();
    assert!(invoice.iter().all(|m| m["vision"] == true), "vision filter");
    assert!(invoice.iter().any(|m| m["id"] == "claude-sonnet" && m["benchmarked"] == true));

    assert_eq!(get(&server, "/v1/eval/frontier-models?task=nope").status, 404);
}

#[test]
fn intent_matching() {
    let server = MockServer::start();
    let m =
        post_json(&server, "/v1/tasks/match", &json!({"query": "pull key fields out of vendor contracts", "top_k": 5}))
            .json();
    assert_eq!(m["query"], "pull key fields out of vendor contracts");
    assert_eq!(m["matcher"], "keyword");
    assert_eq!(m["matched"], true);
    assert_eq!(m["chosen"]["task_id"], "contract-key-fields");
    assert_eq!(m["chosen"]["confidence"], "high");
    let first = &m["candidates"][0];
    assert_eq!(first["task_id"], "contract-key-fields");
    let score = first["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
    assert_eq!(m["ambiguous"], false);

    let m =
        post_json(&server, "/v1/tasks/match", &json!({"query": "pull totals and dates out of vendor invoices"})).json();
    assert_eq!(m["chosen"]["task_id"], "invoice-extraction");

    // Two contract tasks tie on a bare "contract".
    let m = post_json(&server, "/v1/tasks/match", &json!({"query": "contracts", "top_k": 1})).json();
    assert_eq!(m["ambiguous"], true);
    assert_eq!(m["candidates"].as_array().unwrap().len(), 1);

    let m = post_json(&server, "/v1/tasks/match", &json!({"query": "bake sourdough bread"})).json();
    assert_eq!(m["matched"], false);
    assert_eq!(m["chosen"], Value::Null);
    assert_eq!(m["candidates"], json!([]));

    for bad in [json!({"query": ""}), json!({"query": "   "}), json!({}), json!({"query": "x", "top_k": 0})] {
        assert_eq!(post_json(&server, "/v1/tasks/match", &bad).status, 422, "{bad}");
    }
}

#[test]
fn models_lists_live_endpoints() {
    let server = MockServer::start();
    let models = get(&server, "/v1/models").json();
    assert_eq!(models["object"], "list");
    let data = models["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["id"], "ep_contract_kie");
    assert_eq!(data[0]["object"], "model");
    assert_eq!(data[0]["owned_by"], "pareta");
    assert!(data[0]["created"].is_i64());

    post_json(&server, "/v1/endpoints/ep_contract_kie/stop", &json!({}));
    assert_eq!(get(&server, "/v1/models").json()["data"], json!([]));
}
