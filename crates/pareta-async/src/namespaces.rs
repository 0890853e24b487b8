//! The namespaces (`pa.chat()`, `pa.endpoints()`, ...): each method is one flow
//! from `pareta-core`, run by the driver. The same names and arguments as the
//! blocking client's, as `async fn`s.

use crate::stream::{ChatStream, DeployStream};
use crate::{AsyncPareta, Result};
use pareta_core::Error;
use pareta_core::flows::{chat, endpoints, evals, models, runs, tasks, upload};
use pareta_types::{
    ChatCompletion, ChatCompletionRequest, DeployRequest, Document, Endpoint, EvalRun, EvalRunCreate, EvalSet,
    EvalSetCreate, FrontierModel, Leaderboard, MetricKind, ModelList, QueryParam, Task, TaskMatch, UploadDocument,
    WaitOptions,
};
use serde_json::Value;

/// `pa.models()`.
#[derive(Clone, Copy, Debug)]
pub struct Models<'a> {
    pub(crate) pa: &'a AsyncPareta,
}

impl Models<'_> {
    /// `GET /v1/models`: the deployed, callable endpoints.
    pub async fn list(&self) -> Result<ModelList> {
        self.pa.run(models::list(self.pa.config())).await
    }
}

/// `pa.chat()`.
#[derive(Clone, Copy, Debug)]
pub struct Chat<'a> {
    pub(crate) pa: &'a AsyncPareta,
}

impl<'a> Chat<'a> {
    /// `pa.chat().completions()`.
    pub fn completions(&self) -> Completions<'a> {
        Completions { pa: self.pa }
    }
}

/// `pa.chat().completions()`.
#[derive(Clone, Copy, Debug)]
pub struct Completions<'a> {
    pa: &'a AsyncPareta,
}

impl Completions<'_> {
    /// One completion (`POST /v1/chat/completions`). Metered.
    pub async fn create(&self, req: &ChatCompletionRequest) -> Result<ChatCompletion> {
        self.pa.run(chat::create(self.pa.config(), req)).await
    }

    /// A streamed completion. Resolves once the response headers arrive; an HTTP
    /// error status is returned here, never as the first item.
    pub async fn create_stream(&self, req: &ChatCompletionRequest) -> Result<ChatStream> {
        let (dec, body) = self.pa.run_stream(chat::create_stream(self.pa.config(), req)).await?;
        Ok(ChatStream::new(dec, body))
    }
}

/// `pa.endpoints()`.
#[derive(Clone, Copy, Debug)]
pub struct Endpoints<'a> {
    pub(crate) pa: &'a AsyncPareta,
}

impl<'a> Endpoints<'a> {
    /// Deploys a model for a task; poll the progress events or call `.wait().await`.
    pub async fn deploy(&self, req: &DeployRequest) -> Result<DeployStream> {
        let (dec, body) = self.pa.run_stream(endpoints::deploy(self.pa.config(), req)).await?;
        Ok(DeployStream::new(dec, body))
    }
    /// Every endpoint the org can access.
    pub async fn list(&self) -> Result<Vec<Endpoint>> {
        self.pa.run(endpoints::list(self.pa.config())).await
    }
    /// One endpoint.
    pub async fn retrieve(&self, id: &str) -> Result<Endpoint> {
        self.pa.run(endpoints::retrieve(self.pa.config(), id)).await
    }
    /// Starts a stopped endpoint; returns the server's status JSON.
    pub async fn start(&self, id: &str) -> Result<Value> {
        self.pa.run(endpoints::start(self.pa.config(), id)).await
    }
    /// Stops (scales to zero) a live endpoint; returns the server's status JSON.
    pub async fn stop(&self, id: &str) -> Result<Value> {
        self.pa.run(endpoints::stop(self.pa.config(), id)).await
    }
    /// Removes an endpoint.
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.pa.run(endpoints::delete(self.pa.config(), id)).await
    }
    /// The metrics of one endpoint (not `async`: the facade's methods are).
    pub fn metrics(&self, id: &str) -> Metrics<'a> {
        Metrics { pa: self.pa, id: id.to_owned() }
    }
}

/// `pa.endpoints().metrics(id)`: five read-only dimensions, raw JSON.
#[derive(Clone, Debug)]
pub struct Metrics<'a> {
    pa: &'a AsyncPareta,
    id: String,
}

impl Metrics<'_> {
    /// Any dimension, with query parameters.
    pub async fn get(&self, kind: MetricKind, params: impl IntoIterator<Item = impl QueryParam>) -> Result<Value> {
        self.pa.run(endpoints::metrics(self.pa.config(), &self.id, kind, params)).await
    }
    /// p50/p95/p99 latency.
    pub async fn performance(&self, params: impl IntoIterator<Item = impl QueryParam>) -> Result<Value> {
        self.get(MetricKind::Performance, params).await
    }
    /// Availability.
    pub async fn uptime(&self, params: impl IntoIterator<Item = impl QueryParam>) -> Result<Value> {
        self.get(MetricKind::Uptime, params).await
    }
    /// Spend and savings versus the frontier.
    pub async fn cost(&self, params: impl IntoIterator<Item = impl QueryParam>) -> Result<Value> {
        self.get(MetricKind::Cost, params).await
    }
    /// Judge windows.
    pub async fn quality(&self, params: impl IntoIterator<Item = impl QueryParam>) -> Result<Value> {
        self.get(MetricKind::Quality, params).await
    }
    /// Usage statistics.
    pub async fn activity(&self, params: impl IntoIterator<Item = impl QueryParam>) -> Result<Value> {
        self.get(MetricKind::Activity, params).await
    }
}

