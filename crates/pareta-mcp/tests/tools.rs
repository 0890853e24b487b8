//! End to end over an rmcp client and an in-process pipe: initialize, list the
//! tools, call every one of them against pareta-mock, and the guardrails.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ALL_TOOLS, CHANGING, CONTRACT_ROWS, Session, session};
use rmcp::model::Tool;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Checks a result against the tool's output schema: required keys present and
/// every declared property of the declared JSON type.
fn conforms(tool: &Tool, value: &Value) {
    let schema = tool.output_schema.as_ref().unwrap_or_else(|| panic!("{}: no output schema", tool.name));
    let obj = value.as_object().unwrap_or_else(|| panic!("{}: result is not an object", tool.name));
    for key in schema["required"].as_array().unwrap() {
        let key = key.as_str().unwrap();
        assert!(obj.contains_key(key), "{}: missing required key {key:?} in {value}", tool.name);
    }
    for (key, prop) in schema["properties"].as_object().unwrap() {
        let Some(v) = obj.get(key) else { continue };
        let types: Vec<&str> = match &prop["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        let actual = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        assert!(ok, "{}: {key} is {actual}, schema says {types:?}", tool.name);
    }
}

async fn call_checked(s: &Session, tools: &[Tool], name: &str, args: Value) -> Value {
    let out = s.ok(name, args).await;
    let tool = tools.iter().find(|t| t.name == name).unwrap();
    conforms(tool, &out);
    out
}

#[tokio::test]
async fn initialize_describes_the_server_and_its_policy() {
    let s = session(|p| p).await;
    let info = s.client.peer_info().unwrap();
    let server = info.server_info.as_ref().unwrap();
    assert_eq!(server.name, "pareta");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    assert!(info.capabilities.tools.is_some());
    let instructions = info.instructions.as_deref().unwrap();
    assert!(instructions.contains("read-only"), "{instructions}");
    assert!(instructions.contains(&s.server.policy().root.display().to_string()), "{instructions}");

    let s = session(|p| p.allow_spend(true).spend_cap_usd("1.5".parse().unwrap()).unwrap()).await;
    let instructions = s.client.peer_info().unwrap().instructions.clone().unwrap();
    assert!(instructions.contains("spend cap of 1.500000 USD"), "{instructions}");
    assert!(instructions.contains("delete_endpoint is disabled"), "{instructions}");
}

#[tokio::test]
async fn lists_every_tool_with_schemas_and_honest_annotations() {
    let s = session(|p| p).await;
    let tools = s.tools().await;
    let names: BTreeSet<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ALL_TOOLS.into_iter().collect::<BTreeSet<_>>());
    for t in &tools {
        assert_eq!(t.input_schema.get("type"), Some(&json!("object")), "{}", t.name);
        assert_eq!(t.input_schema.get("additionalProperties"), Some(&json!(false)), "{}: unknown fields", t.name);
        let out = t.output_schema.as_ref().unwrap_or_else(|| panic!("{}: no output schema", t.name));
        assert_eq!(out.get("type"), Some(&json!("object")), "{}", t.name);
        assert!(t.description.as_deref().is_some_and(|d| d.len() > 20), "{}", t.name);
        let a = t.annotations.as_ref().unwrap_or_else(|| panic!("{}: no annotations", t.name));
        let changing = CHANGING.contains(&t.name.as_ref());
        assert_eq!(a.read_only_hint, Some(!changing), "{}", t.name);
        assert_eq!(a.destructive_hint.unwrap_or(false), t.name == "delete_endpoint", "{}", t.name);
        // Idempotency keys are the SDK's: no tool takes one from the model.
        let schema = serde_json::to_string(&t.input_schema).unwrap().to_lowercase();
        assert!(!schema.contains("idempotency"), "{} exposes an idempotency key", t.name);
    }
}

