//! One variant per public client method.

use pareta_types::{
    ChatCompletionRequest, DeployRequest, EvalRunCreate, EvalSetCreate, MetricKind, UploadDocument, WaitOptions,
};

/// A call of one client method with its arguments.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub enum Op {
    ModelsList,
    ChatCreate(ChatCompletionRequest),
    ChatCreateStream(ChatCompletionRequest),
    Deploy(DeployRequest),
    DeployWait(DeployRequest),
    EndpointsList,
    EndpointsRetrieve(String),
    EndpointsStart(String),
    EndpointsStop(String),
    EndpointsDelete(String),
    Metrics(String, MetricKind, Vec<(String, String)>),
    TasksList,
    TasksRetrieve(String),
    TasksRetrieveWithExamples(String, u32),
    TasksMatchIntent(String),
    TasksMatchIntentTopK(String, u32),
    TasksLeaderboard(String),
    TasksRecommended(String),
    FrontierModels(Option<String>),
    SetsCreate(EvalSetCreate),
    SetsList,
    SetsRetrieve(String),
    SetsDelete(String),
    SetsUploadDocument(UploadDocument),
    RunsCreate(EvalRunCreate),
    RunsRetrieve(String),
    RunsWait(String, WaitOptions),
}

/// The names of every public method, as [`Op::method`] reports them.
pub const ALL_METHODS: &[&str] = &[
    "models.list",
    "chat.completions.create",
    "chat.completions.create_stream",
    "endpoints.deploy",
    "endpoints.deploy.wait",
    "endpoints.list",
    "endpoints.retrieve",
    "endpoints.start",
    "endpoints.stop",
    "endpoints.delete",
    "endpoints.metrics.performance",
    "endpoints.metrics.uptime",
    "endpoints.metrics.cost",
    "endpoints.metrics.quality",
    "endpoints.metrics.activity",
    "tasks.list",
    "tasks.retrieve",
    "tasks.retrieve_with_examples",
    "tasks.match_intent",
    "tasks.match_intent_top_k",
    "tasks.leaderboard",
    "tasks.recommended",
    "evals.frontier_models",
    "evals.sets.create",
    "evals.sets.list",
    "evals.sets.retrieve",
    "evals.sets.delete",
    "evals.sets.upload_document",
    "evals.runs.create",
    "evals.runs.retrieve",
    "evals.runs.wait",
];

impl Op {
    /// The public method this op calls.
    pub fn method(&self) -> String {
        match self {
            Op::ModelsList => "models.list".into(),
            Op::ChatCreate(_) => "chat.completions.create".into(),
            Op::ChatCreateStream(_) => "chat.completions.create_stream".into(),
            Op::Deploy(_) => "endpoints.deploy".into(),
            Op::DeployWait(_) => "endpoints.deploy.wait".into(),
            Op::EndpointsList => "endpoints.list".into(),
            Op::EndpointsRetrieve(_) => "endpoints.retrieve".into(),
            Op::EndpointsStart(_) => "endpoints.start".into(),
            Op::EndpointsStop(_) => "endpoints.stop".into(),
            Op::EndpointsDelete(_) => "endpoints.delete".into(),
            Op::Metrics(_, kind, _) => format!("endpoints.metrics.{}", kind.as_str()),
            Op::TasksList => "tasks.list".into(),
            Op::TasksRetrieve(_) => "tasks.retrieve".into(),
            Op::TasksRetrieveWithExamples(..) => "tasks.retrieve_with_examples".into(),
            Op::TasksMatchIntent(_) => "tasks.match_intent".into(),
            Op::TasksMatchIntentTopK(..) => "tasks.match_intent_top_k".into(),
            Op::TasksLeaderboard(_) => "tasks.leaderboard".into(),
            Op::TasksRecommended(_) => "tasks.recommended".into(),
            Op::FrontierModels(_) => "evals.frontier_models".into(),
            Op::SetsCreate(_) => "evals.sets.create".into(),
            Op::SetsList => "evals.sets.list".into(),
            Op::SetsRetrieve(_) => "evals.sets.retrieve".into(),
            Op::SetsDelete(_) => "evals.sets.delete".into(),
            Op::SetsUploadDocument(_) => "evals.sets.upload_document".into(),
            Op::RunsCreate(_) => "evals.runs.create".into(),
            Op::RunsRetrieve(_) => "evals.runs.retrieve".into(),
            Op::RunsWait(..) => "evals.runs.wait".into(),
        }
    }
}
