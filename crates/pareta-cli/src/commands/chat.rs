//! `pareta chat`: one prompt, a whole conversation, or an interactive session.

use crate::cli::ChatArgs;
use crate::commands::endpoints::json_params;
use crate::{CliError, CliResult, Ctx};
use pareta_blocking::Error;
use pareta_types::{ChatCompletionRequest, ChatMessage};
use serde_json::Value;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// Request fields that have their own flag or are set by pareta.
const RESERVED: &[&str] = &["model", "messages", "stream"];

/// Runs `pareta chat`.
pub fn run(ctx: &Ctx, a: ChatArgs) -> CliResult {
    let params = json_params(&a.params, RESERVED)?;
    if a.prompt.as_deref() == Some("-") && a.messages.as_deref() == Some("-") {
        return Err(CliError::Usage("the prompt and --messages cannot both read stdin".into()));
    }
    let mut history = Vec::new();
    if let Some(s) = &a.system {
        history.push(ChatMessage::system(s.clone()));
    }
    if let Some(src) = &a.messages {
        history.extend(read_messages(src)?);
    }
    let prompt = match a.prompt.as_deref() {
        Some("-") => Some(read_stdin_prompt()?),
        Some(p) => Some(p.to_owned()),
        None if a.messages.is_some() => None,
        None if std::io::stdin().is_terminal() => return interactive(ctx, &a, history, &params),
        None => Some(read_stdin_prompt()?),
    };
    if let Some(p) = prompt {
        history.push(ChatMessage::user(p));
    }
    if history.is_empty() {
        return Err(CliError::Usage("nothing to send: give a prompt, `-` to read it from stdin, or --messages".into()));
    }
    let req = request(&a, history, &params)?;
    let completions = ctx.pa.chat().completions();
    if a.no_stream {
        let reply = completions.create(&req)?;
        if !ctx.print_json() {
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

fn read_stdin_prompt() -> CliResult<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| CliError::Usage(format!("could not read stdin: {e}")))?;
    let text = text.trim_end_matches(['\n', '\r']).to_owned();
    if text.trim().is_empty() {
        return Err(CliError::Usage("the prompt read from stdin is empty".into()));
    }
    Ok(text)
}

/// Reads a conversation: a JSON array of message objects, or one object per
/// line. Each needs a `role`; other fields (`name`, `tool_call_id`, ...) pass
/// through.
fn read_messages(src: &str) -> CliResult<Vec<ChatMessage>> {
    let (text, origin) = if src == "-" {
        let mut t = String::new();
        std::io::stdin().read_to_string(&mut t).map_err(|e| CliError::Usage(format!("could not read stdin: {e}")))?;
        (t, "<stdin>".to_owned())
    } else {
        let t = std::fs::read_to_string(src).map_err(|e| CliError::Usage(format!("could not read {src}: {e}")))?;
        (t, src.to_owned())
    };
    parse_messages(&text, &origin)
}

/// Parses `text` as a JSON array of messages or as JSONL.
pub fn parse_messages(text: &str, origin: &str) -> CliResult<Vec<ChatMessage>> {
    let values: Vec<(usize, Value)> = if text.trim_start().starts_with('[') {
        let all: Value =
            serde_json::from_str(text).map_err(|e| CliError::Usage(format!("{origin}: not a JSON array: {e}")))?;
        all.as_array().cloned().unwrap_or_default().into_iter().enumerate().map(|(i, v)| (i + 1, v)).collect()
    } else {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v = serde_json::from_str(line)
                .map_err(|e| CliError::Usage(format!("{origin}:{}: not valid JSON: {e}", i + 1)))?;
            out.push((i + 1, v));
        }
        out
    };
    if values.is_empty() {
        return Err(CliError::Usage(format!("{origin}: no messages")));
    }
    values
        .into_iter()
        .map(|(n, v)| {
            if v.get("role").and_then(Value::as_str).is_none() {
                return Err(CliError::Usage(format!(
                    "{origin}: message {n} needs a \"role\" (system, user, assistant, ...)"
                )));
            }
            serde_json::from_value(v).map_err(|e| CliError::Usage(format!("{origin}: message {n}: {e}")))
        })
        .collect()
}

/// The request for `messages`, with the flags and `--param`s applied.
fn request(a: &ChatArgs, messages: Vec<ChatMessage>, params: &[(String, Value)]) -> CliResult<ChatCompletionRequest> {
    let mut req = ChatCompletionRequest::new(a.endpoint.clone(), messages);
    if let Some(t) = a.temperature {
        req = req.temperature(t);
    }
    if let Some(n) = a.max_tokens {
        req = req.max_tokens(n);
    }
    for (k, v) in params {
        // The typed fields, so a `--param` never duplicates a key in the body.
        req = match (k.as_str(), v) {
            ("temperature", v) => req.temperature(
                v.as_f64().ok_or_else(|| CliError::Usage("--param temperature=...: not a number".into()))?,
            ),
            ("max_tokens", v) => req.max_tokens(
                v.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| CliError::Usage("--param max_tokens=...: not a whole number".into()))?,
            ),
            _ => req.extra(k.clone(), v.clone()),
        };
    }
    Ok(req)
}

