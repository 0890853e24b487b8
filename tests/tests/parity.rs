//! Every scenario through both clients: equal results, equal requests.

use pareta_parity_tests::{ALL_METHODS, Op, Scenario, run_async, run_blocking};
use pareta_types::{
    ChatCompletionRequest, ChatMessage, DeployRequest, Document, EvalRunCreate, EvalSetCreate, Frontier, MetricKind,
    UploadDocument, WaitOptions,
};
use serde_json::json;
use std::time::Duration;

fn chat(model: &str, text: &str) -> ChatCompletionRequest {
    ChatCompletionRequest::new(model, vec![ChatMessage::user(text)]).temperature(0.0)
}

fn wait() -> WaitOptions {
    WaitOptions::default().poll_interval(Duration::from_millis(10)).timeout(Duration::from_secs(10))
}

fn rows() -> Vec<serde_json::Value> {
    vec![
        json!({"input": "Agreement between A and B, effective 2026-01-01", "expected": {"parties": ["A", "B"]}}),
        json!({"input": "SOW by C for D", "expected": {"parties": ["C", "D"]}}),
    ]
}

fn scenarios() -> Vec<Scenario> {
    let s = |id: &str| id.to_owned();
    vec![
        Scenario {
            name: "catalog and discovery",
            faults: vec![],
            ops: vec![
                Op::ModelsList,
                Op::TasksList,
                Op::TasksRetrieve(s("contract-key-fields")),
                Op::TasksRetrieveWithExamples(s("contract-key-fields"), 2),
                Op::TasksMatchIntent(s("pull totals and dates out of vendor invoices")),
                Op::TasksMatchIntentTopK(s("contracts"), 2),
                Op::TasksLeaderboard(s("contract-key-fields")),
                Op::TasksRecommended(s("ticket-triage")),
                Op::FrontierModels(None),
                Op::FrontierModels(Some(s("invoice-extraction"))),
                Op::TasksRetrieve(s("no-such-task")),
                Op::TasksMatchIntent(s("   ")),
            ],
        },
        Scenario {
            name: "deploy and operate endpoints",
            faults: vec![],
            ops: vec![
                Op::Deploy(DeployRequest::new("ticket-triage").name("triage-prod")),
                Op::DeployWait(DeployRequest::new("contract-key-fields").model("qwen-1")),
                Op::EndpointsList,
                Op::EndpointsRetrieve(s("triage-prod")),
                Op::EndpointsStop(s("triage-prod")),
                Op::ChatCreate(chat("triage-prod", "route this ticket")),
                Op::EndpointsStart(s("triage-prod")),
                Op::Metrics(s("ep_contract_kie"), MetricKind::Performance, vec![(s("window"), s("7d"))]),
                Op::Metrics(s("ep_contract_kie"), MetricKind::Uptime, vec![]),
                Op::Metrics(s("ep_contract_kie"), MetricKind::Cost, vec![(s("window"), s("30d"))]),
                Op::Metrics(s("ep_contract_kie"), MetricKind::Quality, vec![]),
                Op::Metrics(s("ep_contract_kie"), MetricKind::Activity, vec![(s("granularity"), s("day"))]),
                Op::EndpointsDelete(s("triage-prod")),
                Op::EndpointsRetrieve(s("triage-prod")),
                Op::Deploy(DeployRequest::new("contract-key-fields").model("not-a-model")),
            ],
        },
        Scenario {
            name: "chat and streaming",
            faults: vec![],
            ops: vec![
                Op::ChatCreate(chat("ep_contract_kie", "Extract the parties.")),
                Op::ChatCreateStream(chat("ep_contract_kie", "Summarize the contract please").max_tokens(4)),
                Op::ChatCreate(chat("ep_missing", "hi")),
                Op::ChatCreate(ChatCompletionRequest::new("ep_contract_kie", vec![])),
            ],
        },
        Scenario {
            name: "eval sets, documents and runs",
            faults: vec![],
            ops: vec![
                Op::SetsCreate(EvalSetCreate::new("contract-key-fields", rows()).name("v1")),
                Op::SetsCreate(EvalSetCreate::new(
                    "invoice-extraction",
                    vec![json!({"expected": {"total": "1240.00"}})],
                )),
                Op::SetsList,
                Op::SetsRetrieve(s("evset_1")),
                Op::SetsUploadDocument(
                    UploadDocument::new("evset_2", 0, "document", Document::bytes(b"%PDF-1.4 tiny".to_vec()))
                        .mime("application/pdf"),
                ),
                Op::SetsUploadDocument(
                    UploadDocument::new("evset_2", 0, "document", Document::bytes(vec![7u8; 5 * 1024 * 1024 + 1]))
                        .mime("application/pdf"),
                ),
                Op::RunsCreate(EvalRunCreate::on_set("evset_1", ["contract-1"]).frontier(vec!["gpt-4o"])),
                Op::RunsRetrieve(s("run_1")),
                Op::RunsWait(s("run_1"), wait()),
                Op::RunsCreate(
                    EvalRunCreate::inline("contract-key-fields", rows(), ["contract-1", "qwen-1"])
                        .frontier(Frontier::Benchmarked)
                        .wait(wait()),
                ),
                Op::RunsCreate(EvalRunCreate::on_set("evset_1", ["contract-2"]).frontier(Frontier::All)),
                Op::SetsDelete(s("evset_1")),
                Op::SetsRetrieve(s("evset_1")),
            ],
        },
        Scenario {
            name: "transient faults are retried",
            faults: vec![
                ("GET", "/v1/models", "status=503;times=2;retry-after=0"),
                ("POST", "/v1/chat/completions", "status=429;times=1;retry-after-ms=5"),
            ],
            ops: vec![Op::ModelsList, Op::ChatCreate(chat("ep_contract_kie", "hi"))],
        },
        Scenario {
            name: "persistent and body faults",
            faults: vec![
                ("GET", "/v1/tasks", "status=502;html;retry-after=0"),
                ("GET", "/v1/eval-sets", "garbage"),
                ("GET", "/v1/models", "status=402"),
            ],
            ops: vec![Op::TasksList, Op::SetsList, Op::ModelsList],
        },
        Scenario {
            name: "stream faults",
            faults: vec![("POST", "/v1/chat/completions", "truncate-after=2;times=1;crlf;comments")],
            ops: vec![
                Op::ChatCreateStream(chat("ep_contract_kie", "one two three four five")),
                Op::ChatCreateStream(chat("ep_contract_kie", "after the fault")),
            ],
        },
        Scenario {
            name: "stream error objects and deploy truncation",
            faults: vec![
                ("POST", "/v1/chat/completions", "stream-error-after=1"),
                ("POST", "/v1/endpoints", "truncate-after=2"),
            ],
            ops: vec![
                Op::ChatCreateStream(chat("ep_contract_kie", "one two three")),
                Op::Deploy(DeployRequest::new("ticket-triage")),
                Op::DeployWait(DeployRequest::new("ticket-triage").name("second")),
            ],
        },
    ]
}

