//! The lenient-reading variants (null lists and objects, integral floats, empty
//! envelopes) and the error-keeping rules, through both clients against httpmock.
//! Each case is answered by the same canned reply for the blocking and the async
//! client; both must read the same values, and those are the values the platform's
//! Python client 0.1.0 gives for the same reply (`pareta/_models.py` in
//! `pareta-0.1.0-py3-none-any.whl`; see `crates/pareta-types/tests/python_parity.rs`
//! for the line-by-line citations).

use httpmock::MockServer;
use pareta_async::AsyncPareta;
use pareta_blocking::Pareta;
use pareta_types::{
    ChatCompletionRequest, ChatMessage, DeployRequest, EndpointStatus, EvalRunCreate, FinishReason, MatchConfidence,
    ModelKind, RunStatus, WaitOptions,
};
use serde_json::json;
use std::time::Duration;

const KEY: &str = "pareta_sk_lenient";

/// One canned reply: method, path, status, extra headers, body.
struct Reply {
    method: &'static str,
    path: &'static str,
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
}

fn ok(method: &'static str, path: &'static str, body: &'static str) -> Reply {
    Reply { method, path, status: 200, headers: &[], body }
}

fn serve(replies: &[Reply]) -> MockServer {
    let server = MockServer::start();
    for r in replies {
        server.mock(|when, then| {
            when.method(r.method).path(r.path);
            let mut then = then.status(r.status).body(r.body);
            for (k, v) in r.headers {
                then = then.header(*k, *v);
            }
            if !r.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                then.header("content-type", "application/json");
            }
        });
    }
    server
}

fn blocking(server: &MockServer) -> Pareta {
    Pareta::builder().api_key(KEY).base_url(server.base_url()).max_retries(0).build().expect("client")
}

