//! Item 2: client overhead on small calls against the loopback hyper server.
//!
//! Requests per second of `Pareta` against raw ureq doing the same request
//! (same headers) and the same JSON decode into plain structs, and of
//! `AsyncPareta` against raw reqwest, one request at a time and 64 at once (64
//! tasks on a two-worker tokio runtime sharing one client). Ours and the raw
//! client take turns sample by sample. The Python client is run against the
//! same server right after.

use super::python::Python;
use super::server::{Child, KEY};
use super::{Goal, Opts, Result, Row, Sampler, rate, side_by_side};
use pareta_async::AsyncPareta;
use pareta_blocking::Pareta;
use serde::Deserialize;
use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Concurrency of the concurrent async rows.
pub const CONCURRENCY: usize = 64;

const TASK_ID: &str = "contract-key-fields";

/// Calls counted by the allocations-per-call rows (on a warm pool).
const ALLOC_CALLS: u64 = 200;

/// The model list as plain structs.
#[derive(Debug, Deserialize)]
pub struct PlainModelList {
    #[serde(default)]
    pub data: Vec<PlainModel>,
}

/// One model.
#[allow(dead_code, reason = "decoded like a real client does; the bench reads only some fields")]
#[derive(Debug, Deserialize)]
pub struct PlainModel {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub owned_by: Option<String>,
    #[serde(default)]
    pub created: Option<i64>,
}

/// A task as plain structs, with the fields `pareta_types::Task` types.
#[allow(dead_code, reason = "decoded like a real client does; the bench reads only some fields")]
#[derive(Debug, Deserialize)]
pub struct PlainTask {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default_scorer: Option<String>,
    #[serde(default)]
    pub has_blob_input: Option<bool>,
    #[serde(default)]
    pub examples: Vec<serde_json::Value>,
}

/// The headers both raw clients send (what the SDK sends on a GET).
pub fn auth() -> String {
    format!("Bearer {KEY}")
}

/// The SDK's default timeouts (`pareta_core::Config`), which the configured
/// raw baselines apply the way the drivers do (raw reqwest: the total deadline,
/// per request, as `AsyncPareta` sets it).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// See [`CONNECT_TIMEOUT`]: the total deadline of an ordinary call, the idle
/// (per-read) timeout of a stream.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A raw ureq agent, plain or configured like the SDK's own (`timeouts`):
/// connect timeout on the agent, a total deadline per ordinary call and a
/// per-read timeout per stream, set per request as the blocking driver does.
/// With a deadline, ureq's default resolver looks the host up on a new thread
/// for every request: the cost the SDK's address cache removes.
#[derive(Debug)]
pub struct RawUreq {
    agent: ureq::Agent,
    timeouts: bool,
}

impl RawUreq {
    /// Plain (`false`) or configured like the SDK (`true`).
    pub fn new(timeouts: bool) -> RawUreq {
        let mut config = ureq::Agent::config_builder().http_status_as_error(false);
        if timeouts {
            config = config.timeout_connect(Some(CONNECT_TIMEOUT));
        }
        RawUreq { agent: config.build().into(), timeouts }
    }

    fn run<B: ureq::AsSendBody>(
        &self,
        req: ureq::http::Request<B>,
        stream: bool,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let mut config = self.agent.configure_request(req);
        if self.timeouts {
            config = if stream { config.timeout_per_read(Some(TIMEOUT)) } else { config.timeout_global(Some(TIMEOUT)) };
        }
        Ok(self.agent.run(config.build())?)
    }

    /// One GET, decoded into `T`.
    pub fn get<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T> {
        let req = ureq::http::Request::get(url)
            .header("authorization", auth())
            .header("accept", "application/json")
            .header("user-agent", "bench-raw-ureq")
            .body(())?;
        let mut resp = self.run(req, false)?;
        if !resp.status().is_success() {
            return Err(format!("{url}: status {}", resp.status()).into());
        }
        let body = resp.body_mut().read_to_vec()?;
        Ok(serde_json::from_slice(&body)?)
    }

