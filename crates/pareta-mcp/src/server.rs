//! The MCP server: one tool per step of the discovery funnel, over the async
//! client, behind the [`Policy`] guardrails.

use crate::errors::ToolError;
use crate::params::{
    ChatParams, CreateSetParams, DeployParams, EndpointParams, FrontierParams, GetTaskParams, MatchTaskParams,
    MetricsParams, NoParams, Role, RunEvalParams, RunParams, TaskParams,
};
use crate::policy::{Ledger, Policy, micro_to_usd_string};
use crate::schemas;
use futures_util::StreamExt;
use pareta_async::AsyncPareta;
use pareta_async::types::{
    ChatCompletionRequest, ChatMessage, DeployRequest, EvalRun, EvalRunCreate, EvalSetCreate, WaitOptions,
};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, Implementation, ProgressNotificationParam, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, tool, tool_handler, tool_router};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The Pareta MCP server. Serve it over any rmcp transport, e.g.
/// `server.serve(rmcp::transport::stdio())`; [`crate::run`] does that for
/// `pareta mcp`.
///
/// ```no_run
/// use pareta_mcp::{ParetaMcp, Policy};
/// use rmcp::ServiceExt;
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let pa = pareta_async::AsyncPareta::from_env()?;
/// let server = ParetaMcp::new(pa, Policy::read_only(".")?);
/// server.serve(rmcp::transport::stdio()).await?.waiting().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ParetaMcp {
    shared: Arc<Shared>,
    tool_router: ToolRouter<Self>,
}

struct Shared {
    pa: AsyncPareta,
    policy: Policy,
    ledger: Ledger,
    /// Spending calls run one at a time, so the cap check and the receipt that
    /// follows cannot be raced by a parallel call.
    spend_gate: tokio::sync::Mutex<()>,
    mock: bool,
}

impl std::fmt::Debug for ParetaMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParetaMcp")
            .field("policy", &self.shared.policy)
            .field("spent_micro_usd", &self.shared.ledger.spent())
            .finish_non_exhaustive()
    }
}

type ToolResult = Result<Value, ToolError>;

fn finish(r: ToolResult) -> CallToolResult {
    match r {
        Ok(value) => CallToolResult::structured(value),
        Err(e) => e.into_result(),
    }
}

#[tool_router]
impl ParetaMcp {
    /// A server over `pa`, within `policy`.
    pub fn new(pa: AsyncPareta, policy: Policy) -> Self {
        Self::with_mock_flag(pa, policy, false)
    }

    pub(crate) fn with_mock_flag(pa: AsyncPareta, policy: Policy, mock: bool) -> Self {
        let shared = Shared { pa, policy, ledger: Ledger::default(), spend_gate: tokio::sync::Mutex::new(()), mock };
        ParetaMcp { shared: Arc::new(shared), tool_router: Self::tool_router() }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.shared.policy
    }

    /// What has been counted against the spend cap so far, in micro-USD.
    pub fn spent_micro_usd(&self) -> i64 {
        self.shared.ledger.spent()
    }

