//! The server's shared state: the mutable database of endpoints, eval sets,
//! runs and uploads, plus the request log, idempotency store and fault
//! counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde_json::{Map, Value, json};

use crate::catalog::Catalog;
use crate::http::ApiError;
use crate::idempotency::IdempotencyStore;
use crate::limits::Limiter;
use crate::log::RequestLog;
use crate::{EndpointForm, MockConfig};

/// Timestamps are deterministic: this epoch (2026-01-01T00:00:00Z) plus one
/// second per object created.
pub(crate) const MOCK_EPOCH: i64 = 1_767_225_600;

/// Everything a handler can reach.
pub(crate) struct AppState {
    pub config: MockConfig,
    pub base_url: String,
    pub storage_url: String,
    pub catalog: Catalog,
    pub db: Mutex<Db>,
    pub log: RequestLog,
    pub idempotency: IdempotencyStore,
    pub fault_counts: Mutex<HashMap<(String, String, String), u32>>,
    /// Faults armed from the library (method, path, spec), for clients that cannot set headers.
    pub armed_faults: Mutex<Vec<(String, String, String)>>,
    /// What is left of the org balance (`None`: unlimited).
    pub balance: Mutex<Option<u64>>,
    /// The `/v1` request budget.
    pub limiter: Limiter,
    /// Quirks mode.
    pub quirks: AtomicBool,
    request_counter: AtomicU64,
}

impl AppState {
    /// Fresh state with the seeded endpoint.
    pub fn new(config: MockConfig, base_url: String, storage_url: String) -> AppState {
        let mut db = Db::default();
        let created = db.tick();
        db.endpoints.push(Endpoint {
            name: "ep_contract_kie".to_owned(),
            task: "contract-key-fields".to_owned(),
            model: "contract-1".to_owned(),
            status: EndpointStatus::Live,
            warming: None,
            modern: config.endpoint_form == EndpointForm::Modern,
            created,
            extra: Map::new(),
            requests: 0,
            billed_micro_usd: 0,
        });
        AppState {
            balance: Mutex::new(config.balance_micro_usd),
            limiter: Limiter::new(config.rate_limit),
            quirks: AtomicBool::new(config.quirks),
            config,
            base_url,
            storage_url,
            catalog: Catalog::seeded(),
            db: Mutex::new(db),
            log: RequestLog::default(),
            idempotency: IdempotencyStore::default(),
            fault_counts: Mutex::new(HashMap::new()),
            armed_faults: Mutex::new(Vec::new()),
            request_counter: AtomicU64::new(0),
        }
    }

    /// Locks the database.
    pub fn db(&self) -> MutexGuard<'_, Db> {
        lock(&self.db)
    }

    /// Debits `micro_usd` from the org balance, or answers 402 when the
    /// balance cannot cover it (nothing is debited then).
    pub fn charge(&self, micro_usd: u64, what: &str) -> Result<(), ApiError> {
        let mut balance = lock(&self.balance);
        match *balance {
            None => Ok(()),
            Some(left) if left >= micro_usd => {
                *balance = Some(left - micro_usd);
                Ok(())
            }
            Some(left) => Err(ApiError::new(
                axum::http::StatusCode::PAYMENT_REQUIRED,
                format!(
                    "Insufficient credits: {what} costs {micro_usd} micro-USD and the org balance is {left} \
                     micro-USD. Top up in the dashboard."
                ),
            )),
        }
    }

    /// True when deployed endpoints use the modern record form.
    pub fn deployed_form_is_modern(&self) -> bool {
        self.config.endpoint_form != EndpointForm::Legacy
    }

    /// A fresh `x-request-id` value.
    pub fn next_request_id(&self) -> String {
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed) + 1;
        format!("req_{n:012x}")
    }
}

/// Locks a mutex, ignoring poisoning (a panicking handler must not wedge the
/// mock).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The mutable records.
#[derive(Default)]
pub(crate) struct Db {
    pub endpoints: Vec<Endpoint>,
    pub eval_sets: Vec<EvalSet>,
    pub runs: Vec<Run>,
    pub uploads: HashMap<String, Upload>,
    clock: i64,
    next_endpoint: u64,
    next_eval_set: u64,
    next_run: u64,
    next_chat: u64,
    next_upload: u64,
}

impl Db {
    /// The next deterministic timestamp.
    pub fn tick(&mut self) -> i64 {
        self.clock += 1;
        MOCK_EPOCH + self.clock
    }

    /// A fresh endpoint number.
    pub fn next_endpoint(&mut self) -> u64 {
        self.next_endpoint += 1;
        self.next_endpoint
    }

    /// A fresh eval set id.
    pub fn next_eval_set_id(&mut self) -> String {
        self.next_eval_set += 1;
        format!("evset_{}", self.next_eval_set)
    }

    /// A fresh run id.
    pub fn next_run_id(&mut self) -> String {
        self.next_run += 1;
        format!("run_{}", self.next_run)
    }

    /// A fresh chat completion id.
    pub fn next_chat_id(&mut self) -> String {
        self.next_chat += 1;
        format!("chatcmpl-{}", self.next_chat)
    }

    /// A fresh upload token.
    pub fn next_upload_token(&mut self) -> String {
        self.next_upload += 1;
        let n = self.next_upload;
        let mix = crate::http::fnv(&format!("upload-{n}")) & 0xffff_ffff;
        format!("upl_{n}_{mix:08x}")
    }

