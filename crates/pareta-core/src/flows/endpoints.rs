//! `endpoints`: deploy (a stream), list, retrieve, start, stop, delete, metrics.

use super::{Call, check_id, decode_record, decode_unit, decode_value, get, lenient};
use crate::call::{RequestSpec, meta};
use crate::config::Config;
use crate::encode;
use crate::error::Error;
use crate::http::Method;
use crate::stream::DeployStreamDecoder;
use pareta_types::{DeployRequest, Endpoint, MetricKind, QueryParam, query_params};
use serde_json::Value;

const DEPLOY: &str = "POST /v1/endpoints";
const LIST: &str = "GET /v1/endpoints";
const RETRIEVE: &str = "GET /v1/endpoints/{id}";
const START: &str = "POST /v1/endpoints/{id}/start";
const STOP: &str = "POST /v1/endpoints/{id}/stop";
const DELETE: &str = "DELETE /v1/endpoints/{id}";

/// `POST /v1/endpoints`: starts a deploy; the value is the progress-event decoder.
pub fn deploy(cfg: &Config, req: &DeployRequest) -> Call<DeployStreamDecoder> {
    if req.task.trim().is_empty() {
        return Call::failed(Error::InvalidArgument("deploy `task` must not be empty".into()));
    }
    if req.model.trim().is_empty() {
        return Call::failed(Error::InvalidArgument(
            "deploy `model` must not be empty (use \"recommended\" for the task's pick)".into(),
        ));
    }
    let request = RequestSpec::new(cfg, Method::Post, DEPLOY, "/v1/endpoints").json(req).streaming().build(cfg);
    Call::new(cfg, request, Box::new(|resp| Ok(DeployStreamDecoder::new(meta(resp)))))
}

/// `GET /v1/endpoints`: a bare array of records (`{}` or `null` reads as empty).
pub fn list(cfg: &Config) -> Call<Vec<Endpoint>> {
    get(cfg, LIST, Ok("/v1/endpoints".into()), Box::new(|resp| lenient::list(LIST, resp)))
}

/// `GET /v1/endpoints/{id}`.
pub fn retrieve(cfg: &Config, id: &str) -> Call<Endpoint> {
    let path = check_id("endpoint id", id).map(|id| format!("/v1/endpoints/{id}"));
    get(cfg, RETRIEVE, path, decode_record!(RETRIEVE, Endpoint))
}

fn post_action(cfg: &Config, route: &'static str, id: &str, action: &str) -> Call<Value> {
    match check_id("endpoint id", id) {
        Ok(id) => {
            let request =
                RequestSpec::new(cfg, Method::Post, route, &format!("/v1/endpoints/{id}/{action}")).build(cfg);
            Call::new(cfg, request, decode_value(route))
        }
        Err(e) => Call::failed(e),
    }
}

/// `POST /v1/endpoints/{id}/start`: the raw status JSON.
pub fn start(cfg: &Config, id: &str) -> Call<Value> {
    post_action(cfg, START, id, "start")
}

/// `POST /v1/endpoints/{id}/stop`: the raw status JSON.
pub fn stop(cfg: &Config, id: &str) -> Call<Value> {
    post_action(cfg, STOP, id, "stop")
}

/// `DELETE /v1/endpoints/{id}`.
pub fn delete(cfg: &Config, id: &str) -> Call<()> {
    match check_id("endpoint id", id) {
        Ok(id) => {
            let request = RequestSpec::new(cfg, Method::Delete, DELETE, &format!("/v1/endpoints/{id}")).build(cfg);
            Call::new(cfg, request, decode_unit())
        }
        Err(e) => Call::failed(e),
    }
}

/// `GET /v1/endpoints/{id}/{kind}?params`: the raw metric JSON. `params` are any
/// [`QueryParam`] pairs: `&[("window", "7d")]`, `[("limit", 10)]`, a
/// `Vec<(String, String)>`, or [`pareta_types::NO_PARAMS`].
pub fn metrics<I>(cfg: &Config, id: &str, kind: MetricKind, params: I) -> Call<Value>
where
    I: IntoIterator,
    I::Item: QueryParam,
{
    let params = query_params(params);
    let route = match kind {
        MetricKind::Performance => "GET /v1/endpoints/{id}/performance",
        MetricKind::Uptime => "GET /v1/endpoints/{id}/uptime",
        MetricKind::Cost => "GET /v1/endpoints/{id}/cost",
        MetricKind::Quality => "GET /v1/endpoints/{id}/quality",
        MetricKind::Activity => "GET /v1/endpoints/{id}/activity",
        // `MetricKind` is non-exhaustive across crates: a kind added to the types
        // before core knows its route fails loudly instead of borrowing another's.
        other => {
            return Call::failed(Error::InvalidArgument(format!(
                "metric kind `{}` has no route in this pareta-core version",
                other.as_str()
            )));
        }
    };
    let path =
        check_id("endpoint id", id).map(|id| format!("/v1/endpoints/{id}/{}{}", kind.as_str(), encode::query(&params)));
    get(cfg, route, path, decode_value(route))
}
