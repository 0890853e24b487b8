//! Endpoints: the deploy stream, list/retrieve, start/stop/delete and the
//! five metrics routes.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde_json::{Map, Value, json};

use crate::catalog::Task;
use crate::faults::StreamFaults;
use crate::http::{ApiError, ApiResult, fnv, json_object, no_content, ok_json, opt_str, req_str, round};
use crate::sse::{ErrorStyle, SseWriter};
use crate::state::{AppState, Endpoint, EndpointStatus};

/// The progress stages of a deploy stream.
const STAGES: [(&str, u32); 5] =
    [("queued", 0), ("resolving hardware", 15), ("pulling weights", 45), ("loading model", 75), ("warming up", 90)];

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("endpoint '{id}' not found"))
}

/// The endpoint `id`, cloned.
pub(crate) fn find(st: &AppState, id: &str) -> Result<Endpoint, ApiError> {
    st.db().endpoints.iter().find(|e| e.name == id).cloned().ok_or_else(|| not_found(id))
}

/// Per-request price of `ep` and what its task's frontier baseline would
/// have cost, in micro-USD (deploy-time overrides win).
pub(crate) fn unit_costs(st: &AppState, ep: &Endpoint) -> (u64, u64) {
    let task = st.catalog.task(&ep.task);
    let open = task.and_then(|t| t.open_model(&ep.model)).map_or(500, |e| e.cost);
    let frontier = task.map_or(9000, |t| t.frontier.cost);
    let pick = |key: &str, default: u64| ep.extra.get(key).and_then(Value::as_u64).unwrap_or(default);
    (pick("cost_per_request_micro_usd", open), pick("frontier_cost_per_request_micro_usd", frontier))
}

/// Resolves the deploy `model` for `task` to a leaderboard alias: the
/// keyword `recommended`, an alias, or the real id behind an alias (masked
/// back to the alias in every reply).
fn resolve_alias(st: &AppState, task: &Task, model: &str) -> Result<String, ApiError> {
    if model == "recommended" {
        return Ok(task.recommended.to_owned());
    }
    if task.open_model(model).is_some() {
        return Ok(model.to_owned());
    }
    if let Some(alias) = task.alias_of_real_id(model) {
        return Ok(alias.to_owned());
    }
    if st.catalog.frontier_model(model).is_some() {
        return Err(ApiError::invalid(format!(
            "model '{model}' is a frontier model and cannot be deployed; \
             pass an open model alias from the task's leaderboard"
        )));
    }
    let known: Vec<&str> = task.models.iter().map(|e| e.name).collect();
    Err(ApiError::invalid(format!(
        "model '{model}' is not available for task '{}' (known aliases: {}, or 'recommended')",
        task.id,
        known.join(", ")
    )))
}

