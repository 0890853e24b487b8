//! Property: any JSON value in any field of any record never panics. Inside a record
//! it always parses (a wrong-typed value reads as absent) and the record keeps the
//! value in its raw JSON; as a whole body it either parses or is an error (which the
//! clients report as `Error::Decode`).

use pareta_types::envelope;
use pareta_types::{
    ChatCompletion, ChatCompletionChunk, Endpoint, EvalRun, EvalSet, FrontierModel, Leaderboard, Model, ModelList,
    Task, TaskMatch,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e20f64..1e20f64).prop_map(Value::from),
        prop_oneof![Just(0.0), Just(1.0), Just(420715.0), Just(32.5), Just(-1.0), Just(1e300)].prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
        prop_oneof![Just("live"), Just("completed"), Just("open"), Just("high"), Just("")].prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A record type, a fixture of it, and the JSON-pointer paths of every field.
struct Case {
    name: &'static str,
    fixture: Value,
    fields: &'static [&'static str],
    parse: fn(&str) -> Result<(), serde_json::Error>,
}

fn ok<T>(r: Result<T, serde_json::Error>) -> Result<(), serde_json::Error> {
    r.map(|_| ())
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "ChatCompletion",
            fixture: json!({"id": "c", "model": "m", "created": 1, "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": "x"}, "delta": {"role": "assistant", "content": "y"}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}),
            fields: &[
                "/id",
                "/model",
                "/created",
                "/choices",
                "/choices/0",
                "/choices/0/index",
                "/choices/0/finish_reason",
                "/choices/0/message",
                "/choices/0/message/role",
                "/choices/0/message/content",
                "/choices/0/delta",
                "/choices/0/delta/content",
                "/usage",
                "/usage/prompt_tokens",
                "/usage/completion_tokens",
                "/usage/total_tokens",
            ],
            parse: |t| ok(ChatCompletion::from_json(t)),
        },
        Case {
            name: "ChatCompletionChunk",
            fixture: json!({"id": "c", "choices": [{"delta": {"content": "y"}}], "usage": {"total_tokens": 2}}),
            fields: &[
                "/id",
                "/choices",
                "/choices/0",
                "/choices/0/delta",
                "/choices/0/delta/content",
                "/usage",
                "/usage/total_tokens",
            ],
            parse: |t| ok(ChatCompletionChunk::from_json(t)),
        },
        Case {
            name: "ModelList",
            fixture: json!({"object": "list", "data": [{"id": "ep", "owned_by": "pareta", "created": 1}]}),
            fields: &["/object", "/data", "/data/0", "/data/0/id", "/data/0/owned_by", "/data/0/created"],
            parse: |t| ok(ModelList::from_json(t)),
        },
        Case {
            name: "Model",
            fixture: json!({"id": "ep", "owned_by": "pareta", "created": 1}),
            fields: &["/id", "/owned_by", "/created"],
            parse: |t| ok(Model::from_json(t)),
        },
        Case {
            name: "Endpoint",
            fixture: json!({"id": "ep", "name": "ep", "model": "m", "status": "live", "task": "t", "taskName": "t", "url": "u"}),
            fields: &["/id", "/name", "/model", "/status", "/task", "/taskName", "/url"],
            parse: |t| ok(Endpoint::from_json(t)),
        },
        Case {
            name: "Task",
            fixture: json!({"id": "t", "name": "n", "description": "d", "default_scorer": "s", "has_blob_input": true, "examples": [{}]}),
            fields: &["/id", "/name", "/description", "/default_scorer", "/has_blob_input", "/examples", "/examples/0"],
            parse: |t| ok(Task::from_json(t)),
        },
        Case {
            name: "TaskMatch",
            fixture: json!({"query": "q", "matched": true, "chosen": {"task_id": "t", "score": 0.5, "confidence": "high"},
                "candidates": [{"task_id": "t", "score": 0.5, "confidence": "high"}], "ambiguous": false, "matcher": "keyword"}),
            fields: &[
                "/query",
                "/matched",
                "/chosen",
                "/chosen/task_id",
                "/chosen/score",
                "/chosen/confidence",
                "/candidates",
                "/candidates/0",
                "/candidates/0/task_id",
                "/candidates/0/score",
                "/candidates/0/confidence",
                "/ambiguous",
                "/matcher",
            ],
            parse: |t| ok(TaskMatch::from_json(t)),
        },
        Case {
            name: "Leaderboard",
            fixture: json!({"task_id": "t", "metric": "quality", "cost_unit": "per_request", "recommended": "a",
                "models": [{"name": "a", "kind": "open", "quality": 0.9, "cost_per_request_micro_usd": 420, "context_k": 32, "run_mode": "rte"}],
                "frontier": {"name": "gpt-4o", "kind": "frontier", "quality": 0.9}}),
            fields: &[
                "/task_id",
                "/metric",
                "/cost_unit",
                "/recommended",
                "/models",
                "/models/0",
                "/models/0/name",
                "/models/0/kind",
                "/models/0/quality",
                "/models/0/cost_per_request_micro_usd",
                "/models/0/context_k",
                "/models/0/run_mode",
                "/frontier",
                "/frontier/name",
                "/frontier/quality",
            ],
            parse: |t| ok(Leaderboard::from_json(t)),
        },
        Case {
            name: "FrontierModel",
            fixture: json!({"id": "gpt-4o", "vendor": "openai", "vision": true, "benchmarked": false}),
            fields: &["/id", "/vendor", "/vision", "/benchmarked"],
            parse: |t| ok(FrontierModel::from_json(t)),
        },
        Case {
            name: "EvalSet",
            fixture: json!({"id": "s", "task_id": "t", "name": "n", "item_count": 2, "scoring_strategy": "extraction"}),
            fields: &["/id", "/task_id", "/name", "/item_count", "/scoring_strategy"],
            parse: |t| ok(EvalSet::from_json(t)),
        },
        Case {
            name: "EvalRun",
            fixture: json!({"run_id": "r", "status": "queued", "run": {"id": "r", "eval_set_id": "s", "status": "completed",
                "candidate_model_ids": ["a"], "error_detail": null, "total_cost_micro_usd": 5},
                "results": [{"model_id": "a", "kind": "open", "quality_mean": 0.5, "quality_ci_low": 0.4, "quality_ci_high": 0.6,
                    "mean_cost_micro_usd": 850, "n_succeeded": 3, "error_count": 0}]}),
            fields: &[
                "/run_id",
                "/status",
                "/run",
                "/run/id",
                "/run/eval_set_id",
                "/run/status",
                "/run/candidate_model_ids",
                "/run/candidate_model_ids/0",
                "/run/error_detail",
                "/run/total_cost_micro_usd",
                "/results",
                "/results/0",
                "/results/0/model_id",
                "/results/0/kind",
                "/results/0/quality_mean",
                "/results/0/quality_ci_low",
                "/results/0/quality_ci_high",
                "/results/0/mean_cost_micro_usd",
                "/results/0/n_succeeded",
                "/results/0/error_count",
            ],
            parse: |t| ok(EvalRun::from_json(t)),
        },
        Case {
            name: "tasks envelope",
            fixture: json!({"tasks": [{"id": "t"}]}),
            fields: &["/tasks", "/tasks/0", "/tasks/0/id"],
            parse: |t| ok(envelope::list_in::<Task>(t, "tasks")),
        },
        Case {
            name: "eval_set envelope",
            fixture: json!({"eval_set": {"id": "s"}}),
            fields: &["/eval_set", "/eval_set/id"],
            parse: |t| ok(envelope::record_in::<EvalSet>(t, "eval_set")),
        },
    ]
}

