//! `tasks`: list, retrieve, match, leaderboard, recommended.

use super::{Call, check_id, decode_record, get, lenient};
use crate::call::RequestSpec;
use crate::config::Config;
use crate::error::Error;
use crate::http::Method;
use pareta_types::{Leaderboard, Task, TaskMatch};

const LIST: &str = "GET /v1/tasks";
const RETRIEVE: &str = "GET /v1/tasks/{id}";
const MATCH: &str = "POST /v1/tasks/match";
const LEADERBOARD: &str = "GET /v1/tasks/{id}/leaderboard";

/// The default number of candidates of an intent match.
pub const DEFAULT_TOP_K: u32 = 5;

/// `GET /v1/tasks`: the benchmark catalog (`{}` or a `null` list reads as empty).
pub fn list(cfg: &Config) -> Call<Vec<Task>> {
    get(cfg, LIST, Ok("/v1/tasks".into()), Box::new(|resp| lenient::list_in(LIST, resp, "tasks")))
}

/// `GET /v1/tasks/{id}[?examples_n=N]`.
pub fn retrieve(cfg: &Config, id: &str, examples_n: Option<u32>) -> Call<Task> {
    let path = check_id("task id", id).map(|id| match examples_n {
        Some(n) => format!("/v1/tasks/{id}?examples_n={n}"),
        None => format!("/v1/tasks/{id}"),
    });
    get(cfg, RETRIEVE, path, decode_record!(RETRIEVE, Task))
}

/// `POST /v1/tasks/match` `{"query", "top_k"}`.
pub fn match_intent(cfg: &Config, query: &str, top_k: u32) -> Call<TaskMatch> {
    if query.trim().is_empty() {
        return Call::failed(Error::InvalidArgument("match query must not be empty".into()));
    }
    if top_k == 0 {
        return Call::failed(Error::InvalidArgument("top_k must be at least 1".into()));
    }
    let body = serde_json::json!({ "query": query, "top_k": top_k });
    let request = RequestSpec::new(cfg, Method::Post, MATCH, "/v1/tasks/match").json(&body).build(cfg);
    Call::new(cfg, request, decode_record!(MATCH, TaskMatch))
}

/// `GET /v1/tasks/{id}/leaderboard`.
pub fn leaderboard(cfg: &Config, id: &str) -> Call<Leaderboard> {
    let path = check_id("task id", id).map(|id| format!("/v1/tasks/{id}/leaderboard"));
    get(cfg, LEADERBOARD, path, decode_record!(LEADERBOARD, Leaderboard))
}

/// The leaderboard's `recommended` alias: what `model: "recommended"` deploys.
pub fn recommended(cfg: &Config, id: &str) -> Call<Option<String>> {
    let path = check_id("task id", id).map(|id| format!("/v1/tasks/{id}/leaderboard"));
    let decode = decode_record!(LEADERBOARD, Leaderboard);
    get(cfg, LEADERBOARD, path, Box::new(move |resp| Ok(decode(resp)?.recommended)))
}
