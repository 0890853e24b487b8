//! The benchmark catalog: tasks, intent matching, leaderboards.

use crate::record::RawJson;
use crate::{MatchConfidence, Matcher, ModelKind, ResponseMeta};
use serde::Deserialize;
use serde_json::Value;

/// One benchmarked job, e.g. `contract-key-fields`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct Task {
    /// Stable task id; empty when the server sent none.
    #[serde(default, deserialize_with = "crate::de::id")]
    pub id: String,
    /// Display name, when the server sends one.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub name: Option<String>,
    /// Description, when the server sends one.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub description: Option<String>,
    /// The function that grades model output for this task.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub default_scorer: Option<String>,
    /// True when the task takes documents or images (absent or null reads false).
    #[serde(default, deserialize_with = "crate::de::flag")]
    pub has_blob_input: bool,
    /// Example rows, present when requested with `examples_n`.
    #[serde(default, deserialize_with = "crate::de::list")]
    pub examples: Vec<Value>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(Task);

/// One ranked candidate of an intent match.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct TaskMatchCandidate {
    /// The candidate task's id; empty when the server sent none.
    #[serde(default, deserialize_with = "crate::de::id")]
    pub task_id: String,
    /// Match score in `[0, 1]`.
    #[serde(default, deserialize_with = "crate::de::float")]
    pub score: Option<f64>,
    /// [`MatchConfidence::High`], [`MatchConfidence::Medium`], [`MatchConfidence::Low`],
    /// or anything new.
    #[serde(default, deserialize_with = "crate::de::open")]
    pub confidence: Option<MatchConfidence>,
    #[serde(skip)]
    raw: RawJson,
}
nested!(TaskMatchCandidate);

/// The ranked result of matching free-text intent to tasks.
///
/// ```
/// use pareta_types::{MatchConfidence, TaskMatch};
/// let m = TaskMatch::from_json(r#"{"query":"q","matched":true,"chosen":{"task_id":"t","score":0.9,"confidence":"high"},"candidates":null,"ambiguous":null}"#)?;
/// assert!(m.matched && !m.ambiguous);
/// let chosen = m.chosen.unwrap();
/// assert_eq!(chosen.task_id, "t");
/// assert_eq!(chosen.confidence, Some(MatchConfidence::High));
/// assert!(m.candidates.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct TaskMatch {
    /// The query, echoed back.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub query: Option<String>,
    /// True when a high-confidence match was found.
    #[serde(default, deserialize_with = "crate::de::flag")]
    pub matched: bool,
    /// The best candidate, or `None` if nothing matched confidently (also for
    /// `null` or `{}`).
    #[serde(default, deserialize_with = "crate::de::optional")]
    pub chosen: Option<TaskMatchCandidate>,
    /// Top-K ranked alternates.
    #[serde(default, deserialize_with = "crate::de::records")]
    pub candidates: Vec<TaskMatchCandidate>,
    /// True when the top two scores are close.
    #[serde(default, deserialize_with = "crate::de::flag")]
    pub ambiguous: bool,
    /// Which strategy answered: [`Matcher::Keyword`], [`Matcher::Semantic`], or anything new.
    #[serde(default, deserialize_with = "crate::de::open")]
    pub matcher: Option<Matcher>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(TaskMatch, nested: [chosen, candidates]);

/// A row of a leaderboard: an open model (by per-task alias) or the frontier baseline.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct LeaderboardEntry {
    /// The per-task alias (open) or vendor id (frontier).
    #[serde(default, deserialize_with = "crate::de::string")]
    pub name: Option<String>,
    /// [`ModelKind::Open`] or [`ModelKind::Frontier`].
    #[serde(default, deserialize_with = "crate::de::open")]
    pub kind: Option<ModelKind>,
    /// Quality score in `[0, 1]`.
    #[serde(default, deserialize_with = "crate::de::float")]
    pub quality: Option<f64>,
    /// Unit cost in micro-USD, not floored.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub cost_per_request_micro_usd: Option<i64>,
    /// Context window in thousands of tokens.
    #[serde(default, deserialize_with = "crate::de::int")]
    pub context_k: Option<u64>,
    /// Backend benchmark context (`"rte"`, `"twostage"`); not a knob you set.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub run_mode: Option<String>,
    #[serde(skip)]
    raw: RawJson,
}
nested!(LeaderboardEntry);

/// Open models ranked for a task, with the recommended alias and a frontier baseline.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(remote = "Self")]
pub struct Leaderboard {
    /// The task.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub task_id: Option<String>,
    /// What the ranking optimizes, e.g. `"quality"`.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub metric: Option<String>,
    /// Cost basis, e.g. `"per_request"`.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub cost_unit: Option<String>,
    /// The alias `DeployRequest::new(task)` resolves `"recommended"` to.
    #[serde(default, deserialize_with = "crate::de::string")]
    pub recommended: Option<String>,
    /// Ranked open candidates.
    #[serde(default, deserialize_with = "crate::de::records")]
    pub models: Vec<LeaderboardEntry>,
    /// The vendor baseline to beat (`None` also for `null` or `{}`).
    #[serde(default, deserialize_with = "crate::de::optional")]
    pub frontier: Option<LeaderboardEntry>,
    #[serde(skip)]
    raw: RawJson,
    #[serde(skip)]
    meta: ResponseMeta,
}
record!(Leaderboard, nested: [models, frontier]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_null_blob_flag_reads_false() {
        let t = Task::from_json(r#"{"id":"t","has_blob_input":null,"input_schema":{"a":1}}"#).unwrap();
        assert!(!t.has_blob_input);
        assert!(t.examples.is_empty());
        assert_eq!(t.get("input_schema"), Some(&serde_json::json!({"a": 1})));
    }

    #[test]
    fn leaderboard_parses_rows_and_frontier() {
        let lb = Leaderboard::from_json(
            r#"{"task_id":"t","metric":"quality","cost_unit":"per_request","recommended":"a-1",
                "models":[{"name":"a-1","kind":"open","quality":0.9,"cost_per_request_micro_usd":420,"context_k":32}],
                "frontier":{"name":"gpt-4o","kind":"frontier","quality":0.93}}"#,
        )
        .unwrap();
        assert_eq!(lb.recommended.as_deref(), Some("a-1"));
        assert_eq!(lb.models[0].cost_per_request_micro_usd, Some(420));
        assert_eq!(lb.models[0].kind, Some(ModelKind::Open));
        assert_eq!(lb.frontier.unwrap().name.as_deref(), Some("gpt-4o"));
    }
}