#[tokio::test]
async fn every_tool_works_against_the_mock() {
    let s = session(|p| p.allow_spend(true).allow_delete(true)).await;
    let tools = s.tools().await;
    let c = |name: &'static str, args: Value| call_checked(&s, &tools, name, args);

    // Discovery.
    let m = c("match_task", json!({ "query": "extract the parties from contracts", "top_k": 3 })).await;
    let top = m["match"]["candidates"][0]["task_id"].as_str().or(m["match"]["candidates"][0]["id"].as_str());
    assert!(top.is_some(), "{m}");
    let tasks = c("list_tasks", json!({})).await;
    assert!(tasks["tasks"].as_array().unwrap().len() >= 5);
    let task = c("get_task", json!({ "task_id": "contract-key-fields", "examples": 2 })).await;
    assert_eq!(task["task"]["examples"].as_array().unwrap().len(), 2);
    let lb = c("leaderboard", json!({ "task_id": "contract-key-fields" })).await;
    assert!(lb["leaderboard"].is_object());
    let rec = c("recommended_model", json!({ "task_id": "contract-key-fields" })).await;
    assert_eq!(rec, json!({ "task_id": "contract-key-fields", "model": "contract-1" }));
    let frontier = c("frontier_models", json!({ "task_id": "contract-key-fields" })).await;
    assert!(!frontier["models"].as_array().unwrap().is_empty());
    c("frontier_models", json!({})).await;

    // Endpoints, read side.
    let models = c("list_models", json!({})).await;
    assert!(!models["models"].as_array().unwrap().is_empty());
    let eps = c("list_endpoints", json!({})).await;
    assert!(eps["endpoints"].to_string().contains("ep_contract_kie"));
    let ep = c("get_endpoint", json!({ "endpoint_id": "ep_contract_kie" })).await;
    assert!(ep["endpoint"].is_object());
    for metric in ["performance", "uptime", "cost", "quality", "activity"] {
        let out =
            c("endpoint_metrics", json!({ "endpoint_id": "ep_contract_kie", "metric": metric, "window": "7d" })).await;
        assert_eq!(out["metric"], metric);
    }

    // Chat, with both input forms.
    let reply =
        c("chat", json!({ "model": "ep_contract_kie", "prompt": "Who are the parties?", "system": "Be brief." })).await;
    assert!(reply["content"].as_str().is_some_and(|t| !t.is_empty()), "{reply}");
    assert_eq!(reply["receipt"]["billed_micro_usd"], 420);
    assert!(reply["receipt"]["request_id"].is_string());
    assert_eq!(reply["spend"]["spent_micro_usd"], 420);
    let reply = c(
        "chat",
        json!({ "model": "ep_contract_kie", "messages": [
            { "role": "system", "content": "Be brief." },
            { "role": "user", "content": "hello" },
            { "role": "assistant", "content": "hi" },
            { "role": "user", "content": "again" }
        ], "temperature": 0.0, "max_tokens": 16 }),
    )
    .await;
    assert_eq!(reply["spend"]["spent_micro_usd"], 840);

    // Evals: a set from a file, a run on it with a wait, an inline run without.
    s.root.write("data/rows.jsonl", CONTRACT_ROWS);
    let set =
        c("create_eval_set", json!({ "task_id": "contract-key-fields", "path": "data/rows.jsonl", "name": "v1" }))
            .await;
    assert_eq!(set["rows"], 3);
    let set_id = set["eval_set"]["id"].as_str().unwrap().to_owned();
    let sets = c("list_eval_sets", json!({})).await;
    assert!(sets["eval_sets"].to_string().contains(&set_id));
    let run = c(
        "run_eval",
        json!({ "eval_set_id": set_id, "models": ["contract-1", "contract-2"], "frontier": "benchmarked", "wait": true }),
    )
    .await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["terminal"], true);
    assert!(run["cost_micro_usd"].as_i64().unwrap() > 0);
    assert_eq!(run["spend"]["spent_micro_usd"], 840 + run["cost_micro_usd"].as_i64().unwrap());
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let again = c("get_eval_run", json!({ "run_id": run_id })).await;
    assert_eq!(again["status"], "completed");
    assert!(again["run"]["results"].as_array().is_some_and(|r| r.len() >= 2), "{again}");
    let inline = c(
        "run_eval",
        json!({ "task_id": "contract-key-fields", "path": s.root.path().join("data/rows.jsonl").display().to_string(),
                "models": ["contract-1"], "frontier": ["gpt-4o"], "name": "inline" }),
    )
    .await;
    assert_eq!(inline["terminal"], false, "{inline}");
    assert!(inline["run_id"].is_string());

    // Endpoint lifecycle.
    let dep = c("deploy_endpoint", json!({ "task_id": "ticket-triage", "name": "triage" })).await;
    let ep_id = dep["endpoint"]["id"].as_str().or(dep["endpoint"]["name"].as_str()).unwrap().to_owned();
    let reply = c("chat", json!({ "model": ep_id, "prompt": "Printer on fire" })).await;
    assert!(reply["content"].is_string());
    let stopped = c("stop_endpoint", json!({ "endpoint_id": ep_id })).await;
    assert_eq!(stopped["endpoint_id"], ep_id.as_str());
    c("start_endpoint", json!({ "endpoint_id": ep_id })).await;
    let deleted = c("delete_endpoint", json!({ "endpoint_id": ep_id })).await;
    assert_eq!(deleted, json!({ "endpoint_id": ep_id, "deleted": true }));

    let g = c("guardrails", json!({})).await;
    assert_eq!(g["allow_spend"], true);
    assert_eq!(g["allow_delete"], true);
    assert_eq!(g["mock"], false);
    assert!(g["spend"]["spent_micro_usd"].as_i64().unwrap() > 840);

    // Every POST carried an SDK-minted idempotency key.
    let posts: Vec<_> = s.mock.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert!(posts.len() >= 8, "{posts:?}");
    for r in posts {
        assert!(r.header("idempotency-key").is_some_and(|k| !k.is_empty()), "{} {} has no key", r.method, r.path);
    }
}

