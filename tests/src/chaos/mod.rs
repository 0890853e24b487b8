//! The chaos suite: randomized calls over every route, through a seeded TCP
//! fault proxy between each client and pareta-mock (loopback only).
//!
//! A run has `lanes` independent lanes per client; each lane owns a proxy, a
//! client pointed at it, a dedicated live endpoint and eval set on the mock, and
//! makes its calls one after another, so every fault, key and charge is
//! attributable to one call. Per call it checks:
//!
//! - nothing panics;
//! - the call ends within its deadline + 1 s (the deadline is what the client's
//!   configuration allows: attempts x timeout + backoff, plus for streams one
//!   idle window and the time the proxy held bytes back while they kept flowing);
//! - the result equals the fault-free result (after masking ids and
//!   timestamps), or is an error; a stream's items are a prefix of the
//!   fault-free items, ending in at most one error;
//! - every attempt of a logical POST carried the same `Idempotency-Key`, never
//!   one seen before, and the mock's ledger shows at most one charge for it
//!   (chat: the lane endpoint's `requests` counter; deploy: endpoints with the
//!   call's name; eval set: sets with the call's name).
//!
//! The same seed gives the same plan (which op, which fault on which connection);
//! timing-dependent outcomes (a stall that races a timeout) can still differ.

pub mod proxy;
pub mod rng;

use crate::Op;
use futures_util::StreamExt;
use pareta_mock::{MockConfig, MockServer};
use pareta_types::{
    ChatCompletionRequest, ChatMessage, DeployRequest, Document, EvalRunCreate, EvalSetCreate, MetricKind,
    UploadDocument, WaitOptions,
};
use proxy::{CallReport, Proxy};
use rng::Rng;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "pareta_sk_chaos";

/// Which client a run drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// `pareta_blocking::Pareta`.
    Blocking,
    /// `pareta_async::AsyncPareta`.
    Async,
}

impl Client {
    fn tag(self) -> &'static str {
        match self {
            Client::Blocking => "b",
            Client::Async => "a",
        }
    }
}

/// How big a run is.
#[derive(Clone, Debug)]
pub struct ChaosConfig {
    /// The seed of every plan.
    pub seed: u64,
    /// Calls per client (spread over the lanes).
    pub calls: usize,
    /// Lanes per client (concurrent, each sequential).
    pub lanes: usize,
    /// The clients' `timeout` (total per attempt; idle per read for streams).
    pub timeout: Duration,
    /// The clients' `max_retries`.
    pub max_retries: u32,
    /// Stop starting calls after this long (the bounded CI form).
    pub time_budget: Option<Duration>,
    /// Whether faults are injected at all (off: a calibration run).
    pub faults: bool,
}

impl ChaosConfig {
    /// The bounded form run by `cargo test`: a few hundred calls, at most ~45 s per client.
    pub fn bounded(seed: u64) -> Self {
        ChaosConfig {
            seed,
            calls: 400,
            lanes: 8,
            timeout: Duration::from_millis(1000),
            max_retries: 2,
            time_budget: Some(Duration::from_secs(20)),
            faults: true,
        }
    }