/// Ctrl-C handling of an interactive session: during a reply it stops the
/// reply; at the prompt it ends the session (exit 130).
struct Interrupts {
    stop_reply: Arc<AtomicBool>,
    at_prompt: Arc<AtomicBool>,
}

impl Interrupts {
    fn install() -> Interrupts {
        let stop_reply = Arc::new(AtomicBool::new(false));
        let at_prompt = Arc::new(AtomicBool::new(true));
        #[cfg(unix)]
        {
            use signal_hook::consts::SIGINT;
            let _ = signal_hook::flag::register_conditional_shutdown(SIGINT, 130, at_prompt.clone());
            let _ = signal_hook::flag::register(SIGINT, stop_reply.clone());
        }
        Interrupts { stop_reply, at_prompt }
    }
}

fn interactive(ctx: &Ctx, a: &ChatArgs, mut history: Vec<ChatMessage>, params: &[(String, Value)]) -> CliResult {
    let base = history.len();
    let ints = Interrupts::install();
    eprintln!(
        "chatting with {}: each line is a turn, the history is kept. /exit or Ctrl-D leaves, /reset forgets, \
         Ctrl-C stops a reply.",
        a.endpoint
    );
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        ints.at_prompt.store(true, Ordering::SeqCst);
        print!("> ");
        let _ = std::io::stdout().flush();
        line.clear();
        let n = stdin.lock().read_line(&mut line).map_err(|e| CliError::Usage(format!("could not read input: {e}")))?;
        ints.at_prompt.store(false, Ordering::SeqCst);
        if n == 0 {
            println!();
            return Ok(());
        }
        let turn = line.trim();
        match turn {
            "" => continue,
            "/exit" | "/quit" => return Ok(()),
            "/reset" => {
                history.truncate(base);
                eprintln!("(history cleared)");
                continue;
            }
            _ => {}
        }
        history.push(ChatMessage::user(turn.to_owned()));
        let req = request(a, history.clone(), params)?;
        ints.stop_reply.store(false, Ordering::SeqCst);
        match reply(ctx, req, a.no_stream, &ints.stop_reply) {
            Ok((text, stopped)) => {
                if stopped {
                    println!(" [stopped]");
                } else {
                    println!();
                }
                history.push(ChatMessage::assistant(text));
            }
            Err(e) => {
                // The session goes on; the turn that failed is dropped from the history.
                history.pop();
                println!();
                eprintln!("error: {e}");
            }
        }
    }
}

/// One reply, streamed to stdout as it arrives. The stream is read on a worker
/// thread so that Ctrl-C stops the reply at once, even while the server is
/// silent; the abandoned stream is dropped, which closes its connection.
/// Returns the text shown and whether Ctrl-C stopped it.
fn reply(ctx: &Ctx, req: ChatCompletionRequest, no_stream: bool, stop: &AtomicBool) -> Result<(String, bool), Error> {
    let (tx, rx) = mpsc::channel::<Result<String, Error>>();
    let pa = ctx.pa.clone();
    std::thread::spawn(move || {
        let completions = pa.chat().completions();
        if no_stream {
            let _ = tx.send(completions.create(&req).map(|r| r.content().unwrap_or_default().to_owned()));
            return;
        }
        match completions.create_stream(&req) {
            Err(e) => {
                let _ = tx.send(Err(e));
            }
            Ok(stream) => {
                for chunk in stream {
                    let item = chunk.map(|c| c.delta().unwrap_or_default().to_owned());
                    let failed = item.is_err();
                    if tx.send(item).is_err() || failed {
                        return;
                    }
                }
            }
        }
    });
    let mut text = String::new();
    let mut out = std::io::stdout();
    loop {
        if stop.swap(false, Ordering::SeqCst) {
            return Ok((text, true));
        }
        match rx.recv_timeout(Duration::from_millis(25)) {
            Ok(Ok(piece)) => {
                let _ = write!(out, "{piece}");
                let _ = out.flush();
                text.push_str(&piece);
            }
            Ok(Err(e)) => return Err(e),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok((text, false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse_as_an_array_or_as_lines() {
        let arr = parse_messages(r#"[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]"#, "f");
        assert_eq!(arr.unwrap().len(), 2);
        let lines = parse_messages(
            "{\"role\":\"user\",\"content\":\"a\"}\n\n{\"role\":\"assistant\",\"content\":\"b\"}\n",
            "f",
        );
        let lines = lines.unwrap();
        assert_eq!(serde_json::to_value(&lines[1]).unwrap()["content"], "b");
        assert!(matches!(parse_messages("[{\"content\":\"x\"}]", "f"), Err(CliError::Usage(m)) if m.contains("role")));
        assert!(matches!(parse_messages("{oops\n", "f"), Err(CliError::Usage(m)) if m.starts_with("f:1:")));
        assert!(matches!(parse_messages("[]", "f"), Err(CliError::Usage(_))));
        let extra = parse_messages(r#"[{"role":"tool","content":"42","tool_call_id":"c1"}]"#, "f").unwrap();
        assert_eq!(serde_json::to_value(&extra[0]).unwrap()["tool_call_id"], "c1");
    }
}
