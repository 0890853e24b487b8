//! `evals.frontier_models` and `evals.sets`: create (multipart JSONL), list,
//! retrieve, delete.

use super::{Call, decode_unit, get, lenient};
use crate::call::RequestSpec;
use crate::config::Config;
use crate::encode;
use crate::error::Error;
use crate::multipart::Multipart;
use pareta_types::{EvalRows, EvalSet, EvalSetCreate, FrontierModel};

const FRONTIER: &str = "GET /v1/eval/frontier-models";
const CREATE: &str = "POST /v1/eval-sets";
const LIST: &str = "GET /v1/eval-sets";
const RETRIEVE: &str = "GET /v1/eval-sets/{id}";
const DELETE: &str = "DELETE /v1/eval-sets/{id}";

/// `GET /v1/eval/frontier-models[?task=T]`: the vendor roster.
pub fn frontier_models(cfg: &Config, task: Option<&str>) -> Call<Vec<FrontierModel>> {
    frontier_with(cfg, task, Box::new(|resp| lenient::list_in(FRONTIER, resp, "frontier_models")))
}

fn frontier_with<T>(cfg: &Config, task: Option<&str>, decode: crate::call::Decode<T>) -> Call<T> {
    let query = match task {
        Some(t) if t.trim().is_empty() => {
            return Call::failed(Error::InvalidArgument("task must not be empty when given".into()));
        }
        Some(t) => encode::query(&[("task", t)]),
        None => String::new(),
    };
    get(cfg, FRONTIER, &[], &query, decode)
}

/// The roster's ids for an eval run: every model (`Frontier::All`) or the
/// benchmarked ones. A chosen entry without an `id` is a decode error naming the
/// route and the field, since the run would have no id to send.
pub(crate) fn frontier_ids_for_run(cfg: &Config, task: &str, benchmarked_only: bool) -> Call<Vec<String>> {
    frontier_with(
        cfg,
        Some(task),
        Box::new(move |resp| {
            let roster: Vec<FrontierModel> = lenient::list_in(FRONTIER, resp, "frontier_models")?;
            let mut ids = Vec::new();
            for m in roster.into_iter().filter(|m| !benchmarked_only || m.benchmarked) {
                if m.id.is_empty() {
                    return Err(Error::missing_field(
                        FRONTIER,
                        resp,
                        "frontier_models[].id",
                        "the eval run needs to name each frontier model it scores",
                    ));
                }
                ids.push(m.id);
            }
            Ok(ids)
        }),
    )
}

fn decode_set(route: &'static str) -> crate::call::Decode<EvalSet> {
    Box::new(move |resp| lenient::record_in(route, resp, "eval_set"))
}

/// Checks rows: at least one, each serialized, each a JSON object.
pub(crate) fn validate_rows(rows: &EvalRows) -> Result<(), Error> {
    rows.check().map_err(Error::InvalidArgument)
}

/// `POST /v1/eval-sets`: multipart with `task_id`, `name` and the JSONL file `items`.
/// A reply without `eval_set` (or its `id`) reads as a set with an empty id.
pub fn create_set(cfg: &Config, req: &EvalSetCreate) -> Call<EvalSet> {
    create_set_with(cfg, req, decode_set(CREATE))
}

/// `POST /v1/eval-sets` for a step that goes on with the set's id (an inline eval
/// run): a reply without `eval_set.id` is a decode error naming the route and field.
pub(crate) fn create_set_for_run(cfg: &Config, req: &EvalSetCreate) -> Call<EvalSet> {
    let mut decode = decode_set(CREATE);
    create_set_with(
        cfg,
        req,
        Box::new(move |resp| {
            let set = decode(resp)?;
            if set.id.is_empty() {
                return Err(Error::missing_field(
                    CREATE,
                    resp,
                    "eval_set.id",
                    "the eval run needs to start on the set",
                ));
            }
            Ok(set)
        }),
    )
}

/// `GET /v1/eval-sets/{id}` for a step that needs the set's task (resolving a
/// frontier keyword): a reply without `eval_set.task_id` is a decode error.
pub(crate) fn retrieve_set_for_task(cfg: &Config, id: &str) -> Call<EvalSet> {
    let mut decode = decode_set(RETRIEVE);
    get(
        cfg,
        RETRIEVE,
        &[("eval set id", id)],
        "",
        Box::new(move |resp| {
            let set = decode(resp)?;
            if set.task_id.as_deref().is_none_or(str::is_empty) {
                return Err(Error::missing_field(
                    RETRIEVE,
                    resp,
                    "eval_set.task_id",
                    "resolving a frontier keyword needs (pass the task with `EvalRunCreate::task`, or explicit frontier ids)",
                ));
            }
            Ok(set)
        }),
    )
}

fn create_set_with(cfg: &Config, req: &EvalSetCreate, decode: crate::call::Decode<EvalSet>) -> Call<EvalSet> {
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
    form.file_bytes("items", &format!("items.{}.jsonl", req.task), "application/jsonl", req.rows.to_jsonl());
    let content_type = form.content_type();
    RequestSpec::fixed(cfg, CREATE).body(form.finish(), content_type).call(cfg, decode)
}

/// `GET /v1/eval-sets`.
pub fn list_sets(cfg: &Config) -> Call<Vec<EvalSet>> {
    get(cfg, LIST, &[], "", Box::new(|resp| lenient::list_in(LIST, resp, "eval_sets")))
}

/// `GET /v1/eval-sets/{id}`.
pub fn retrieve_set(cfg: &Config, id: &str) -> Call<EvalSet> {
    get(cfg, RETRIEVE, &[("eval set id", id)], "", decode_set(RETRIEVE))
}

/// `DELETE /v1/eval-sets/{id}`.
pub fn delete_set(cfg: &Config, id: &str) -> Call<()> {
    get(cfg, DELETE, &[("eval set id", id)], "", decode_unit())
}