fn asynch(server: &MockServer) -> AsyncPareta {
    AsyncPareta::builder().api_key(KEY).base_url(server.base_url()).max_retries(0).build().expect("client")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn list_routes_read_empty_and_null_envelopes_as_empty_lists() {
    // Python: `_task_list({})`, `_eval_set_list({})`, `_frontier_models({})` and
    // `_endpoint_list(None)` are all `[]`; `ModelList({"data": None})` has `len` 0.
    for (tasks, sets, roster, endpoints, models) in [
        ("{}", "{}", "{}", "null", r#"{"object":"list","data":null}"#),
        (r#"{"tasks":null}"#, r#"{"eval_sets":null}"#, r#"{"frontier_models":null}"#, "{}", "{}"),
        ("", "", "", "", ""),
    ] {
        let replies = [
            ok("GET", "/v1/tasks", tasks),
            ok("GET", "/v1/eval-sets", sets),
            ok("GET", "/v1/eval/frontier-models", roster),
            ok("GET", "/v1/endpoints", endpoints),
            ok("GET", "/v1/models", models),
        ];
        let server = serve(&replies);
        let pa = blocking(&server);
        let b = (
            pa.tasks().list().expect("tasks").len(),
            pa.evals().sets().list().expect("sets").len(),
            pa.evals().frontier_models(None).expect("roster").len(),
            pa.endpoints().list().expect("endpoints").len(),
            pa.models().list().expect("models").len(),
        );
        let pa = asynch(&server);
        let a = rt().block_on(async {
            (
                pa.tasks().list().await.expect("tasks").len(),
                pa.evals().sets().list().await.expect("sets").len(),
                pa.evals().frontier_models(None).await.expect("roster").len(),
                pa.endpoints().list().await.expect("endpoints").len(),
                pa.models().list().await.expect("models").len(),
            )
        });
        assert_eq!(b, (0, 0, 0, 0, 0), "{tasks:?} {sets:?} {roster:?} {endpoints:?} {models:?}");
        assert_eq!(a, b);
    }
}

#[test]
fn records_with_nulls_and_integral_floats() {
    let replies = [
        ok(
            "GET",
            "/v1/eval-runs/run_1",
            r#"{"run":{"id":"run_1","status":"completed","candidate_model_ids":null,"total_cost_micro_usd":420715.0},
                "results":[{"model_id":"contract-1","kind":"open","mean_cost_micro_usd":850.0,"n_succeeded":3.0,"error_count":null}]}"#,
        ),
        ok(
            "GET",
            "/v1/tasks/contract-key-fields/leaderboard",
            r#"{"task_id":"contract-key-fields","recommended":"contract-1","frontier":{},
                "models":[{"name":"contract-1","kind":"open","context_k":128.0,"cost_per_request_micro_usd":420.0,"quality":1}]}"#,
        ),
        ok(
            "POST",
            "/v1/tasks/match",
            r#"{"query":"q","matched":null,"chosen":{},"candidates":[{"task_id":"contract-key-fields","score":1,"confidence":"high"}],"ambiguous":null}"#,
        ),
        ok(
            "GET",
            "/v1/endpoints/ep_1",
            r#"{"id":null,"name":"ep_1","status":"provisioning","taskName":"contract-key-fields"}"#,
        ),
        ok("GET", "/v1/eval-sets/evset_1", r#"{"eval_set":{"id":"evset_1","item_count":3.0,"task_id":null}}"#),
        ok("GET", "/v1/tasks/t1", r#"{"id":"t1","has_blob_input":null,"examples":null}"#),
        ok(
            "POST",
            "/v1/chat/completions",
            r#"{"id":"c1","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
                "tool_calls":[{"id":"call_1","function":{"name":"lookup"}}]}}],"usage":null}"#,
        ),
    ];
    let req = ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")]);
    let server = serve(&replies);
    let summarize = |run: pareta_types::EvalRun,
                     lb: pareta_types::Leaderboard,
                     m: pareta_types::TaskMatch,
                     ep: pareta_types::Endpoint,
                     set: pareta_types::EvalSet,
                     task: pareta_types::Task,
                     chat: pareta_types::ChatCompletion| {
        let choice = &chat.choices[0];
        json!({
            // Python `run: [] [] 420715 0.42`; `mean_cost 850.0`, `n_succeeded 3.0`, `error_count None`.
            "run": [run.id, run.status.as_deref(), run.candidate_models, run.cost_micro_usd, run.cost().to_string(),
                    run.results[0].model_id, run.results[0].mean_cost_micro_usd, run.results[0].n_succeeded,
                    run.results[0].error_count, run.results[0].kind == Some(ModelKind::Open)],
            // Python `lb floats: 420.0 128.0 1`, `frontier` `{}` is None.
            "lb": [lb.models[0].context_k, lb.models[0].cost_per_request_micro_usd, lb.models[0].quality, lb.frontier.is_none()],
            // Python `match: False None [] False` (here one candidate is given).
            "match": [m.matched, m.chosen.is_none(), m.ambiguous, m.candidates[0].task_id,
                      m.candidates[0].confidence == Some(MatchConfidence::High), m.candidates[0].score],
            // Python `ep: ep_1 contract-key-fields`; an unknown status is kept, not an error.
            "ep": [ep.id, ep.task, ep.status == Some(EndpointStatus::Other("provisioning".into())), ep.is_live()],
            "set": [set.id, set.item_count, set.task_id],
            "task": [task.id, task.has_blob_input, task.examples.len()],
            // Python `Usage({})`: total_tokens None; the message's tool_calls via get().
            "chat": [chat.usage.total_tokens, choice.finish_reason == Some(FinishReason::ToolCalls),
                     choice.message.content, choice.message.get("tool_calls").map(|t| t[0]["function"]["name"].clone())],
        })
    };
    let pa = blocking(&server);
    let b = summarize(
        pa.evals().runs().retrieve("run_1").expect("run"),
        pa.tasks().leaderboard("contract-key-fields").expect("leaderboard"),
        pa.tasks().match_intent("q").expect("match"),
        pa.endpoints().retrieve("ep_1").expect("endpoint"),
        pa.evals().sets().retrieve("evset_1").expect("set"),
        pa.tasks().retrieve("t1").expect("task"),
        pa.chat().completions().create(&req).expect("chat"),
    );
    let pa = asynch(&server);
    let a = rt().block_on(async {
        summarize(
            pa.evals().runs().retrieve("run_1").await.expect("run"),
            pa.tasks().leaderboard("contract-key-fields").await.expect("leaderboard"),
            pa.tasks().match_intent("q").await.expect("match"),
            pa.endpoints().retrieve("ep_1").await.expect("endpoint"),
            pa.evals().sets().retrieve("evset_1").await.expect("set"),
            pa.tasks().retrieve("t1").await.expect("task"),
            pa.chat().completions().create(&req).await.expect("chat"),
        )
    });
    assert_eq!(
        b,
        json!({
            "run": ["run_1", "completed", [], 420715, "0.42", "contract-1", 850, 3, null, true],
            "lb": [128, 420, 1.0, true],
            "match": [false, true, false, "contract-key-fields", true, 1.0],
            "ep": ["ep_1", "contract-key-fields", true, false],
            "set": ["evset_1", 3, null],
            "task": ["t1", false, 0],
            "chat": [null, true, null, "lookup"],
        })
    );
    assert_eq!(a, b);
}

