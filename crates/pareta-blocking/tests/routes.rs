//! Every route of the blocking client against httpmock: method, exact path (ids
//! percent-encoded), query, the headers of wire-notes.md (`authorization`,
//! `user-agent`, `accept`, `content-type` only on bodies, `idempotency-key` on
//! every POST and never on GET/DELETE), the exact JSON body, and the parsed result
//! including its response metadata.
//!
//! A request that matches no mock gets httpmock's 404, which fails the call, so
//! every `unwrap()` of a result below also proves its request matched.
#![allow(clippy::unwrap_used)]

mod support;

use httpmock::{MockServer, Then, When};
use pareta_blocking::types::{
    ChatCompletionRequest, ChatMessage, DeployRequest, Document, EvalRunCreate, EvalSetCreate, Frontier,
    UploadDocument, WaitOptions,
};
use pareta_blocking::{Error, Pareta, UploadStep};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const KEY: &str = "pareta_sk_test";
const INLINE_LIMIT: usize = 5 * 1024 * 1024;

fn client(server: &MockServer) -> Pareta {
    Pareta::builder().api_key(KEY).base_url(server.base_url()).rng_seed(11).max_retries(0).build().unwrap()
}

/// The headers every Pareta API request carries, per method: a key and the SDK's
/// user agent always; an idempotency key on POST only.
fn api(when: When, method: &str, path: &str) -> When {
    let when = when
        .method(method)
        .path(path)
        .header("authorization", format!("Bearer {KEY}"))
        .header_prefix("user-agent", "pareta-rust/");
    if method == "POST" { when.header_exists("idempotency-key") } else { when.header_missing("idempotency-key") }
}

/// A request with no body: JSON accepted, no content type, no query unless added.
fn bare(when: When, method: &str, path: &str) -> When {
    api(when, method, path).header("accept", "application/json").header_missing("content-type")
}

/// A bare request without any query string.
fn bare_no_query(when: When, method: &str, path: &str) -> When {
    bare(when, method, path).is_true(|r| r.uri().query().is_none())
}

/// A request with a JSON body equal to `body`.
fn json_req(when: When, method: &str, path: &str, body: Value) -> When {
    api(when, method, path)
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .is_true(|r| r.uri().query().is_none())
        .json_body(body)
}

fn ok(then: Then, body: &str) -> Then {
    ok_id(then, body, "req_1")
}

fn ok_id(then: Then, body: &str, request_id: &str) -> Then {
    then.status(200).header("content-type", "application/json").header("x-request-id", request_id).body(body)
}

fn sse(then: Then, body: &str) -> Then {
    then.status(200).header("content-type", "text/event-stream").header("x-request-id", "req_sse").body(body)
}

/// A fresh directory under the system temp dir for one test's files.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pareta-blocking-routes-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Deterministic, non-repeating-looking content of `len` bytes.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

// ---------------------------------------------------------------------------
// models

#[test]
fn models_list() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/models");
        ok(
            then,
            r#"{"object":"list","data":[{"id":"ep_contract_kie","owned_by":"pareta","created":1767225600},{"id":"ep_2","owned_by":"pareta","created":null}]}"#,
        );
    });
    let list = client(&server).models().list().unwrap();
    m.assert();
    assert_eq!(list.len(), 2);
    assert_eq!(list.data[0].id, "ep_contract_kie");
    assert_eq!(list.data[0].owned_by.as_deref(), Some("pareta"));
    assert_eq!(list.data[0].created, Some(1_767_225_600));
    assert_eq!(list.data[1].created, None);
    assert_eq!(list.meta().request_id(), Some("req_1"));
}

// ---------------------------------------------------------------------------
// chat

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
    let out = client(&server).chat().completions().create(&req).unwrap();
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
    client(&server).chat().completions().create(&req).unwrap();
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
    let stream = client(&server).chat().completions().create_stream(&req).unwrap();
    assert_eq!(stream.meta().request_id(), Some("req_sse"));
    assert_eq!(stream.meta().billed_micro_usd(), Some(77));
    let chunks: Vec<_> = stream.map(Result::unwrap).collect();
    m.assert();
    let deltas: Vec<Option<&str>> = chunks.iter().map(|c| c.delta()).collect();
    assert_eq!(deltas, [None, Some("Acme"), Some(" Corp")]);
    assert_eq!(chunks[2].finish_reason().map(|r| r.as_str()), Some("stop"));
    assert!(chunks.iter().all(|c| c.id.as_deref() == Some("c1")));

    // collect_text over a second identical call.
    let text = client(&server).chat().completions().create_stream(&req).unwrap().collect_text().unwrap();
    assert_eq!(text, "Acme Corp");
    m.assert_calls(2);
}

