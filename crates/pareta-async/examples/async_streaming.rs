//! A streamed chat completion: print each token as soon as it arrives.
//!
//! Run it with no account (an in-process mock of the API serves it):
//!
//! ```text
//! cargo run -p pareta-async --example async_streaming
//! ```
//!
//! Against the real API, set `PARETA_API_KEY` (and optionally `PARETA_BASE_URL`)
//! and pass one of your endpoint ids in `PARETA_ENDPOINT`.

use futures_util::StreamExt;
use pareta_async::AsyncPareta;
use pareta_async::types::{ChatCompletionRequest, ChatMessage};
use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (pa, _mock) = client()?; // keep the mock (if any) alive while the client runs
    let endpoint = std::env::var("PARETA_ENDPOINT").unwrap_or_else(|_| "ep_contract_kie".to_owned());

    let req = ChatCompletionRequest::new(
        endpoint,
        vec![ChatMessage::user("Who are the parties? Acme Corp and Globex LLC sign this NDA.")],
    );
    // HTTP errors (bad key, unknown endpoint) come back here, before any token.
    let mut stream = pa.chat().completions().create_stream(&req).await?;
    println!("request id: {}", stream.meta().request_id().unwrap_or("-"));

    let mut out = std::io::stdout();
    while let Some(chunk) = stream.next().await {
        // A cut connection or a mid-stream error is an `Err` item, never a silent end.
        if let Some(text) = chunk?.delta() {
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    writeln!(out)?;
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