#[test]
fn a_body_that_is_not_json_is_a_decode_error_in_both() {
    let replies = [Reply {
        method: "GET",
        path: "/v1/tasks",
        status: 200,
        headers: &[("content-type", "text/html")],
        body: "<html>oops</html>",
    }];
    let server = serve(&replies);
    let b = blocking(&server).tasks().list().unwrap_err();
    let a = rt().block_on(async { asynch(&server).tasks().list().await.unwrap_err() });
    for err in [&b, &a] {
        let d = err.decode_error().unwrap_or_else(|| panic!("expected a decode error, got {err:?}"));
        assert_eq!((d.route(), d.status(), d.field()), ("GET /v1/tasks", 200, None));
    }
    assert_eq!(b.to_string(), a.to_string());
}

#[test]
fn steps_that_need_an_id_fail_naming_route_and_field_in_both() {
    // A waited create whose reply has no `run_id` (Python raises `KeyError: 'run_id'`,
    // `resources/evals.py` l. 162); an inline run whose set came back without an id.
    let replies = [
        ok("POST", "/v1/eval-runs", r#"{"status":"queued"}"#),
        ok("POST", "/v1/eval-sets", r#"{"eval_set":{"task_id":"t","item_count":1}}"#),
    ];
    let server = serve(&replies);
    let wait = WaitOptions::default().poll_interval(Duration::from_millis(1));
    let waited = EvalRunCreate::on_set("evset_1", ["contract-1"]).wait(wait);
    let inline = EvalRunCreate::inline("t", [json!({"input": "x"})], ["contract-1"]);
    let pa = blocking(&server);
    let b = [pa.evals().runs().create(&waited).unwrap_err(), pa.evals().runs().create(&inline).unwrap_err()];
    let pa = asynch(&server);
    let a = rt().block_on(async {
        [pa.evals().runs().create(&waited).await.unwrap_err(), pa.evals().runs().create(&inline).await.unwrap_err()]
    });
    for errs in [&b, &a] {
        let fields: Vec<_> = errs.iter().map(|e| e.decode_error().map(|d| (d.route(), d.field()))).collect();
        assert_eq!(
            fields,
            [Some(("POST /v1/eval-runs", Some("run_id"))), Some(("POST /v1/eval-sets", Some("eval_set.id")))]
        );
    }
    // Without a wait nothing needs the id: the run reads with an empty one and its status.
    let run = blocking(&server).evals().runs().create(&EvalRunCreate::on_set("evset_1", ["contract-1"])).expect("run");
    assert_eq!((run.id.as_str(), run.status), ("", Some(RunStatus::Queued)));
}

#[test]
fn api_errors_keep_headers_and_the_json_body_in_both() {
    let replies = [Reply {
        method: "GET",
        path: "/v1/models",
        status: 429,
        headers: &[("retry-after", "7"), ("x-request-id", "req_429"), ("x-ratelimit-remaining", "0")],
        body: r#"{"detail":"slow down","code":"rate_limited"}"#,
    }];
    let server = serve(&replies);
    let b = blocking(&server).models().list().unwrap_err();
    let a = rt().block_on(async { asynch(&server).models().list().await.unwrap_err() });
    for err in [&b, &a] {
        let api = err.api().unwrap_or_else(|| panic!("expected an API error, got {err:?}"));
        assert_eq!(api.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(api.header("X-RateLimit-Remaining"), Some("0"));
        assert_eq!((api.request_id(), api.detail()), (Some("req_429"), Some("slow down")));
        assert_eq!(api.body_json(), Some(&json!({"detail": "slow down", "code": "rate_limited"})));
    }
}

#[test]
fn a_deploy_error_event_keeps_its_whole_data_in_both() {
    let replies = [Reply {
        method: "POST",
        path: "/v1/endpoints",
        status: 200,
        headers: &[("content-type", "text/event-stream")],
        body: "event: progress\ndata: {\"stage\": \"pulling weights\", \"pct\": 45}\n\nevent: error\ndata: {\"message\": \"out of memory\", \"code\": 7}\n\n",
    }];
    let server = serve(&replies);
    let req = DeployRequest::new("contract-key-fields");
    let b = blocking(&server).endpoints().deploy(&req).expect("stream").wait().unwrap_err();
    let a = rt()
        .block_on(async { asynch(&server).endpoints().deploy(&req).await.expect("stream").wait().await.unwrap_err() });
    for err in [&b, &a] {
        assert!(matches!(err, pareta_blocking::Error::Deploy { message, .. } if message == "out of memory"), "{err:?}");
        assert_eq!(err.deploy_data().and_then(|d| d.get("code")), Some(&json!(7)));
    }
}