#[tokio::test]
async fn read_only_refuses_every_changing_tool_and_sends_nothing() {
    let s = session(|p| p).await;
    s.root.write("rows.jsonl", CONTRACT_ROWS);
    let calls = [
        ("deploy_endpoint", json!({ "task_id": "ticket-triage" })),
        ("start_endpoint", json!({ "endpoint_id": "ep_contract_kie" })),
        ("stop_endpoint", json!({ "endpoint_id": "ep_contract_kie" })),
        ("delete_endpoint", json!({ "endpoint_id": "ep_contract_kie" })),
        ("chat", json!({ "model": "ep_contract_kie", "prompt": "hi" })),
        ("create_eval_set", json!({ "task_id": "contract-key-fields", "path": "rows.jsonl" })),
        ("run_eval", json!({ "eval_set_id": "evset_1", "models": ["contract-1"] })),
    ];
    assert_eq!(calls.len(), CHANGING.len());
    for (name, args) in calls {
        let e = s.err(name, args).await;
        assert_eq!(e["type"], "refused", "{name}: {e}");
        assert_eq!(e["reason"], "read_only", "{name}: {e}");
        assert!(e["message"].as_str().unwrap().contains("--allow-spend"), "{name}: {e}");
    }
    assert!(s.requests().is_empty(), "read-only refusals sent requests: {:?}", s.requests());
    // Reading still works.
    s.ok("list_endpoints", json!({})).await;
}

#[tokio::test]
async fn delete_needs_allow_delete_too() {
    let s = session(|p| p.allow_spend(true)).await;
    let e = s.err("delete_endpoint", json!({ "endpoint_id": "ep_contract_kie" })).await;
    assert_eq!(e["reason"], "delete_not_allowed", "{e}");
    assert!(s.requests().is_empty());
    let eps = s.ok("list_endpoints", json!({})).await;
    assert!(eps["endpoints"].to_string().contains("ep_contract_kie"));
}

#[tokio::test]
async fn the_spend_cap_refuses_the_next_spending_call() {
    // 0.0004 USD: the first chat (420 µUSD) passes, and reaches the cap.
    let s = session(|p| p.allow_spend(true).spend_cap_usd("0.0004".parse().unwrap()).unwrap()).await;
    let first = s.ok("chat", json!({ "model": "ep_contract_kie", "prompt": "one" })).await;
    assert_eq!(
        first["spend"],
        json!({ "spent_micro_usd": 420, "spent_usd": "0.000420", "cap_micro_usd": 400, "remaining_micro_usd": 0 })
    );
    let chats_before = s.requests().iter().filter(|(m, p)| m == "POST" && p.contains("chat")).count();

    for (name, args) in [
        ("chat", json!({ "model": "ep_contract_kie", "prompt": "two" })),
        ("deploy_endpoint", json!({ "task_id": "ticket-triage" })),
        ("start_endpoint", json!({ "endpoint_id": "ep_contract_kie" })),
        ("run_eval", json!({ "eval_set_id": "evset_1", "models": ["contract-1"] })),
    ] {
        let e = s.err(name, args).await;
        assert_eq!(e["reason"], "spend_cap_reached", "{name}: {e}");
        assert!(e["message"].as_str().unwrap().contains("0.000420"), "{e}");
    }
    let chats_after = s.requests().iter().filter(|(m, p)| m == "POST" && p.contains("chat")).count();
    assert_eq!(chats_before, chats_after, "a refused chat reached the API");
    assert!(!s.requests().iter().any(|(m, p)| m == "POST" && p.contains("deploy")));

    // Stopping costs nothing and stays allowed; reading too.
    s.ok("stop_endpoint", json!({ "endpoint_id": "ep_contract_kie" })).await;
    let g = s.ok("guardrails", json!({})).await;
    assert_eq!(g["spend"]["spent_micro_usd"], 420);
    assert_eq!(s.server.spent_micro_usd(), 420);
}