    #[tool(
        description = concat!("Match what the user wants a model to do to benchmarked Pareta tasks. Start here: it returns ranked candidate tasks with scores; pick one and read its leaderboard.", " Read-only."),
        output_schema = schemas::match_task(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn match_task(&self, Parameters(p): Parameters<MatchTaskParams>) -> CallToolResult {
        let tasks = self.pa().tasks();
        let r = match p.top_k {
            Some(k) => tasks.match_intent_top_k(&p.query, k).await,
            None => tasks.match_intent(&p.query).await,
        };
        finish(r.map(|m| json!({ "match": m.to_value() })).map_err(read_err))
    }

    #[tool(
        description = concat!("List the benchmark catalog: every task with its id, description and input schema.", " Read-only."),
        output_schema = schemas::list_tasks(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn list_tasks(&self, Parameters(_): Parameters<NoParams>) -> CallToolResult {
        let r = self.pa().tasks().list().await;
        finish(r.map(|v| json!({ "tasks": v.iter().map(|t| t.to_value()).collect::<Vec<_>>() })).map_err(read_err))
    }

    #[tool(
        description = concat!("Get one task, optionally with example rows (the shape an eval set's rows must have).", " Read-only."),
        output_schema = schemas::get_task(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn get_task(&self, Parameters(p): Parameters<GetTaskParams>) -> CallToolResult {
        let tasks = self.pa().tasks();
        let r = match p.examples {
            Some(n) => tasks.retrieve_with_examples(&p.task_id, n).await,
            None => tasks.retrieve(&p.task_id).await,
        };
        finish(r.map(|t| json!({ "task": t.to_value() })).map_err(read_err))
    }

    #[tool(
        description = concat!("The models ranked for a task: open models and frontier baselines with quality and cost per request.", " Read-only."),
        output_schema = schemas::leaderboard(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn leaderboard(&self, Parameters(p): Parameters<TaskParams>) -> CallToolResult {
        let r = self.pa().tasks().leaderboard(&p.task_id).await;
        finish(r.map(|l| json!({ "leaderboard": l.to_value() })).map_err(read_err))
    }

    #[tool(
        description = concat!("The model alias a default deploy_endpoint of the task would use.", " Read-only."),
        output_schema = schemas::recommended_model(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn recommended_model(&self, Parameters(p): Parameters<TaskParams>) -> CallToolResult {
        let r = self.pa().tasks().recommended(&p.task_id).await;
        finish(r.map(|m| json!({ "task_id": p.task_id, "model": m })).map_err(read_err))
    }

    #[tool(
        description = concat!("List the callable models: the organisation's deployed endpoints, OpenAI-style.", " Read-only."),
        output_schema = schemas::list_models(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn list_models(&self, Parameters(_): Parameters<NoParams>) -> CallToolResult {
        let r = self.pa().models().list().await;
        finish(r.map(|l| json!({ "models": l.iter().map(|m| m.to_value()).collect::<Vec<_>>() })).map_err(read_err))
    }

    #[tool(
        description = concat!("List every endpoint of the organisation with its task, model and status (live, stopped, ...).", " Read-only."),
        output_schema = schemas::list_endpoints(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn list_endpoints(&self, Parameters(_): Parameters<NoParams>) -> CallToolResult {
        let r = self.pa().endpoints().list().await;
        finish(r.map(|v| json!({ "endpoints": v.iter().map(|e| e.to_value()).collect::<Vec<_>>() })).map_err(read_err))
    }

    #[tool(
        description = concat!("Get one endpoint.", " Read-only."),
        output_schema = schemas::get_endpoint(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn get_endpoint(&self, Parameters(p): Parameters<EndpointParams>) -> CallToolResult {
        let r = self.pa().endpoints().retrieve(&p.endpoint_id).await;
        finish(r.map(|e| json!({ "endpoint": e.to_value() })).map_err(read_err))
    }

    #[tool(
        description = concat!("One metric dimension of an endpoint: performance (latency), uptime, cost (spend and savings versus the frontier), quality or activity.", " Read-only."),
        output_schema = schemas::endpoint_metrics(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn endpoint_metrics(&self, Parameters(p): Parameters<MetricsParams>) -> CallToolResult {
        let params: Vec<(&str, &str)> = p.window.as_deref().map(|w| ("window", w)).into_iter().collect();
        let r = self.pa().endpoints().metrics(&p.endpoint_id).get(p.metric.kind(), &params).await;
        finish(
            r.map(|m| json!({ "endpoint_id": p.endpoint_id, "metric": p.metric.name(), "metrics": m }))
                .map_err(read_err),
        )
    }

    #[tool(
        description = concat!("The frontier (vendor) models that evals can score as baselines, annotated for a task when given.", " Read-only."),
        output_schema = schemas::frontier_models(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn frontier_models(&self, Parameters(p): Parameters<FrontierParams>) -> CallToolResult {
        let r = self.pa().evals().frontier_models(p.task_id.as_deref()).await;
        finish(r.map(|v| json!({ "models": v.iter().map(|m| m.to_value()).collect::<Vec<_>>() })).map_err(read_err))
    }

    #[tool(
        description = concat!("List the organisation's eval sets.", " Read-only."),
        output_schema = schemas::list_eval_sets(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn list_eval_sets(&self, Parameters(_): Parameters<NoParams>) -> CallToolResult {
        let r = self.pa().evals().sets().list().await;
        finish(r.map(|v| json!({ "eval_sets": v.iter().map(|s| s.to_value()).collect::<Vec<_>>() })).map_err(read_err))
    }

    #[tool(
        description = concat!("Get an eval run: its status and, once completed, one result per model (quality with confidence interval, cost).", " Read-only."),
        output_schema = schemas::get_eval_run(),
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn get_eval_run(&self, Parameters(p): Parameters<RunParams>) -> CallToolResult {
        let r = self.pa().evals().runs().retrieve(&p.run_id).await;
        finish(r.map(|run| self.run_json(&run, None)).map_err(read_err))
    }

    #[tool(
        description = concat!("What this server may do and what it has spent: allow_spend, allow_delete, the file root, and the spend counted against the cap.", " Read-only; makes no request."),
        output_schema = schemas::guardrails(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn guardrails(&self, Parameters(_): Parameters<NoParams>) -> CallToolResult {
        let policy = &self.shared.policy;
        finish(Ok(json!({
            "allow_spend": policy.allow_spend,
            "allow_delete": policy.allow_spend && policy.allow_delete,
            "root": policy.root.display().to_string(),
            "spend": self.spend_json(),
            "mock": self.shared.mock,
        })))
    }

    #[tool(
        description = concat!("Deploy a model for a task and wait until the endpoint is live (usually under a minute; progress is reported when the client asks for it). Hosting is billed.", " Spends money: needs the server to run with --allow-spend, and counts against --spend-cap-usd."),
        output_schema = schemas::deploy_endpoint(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn deploy_endpoint(
        &self,
        Parameters(p): Parameters<DeployParams>,
        ctx: RequestContext<RoleServer>,
    ) -> CallToolResult {
        finish(self.deploy(p, &ctx).await)
    }

    #[tool(
        description = concat!("Start a stopped endpoint. Hosting is billed while it runs.", " Spends money: needs the server to run with --allow-spend, and counts against --spend-cap-usd."),
        output_schema = schemas::endpoint_action(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn start_endpoint(&self, Parameters(p): Parameters<EndpointParams>) -> CallToolResult {
        finish(self.start(p).await)
    }

    #[tool(
        description = concat!("Stop (scale to zero) a live endpoint; start_endpoint brings it back. Allowed even once the spend cap is reached.", " Changes state: needs the server to run with --allow-spend."),
        output_schema = schemas::endpoint_action(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn stop_endpoint(&self, Parameters(p): Parameters<EndpointParams>) -> CallToolResult {
        finish(self.stop(p).await)
    }

    #[tool(
        description = "Delete an endpoint for good. Needs the server to run with both --allow-spend and --allow-delete.",
        output_schema = schemas::delete_endpoint(),
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = true)
    )]
    async fn delete_endpoint(&self, Parameters(p): Parameters<EndpointParams>) -> CallToolResult {
        finish(self.delete(p).await)
    }

    #[tool(
        description = concat!("Send a chat completion to an endpoint and return the reply with its billing receipt. Give `prompt` (and optionally `system`) or the whole `messages` list.", " Spends money: needs the server to run with --allow-spend, and counts against --spend-cap-usd."),
        output_schema = schemas::chat(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn chat(&self, Parameters(p): Parameters<ChatParams>) -> CallToolResult {
        finish(self.chat_call(p).await)
    }

    #[tool(
        description = concat!("Create an eval set from a JSONL file under the server's root (one JSON object per line, in the task's row shape; see get_task with examples).", " Changes state: needs the server to run with --allow-spend."),
        output_schema = schemas::create_eval_set(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn create_eval_set(&self, Parameters(p): Parameters<CreateSetParams>) -> CallToolResult {
        finish(self.create_set(p).await)
    }

    #[tool(
        description = concat!("Evaluate open models (and optionally frontier baselines) on an eval set, or on a JSONL file under the root with its task. Returns at once unless `wait` is true; then poll get_eval_run.", " Spends money: needs the server to run with --allow-spend, and counts against --spend-cap-usd."),
        output_schema = schemas::run_eval(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn run_eval(
        &self,
        Parameters(p): Parameters<RunEvalParams>,
        ctx: RequestContext<RoleServer>,
    ) -> CallToolResult {
        finish(self.run_eval_call(p, &ctx).await)
    }
}

fn read_err(e: pareta_async::Error) -> ToolError {
    ToolError::sdk(&e, false)
}

fn spend_err(e: pareta_async::Error) -> ToolError {
    ToolError::sdk(&e, true)
}

/// The run id from the server's JSON (`run.id`, or `run_id` on a fresh create).
fn run_id_of(v: &Value) -> Option<String> {
    v.pointer("/run/id").or_else(|| v.get("run_id")).and_then(Value::as_str).map(str::to_owned)
}

fn run_status_of(v: &Value) -> Option<String> {
    v.pointer("/run/status").or_else(|| v.get("status")).and_then(Value::as_str).map(str::to_owned)
}

/// Parses JSONL rows: one JSON object per non-blank line.
fn parse_jsonl(path: &str, text: &str) -> Result<Vec<Value>, ToolError> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v @ Value::Object(_)) => rows.push(v),
            Ok(_) => return Err(ToolError::file(path, format!("line {}: not a JSON object", n + 1))),
            Err(e) => return Err(ToolError::file(path, format!("line {}: {e}", n + 1))),
        }
    }
    if rows.is_empty() {
        return Err(ToolError::file(path, "the file has no rows"));
    }
    Ok(rows)
}

impl ParetaMcp {
    fn pa(&self) -> &AsyncPareta {
        &self.shared.pa
    }

    fn spend_json(&self) -> Value {
        let spent = self.shared.ledger.spent();
        let cap = self.shared.policy.spend_cap_micro_usd;
        json!({
            "spent_micro_usd": spent,
            "spent_usd": micro_to_usd_string(spent),
            "cap_micro_usd": cap,
            "remaining_micro_usd": cap.map(|c| (c - spent).max(0)),
        })
    }

    fn run_json(&self, run: &EvalRun, spend: Option<Value>) -> Value {
        let raw = run.to_value();
        let id = run_id_of(&raw);
        let terminal = run.is_terminal();
        if let Some(id) = &id {
            self.shared.ledger.observe_run(id, run.cost_micro_usd, terminal);
        }
        let mut out = json!({
            "run": raw,
            "run_id": id,
            "status": run_status_of(&run.to_value()),
            "terminal": terminal,
            "cost_micro_usd": run.cost_micro_usd,
        });
        if let (Some(map), Some(spend)) = (out.as_object_mut(), spend) {
            map.insert("spend".into(), spend);
        }
        out
    }

    /// The gate for calls that change state but spend nothing.
    fn check_change(&self, tool: &str) -> Result<(), ToolError> {
        if self.shared.policy.allow_spend {
            return Ok(());
        }
        Err(ToolError::refused(
            "read_only",
            format!(
                "{tool} changes state or spends money, and this server runs read-only; \
                 ask the user to restart `pareta mcp` with --allow-spend (and a --spend-cap-usd)"
            ),
        ))
    }

    /// The gate for spending calls: read-only refusal, then (holding the spend
    /// lock) the cap check. The guard is held until the call's cost is counted.
    async fn spend_gate(&self, tool: &str) -> Result<tokio::sync::MutexGuard<'_, ()>, ToolError> {
        self.check_change(tool)?;
        let guard = self.shared.spend_gate.lock().await;
        if let Some(cap) = self.shared.policy.spend_cap_micro_usd {
            // Runs started earlier may have cost more since: look before deciding.
            for id in self.shared.ledger.pending_runs() {
                if let Ok(run) = self.pa().evals().runs().retrieve(&id).await {
                    self.shared.ledger.observe_run(&id, run.cost_micro_usd, run.is_terminal());
                }
            }
            let spent = self.shared.ledger.spent();
            if spent >= cap {
                return Err(ToolError::refused(
                    "spend_cap_reached",
                    format!(
                        "{tool} refused: this server has counted {} USD of spend against its cap of {} USD \
                         (--spend-cap-usd). Reading tools, stop_endpoint and delete_endpoint still work; \
                         ask the user to restart with a higher cap to spend more",
                        micro_to_usd_string(spent),
                        micro_to_usd_string(cap)
                    ),
                ));
            }
        }
        Ok(guard)
    }

    fn count_receipt(&self, billed: Option<i64>) {
        if let Some(b) = billed {
            self.shared.ledger.add_receipt(b);
        }
    }

    async fn deploy(&self, p: DeployParams, ctx: &RequestContext<RoleServer>) -> ToolResult {
        let _gate = self.spend_gate("deploy_endpoint").await?;
        let mut req = DeployRequest::new(p.task_id);
        if let Some(m) = p.model {
            req = req.model(m);
        }
        if let Some(n) = p.name {
            req = req.name(n);
        }
        let mut stream = self.pa().endpoints().deploy(&req).await.map_err(spend_err)?;
        self.count_receipt(stream.meta().billed_micro_usd());
        let token = ctx.meta.get_progress_token();
        let mut endpoint = None;
        // The events are read here, not with `wait()`, to forward each stage as an
        // MCP progress notification; an `error` event or a cut stream is an Err item.
        while let Some(event) = stream.next().await {
            let event = event.map_err(spend_err)?;
            if event.is_complete() {
                endpoint = event.endpoint();
            } else if let (Some(token), Some(pct)) = (&token, event.pct()) {
                let stage = event.stage().unwrap_or("deploying");
                let note = ProgressNotificationParam::new(token.clone(), pct).with_total(100.0).with_message(stage);
                // A client that went away does not stop the deploy.
                let _ = ctx.peer.notify_progress(note).await;
            }
        }
        let endpoint = endpoint.ok_or_else(|| {
            ToolError::sdk(&pareta_async::Error::StreamTruncated { expected: "the deploy's complete event" }, true)
        })?;
        Ok(json!({ "endpoint": endpoint.to_value(), "spend": self.spend_json() }))
    }

    async fn start(&self, p: EndpointParams) -> ToolResult {
        let _gate = self.spend_gate("start_endpoint").await?;
        let result = self.pa().endpoints().start(&p.endpoint_id).await.map_err(spend_err)?;
        Ok(json!({ "endpoint_id": p.endpoint_id, "result": result, "spend": self.spend_json() }))
    }

    async fn stop(&self, p: EndpointParams) -> ToolResult {
        self.check_change("stop_endpoint")?;
        let result = self.pa().endpoints().stop(&p.endpoint_id).await.map_err(read_err)?;
        Ok(json!({ "endpoint_id": p.endpoint_id, "result": result, "spend": self.spend_json() }))
    }

    async fn delete(&self, p: EndpointParams) -> ToolResult {
        self.check_change("delete_endpoint")?;
        if !self.shared.policy.allow_delete {
            return Err(ToolError::refused(
                "delete_not_allowed",
                "delete_endpoint needs the server to run with --allow-delete as well as --allow-spend; \
                 stop_endpoint stops the billing without deleting",
            ));
        }
        self.pa().endpoints().delete(&p.endpoint_id).await.map_err(read_err)?;
        Ok(json!({ "endpoint_id": p.endpoint_id, "deleted": true }))
    }

    async fn chat_call(&self, p: ChatParams) -> ToolResult {
        let messages = match (p.prompt, p.messages) {
            (Some(prompt), None) => {
                let mut m = Vec::new();
                if let Some(s) = p.system {
                    m.push(ChatMessage::system(s));
                }
                m.push(ChatMessage::user(prompt));
                m
            }
            (None, Some(list)) if p.system.is_none() && !list.is_empty() => list
                .into_iter()
                .map(|m| match m.role {
                    Role::System => ChatMessage::system(m.content),
                    Role::User => ChatMessage::user(m.content),
                    Role::Assistant => ChatMessage::assistant(m.content),
                })
                .collect(),
            (None, Some(_)) if p.system.is_some() => {
                return Err(ToolError::invalid(
                    "`system` goes with `prompt`; with `messages`, put a system message first",
                ));
            }
            _ => return Err(ToolError::invalid("give exactly one of `prompt` or a non-empty `messages`")),
        };
        let mut req = ChatCompletionRequest::new(p.model, messages);
        if let Some(t) = p.temperature {
            req = req.temperature(t);
        }
        if let Some(n) = p.max_tokens {
            req = req.max_tokens(n);
        }
        let _gate = self.spend_gate("chat").await?;
        let reply = self.pa().chat().completions().create(&req).await.map_err(spend_err)?;
        let meta = reply.meta();
        self.count_receipt(meta.billed_micro_usd());
        let completion = reply.to_value();
        let finish_reason = completion.pointer("/choices/0/finish_reason").cloned().unwrap_or(Value::Null);
        Ok(json!({
            "content": reply.content(),
            "finish_reason": finish_reason,
            "receipt": {
                "billed_micro_usd": meta.billed_micro_usd(),
                "frontier_would_have_cost_micro_usd": meta.frontier_would_have_cost_micro_usd(),
                "idempotent_replay": meta.is_idempotent_replay(),
                "request_id": meta.request_id(),
            },
            "completion": completion,
            "spend": self.spend_json(),
        }))
    }

    async fn read_rows(&self, path: &str) -> Result<Vec<Value>, ToolError> {
        let resolved = self.shared.policy.resolve(path)?;
        let bytes = tokio::fs::read(&resolved)
            .await
            .map_err(|e| ToolError::file(path, format!("cannot read {path:?}: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| ToolError::file(path, "the file is not UTF-8 text"))?;
        parse_jsonl(path, &text)
    }

    async fn create_set(&self, p: CreateSetParams) -> ToolResult {
        self.check_change("create_eval_set")?;
        let rows = self.read_rows(&p.path).await?;
        let n = rows.len();
        let mut req = EvalSetCreate::new(p.task_id, rows);
        if let Some(name) = p.name {
            req = req.name(name);
        }
        let set = self.pa().evals().sets().create(&req).await.map_err(read_err)?;
        Ok(json!({ "eval_set": set.to_value(), "rows": n }))
    }

    async fn run_eval_call(&self, p: RunEvalParams, ctx: &RequestContext<RoleServer>) -> ToolResult {
        self.check_change("run_eval")?;
        let mut req = match (p.eval_set_id, p.task_id, p.path) {
            (Some(set), None, None) => EvalRunCreate::on_set(set, p.models),
            (None, Some(task), Some(path)) => EvalRunCreate::inline(task, self.read_rows(&path).await?, p.models),
            _ => return Err(ToolError::invalid("give either `eval_set_id`, or both `task_id` and `path`")),
        };
        if let Some(f) = p.frontier {
            req = req.frontier(f.into_frontier());
        }
        if let Some(name) = p.name {
            req = req.name(name);
        }
        let run = {
            let _gate = self.spend_gate("run_eval").await?;
            let run = self.pa().evals().runs().create(&req).await.map_err(spend_err)?;
            // A run's receipt and its cost are the same charge, seen twice (the
            // platform may bill up front): count the larger once, per run.
            let receipt = run.meta().billed_micro_usd();
            match run_id_of(&run.to_value()) {
                Some(id) => {
                    let known = run.cost_micro_usd.max(receipt.unwrap_or(0));
                    self.shared.ledger.track_run(&id, known, run.is_terminal());
                }
                None => self.count_receipt(receipt),
            }
            run
        };
        let run = match (p.wait.unwrap_or(false), run_id_of(&run.to_value())) {
            (true, Some(id)) if !run.is_terminal() => {
                let timeout = Duration::from_secs(p.wait_timeout_secs.unwrap_or(600));
                let opts = WaitOptions::default().poll_interval(self.shared.policy.poll_interval).timeout(timeout);
                let runs = self.pa().evals().runs();
                tokio::select! {
                    r = runs.wait(&id, opts) => r.map_err(read_err)?,
                    () = ctx.ct.cancelled() => {
                        return Err(ToolError::cancelled(&id));
                    }
                }
            }
            _ => run,
        };
        let out = self.run_json(&run, None);
        let spend = self.spend_json();
        Ok(match out {
            Value::Object(mut map) => {
                map.insert("spend".into(), spend);
                Value::Object(map)
            }
            other => other,
        })
    }

    fn instructions(&self) -> String {
        let p = &self.shared.policy;
        let mut s = String::from(
            "Pareta finds, evaluates and hosts task-specialised open models. The funnel: match_task with the \
             user's goal, leaderboard (and recommended_model) for the chosen task, optionally run_eval on the \
             user's own rows, then deploy_endpoint and chat. ",
        );
        if p.allow_spend {
            s.push_str("Spending tools are enabled");
            if let Some(cap) = p.spend_cap_micro_usd {
                s.push_str(&format!(" up to a spend cap of {} USD", micro_to_usd_string(cap)));
            }
            s.push_str(". ");
            if !p.allow_delete {
                s.push_str("delete_endpoint is disabled (no --allow-delete). ");
            }
        } else {
            s.push_str(
                "This server is read-only: deploy_endpoint, start_endpoint, stop_endpoint, delete_endpoint, chat, \
                 create_eval_set and run_eval will be refused until the user restarts it with --allow-spend. ",
            );
        }
        s.push_str(&format!(
            "Files are read only under {}. Call guardrails to see the policy and the spend so far.",
            p.root.display()
        ));
        if self.shared.mock {
            s.push_str(" This is a mock server with demo data: nothing is billed.");
        }
        s
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for ParetaMcp {
    /// Routes the call, then gives rmcp's own argument errors (plain text) the
    /// same `{"error": {...}}` shape as every other failure.
    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, rmcp::ErrorData> {
        let call = rmcp::handler::server::tool::ToolCallContext::new(self, request, context);
        Ok(match self.tool_router.call(call).await? {
            rmcp::model::CallToolResponse::Complete(result) => {
                rmcp::model::CallToolResponse::Complete(crate::errors::normalize(result))
            }
            other => other,
        })
    }

    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("pareta", env!("CARGO_PKG_VERSION"))
                    .with_title("Pareta")
                    .with_website_url("https://pareta.ai"),
            )
            .with_instructions(self.instructions())
    }
}
