//! `pa.tasks()`: list, retrieve, match, leaderboard, recommended.

use crate::common::*;
use httpmock::MockServer;
use serde_json::json;

#[test]
fn tasks_list_reads_the_envelope_and_null_booleans() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/tasks");
        ok(
            then,
            r#"{"tasks":[
                {"id":"contract-key-fields","name":"Contract key-field extraction","default_scorer":"extraction","has_blob_input":false},
                {"id":"comment-moderation","name":"Comment moderation","has_blob_input":null},
                {"id":"invoice-extraction","has_blob_input":true},
                {"id":"no-flag"}]}"#,
        );
    });
    let tasks = client(&server.base_url()).tasks().list().unwrap();
    m.assert();
    let flags: Vec<(&str, bool)> = tasks.iter().map(|t| (t.id.as_str(), t.has_blob_input)).collect();
    assert_eq!(
        flags,
        [
            ("contract-key-fields", false),
            ("comment-moderation", false),
            ("invoice-extraction", true),
            ("no-flag", false)
        ]
    );
    assert_eq!(tasks[0].default_scorer.as_deref(), Some("extraction"));
    assert_eq!(tasks[1].name.as_deref(), Some("Comment moderation"));
    assert!(tasks.iter().all(|t| t.meta().request_id() == Some("req_1")));
}

#[test]
fn tasks_retrieve_percent_encodes_the_id() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/tasks/my%20task%2Fv2");
        ok(
            then,
            r#"{"id":"my task/v2","name":"T","description":"d","has_blob_input":null,"input_schema":{"type":"object"}}"#,
        );
    });
    let task = client(&server.base_url()).tasks().retrieve("my task/v2").unwrap();
    m.assert();
    assert_eq!(task.id, "my task/v2");
    assert_eq!(task.description.as_deref(), Some("d"));
    assert!(!task.has_blob_input);
    assert!(task.examples.is_empty());
    assert_eq!(task.get("input_schema"), Some(&json!({"type": "object"})));
    assert_eq!(task.meta().request_id(), Some("req_1"));
}

#[test]
fn tasks_retrieve_with_examples_sends_examples_n() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare(when, "GET", "/v1/tasks/contract-key-fields")
            .query_param("examples_n", "3")
            .is_true(|r| r.uri().query() == Some("examples_n=3"));
        ok(
            then,
            r#"{"id":"contract-key-fields","has_blob_input":false,
                "examples":[{"input":"a"},{"input":"b"},{"input":"c","expected":{"parties":["X"]}}]}"#,
        );
    });
    let task = client(&server.base_url()).tasks().retrieve_with_examples("contract-key-fields", 3).unwrap();
    m.assert();
    assert_eq!(task.examples.len(), 3);
    assert_eq!(task.examples[2], json!({"input": "c", "expected": {"parties": ["X"]}}));
}

const MATCH_REPLY: &str = r#"{"query":"pull parties out of contracts","matched":true,
    "chosen":{"task_id":"contract-key-fields","score":0.8,"confidence":"high"},
    "candidates":[{"task_id":"contract-key-fields","score":0.8,"confidence":"high"},
                  {"task_id":"contract-clause-risk","score":0.4,"confidence":"low"}],
    "ambiguous":null,"matcher":"keyword"}"#;

#[test]
fn tasks_match_intent_defaults_to_top_5() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        json_req(when, "POST", "/v1/tasks/match", json!({"query": "pull parties out of contracts", "top_k": 5}));
        ok(then, MATCH_REPLY);
    });
    let out = client(&server.base_url()).tasks().match_intent("pull parties out of contracts").unwrap();
    m.assert();
    assert_eq!(out.query.as_deref(), Some("pull parties out of contracts"));
    assert!(out.matched);
    assert!(!out.ambiguous, "null reads false");
    assert_eq!(out.matcher.as_deref(), Some("keyword"));
    let chosen = out.chosen.as_ref().unwrap();
    assert_eq!(
        (Some(chosen.task_id.as_str()), chosen.score, chosen.confidence.as_deref()),
        (Some("contract-key-fields"), Some(0.8), Some("high"))
    );
    assert_eq!(out.candidates.len(), 2);
    assert_eq!(out.candidates[1].task_id, "contract-clause-risk");
    assert_eq!(out.meta().request_id(), Some("req_1"));
}

#[test]
fn tasks_match_intent_top_k() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        json_req(when, "POST", "/v1/tasks/match", json!({"query": "pull parties out of contracts", "top_k": 3}));
        ok(then, MATCH_REPLY);
    });
    let out = client(&server.base_url()).tasks().match_intent_top_k("pull parties out of contracts", 3).unwrap();
    m.assert();
    assert!(out.matched);
}

const LEADERBOARD: &str = r#"{"task_id":"contract-key-fields","metric":"quality","cost_unit":"per_request",
    "recommended":"contract-1",
    "models":[{"name":"contract-1","kind":"open","quality":0.91,"cost_per_request_micro_usd":420,"context_k":32,"run_mode":"rte"},
              {"name":"qwen-1","kind":"open","quality":0.84,"cost_per_request_micro_usd":150,"context_k":128,"run_mode":"twostage"}],
    "frontier":{"name":"gpt-4o","kind":"frontier","quality":0.93,"cost_per_request_micro_usd":9000,"context_k":128}}"#;

#[test]
fn tasks_leaderboard() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/tasks/contract-key-fields/leaderboard");
        ok(then, LEADERBOARD);
    });
    let lb = client(&server.base_url()).tasks().leaderboard("contract-key-fields").unwrap();
    m.assert();
    assert_eq!(lb.task_id.as_deref(), Some("contract-key-fields"));
    assert_eq!((lb.metric.as_deref(), lb.cost_unit.as_deref()), (Some("quality"), Some("per_request")));
    assert_eq!(lb.recommended.as_deref(), Some("contract-1"));
    assert_eq!(lb.models.len(), 2);
    let top = &lb.models[0];
    assert_eq!(
        (top.name.as_deref(), top.kind.as_deref(), top.quality, top.cost_per_request_micro_usd, top.context_k),
        (Some("contract-1"), Some("open"), Some(0.91), Some(420), Some(32))
    );
    assert_eq!(lb.models[1].run_mode.as_deref(), Some("twostage"));
    let frontier = lb.frontier.as_ref().unwrap();
    assert_eq!((frontier.name.as_deref(), frontier.quality), (Some("gpt-4o"), Some(0.93)));
    assert_eq!(lb.meta().request_id(), Some("req_1"));
}

#[test]
fn tasks_recommended_reads_the_leaderboard_alias() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/tasks/contract-key-fields/leaderboard");
        ok(then, LEADERBOARD);
    });
    let none = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/tasks/empty%20task/leaderboard");
        ok(then, r#"{"task_id":"empty task","models":[]}"#);
    });
    let pa = client(&server.base_url());
    assert_eq!(pa.tasks().recommended("contract-key-fields").unwrap().as_deref(), Some("contract-1"));
    assert_eq!(pa.tasks().recommended("empty task").unwrap(), None);
    m.assert();
    none.assert();
}