#[tokio::test]
async fn eval_run_costs_count_against_the_cap() {
    let cap = |p: pareta_mcp::Policy| p.allow_spend(true).spend_cap_usd("0.000001".parse().unwrap()).unwrap();
    let inline = json!({ "task_id": "contract-key-fields", "path": "rows.jsonl", "models": ["contract-1"] });

    // Waited for: the run's cost is counted when it completes.
    let s = session(cap).await;
    s.root.write("rows.jsonl", CONTRACT_ROWS);
    let mut waited = inline.clone();
    waited["wait"] = json!(true);
    let run = s.ok("run_eval", waited).await;
    let cost = run["cost_micro_usd"].as_i64().unwrap();
    assert!(cost > 1, "{run}");
    assert_eq!(run["spend"]["spent_micro_usd"], cost);
    let e = s.err("chat", json!({ "model": "ep_contract_kie", "prompt": "hi" })).await;
    assert_eq!(e["reason"], "spend_cap_reached", "{e}");

    // Not waited for: the cost is unknown until the run finishes; once any tool
    // has seen it finish (here get_eval_run), it counts.
    let s = session(cap).await;
    s.root.write("rows.jsonl", CONTRACT_ROWS);
    let run = s.ok("run_eval", inline).await;
    assert_eq!(run["terminal"], false);
    let id = run["run_id"].as_str().unwrap().to_owned();
    loop {
        let r = s.ok("get_eval_run", json!({ "run_id": id })).await;
        if r["terminal"] == true {
            break;
        }
    }
    assert!(s.server.spent_micro_usd() > 1);
    let e = s.err("run_eval", json!({ "eval_set_id": "evset_1", "models": ["contract-1"] })).await;
    assert_eq!(e["reason"], "spend_cap_reached", "{e}");
}

#[tokio::test]
async fn paths_outside_the_root_are_refused() {
    let s = session(|p| p.allow_spend(true)).await;
    let outside = common::TempDir::new("outside");
    let secret = outside.write("secret.jsonl", CONTRACT_ROWS);
    s.root.write("ok.jsonl", CONTRACT_ROWS);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&secret, s.root.path().join("link.jsonl")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), s.root.path().join("linkdir")).unwrap();

    let mut paths = vec![
        secret.display().to_string(),
        "../secret.jsonl".to_owned(),
        format!("sub/../../{}/secret.jsonl", outside.path().file_name().unwrap().to_string_lossy()),
        "/etc/passwd".to_owned(),
        "/definitely/not/there.jsonl".to_owned(),
    ];
    if cfg!(unix) {
        paths.push("link.jsonl".to_owned());
        paths.push("linkdir/secret.jsonl".to_owned());
    }
    for path in &paths {
        for (name, args) in [
            ("create_eval_set", json!({ "task_id": "contract-key-fields", "path": path })),
            ("run_eval", json!({ "task_id": "contract-key-fields", "path": path, "models": ["contract-1"] })),
        ] {
            let e = s.err(name, args).await;
            assert_eq!(e["type"], "refused", "{name} {path}: {e}");
            assert_eq!(e["reason"], "outside_root", "{name} {path}: {e}");
        }
    }
    assert!(s.requests().is_empty(), "{:?}", s.requests());

    // Inside the root: `..` that stays inside is fine, a missing file is a file error.
    std::fs::create_dir_all(s.root.path().join("sub")).unwrap();
    s.ok("create_eval_set", json!({ "task_id": "contract-key-fields", "path": "sub/../ok.jsonl" })).await;
    let e = s.err("create_eval_set", json!({ "task_id": "contract-key-fields", "path": "missing.jsonl" })).await;
    assert_eq!(e["type"], "file", "{e}");
    s.root.write("bad.jsonl", "{\"input\": 1}\nnot json\n");
    let e = s.err("create_eval_set", json!({ "task_id": "contract-key-fields", "path": "bad.jsonl" })).await;
    assert!(e["message"].as_str().unwrap().contains("line 2"), "{e}");
    std::fs::create_dir_all(s.root.path().join("adir")).unwrap();
    let e = s.err("create_eval_set", json!({ "task_id": "contract-key-fields", "path": "adir" })).await;
    assert_eq!(e["type"], "file", "{e}");
}

