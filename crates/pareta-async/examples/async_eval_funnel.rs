//! The evaluation funnel: from a sentence describing your job to a scored
//! comparison of open models against the frontier on your own rows.
//!
//! 1. match the intent to a benchmark task;
//! 2. read the task's leaderboard and its recommended model;
//! 3. evaluate the top open models and the benchmarked frontier models on inline
//!    rows, waiting for the run;
//! 4. print quality, per-item cost and the run's total.
//!
//! Run it with no account (an in-process mock of the API serves it):
//!
//! ```text
//! cargo run -p pareta-async --example async_eval_funnel
//! ```
//!
//! Against the real API, set `PARETA_API_KEY` (and optionally `PARETA_BASE_URL`).
//! The eval run is billed.

use pareta_async::AsyncPareta;
use pareta_async::types::{EvalRunCreate, Frontier, WaitOptions};
use serde_json::json;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (pa, mock) = client()?;

    // 1. Intent → task.
    let found = pa.tasks().match_intent("pull the parties and effective date out of our contracts").await?;
    let task = found.chosen.map(|c| c.task_id).filter(|t| !t.is_empty()).ok_or("no task matches that intent")?;
    println!("task: {task}{}", if found.ambiguous { " (ambiguous match)" } else { "" });

    // 2. Leaderboard and the recommended model.
    let recommended = pa.tasks().recommended(&task).await?;
    let board = pa.tasks().leaderboard(&task).await?;
    println!("recommended: {}", recommended.as_deref().unwrap_or("-"));
    for entry in &board.models {
        println!(
            "  {:<12} quality {:.2}  {} µUSD/request",
            entry.name.as_deref().unwrap_or("?"),
            entry.quality.unwrap_or(f64::NAN),
            entry.cost_per_request_micro_usd.unwrap_or_default(),
        );
    }
    let candidates: Vec<String> = board
        .models
        .iter()
        .filter(|m| m.kind.as_deref() == Some("open"))
        .filter_map(|m| m.name.clone())
        .take(2)
        .collect();

    // 3. Evaluate on your own rows, against the frontier models benchmarked for this task.
    let rows = vec![
        json!({"input": "This Agreement is made between Acme Corp and Globex LLC, effective 2026-01-01.",
               "expected": {"parties": ["Acme Corp", "Globex LLC"], "effective_date": "2026-01-01"}}),
        json!({"input": "Hooli and Pied Piper agree to the following NDA terms, effective 2024-07-15.",
               "expected": {"parties": ["Hooli", "Pied Piper"], "effective_date": "2024-07-15"}}),
    ];
    // Poll briskly against the mock; every few seconds is plenty for the real API.
    let poll = if mock.is_some() { Duration::from_millis(50) } else { Duration::from_secs(3) };
    let req = EvalRunCreate::inline(&task, rows, candidates)
        .frontier(Frontier::Benchmarked)
        .name("eval funnel example")
        .wait(WaitOptions::default().poll_interval(poll).timeout(Duration::from_secs(900)));
    let run = pa.evals().runs().create(&req).await?;

    // 4. Results.
    println!("run {} {}", run.id, run.status.as_deref().unwrap_or("?"));
    if let Some(detail) = &run.error_detail {
        println!("  failed: {detail}");
    }
    for r in &run.results {
        println!(
            "  {:<14} {:<8} quality {:.3} [{:.3}, {:.3}]  mean cost {} µUSD/item",
            r.model_id.as_str(),
            r.kind.as_deref().unwrap_or("?"),
            r.quality_mean.unwrap_or(f64::NAN),
            r.quality_ci_low.unwrap_or(f64::NAN),
            r.quality_ci_high.unwrap_or(f64::NAN),
            r.mean_cost_micro_usd.unwrap_or_default(),
        );
    }
    println!("total billed: ${} ({} µUSD)", run.cost(), run.cost_micro_usd);
    Ok(())
}

/// The real API when `PARETA_API_KEY` is set, else a local mock with seeded data.
fn client() -> Result<(AsyncPareta, Option<pareta_mock::MockServer>), pareta_async::Error> {
    if std::env::var_os("PARETA_API_KEY").is_some() {
        return Ok((AsyncPareta::from_env()?, None));
    }
    let mock = pareta_mock::MockServer::start();
    let pa = AsyncPareta::builder().api_key("pareta_sk_demo").base_url(mock.base_url()).build()?;
    Ok((pa, Some(mock)))
}
