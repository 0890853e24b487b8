//! The blocking and the async client in one binary. Their features never
//! conflict (no `maybe-async`-style switch unifies them), so one program can
//! use both: here, both built from one key, each making a call.
//!
//! Run it with no account (an in-process mock of the API serves it):
//!
//! ```text
//! cargo run -p pareta-async --example both_clients
//! ```
//!
//! Against the real API, set `PARETA_API_KEY` (and optionally `PARETA_BASE_URL`).

use pareta_async::AsyncPareta;
use pareta_async::types::{ChatCompletionRequest, ChatMessage};
use pareta_blocking::Pareta;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The real API when `PARETA_API_KEY` is set, else a local mock with seeded data.
    let (key, mock) = match std::env::var("PARETA_API_KEY") {
        Ok(key) => (key, None),
        Err(_) => ("pareta_sk_demo".to_owned(), Some(pareta_mock::MockServer::start())),
    };
    let base_url = match &mock {
        Some(m) => Some(m.base_url()),
        None => std::env::var("PARETA_BASE_URL").ok(),
    };

    // One key, two clients (neither ever prints the key).
    let mut blocking = Pareta::builder().api_key(&key);
    let mut async_pa = AsyncPareta::builder().api_key(&key);
    if let Some(url) = &base_url {
        blocking = blocking.base_url(url);
        async_pa = async_pa.base_url(url);
    }
    let (blocking, async_pa) = (blocking.build()?, async_pa.build()?);
    println!("blocking: {:?}", blocking.config());
    println!("async:    {:?}", async_pa.config());

    // The blocking client does blocking I/O: keep it off the async workers.
    let models = tokio::task::spawn_blocking(move || blocking.models().list()).await??;
    println!("blocking client: {} model(s)", models.len());

    let models = async_pa.models().list().await?;
    println!("async client:    {} model(s)", models.len());
    if let Some(id) = models.iter().map(|m| m.id.clone()).find(|id| !id.is_empty()) {
        let req = ChatCompletionRequest::new(id, vec![ChatMessage::user("hello from both clients")]);
        let text = async_pa.chat().completions().create_stream(&req).await?.collect_text().await?;
        println!("async stream:    {text}");
    }
    Ok(())
}
