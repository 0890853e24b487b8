//! `pareta mcp` is wired in: the subcommand serves MCP over stdio (the server's
//! own end-to-end tests are in crates/pareta-mcp/tests).

#![cfg(feature = "mcp")]
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_pareta");

/// A `pareta` child serving MCP on stdio, past the initialize handshake.
struct Session {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Session {
    /// Starts `pareta ARGS`; returns the session and the `initialize` reply.
    fn start(args: &[&str], key: Option<&str>) -> (Session, Value) {
        let mut cmd = Command::new(BIN);
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        match key {
            Some(key) => cmd.env("PARETA_API_KEY", key),
            None => cmd.env_remove("PARETA_API_KEY"),
        };
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut s = Session { child, stdin, lines };
        s.send(json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "test", "version": "1" } } }));
        let init = s.recv();
        s.send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
        (s, init)
    }
    fn send(&mut self, v: Value) {
        writeln!(self.stdin, "{v}").unwrap();
    }
    fn recv(&mut self) -> Value {
        serde_json::from_str(&self.lines.next().unwrap().unwrap()).unwrap()
    }
    /// Closes stdin (the client goes away) and waits for the server to exit.
    fn finish(self) -> ExitStatus {
        let Session { mut child, stdin, .. } = self;
        drop(stdin);
        child.wait().unwrap()
    }
}

#[test]
fn pareta_mcp_mock_speaks_mcp_on_stdio_and_is_read_only() {
    let (mut s, init) = Session::start(&["--mock", "mcp"], None);
    assert_eq!(init["result"]["serverInfo"]["name"], "pareta", "{init}");
    s.send(json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list" }));
    let tools = s.recv();
    assert_eq!(tools["result"]["tools"].as_array().unwrap().len(), 20, "{tools}");
    s.send(json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/call",
                 "params": { "name": "chat", "arguments": { "model": "ep_contract_kie", "prompt": "hi" } } }));
    let refused = s.recv();
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    assert!(refused["result"]["content"][0]["text"].as_str().unwrap().contains("read_only"));
    s.send(json!({ "jsonrpc": "2.0", "id": 4, "method": "tools/call",
                 "params": { "name": "recommended_model", "arguments": { "task_id": "contract-key-fields" } } }));
    let rec = s.recv();
    assert_eq!(rec["result"]["structuredContent"]["model"], "contract-1", "{rec}");

    let status = s.finish();
    assert!(status.success(), "pareta mcp exited with {status}");
}

#[test]
fn pareta_mcp_flag_errors_are_usage_errors() {
    let out = Command::new(BIN).args(["mcp", "--allow-delete"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN).args(["mcp", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("--allow-spend") && help.contains("--spend-cap-usd") && help.contains("--root"), "{help}");
}

#[test]
fn pareta_mcp_trusts_the_ca_cert_and_refuses_a_file_it_cannot_use() {
    let server = pareta_test_support::tls::serve_json(r#"{"object":"list","data":[{"id":"ep_private"}]}"#);
    let dir = std::env::temp_dir().join(format!("pareta-mcp-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &server.root_pem).unwrap();
    let (mut s, _) = Session::start(
        &["--base-url", &server.base_url, "--ca-cert", ca.to_str().unwrap(), "mcp"],
        Some(pareta_test_support::KEY),
    );
    s.send(
        json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": { "name": "list_models", "arguments": {} } }),
    );
    let listed = s.recv();
    assert_eq!(listed["result"]["isError"], false, "{listed}");
    assert!(listed.to_string().contains("ep_private"), "{listed}");
    assert!(s.finish().success());
    assert_eq!(server.answered(), 1);

    let missing = dir.join("missing.pem");
    let out = Command::new(BIN)
        .args(["--ca-cert", missing.to_str().unwrap(), "mcp"])
        .env("PARETA_API_KEY", pareta_test_support::KEY)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ca-cert"));
}
