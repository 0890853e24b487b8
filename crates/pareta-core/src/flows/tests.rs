//! Transcript tests: every flow driven by canned replies on a fake clock.

use super::script::{Reply, Script, reply, reply_h};
use super::*;
use crate::error::{ApiErrorKind, TransportError, TransportErrorKind, UploadStep};
use crate::http::{Flow, Input, Output};
use crate::multipart::body_to_vec;
use pareta_types::{
    ChatCompletionRequest, ChatMessage, DeployRequest, Document, EvalRunCreate, EvalSetCreate, Frontier, MetricKind,
    UploadDocument, WaitOptions,
};
use serde_json::json;
use std::time::Duration;

fn cfg() -> Config {
    Config::builder().api_key("pareta_sk_secret").base_url("http://api.test").rng_seed(42).build().unwrap()
}

fn body_json(req: &crate::HttpRequest) -> serde_json::Value {
    serde_json::from_slice(req.body.as_bytes().unwrap()).unwrap()
}

#[test]
fn every_request_carries_the_wire_headers() {
    let mut s = Script::new(vec![reply(200, r#"{"object":"list","data":[{"id":"ep_1"}]}"#)]);
    let list = s.run(models::list(&cfg())).unwrap();
    assert_eq!(list.len(), 1);
    let req = &s.requests[0];
    assert_eq!(req.header("authorization"), Some("Bearer pareta_sk_secret"));
    assert_eq!(req.header("accept"), Some("application/json"));
    assert!(req.header("user-agent").unwrap().starts_with("pareta-rust/"));
    assert_eq!(req.header("content-type"), None, "no body, no content type");
    assert_eq!(req.header("idempotency-key"), None, "GETs carry no key");
    assert_eq!(req.timeouts.total, Some(Duration::from_secs(60)));
    let dbg = format!("{req:?}");
    assert!(!dbg.contains("secret") && dbg.contains("<redacted>"), "{dbg}");
}

#[test]
fn retry_after_two_seconds_then_success() {
    let mut s = Script::new(vec![
        reply_h(429, &[("retry-after", "2"), ("x-request-id", "req_1")], r#"{"detail":"slow down"}"#),
        reply(200, r#"{"id":"t"}"#),
    ]);
    s.run(tasks::retrieve(&cfg(), "t", None)).unwrap();
    assert_eq!(s.steps, ["GET /v1/tasks/t", "sleep 2s", "GET /v1/tasks/t", "done"]);
    assert_eq!(s.elapsed(), Duration::from_secs(2));
}

#[test]
fn three_503s_with_two_retries_is_a_503_error() {
    let busy = || reply_h(503, &[("x-request-id", "req_x")], r#"{"detail":"endpoint is cold"}"#);
    let mut s = Script::new(vec![busy(), busy(), busy()]);
    let err = s.run(endpoints::retrieve(&cfg(), "ep_1")).unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(
        (api.status(), api.kind(), api.detail()),
        (503, ApiErrorKind::EndpointNotReady, Some("endpoint is cold"))
    );
    assert_eq!(err.request_id(), Some("req_x"));
    assert_eq!(s.steps.iter().filter(|s| s.starts_with("GET")).count(), 3);
    let first_sleep: u64 = s.steps[1].trim_start_matches("sleep ").trim_end_matches("ms").parse().unwrap();
    assert!((500..750).contains(&first_sleep), "0.5 s backoff plus up to 0.25 s jitter: {first_sleep}");
}

#[test]
fn backoff_grows_and_includes_jitter() {
    let busy = || reply(500, "{}");
    let cfg = Config::builder().api_key("k").max_retries(3).rng_seed(3).build().unwrap();
    let mut s = Script::new(vec![busy(), busy(), busy(), busy()]);
    s.run(models::list(&cfg)).unwrap_err();
    let sleeps: Vec<f64> = s
        .steps
        .iter()
        .filter_map(|st| st.strip_prefix("sleep ").map(|d| d.trim_end_matches("ms").parse::<f64>().unwrap()))
        .collect();
    assert_eq!(sleeps.len(), 3);
    for (i, ms) in sleeps.iter().enumerate() {
        let base = 500.0 * 2f64.powi(i as i32);
        assert!((base..base + 250.0).contains(ms), "attempt {i}: {ms}ms");
    }
}

#[test]
fn post_retries_keep_one_idempotency_key_and_calls_get_fresh_ones() {
    let c = cfg();
    let req = ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")]);
    let ok = r#"{"id":"c","choices":[{"message":{"content":"yo"}}]}"#;
    let mut s = Script::new(vec![
        Reply::Transport(TransportError::new(TransportErrorKind::Timeout, "read timed out")),
        reply(502, "<html>bad gateway</html>"),
        reply_h(200, &[("x-pareta-billed", "120")], ok),
    ]);
    let done = s.run(chat::create(&c, &req)).unwrap();
    assert_eq!(done.content(), Some("yo"));
    assert_eq!(done.meta().billed_micro_usd(), Some(120));
    let keys: Vec<_> = s.requests.iter().map(|r| r.header("idempotency-key").unwrap().to_owned()).collect();
    assert_eq!(s.requests.iter().map(|r| r.attempt).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k == &keys[0]));
    let mut s2 = Script::new(vec![reply(200, ok)]);
    s2.run(chat::create(&c, &req)).unwrap();
    assert_ne!(s2.requests[0].header("idempotency-key").unwrap(), keys[0]);
}

#[test]
fn transport_errors_surface_after_the_budget() {
    let t = || Reply::Transport(TransportError::new(TransportErrorKind::Connect, "connection refused"));
    let mut s = Script::new(vec![t(), t(), t()]);
    let err = s.run(models::list(&cfg())).unwrap_err();
    assert!(err.is_connection() && !err.is_timeout());
    assert!(err.to_string().contains("connection refused"));
}

#[test]
fn non_retryable_statuses_fail_at_once() {
    for status in [400, 401, 402, 403, 404, 422] {
        let mut s = Script::new(vec![reply(status, r#"{"detail":"no"}"#)]);
        let err = s.run(models::list(&cfg())).unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(s.steps.len(), 2);
    }
}

#[test]
fn garbage_json_on_200_is_a_decode_error_naming_the_route() {
    let mut s = Script::new(vec![reply(200, "{\"not json")]);
    let err = s.run(tasks::list(&cfg())).unwrap_err();
    assert!(matches!(err, Error::Decode(_)));
    assert!(err.to_string().contains("GET /v1/tasks"), "{err}");
}

#[test]
fn chat_body_and_streaming_flags() {
    let req = ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("hi")]).temperature(0.0).extra("stream", true);
    let call = chat::create(&cfg(), &req);
    assert_eq!(
        body_json(call.request()),
        json!({"model":"ep_1","messages":[{"role":"user","content":"hi"}],"temperature":0.0})
    );
    assert_eq!(call.request().header("content-type"), Some("application/json"));
    let call = chat::create_stream(&cfg(), &req);
    assert_eq!(body_json(call.request())["stream"], json!(true));
    assert!(call.request().streaming);
    assert_eq!(call.request().header("accept"), Some("text/event-stream"));
    assert_eq!(call.request().timeouts.total, None);
    assert_eq!(call.request().timeouts.idle, Some(Duration::from_secs(60)));
}

#[test]
fn bad_arguments_fail_before_any_request() {
    let c = cfg();
    let mut s = Script::new(vec![]);
    assert!(matches!(
        s.run(chat::create(&c, &ChatCompletionRequest::new("ep", vec![]))),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        s.run(chat::create(&c, &ChatCompletionRequest::new(" ", vec![ChatMessage::user("x")]))),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(s.run(tasks::match_intent(&c, "  ", 5)), Err(Error::InvalidArgument(_))));
    assert!(matches!(s.run(tasks::retrieve(&c, "", None)), Err(Error::InvalidArgument(_))));
    assert!(matches!(s.run(endpoints::delete(&c, "")), Err(Error::InvalidArgument(_))));
    assert!(matches!(
        s.run(evals::create_set(&c, &EvalSetCreate::new("t", Vec::<serde_json::Value>::new()))),
        Err(Error::InvalidArgument(_))
    ));
    let err = s.run(evals::create_set(&c, &EvalSetCreate::new("t", vec![json!({}), json!([1])]))).unwrap_err();
    assert!(err.to_string().contains("row 1"), "{err}");
    assert!(matches!(
        s.run(runs::create(&c, &EvalRunCreate::on_set("s", Vec::<String>::new()))),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(s.run(endpoints::deploy(&c, &DeployRequest::new(""))), Err(Error::InvalidArgument(_))));
    assert!(s.requests.is_empty());
}

#[test]
fn ids_are_percent_encoded_and_queries_built() {
    let c = cfg();
    assert_eq!(endpoints::retrieve(&c, "a/../b").request().url.as_ref(), "http://api.test/v1/endpoints/a%2F..%2Fb");
    assert_eq!(
        tasks::retrieve(&c, "t 1", Some(3)).request().url.as_ref(),
        "http://api.test/v1/tasks/t%201?examples_n=3"
    );
    assert_eq!(
        endpoints::metrics(&c, "ep", MetricKind::Cost, &[("window", "7d")]).request().url.as_ref(),
        "http://api.test/v1/endpoints/ep/cost?window=7d"
    );
    assert_eq!(
        evals::frontier_models(&c, Some("a&b")).request().url.as_ref(),
        "http://api.test/v1/eval/frontier-models?task=a%26b"
    );
    assert_eq!(body_json(tasks::match_intent(&c, "invoices", 3).request()), json!({"query": "invoices", "top_k": 3}));
}

#[test]
fn envelopes_and_empty_bodies() {
    let c = cfg();
    let mut s = Script::new(vec![
        reply(200, r#"{"tasks":[{"id":"a","has_blob_input":null},{"id":"b","has_blob_input":true}]}"#),
        reply(200, r#"[{"name":"ep_1","taskName":"a","status":"live"}]"#),
        reply(200, r#"{"eval_sets":[{"id":"s1","item_count":2}]}"#),
        reply(200, r#"{"frontier_models":[{"id":"gpt-4o","benchmarked":true}]}"#),
        reply(204, ""),
        reply(200, ""),
        reply(200, r#"{"task_id":"a","recommended":"a-1","models":[]}"#),
    ]);
    let t = s.run(tasks::list(&c)).unwrap();
    assert_eq!((t.len(), t[0].has_blob_input, t[1].has_blob_input), (2, false, true));
    assert_eq!(t[1].raw_json(), r#"{"id":"b","has_blob_input":true}"#);
    let eps = s.run(endpoints::list(&c)).unwrap();
    assert_eq!((eps[0].id.as_str(), eps[0].task.as_deref()), ("ep_1", Some("a")));
    assert_eq!(s.run(evals::list_sets(&c)).unwrap()[0].item_count, Some(2));
    assert!(s.run(evals::frontier_models(&c, None)).unwrap()[0].benchmarked);
    s.run(endpoints::delete(&c, "ep_1")).unwrap();
    assert_eq!(s.run(endpoints::start(&c, "ep_1")).unwrap(), json!({}));
    assert_eq!(s.run(tasks::recommended(&c, "a")).unwrap().as_deref(), Some("a-1"));
}

#[test]
fn eval_set_multipart_is_byte_exact() {
    let c = cfg();
    let call = evals::create_set(
        &c,
        &EvalSetCreate::new("contract-key-fields", vec![json!({"input": "A"}), json!({"input": "B"})]),
    );
    let req = call.request();
    let ct = req.header("content-type").unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let expected = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"task_id\"\r\n\r\ncontract-key-fields\r\n\
--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nsdk eval set (2 items)\r\n\
--{b}\r\nContent-Disposition: form-data; name=\"items\"; filename=\"items.contract-key-fields.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n{{\"input\":\"A\"}}\n{{\"input\":\"B\"}}\r\n\
--{b}--\r\n",
        b = boundary
    );
    assert_eq!(String::from_utf8(body_to_vec(&req.body).unwrap()).unwrap(), expected);
    assert!(req.header("idempotency-key").is_some());
}

fn run_json(status: &str, cost: i64) -> String {
    json!({"run": {"id": "run_1", "eval_set_id": "evset_1", "status": status, "candidate_model_ids": ["qwen-1", "gpt-4o"], "total_cost_micro_usd": cost},
           "results": if status == "completed" { json!([{"model_id": "qwen-1", "kind": "open", "quality_mean": 0.9}]) } else { json!([]) }})
    .to_string()
}

#[test]
fn inline_run_creates_set_fetches_roster_starts_and_polls() {
    let c = cfg();
    let req = EvalRunCreate::inline("inv", vec![json!({"input": "x"})], ["qwen-1"])
        .frontier(Frontier::Benchmarked)
        .name("my run")
        .wait(WaitOptions::default().poll_interval(Duration::from_secs(2)));
    let mut s = Script::new(vec![
        reply(200, r#"{"eval_set":{"id":"evset_1","task_id":"inv"}}"#),
        reply(200, r#"{"frontier_models":[{"id":"gpt-4o","benchmarked":true},{"id":"o-mini","benchmarked":false}]}"#),
        reply(200, r#"{"run_id":"run_1","status":"queued"}"#),
        reply(200, &run_json("running", 0)),
        reply(200, &run_json("completed", 420_715)),
    ]);
    let run = s.run(runs::create(&c, &req)).unwrap();
    assert_eq!(
        s.steps,
        [
            "POST /v1/eval-sets",
            "GET /v1/eval/frontier-models?task=inv",
            "POST /v1/eval-runs",
            "GET /v1/eval-runs/run_1",
            "sleep 2043ms", // the 2 s poll interval plus seeded jitter (at most 10%)
            "GET /v1/eval-runs/run_1",
            "done"
        ]
    );
    assert!((Duration::from_secs(2)..=Duration::from_millis(2200)).contains(&s.elapsed()), "{:?}", s.elapsed());
    assert_eq!(
        body_json(&s.requests[2]),
        json!({"eval_set_id": "evset_1", "candidate_model_ids": ["qwen-1", "gpt-4o"]})
    );
    let set_body = String::from_utf8(body_to_vec(&s.requests[0].body).unwrap()).unwrap();
    assert!(set_body.contains("\r\n\r\nmy run\r\n"), "run name names the inline set");
    assert_eq!((run.status.as_ref().map(|s| s.as_str()), run.cost().to_string().as_str()), (Some("completed"), "0.42"));
    assert_eq!(run.results.len(), 1);
}

#[test]
fn run_on_set_with_keyword_looks_up_the_task_first() {
    let mut s = Script::new(vec![
        reply(200, r#"{"eval_set":{"id":"s 1","task_id":"t"}}"#),
        reply(200, r#"{"frontier_models":[{"id":"a"},{"id":"b","benchmarked":true}]}"#),
        reply(200, r#"{"run_id":"r","status":"queued"}"#),
    ]);
    let run = s.run(runs::create(&cfg(), &EvalRunCreate::on_set("s 1", ["m"]).frontier(Frontier::All))).unwrap();
    assert_eq!(s.steps[..3], ["GET /v1/eval-sets/s%201", "GET /v1/eval/frontier-models?task=t", "POST /v1/eval-runs"]);
    assert_eq!(body_json(&s.requests[2])["candidate_model_ids"], json!(["m", "a", "b"]));
    assert_eq!((run.id.as_str(), run.status.as_ref().map(|s| s.as_str())), ("r", Some("queued")));
}

#[test]
fn run_with_explicit_ids_or_known_task_skips_lookups() {
    let mut s = Script::new(vec![reply(200, r#"{"run_id":"r","status":"queued"}"#)]);
    s.run(runs::create(&cfg(), &EvalRunCreate::on_set("s", ["m"]).frontier(vec!["gpt-4o"]))).unwrap();
    assert_eq!(s.steps, ["POST /v1/eval-runs", "done"]);
    let mut s =
        Script::new(vec![reply(200, r#"{"frontier_models":[]}"#), reply(200, r#"{"run_id":"r","status":"queued"}"#)]);
    s.run(runs::create(&cfg(), &EvalRunCreate::on_set("s", ["m"]).task("t").frontier(Frontier::Benchmarked))).unwrap();
    assert_eq!(s.steps[0], "GET /v1/eval/frontier-models?task=t");
}

fn missing(err: &Error) -> (&str, Option<&str>, u16) {
    match err {
        Error::Decode(d) => (d.route(), d.field(), d.status()),
        other => panic!("expected a Decode error, got {other:?}"),
    }
}

#[test]
fn set_without_task_cannot_resolve_a_keyword() {
    let mut s = Script::new(vec![reply(200, r#"{"eval_set":{"id":"s"}}"#)]);
    let err = s.run(runs::create(&cfg(), &EvalRunCreate::on_set("s", ["m"]).frontier(Frontier::All))).unwrap_err();
    assert_eq!(missing(&err), ("GET /v1/eval-sets/{id}", Some("eval_set.task_id"), 200));
    assert!(err.to_string().contains("`eval_set.task_id`"), "{err}");
    assert_eq!(s.steps, ["GET /v1/eval-sets/s", "done"], "nothing is sent after the bad reply");
}

#[test]
fn steps_that_need_an_id_fail_with_a_decode_error_naming_route_and_field() {
    // An inline run whose set came back without an id: the run cannot start.
    for body in [r#"{"eval_set":{"task_id":"t"}}"#, r#"{"eval_set":null}"#, "{}", r#"{"eval_set":{"id":null}}"#] {
        let mut s = Script::new(vec![reply(200, body)]);
        let err = s.run(runs::create(&cfg(), &EvalRunCreate::inline("t", [json!({"input": "a"})], ["m"]))).unwrap_err();
        assert_eq!(missing(&err), ("POST /v1/eval-sets", Some("eval_set.id"), 200), "{body}");
        assert_eq!(s.steps, ["POST /v1/eval-sets", "done"]);
    }
    // A waited create whose reply has no `run_id`: nothing to wait on.
    let mut s = Script::new(vec![reply(200, r#"{"status":"queued"}"#)]);
    let req = EvalRunCreate::on_set("s", ["m"]).wait(WaitOptions::default());
    let err = s.run(runs::create(&cfg(), &req)).unwrap_err();
    assert_eq!(missing(&err), ("POST /v1/eval-runs", Some("run_id"), 200));
    assert_eq!(s.steps, ["POST /v1/eval-runs", "done"], "no GET of an empty run id");
    // Without a wait nothing needs the id: the run reads with an empty one.
    let mut s = Script::new(vec![reply(200, r#"{"status":"queued"}"#)]);
    let run = s.run(runs::create(&cfg(), &EvalRunCreate::on_set("s", ["m"]))).unwrap();
    assert_eq!((run.id.as_str(), run.status.as_ref().map(|s| s.as_str())), ("", Some("queued")));
    // A roster entry the run would send without an id.
    let mut s =
        Script::new(vec![reply(200, r#"{"frontier_models":[{"id":"a","benchmarked":true},{"benchmarked":true}]}"#)]);
    let req = EvalRunCreate::on_set("s", ["m"]).task("t").frontier(Frontier::Benchmarked);
    let err = s.run(runs::create(&cfg(), &req)).unwrap_err();
    assert_eq!(missing(&err), ("GET /v1/eval/frontier-models", Some("frontier_models[].id"), 200));
    // ... but one it filters out does not matter.
    let mut s = Script::new(vec![
        reply(200, r#"{"frontier_models":[{"id":"a","benchmarked":true},{"benchmarked":false}]}"#),
        reply(200, r#"{"run_id":"r","status":"queued"}"#),
    ]);
    s.run(runs::create(&cfg(), &req)).unwrap();
    assert_eq!(body_json(&s.requests[1])["candidate_model_ids"], json!(["m", "a"]));
}

#[test]
fn list_routes_read_empty_and_null_envelopes_as_empty_lists() {
    for body in ["", "{}", "null", r#"{"tasks":null}"#] {
        let mut s = Script::new(vec![reply(200, body)]);
        assert!(s.run(tasks::list(&cfg())).unwrap().is_empty(), "{body:?}");
    }
    for body in ["", "{}", "null", r#"{"eval_sets":null}"#] {
        let mut s = Script::new(vec![reply(200, body)]);
        assert!(s.run(evals::list_sets(&cfg())).unwrap().is_empty(), "{body:?}");
    }
    for body in ["{}", r#"{"frontier_models":null}"#] {
        let mut s = Script::new(vec![reply(200, body)]);
        assert!(s.run(evals::frontier_models(&cfg(), None)).unwrap().is_empty(), "{body:?}");
    }
    for body in ["", "{}", "null", "[]"] {
        let mut s = Script::new(vec![reply(200, body)]);
        assert!(s.run(endpoints::list(&cfg())).unwrap().is_empty(), "{body:?}");
    }
    // A body that is not JSON stays a decode error.
    let mut s = Script::new(vec![reply(200, "<html>oops</html>")]);
    let err = s.run(tasks::list(&cfg())).unwrap_err();
    assert!(matches!(&err, Error::Decode(d) if d.route() == "GET /v1/tasks" && d.field().is_none()), "{err}");
}

#[test]
fn wait_times_out_naming_the_run_and_last_status() {
    let opts = WaitOptions { poll_interval: Duration::from_secs(3), timeout: Duration::from_secs(7) };
    let mut s = Script::new((0..4).map(|_| reply(200, &run_json("evaluating", 0))).collect());
    let err = s.run(runs::wait(&cfg(), "run_1", opts)).unwrap_err();
    assert_eq!(
        s.steps,
        [
            "GET /v1/eval-runs/run_1",
            "sleep 3222ms", // 3 s plus seeded jitter (at most 10%)
            "GET /v1/eval-runs/run_1",
            "sleep 3047ms",
            "GET /v1/eval-runs/run_1",
            "sleep 729ms", // what is left of the 7 s: the last poll lands on the timeout
            "GET /v1/eval-runs/run_1",
            "done"
        ]
    );
    match &err {
        Error::WaitTimeout { run_id, last_status, waited } => {
            assert_eq!(
                (run_id.as_str(), last_status.as_deref(), *waited),
                ("run_1", Some("evaluating"), Duration::from_secs(7))
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("run_1") && err.to_string().contains("evaluating"));
}

#[test]
fn a_failed_run_is_a_result_not_an_error() {
    let mut s = Script::new(vec![reply(200, r#"{"run":{"id":"r","status":"failed","error_detail":"boom"}}"#)]);
    let run = s.run(runs::wait(&cfg(), "r", WaitOptions::default())).unwrap();
    assert_eq!(run.error_detail.as_deref(), Some("boom"));
}

#[test]
fn small_upload_goes_inline() {
    let up =
        UploadDocument::new("evset_1", 2, "document", Document::bytes(b"%PDF-1.4".to_vec())).mime("application/pdf");
    let mut s = Script::new(vec![reply(200, r#"{"ok":true}"#)]);
    let out = s.run(upload::upload_document(&cfg(), &up, None)).unwrap();
    assert_eq!(out, json!({"ok": true}));
    assert_eq!(s.steps, ["POST /v1/eval-sets/evset_1/attach-blob", "done"]);
    let body = String::from_utf8(body_to_vec(&s.requests[0].body).unwrap()).unwrap();
    assert!(body.contains("name=\"idx\"\r\n\r\n2\r\n") && body.contains("name=\"mime\"\r\n\r\napplication/pdf\r\n"));
    assert!(body.contains("name=\"file\"; filename=\"upload\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"));
}

#[test]
fn a_mime_type_no_header_can_carry_fails_before_any_request() {
    for mime in ["application/pdf\r\nX-Injected: 1", "", "image/\u{e9}"] {
        let up = UploadDocument::new("evset_1", 0, "document", Document::bytes(b"%PDF".to_vec())).mime(mime);
        let mut s = Script::new(vec![]);
        let e = s.run(upload::upload_document(&cfg(), &up, None)).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)) && e.to_string().contains("upload `mime`"), "{e}");
        assert!(s.requests.is_empty(), "{mime:?} was sent");
    }
}

#[test]
fn large_upload_uses_the_signed_url_without_the_key() {
    let size = upload::INLINE_LIMIT;
    let up = UploadDocument::new("evset_1", 0, "document", Document::path("/data/scan.tiff"));
    let mut s = Script::new(vec![
        reply(200, r#"{"upload_url":"https://storage.test/up?sig=1","storage_uri":"gs://b/o"}"#),
        reply(201, ""),
        reply(200, r#"{"attached":true}"#),
    ]);
    let out = s.run(upload::upload_document(&cfg(), &up, Some(size))).unwrap();
    assert_eq!(out, json!({"attached": true}));
    assert_eq!(
        s.steps[..3],
        [
            "POST /v1/eval-sets/evset_1/blob-upload-url",
            "PUT /up?sig=1",
            "POST /v1/eval-sets/evset_1/blob-upload-complete"
        ]
    );
    assert_eq!(
        body_json(&s.requests[0]),
        json!({"idx": 0, "field_name": "document", "mime": "image/tiff", "file_size": size})
    );
    let put = &s.requests[1];
    assert_eq!(&*put.url, "https://storage.test/up?sig=1");
    assert_eq!(put.header("authorization"), None);
    assert_eq!(put.header("content-type"), Some("image/tiff"));
    assert_eq!(put.header("content-length"), Some(size.to_string().as_str()));
    assert_eq!(put.body.parts(), &[crate::BodyPart::File { path: "/data/scan.tiff".into(), len: size }]);
    assert_eq!(
        body_json(&s.requests[2]),
        json!({"idx": 0, "field_name": "document", "storage_uri": "gs://b/o", "mime": "image/tiff"})
    );
}

#[test]
fn a_failed_put_says_which_step_and_what_storage_said() {
    let up = UploadDocument::new("s", 0, "f", Document::path("/data/big.bin"));
    let mut s = Script::new(vec![
        reply(200, r#"{"upload_url":"http://storage.test/u","storage_uri":"gs://b/o"}"#),
        reply(403, "<Error>SignatureDoesNotMatch</Error>"),
    ]);
    let err = s.run(upload::upload_document(&cfg(), &up, Some(upload::INLINE_LIMIT + 1))).unwrap_err();
    match &err {
        Error::Upload(u) => assert_eq!((u.step, u.status), (UploadStep::Put, Some(403))),
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("step 2 of 3") && msg.contains("SignatureDoesNotMatch"), "{msg}");
    assert_eq!(s.steps.len(), 3, "the PUT is not retried");

    let mut s = Script::new(vec![
        reply(200, r#"{"upload_url":"http://storage.test/u","storage_uri":"gs://b/o"}"#),
        reply(200, ""),
        reply(422, r#"{"detail":"no object at gs://b/o"}"#),
    ]);
    let err = s.run(upload::upload_document(&cfg(), &up, Some(upload::INLINE_LIMIT + 1))).unwrap_err();
    assert!(err.to_string().contains("step 3 of 3") && err.to_string().contains("no object"), "{err}");
    assert_eq!(err.status(), Some(422));
}

#[test]
fn streaming_calls_hand_back_a_decoder_with_response_meta() {
    use crate::stream::StreamDecoder;
    let mut s = Script::new(vec![reply_h(200, &[("x-request-id", "req_s")], "")]);
    let dec = s.run(endpoints::deploy(&cfg(), &DeployRequest::new("t"))).unwrap();
    assert_eq!(dec.meta().request_id(), Some("req_s"));
    assert_eq!(body_json(&s.requests[0]), json!({"task": "t", "model": "recommended"}));
    let mut s = Script::new(vec![reply(429, "{}"), reply(401, r#"{"detail":"bad key"}"#)]);
    let err =
        s.run(chat::create_stream(&cfg(), &ChatCompletionRequest::new("e", vec![ChatMessage::user("x")]))).unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[test]
fn polling_early_only_sleeps_the_rest_and_double_poll_is_misuse() {
    let c = cfg();
    let mut call = models::list(&c);
    let t0 = std::time::Instant::now();
    assert!(matches!(call.poll(t0), Output::Send(_)));
    call.handle(t0, Input::Response(crate::Response { status: 503, headers: &[("retry-after", "4")], body: b"" }));
    assert!(matches!(call.poll(t0 + Duration::from_secs(1)), Output::Sleep(d) if d == Duration::from_secs(3)));
    assert!(matches!(call.poll(t0 + Duration::from_secs(5)), Output::Send(_)));
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        matches!(call.poll(t0), Output::Done(Err(Error::Misuse(_))))
    }));
    // Debug builds assert; release builds report misuse. Either way, no second Send.
    assert!(res.unwrap_or(true));
}

#[test]
fn a_failed_url_request_is_step_1_and_keeps_the_api_error() {
    let up = UploadDocument::new("s", 0, "f", Document::path("/data/big.bin"));
    let mut s = Script::new(vec![reply(402, r#"{"detail":"balance empty"}"#)]);
    let err = s.run(upload::upload_document(&cfg(), &up, Some(upload::INLINE_LIMIT))).unwrap_err();
    assert!(matches!(&err, Error::Upload(u) if u.step == UploadStep::RequestUrl), "{err:?}");
    assert!(err.to_string().contains("step 1 of 3") && err.to_string().contains("balance empty"), "{err}");
    assert_eq!(err.api().map(|a| a.kind()), Some(ApiErrorKind::InsufficientCredits));
}

#[test]
fn request_headers_are_built_once_with_the_length_and_the_key_sensitive() {
    let c = cfg();
    let req = chat::create(&c, &ChatCompletionRequest::new("ep", vec![ChatMessage::user("hi")])).request().clone();
    let map = &req.headers;
    assert!(map.get("authorization").unwrap().is_sensitive());
    assert_eq!(req.header("accept"), Some("application/json"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("user-agent"), Some(crate::config::USER_AGENT));
    assert_eq!(req.header("content-length"), Some(req.body.len().to_string().as_str()));
    assert!(req.header("idempotency-key").is_some());
    assert!(!format!("{req:?}").contains("secret"), "{req:?}");
    // Retries share the URL and headers instead of copying them.
    let again = req.clone();
    assert!(std::sync::Arc::ptr_eq(&req.headers, &again.headers) && std::sync::Arc::ptr_eq(&req.url, &again.url));
    // A bodyless GET says no length; a stream asks for events.
    let get = models::list(&c).request().clone();
    assert_eq!((get.header("content-length"), get.header("content-type")), (None, None));
    let stream = chat::create_stream(&c, &ChatCompletionRequest::new("ep", vec![ChatMessage::user("hi")]));
    assert_eq!(stream.request().header("accept"), Some("text/event-stream"));
    // Plain GETs share the client's one map; per-call headers get a map of their own.
    let other = tasks::retrieve(&c, "t1", None).request().clone();
    assert!(std::sync::Arc::ptr_eq(&get.headers, &other.headers));
    let view = c.with_options(&crate::RequestOptions::new().header("x-trace", "7").query("k", "v"));
    let traced = models::list(&view).request().clone();
    assert!(!std::sync::Arc::ptr_eq(&get.headers, &traced.headers));
    assert_eq!((traced.header("x-trace"), traced.header("accept")), (Some("7"), Some("application/json")));
    assert!(traced.url.ends_with("/v1/models?k=v"), "{}", traced.url);
    let queried = models::list(&c.with_options(&crate::RequestOptions::new().query("k", "v"))).request().clone();
    assert!(std::sync::Arc::ptr_eq(&get.headers, &queried.headers) && queried.url.ends_with("?k=v"));
}
