//! The real binary over real stdio, driven by rmcp's child-process client:
//! `pareta-mcp --mock` (the same code as `pareta mcp --mock`).

#![allow(clippy::unwrap_used)]

mod common;

use common::{ALL_TOOLS, CONTRACT_ROWS, TempDir, args};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use std::process::Stdio;
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_pareta-mcp");

async fn spawn(root: &TempDir, flags: &[&str]) -> RunningService<RoleClient, ()> {
    let mut cmd = Command::new(BIN);
    cmd.arg("--mock").arg("--root").arg(root.path()).args(flags);
    // No key in the environment is needed with --mock.
    cmd.env_remove("PARETA_API_KEY").env_remove("PARETA_BASE_URL");
    let (transport, _stderr) = TokioChildProcess::builder(cmd).stderr(Stdio::null()).spawn().unwrap();
    ().serve(transport).await.unwrap()
}

async fn call(c: &RunningService<RoleClient, ()>, name: &str, a: Value) -> CallToolResult {
    c.call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args(a))).await.unwrap()
}

fn error_of(r: &CallToolResult) -> Value {
    assert_eq!(r.is_error, Some(true));
    let v: Value = serde_json::from_str(&common::text(r)).unwrap();
    v["error"].clone()
}

#[tokio::test]
async fn the_binary_serves_the_mock_over_stdio() {
    let root = TempDir::new("stdio");
    root.write("rows.jsonl", CONTRACT_ROWS);
    let c = spawn(&root, &["--allow-spend", "--spend-cap-usd", "0.0004"]).await;

    let info = c.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "pareta");
    assert!(info.instructions.as_deref().unwrap().contains("mock"));
    let tools = c.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), ALL_TOOLS.len());

    let m = call(&c, "match_task", json!({ "query": "triage support tickets" })).await;
    assert_eq!(m.is_error, Some(false));
    assert!(m.structured_content.unwrap()["match"].is_object());

    let set = call(&c, "create_eval_set", json!({ "task_id": "contract-key-fields", "path": "rows.jsonl" })).await;
    assert_eq!(set.is_error, Some(false), "{}", common::text(&set));

    let reply = call(&c, "chat", json!({ "model": "ep_contract_kie", "prompt": "hi" })).await;
    assert_eq!(reply.structured_content.unwrap()["receipt"]["billed_micro_usd"], 420);
    let refused = call(&c, "chat", json!({ "model": "ep_contract_kie", "prompt": "again" })).await;
    assert_eq!(error_of(&refused)["reason"], "spend_cap_reached");

    let outside = call(&c, "create_eval_set", json!({ "task_id": "contract-key-fields", "path": "/etc/passwd" })).await;
    assert_eq!(error_of(&outside)["reason"], "outside_root");

    let g = call(&c, "guardrails", json!({})).await.structured_content.unwrap();
    assert_eq!(g["mock"], true);
    assert_eq!(g["allow_delete"], false);
    assert_eq!(g["spend"]["spent_micro_usd"], 420);
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn the_binary_is_read_only_by_default() {
    let root = TempDir::new("stdio-ro");
    let c = spawn(&root, &[]).await;
    for (name, a) in [
        ("chat", json!({ "model": "ep_contract_kie", "prompt": "hi" })),
        ("deploy_endpoint", json!({ "task_id": "ticket-triage" })),
        ("delete_endpoint", json!({ "endpoint_id": "ep_contract_kie" })),
    ] {
        assert_eq!(error_of(&call(&c, name, a).await)["reason"], "read_only", "{name}");
    }
    let eps = call(&c, "list_endpoints", json!({})).await;
    assert_eq!(eps.is_error, Some(false));
    c.cancel().await.unwrap();
}

#[test]
fn bad_flags_exit_2_before_serving() {
    let root = TempDir::new("flags");
    let missing = root.path().join("missing");
    let cases: [&[&str]; 4] = [
        &["--allow-delete"],
        &["--allow-spend", "--spend-cap-usd", "-1"],
        &["--allow-spend", "--spend-cap-usd", "ten"],
        &["--root", missing.to_str().unwrap()],
    ];
    for flags in cases {
        let out = std::process::Command::new(BIN).arg("--mock").args(flags).stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stdout.is_empty(), "{flags:?} wrote to stdout");
    }
}

#[test]
fn without_a_key_it_says_so_and_exits_1() {
    let out = std::process::Command::new(BIN).env_remove("PARETA_API_KEY").stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PARETA_API_KEY"));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_ca_cert_file_that_cannot_be_read_is_a_usage_error() {
    let out = std::process::Command::new(BIN)
        .args(["--mock", "--ca-cert", "/nonexistent/pareta-ca.pem"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ca-cert / PARETA_CA_CERT /nonexistent/pareta-ca.pem"));
    // A file without a certificate: the client refuses it before serving, also a usage error.
    let dir = std::env::temp_dir().join(format!("pareta-mcp-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let out = std::process::Command::new(BIN)
        .args(["--api-key", "pareta_sk_x", "--ca-cert", not_pem.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no `-----BEGIN CERTIFICATE-----`"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_connection_debug_shows_no_key_and_no_certificate_text() {
    let conn = pareta_mcp::Connection::new()
        .api_key(Some("pareta_sk_secret".into()))
        .root_certificates_pem(Some(b"-----BEGIN CERTIFICATE-----".to_vec()));
    let shown = format!("{conn:?}");
    assert!(!shown.contains("pareta_sk_secret") && shown.contains("<redacted>"), "{shown}");
    assert!(shown.contains("<27 bytes of PEM>") && !shown.contains("BEGIN"), "{shown}");
}
