//! Runs a scenario through one client and normalizes what happened.

use crate::{Op, Scenario};
use futures_util::StreamExt;
use pareta_mock::{MockServer, RecordedRequest};
use serde_json::{Value, json};
use std::time::Duration;

const KEY: &str = "pareta_sk_parity";
const SEED: u64 = 2026;

/// What a scenario produced: one normalized result per op, and the requests the
/// mock recorded (idempotency keys, request ids and multipart boundaries masked).
#[derive(Debug, PartialEq)]
pub struct Outcome {
    /// Per op: the value as JSON, or `{"error": …}`.
    pub results: Vec<Value>,
    /// The mock's request log.
    pub requests: Vec<Value>,
}

fn start(s: &Scenario) -> MockServer {
    let mock = MockServer::start();
    for (method, path, spec) in &s.faults {
        mock.arm_fault(method, path, spec);
    }
    mock
}

fn error(e: &pareta_blocking::Error) -> Value {
    json!({
        "error": variant(e),
        "status": e.status(),
        "detail": e.api().and_then(|a| a.detail()),
        "message": mask(&e.to_string()),
    })
}

fn variant(e: &pareta_blocking::Error) -> String {
    let dbg = format!("{e:?}");
    dbg.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_owned()
}

fn mask(s: &str) -> String {
    // Request ids differ between runs; everything else must match.
    match s.find("(request id ") {
        Some(i) => s[..i].trim_end().to_owned(),
        None => s.to_owned(),
    }
}

fn result<T>(r: Result<T, pareta_blocking::Error>, f: impl FnOnce(T) -> Value) -> Value {
    match r {
        Ok(v) => f(v),
        Err(e) => error(&e),
    }
}

fn list<T: serde::Serialize>(items: Vec<T>) -> Value {
    serde_json::to_value(items).unwrap_or(Value::Null)
}

fn record<T: serde::Serialize>(item: T) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

fn normalize(reqs: Vec<RecordedRequest>) -> Vec<Value> {
    reqs.into_iter()
        .map(|r| {
            let boundary =
                r.header("content-type").and_then(|ct| ct.split_once("boundary=").map(|(_, b)| b.to_owned()));
            let mut body = r.body_text();
            if let Some(b) = &boundary {
                body = body.replace(b.as_str(), "BOUNDARY");
            }
            let keep = ["accept", "authorization", "content-type", "user-agent", "content-length"];
            if body.len() > 2048 {
                let hash =
                    body.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
                body = format!("<{} bytes, fnv1a {hash:016x}>", body.len());
            }
            let mut headers: Vec<Value> = r
                .headers
                .iter()
                .filter(|(n, _)| keep.contains(&n.as_str()))
                .map(|(n, v)| match &boundary {
                    Some(b) => json!([n, v.replace(b.as_str(), "BOUNDARY")]),
                    None => json!([n, v]),
                })
                .collect();
            headers.sort_by_key(|h| h.to_string());
            json!({
                "listener": r.listener,
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "headers": headers,
                "has_idempotency_key": r.header("idempotency-key").is_some(),
                "body": body,
            })
        })
        .collect()
}

/// Replaces the mock's two origins (their ports differ between runs).
fn mask_origins(values: Vec<Value>, mock: &MockServer) -> Vec<Value> {
    let text = serde_json::to_string(&values).unwrap_or_default();
    let text = text.replace(&mock.base_url(), "http://MOCK").replace(&mock.storage_url(), "http://STORAGE");
    serde_json::from_str(&text).unwrap_or_default()
}

fn outcome(results: Vec<Value>, mock: &MockServer) -> Outcome {
    Outcome { results: mask_origins(results, mock), requests: mask_origins(normalize(mock.requests()), mock) }
}

