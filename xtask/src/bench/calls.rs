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

/// One raw ureq GET, decoded into `T`.
pub fn ureq_get<T: serde::de::DeserializeOwned>(agent: &ureq::Agent, url: &str) -> Result<T> {
    let mut resp = agent
        .get(url)
        .header("authorization", auth())
        .header("accept", "application/json")
        .header("user-agent", "bench-raw-ureq")
        .call()?;
    if !resp.status().is_success() {
        return Err(format!("{url}: status {}", resp.status()).into());
    }
    let body = resp.body_mut().read_to_vec()?;
    Ok(serde_json::from_slice(&body)?)
}

/// One raw reqwest GET, decoded into `T`.
pub async fn reqwest_get<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
) -> std::result::Result<T, String> {
    let resp = client
        .get(url)
        .header("authorization", auth())
        .header("accept", "application/json")
        .header("user-agent", "bench-raw-reqwest")
        .send()
        .await
        .map_err(|e| e.to_string())?;
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

/// Item 2 rows.
pub fn bench(opts: &Opts, server: &Child, py: Option<&Python>) -> Result<Vec<Row>> {
    let base = server.base.clone();
    let models_url = format!("{base}/v1/models");
    let task_url = format!("{base}/v1/tasks/{TASK_ID}");
    let sample = opts.sample();

    // Blocking: Pareta vs raw ureq.
    let pa = Pareta::builder().api_key(KEY).base_url(&base).build()?;
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut samplers: Vec<Sampler<'_>> = vec![
        Box::new(|| {
            rate(sample, || {
                black_box(pa.models().list()?.len());
                Ok(1)
            })
        }),
        Box::new(|| {
            rate(sample, || {
                black_box(ureq_get::<PlainModelList>(&agent, &models_url)?.data.len());
                Ok(1)
            })
        }),
        Box::new(|| {
            rate(sample, || {
                black_box(pa.tasks().retrieve(TASK_ID)?.id);
                Ok(1)
            })
        }),
        Box::new(|| {
            rate(sample, || {
                black_box(ureq_get::<PlainTask>(&agent, &task_url)?.id);
                Ok(1)
            })
        }),
    ];
    let b = side_by_side(opts.runs(), &mut samplers)?;
    drop(samplers);
    eprintln!("   blocking: models {:.0}/s (raw {:.0}/s), task {:.0}/s (raw {:.0}/s)", b[0], b[1], b[2], b[3]);

    // Async: AsyncPareta vs raw reqwest, 1 and 64 at a time.
    let rt = runtime()?;
    let apa = AsyncPareta::builder().api_key(KEY).base_url(&base).build()?;
    let client = reqwest::Client::builder().build()?;
    let ours = move || {
        let pa = apa.clone();
        async move {
            let list = pa.models().list().await.map_err(|e| e.to_string())?;
            black_box(list.len());
            Ok(1)
        }
    };
    let raw = move || {
        let client = client.clone();
        let url = models_url.clone();
        async move {
            let list: PlainModelList = reqwest_get(&client, &url).await?;
            black_box(list.data.len());
            Ok(1)
        }
    };
    let mut samplers: Vec<Sampler<'_>> = vec![
        Box::new(|| Ok(rt.block_on(concurrent(1, sample, ours.clone()))?)),
        Box::new(|| Ok(rt.block_on(concurrent(1, sample, raw.clone()))?)),
        Box::new(|| Ok(rt.block_on(concurrent(CONCURRENCY, sample, ours.clone()))?)),
        Box::new(|| Ok(rt.block_on(concurrent(CONCURRENCY, sample, raw.clone()))?)),
    ];
    let a = side_by_side(opts.runs(), &mut samplers)?;
    drop(samplers);
    eprintln!("   async: models {:.0}/s (raw {:.0}/s); ×{CONCURRENCY}: {:.0}/s (raw {:.0}/s)", a[0], a[1], a[2], a[3]);

    let p = match py {
        Some(py) => match py.calls(&base, if opts.quick { 0.5 } else { 1.5 }, opts.runs().min(5)) {
            Ok(p) => Some(p),
            Err(e) => {
                println!("Python baseline unavailable for calls: {e}");
                None
            }
        },
        None => None,
    };
    let pv = |k: &str| p.as_ref().and_then(|p| p.get(k)).and_then(serde_json::Value::as_f64);
    let unit = "req/s";
    Ok(vec![
        Row::new("2", "Pareta models().list() vs raw ureq", Some(b[0]), Some(b[1]), unit, Goal::AtLeast(0.9)),
        Row::new("2", "Pareta tasks().retrieve() vs raw ureq", Some(b[2]), Some(b[3]), unit, Goal::AtLeast(0.9)),
        Row::new("2", "AsyncPareta models().list() vs raw reqwest", Some(a[0]), Some(a[1]), unit, Goal::AtLeast(0.9)),
        Row::new(
            "2",
            format!("AsyncPareta models().list() ×{CONCURRENCY} concurrent vs raw reqwest ×{CONCURRENCY}"),
            Some(a[2]),
            Some(a[3]),
            unit,
            Goal::AtLeast(0.9),
        ),
        Row::new(
            "2",
            "Pareta models().list() vs Python Pareta",
            Some(b[0]),
            pv("models_rps"),
            unit,
            Goal::AtLeast(5.0),
        ),
        Row::new(
            "2",
            "Pareta tasks().retrieve() vs Python Pareta",
            Some(b[2]),
            pv("task_rps"),
            unit,
            Goal::AtLeast(5.0),
        ),
        Row::new(
            "2",
            format!("AsyncPareta models().list() ×{CONCURRENCY} vs Python AsyncPareta ×{CONCURRENCY}"),
            Some(a[2]),
            pv("async64_rps"),
            unit,
            Goal::AtLeast(5.0),
        ),
    ])
}