// ---------------------------------------------------------------------------
// endpoints

const DEPLOY_SSE: &str = concat!(
    "event: progress\ndata: {\"stage\":\"provisioning\",\"pct\":10}\n\n",
    "event: progress\ndata: {\"stage\":\"loading\",\"pct\":62.5}\n\n",
    "event: complete\ndata: {\"endpoint\":{\"id\":\"ep_new\",\"name\":\"kie\",\"model\":\"contract-1\",",
    "\"status\":\"live\",\"taskName\":\"contract-key-fields\",\"url\":\"https://api.pareta.ai/v1\"}}\n\n",
);

fn deploy_mock(when: When, body: Value) -> When {
    api(when, "POST", "/v1/endpoints")
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .json_body(body)
}

#[test]
fn endpoints_deploy_streams_progress_then_complete() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        deploy_mock(when, json!({"task": "contract-key-fields", "model": "recommended"}));
        sse(then, &format!("event: log\ndata: pulling layer 3/7\n\n{DEPLOY_SSE}"));
    });
    let stream = client(&server).endpoints().deploy(&DeployRequest::new("contract-key-fields")).unwrap();
    assert_eq!(stream.meta().request_id(), Some("req_sse"));
    let events: Vec<_> = stream.map(Result::unwrap).collect();
    m.assert();
    let seen: Vec<(&str, Option<&str>, Option<f64>)> =
        events.iter().map(|e| (e.event.as_str(), e.stage(), e.pct())).collect();
    assert_eq!(
        seen,
        [
            ("log", None, None),
            ("progress", Some("provisioning"), Some(10.0)),
            ("progress", Some("loading"), Some(62.5)),
            ("complete", None, None)
        ]
    );
    assert_eq!(events[0].data, json!("pulling layer 3/7"), "a non-JSON data line is delivered as a string");
    assert!(events[3].is_complete());
    let ep = events[3].endpoint().unwrap();
    assert_eq!((Some(ep.id.as_str()), ep.task.as_deref()), (Some("ep_new"), Some("contract-key-fields")));
}

#[test]
fn endpoints_deploy_with_name_and_wait_returns_the_endpoint() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        deploy_mock(when, json!({"task": "contract-key-fields", "model": "contract-2", "name": "kie", "region": "eu"}));
        sse(then, DEPLOY_SSE);
    });
    let req = DeployRequest::new("contract-key-fields").model("contract-2").name("kie").extra("region", "eu");
    let ep = client(&server).endpoints().deploy(&req).unwrap().wait().unwrap();
    m.assert();
    assert_eq!(ep.id, "ep_new");
    assert_eq!(ep.name.as_deref(), Some("kie"));
    assert_eq!(ep.model.as_deref(), Some("contract-1"));
    assert_eq!(ep.task.as_deref(), Some("contract-key-fields"));
    assert_eq!(ep.url.as_deref(), Some("https://api.pareta.ai/v1"));
    assert!(ep.is_live());
    assert_eq!(ep.meta().request_id(), Some("req_sse"));
}

#[test]
fn endpoints_list_is_a_bare_array_with_id_and_task_fallbacks() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/endpoints");
        ok(
            then,
            r#"[{"id":"ep_contract_kie","name":"kie","task":"contract-key-fields","model":"contract-1","status":"live"},
                {"name":"ep_named","taskName":"invoice-extraction","task":"stale","status":"stopped","gpu":"l4"}]"#,
        );
    });
    let eps = client(&server).endpoints().list().unwrap();
    m.assert();
    assert_eq!(eps.len(), 2);
    assert_eq!(eps[0].id, "ep_contract_kie");
    assert_eq!(eps[0].task.as_deref(), Some("contract-key-fields"));
    assert!(eps[0].is_live());
    assert_eq!(eps[1].id, "ep_named", "id falls back to name");
    assert_eq!(eps[1].task.as_deref(), Some("invoice-extraction"), "task is read from taskName");
    assert!(!eps[1].is_live());
    assert_eq!(eps[1].get("gpu"), Some(&json!("l4")));
    assert!(eps.iter().all(|e| e.meta().request_id() == Some("req_1")));
}