/// `POST /v1/endpoints`: named-event SSE deploy progress.
pub(crate) async fn deploy(
    State(st): State<Arc<AppState>>,
    faults: Option<Extension<StreamFaults>>,
    body: Bytes,
) -> ApiResult {
    let obj = json_object(&body)?;
    let task_id = req_str(&obj, "task")?;
    // The spec's deploy table: an unknown task is a 400 (BadRequestError), not a 404.
    let task = st.catalog.task(task_id).ok_or_else(|| {
        ApiError::new(axum::http::StatusCode::BAD_REQUEST, format!("Unknown task '{task_id}': see GET /v1/tasks"))
    })?;
    let model = opt_str(&obj, "model")?.unwrap_or("recommended");
    let alias = resolve_alias(&st, task, model)?;
    let wanted = opt_str(&obj, "name")?.map(str::trim);
    if wanted == Some("") {
        return Err(ApiError::invalid("field 'name' must not be empty"));
    }
    let extra: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "task" | "model" | "name"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();

    let name = {
        let mut db = st.db();
        let name = match wanted {
            Some(name) => {
                if db.endpoints.iter().any(|e| e.name == name) {
                    return Err(ApiError::conflict(format!("endpoint '{name}' already exists")));
                }
                name.to_owned()
            }
            None => loop {
                let n = db.next_endpoint();
                let candidate = format!("ep_{}_{n}", task.id.replace('-', "_"));
                if !db.endpoints.iter().any(|e| e.name == candidate) {
                    break candidate;
                }
            },
        };
        let created = db.tick();
        db.endpoints.push(Endpoint {
            name: name.clone(),
            task: task.id.to_owned(),
            model: alias,
            status: EndpointStatus::Starting,
            warming: None,
            modern: st.deployed_form_is_modern(),
            created,
            extra,
            requests: 0,
            billed_micro_usd: 0,
        });
        name
    };

    let (mut w, resp) = SseWriter::new(faults.map(|f| f.0), ErrorStyle::Deploy);
    let delay = st.config.deploy_step_delay;
    tokio::spawn(async move {
        for (i, (stage, pct)) in STAGES.iter().enumerate() {
            if i > 0 {
                w.pause(delay).await;
            }
            let data = json!({ "stage": stage, "pct": pct, "endpoint_id": name });
            w.send(Some("progress"), &data.to_string()).await;
        }
        w.pause(delay).await;
        let record = {
            let mut db = st.db();
            db.endpoint_mut(&name).map(|ep| {
                ep.status = EndpointStatus::Live;
                ep.record(&st.base_url)
            })
        };
        match record {
            Some(rec) => {
                w.send(Some("complete"), &json!({ "endpoint": rec }).to_string()).await;
            }
            None => {
                let msg = format!("endpoint '{name}' was deleted during deployment");
                w.send(Some("error"), &json!({ "message": msg }).to_string()).await;
            }
        }
    });
    Ok(resp)
}

/// `GET /v1/endpoints`: a bare array.
pub(crate) async fn list(State(st): State<Arc<AppState>>) -> ApiResult {
    let mut db = st.db();
    let all: Vec<Value> = db
        .endpoints
        .iter_mut()
        .map(|e| {
            e.observe();
            e.record(&st.base_url)
        })
        .collect();
    ok_json(Value::Array(all))
}

/// `GET /v1/endpoints/{id}`.
pub(crate) async fn retrieve(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let mut db = st.db();
    let ep = db.endpoint_mut(&id).ok_or_else(|| not_found(&id))?;
    ep.observe();
    ok_json(ep.record(&st.base_url))
}

fn set_status(st: &AppState, id: &str, status: EndpointStatus) -> ApiResult {
    let mut db = st.db();
    let ep = db.endpoint_mut(id).ok_or_else(|| not_found(id))?;
    let previous = ep.status.as_str();
    // Starting a live endpoint is a no-op; starting a stopped one warms it up
    // over `start_polls` reads (calls meanwhile answer 503).
    let status = match (ep.status, status) {
        (EndpointStatus::Live, EndpointStatus::Starting) => EndpointStatus::Live,
        _ => status,
    };
    if status == EndpointStatus::Starting && ep.warming.is_none() {
        ep.warming = Some(st.config.start_polls);
    }
    if status == EndpointStatus::Stopped {
        ep.warming = None;
    }
    ep.status = status;
    ok_json(json!({
        "id": ep.name,
        "name": ep.name,
        "status": status.as_str(),
        "previous_status": previous,
    }))
}

/// `POST /v1/endpoints/{id}/start`.
pub(crate) async fn start(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    set_status(&st, &id, EndpointStatus::Starting)
}

/// `POST /v1/endpoints/{id}/stop`.
pub(crate) async fn stop(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    set_status(&st, &id, EndpointStatus::Stopped)
}

/// `DELETE /v1/endpoints/{id}`: 204.
pub(crate) async fn delete(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let mut db = st.db();
    let before = db.endpoints.len();
    db.endpoints.retain(|e| e.name != id);
    if db.endpoints.len() == before {
        return Err(not_found(&id));
    }
    no_content()
}

