//! `pa.evals().runs()`: create (on a set or inline, with frontier resolution), retrieve, wait.

use crate::common::*;
use httpmock::MockServer;
use pareta_blocking::Error;
use pareta_blocking::types::{EvalRunCreate, Frontier, WaitOptions};
use serde_json::json;
use std::time::Duration;

const RUN_COMPLETED: &str = r#"{"run":{"id":"run_1","eval_set_id":"evset_9","status":"completed",
    "candidate_model_ids":["contract-1","qwen-1","gpt-4o"],"error_detail":null,"total_cost_micro_usd":420715},
  "results":[
    {"model_id":"contract-1","kind":"open","quality_mean":0.91,"quality_ci_low":0.85,"quality_ci_high":0.97,
     "mean_cost_micro_usd":431,"n_succeeded":2,"error_count":0},
    {"model_id":"qwen-1","kind":"open","quality_mean":0.84,"mean_cost_micro_usd":160,"n_succeeded":2,"error_count":0},
    {"model_id":"gpt-4o","kind":"frontier","quality_mean":0.93,"mean_cost_micro_usd":209766,"n_succeeded":1,"error_count":1}]}"#;

fn check_completed(run: &pareta_blocking::types::EvalRun) {
    assert_eq!(run.id, "run_1");
    assert_eq!(run.eval_set_id.as_deref(), Some("evset_9"));
    assert_eq!(run.status.as_deref(), Some("completed"));
    assert!(run.is_terminal());
    assert_eq!(run.candidate_models, ["contract-1", "qwen-1", "gpt-4o"]);
    assert_eq!(run.error_detail, None);
    assert_eq!(run.cost_micro_usd, 420_715);
    assert_eq!(run.cost().to_string(), "0.42");
    assert_eq!(run.results.len(), 3);
    let r = &run.results[0];
    assert_eq!(
        (Some(r.model_id.as_str()), r.kind.as_deref(), r.quality_mean, r.quality_ci_low, r.quality_ci_high),
        (Some("contract-1"), Some("open"), Some(0.91), Some(0.85), Some(0.97))
    );
    assert_eq!((r.mean_cost_micro_usd, r.n_succeeded, r.error_count), (Some(431), Some(2), Some(0)));
    assert_eq!(run.results[1].quality_ci_low, None);
    assert_eq!((run.results[2].kind.as_deref(), run.results[2].error_count), (Some("frontier"), Some(1)));
}

#[test]
fn runs_create_on_a_set_with_explicit_frontier_ids() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/eval-runs",
            json!({"eval_set_id": "evset 1/x", "candidate_model_ids": ["contract-1", "qwen-1", "gpt-4o", "claude-sonnet"]}),
        );
        ok(then, r#"{"run_id":"run_7","status":"queued"}"#);
    });
    let req = EvalRunCreate::on_set("evset 1/x", ["contract-1", "qwen-1"]).frontier(vec!["gpt-4o", "claude-sonnet"]);
    let run = client(&server.base_url()).evals().runs().create(&req).unwrap();
    m.assert();
    assert_eq!(run.id, "run_7");
    assert_eq!(run.status.as_deref(), Some("queued"));
    assert!(!run.is_terminal());
    assert!(run.results.is_empty() && run.candidate_models.is_empty());
    assert_eq!(run.cost_micro_usd, 0);
    assert_eq!(run.meta().request_id(), Some("req_1"));
}