#[test]
fn the_scenarios_cover_every_public_method() {
    let used: std::collections::BTreeSet<String> =
        scenarios().iter().flat_map(|s| s.ops.iter().map(Op::method)).collect();
    let missing: Vec<_> = ALL_METHODS.iter().filter(|m| !used.contains(**m)).collect();
    assert!(missing.is_empty(), "methods no scenario calls: {missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_clients_agree_on_every_scenario() {
    for scenario in scenarios() {
        let s = scenario.clone();
        let blocking = tokio::task::spawn_blocking(move || run_blocking(&s)).await.unwrap();
        let asynchronous = run_async(&scenario).await;
        assert_eq!(blocking.results.len(), scenario.ops.len());
        for (i, (b, a)) in blocking.results.iter().zip(&asynchronous.results).enumerate() {
            assert_eq!(b, a, "{}: op {i} ({}) differs", scenario.name, scenario.ops[i].method());
        }
        assert_eq!(blocking.requests.len(), asynchronous.requests.len(), "{}: request count", scenario.name);
        for (i, (b, a)) in blocking.requests.iter().zip(&asynchronous.requests).enumerate() {
            if b != a {
                let keys = ["method", "path", "query", "headers", "has_idempotency_key", "body", "listener"];
                let diff: Vec<_> = keys.iter().filter(|k| b[**k] != a[**k]).map(|k| (k, &b[*k], &a[*k])).collect();
                panic!("{}: request {i} differs (blocking, async): {diff:?}", scenario.name);
            }
        }
    }
}

#[test]
fn scenarios_do_what_they_say() {
    // Parity alone would pass if both clients were equally broken: spot-check results.
    let all = scenarios();
    let faults = run_blocking(&all[4]);
    assert!(faults.results.iter().all(|r| r.get("error").is_none()), "{:?}", faults.results);
    assert_eq!(faults.requests.len(), 5, "2 retries of GET /v1/models + 1 retry of the chat POST");
    let persistent = run_blocking(&all[5]);
    assert_eq!(persistent.results[0]["status"], 502);
    assert_eq!(persistent.results[1]["error"], "Decode");
    assert_eq!(persistent.results[2]["status"], 402);
    let streams = run_blocking(&all[6]);
    let first = streams.results[0].as_array().unwrap();
    assert!(first.last().unwrap()["message"].as_str().unwrap().contains("[DONE]"), "{first:?}");
    assert!(streams.results[1].as_array().unwrap().iter().all(|c| c.get("error").is_none()));
    let evals = run_blocking(&all[3]);
    assert_eq!(evals.results[9]["run"]["status"], "completed", "{}", evals.results[9]);
    let catalog = run_blocking(&all[0]);
    assert_eq!(catalog.results[10]["status"], 404);
    assert_eq!(catalog.results[11]["error"], "InvalidArgument");
}
