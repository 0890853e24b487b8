//! Every record type fed the `null`, integral-float and empty-envelope variants of its
//! fixture, asserting what the platform's Python client 0.1.0 gives for the same JSON.
//!
//! The expected values come from reading `pareta/_models.py` in the wheel
//! `pareta-0.1.0-py3-none-any.whl` (`pip download pareta==0.1.0 --no-deps`), and were
//! confirmed by loading that file and feeding it the same JSON. The line numbers below
//! are that file's. The rules it applies:
//!
//! - `_Base.__init__` (l. 34): `self._raw = raw or {}`, so a `null` record is `{}`;
//! - lists: `[X(c) for c in (self._raw.get("k") or [])]` (`choices` l. 107, `data` l. 135,
//!   `candidates` l. 236, `models` l. 366, `results` l. 447), so `null` is `[]`;
//! - nested objects: `Usage(self._raw.get("usage") or {})` (l. 111), `Message(... or {})`
//!   (l. 84, 89), so `null` is the empty object; optional ones `X(c) if c else None`
//!   (`chosen` l. 232, `frontier` l. 371), so `null` and `{}` are `None`;
//! - envelopes: `(raw or {}).get("tasks") or []` (`_task_list` l. 200, `_eval_set_list`
//!   l. 277, `_frontier_models` l. 400), `raw or []` (`_endpoint_list` l. 180), and
//!   `EvalSet((raw or {}).get("eval_set") or {})` (l. 272); `_client.py` l. 222 reads an
//!   empty body as `{}`;
//! - numbers pass through untouched (`context_k` `128.0` stays `128.0`, which equals
//!   `128`), except `EvalRun.cost_micro_usd`: `int(... or 0)` (l. 439);
//! - booleans: `bool(self._raw.get("k"))` (l. 195, 227, 240, 388, 392);
//! - `Endpoint.id`: `get("id") or get("name")` (l. 151); `task`: `get("taskName") or
//!   get("task")` (l. 167).
//!
//! Where Rust differs on purpose it says so: a non-integral float in an integer field
//! reads as `None` here (the issue's rule: typed fields hold integers; the raw JSON keeps
//! the value), where Python hands back the float (or, for `cost_micro_usd`, truncates it).

use pareta_types::envelope;
use pareta_types::{
    ChatCompletion, ChatCompletionChunk, EndpointStatus, EvalRun, EvalSet, FrontierModel, Leaderboard, MatchConfidence,
    Model, ModelList, RunStatus, Task, TaskMatch,
};
use pareta_types::{Endpoint, Role};
use serde_json::json;