#[test]
fn runs_create_on_a_set_with_a_keyword_looks_up_the_set_task() {
    let server = MockServer::start();
    let set = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-sets/evset_9");
        ok(then, r#"{"eval_set":{"id":"evset_9","task_id":"ticket-triage"}}"#);
    });
    let roster = server.mock(|when, then| {
        bare(when, "GET", "/v1/eval/frontier-models").query_param("task", "ticket-triage");
        ok(
            then,
            r#"{"frontier_models":[{"id":"gpt-4o-mini","benchmarked":false},{"id":"gemini-flash","benchmarked":true}]}"#,
        );
    });
    let start = server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/eval-runs",
            json!({"eval_set_id": "evset_9", "candidate_model_ids": ["triage-1", "gpt-4o-mini", "gemini-flash"]}),
        );
        ok(then, r#"{"run_id":"run_2","status":"queued"}"#);
    });
    let req = EvalRunCreate::on_set("evset_9", ["triage-1"]).frontier(Frontier::All);
    let run = client(&server.base_url()).evals().runs().create(&req).unwrap();
    set.assert();
    roster.assert();
    start.assert();
    assert_eq!(run.id, "run_2");
}

#[test]
fn runs_create_on_a_set_with_a_known_task_skips_the_set_lookup() {
    let server = MockServer::start();
    let set = server.mock(|when, then| {
        when.method("GET").path("/v1/eval-sets/evset_1");
        ok(then, "{}");
    });
    let roster = server.mock(|when, then| {
        bare(when, "GET", "/v1/eval/frontier-models").query_param("task", "t1");
        ok(then, r#"{"frontier_models":[{"id":"gpt-x","benchmarked":true},{"id":"claude-y","benchmarked":false}]}"#);
    });
    let start = server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/eval-runs",
            json!({"eval_set_id": "evset_1", "candidate_model_ids": ["qwen-1", "gpt-x"]}),
        );
        ok(then, r#"{"run_id":"run_1","status":"queued"}"#);
    });
    let req = EvalRunCreate::on_set("evset_1", ["qwen-1"]).task("t1").frontier(Frontier::Benchmarked);
    let run = client(&server.base_url()).evals().runs().create(&req).unwrap();
    set.assert_calls(0);
    roster.assert();
    start.assert();
    assert_eq!((Some(run.id.as_str()), run.status.as_deref()), (Some("run_1"), Some("queued")));
}

#[test]
fn runs_create_inline_without_frontier_skips_the_roster() {
    let server = MockServer::start();
    let set = server.mock(|when, then| {
        multipart_req(when, "/v1/eval-sets").body_includes("items.t1.jsonl");
        ok(then, r#"{"eval_set":{"id":"evset_9","task_id":"t1"}}"#);
    });
    let roster = server.mock(|when, then| {
        when.path("/v1/eval/frontier-models");
        ok(then, r#"{"frontier_models":[]}"#);
    });
    let start = server.mock(|when, then| {
        json_req(when, "POST", "/v1/eval-runs", json!({"eval_set_id": "evset_9", "candidate_model_ids": ["qwen-1"]}));
        ok(then, r#"{"run_id":"run_1","status":"queued"}"#);
    });
    let poll = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-runs/run_1");
        ok(then, RUN_COMPLETED);
    });
    let req = EvalRunCreate::inline("t1", vec![json!({"q": 1})], ["qwen-1"])
        .frontier(Frontier::None)
        .wait(WaitOptions::default().poll_interval(Duration::from_millis(10)));
    let run = client(&server.base_url()).evals().runs().create(&req).unwrap();
    set.assert();
    roster.assert_calls(0);
    start.assert();
    poll.assert();
    check_completed(&run);
}

#[test]
fn runs_create_inline_with_benchmarked_frontier_and_wait() {
    let server = MockServer::start();
    let create_set = server.mock(|when, then| {
        api(when, "POST", "/v1/eval-sets")
            .header_prefix("content-type", "multipart/form-data; boundary=")
            .body_includes("name=\"task_id\"\r\n\r\ncontract-key-fields\r\n")
            .body_includes("name=\"name\"\r\n\r\nfunnel\r\n")
            .body_includes("\r\n\r\n{\"input\":\"A\"}\n{\"input\":\"B\"}\r\n");
        ok(then, r#"{"eval_set":{"id":"evset_9","task_id":"contract-key-fields","name":"funnel","item_count":2}}"#);
    });
    let set_lookup = server.mock(|when, then| {
        when.method("GET").path("/v1/eval-sets/evset_9");
        ok(then, r#"{"eval_set":{"id":"evset_9","task_id":"contract-key-fields"}}"#);
    });
    let roster = server.mock(|when, then| {
        bare(when, "GET", "/v1/eval/frontier-models")
            .query_param("task", "contract-key-fields")
            .is_true(|r| r.uri().query() == Some("task=contract-key-fields"));
        ok(
            then,
            r#"{"frontier_models":[{"id":"gpt-4o","vendor":"openai","benchmarked":true},
                                   {"id":"gemini-flash","vendor":"google","benchmarked":false},
                                   {"id":"claude-sonnet","vendor":"anthropic","benchmarked":null}]}"#,
        );
    });
    let start = server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/eval-runs",
            json!({"eval_set_id": "evset_9", "candidate_model_ids": ["contract-1", "qwen-1", "gpt-4o"]}),
        );
        ok(then, r#"{"run_id":"run_1","status":"queued"}"#);
    });
    let poll = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-runs/run_1");
        ok_id(then, RUN_COMPLETED, "req_poll");
    });
    let req = EvalRunCreate::inline(
        "contract-key-fields",
        vec![json!({"input": "A"}), json!({"input": "B"})],
        ["contract-1", "qwen-1"],
    )
    .frontier(Frontier::Benchmarked)
    .name("funnel")
    .wait(WaitOptions { poll_interval: Duration::from_millis(10), timeout: Duration::from_secs(5) });
    let run = client(&server.base_url()).evals().runs().create(&req).unwrap();
    create_set.assert();
    set_lookup.assert_calls(0); // the task is known: no lookup
    roster.assert();
    start.assert();
    poll.assert();
    check_completed(&run);
    assert_eq!(run.meta().request_id(), Some("req_poll"));
}

