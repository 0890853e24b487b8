//! `tasks`: list, retrieve, match, leaderboard, recommended.

use super::{Call, decode_record, get, lenient};
use crate::call::RequestSpec;
use crate::config::Config;
use crate::error::Error;
use pareta_types::{Leaderboard, Task, TaskMatch};

const LIST: &str = "GET /v1/tasks";
const RETRIEVE: &str = "GET /v1/tasks/{id}";
const MATCH: &str = "POST /v1/tasks/match";
const LEADERBOARD: &str = "GET /v1/tasks/{id}/leaderboard";

/// The default number of candidates of an intent match.
pub const DEFAULT_TOP_K: u32 = 5;

/// `GET /v1/tasks`: the benchmark catalog (`{}` or a `null` list reads as empty).
pub fn list(cfg: &Config) -> Call<Vec<Task>> {
    get(cfg, LIST, &[], "", Box::new(|resp| lenient::list_in(LIST, resp, "tasks")))
}

/// `GET /v1/tasks/{id}[?examples_n=N]`.
pub fn retrieve(cfg: &Config, id: &str, examples_n: Option<u32>) -> Call<Task> {
    let query = examples_n.map(|n| format!("?examples_n={n}")).unwrap_or_default();
    get(cfg, RETRIEVE, &[("task id", id)], &query, decode_record!(RETRIEVE, Task))
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
    RequestSpec::fixed(cfg, MATCH).json(&body).call(cfg, decode_record!(MATCH, TaskMatch))
}

/// `GET /v1/tasks/{id}/leaderboard`.
pub fn leaderboard(cfg: &Config, id: &str) -> Call<Leaderboard> {
    get(cfg, LEADERBOARD, &[("task id", id)], "", decode_record!(LEADERBOARD, Leaderboard))
}

/// The leaderboard's `recommended` alias: what `model: "recommended"` deploys.
pub fn recommended(cfg: &Config, id: &str) -> Call<Option<String>> {
    let decode = decode_record!(LEADERBOARD, Leaderboard);
    get(cfg, LEADERBOARD, &[("task id", id)], "", Box::new(move |resp| Ok(decode(resp)?.recommended)))
}