fn client_blocking(mock: &MockServer) -> pareta_blocking::Pareta {
    pareta_blocking::Pareta::builder()
        .api_key(KEY)
        .base_url(mock.base_url())
        .timeout(Duration::from_secs(20))
        .rng_seed(SEED)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

fn client_async(mock: &MockServer) -> pareta_async::AsyncPareta {
    pareta_async::AsyncPareta::builder()
        .api_key(KEY)
        .base_url(mock.base_url())
        .timeout(Duration::from_secs(20))
        .rng_seed(SEED)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

fn params(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Runs `s` through the blocking client.
pub fn run_blocking(s: &Scenario) -> Outcome {
    let mock = start(s);
    let pa = client_blocking(&mock);
    let results = s
        .ops
        .iter()
        .map(|op| match op {
            Op::ModelsList => result(pa.models().list(), record),
            Op::ChatCreate(r) => result(pa.chat().completions().create(r), record),
            Op::ChatCreateStream(r) => result(pa.chat().completions().create_stream(r), |s| {
                Value::Array(s.map(|c| result(c, record)).collect())
            }),
            Op::Deploy(r) => result(pa.endpoints().deploy(r), |s| {
                Value::Array(s.map(|e| result(e, |e| json!({"event": e.event, "data": e.data}))).collect())
            }),
            Op::DeployWait(r) => result(pa.endpoints().deploy(r).and_then(|s| s.wait()), record),
            Op::EndpointsList => result(pa.endpoints().list(), list),
            Op::EndpointsRetrieve(id) => result(pa.endpoints().retrieve(id), record),
            Op::EndpointsStart(id) => result(pa.endpoints().start(id), |v| v),
            Op::EndpointsStop(id) => result(pa.endpoints().stop(id), |v| v),
            Op::EndpointsDelete(id) => result(pa.endpoints().delete(id), |()| json!(null)),
            Op::Metrics(id, kind, p) => result(pa.endpoints().metrics(id).get(*kind, params(p)), |v| v),
            Op::TasksList => result(pa.tasks().list(), list),
            Op::TasksRetrieve(id) => result(pa.tasks().retrieve(id), record),
            Op::TasksRetrieveWithExamples(id, n) => result(pa.tasks().retrieve_with_examples(id, *n), record),
            Op::TasksMatchIntent(q) => result(pa.tasks().match_intent(q), record),
            Op::TasksMatchIntentTopK(q, k) => result(pa.tasks().match_intent_top_k(q, *k), record),
            Op::TasksLeaderboard(id) => result(pa.tasks().leaderboard(id), record),
            Op::TasksRecommended(id) => result(pa.tasks().recommended(id), |r| json!(r)),
            Op::FrontierModels(t) => result(pa.evals().frontier_models(t.as_deref()), list),
            Op::SetsCreate(r) => result(pa.evals().sets().create(r), record),
            Op::SetsList => result(pa.evals().sets().list(), list),
            Op::SetsRetrieve(id) => result(pa.evals().sets().retrieve(id), record),
            Op::SetsDelete(id) => result(pa.evals().sets().delete(id), |()| json!(null)),
            Op::SetsUploadDocument(u) => result(pa.evals().sets().upload_document(u), |v| v),
            Op::RunsCreate(r) => result(pa.evals().runs().create(r), record),
            Op::RunsRetrieve(id) => result(pa.evals().runs().retrieve(id), record),
            Op::RunsWait(id, w) => result(pa.evals().runs().wait(id, *w), record),
        })
        .collect();
    outcome(results, &mock)
}

/// Runs `s` through the async client.
pub async fn run_async(s: &Scenario) -> Outcome {
    let mock = start(s);
    let pa = client_async(&mock);
    let mut results = Vec::new();
    for op in &s.ops {
        results.push(match op {
            Op::ModelsList => result(pa.models().list().await, record),
            Op::ChatCreate(r) => result(pa.chat().completions().create(r).await, record),
            Op::ChatCreateStream(r) => match pa.chat().completions().create_stream(r).await {
                Ok(s) => Value::Array(s.map(|c| result(c, record)).collect().await),
                Err(e) => error(&e),
            },
            Op::Deploy(r) => match pa.endpoints().deploy(r).await {
                Ok(s) => {
                    Value::Array(s.map(|e| result(e, |e| json!({"event": e.event, "data": e.data}))).collect().await)
                }
                Err(e) => error(&e),
            },
            Op::DeployWait(r) => match pa.endpoints().deploy(r).await {
                Ok(s) => result(s.wait().await, record),
                Err(e) => error(&e),
            },
            Op::EndpointsList => result(pa.endpoints().list().await, list),
            Op::EndpointsRetrieve(id) => result(pa.endpoints().retrieve(id).await, record),
            Op::EndpointsStart(id) => result(pa.endpoints().start(id).await, |v| v),
            Op::EndpointsStop(id) => result(pa.endpoints().stop(id).await, |v| v),
            Op::EndpointsDelete(id) => result(pa.endpoints().delete(id).await, |()| json!(null)),
            Op::Metrics(id, kind, p) => result(pa.endpoints().metrics(id).get(*kind, params(p)).await, |v| v),
            Op::TasksList => result(pa.tasks().list().await, list),
            Op::TasksRetrieve(id) => result(pa.tasks().retrieve(id).await, record),
            Op::TasksRetrieveWithExamples(id, n) => result(pa.tasks().retrieve_with_examples(id, *n).await, record),
            Op::TasksMatchIntent(q) => result(pa.tasks().match_intent(q).await, record),
            Op::TasksMatchIntentTopK(q, k) => result(pa.tasks().match_intent_top_k(q, *k).await, record),
            Op::TasksLeaderboard(id) => result(pa.tasks().leaderboard(id).await, record),
            Op::TasksRecommended(id) => result(pa.tasks().recommended(id).await, |r| json!(r)),
            Op::FrontierModels(t) => result(pa.evals().frontier_models(t.as_deref()).await, list),
            Op::SetsCreate(r) => result(pa.evals().sets().create(r).await, record),
            Op::SetsList => result(pa.evals().sets().list().await, list),
            Op::SetsRetrieve(id) => result(pa.evals().sets().retrieve(id).await, record),
            Op::SetsDelete(id) => result(pa.evals().sets().delete(id).await, |()| json!(null)),
            Op::SetsUploadDocument(u) => result(pa.evals().sets().upload_document(u).await, |v| v),
            Op::RunsCreate(r) => result(pa.evals().runs().create(r).await, record),
            Op::RunsRetrieve(id) => result(pa.evals().runs().retrieve(id).await, record),
            Op::RunsWait(id, w) => result(pa.evals().runs().wait(id, *w).await, record),
        });
    }
    outcome(results, &mock)
}