/// Parses `text` as `T` or fails the test with the text.
fn parse<T>(text: &str, f: fn(&str) -> Result<T, serde_json::Error>) -> T {
    f(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn chat_completion_and_chunk() {
    let base = r#"{"id":"c1","model":"ep_1","created":1767225600,"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"#;
    let c = parse(base, ChatCompletion::from_json);
    assert_eq!((c.content(), c.usage.total_tokens, c.created), (Some("hi"), Some(6), Some(1_767_225_600)));

    // null lists and objects. Python: `chat nulls: [] None` (choices l. 107, usage l. 111).
    let c = parse(r#"{"id":"c1","choices":null,"usage":null}"#, ChatCompletion::from_json);
    assert!(c.choices.is_empty());
    assert_eq!(c.usage.total_tokens, None);
    // A null message/delta is an empty Message (l. 84, 89): content None.
    let c = parse(r#"{"choices":[{"message":null,"delta":null,"finish_reason":null}]}"#, ChatCompletion::from_json);
    assert_eq!((c.choices[0].message.content.as_deref(), c.choices[0].delta.role.as_ref()), (None, None));
    // A null element of `choices` is `Choice({})` (l. 34).
    let c = parse(r#"{"choices":[null]}"#, ChatCompletion::from_json);
    assert_eq!((c.choices.len(), c.content()), (1, None));

    // Integral floats. Python passes `3.0` through (== 3); `created` 1767225600.0 likewise.
    let c = parse(
        r#"{"created":1767225600.0,"choices":[{"index":0.0}],"usage":{"prompt_tokens":5.0,"total_tokens":6.0}}"#,
        ChatCompletion::from_json,
    );
    assert_eq!(
        (c.created, c.choices[0].index, c.usage.prompt_tokens, c.usage.total_tokens),
        (Some(1_767_225_600), Some(0), Some(5), Some(6))
    );
    // Non-integral: None here, the raw JSON keeps it.
    let c = parse(r#"{"usage":{"total_tokens":6.5}}"#, ChatCompletion::from_json);
    assert_eq!(c.usage.total_tokens, None);
    assert_eq!(c.usage.get("total_tokens"), Some(&json!(6.5)));

    // Empty bodies: `{}` (and `null`, l. 34) are the empty completion.
    for body in ["{}", "null"] {
        let c = parse(body, ChatCompletion::from_json);
        assert!(c.choices.is_empty() && c.id.is_none() && c.usage.total_tokens.is_none(), "{body}");
    }

    // The chunk is the same schema (l. 114); its `usage` is optional.
    let ch = parse(r#"{"choices":null,"usage":null}"#, ChatCompletionChunk::from_json);
    assert!(ch.choices.is_empty() && ch.usage.is_none() && ch.delta().is_none());
    let ch = parse(
        r#"{"choices":[{"delta":{"role":"assistant","content":"x"}}],"usage":{"total_tokens":3.0}}"#,
        ChatCompletionChunk::from_json,
    );
    assert_eq!((ch.delta(), ch.usage.as_ref().and_then(|u| u.total_tokens)), (Some("x"), Some(3)));
    assert_eq!(ch.choices[0].delta.role, Some(Role::Assistant));
}

#[test]
fn model_list_and_model() {
    let list = parse(
        r#"{"object":"list","data":[{"id":"ep_1","owned_by":"pareta","created":1767225600}]}"#,
        ModelList::from_json,
    );
    assert_eq!((list.len(), list.data[0].id.as_str()), (1, "ep_1"));
    // Python: `models null: 0 []`, `models {}: 0` (l. 135, 141).
    for body in [r#"{"object":"list","data":null}"#, "{}", "null", r#"{"data":{}}"#] {
        assert!(parse(body, ModelList::from_json).is_empty(), "{body}");
    }
    // `created` 1767225600.0: Python gives 1767225600.0 (== 1767225600).
    let m = parse(r#"{"id":"ep","created":1767225600.0}"#, Model::from_json);
    assert_eq!(m.created, Some(1_767_225_600));
    // A model without an id (Python: None) reads with an empty id.
    let m = parse(r#"{"id":null,"owned_by":null}"#, Model::from_json);
    assert_eq!((m.id.as_str(), m.owned_by.as_deref()), ("", None));
}

#[test]
fn endpoint_and_endpoint_lists() {
    // Python `ep: ep_1 t`: id falls back to name when null, task to `task` when taskName is "".
    let ep = parse(r#"{"id":null,"name":"ep_1","taskName":"","task":"t","status":"live"}"#, Endpoint::from_json);
    assert_eq!((ep.id.as_str(), ep.task.as_deref()), ("ep_1", Some("t")));
    assert_eq!(ep.status, Some(EndpointStatus::Live));
    let ep = parse(r#"{"id":"","name":"ep_2"}"#, Endpoint::from_json);
    assert_eq!(ep.id, "ep_2", "`or` falls back on an empty id too");
    let ep = parse(r#"{"status":null,"url":null}"#, Endpoint::from_json);
    assert_eq!((ep.id.as_str(), ep.status.as_ref(), ep.is_live()), ("", None, false));
    // `_endpoint_list` (l. 180): `raw or []`, so null, {} and [] are all empty.
    for body in ["null", "{}", "[]"] {
        assert!(parse(body, envelope::list::<Endpoint>).is_empty(), "{body}");
    }
    let eps = parse(r#"[{"name":"a"},null]"#, envelope::list::<Endpoint>);
    assert_eq!((eps[0].id.as_str(), eps[1].id.as_str()), ("a", ""));
}

#[test]
fn tasks_and_task_lists() {
    let t = parse(r#"{"id":"t","has_blob_input":null,"examples":null,"default_scorer":null}"#, Task::from_json);
    // Python `task: t False` (l. 195).
    assert_eq!((t.id.as_str(), t.has_blob_input, t.examples.len(), t.default_scorer.as_deref()), ("t", false, 0, None));
    assert!(parse(r#"{"id":"t","has_blob_input":1}"#, Task::from_json).has_blob_input, "bool(1) is True");
    // Python `tasks {}: [] [] []` (l. 200) for `{}`, `{"tasks": null}`, `null`.
    for body in ["{}", r#"{"tasks":null}"#, "null"] {
        assert!(parse(body, |b| envelope::list_in::<Task>(b, "tasks")).is_empty(), "{body}");
    }
}

#[test]
fn task_match() {
    let base = r#"{"query":"q","matched":true,"chosen":{"task_id":"t","score":0.9,"confidence":"high"},"candidates":[{"task_id":"t","score":0.9,"confidence":"high"}],"ambiguous":false,"matcher":"keyword"}"#;
    let m = parse(base, TaskMatch::from_json);
    assert_eq!(m.chosen.as_ref().map(|c| c.confidence.clone()), Some(Some(MatchConfidence::High)));
    // Python `match: False None [] False` (l. 227-240): null flags false, `{}` chosen None, null list [].
    let m = parse(r#"{"matched":null,"chosen":{},"candidates":null,"ambiguous":null}"#, TaskMatch::from_json);
    assert!(!m.matched && m.chosen.is_none() && m.candidates.is_empty() && !m.ambiguous);
    let m = parse(r#"{"chosen":null}"#, TaskMatch::from_json);
    assert!(m.chosen.is_none());
    // A score of 1 (an int) is a float score; a candidate without task_id reads "".
    let m = parse(r#"{"candidates":[{"score":1,"confidence":"certain"}]}"#, TaskMatch::from_json);
    assert_eq!((m.candidates[0].task_id.as_str(), m.candidates[0].score), ("", Some(1.0)));
    assert_eq!(m.candidates[0].confidence, Some(MatchConfidence::Other("certain".into())));
    assert!(parse("{}", TaskMatch::from_json).candidates.is_empty());
}

#[test]
fn leaderboard() {
    // Python `lb: [] None` (l. 366, 371).
    let lb = parse(r#"{"task_id":"t","models":null,"frontier":{}}"#, Leaderboard::from_json);
    assert!(lb.models.is_empty() && lb.frontier.is_none());
    assert!(parse(r#"{"frontier":null}"#, Leaderboard::from_json).frontier.is_none());
    // Python `lb floats: 420.0 128.0 1`: integral floats are the integers here.
    let lb = parse(
        r#"{"models":[{"name":"a","cost_per_request_micro_usd":420.0,"context_k":128.0,"quality":1}],"frontier":{"name":"gpt-4o","cost_per_request_micro_usd":9000.0}}"#,
        Leaderboard::from_json,
    );
    let e = &lb.models[0];
    assert_eq!((e.cost_per_request_micro_usd, e.context_k, e.quality), (Some(420), Some(128), Some(1.0)));
    assert_eq!(lb.frontier.as_ref().and_then(|f| f.cost_per_request_micro_usd), Some(9000));
    // `context_k: 32.5`: Python gives 32.5; here None, and the row keeps it.
    let lb = parse(r#"{"models":[{"name":"a","context_k":32.5}]}"#, Leaderboard::from_json);
    assert_eq!((lb.models[0].context_k, lb.models[0].get("context_k")), (None, Some(&json!(32.5))));
    assert!(parse("{}", Leaderboard::from_json).models.is_empty());
}

#[test]
fn frontier_models() {
    // Python `fm: [] []` (l. 400) and `fm flags: False True` (l. 388, 392).
    for body in ["{}", r#"{"frontier_models":null}"#, "null"] {
        assert!(parse(body, |b| envelope::list_in::<FrontierModel>(b, "frontier_models")).is_empty(), "{body}");
    }
    let f = parse(r#"{"id":"gpt-4o","vision":null,"benchmarked":1}"#, FrontierModel::from_json);
    assert_eq!((f.id.as_str(), f.vision, f.benchmarked), ("gpt-4o", false, true));
}

#[test]
fn eval_sets() {
    // Python `sets: [] []` (l. 277).
    for body in ["{}", r#"{"eval_sets":null}"#, "null"] {
        assert!(parse(body, |b| envelope::list_in::<EvalSet>(b, "eval_sets")).is_empty(), "{body}");
    }
    // Python `set null: None None` (l. 272): `{"eval_set": null}` is an empty set.
    let s = parse(r#"{"eval_set":null}"#, |b| envelope::record_in::<EvalSet>(b, "eval_set"));
    assert_eq!((s.id.as_str(), s.item_count), ("", None));
    // Python `set float: s 3.0`.
    let s = parse(r#"{"eval_set":{"id":"s","item_count":3.0}}"#, |b| envelope::record_in::<EvalSet>(b, "eval_set"));
    assert_eq!((s.id.as_str(), s.item_count), ("s", Some(3)));
}

#[test]
fn eval_runs() {
    // Python `run: [] [] 420715 0.42` (l. 431, 447, 439, 26).
    let r = parse(
        r#"{"run":{"id":"r","status":"completed","candidate_model_ids":null,"total_cost_micro_usd":420715.0},"results":null}"#,
        EvalRun::from_json,
    );
    assert!(r.candidate_models.is_empty() && r.results.is_empty());
    assert_eq!((r.cost_micro_usd, r.cost().to_string().as_str()), (420_715, "0.42"));
    assert_eq!(r.status, Some(RunStatus::Completed));
    assert!(r.is_terminal());
    // Python `run null: None None 0 850.0 3.0 None` (l. 411: `get("run") or {}`).
    let r = parse(
        r#"{"run":null,"results":[{"model_id":"a","mean_cost_micro_usd":850.0,"n_succeeded":3.0,"error_count":null}]}"#,
        EvalRun::from_json,
    );
    assert_eq!((r.id.as_str(), r.status.as_ref(), r.cost_micro_usd), ("", None, 0));
    let x = &r.results[0];
    assert_eq!((x.mean_cost_micro_usd, x.n_succeeded, x.error_count), (Some(850), Some(3), None));
    assert!(!r.is_terminal());
    // The empty reply.
    for body in ["{}", "null"] {
        let r = parse(body, EvalRun::from_json);
        assert_eq!((r.id.as_str(), r.cost_micro_usd, r.results.len()), ("", 0, 0), "{body}");
    }
    // Deliberate difference: Python's `int(420715.7)` truncates to 420715; a non-integral
    // total reads as absent (0) here, and the raw JSON keeps the exact value.
    let r = parse(r#"{"run":{"id":"r","total_cost_micro_usd":420715.7}}"#, EvalRun::from_json);
    assert_eq!(r.cost_micro_usd, 0);
    assert_eq!(r.get("run").and_then(|run| run.get("total_cost_micro_usd")), Some(&json!(420715.7)));
    // A null candidate id is skipped (Python keeps `None` in the list; a Rust
    // `Vec<String>` has no `None`).
    let r = parse(r#"{"run":{"candidate_model_ids":["a",null,"b"]}}"#, EvalRun::from_json);
    assert_eq!(r.candidate_models, ["a", "b"]);
}

#[test]
fn a_body_that_is_not_json_stays_an_error() {
    // Python raises `json.JSONDecodeError` from `resp.json()` (`_client.py` l. 222).
    for body in ["<html>502</html>", "{\"id\":", "nul"] {
        assert!(Task::from_json(body).is_err(), "{body}");
        assert!(envelope::list_in::<Task>(body, "tasks").is_err(), "{body}");
        assert!(envelope::list::<Endpoint>(body).is_err(), "{body}");
    }
    // JSON of the wrong shape for a whole body is an error too (Python fails on the
    // first attribute access); inside a record it reads as absent.
    assert!(Task::from_json(r#"["t"]"#).is_err());
    assert_eq!(parse(r#"{"id":["t"]}"#, Task::from_json).id, "");
}