type Params = Query<Vec<(String, String)>>;

/// The common head of every metrics body, echoing the query.
fn metric_head(ep: &Endpoint, metric: &str, params: &[(String, String)]) -> Map<String, Value> {
    let window = params.iter().find(|(k, _)| k == "window").map_or("24h", |(_, v)| v.as_str());
    let echoed: Map<String, Value> = params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let mut head = Map::new();
    head.insert("endpoint_id".into(), json!(ep.name));
    head.insert("metric".into(), json!(metric));
    head.insert("window".into(), json!(window));
    head.insert("params".into(), Value::Object(echoed));
    head
}

fn metric(st: &AppState, id: &str, metric: &str, params: &[(String, String)]) -> ApiResult {
    let ep = find(st, id)?;
    let seed = fnv(&ep.name);
    let mut body = metric_head(&ep, metric, params);
    let extra = match metric {
        "performance" => {
            let p50 = 80 + seed % 40;
            json!({ "p50_ms": p50, "p95_ms": p50 * 2 + seed % 17, "p99_ms": p50 * 3 + seed % 29,
                    "requests": ep.requests })
        }
        "uptime" => {
            let live = ep.status == EndpointStatus::Live;
            json!({ "status": ep.status.as_str(), "uptime_pct": if live { 99.95 } else { 0.0 },
                    "incidents": 0 })
        }
        "cost" => {
            let (_, frontier) = unit_costs(st, &ep);
            let would = frontier * ep.requests;
            // The keys of the spec's cost example (002, "Cost and the vs-frontier savings framing").
            json!({ "requests": ep.requests, "total_micro_usd": ep.billed_micro_usd,
                    "frontier_baseline_micro_usd": would,
                    "savings_micro_usd": would.saturating_sub(ep.billed_micro_usd) })
        }
        "quality" => {
            let q = st.catalog.task(&ep.task).and_then(|t| t.open_model(&ep.model)).map_or(0.85, |e| e.quality);
            let windows: Vec<Value> = (0..3u64)
                .map(|i| {
                    let wobble = ((seed >> (i * 8)) % 21) as f64 / 1000.0 - 0.01;
                    json!({ "window_start": ep.created + (i as i64) * 3600,
                            "score": round(q + wobble, 4), "n": 40 + (seed >> i) % 20 })
                })
                .collect();
            json!({ "quality_mean": q, "judge_windows": windows })
        }
        _ => json!({ "requests": ep.requests, "active_days": u64::from(ep.requests > 0),
                     "model": ep.model, "task": ep.task }),
    };
    if let Value::Object(extra) = extra {
        body.extend(extra);
    }
    ok_json(Value::Object(body))
}

/// `GET /v1/endpoints/{id}/performance`.
pub(crate) async fn performance(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Params,
) -> ApiResult {
    metric(&st, &id, "performance", &q)
}

/// `GET /v1/endpoints/{id}/uptime`.
pub(crate) async fn uptime(State(st): State<Arc<AppState>>, Path(id): Path<String>, Query(q): Params) -> ApiResult {
    metric(&st, &id, "uptime", &q)
}

/// `GET /v1/endpoints/{id}/cost`.
pub(crate) async fn cost(State(st): State<Arc<AppState>>, Path(id): Path<String>, Query(q): Params) -> ApiResult {
    metric(&st, &id, "cost", &q)
}

/// `GET /v1/endpoints/{id}/quality`.
pub(crate) async fn quality(State(st): State<Arc<AppState>>, Path(id): Path<String>, Query(q): Params) -> ApiResult {
    metric(&st, &id, "quality", &q)
}

/// `GET /v1/endpoints/{id}/activity`.
pub(crate) async fn activity(State(st): State<Arc<AppState>>, Path(id): Path<String>, Query(q): Params) -> ApiResult {
    metric(&st, &id, "activity", &q)
}