/// Replaces the value at `pointer` (its parent must exist).
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key.to_owned(), value);
        }
        Some(Value::Array(items)) => {
            let i: usize = key.parse().unwrap_or(0);
            if i < items.len() {
                items[i] = value;
            }
        }
        _ => {}
    }
}

#[test]
fn every_fixture_parses_and_every_field_path_exists() {
    for case in cases() {
        let text = case.fixture.to_string();
        assert!((case.parse)(&text).is_ok(), "{}: the fixture itself", case.name);
        for field in case.fields {
            assert!(case.fixture.pointer(field).is_some(), "{}: {field} is not in the fixture", case.name);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_value_in_any_field_reads(value in any_json(), pick in any::<prop::sample::Index>()) {
        let cases = cases();
        let all: Vec<(&Case, &str)> = cases.iter().flat_map(|c| c.fields.iter().map(move |f| (c, *f))).collect();
        let (case, field) = all[pick.index(all.len())];
        let mut doc = case.fixture.clone();
        set(&mut doc, field, value.clone());
        let text = doc.to_string();
        prop_assert!((case.parse)(&text).is_ok(), "{}: {} = {} did not parse", case.name, field, value);
    }

    #[test]
    fn any_value_in_any_field_is_kept_in_the_raw_json(value in any_json()) {
        // A record keeps the exact value of a field it could not type. (Compared with
        // serde_json's own reading of the same text: without its `float_roundtrip`
        // feature, a printed float can read back one ulp off.)
        for field in ["created", "id", "choices", "usage"] {
            let mut doc = json!({"id": "c", "created": 1, "choices": [], "usage": {}});
            doc[field] = value.clone();
            let text = doc.to_string();
            let c = ChatCompletion::from_json(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let reread: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(c.raw_json(), text.as_str());
            prop_assert_eq!(c.get(field), reread.get(field));
            prop_assert_eq!(c.to_value(), reread);
        }
    }

    #[test]
    fn a_chunk_reads_the_same_on_the_fast_path_and_the_lenient_one(
        value in any_json(),
        pick in any::<prop::sample::Index>(),
    ) {
        // `from_json` tries a strict parse first; serde's `Deserialize` for a record
        // is the lenient reader alone. Their typed fields must agree on any value.
        let fixture = json!({"id": "c", "model": "m", "created": 1, "choices": [{"index": 0, "finish_reason": null,
            "delta": {"role": "assistant", "content": "y"}, "message": {"content": "z"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}});
        let fields = ["/id", "/model", "/created", "/choices", "/choices/0", "/choices/0/index",
            "/choices/0/finish_reason", "/choices/0/delta", "/choices/0/delta/role", "/choices/0/delta/content",
            "/choices/0/message", "/choices/0/message/content", "/usage", "/usage/prompt_tokens",
            "/usage/completion_tokens", "/usage/total_tokens", "/extra"];
        let mut doc = fixture;
        set(&mut doc, fields[pick.index(fields.len())], value);
        let text = doc.to_string();
        let fast = ChatCompletionChunk::from_json(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let lenient: ChatCompletionChunk =
            serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let typed = |c: &ChatCompletionChunk| {
            let choices: Vec<String> = c.choices.iter().map(|ch| format!("{:?} {:?} {:?} {:?} {:?} {:?}",
                ch.index, ch.finish_reason.as_deref(), ch.delta.role.as_deref(), ch.delta.content,
                ch.message.role.as_deref(), ch.message.content)).collect();
            let usage = c.usage.as_ref().map(|u| (u.prompt_tokens, u.completion_tokens, u.total_tokens));
            format!("{:?} {:?} {:?} {choices:?} {usage:?}", c.id, c.model, c.created)
        };
        prop_assert_eq!(typed(&fast), typed(&lenient), "{}", text);
        prop_assert_eq!(fast.to_value(), lenient.to_value());
    }

    #[test]
    fn any_value_as_a_whole_body_parses_or_errors(value in any_json()) {
        let text = value.to_string();
        // Never a panic; an object or null always reads.
        let must_read = value.is_object() || value.is_null();
        for result in [
            ChatCompletion::from_json(&text).map(|_| ()),
            EvalRun::from_json(&text).map(|_| ()),
            Leaderboard::from_json(&text).map(|_| ()),
            envelope::list_in::<Task>(&text, "tasks").map(|_| ()),
            envelope::record_in::<EvalSet>(&text, "eval_set").map(|_| ()),
        ] {
            prop_assert!(result.is_ok() || !must_read, "{} failed to read", text);
        }
        let _ = envelope::list::<Endpoint>(&text);
    }
}