#[cfg(unix)]
#[test]
fn a_root_given_through_a_symlink_accepts_paths_spelled_through_it() {
    let base = common::TempDir::new("alias");
    let real = base.path().join("real");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::write(real.join("rows.jsonl"), CONTRACT_ROWS).unwrap();
    let alias = base.path().join("alias");
    std::os::unix::fs::symlink(&real, &alias).unwrap();
    let policy = pareta_mcp::Policy::read_only(&alias).unwrap();
    let canonical_real = std::fs::canonicalize(&real).unwrap();
    assert_eq!(policy.root, canonical_real);
    for p in [alias.join("rows.jsonl"), real.join("rows.jsonl"), "rows.jsonl".into()] {
        assert_eq!(policy.resolve(p.to_str().unwrap()).unwrap(), canonical_real.join("rows.jsonl"), "{}", p.display());
    }
    let refused = policy.resolve(alias.join("../real/../x").to_str().unwrap());
    assert!(matches!(refused, Err(pareta_mcp::PathRefusal::OutsideRoot { .. })), "{refused:?}");
}

#[tokio::test]
async fn api_errors_carry_status_detail_and_request_id() {
    let s = session(|p| p.allow_spend(true)).await;
    let e = s.err("get_task", json!({ "task_id": "no-such-task" })).await;
    assert_eq!(e["type"], "api_error");
    assert_eq!(e["status"], 404);
    assert_eq!(e["kind"], "not_found");
    assert!(e["detail"].as_str().unwrap().contains("no-such-task"), "{e}");
    assert!(e["request_id"].as_str().is_some_and(|id| id.starts_with("req_")), "{e}");

    s.mock.arm_fault("POST", "/v1/chat/completions", "status=402");
    let e = s.err("chat", json!({ "model": "ep_contract_kie", "prompt": "hi" })).await;
    assert_eq!(e["status"], 402, "{e}");
    assert_eq!(e["kind"], "insufficient_credits");
    assert!(e["hint"].as_str().unwrap().contains("top up"));
    assert_eq!(s.server.spent_micro_usd(), 0);

    let e = s.err("get_eval_run", json!({ "run_id": "run_404" })).await;
    assert_eq!(e["status"], 404);
}

#[tokio::test]
async fn bad_arguments_are_rejected_before_any_request() {
    let s = session(|p| p.allow_spend(true)).await;
    // Mutually exclusive inputs are tool errors the model can read.
    let e = s.err("chat", json!({ "model": "ep_contract_kie" })).await;
    assert_eq!(e["type"], "invalid_argument");
    let e = s
        .err(
            "chat",
            json!({ "model": "ep_contract_kie", "prompt": "a", "messages": [{ "role": "user", "content": "b" }] }),
        )
        .await;
    assert_eq!(e["type"], "invalid_argument");
    let e = s.err("run_eval", json!({ "models": ["contract-1"] })).await;
    assert_eq!(e["type"], "invalid_argument");
    // Schema violations (an idempotency key from the model, a bad enum, a missing
    // field) are tool errors in the same shape, naming the problem.
    for (name, args, says) in [
        ("chat", json!({ "model": "ep_contract_kie", "prompt": "hi", "idempotency_key": "k1" }), "idempotency_key"),
        ("endpoint_metrics", json!({ "endpoint_id": "ep_contract_kie", "metric": "vibes" }), "vibes"),
        ("run_eval", json!({ "eval_set_id": "evset_1", "models": ["contract-1"], "frontier": "best" }), "frontier"),
        ("get_task", json!({}), "task_id"),
    ] {
        let e = s.err(name, args).await;
        assert_eq!(e["type"], "invalid_argument", "{name}: {e}");
        assert!(e["message"].as_str().unwrap().contains(says), "{name}: {e}");
    }
    // An unknown tool stays a protocol error.
    let r = s.client.call_tool(rmcp::model::CallToolRequestParams::new("format_disk")).await;
    assert!(r.is_err(), "{r:?}");
    assert!(s.requests().is_empty(), "{:?}", s.requests());
}

