//! `evals.frontier_models` and `evals.sets`: create (multipart JSONL), list,
//! retrieve, delete.

use super::{Call, check_id, decode_unit, field, get, records, with_meta_all};
use crate::call::{RequestSpec, meta};
use crate::config::Config;
use crate::encode;
use crate::error::Error;
use crate::http::Method;
use crate::multipart::{Multipart, jsonl};
use pareta_types::{EvalSet, EvalSetCreate, FrontierModel};

const FRONTIER: &str = "GET /v1/eval/frontier-models";
const CREATE: &str = "POST /v1/eval-sets";
const LIST: &str = "GET /v1/eval-sets";
const RETRIEVE: &str = "GET /v1/eval-sets/{id}";
const DELETE: &str = "DELETE /v1/eval-sets/{id}";

/// `GET /v1/eval/frontier-models[?task=T]`: the vendor roster.
pub fn frontier_models(cfg: &Config, task: Option<&str>) -> Call<Vec<FrontierModel>> {
    let path = match task {
        Some(t) if t.trim().is_empty() => Err(Error::InvalidArgument("task must not be empty when given".into())),
        Some(t) => Ok(format!("/v1/eval/frontier-models{}", encode::query(&[("task", t)]))),
        None => Ok("/v1/eval/frontier-models".to_owned()),
    };
    get(
        cfg,
        FRONTIER,
        path,
        Box::new(|resp| {
            let raw = field(FRONTIER, resp, "frontier_models")?;
            Ok(with_meta_all!(records(FRONTIER, resp, raw.get(), FrontierModel::from_json)?, resp))
        }),
    )
}

fn decode_set(route: &'static str) -> crate::call::Decode<EvalSet> {
    Box::new(move |resp| {
        let raw = field(route, resp, "eval_set")?;
        EvalSet::from_json(raw.get()).map(|s| s.with_meta(meta(resp))).map_err(|e| Error::decode(route, resp, e))
    })
}

/// Checks rows: at least one, each a JSON object.
pub(crate) fn validate_rows(rows: &[serde_json::Value]) -> Result<(), Error> {
    if rows.is_empty() {
        return Err(Error::InvalidArgument("eval set rows must not be empty".into()));
    }
    if let Some(i) = rows.iter().position(|r| !r.is_object()) {
        return Err(Error::InvalidArgument(format!("eval set row {i} is not a JSON object")));
    }
    Ok(())
}

/// `POST /v1/eval-sets`: multipart with `task_id`, `name` and the JSONL file `items`.
pub fn create_set(cfg: &Config, req: &EvalSetCreate) -> Call<EvalSet> {
    if req.task.trim().is_empty() {
        return Call::failed(Error::InvalidArgument("eval set `task` must not be empty".into()));
    }
    if let Err(e) = validate_rows(&req.rows) {
        return Call::failed(e);
    }
    let name = req.name.clone().unwrap_or_else(|| format!("sdk eval set ({} items)", req.rows.len()));
    let mut form = Multipart::new(format!("pareta-{:016x}{:016x}", cfg.rng().next_u64(), cfg.rng().next_u64()));
    form.text("task_id", &req.task);
    form.text("name", &name);
    form.file_bytes("items", &format!("items.{}.jsonl", req.task), "application/jsonl", jsonl(&req.rows));
    let content_type = form.content_type();
    let request =
        RequestSpec::new(cfg, Method::Post, CREATE, "/v1/eval-sets").body(form.finish(), content_type).build(cfg);
    Call::new(cfg, request, decode_set(CREATE))
}

/// `GET /v1/eval-sets`.
pub fn list_sets(cfg: &Config) -> Call<Vec<EvalSet>> {
    get(
        cfg,
        LIST,
        Ok("/v1/eval-sets".into()),
        Box::new(|resp| {
            let raw = field(LIST, resp, "eval_sets")?;
            Ok(with_meta_all!(records(LIST, resp, raw.get(), EvalSet::from_json)?, resp))
        }),
    )
}

/// `GET /v1/eval-sets/{id}`.
pub fn retrieve_set(cfg: &Config, id: &str) -> Call<EvalSet> {
    let path = check_id("eval set id", id).map(|id| format!("/v1/eval-sets/{id}"));
    get(cfg, RETRIEVE, path, decode_set(RETRIEVE))
}

/// `DELETE /v1/eval-sets/{id}`.
pub fn delete_set(cfg: &Config, id: &str) -> Call<()> {
    match check_id("eval set id", id) {
        Ok(id) => {
            let request = RequestSpec::new(cfg, Method::Delete, DELETE, &format!("/v1/eval-sets/{id}")).build(cfg);
            Call::new(cfg, request, decode_unit())
        }
        Err(e) => Call::failed(e),
    }
}
