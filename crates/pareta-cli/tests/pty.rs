//! The `pareta` binary on a pseudo-terminal: progress redraws in place (and
//! does not when piped), colour follows NO_COLOR, and the interactive chat
//! keeps its history, streams, and survives Ctrl-C.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use pareta_mock::{MockConfig, MockServer};
use rexpect::session::{PtySession, spawn_command};
use std::process::Command;
use std::time::Duration;

fn command(mock: &MockServer, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pareta"));
    cmd.args(["--base-url", &mock.base_url(), "--api-key", "pareta_sk_test"])
        .args(args)
        .env_remove("PARETA_API_KEY")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "100");
    cmd
}

fn spawn(cmd: Command) -> PtySession {
    spawn_command(cmd, Some(20_000)).unwrap()
}

fn slow_mock() -> MockServer {
    MockServer::start_with(MockConfig { deploy_step_delay: Duration::from_millis(150), ..MockConfig::default() })
}

/// Redraw: a carriage return or an ANSI cursor move / line erase.
fn redraws(s: &str) -> bool {
    s.contains('\r') || s.contains("\x1b[2K") || s.contains("\x1b[1A") || s.contains("\x1b[1G")
}

/// An SGR colour sequence, e.g. `\x1b[32m`.
fn has_colour(s: &str) -> bool {
    s.match_indices("\x1b[").any(|(i, _)| {
        let rest = &s[i + 2..];
        let code: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == ';').collect();
        rest[code.len()..].starts_with('m') && code.split(';').any(|c| matches!(c.len(), 2) && c.starts_with('3'))
    })
}

#[test]
fn deploy_progress_redraws_on_a_terminal_and_not_when_piped() {
    let mock = slow_mock();
    let mut p = spawn(command(&mock, &["endpoints", "deploy", "ticket-triage", "--name", "on-a-tty"]));
    let screen = p.exp_eof().unwrap();
    assert!(redraws(&screen), "no redraw on a terminal: {screen:?}");
    assert!(screen.contains("pulling weights") || screen.contains("warming up"), "{screen:?}");
    assert!(screen.contains("deployed on-a-tty in "), "{screen:?}");
    assert!(screen.contains("live: on-a-tty"), "{screen:?}");
    assert!(has_colour(&screen), "colour on a terminal without NO_COLOR: {screen:?}");

    let out = command(&mock, &["endpoints", "deploy", "ticket-triage", "--name", "piped"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!redraws(&stderr) && !stderr.contains('\x1b'), "piped output must be plain lines: {stderr:?}");
    assert!(stderr.lines().filter(|l| l.contains('%')).count() >= 3, "{stderr}");
}

#[test]
fn no_color_keeps_the_redraw_and_drops_the_colour() {
    let mock = slow_mock();
    let mut cmd = command(&mock, &["endpoints", "deploy", "ticket-triage"]);
    cmd.env("NO_COLOR", "1");
    let mut p = spawn(cmd);
    let screen = p.exp_eof().unwrap();
    assert!(redraws(&screen), "{screen:?}");
    assert!(!has_colour(&screen), "NO_COLOR: {screen:?}");
}

#[test]
fn an_eval_wait_shows_status_and_elapsed_in_place() {
    let mock = MockServer::start();
    let dir = std::env::temp_dir().join(format!("pareta-pty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rows = dir.join("rows.jsonl");
    std::fs::write(&rows, "{\"input\":\"A and B\"}\n").unwrap();
    let args = ["evals", "run", "--task", "contract-key-fields", "--file", rows.to_str().unwrap()];
    let mut p = spawn(command(&mock, &[&args[..], &["--models", "contract-1", "--wait", "--poll", "0.3"]].concat()));
    let screen = p.exp_eof().unwrap();
    assert!(screen.contains("run run_1: running"), "{screen:?}");
    assert!(screen.contains("s)") && redraws(&screen), "{screen:?}");
    assert!(screen.contains("run run_1 is completed"), "{screen:?}");
}

#[test]
fn interactive_chat_keeps_the_history_streams_and_survives_ctrl_c() {
    let mock = MockServer::start_with(MockConfig { chunk_delay: Duration::from_millis(150), ..MockConfig::default() });
    let mut p = spawn(command(&mock, &["chat", "ep_contract_kie", "--system", "be brief"]));
    p.exp_string("/exit").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("first question").unwrap();
    p.exp_string("echo: first question").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("second one").unwrap();
    p.exp_string("echo: second one").unwrap();
    p.exp_string("> ").unwrap();

    // The second turn carried the whole conversation.
    let chats: Vec<_> = mock.requests().into_iter().filter(|r| r.path == "/v1/chat/completions").collect();
    let body: serde_json::Value = serde_json::from_slice(&chats[1].body).unwrap();
    let turns: Vec<(String, String)> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap().to_owned(), m["content"].as_str().unwrap().to_owned()))
        .collect();
    let want = [
        ("system", "be brief"),
        ("user", "first question"),
        ("assistant", "echo: first question"),
        ("user", "second one"),
    ];
    assert_eq!(turns, want.map(|(r, c)| (r.to_owned(), c.to_owned())));
    assert_eq!(body["stream"], true, "replies stream");

    // Ctrl-C stops a long reply, not the session.
    p.send_line("one two three four five six seven eight nine ten eleven twelve").unwrap();
    p.exp_string("echo: ").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("[stopped]").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("still here?").unwrap();
    p.exp_string("echo: still here?").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("/exit").unwrap();
    p.exp_eof().unwrap();
    let status = format!("{:?}", p.process().wait().unwrap());
    assert!(status.contains("Exited(") && status.ends_with(", 0)"), "{status}");
}

#[test]
fn ctrl_d_at_the_prompt_ends_the_session() {
    let mock = MockServer::start();
    let mut p = spawn(command(&mock, &["chat", "ep_contract_kie"]));
    p.exp_string("> ").unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    let status = format!("{:?}", p.process().wait().unwrap());
    assert!(status.ends_with(", 0)"), "{status}");
}

#[test]
fn a_large_upload_shows_bytes_and_rate_on_a_terminal() {
    let mock = MockServer::start();
    let dir = std::env::temp_dir().join(format!("pareta-pty-up-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rows = dir.join("rows.jsonl");
    std::fs::write(&rows, "{\"expected\":{\"total\":\"1.00\"}}\n").unwrap();
    let out =
        command(&mock, &["evals", "sets", "create", "--task", "invoice-extraction", "--file", rows.to_str().unwrap()])
            .output()
            .unwrap();
    assert!(out.status.success());
    let big = dir.join("scan.pdf");
    std::fs::write(&big, vec![b'%'; 12 * 1024 * 1024]).unwrap();
    let mut p = spawn(command(&mock, &["evals", "sets", "upload", "evset_1", "0", "document", big.to_str().unwrap()]));
    let screen = p.exp_eof().unwrap();
    assert!(screen.contains("uploading scan.pdf"), "{screen:?}");
    assert!(screen.contains("MiB") && screen.contains("/s"), "bytes and rate: {screen:?}");
    assert!(screen.contains("uploaded scan.pdf to row 0 field document"), "{screen:?}");
}