#[test]
fn endpoints_retrieve_percent_encodes_the_id() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/endpoints/ep%2Fa%20b");
        ok(then, r#"{"id":"ep/a b","status":"live","taskName":"ticket-triage","model":"triage-1"}"#);
    });
    let ep = client(&server).endpoints().retrieve("ep/a b").unwrap();
    m.assert();
    assert_eq!(ep.id, "ep/a b");
    assert_eq!(ep.task.as_deref(), Some("ticket-triage"));
    assert_eq!(ep.model.as_deref(), Some("triage-1"));
    assert!(ep.is_live());
    assert_eq!(ep.meta().request_id(), Some("req_1"));

    // A dot-segment id stays one segment instead of walking up the path.
    let dots = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/endpoints/%2E%2E");
        ok(then, r#"{"id":".."}"#);
    });
    assert_eq!(client(&server).endpoints().retrieve("..").unwrap().id, "..");
    dots.assert();
}

#[test]
fn endpoints_start_returns_raw_json() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "POST", "/v1/endpoints/ep_1/start");
        ok(then, r#"{"id":"ep_1","status":"starting","eta_s":30}"#);
    });
    let out = client(&server).endpoints().start("ep_1").unwrap();
    m.assert();
    assert_eq!(out, json!({"id": "ep_1", "status": "starting", "eta_s": 30}));

    let empty = server.mock(|when, then| {
        bare_no_query(when, "POST", "/v1/endpoints/ep_2/start");
        then.status(202);
    });
    assert_eq!(client(&server).endpoints().start("ep_2").unwrap(), json!({}), "an empty 2xx body reads as {{}}");
    empty.assert();
}

#[test]
fn endpoints_stop_returns_raw_json() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "POST", "/v1/endpoints/ep%3F1/stop");
        ok(then, r#"{"id":"ep?1","status":"stopped"}"#);
    });
    let out = client(&server).endpoints().stop("ep?1").unwrap();
    m.assert();
    assert_eq!(out, json!({"id": "ep?1", "status": "stopped"}));
}

#[test]
fn endpoints_delete_accepts_204_with_no_body() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "DELETE", "/v1/endpoints/ep_1");
        then.status(204).header("x-request-id", "req_del");
    });
    client(&server).endpoints().delete("ep_1").unwrap();
    m.assert();
}

#[test]
fn endpoints_metrics_each_dimension_with_window_query() {
    let server = MockServer::start();
    let pa = client(&server);
    let metrics = pa.endpoints().metrics("ep_1");
    type Getter = fn(&pareta_blocking::Metrics<'_>, &[(&str, &str)]) -> pareta_blocking::Result<Value>;
    let dims: [(&str, Getter); 5] = [
        ("performance", |m, p| m.performance(p)),
        ("uptime", |m, p| m.uptime(p)),
        ("cost", |m, p| m.cost(p)),
        ("quality", |m, p| m.quality(p)),
        ("activity", |m, p| m.activity(p)),
    ];
    for (dim, call) in dims {
        let body = json!({"dimension": dim, "window": "7d", "series": [1, 2, 3]});
        let m = server.mock(|when, then| {
            bare(when, "GET", &format!("/v1/endpoints/ep_1/{dim}"))
                .query_param("window", "7d")
                .is_true(|r| r.uri().query() == Some("window=7d"));
            ok(then, &body.to_string());
        });
        let out = call(&metrics, &[("window", "7d")]).unwrap();
        m.assert();
        assert_eq!(out, body, "{dim}");
    }

    // Any caller-given pairs, in order, percent-encoded.
    let m = server.mock(|when, then| {
        bare(when, "GET", "/v1/endpoints/ep_1/cost")
            .query_param("window", "7d")
            .query_param("tz", "+01:00")
            .query_param("group by", "model&task")
            .is_true(|r| r.uri().query() == Some("window=7d&tz=%2B01%3A00&group%20by=model%26task"));
        ok(then, "{}");
    });
    metrics.cost([("window", "7d"), ("tz", "+01:00"), ("group by", "model&task")]).unwrap();
    m.assert();
}

// ---------------------------------------------------------------------------
// tasks

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
    let tasks = client(&server).tasks().list().unwrap();
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
    let task = client(&server).tasks().retrieve("my task/v2").unwrap();
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
    let task = client(&server).tasks().retrieve_with_examples("contract-key-fields", 3).unwrap();
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
    let out = client(&server).tasks().match_intent("pull parties out of contracts").unwrap();
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
    let out = client(&server).tasks().match_intent_top_k("pull parties out of contracts", 3).unwrap();
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
    let lb = client(&server).tasks().leaderboard("contract-key-fields").unwrap();
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
    let pa = client(&server);
    assert_eq!(pa.tasks().recommended("contract-key-fields").unwrap().as_deref(), Some("contract-1"));
    assert_eq!(pa.tasks().recommended("empty task").unwrap(), None);
    m.assert();
    none.assert();
}