#[test]
fn runs_retrieve_flattens_the_envelope() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-runs/run_1");
        ok(then, RUN_COMPLETED);
    });
    let run = client(&server.base_url()).evals().runs().retrieve("run_1").unwrap();
    m.assert();
    check_completed(&run);
    assert_eq!(run.meta().request_id(), Some("req_1"));

    let failed = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-runs/run%202");
        ok(then, r#"{"run":{"id":"run 2","status":"failed","error_detail":"scorer crashed","total_cost_micro_usd":9999},"results":[]}"#);
    });
    let run = client(&server.base_url()).evals().runs().retrieve("run 2").unwrap();
    failed.assert();
    assert!(run.is_terminal());
    assert_eq!(run.error_detail.as_deref(), Some("scorer crashed"));
    assert_eq!(run.cost().to_string(), "0.00");
}

#[test]
fn runs_wait_polls_until_terminal() {
    let server = MockServer::start();
    let running = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-runs/run_1");
        ok(then, r#"{"run":{"id":"run_1","status":"running"},"results":[]}"#).up_to_n_times(2);
    });
    let done = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-runs/run_1");
        ok(then, RUN_COMPLETED);
    });
    let options = WaitOptions { poll_interval: Duration::from_millis(10), timeout: Duration::from_secs(5) };
    let run = client(&server.base_url()).evals().runs().wait("run_1", options).unwrap();
    running.assert_calls(2);
    done.assert_calls(1);
    check_completed(&run);
}

#[test]
fn runs_wait_times_out_with_the_last_status() {
    let server = MockServer::start();
    let running = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-runs/run_1");
        ok(then, r#"{"run":{"id":"run_1","status":"evaluating"},"results":[]}"#);
    });
    let options = WaitOptions { poll_interval: Duration::from_millis(20), timeout: Duration::from_millis(100) };
    let err = client(&server.base_url()).evals().runs().wait("run_1", options).unwrap_err();
    match &err {
        Error::WaitTimeout { run_id, last_status, .. } => {
            assert_eq!((run_id.as_str(), last_status.as_deref()), ("run_1", Some("evaluating")))
        }
        other => panic!("expected a wait timeout, got {other:?}"),
    }
    assert!(running.calls() >= 2, "polled more than once");
}