#[tokio::test]
async fn parallel_spending_calls_cannot_race_past_the_cap() {
    let s = session(|p| p.allow_spend(true).spend_cap_usd("0.0004".parse().unwrap()).unwrap()).await;
    let calls = (0..4).map(|i| s.call("chat", json!({ "model": "ep_contract_kie", "prompt": format!("n{i}") })));
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_error != Some(true)).count();
    assert_eq!(ok, 1, "exactly one chat fits under the cap");
    assert_eq!(s.server.spent_micro_usd(), 420);
}

/// A client that records the progress notifications it receives.
#[derive(Clone, Default)]
struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<rmcp::model::ProgressNotificationParam>>>);

impl rmcp::ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<rmcp::RoleClient>,
    ) {
        self.0.lock().unwrap().push(params);
    }
}

#[tokio::test]
async fn deploy_reports_progress_to_the_client() {
    use rmcp::ServiceExt;
    let mock = pareta_mock::MockServer::start();
    let root = common::TempDir::new("progress");
    let pa = pareta_async::AsyncPareta::builder().api_key("pareta_sk_test").base_url(mock.base_url()).build().unwrap();
    let server = pareta_mcp::ParetaMcp::new(pa, pareta_mcp::Policy::read_only(root.path()).unwrap().allow_spend(true));
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let recorder = Recorder::default();
    let client = recorder.clone().serve(client_io).await.unwrap();
    let r = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("deploy_endpoint")
                .with_arguments(common::args(json!({ "task_id": "invoice-extraction" }))),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{}", common::text(&r));
    // Notifications may trail the response by a moment.
    for _ in 0..50 {
        if !recorder.0.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let seen = recorder.0.lock().unwrap().clone();
    assert!(!seen.is_empty(), "no progress notifications");
    assert!(seen.windows(2).all(|w| w[0].progress <= w[1].progress), "progress went backwards: {seen:?}");
    assert!(seen.iter().all(|p| p.total == Some(100.0) && p.message.is_some()), "{seen:?}");
}

#[tokio::test]
async fn cancelling_a_waiting_run_eval_stops_the_polling() {
    use rmcp::model::{CallToolRequestParams, ClientRequest, Request};
    use rmcp::service::PeerRequestOptions;
    let s = session(|p| p.allow_spend(true).poll_interval(std::time::Duration::from_millis(150))).await;
    s.root.write("rows.jsonl", CONTRACT_ROWS);
    let params = CallToolRequestParams::new("run_eval").with_arguments(common::args(json!({
        "task_id": "contract-key-fields", "path": "rows.jsonl", "models": ["contract-1"], "wait": true })));
    let handle = s
        .client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(Request::new(params)),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    handle.cancel(Some("user changed their mind".into())).await.unwrap();
    let polls = || s.requests().iter().filter(|(m, p)| m == "GET" && p.starts_with("/v1/eval-runs/")).count();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let after_cancel = polls();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(polls(), after_cancel, "the wait kept polling after the cancel");
    // The run was started and counted; the server still answers.
    let g = s.ok("guardrails", json!({})).await;
    assert!(g["spend"].is_object());
}

#[tokio::test]
async fn the_api_key_never_reaches_the_agent() {
    let s = session(|p| p.allow_spend(true)).await;
    s.mock.arm_fault("GET", "/v1/endpoints", "status=401");
    let mut seen = String::new();
    seen.push_str(s.client.peer_info().unwrap().instructions.as_deref().unwrap_or_default());
    for (name, args) in [
        ("list_endpoints", json!({})),
        ("get_task", json!({ "task_id": "nope" })),
        ("chat", json!({ "model": "ep_missing", "prompt": "hi" })),
        ("chat", json!({ "model": "ep_contract_kie", "prompt": "hi" })),
        ("guardrails", json!({})),
    ] {
        seen.push_str(&common::text(&s.call(name, args).await));
    }
    assert!(seen.contains("authentication"), "the 401 was not reported: {seen}");
    assert!(!seen.contains("pareta_sk_test"), "the key leaked: {seen}");
    assert!(!format!("{:?}", s.server).contains("pareta_sk_test"));
}