    /// One streaming POST (`body`), its response to read.
    pub fn post_stream(&self, url: &str, body: &'static str) -> Result<ureq::http::Response<ureq::Body>> {
        let req = ureq::http::Request::post(url)
            .header("authorization", auth())
            .header("accept", "text/event-stream")
            .header("content-type", "application/json")
            .body(body)?;
        self.run(req, true)
    }
}

/// The two small calls of item 2.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// `models().list()`: three models.
    Models,
    /// `tasks().retrieve(..)`: one task.
    Task,
}

impl Op {
    /// The call's URL under `base`.
    pub fn url(self, base: &str) -> String {
        match self {
            Op::Models => format!("{base}/v1/models"),
            Op::Task => format!("{base}/v1/tasks/{TASK_ID}"),
        }
    }
    /// The call through `Pareta`.
    pub fn ours_blocking(self, pa: &Pareta) -> Result {
        match self {
            Op::Models => drop(black_box(pa.models().list()?.len())),
            Op::Task => drop(black_box(pa.tasks().retrieve(TASK_ID)?.id)),
        }
        Ok(())
    }
    /// The call through raw ureq, decoded into plain structs.
    pub fn raw_blocking(self, raw: &RawUreq, url: &str) -> Result {
        match self {
            Op::Models => drop(black_box(raw.get::<PlainModelList>(url)?.data.len())),
            Op::Task => drop(black_box(raw.get::<PlainTask>(url)?.id)),
        }
        Ok(())
    }
    /// The call through `AsyncPareta`.
    pub async fn ours_async(self, pa: &AsyncPareta) -> std::result::Result<(), String> {
        match self {
            Op::Models => drop(black_box(pa.models().list().await.map_err(|e| e.to_string())?.len())),
            Op::Task => drop(black_box(pa.tasks().retrieve(TASK_ID).await.map_err(|e| e.to_string())?.id)),
        }
        Ok(())
    }
}

/// The call through raw reqwest, decoded into plain structs.
pub async fn raw_reqwest_call(
    op: Op,
    client: &reqwest::Client,
    url: &str,
    timeout: Option<Duration>,
) -> std::result::Result<(), String> {
    match op {
        Op::Models => drop(black_box(reqwest_get::<PlainModelList>(client, url, timeout).await?.data.len())),
        Op::Task => drop(black_box(reqwest_get::<PlainTask>(client, url, timeout).await?.id)),
    }
    Ok(())
}

/// One raw reqwest GET, decoded into `T`.
pub async fn reqwest_get<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    timeout: Option<Duration>,
) -> std::result::Result<T, String> {
    let mut request = client
        .get(url)
        .header("authorization", auth())
        .header("accept", "application/json")
        .header("user-agent", "bench-raw-reqwest");
    if let Some(t) = timeout {
        request = request.timeout(t);
    }
    let resp = request.send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("{url}: status {}", resp.status()));
    }
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

