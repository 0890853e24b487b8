//! Deploy the recommended model for a task and follow its progress events until
//! the endpoint is live.
//!
//! Run it with no account (an in-process mock of the API serves it):
//!
//! ```text
//! cargo run -p pareta-async --example async_deploy_wait
//! ```
//!
//! Against the real API, set `PARETA_API_KEY` (and optionally `PARETA_BASE_URL`).
//! This deploys a real endpoint; `PARETA_TASK` picks the task (default
//! `ticket-triage`). If you only need the endpoint, `deploy(&req).await?.wait().await?` skips
//! the progress loop.

use futures_util::StreamExt;
use pareta_async::AsyncPareta;
use pareta_async::types::DeployRequest;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (pa, _mock) = client()?; // keep the mock (if any) alive while the client runs
    let task = std::env::var("PARETA_TASK").unwrap_or_else(|_| "ticket-triage".to_owned());

    // `model` defaults to "recommended": the task leaderboard's pick.
    let req = DeployRequest::new(&task).name("triage-demo");
    let mut endpoint = None;
    let mut events = pa.endpoints().deploy(&req).await?;
    while let Some(event) = events.next().await {
        // An `error` event or a stream cut before `complete` is an `Err` item.
        let event = event?;
        match event.endpoint() {
            Some(ep) => endpoint = Some(ep),
            None => println!(
                "{:>9}: {} ({}%)",
                event.event,
                event.stage().unwrap_or("-"),
                event.pct().map_or_else(|| "?".to_owned(), |p| p.to_string())
            ),
        }
    }

    let ep = endpoint.ok_or("the deploy ended without an endpoint")?;
    println!(
        "endpoint {} is {} (task {}, model {})",
        ep.id.as_str(),
        ep.status.as_deref().unwrap_or("?"),
        ep.task.as_deref().unwrap_or("?"),
        ep.model.as_deref().unwrap_or("?"),
    );
    if let Some(url) = &ep.url {
        println!("OpenAI-compatible base URL: {url}");
    }
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