// ---------------------------------------------------------------------------
// evals: frontier roster

#[test]
fn evals_frontier_models_without_and_with_task() {
    let server = MockServer::start();
    let all = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval/frontier-models");
        ok(
            then,
            r#"{"frontier_models":[{"id":"gpt-4o","vendor":"openai","vision":true},{"id":"gpt-4o-mini","vendor":"openai","vision":null}]}"#,
        );
    });
    let for_task = server.mock(|when, then| {
        bare(when, "GET", "/v1/eval/frontier-models")
            .query_param("task", "contract-key-fields")
            .is_true(|r| r.uri().query() == Some("task=contract-key-fields"));
        ok(
            then,
            r#"{"frontier_models":[{"id":"gpt-4o","vendor":"openai","vision":true,"benchmarked":true},
                                   {"id":"gemini-flash","vendor":"google","vision":true,"benchmarked":false},
                                   {"id":"claude-sonnet","vendor":"anthropic","benchmarked":null}]}"#,
        );
    });
    let pa = client(&server);
    let roster = pa.evals().frontier_models(None).unwrap();
    all.assert();
    let got: Vec<(&str, Option<&str>, bool, bool)> =
        roster.iter().map(|m| (m.id.as_str(), m.vendor.as_deref(), m.vision, m.benchmarked)).collect();
    assert_eq!(got, [("gpt-4o", Some("openai"), true, false), ("gpt-4o-mini", Some("openai"), false, false)]);
    assert_eq!(roster[0].meta().request_id(), Some("req_1"));

    let roster = pa.evals().frontier_models(Some("contract-key-fields")).unwrap();
    for_task.assert();
    let benchmarked: Vec<(&str, bool)> = roster.iter().map(|m| (m.id.as_str(), m.benchmarked)).collect();
    assert_eq!(benchmarked, [("gpt-4o", true), ("gemini-flash", false), ("claude-sonnet", false)]);
    assert!(!roster[2].vision, "absent vision reads false");
}

// ---------------------------------------------------------------------------
// evals: sets

const SET_RECORD: &str = r#"{"id":"evset_1","task_id":"contract-key-fields","name":"sdk eval set (2 items)","item_count":2,"scoring_strategy":"extraction"}"#;

#[test]
fn sets_create_sends_the_multipart_parts() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        api(when, "POST", "/v1/eval-sets")
            .header("accept", "application/json")
            .header_prefix("content-type", "multipart/form-data; boundary=")
            .is_true(|r| r.uri().query().is_none())
            .body_includes("Content-Disposition: form-data; name=\"task_id\"\r\n\r\ncontract-key-fields\r\n")
            .body_includes("Content-Disposition: form-data; name=\"name\"\r\n\r\nsdk eval set (2 items)\r\n")
            .body_includes(concat!(
                "Content-Disposition: form-data; name=\"items\"; filename=\"items.contract-key-fields.jsonl\"\r\n",
                "Content-Type: application/jsonl\r\n\r\n{\"input\":\"A\"}\n{\"input\":\"B\"}\r\n"
            ));
        ok(then, &format!(r#"{{"eval_set":{SET_RECORD}}}"#));
    });
    let req = EvalSetCreate::new("contract-key-fields", vec![json!({"input": "A"}), json!({"input": "B"})]);
    let set = client(&server).evals().sets().create(&req).unwrap();
    m.assert();
    assert_eq!(set.id, "evset_1");
    assert_eq!(set.task_id.as_deref(), Some("contract-key-fields"));
    assert_eq!(set.name.as_deref(), Some("sdk eval set (2 items)"));
    assert_eq!(set.item_count, Some(2));
    assert_eq!(set.scoring_strategy.as_deref(), Some("extraction"));
    assert_eq!(set.meta().request_id(), Some("req_1"));
}

