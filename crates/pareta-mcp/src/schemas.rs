//! Output schemas of the tools. Every tool answers with a JSON object whose
//! top-level keys are fixed; the Pareta records inside are the server's JSON as
//! received (described, not constrained, so a field the platform adds or
//! reshapes never makes a result fail validation in the MCP client).

use rmcp::model::JsonObject;
use serde_json::{Value, json};
use std::sync::Arc;

fn object(properties: Value, required: &[&str]) -> Arc<JsonObject> {
    let schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
    });
    match schema {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(JsonObject::new()),
    }
}

fn record(description: &str) -> Value {
    json!({ "type": "object", "description": description })
}

fn records(description: &str) -> Value {
    json!({ "type": "array", "items": { "type": "object" }, "description": description })
}

fn nullable(ty: &str, description: &str) -> Value {
    json!({ "type": [ty, "null"], "description": description })
}

fn spend() -> Value {
    json!({
        "type": "object",
        "description": "What this server has counted so far (billing receipts and run costs) against --spend-cap-usd.",
        "properties": {
            "spent_micro_usd": { "type": "integer" },
            "spent_usd": { "type": "string", "description": "The same in dollars, six decimals." },
            "cap_micro_usd": { "type": ["integer", "null"], "description": "null: no cap." },
            "remaining_micro_usd": { "type": ["integer", "null"] }
        },
        "required": ["spent_micro_usd", "spent_usd", "cap_micro_usd", "remaining_micro_usd"]
    })
}

fn run_fields() -> Value {
    json!({
        "run": record("The server's eval run JSON: `run` (id, status, candidate_model_ids, total_cost_micro_usd, error_detail) and `results` (one aggregate per model once terminal); a run just started carries `run_id` and `status`."),
        "run_id": nullable("string", "The run id."),
        "status": nullable("string", "queued, running, evaluating, completed, failed, ..."),
        "terminal": { "type": "boolean", "description": "True once completed or failed." },
        "cost_micro_usd": { "type": "integer", "description": "The run's total cost so far (0 until known)." }
    })
}

pub fn match_task() -> Arc<JsonObject> {
    object(
        json!({ "match": record("The server's TaskMatch JSON: ranked `candidates` (each with `task_id`, `score`, `confidence`), the `chosen` one, whether the query `matched` and was `ambiguous`.") }),
        &["match"],
    )
}

pub fn list_tasks() -> Arc<JsonObject> {
    object(json!({ "tasks": records("The benchmark catalog: one Task JSON per task.") }), &["tasks"])
}

pub fn get_task() -> Arc<JsonObject> {
    object(json!({ "task": record("The server's Task JSON, with `examples` when asked for.") }), &["task"])
}

pub fn leaderboard() -> Arc<JsonObject> {
    object(
        json!({ "leaderboard": record("The server's Leaderboard JSON: open `models` ranked by `quality` (each with its alias `name` and `cost_per_request_micro_usd`), the `frontier` baseline, the `recommended` alias.") }),
        &["leaderboard"],
    )
}

pub fn recommended_model() -> Arc<JsonObject> {
    object(
        json!({
            "task_id": { "type": "string" },
            "model": nullable("string", "The model alias a default deploy of the task would use; null when the task has none.")
        }),
        &["task_id", "model"],
    )
}

pub fn list_models() -> Arc<JsonObject> {
    object(json!({ "models": records("The callable models (deployed endpoints), OpenAI-style.") }), &["models"])
}

pub fn list_endpoints() -> Arc<JsonObject> {
    object(json!({ "endpoints": records("Every endpoint of the organisation: Endpoint JSON.") }), &["endpoints"])
}

pub fn get_endpoint() -> Arc<JsonObject> {
    object(json!({ "endpoint": record("The server's Endpoint JSON.") }), &["endpoint"])
}

pub fn endpoint_metrics() -> Arc<JsonObject> {
    object(
        json!({
            "endpoint_id": { "type": "string" },
            "metric": { "type": "string" },
            "metrics": { "description": "The server's metrics JSON for that dimension." }
        }),
        &["endpoint_id", "metric", "metrics"],
    )
}

pub fn frontier_models() -> Arc<JsonObject> {
    object(
        json!({ "models": records("The frontier (vendor) roster, annotated for the task when one was given.") }),
        &["models"],
    )
}

pub fn list_eval_sets() -> Arc<JsonObject> {
    object(json!({ "eval_sets": records("Every eval set of the organisation.") }), &["eval_sets"])
}

pub fn get_eval_run() -> Arc<JsonObject> {
    object(run_fields(), &["run", "run_id", "status", "terminal", "cost_micro_usd"])
}

pub fn guardrails() -> Arc<JsonObject> {
    object(
        json!({
            "allow_spend": { "type": "boolean" },
            "allow_delete": { "type": "boolean" },
            "root": { "type": "string", "description": "Files can be read only under this directory." },
            "spend": spend(),
            "mock": { "type": "boolean", "description": "True when serving an in-process pareta-mock." }
        }),
        &["allow_spend", "allow_delete", "root", "spend", "mock"],
    )
}

pub fn deploy_endpoint() -> Arc<JsonObject> {
    object(
        json!({ "endpoint": record("The live endpoint's JSON; chat with its id."), "spend": spend() }),
        &["endpoint", "spend"],
    )
}

pub fn endpoint_action() -> Arc<JsonObject> {
    object(
        json!({
            "endpoint_id": { "type": "string" },
            "result": { "description": "The server's status JSON." },
            "spend": spend()
        }),
        &["endpoint_id", "result", "spend"],
    )
}

pub fn delete_endpoint() -> Arc<JsonObject> {
    object(
        json!({ "endpoint_id": { "type": "string" }, "deleted": { "type": "boolean" } }),
        &["endpoint_id", "deleted"],
    )
}

pub fn chat() -> Arc<JsonObject> {
    object(
        json!({
            "content": nullable("string", "The reply text."),
            "finish_reason": nullable("string", "stop, length, ..."),
            "receipt": {
                "type": "object",
                "description": "The billing receipt of this call.",
                "properties": {
                    "billed_micro_usd": nullable("integer", "X-Pareta-Billed: what this call cost (0 on an idempotent replay)."),
                    "frontier_would_have_cost_micro_usd": nullable("integer", "What the frontier baseline would have cost."),
                    "idempotent_replay": { "type": "boolean" },
                    "request_id": nullable("string", "Quote it in support requests.")
                },
                "required": ["billed_micro_usd", "frontier_would_have_cost_micro_usd", "idempotent_replay", "request_id"]
            },
            "completion": record("The server's ChatCompletion JSON (choices, usage)."),
            "spend": spend()
        }),
        &["content", "finish_reason", "receipt", "completion", "spend"],
    )
}

pub fn create_eval_set() -> Arc<JsonObject> {
    object(
        json!({
            "eval_set": record("The server's EvalSet JSON; pass its id to run_eval."),
            "rows": { "type": "integer", "description": "How many rows were read from the file." }
        }),
        &["eval_set", "rows"],
    )
}

pub fn run_eval() -> Arc<JsonObject> {
    let mut props = run_fields();
    if let Some(map) = props.as_object_mut() {
        map.insert("spend".into(), spend());
    }
    object(props, &["run", "run_id", "status", "terminal", "cost_micro_usd", "spend"])
}