    /// The full form (`cargo xtask chaos`): 2,000+ calls per client.
    pub fn full(seed: u64) -> Self {
        ChaosConfig { calls: 2400, time_budget: None, ..ChaosConfig::bounded(seed) }
    }
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct Report {
    /// Which client.
    pub client: String,
    /// Calls made.
    pub calls: usize,
    /// Calls per route (op).
    pub routes: BTreeMap<String, usize>,
    /// Faults that fired, by kind.
    pub faults: BTreeMap<String, usize>,
    /// Outcomes, by kind.
    pub outcomes: BTreeMap<String, usize>,
    /// Broken invariants, one line each (empty on success).
    pub violations: Vec<String>,
    /// HTTP attempts relayed by the proxies.
    pub attempts: usize,
    /// The slowest call, and its deadline.
    pub slowest: (Duration, Duration),
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Report {
    fn merge(&mut self, other: Report) {
        self.calls += other.calls;
        self.attempts += other.attempts;
        for (k, v) in other.routes {
            *self.routes.entry(k).or_default() += v;
        }
        for (k, v) in other.faults {
            *self.faults.entry(k).or_default() += v;
        }
        for (k, v) in other.outcomes {
            *self.outcomes.entry(k).or_default() += v;
        }
        self.violations.extend(other.violations);
        if other.slowest.0 > self.slowest.0 {
            self.slowest = other.slowest;
        }
    }

    /// The table: calls, faults injected by kind, outcomes by kind.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let line = |s: &mut String, k: &str, v: String| s.push_str(&format!("| {k:<44} | {v:>8} |\n"));
        s.push_str(&format!("chaos, {} client\n\n", self.client));
        s.push_str(&format!("| {:<44} | {:>8} |\n|{}|{}|\n", "", "count", "-".repeat(46), "-".repeat(10)));
        line(&mut s, "calls", self.calls.to_string());
        line(&mut s, &format!("routes exercised (of {})", crate::ALL_METHODS.len()), self.routes.len().to_string());
        line(&mut s, "HTTP attempts through the proxy", self.attempts.to_string());
        for (k, v) in &self.faults {
            line(&mut s, &format!("fault: {k}"), v.to_string());
        }
        for (k, v) in &self.outcomes {
            line(&mut s, &format!("outcome: {k}"), v.to_string());
        }
        line(&mut s, "invariant violations", self.violations.len().to_string());
        s.push_str(&format!(
            "\nslowest call {:.2} s (its deadline {:.2} s); run took {:.1} s\n",
            self.slowest.0.as_secs_f64(),
            self.slowest.1.as_secs_f64(),
            self.elapsed.as_secs_f64()
        ));
        s
    }
}

/// Runs the chaos suite for one client against a fresh pareta-mock.
pub fn run(client: Client, cfg: &ChaosConfig) -> Report {
    let started = Instant::now();
    let mock = Arc::new(MockServer::start_with(MockConfig {
        deploy_step_delay: Duration::from_millis(2),
        ..MockConfig::default()
    }));
    let upstream: SocketAddr = match mock.base_url().trim_start_matches("http://").parse() {
        Ok(a) => a,
        Err(e) => panic!("mock address: {e}"),
    };
    let seen_keys = Arc::new(Mutex::new(HashSet::new()));
    let per_lane = cfg.calls.div_ceil(cfg.lanes.max(1));
    // One runtime for every async lane, always running (as in an application),
    // so connection tasks see a closed keep-alive connection between calls.
    let runtime = (client == Client::Async).then(|| {
        Arc::new(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("runtime: {e}")),
        )
    });
    let handles: Vec<_> = (0..cfg.lanes.max(1))
        .map(|lane| {
            let (cfg, mock, seen, rt) = (cfg.clone(), mock.clone(), seen_keys.clone(), runtime.clone());
            std::thread::Builder::new()
                .name(format!("chaos-lane-{lane}"))
                .spawn(move || Lane::new(client, lane, &cfg, &mock, upstream, seen, rt).run(per_lane, started))
                .unwrap_or_else(|e| panic!("lane thread: {e}"))
        })
        .collect();
    let mut report = Report { client: format!("{client:?}"), ..Report::default() };
    for h in handles {
        match h.join() {
            Ok(r) => report.merge(r),
            Err(_) => report.violations.push("a lane panicked outside a call".into()),
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// Per-op kinds the lanes draw from (every public method; streams twice as often).
const KINDS: &[&str] = &[
    "models.list",
    "chat.completions.create",
    "chat.completions.create_stream",
    "chat.completions.create_stream",
    "endpoints.deploy",
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

enum Chaos {
    Blocking(pareta_blocking::Pareta),
    Async(pareta_async::AsyncPareta, Arc<tokio::runtime::Runtime>),
}

struct Lane {
    client: Client,
    lane: usize,
    cfg: ChaosConfig,
    proxy: Proxy,
    chaos: Chaos,
    direct: pareta_blocking::Pareta,
    endpoint: String,
    set: String,
    seen: Arc<Mutex<HashSet<String>>>,
    reference: BTreeMap<&'static str, Value>,
    report: Report,
}

fn rows() -> Vec<Value> {
    vec![
        json!({"input": "Acme and Beta agree to the terms.", "expected": {"parties": ["Acme", "Beta"]}}),
        json!({"input": "Gamma leases to Delta.", "expected": {"parties": ["Gamma", "Delta"]}}),
    ]
}

fn chat_request(endpoint: &str) -> ChatCompletionRequest {
    ChatCompletionRequest::new(endpoint, vec![ChatMessage::user("Extract the parties from this contract please.")])
        .max_tokens(24)
}

fn ok<T>(r: Result<T, pareta_blocking::Error>) -> T {
    r.unwrap_or_else(|e| panic!("chaos setup (fault-free) failed: {e}"))
}

impl Lane {
    fn new(
        client: Client,
        lane: usize,
        cfg: &ChaosConfig,
        mock: &MockServer,
        upstream: SocketAddr,
        seen: Arc<Mutex<HashSet<String>>>,
        runtime: Option<Arc<tokio::runtime::Runtime>>,
    ) -> Lane {
        let proxy = Proxy::start(upstream).unwrap_or_else(|e| panic!("proxy: {e}"));
        let seed = Rng::derive(cfg.seed, 1_000 + lane as u64);
        let chaos = match client {
            Client::Blocking => Chaos::Blocking(ok(pareta_blocking::Pareta::builder()
                .api_key(KEY)
                .base_url(proxy.url())
                .timeout(cfg.timeout)
                .connect_timeout(cfg.timeout)
                .max_retries(cfg.max_retries)
                .rng_seed(seed)
                .build())),
            Client::Async => {
                let rt = runtime.clone().unwrap_or_else(|| panic!("async lanes share a runtime"));
                let pa = pareta_async::AsyncPareta::builder()
                    .api_key(KEY)
                    .base_url(proxy.url())
                    .timeout(cfg.timeout)
                    .connect_timeout(cfg.timeout)
                    .max_retries(cfg.max_retries)
                    .rng_seed(seed)
                    .build()
                    .unwrap_or_else(|e| panic!("async client: {e}"));
                Chaos::Async(pa, rt)
            }
        };
        let direct = ok(pareta_blocking::Pareta::builder()
            .api_key(KEY)
            .base_url(mock.base_url())
            .max_retries(0)
            .timeout(Duration::from_secs(30))
            .build());
        let name = format!("chaos-{}-lane{lane}", client.tag());
        let ep = ok(ok(direct
            .endpoints()
            .deploy(&DeployRequest::new("contract-key-fields").model("contract-1").name(name.clone())))
        .wait());
        let set = ok(direct.evals().sets().create(&EvalSetCreate::new("contract-key-fields", rows()).name(name)));
        Lane {
            client,
            lane,
            cfg: cfg.clone(),
            proxy,
            chaos,
            endpoint: ep.id.clone(),
            set: set.id.clone(),
            direct,
            seen,
            reference: BTreeMap::new(),
            report: Report::default(),
        }
    }

    fn run(mut self, calls: usize, started: Instant) -> Report {
        // Fault-free reference results, one per kind, through the same proxy.
        for (i, kind) in KINDS.iter().enumerate() {
            if self.reference.contains_key(kind) {
                continue;
            }
            let out = self.call(kind, 1_000_000 + i, false);
            if let Some(v) = out {
                self.reference.insert(kind, v);
            }
        }
        let mut rng = Rng::new(Rng::derive(self.cfg.seed, self.lane as u64));
        for i in 0..calls {
            if self.cfg.time_budget.is_some_and(|b| started.elapsed() > b) {
                break;
            }
            let kind = KINDS[rng.below(KINDS.len() as u64) as usize];
            let _ = self.call(kind, i, self.cfg.faults);
        }
        self.report
    }

    /// Per-call setup on the mock (fault-free, not through the proxy): the op to run.
    fn op(&self, kind: &str, call: usize) -> Op {
        let tag = format!("chaos-{}-l{}-c{call}", self.client.tag(), self.lane);
        let d = &self.direct;
        match kind {
            "models.list" => Op::ModelsList,
            "chat.completions.create" => Op::ChatCreate(chat_request(&self.endpoint)),
            "chat.completions.create_stream" => Op::ChatCreateStream(chat_request(&self.endpoint)),
            "endpoints.deploy" => Op::Deploy(DeployRequest::new("ticket-triage").model("triage-1").name(tag)),
            "endpoints.deploy.wait" => Op::DeployWait(DeployRequest::new("ticket-triage").model("triage-1").name(tag)),
            "endpoints.list" => Op::EndpointsList,
            "endpoints.retrieve" => Op::EndpointsRetrieve(self.endpoint.clone()),
            "endpoints.start" => Op::EndpointsStart(self.endpoint.clone()),
            "endpoints.stop" | "endpoints.delete" => {
                let ep =
                    ok(ok(d.endpoints().deploy(&DeployRequest::new("ticket-triage").model("triage-1").name(tag)))
                        .wait());
                let id = ep.id.clone();
                if kind == "endpoints.stop" { Op::EndpointsStop(id) } else { Op::EndpointsDelete(id) }
            }
            k if k.starts_with("endpoints.metrics.") => {
                let metric: MetricKind = k["endpoints.metrics.".len()..].parse().unwrap_or(MetricKind::Performance);
                Op::Metrics("ep_contract_kie".into(), metric, vec![("window".into(), "7d".into())])
            }
            "tasks.list" => Op::TasksList,
            "tasks.retrieve" => Op::TasksRetrieve("contract-key-fields".into()),
            "tasks.retrieve_with_examples" => Op::TasksRetrieveWithExamples("invoice-extraction".into(), 2),
            "tasks.match_intent" => Op::TasksMatchIntent("pull totals out of invoices".into()),
            "tasks.match_intent_top_k" => Op::TasksMatchIntentTopK("flag risky contract clauses".into(), 2),
            "tasks.leaderboard" => Op::TasksLeaderboard("ticket-triage".into()),
            "tasks.recommended" => Op::TasksRecommended("contract-key-fields".into()),
            "evals.frontier_models" => Op::FrontierModels(Some("invoice-extraction".into())),
            "evals.sets.create" => Op::SetsCreate(EvalSetCreate::new("contract-key-fields", rows()).name(tag)),
            "evals.sets.list" => Op::SetsList,
            "evals.sets.retrieve" => Op::SetsRetrieve(self.set.clone()),
            "evals.sets.delete" => {
                let set = ok(d.evals().sets().create(&EvalSetCreate::new("contract-key-fields", rows()).name(tag)));
                Op::SetsDelete(set.id.clone())
            }
            "evals.sets.upload_document" => Op::SetsUploadDocument(
                UploadDocument::new(self.set.clone(), 0, "document", Document::bytes(b"%PDF-1.4 chaos".to_vec()))
                    .mime("application/pdf"),
            ),
            "evals.runs.create" => Op::RunsCreate(EvalRunCreate::on_set(self.set.clone(), ["contract-1"])),
            "evals.runs.retrieve" | "evals.runs.wait" => {
                let run = ok(d.evals().runs().create(&EvalRunCreate::on_set(self.set.clone(), ["contract-1"])));
                let id = run.id.clone();
                if kind == "evals.runs.retrieve" {
                    Op::RunsRetrieve(id)
                } else {
                    Op::RunsWait(id, WaitOptions::default().poll_interval(Duration::from_millis(5)).timeout(WAIT))
                }
            }
            other => panic!("unknown op kind {other}"),
        }
    }

    /// The ledger entry a POST may charge: chat requests on the lane endpoint,
    /// endpoints or sets carrying the call's name.
    fn ledger(&self, op: &Op) -> Option<u64> {
        let d = &self.direct;
        match op {
            Op::ChatCreate(_) | Op::ChatCreateStream(_) => {
                let cost = ok(d.endpoints().metrics(&self.endpoint).get(MetricKind::Cost, &[] as &[(&str, &str)]));
                Some(cost.get("requests").and_then(Value::as_u64).unwrap_or(0))
            }
            Op::Deploy(r) | Op::DeployWait(r) => {
                let name = r.name.clone().unwrap_or_default();
                let list = ok(d.endpoints().list());
                Some(list.iter().filter(|e| e.id == name.as_str()).count() as u64)
            }
            Op::SetsCreate(r) => {
                let name = r.name.clone().unwrap_or_default();
                let list = ok(d.evals().sets().list());
                Some(list.iter().filter(|s| s.name.as_deref() == Some(name.as_str())).count() as u64)
            }
            _ => None,
        }
    }

    /// One call: setup, ledger before, the call through the proxy, checks.
    /// Returns the projected result.
    fn call(&mut self, kind: &'static str, call: usize, faults: bool) -> Option<Value> {
        let op = self.op(kind, call);
        let before = self.ledger(&op);
        let seed = Rng::derive(self.cfg.seed ^ ((self.lane as u64) << 32), call as u64);
        self.proxy.begin_call(seed, faults, self.cfg.timeout);
        let t0 = Instant::now();
        let result = match &self.chaos {
            Chaos::Blocking(pa) => {
                let pa = pa.clone();
                let op2 = op.clone();
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || exec_blocking(&pa, &op2)))
                    .map_err(|_| "panic".to_owned())
            }
            Chaos::Async(pa, rt) => {
                let (pa, op2) = (pa.clone(), op.clone());
                rt.block_on(rt.spawn(async move { exec_async(&pa, &op2).await }))
                    .map_err(|e| if e.is_panic() { "panic".to_owned() } else { format!("join: {e}") })
            }
        };
        let elapsed = t0.elapsed();
        let t1 = Instant::now();
        let report = self.proxy.end_call();
        let after = self.ledger(&op);
        if std::env::var_os("CHAOS_DEBUG").is_some() {
            eprintln!(
                "lane {} call {call} {kind}: {:.3} s, end_call+ledger {:.3} s, faults {:?}",
                self.lane,
                elapsed.as_secs_f64(),
                t1.elapsed().as_secs_f64(),
                report.fired
            );
        }
        let where_ = format!("{:?} lane {} call {call} {kind} (seed {})", self.client, self.lane, self.cfg.seed);

        let value = match result {
            Ok(v) => v,
            Err(e) => {
                self.report.violations.push(format!("{where_}: {e}"));
                *self.report.outcomes.entry("PANIC".into()).or_default() += 1;
                return None;
            }
        };
        let projected = match kind {
            // The lists grow with the mock's state: only their shape is compared.
            "endpoints.list" | "evals.sets.list" | "models.list" => match value.get("ok") {
                Some(Value::Array(_)) => json!({"ok": "<a list>"}),
                Some(Value::Object(m)) if m.get("data").is_some_and(Value::is_array) => json!({"ok": "<a list>"}),
                _ => project(&value),
            },
            // Each GET of a run advances it one status (a retried GET twice).
            "evals.runs.retrieve" => match value.get("ok") {
                Some(Value::Object(m)) => {
                    let mut m = m.clone();
                    m.insert("status".into(), json!("<advances per GET>"));
                    if let Some(Value::Object(run)) = m.get_mut("run") {
                        run.insert("status".into(), json!("<advances per GET>"));
                    }
                    project(&json!({"ok": m}))
                }
                _ => project(&value),
            },
            _ => project(&value),
        };

        if call >= 1_000_000 {
            // Reference calls: fault-free, must succeed.
            if value.get("error").is_some() || stream_error(&value).is_some() {
                self.report.violations.push(format!("{where_}: fault-free reference failed: {value}"));
            }
            return Some(projected);
        }

        self.report.calls += 1;
        *self.report.routes.entry(op.method()).or_default() += 1;
        self.report.attempts += report.requests.values().sum::<usize>();
        for f in &report.fired {
            *self.report.faults.entry(f.kind().to_owned()).or_default() += 1;
        }
        if report.idle_closed > 0 {
            *self.report.faults.entry("idle keep-alive closed between calls".into()).or_default() += report.idle_closed;
        }

        // Deadline.
        let deadline = self.deadline(&op, &report);
        if elapsed > self.report.slowest.0 {
            self.report.slowest = (elapsed, deadline);
        }
        if elapsed > deadline + Duration::from_secs(1) {
            self.report.violations.push(format!(
                "{where_}: took {:.2} s, deadline {:.2} s; faults {:?}",
                elapsed.as_secs_f64(),
                deadline.as_secs_f64(),
                report.fired
            ));
        }

        // Result vs the fault-free result.
        let outcome = match self.reference.get(kind) {
            Some(reference) => compare(reference, &projected),
            None => Err("no reference".to_owned()),
        };
        match outcome {
            // API errors under faults are worth a closer look: name the route.
            Ok(o) if o.starts_with("error: api") => {
                *self.report.outcomes.entry(format!("{o} ({})", op.method())).or_default() += 1
            }
            Ok(o) => *self.report.outcomes.entry(o).or_default() += 1,
            Err(why) => {
                *self.report.outcomes.entry("MISMATCH".into()).or_default() += 1;
                self.report.violations.push(format!("{where_}: {why}; faults {:?}", report.fired));
            }
        }

        // One idempotency key per logical POST, never reused.
        let keys: HashSet<&String> = report.idempotency_keys.iter().collect();
        let posts = report.requests.get("POST").copied().unwrap_or(0);
        if keys.len() > 1 {
            self.report.violations.push(format!("{where_}: {} idempotency keys across attempts", keys.len()));
        }
        if posts > 0 && report.idempotency_keys.len() < posts && report.fired.is_empty() {
            self.report.violations.push(format!("{where_}: a POST without an idempotency key"));
        }
        if let Some(k) = keys.into_iter().next() {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if !seen.insert(k.clone()) {
                self.report.violations.push(format!("{where_}: idempotency key {k} reused from another call"));
            }
        }
        // At most one charge per key.
        if let (Some(b), Some(a)) = (before, after) {
            let charges = a.saturating_sub(b);
            if charges > 1 {
                self.report.violations.push(format!("{where_}: {charges} charges for one idempotency key"));
            }
            let succeeded = value.get("error").is_none() && !value.get("stream").is_some_and(|s| s == &json!([]));
            if succeeded && charges == 0 && !matches!(op, Op::ChatCreateStream(_) | Op::Deploy(_)) {
                self.report.violations.push(format!("{where_}: succeeded without a charge"));
            }
        }
        Some(projected)
    }

    fn deadline(&self, op: &Op, report: &CallReport) -> Duration {
        let attempts = self.cfg.max_retries + 1;
        let backoff: Duration =
            (0..self.cfg.max_retries).map(|n| pareta_core_backoff(n) + Duration::from_millis(250)).sum();
        let call = self.cfg.timeout * attempts + backoff;
        match op {
            Op::ChatCreateStream(_) | Op::Deploy(_) | Op::DeployWait(_) => call + self.cfg.timeout + report.delay,
            Op::RunsWait(..) => WAIT + call,
            _ => call,
        }
    }
}

/// The eval-run wait limit in chaos calls.
const WAIT: Duration = Duration::from_secs(5);

/// `min(0.5 * 2^n, 8)` s: the SDK's documented backoff (pareta_core::retry::backoff).
fn pareta_core_backoff(n: u32) -> Duration {
    Duration::from_secs_f64((0.5 * 2f64.powi(n.min(16) as i32)).min(8.0))
}

fn class(e: &pareta_blocking::Error) -> String {
    use pareta_blocking::Error as E;
    match e {
        E::Api(a) => format!("api {}", a.status()),
        E::Connection(t) if e.is_timeout() => format!("timeout ({:?})", t.kind),
        E::Connection(t) => format!("connection ({:?})", t.kind),
        E::Decode(_) => "decode".into(),
        E::Stream { .. } => "stream error event".into(),
        E::StreamTruncated { .. } => "stream truncated".into(),
        E::Protocol(_) => "protocol".into(),
        E::Deploy { .. } => "deploy error event".into(),
        E::WaitTimeout { .. } => "wait timeout".into(),
        E::Upload(_) => "upload".into(),
        other => {
            let d = format!("{other:?}");
            d.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_owned()
        }
    }
}

fn err(e: &pareta_blocking::Error) -> Value {
    json!({"error": class(e), "message": e.to_string()})
}

fn res<T: serde::Serialize>(r: Result<T, pareta_blocking::Error>) -> Value {
    match r {
        Ok(v) => json!({"ok": serde_json::to_value(v).unwrap_or(Value::Null)}),
        Err(e) => err(&e),
    }
}

fn item<T: serde::Serialize>(r: Result<T, pareta_blocking::Error>) -> Value {
    res(r)
}

fn event(e: pareta_types::DeployEvent) -> Value {
    json!({"event": e.event, "data": e.data})
}

fn params(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Runs one op on the blocking client; streams are consumed to the end.
pub fn exec_blocking(pa: &pareta_blocking::Pareta, op: &Op) -> Value {
    match op {
        Op::ModelsList => res(pa.models().list()),
        Op::ChatCreate(r) => res(pa.chat().completions().create(r)),
        Op::ChatCreateStream(r) => match pa.chat().completions().create_stream(r) {
            Ok(s) => json!({"stream": s.map(item).collect::<Vec<_>>()}),
            Err(e) => err(&e),
        },
        Op::Deploy(r) => match pa.endpoints().deploy(r) {
            Ok(s) => json!({"stream": s.map(|e| item(e.map(event))).collect::<Vec<_>>()}),
            Err(e) => err(&e),
        },
        Op::DeployWait(r) => res(pa.endpoints().deploy(r).and_then(|s| s.wait())),
        Op::EndpointsList => res(pa.endpoints().list()),
        Op::EndpointsRetrieve(id) => res(pa.endpoints().retrieve(id)),
        Op::EndpointsStart(id) => res(pa.endpoints().start(id)),
        Op::EndpointsStop(id) => res(pa.endpoints().stop(id)),
        Op::EndpointsDelete(id) => res(pa.endpoints().delete(id)),
        Op::Metrics(id, kind, p) => res(pa.endpoints().metrics(id).get(*kind, params(p))),
        Op::TasksList => res(pa.tasks().list()),
        Op::TasksRetrieve(id) => res(pa.tasks().retrieve(id)),
        Op::TasksRetrieveWithExamples(id, n) => res(pa.tasks().retrieve_with_examples(id, *n)),
        Op::TasksMatchIntent(q) => res(pa.tasks().match_intent(q)),
        Op::TasksMatchIntentTopK(q, k) => res(pa.tasks().match_intent_top_k(q, *k)),
        Op::TasksLeaderboard(id) => res(pa.tasks().leaderboard(id)),
        Op::TasksRecommended(id) => res(pa.tasks().recommended(id)),
        Op::FrontierModels(t) => res(pa.evals().frontier_models(t.as_deref())),
        Op::SetsCreate(r) => res(pa.evals().sets().create(r)),
        Op::SetsList => res(pa.evals().sets().list()),
        Op::SetsRetrieve(id) => res(pa.evals().sets().retrieve(id)),
        Op::SetsDelete(id) => res(pa.evals().sets().delete(id)),
        Op::SetsUploadDocument(u) => res(pa.evals().sets().upload_document(u)),
        Op::RunsCreate(r) => res(pa.evals().runs().create(r)),
        Op::RunsRetrieve(id) => res(pa.evals().runs().retrieve(id)),
        Op::RunsWait(id, w) => res(pa.evals().runs().wait(id, *w)),
    }
}

/// Runs one op on the async client; streams are consumed to the end.
pub async fn exec_async(pa: &pareta_async::AsyncPareta, op: &Op) -> Value {
    match op {
        Op::ModelsList => res(pa.models().list().await),
        Op::ChatCreate(r) => res(pa.chat().completions().create(r).await),
        Op::ChatCreateStream(r) => match pa.chat().completions().create_stream(r).await {
            Ok(s) => json!({"stream": s.map(item).collect::<Vec<_>>().await}),
            Err(e) => err(&e),
        },
        Op::Deploy(r) => match pa.endpoints().deploy(r).await {
            Ok(s) => json!({"stream": s.map(|e| item(e.map(event))).collect::<Vec<_>>().await}),
            Err(e) => err(&e),
        },
        Op::DeployWait(r) => match pa.endpoints().deploy(r).await {
            Ok(s) => res(s.wait().await),
            Err(e) => err(&e),
        },
        Op::EndpointsList => res(pa.endpoints().list().await),
        Op::EndpointsRetrieve(id) => res(pa.endpoints().retrieve(id).await),
        Op::EndpointsStart(id) => res(pa.endpoints().start(id).await),
        Op::EndpointsStop(id) => res(pa.endpoints().stop(id).await),
        Op::EndpointsDelete(id) => res(pa.endpoints().delete(id).await),
        Op::Metrics(id, kind, p) => res(pa.endpoints().metrics(id).get(*kind, params(p)).await),
        Op::TasksList => res(pa.tasks().list().await),
        Op::TasksRetrieve(id) => res(pa.tasks().retrieve(id).await),
        Op::TasksRetrieveWithExamples(id, n) => res(pa.tasks().retrieve_with_examples(id, *n).await),
        Op::TasksMatchIntent(q) => res(pa.tasks().match_intent(q).await),
        Op::TasksMatchIntentTopK(q, k) => res(pa.tasks().match_intent_top_k(q, *k).await),
        Op::TasksLeaderboard(id) => res(pa.tasks().leaderboard(id).await),
        Op::TasksRecommended(id) => res(pa.tasks().recommended(id).await),
        Op::FrontierModels(t) => res(pa.evals().frontier_models(t.as_deref()).await),
        Op::SetsCreate(r) => res(pa.evals().sets().create(r).await),
        Op::SetsList => res(pa.evals().sets().list().await),
        Op::SetsRetrieve(id) => res(pa.evals().sets().retrieve(id).await),
        Op::SetsDelete(id) => res(pa.evals().sets().delete(id).await),
        Op::SetsUploadDocument(u) => res(pa.evals().sets().upload_document(u).await),
        Op::RunsCreate(r) => res(pa.evals().runs().create(r).await),
        Op::RunsRetrieve(id) => res(pa.evals().runs().retrieve(id).await),
        Op::RunsWait(id, w) => res(pa.evals().runs().wait(id, *w).await),
    }
}

/// Keys whose values differ between two fault-free calls (minted ids, names,
/// timestamps, per-origin URLs, counters that grow with the mock's state).
const VOLATILE: &[&str] = &[
    "id",
    "name",
    "created",
    "url",
    "eval_set_id",
    "run_id",
    "storage_uri",
    "requests",
    "spend_micro_usd",
    "savings_micro_usd",
    "created_at",
    "updated_at",
    // A set's documents: uploads by other calls add to them.
    "blobs",
];

/// Masks volatile fields, and reduces state-dependent lists (endpoints, sets)
/// to whether they are lists.
fn project(v: &Value) -> Value {
    fn mask(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        if VOLATILE.contains(&k.as_str()) {
                            (k.clone(), json!("<masked>"))
                        } else {
                            (k.clone(), mask(v))
                        }
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(mask).collect()),
            Value::String(s) if s.starts_with("chaos-") || s.starts_with("evset_") || s.starts_with("run_") => {
                json!("<masked>")
            }
            other => other.clone(),
        }
    }
    mask(v)
}

/// The error item a stream ended with, if any.
fn stream_error(v: &Value) -> Option<&Value> {
    v.get("stream")?.as_array()?.last().filter(|i| i.get("error").is_some())
}

/// Compares a projected result with the fault-free reference. `Ok` names the outcome.
fn compare(reference: &Value, got: &Value) -> Result<String, String> {
    if let Some(e) = got.get("error") {
        return Ok(format!("error: {}", e.as_str().unwrap_or("?")));
    }
    match (reference.get("stream"), got.get("stream")) {
        (Some(Value::Array(want)), Some(Value::Array(items))) => {
            let (last_err, oks) = match items.last() {
                Some(l) if l.get("error").is_some() => (Some(l), &items[..items.len() - 1]),
                _ => (None, &items[..]),
            };
            if oks.iter().any(|i| i.get("error").is_some()) {
                return Err("a stream yielded an item after an error".into());
            }
            if oks.len() > want.len() || oks != &want[..oks.len()] {
                let at = oks.iter().zip(want).position(|(a, b)| a != b).unwrap_or(want.len());
                return Err(format!(
                    "stream items are not a prefix of the fault-free stream (first difference at item {at}: got {}, want {})",
                    oks.get(at).map_or("nothing".into(), Value::to_string),
                    want.get(at).map_or("nothing".into(), Value::to_string)
                ));
            }
            match last_err {
                Some(e) => Ok(format!(
                    "stream: {} of {} items, then error: {}",
                    if oks.is_empty() { "0" } else { "some" },
                    want.len(),
                    e["error"].as_str().unwrap_or("?")
                )),
                None if oks.len() == want.len() => Ok("ok, equal to fault-free (stream)".into()),
                None => Err(format!("a stream ended silently after {} of {} items", oks.len(), want.len())),
            }
        }
        _ if got == reference => Ok("ok, equal to fault-free".into()),
        _ => Err(format!("result differs from fault-free: got {got}, want {reference}")),
    }
}