#[test]
fn sets_create_body_is_byte_exact() {
    use support::{RawServer, Reply};
    let server = RawServer::script(vec![Reply::json(200, &format!(r#"{{"eval_set":{SET_RECORD}}}"#))]);
    let pa = Pareta::builder().api_key(KEY).base_url(&server.base_url).rng_seed(3).build().unwrap();
    let rows = vec![json!({"input": "A"}), json!({"input": "B"})];
    pa.evals().sets().create(&EvalSetCreate::new("contract-key-fields", rows.clone())).unwrap();
    pa.evals().sets().create(&EvalSetCreate::new("contract-key-fields", rows).name("my \"set\"")).unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for (rec, name) in reqs.iter().zip(["sdk eval set (2 items)", "my \"set\""]) {
        assert_eq!((rec.method.as_str(), rec.target.as_str()), ("POST", "/v1/eval-sets"));
        let ct = rec.header("content-type").unwrap();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        assert!(!boundary.is_empty() && !boundary.contains(['"', ';', ' ']), "{ct}");
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"task_id\"\r\n\r\ncontract-key-fields\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"items\"; filename=\"items.contract-key-fields.jsonl\"\r\n\
             Content-Type: application/jsonl\r\n\r\n{{\"input\":\"A\"}}\n{{\"input\":\"B\"}}\r\n\
             --{b}--\r\n",
            b = boundary
        );
        assert_eq!(String::from_utf8(rec.body.clone()).unwrap(), expected);
        assert_eq!(rec.body_len, expected.len());
        assert_eq!(rec.header("content-length"), Some(expected.len().to_string().as_str()));
        assert_eq!(rec.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
        assert_eq!(rec.header("accept"), Some("application/json"));
        assert!(rec.header("idempotency-key").is_some());
    }
    assert_ne!(reqs[0].header("content-type"), reqs[1].header("content-type"), "a fresh boundary per body");
}

#[test]
fn sets_list() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-sets");
        ok(
            then,
            &format!(
                r#"{{"eval_sets":[{SET_RECORD},{{"id":"evset_2","task_id":"ticket-triage","item_count":null}}]}}"#
            ),
        );
    });
    let sets = client(&server).evals().sets().list().unwrap();
    m.assert();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0].id, "evset_1");
    assert_eq!(
        (Some(sets[1].id.as_str()), sets[1].task_id.as_deref(), sets[1].item_count),
        (Some("evset_2"), Some("ticket-triage"), None)
    );
    assert!(sets.iter().all(|s| s.meta().request_id() == Some("req_1")));
}

#[test]
fn sets_retrieve_unwraps_the_envelope() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-sets/evset%201%2Fx");
        ok(then, &format!(r#"{{"eval_set":{SET_RECORD}}}"#));
    });
    let set = client(&server).evals().sets().retrieve("evset 1/x").unwrap();
    m.assert();
    assert_eq!(set.id, "evset_1");
    assert_eq!(set.item_count, Some(2));
    assert_eq!(set.meta().request_id(), Some("req_1"));
}

#[test]
fn sets_delete() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "DELETE", "/v1/eval-sets/evset_1");
        then.status(204);
    });
    client(&server).evals().sets().delete("evset_1").unwrap();
    m.assert();
}

// ---------------------------------------------------------------------------
// evals: document upload

fn attach_blob(when: When, set_path: &str) -> When {
    api(when, "POST", &format!("/v1/eval-sets/{set_path}/attach-blob"))
        .header("accept", "application/json")
        .header_prefix("content-type", "multipart/form-data; boundary=")
        .is_true(|r| r.uri().query().is_none())
}

