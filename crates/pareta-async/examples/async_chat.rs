//! One chat completion, with the billing receipt the platform attaches to it.
//!
//! Run it with no account (an in-process mock of the API serves it):
//!
//! ```text
//! cargo run -p pareta-async --example async_chat
//! ```
//!
//! Against the real API, set `PARETA_API_KEY` (and optionally `PARETA_BASE_URL`)
//! and pass one of your endpoint ids in `PARETA_ENDPOINT`.

use pareta_async::AsyncPareta;
use pareta_async::types::{ChatCompletionRequest, ChatMessage};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (pa, _mock) = client()?; // keep the mock (if any) alive while the client runs
    let endpoint = std::env::var("PARETA_ENDPOINT").unwrap_or_else(|_| "ep_contract_kie".to_owned());

    let req = ChatCompletionRequest::new(
        endpoint,
        vec![
            ChatMessage::system("Extract the parties of the contract as a JSON list."),
            ChatMessage::user("This Agreement is made between Acme Corp and Globex LLC, effective 2026-01-01."),
        ],
    )
    .temperature(0.0)
    .max_tokens(128);
    let reply = pa.chat().completions().create(&req).await?;

    println!("{}", reply.content().unwrap_or_default());
    println!("tokens: {:?}", reply.usage.total_tokens);
    let meta = reply.meta();
    println!("request id: {}", meta.request_id().unwrap_or("-"));
    if let Some(billed) = meta.billed_micro_usd() {
        println!("billed: {billed} µUSD");
    }
    if let Some(frontier) = meta.frontier_would_have_cost_micro_usd() {
        println!("a frontier model would have cost: {frontier} µUSD");
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
