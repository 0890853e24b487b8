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

mod guarded;

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
