//! The tools' parameters: what a model sends, each with a JSON schema (from
//! `schemars`) whose descriptions are the doc comments below. Unknown fields are
//! refused, so a misspelt argument is an error the model can correct.

use pareta_async::types::{Frontier, MetricKind};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// No parameters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `match_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchTaskParams {
    /// What the user wants a model to do, in their words (e.g. "pull totals out of invoices").
    pub query: String,
    /// How many candidate tasks to return (default 5).
    #[schemars(range(min = 1, max = 50))]
    pub top_k: Option<u32>,
}

/// A task id.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskParams {
    /// Task id, e.g. "contract-key-fields" (from match_task or list_tasks).
    pub task_id: String,
}

/// `get_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTaskParams {
    /// Task id, e.g. "contract-key-fields".
    pub task_id: String,
    /// Include up to this many example rows (their shape is what an eval set's rows must look like).
    #[schemars(range(min = 1, max = 20))]
    pub examples: Option<u32>,
}

/// An endpoint id.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointParams {
    /// Endpoint id, e.g. "ep_contract_kie" (from list_endpoints or deploy_endpoint).
    pub endpoint_id: String,
}

/// A metric dimension.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// p50/p95/p99 latency.
    Performance,
    /// Availability.
    Uptime,
    /// Spend and savings versus the frontier.
    Cost,
    /// Judge windows.
    Quality,
    /// Usage statistics.
    Activity,
}

impl Metric {
    pub(crate) fn kind(self) -> MetricKind {
        match self {
            Metric::Performance => MetricKind::Performance,
            Metric::Uptime => MetricKind::Uptime,
            Metric::Cost => MetricKind::Cost,
            Metric::Quality => MetricKind::Quality,
            Metric::Activity => MetricKind::Activity,
        }
    }
    pub(crate) fn name(self) -> &'static str {
        self.kind().as_str()
    }
}

/// `endpoint_metrics`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsParams {
    /// Endpoint id.
    pub endpoint_id: String,
    /// Which dimension.
    pub metric: Metric,
    /// Time window, e.g. "24h" or "7d" (sent as the `window` query parameter).
    pub window: Option<String>,
}

/// `frontier_models`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontierParams {
    /// Annotate the roster for this task (which models are benchmarked on it).
    pub task_id: Option<String>,
}

/// `get_eval_run`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    /// Eval run id, e.g. "run_1".
    pub run_id: String,
}

/// `deploy_endpoint`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployParams {
    /// The task to deploy a model for.
    pub task_id: String,
    /// Model alias from the task's leaderboard; default "recommended" (see recommended_model).
    pub model: Option<String>,
    /// A label for the endpoint.
    pub name: Option<String>,
}

/// Who speaks in a chat message.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions.
    System,
    /// The user.
    User,
    /// An earlier model reply.
    Assistant,
}

/// One chat message.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// The text.
    pub content: String,
}

/// `chat`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatParams {
    /// The endpoint (model) id to call, e.g. "ep_contract_kie".
    pub model: String,
    /// A single user message. Give either `prompt` or `messages`.
    pub prompt: Option<String>,
    /// A system message sent before `prompt` (only with `prompt`).
    pub system: Option<String>,
    /// The whole conversation. Give either `prompt` or `messages`.
    pub messages: Option<Vec<Message>>,
    /// Sampling temperature.
    #[schemars(range(min = 0.0, max = 2.0))]
    pub temperature: Option<f64>,
    /// Upper bound on the reply's tokens.
    #[schemars(range(min = 1))]
    pub max_tokens: Option<u32>,
}

/// `create_eval_set`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSetParams {
    /// The task whose scorer and schema the rows follow.
    pub task_id: String,
    /// A JSONL file (one JSON object per line) under the server's root; relative paths are resolved against the root.
    pub path: String,
    /// A label for the set.
    pub name: Option<String>,
}

/// A frontier keyword.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FrontierKeyword {
    /// No baselines.
    None,
    /// Every frontier model available for the task.
    All,
    /// The frontier models on the task's leaderboard.
    Benchmarked,
}

/// Which frontier baselines to score: a keyword or a list of vendor model ids.
#[derive(Debug, JsonSchema)]
#[schemars(untagged)]
pub enum FrontierArg {
    /// "none", "all" or "benchmarked".
    Keyword(FrontierKeyword),
    /// Exactly these vendor ids (from frontier_models).
    Ids(Vec<String>),
}

impl<'de> Deserialize<'de> for FrontierArg {
    /// By hand, so that a bad keyword says what is expected (an untagged enum
    /// only says "did not match any variant").
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        const EXPECTED: &str = r#"expected "none", "all", "benchmarked" or a list of vendor model ids"#;
        match Value::deserialize(d)? {
            Value::String(s) => match s.as_str() {
                "none" => Ok(FrontierArg::Keyword(FrontierKeyword::None)),
                "all" => Ok(FrontierArg::Keyword(FrontierKeyword::All)),
                "benchmarked" => Ok(FrontierArg::Keyword(FrontierKeyword::Benchmarked)),
                other => Err(D::Error::custom(format!("frontier: unknown keyword {other:?}: {EXPECTED}"))),
            },
            Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(id) => Ok(id),
                    other => Err(D::Error::custom(format!("frontier: model ids are strings, got {other}"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(FrontierArg::Ids),
            other => Err(D::Error::custom(format!("frontier: got {other}, {EXPECTED}"))),
        }
    }
}

impl FrontierArg {
    pub(crate) fn into_frontier(self) -> Frontier {
        match self {
            FrontierArg::Keyword(FrontierKeyword::None) => Frontier::None,
            FrontierArg::Keyword(FrontierKeyword::All) => Frontier::All,
            FrontierArg::Keyword(FrontierKeyword::Benchmarked) => Frontier::Benchmarked,
            FrontierArg::Ids(ids) => Frontier::Ids(ids),
        }
    }
}

/// `run_eval`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunEvalParams {
    /// Evaluate an existing eval set (from create_eval_set or list_eval_sets). Give either this, or `task_id` and `path`.
    pub eval_set_id: Option<String>,
    /// With `path`: the task of the rows (a set is created first).
    pub task_id: Option<String>,
    /// With `task_id`: a JSONL file under the server's root.
    pub path: Option<String>,
    /// Open model aliases to evaluate (from the task's leaderboard).
    #[schemars(length(min = 1))]
    pub models: Vec<String>,
    /// Frontier baselines to score beside them (default "none").
    pub frontier: Option<FrontierArg>,
    /// A label for the run.
    pub name: Option<String>,
    /// Wait until the run completes or fails (default false: return at once and poll with get_eval_run).
    pub wait: Option<bool>,
    /// Give up waiting after this many seconds (default 600); the run keeps going.
    #[schemars(range(min = 1, max = 3600))]
    pub wait_timeout_secs: Option<u64>,
}

// ---------------------------------------------------------------- the tools