#[test]
fn upload_small_bytes_goes_inline_as_multipart() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        attach_blob(when, "evset_1")
            .body_includes("Content-Disposition: form-data; name=\"idx\"\r\n\r\n2\r\n")
            .body_includes("Content-Disposition: form-data; name=\"field_name\"\r\n\r\ndocument\r\n")
            .body_includes("Content-Disposition: form-data; name=\"mime\"\r\n\r\napplication/octet-stream\r\n")
            .body_includes(concat!(
                "Content-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\n",
                "Content-Type: application/octet-stream\r\n\r\n%PDF-1.4 tiny\r\n"
            ));
        ok(then, r#"{"attached":true,"idx":2,"field_name":"document"}"#);
    });
    let up = UploadDocument::new("evset_1", 2, "document", Document::bytes(b"%PDF-1.4 tiny".to_vec()));
    let out = client(&server).evals().sets().upload_document(&up).unwrap();
    m.assert();
    assert_eq!(out, json!({"attached": true, "idx": 2, "field_name": "document"}));
}

#[test]
fn upload_small_path_uses_the_base_name_and_guesses_the_mime() {
    let dir = temp_dir("small-path");
    let path = dir.join("Invoice 7.PDF");
    std::fs::write(&path, b"%PDF-1.7 small file").unwrap();
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        attach_blob(when, "evset%2F1")
            .body_includes("Content-Disposition: form-data; name=\"idx\"\r\n\r\n0\r\n")
            .body_includes("Content-Disposition: form-data; name=\"field_name\"\r\n\r\ndocument\r\n")
            .body_includes("Content-Disposition: form-data; name=\"mime\"\r\n\r\napplication/pdf\r\n")
            .body_includes(concat!(
                "Content-Disposition: form-data; name=\"file\"; filename=\"Invoice 7.PDF\"\r\n",
                "Content-Type: application/pdf\r\n\r\n%PDF-1.7 small file\r\n"
            ));
        ok(then, r#"{"attached":true}"#);
    });
    let up = UploadDocument::new("evset/1", 0, "document", Document::path(&path));
    let out = client(&server).evals().sets().upload_document(&up).unwrap();
    m.assert();
    assert_eq!(out, json!({"attached": true}));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Mocks the three-step signed-URL upload of `content` (`mime`) on `api` + `storage`
/// and returns the three mocks.
fn signed_upload_mocks<'a>(
    api_server: &'a MockServer,
    storage: &'a MockServer,
    content: Arc<Vec<u8>>,
    mime: &str,
) -> [httpmock::Mock<'a>; 3] {
    let size = content.len();
    let upload_url = storage.url("/bucket/obj-1?X-Goog-Signature=abc%2F1&expires=60");
    let url = api_server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/eval-sets/evset_1/blob-upload-url",
            json!({"idx": 4, "field_name": "document", "mime": mime, "file_size": size}),
        );
        ok(then, &json!({"upload_url": upload_url, "storage_uri": "gs://bucket/obj-1"}).to_string());
    });
    let put = storage.mock(|when, then| {
        when.method("PUT")
            .path("/bucket/obj-1")
            .query_param("X-Goog-Signature", "abc/1")
            .query_param("expires", "60")
            .header_missing("authorization")
            .header_missing("idempotency-key")
            .header("content-type", mime)
            .header("content-length", size.to_string())
            .is_true(move |r| r.body_ref() == content.as_slice());
        then.status(201);
    });
    let complete = api_server.mock(|when, then| {
        json_req(
            when,
            "POST",
            "/v1/eval-sets/evset_1/blob-upload-complete",
            json!({"idx": 4, "field_name": "document", "storage_uri": "gs://bucket/obj-1", "mime": mime}),
        );
        ok_id(then, r#"{"attached":true,"storage_uri":"gs://bucket/obj-1"}"#, "req_done");
    });
    [url, put, complete]
}