/// `pa.tasks()`.
#[derive(Clone, Copy, Debug)]
pub struct Tasks<'a> {
    pub(crate) pa: &'a AsyncPareta,
}

impl Tasks<'_> {
    /// The benchmark catalog.
    pub async fn list(&self) -> Result<Vec<Task>> {
        self.pa.run(tasks::list(self.pa.config())).await
    }
    /// One task.
    pub async fn retrieve(&self, id: &str) -> Result<Task> {
        self.pa.run(tasks::retrieve(self.pa.config(), id, None)).await
    }
    /// One task with up to `n` example rows.
    pub async fn retrieve_with_examples(&self, id: &str, n: u32) -> Result<Task> {
        self.pa.run(tasks::retrieve(self.pa.config(), id, Some(n))).await
    }
    /// Maps free-text intent to ranked tasks (top 5).
    pub async fn match_intent(&self, query: &str) -> Result<TaskMatch> {
        self.match_intent_top_k(query, tasks::DEFAULT_TOP_K).await
    }
    /// Maps free-text intent to the top `k` tasks.
    pub async fn match_intent_top_k(&self, query: &str, k: u32) -> Result<TaskMatch> {
        self.pa.run(tasks::match_intent(self.pa.config(), query, k)).await
    }
    /// Models ranked for a task.
    pub async fn leaderboard(&self, id: &str) -> Result<Leaderboard> {
        self.pa.run(tasks::leaderboard(self.pa.config(), id)).await
    }
    /// The alias `DeployRequest::new(task)` would deploy.
    pub async fn recommended(&self, id: &str) -> Result<Option<String>> {
        self.pa.run(tasks::recommended(self.pa.config(), id)).await
    }
}

/// `pa.evals()`.
#[derive(Clone, Copy, Debug)]
pub struct Evals<'a> {
    pub(crate) pa: &'a AsyncPareta,
}

impl<'a> Evals<'a> {
    /// The frontier roster, annotated for `task` when given.
    pub async fn frontier_models(&self, task: Option<&str>) -> Result<Vec<FrontierModel>> {
        self.pa.run(evals::frontier_models(self.pa.config(), task)).await
    }
    /// `pa.evals().sets()`.
    pub fn sets(&self) -> Sets<'a> {
        Sets { pa: self.pa }
    }
    /// `pa.evals().runs()`.
    pub fn runs(&self) -> Runs<'a> {
        Runs { pa: self.pa }
    }
}

/// `pa.evals().sets()`.
#[derive(Clone, Copy, Debug)]
pub struct Sets<'a> {
    pa: &'a AsyncPareta,
}

impl Sets<'_> {
    /// Creates an eval set from rows (sent as JSONL).
    pub async fn create(&self, req: &EvalSetCreate) -> Result<EvalSet> {
        self.pa.run(evals::create_set(self.pa.config(), req)).await
    }
    /// Every eval set of the org.
    pub async fn list(&self) -> Result<Vec<EvalSet>> {
        self.pa.run(evals::list_sets(self.pa.config())).await
    }
    /// One eval set.
    pub async fn retrieve(&self, id: &str) -> Result<EvalSet> {
        self.pa.run(evals::retrieve_set(self.pa.config(), id)).await
    }
    /// Deletes an eval set.
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.pa.run(evals::delete_set(self.pa.config(), id)).await
    }
    /// Attaches a document to one row's blob field; a file is streamed from disk.
    pub async fn upload_document(&self, req: &UploadDocument) -> Result<Value> {
        let size = match &req.document {
            Document::Path(p) => {
                tokio::fs::metadata(p).await.map_err(|source| Error::File { path: p.clone(), source })?.len()
            }
            Document::Bytes(b) => b.len() as u64,
        };
        self.pa.run(upload::upload_document(self.pa.config(), req, size)).await
    }
}

/// `pa.evals().runs()`.
#[derive(Clone, Copy, Debug)]
pub struct Runs<'a> {
    pa: &'a AsyncPareta,
}

impl Runs<'_> {
    /// Starts a run (creating the set first for inline rows); waits when asked.
    pub async fn create(&self, req: &EvalRunCreate) -> Result<EvalRun> {
        self.pa.run(runs::create(self.pa.config(), req)).await
    }
    /// The run and its results.
    pub async fn retrieve(&self, id: &str) -> Result<EvalRun> {
        self.pa.run(runs::retrieve(self.pa.config(), id)).await
    }
    /// Polls until the run is terminal or the wait times out.
    pub async fn wait(&self, id: &str, options: WaitOptions) -> Result<EvalRun> {
        self.pa.run(runs::wait(self.pa.config(), id, options)).await
    }
}