    /// The endpoint named `name`.
    pub fn endpoint_mut(&mut self, name: &str) -> Option<&mut Endpoint> {
        self.endpoints.iter_mut().find(|e| e.name == name)
    }

    /// The eval set with id `id`.
    pub fn eval_set_mut(&mut self, id: &str) -> Option<&mut EvalSet> {
        self.eval_sets.iter_mut().find(|s| s.id == id)
    }
}

/// Lifecycle of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndpointStatus {
    Starting,
    Live,
    Stopped,
}

impl EndpointStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointStatus::Starting => "starting",
            EndpointStatus::Live => "live",
            EndpointStatus::Stopped => "stopped",
        }
    }
}

/// A deployed (or deploying) endpoint.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    pub name: String,
    pub task: String,
    pub model: String,
    pub status: EndpointStatus,
    /// After `start`: how many more reads report `starting` before `live`.
    /// `None` while a deploy stream runs (live when it completes).
    pub warming: Option<u32>,
    /// Served in the modern form (`id`, `name`, `task`) rather than the
    /// legacy one (`name`, `taskName`).
    pub modern: bool,
    pub created: i64,
    /// Extra deploy body fields, passed through into the record.
    pub extra: Map<String, Value>,
    pub requests: u64,
    pub billed_micro_usd: u64,
}

impl Endpoint {
    /// One read of the endpoint: a started endpoint warms up by one step.
    pub fn observe(&mut self) {
        if self.status == EndpointStatus::Starting {
            match self.warming {
                Some(0) => {
                    self.status = EndpointStatus::Live;
                    self.warming = None;
                }
                Some(n) => self.warming = Some(n - 1),
                None => {}
            }
        }
    }

    /// The wire record, in the legacy form (`name` and `taskName`, no `id`:
    /// clients fall back to `name`) or the modern one (`id`, `name`, `task`).
    pub fn record(&self, base_url: &str) -> Value {
        let mut rec = self.extra.clone();
        let mut core = json!({
            "name": self.name,
            "model": self.model,
            "status": self.status.as_str(),
            "url": format!(
                "{base_url}/v1/endpoints/{}/infer",
                crate::http::encode_segment(&self.name)
            ),
            "created": self.created,
        });
        if self.modern {
            core["id"] = json!(self.name);
            core["task"] = json!(self.task);
        } else {
            core["taskName"] = json!(self.task);
        }
        if let Value::Object(core) = core {
            rec.extend(core);
        }
        Value::Object(rec)
    }
}

/// A document attached to one row's field.
#[derive(Clone, Debug)]
pub(crate) struct Blob {
    pub mime: String,
    pub size: u64,
    pub storage_uri: String,
}

/// An eval set.
#[derive(Clone, Debug)]
pub(crate) struct EvalSet {
    pub id: String,
    pub task_id: String,
    pub name: String,
    pub items: Vec<Value>,
    pub scoring_strategy: String,
    pub created: i64,
    pub blobs: BTreeMap<(usize, String), Blob>,
}

impl EvalSet {
    /// The wire record (inside `{"eval_set": ...}`).
    pub fn record(&self) -> Value {
        json!({
            "id": self.id,
            "task_id": self.task_id,
            "name": self.name,
            "item_count": self.items.len(),
            "scoring_strategy": self.scoring_strategy,
            "created": self.created,
            "blobs": self
                .blobs
                .iter()
                .map(|((idx, field), b)| json!({
                    "idx": idx,
                    "field_name": field,
                    "mime": b.mime,
                    "size": b.size,
                    "storage_uri": b.storage_uri,
                }))
                .collect::<Vec<_>>(),
        })
    }
}

/// An eval run; results are computed at creation and revealed by polling.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub id: String,
    pub eval_set_id: String,
    pub candidate_model_ids: Vec<String>,
    pub polls: u32,
    pub fail: bool,
    pub results: Vec<Value>,
    pub total_cost_micro_usd: u64,
    pub created: i64,
}

/// Statuses a run walks through, one per poll.
pub(crate) const RUN_STATUSES: [&str; 4] = ["queued", "running", "evaluating", "completed"];

impl Run {
    /// The current status string.
    pub fn status(&self) -> &'static str {
        let i = (self.polls as usize).min(RUN_STATUSES.len() - 1);
        if i == RUN_STATUSES.len() - 1 && self.fail { "failed" } else { RUN_STATUSES[i] }
    }

    /// The `{"run": ..., "results": ...}` envelope.
    pub fn envelope(&self) -> Value {
        let status = self.status();
        let done = status == "completed";
        let error_detail = if status == "failed" {
            Value::String(
                "evaluation failed: the scorer could not parse the model outputs \
                 (injected: eval set name contains 'fail')"
                    .to_owned(),
            )
        } else {
            Value::Null
        };
        json!({
            "run": {
                "id": self.id,
                "eval_set_id": self.eval_set_id,
                "status": status,
                "candidate_model_ids": self.candidate_model_ids,
                "error_detail": error_detail,
                "total_cost_micro_usd": if done { self.total_cost_micro_usd } else { 0 },
                "created": self.created,
            },
            "results": if done { self.results.clone() } else { Vec::new() },
        })
    }
}

/// Where a signed-URL upload stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UploadState {
    /// URL minted, nothing received yet.
    Pending,
    /// A PUT is streaming in.
    InProgress,
    /// A PUT completed.
    Done { size: u64, content_type: String },
}

/// A signed-URL upload slot.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub eval_set_id: String,
    pub idx: usize,
    pub field_name: String,
    pub mime: String,
    pub storage_uri: String,
    pub state: UploadState,
}