#[test]
fn upload_large_file_uses_the_signed_url_without_the_key() {
    let dir = temp_dir("large");
    let path: PathBuf = dir.join("scan.tiff");
    let content = Arc::new(pattern(INLINE_LIMIT + 1));
    std::fs::write(&path, content.as_slice()).unwrap();
    let (api_server, storage) = (MockServer::start(), MockServer::start());
    let mocks = signed_upload_mocks(&api_server, &storage, content, "image/tiff");
    let up = UploadDocument::new("evset_1", 4, "document", Document::path(&path));
    let out = client(&api_server).evals().sets().upload_document(&up).unwrap();
    mocks.iter().for_each(|m| m.assert());
    assert_eq!(out, json!({"attached": true, "storage_uri": "gs://bucket/obj-1"}), "the JSON of the last request");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn upload_of_exactly_5_mib_uses_the_signed_url_and_one_byte_less_goes_inline() {
    // "Strictly less than 5 MiB" goes inline: 5 MiB itself takes the signed URL.
    let (api_server, storage) = (MockServer::start(), MockServer::start());
    let content = Arc::new(pattern(INLINE_LIMIT));
    let mocks = signed_upload_mocks(&api_server, &storage, content.clone(), "application/pdf");
    let up = UploadDocument::new("evset_1", 4, "document", Document::bytes(content.to_vec())).mime("application/pdf");
    client(&api_server).evals().sets().upload_document(&up).unwrap();
    mocks.iter().for_each(|m| m.assert());

    let inline = api_server.mock(|when, then| {
        attach_blob(when, "evset_1").is_true(|r| r.body_ref().len() > INLINE_LIMIT - 1);
        ok(then, r#"{"attached":"inline"}"#);
    });
    let up = UploadDocument::new("evset_1", 4, "document", Document::bytes(pattern(INLINE_LIMIT - 1)));
    assert_eq!(client(&api_server).evals().sets().upload_document(&up).unwrap(), json!({"attached": "inline"}));
    inline.assert();
}

#[test]
fn upload_put_rejected_by_storage_names_step_2_of_3() {
    let (api_server, storage) = (MockServer::start(), MockServer::start());
    let url = api_server.mock(|when, then| {
        api(when, "POST", "/v1/eval-sets/evset_1/blob-upload-url");
        ok(then, &json!({"upload_url": storage.url("/up?sig=bad"), "storage_uri": "gs://b/o"}).to_string());
    });
    let put = storage.mock(|when, then| {
        when.method("PUT").path("/up").header_missing("authorization");
        then.status(403)
            .header("content-type", "application/xml")
            .body("<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code></Error>");
    });
    let complete = api_server.mock(|when, then| {
        when.path("/v1/eval-sets/evset_1/blob-upload-complete");
        ok(then, "{}");
    });
    let up = UploadDocument::new("evset_1", 0, "document", Document::bytes(pattern(INLINE_LIMIT)));
    let err = client(&api_server).evals().sets().upload_document(&up).unwrap_err();
    url.assert();
    put.assert_calls(1);
    complete.assert_calls(0);
    let msg = err.to_string();
    assert!(msg.contains("step 2 of 3"), "{msg}");
    assert!(msg.contains("403"), "{msg}");
    match &err {
        Error::Upload(u) => assert_eq!((u.step, u.status), (UploadStep::Put, Some(403))),
        other => panic!("expected an upload error, got {other:?}"),
    }
    assert_eq!(err.status(), Some(403));
}

// ---------------------------------------------------------------------------
// evals: runs

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
    let run = client(&server).evals().runs().create(&req).unwrap();
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
    let run = client(&server).evals().runs().create(&req).unwrap();
    set.assert();
    roster.assert();
    start.assert();
    assert_eq!(run.id, "run_2");
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
    let run = client(&server).evals().runs().create(&req).unwrap();
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
    let run = client(&server).evals().runs().retrieve("run_1").unwrap();
    m.assert();
    check_completed(&run);
    assert_eq!(run.meta().request_id(), Some("req_1"));

    let failed = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval-runs/run%202");
        ok(then, r#"{"run":{"id":"run 2","status":"failed","error_detail":"scorer crashed","total_cost_micro_usd":9999},"results":[]}"#);
    });
    let run = client(&server).evals().runs().retrieve("run 2").unwrap();
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
    let run = client(&server).evals().runs().wait("run_1", options).unwrap();
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
    let err = client(&server).evals().runs().wait("run_1", options).unwrap_err();
    match &err {
        Error::WaitTimeout { run_id, last_status, .. } => {
            assert_eq!((run_id.as_str(), last_status.as_deref()), ("run_1", Some("evaluating")))
        }
        other => panic!("expected a wait timeout, got {other:?}"),
    }
    assert!(running.calls() >= 2, "polled more than once");
}

// ---------------------------------------------------------------------------
// configuration