/// Runs `conc` tasks calling `f` in a loop for `dur`; returns calls per second.
pub async fn concurrent<F, Fut>(conc: usize, dur: Duration, f: F) -> std::result::Result<f64, String>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = std::result::Result<u64, String>> + Send + 'static,
{
    let start = Instant::now();
    let deadline = start + dur;
    let tasks: Vec<_> = (0..conc)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    n += f().await?;
                }
                Ok::<u64, String>(n)
            })
        })
        .collect();
    let mut total = 0u64;
    for t in tasks {
        total += t.await.map_err(|e| e.to_string())??;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// A multi-thread tokio runtime with two workers (the machine's cores).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

/// Callgrind's counts per call of `profile calls CLIENT BASE N OP` (see [`super::instr`]).
fn instr(client: &str, base: &str, op: &str, calls: u64) -> Option<super::instr::Counts> {
    super::instr::per_unit(&["calls", client, base, &calls.to_string(), op], calls)
}

/// Allocations per call of `f`, over [`ALLOC_CALLS`] calls on a warm pool.
fn allocs_per_call<E>(mut f: impl FnMut() -> std::result::Result<(), E>) -> std::result::Result<f64, E> {
    super::alloc::per_unit(|| (0..ALLOC_CALLS).try_for_each(|_| f()).map(|()| ALLOC_CALLS))
}

/// A/A control: the same baseline measured twice, as ours is measured against
/// it. Its distance from 1.00x is what noise alone does to a ratio in this run.
fn noise_floor(what: String, m: &super::Measured, again: usize, first: usize) -> Row {
    Row::new("2", format!("noise floor: {what} vs itself"), Some(m[again]), Some(m[first]), "req/s", Goal::Info)
        .paired(m.ratio(again, first))
}

/// Item 2 rows.
pub fn bench(opts: &Opts, server: &Child, py: Option<&Python>) -> Result<Vec<Row>> {
    let ip = server.base.clone();
    let name = server.named_base();
    let sample = opts.sample();
    let unit = "req/s";
    // Ours at the IP literal, per call, for the Python rows (Python runs there).
    let mut ours_ip = Vec::new();
    // Calls counted per instruction measurement (after 20 warm-up calls).
    let counted: u64 = if opts.quick { 100 } else { 400 };

    // Blocking: Pareta vs raw ureq configured like the SDK and plain, at a host
    // name and at the IP literal, models and task.
    let pa_ip = Pareta::builder().api_key(KEY).base_url(&ip).build()?;
    let pa_name = Pareta::builder().api_key(KEY).base_url(&name).build()?;
    let (timed, plain) = (RawUreq::new(true), RawUreq::new(false));
    let mut blocking = Vec::new();
    for (op, op_name, op_arg) in [(Op::Models, "models().list()", "models"), (Op::Task, "tasks().retrieve()", "task")] {
        let (url_ip, url_name) = (op.url(&ip), op.url(&name));
        let mut samplers: Vec<Sampler<'_>> = vec![
            Box::new(|| rate(sample, || op.ours_blocking(&pa_name).map(|()| 1))),
            Box::new(|| rate(sample, || op.raw_blocking(&timed, &url_name).map(|()| 1))),
            Box::new(|| rate(sample, || op.raw_blocking(&plain, &url_name).map(|()| 1))),
            Box::new(|| rate(sample, || op.ours_blocking(&pa_ip).map(|()| 1))),
            Box::new(|| rate(sample, || op.raw_blocking(&timed, &url_ip).map(|()| 1))),
            Box::new(|| rate(sample, || op.raw_blocking(&plain, &url_ip).map(|()| 1))),
            // The baseline again: the noise floor (see `noise_floor`).
            Box::new(|| rate(sample, || op.raw_blocking(&timed, &url_name).map(|()| 1))),
        ];
        let m = side_by_side(opts.runs(), &mut samplers)?;
        drop(samplers);
        eprintln!(
            "   blocking {op_name}: localhost {:.0}/s (raw timeouts {:.0}, plain {:.0}); 127.0.0.1 {:.0}/s ({:.0}, {:.0})",
            m[0], m[1], m[2], m[3], m[4], m[5]
        );
        let i = |client: &str, base: &str| instr(client, base, op_arg, counted);
        let (i_ours_name, i_timed_name, i_plain_name) =
            (i("blocking", &name), i("ureq-timeouts", &name), i("ureq", &name));
        let (i_ours_ip, i_timed_ip, i_plain_ip) = (i("blocking", &ip), i("ureq-timeouts", &ip), i("ureq", &ip));
        let row = |host: &str, baseline: &str, ours: usize, base: usize, goal: f64| {
            Row::new(
                "2",
                format!("Pareta {op_name} vs raw ureq {baseline}, {host}"),
                Some(m[ours]),
                Some(m[base]),
                unit,
                Goal::AtLeast(goal),
            )
            .paired(m.ratio(ours, base))
        };
        blocking.push(row("localhost", "(same timeouts)", 0, 1, 0.95).instr(i_ours_name, i_timed_name, 1.2));
        blocking.push(row("localhost", "(plain)", 0, 2, 0.9).instr(i_ours_name, i_plain_name, 1.2));
        blocking.push(row("127.0.0.1", "(same timeouts)", 3, 4, 0.95).instr(i_ours_ip, i_timed_ip, 1.2));
        blocking.push(row("127.0.0.1", "(plain)", 3, 5, 0.9).instr(i_ours_ip, i_plain_ip, 1.2));
        blocking.push(noise_floor(format!("raw ureq {op_name} (same timeouts), localhost"), &m, 6, 1));
        ours_ip.push(m[3]);
        if let Op::Models = op {
            let ours = allocs_per_call(|| op.ours_blocking(&pa_name))?;
            let raw = allocs_per_call(|| op.raw_blocking(&timed, &url_name))?;
            blocking.push(Row::new(
                "2",
                format!("allocations per call: Pareta {op_name} vs raw ureq (same timeouts), localhost"),
                Some(ours),
                Some(raw),
                "allocs/call",
                Goal::Info,
            ));
        }
    }

    // Async: AsyncPareta vs raw reqwest, 1 and 64 at a time, at both hosts.
    let rt = runtime()?;
    let apa_name = AsyncPareta::builder().api_key(KEY).base_url(&name).build()?;
    let apa_ip = AsyncPareta::builder().api_key(KEY).base_url(&ip).build()?;
    let client = reqwest::Client::builder().build()?;
    let ours = |pa: &AsyncPareta| {
        let pa = pa.clone();
        move || {
            let pa = pa.clone();
            async move { Op::Models.ours_async(&pa).await.map(|()| 1) }
        }
    };
    let raw = |url: String, timeout: Option<Duration>| {
        let client = client.clone();
        move || {
            let (client, url) = (client.clone(), url.clone());
            async move { raw_reqwest_call(Op::Models, &client, &url, timeout).await.map(|()| 1) }
        }
    };
    let (ours_name, ours_lit) = (ours(&apa_name), ours(&apa_ip));
    let (url_name, url_ip) = (Op::Models.url(&name), Op::Models.url(&ip));
    let timed = Some(TIMEOUT); // what AsyncPareta sets on every ordinary call
    let mut async_rows = Vec::new();
    // What a caller's task stores and moves for one call: a bigger future is
    // more memory copied and more cache lines carried between the workers.
    let list = std::mem::size_of_val(&apa_name.models().list());
    let plain = std::mem::size_of_val(&reqwest_get::<PlainModelList>(&client, &url_name, timed));
    async_rows.push(Row::new(
        "2",
        "AsyncPareta models().list() future vs raw reqwest GET + bytes() future",
        Some(list as f64),
        Some(plain as f64),
        "bytes",
        Goal::Info,
    ));
    // ×1 and ×64 are measured apart, so that no sample follows one of the
    // other kind (a pool of 64 connections left behind, or only one).
    let mut ours_ip_64 = 0.0;
    for conc in [1, CONCURRENCY] {
        let mut samplers: Vec<Sampler<'_>> = Vec::new();
        macro_rules! sampler {
            ($f:expr) => {
                samplers.push(Box::new({
                    let f = $f;
                    let rt = &rt;
                    move || Ok(rt.block_on(concurrent(conc, sample, f.clone()))?)
                }))
            };
        }
        // Per host: ours, raw with the SDK's timeout, plain raw; then the
        // first baseline again, for the noise floor.
        sampler!(ours_name.clone());
        sampler!(raw(url_name.clone(), timed));
        sampler!(raw(url_name.clone(), None));
        sampler!(ours_lit.clone());
        sampler!(raw(url_ip.clone(), timed));
        sampler!(raw(url_ip.clone(), None));
        sampler!(raw(url_name.clone(), timed));
        let a = side_by_side(opts.runs(), &mut samplers)?;
        drop(samplers);
        eprintln!(
            "   async ×{conc}: localhost {:.0}/s (raw timeout {:.0}, plain {:.0}), 127.0.0.1 {:.0}/s ({:.0}, {:.0})",
            a[0], a[1], a[2], a[3], a[4], a[5]
        );
        ours_ip_64 = a[3]; // the last pass is ×64: the Python row below
        let (ours_c, raw_c, what) = if conc == 1 {
            ("async", "reqwest", "AsyncPareta models().list() vs raw reqwest".to_owned())
        } else {
            (
                "async64",
                "reqwest64",
                format!("AsyncPareta models().list() ×{CONCURRENCY} concurrent vs raw reqwest ×{CONCURRENCY}"),
            )
        };
        for (j, (host, base)) in [("localhost", &name), ("127.0.0.1", &ip)].into_iter().enumerate() {
            let at = 3 * j;
            let io = instr(ours_c, base, "models", counted);
            for (baseline, b, client) in
                [("same timeout", at + 1, format!("{raw_c}-timeouts")), ("plain", at + 2, raw_c.to_owned())]
            {
                async_rows.push(
                    Row::new(
                        "2",
                        format!("{what} ({baseline}), {host}"),
                        Some(a[at]),
                        Some(a[b]),
                        unit,
                        Goal::AtLeast(0.95),
                    )
                    .paired(a.ratio(at, b))
                    .instr(io, instr(&client, base, "models", counted), 1.2),
                );
            }
        }
        let what = format!("raw reqwest models().list() ×{conc} (same timeout), localhost");
        async_rows.push(noise_floor(what, &a, 6, 1));
    }
    // Called in place: the samplers' closures clone what their tasks own (the
    // raw one a URL string), which would count against the client.
    let allocs_ours = allocs_per_call(|| rt.block_on(Op::Models.ours_async(&apa_name)))?;
    let allocs_raw = allocs_per_call(|| rt.block_on(raw_reqwest_call(Op::Models, &client, &url_name, None)))?;
    async_rows.push(Row::new(
        "2",
        "allocations per call: AsyncPareta models().list() vs raw reqwest (plain), localhost",
        Some(allocs_ours),
        Some(allocs_raw),
        "allocs/call",
        Goal::Info,
    ));

    let p = match py {
        Some(py) => match py.calls(&ip, if opts.quick { 0.5 } else { 1.5 }, opts.runs().min(5)) {
            Ok(p) => Some(p),
            Err(e) => {
                println!("Python baseline unavailable for calls: {e}");
                None
            }
        },
        None => None,
    };
    let pv = |k: &str| p.as_ref().and_then(|p| p.get(k)).and_then(serde_json::Value::as_f64);
    let mut out = blocking;
    out.extend(async_rows);
    out.extend([
        Row::new(
            "2",
            "Pareta models().list() vs Python Pareta",
            Some(ours_ip[0]),
            pv("models_rps"),
            unit,
            Goal::AtLeast(5.0),
        ),
        Row::new(
            "2",
            "Pareta tasks().retrieve() vs Python Pareta",
            Some(ours_ip[1]),
            pv("task_rps"),
            unit,
            Goal::AtLeast(5.0),
        ),
        Row::new(
            "2",
            format!("AsyncPareta models().list() ×{CONCURRENCY} vs Python AsyncPareta ×{CONCURRENCY}"),
            Some(ours_ip_64),
            pv("async64_rps"),
            unit,
            Goal::AtLeast(5.0),
        ),
    ]);
    Ok(out)
}
