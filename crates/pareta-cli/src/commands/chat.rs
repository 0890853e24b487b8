//! `pareta chat`.

use crate::cli::ChatArgs;
use crate::{CliResult, Ctx};
use pareta_types::{ChatCompletionRequest, ChatMessage};
use std::io::Write;

/// Sends one prompt; streams the reply token by token unless `--no-stream`.
pub fn run(ctx: &Ctx, a: ChatArgs) -> CliResult {
    let mut messages = Vec::new();
    if let Some(s) = a.system {
        messages.push(ChatMessage::system(s));
    }
    messages.push(ChatMessage::user(a.prompt));
    let mut req = ChatCompletionRequest::new(a.endpoint, messages);
    if let Some(t) = a.temperature {
        req = req.temperature(t);
    }
    if let Some(n) = a.max_tokens {
        req = req.max_tokens(n);
    }
    let completions = ctx.pa.chat().completions();
    if a.no_stream {
        let reply = completions.create(&req)?;
        if ctx.json {
            println!("{}", reply.raw_json());
        } else {
            println!("{}", reply.content().unwrap_or_default());
        }
        return Ok(());
    }
    let stream = completions.create_stream(&req)?;
    let mut out = std::io::stdout().lock();
    for chunk in stream {
        let chunk = chunk?;
        // Output errors (a closed pipe) end the command quietly.
        let written = if ctx.json {
            writeln!(out, "{}", chunk.raw_json())
        } else {
            write!(out, "{}", chunk.delta().unwrap_or_default())
        };
        if written.and_then(|()| out.flush()).is_err() {
            return Ok(());
        }
    }
    if !ctx.json {
        let _ = writeln!(out);
    }
    Ok(())
}
