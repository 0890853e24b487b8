//! `endpoints`: deploy (a stream), list, retrieve, start, stop, delete, metrics.

use super::{Call, decode_record, decode_unit, decode_value, get, lenient};
use crate::call::{RequestSpec, meta};
use crate::config::Config;
use crate::encode;
use crate::error::Error;
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
    RequestSpec::fixed(cfg, DEPLOY)
        .json(req)
        .streaming()
        .call(cfg, Box::new(|resp| Ok(DeployStreamDecoder::new(meta(resp)))))
}

/// `GET /v1/endpoints`: a bare array of records (`{}` or `null` reads as empty).
pub fn list(cfg: &Config) -> Call<Vec<Endpoint>> {
    get(cfg, LIST, &[], "", Box::new(|resp| lenient::list(LIST, resp)))
}

/// `GET /v1/endpoints/{id}`.
pub fn retrieve(cfg: &Config, id: &str) -> Call<Endpoint> {
    get(cfg, RETRIEVE, &[("endpoint id", id)], "", decode_record!(RETRIEVE, Endpoint))
}

fn post_action(cfg: &Config, route: &'static str, id: &str) -> Call<Value> {
    get(cfg, route, &[("endpoint id", id)], "", decode_value(route))
}

/// `POST /v1/endpoints/{id}/start`: the raw status JSON.
pub fn start(cfg: &Config, id: &str) -> Call<Value> {
    post_action(cfg, START, id)
}

/// `POST /v1/endpoints/{id}/stop`: the raw status JSON.
pub fn stop(cfg: &Config, id: &str) -> Call<Value> {
    post_action(cfg, STOP, id)
}

/// `DELETE /v1/endpoints/{id}`.
pub fn delete(cfg: &Config, id: &str) -> Call<()> {
    get(cfg, DELETE, &[("endpoint id", id)], "", decode_unit())
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
    get(cfg, route, &[("endpoint id", id)], &encode::query(&params), decode_value(route))
}
