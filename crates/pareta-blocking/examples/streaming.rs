//! A streamed chat completion: print each token as soon as it arrives.
//!
//! Run it with no account (an in-process mock of the API serves it):
//!
//! ```text
//! cargo run -p pareta-blocking --example streaming
//! ```
//!
//! Against the real API, set `PARETA_API_KEY` (and optionally `PARETA_BASE_URL`)
//! and pass one of your endpoint ids in `PARETA_ENDPOINT`.

use pareta_blocking::Pareta;
use pareta_blocking::types::{ChatCompletionRequest, ChatMessage};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (pa, _mock) = client()?; // keep the mock (if any) alive while the client runs
    let endpoint = std::env::var("PARETA_ENDPOINT").unwrap_or_else(|_| "ep_contract_kie".to_owned());

    let req = ChatCompletionRequest::new(
        endpoint,
        vec![ChatMessage::user("Who are the parties? Acme Corp and Globex LLC sign this NDA.")],
    );
    // HTTP errors (bad key, unknown endpoint) come back here, before any token.
    let stream = pa.chat().completions().create_stream(&req)?;
    println!("request id: {}", stream.meta().request_id().unwrap_or("-"));

    let mut out = std::io::stdout().lock();
    for chunk in stream {
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
fn client() -> Result<(Pareta, Option<pareta_mock::MockServer>), pareta_blocking::Error> {
    if std::env::var_os("PARETA_API_KEY").is_some() {
        return Ok((Pareta::from_env()?, None));
    }
    let mock = pareta_mock::MockServer::start();
    let pa = Pareta::builder().api_key("pareta_sk_demo").base_url(mock.base_url()).build()?;
    Ok((pa, Some(mock)))
}