#[test]
fn missing_api_key_fails_before_any_request() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body("{}");
    });
    assert!(matches!(Pareta::builder().base_url(server.base_url()).build(), Err(Error::MissingApiKey)));
    assert!(matches!(Pareta::builder().build(), Err(Error::MissingApiKey)));
    assert!(matches!(Pareta::builder().api_key("   ").base_url(server.base_url()).build(), Err(Error::MissingApiKey)));
    let msg = Pareta::builder().build().unwrap_err().to_string();
    assert!(msg.contains("PARETA_API_KEY"), "{msg}");
    any.assert_calls(0);
}

#[test]
fn base_url_trailing_slashes_are_stripped() {
    let server = MockServer::start();
    let m = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/models");
        ok(then, r#"{"object":"list","data":[]}"#);
    });
    let pa = Pareta::builder().api_key(KEY).base_url(format!("{}//", server.base_url())).build().unwrap();
    assert!(pa.models().list().unwrap().is_empty());
    m.assert();

    let prefixed = server.mock(|when, then| {
        bare_no_query(when, "GET", "/proxy/pareta/v1/models");
        ok(then, r#"{"object":"list","data":[]}"#);
    });
    let pa = Pareta::builder().api_key(KEY).base_url(format!("{}/proxy/pareta/", server.base_url())).build().unwrap();
    pa.models().list().unwrap();
    prefixed.assert();
}

#[test]
fn upload_of_a_missing_file_fails_before_any_request() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body("{}");
    });
    let path = temp_dir("missing").join("nope.pdf");
    let up = UploadDocument::new("evset_1", 0, "document", Document::path(&path));
    let err = client(&server).evals().sets().upload_document(&up).unwrap_err();
    match &err {
        Error::File { path: p, .. } => assert_eq!(p, &path),
        other => panic!("expected a file error, got {other:?}"),
    }
    assert!(err.to_string().contains("nope.pdf"), "{err}");
    any.assert_calls(0);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

/// What arrives on the socket: every header once, `content-length: 0` on a bodyless
/// POST (RFC 9110 §8.6; some front ends answer 411 without it), no content type
/// where there is no body.
#[test]
fn headers_on_the_wire_are_single_and_bodyless_posts_send_content_length_zero() {
    use support::{RawServer, Reply};
    let server = RawServer::script(vec![Reply::json(200, r#"{"status":"starting"}"#)]);
    let pa = Pareta::builder().api_key(KEY).base_url(&server.base_url).build().unwrap();
    pa.endpoints().start("ep_1").unwrap();
    pa.endpoints().delete("ep_1").unwrap();
    let _ = pa.models().list();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    for rec in &reqs {
        let mut names: Vec<&str> = rec.headers.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a header was sent twice: {:?}", rec.headers);
        assert_eq!(rec.header("user-agent"), Some(concat!("pareta-rust/", env!("CARGO_PKG_VERSION"))));
        assert_eq!(rec.header("content-type"), None, "{} {}", rec.method, rec.target);
    }
    assert_eq!((reqs[0].method.as_str(), reqs[0].header("content-length")), ("POST", Some("0")));
    assert_eq!(reqs[1].method, "DELETE");
    assert_eq!(reqs[2].method, "GET");
}

#[test]
fn deploy_wait_after_reading_some_events_still_returns_the_endpoint() {
    let server = MockServer::start();
    server.mock(|when, then| {
        deploy_mock(when, json!({"task": "t", "model": "recommended"}));
        sse(then, DEPLOY_SSE);
    });
    let mut stream = client(&server).endpoints().deploy(&DeployRequest::new("t")).unwrap();
    assert_eq!(stream.next().unwrap().unwrap().stage(), Some("provisioning"));
    assert_eq!(stream.wait().unwrap().id, "ep_new");
}

#[test]
fn a_caller_supplied_agent_still_gets_api_errors_not_transport_errors() {
    let server = MockServer::start();
    server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/endpoints/ep_gone");
        then.status(404).header("x-request-id", "req_404").body(r#"{"detail":"endpoint not found"}"#);
    });
    // ureq's default config treats 4xx as errors; the client must not depend on ours.
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let pa = Pareta::builder().api_key(KEY).base_url(server.base_url()).agent(agent).build().unwrap();
    let err = pa.endpoints().retrieve("ep_gone").unwrap_err();
    let api = err.api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((api.status(), api.detail(), api.request_id()), (404, Some("endpoint not found"), Some("req_404")));
}
