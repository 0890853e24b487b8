//! Test support: a pareta-mock, a `ParetaMcp` over it on an in-process duplex
//! pipe, and an rmcp client on the other end.

#![allow(dead_code, clippy::unwrap_used)]

use pareta_async::AsyncPareta;
use pareta_mcp::{ParetaMcp, Policy};
use pareta_mock::MockServer;
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("pareta-mcp-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Four rows of the mock's `contract-key-fields` task, as JSONL.
pub const CONTRACT_ROWS: &str = concat!(
    r#"{"input": "This Agreement is made between Acme Corp and Globex LLC, effective 2026-01-01.", "expected": {"parties": ["Acme Corp", "Globex LLC"], "effective_date": "2026-01-01"}}"#,
    "\n",
    r#"{"input": "This SOW is entered into by Initech and Umbrella Inc for a term of 12 months.", "expected": {"parties": ["Initech", "Umbrella Inc"], "term_months": 12}}"#,
    "\n\n",
    r#"{"input": "Hooli and Pied Piper agree to the following NDA terms, effective 2024-07-15.", "expected": {"parties": ["Hooli", "Pied Piper"], "effective_date": "2024-07-15"}}"#,
    "\n",
);

/// A running session: the mock, the server's root and the connected client.
pub struct Session {
    pub mock: MockServer,
    pub root: TempDir,
    pub client: RunningService<RoleClient, ()>,
    pub server: ParetaMcp,
}

/// Starts a mock and a server with the policy `make` builds from a read-only
/// policy over a fresh root.
pub async fn session(make: impl FnOnce(Policy) -> Policy) -> Session {
    let mock = MockServer::start();
    let root = TempDir::new("root");
    let policy = make(Policy::read_only(root.path()).unwrap().poll_interval(Duration::from_millis(10)));
    let pa = AsyncPareta::builder().api_key("pareta_sk_test").base_url(mock.base_url()).max_retries(0).build().unwrap();
    let server = ParetaMcp::new(pa, policy);
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    let s = server.clone();
    tokio::spawn(async move {
        if let Ok(running) = s.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = ().serve(client_io).await.unwrap();
    Session { mock, root, client, server }
}

pub fn args(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("arguments must be an object"),
    }
}

impl Session {
    pub async fn call(&self, name: &str, arguments: Value) -> CallToolResult {
        self.client
            .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(args(arguments)))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Calls a tool that must succeed; returns its structured content.
    pub async fn ok(&self, name: &str, arguments: Value) -> Value {
        let r = self.call(name, arguments).await;
        assert_ne!(r.is_error, Some(true), "{name} failed: {}", text(&r));
        r.structured_content.clone().unwrap_or_else(|| panic!("{name}: no structured content"))
    }

    /// Calls a tool that must fail; returns the `error` object of its text.
    pub async fn err(&self, name: &str, arguments: Value) -> Value {
        let r = self.call(name, arguments).await;
        assert_eq!(r.is_error, Some(true), "{name} should have failed: {}", text(&r));
        assert!(r.structured_content.is_none(), "{name}: errors carry no structured content");
        let v: Value = serde_json::from_str(&text(&r)).unwrap();
        v["error"].clone()
    }

    pub async fn tools(&self) -> Vec<Tool> {
        self.client.list_all_tools().await.unwrap()
    }

    /// API requests the mock received (method, path).
    pub fn requests(&self) -> Vec<(String, String)> {
        self.mock.requests().into_iter().map(|r| (r.method, r.path)).collect()
    }
}

pub fn text(r: &CallToolResult) -> String {
    r.content.iter().filter_map(|c| c.as_text()).map(|t| t.text.clone()).collect::<Vec<_>>().join("")
}

/// The tools that spend money or change state.
pub const CHANGING: [&str; 7] =
    ["deploy_endpoint", "start_endpoint", "stop_endpoint", "delete_endpoint", "chat", "create_eval_set", "run_eval"];

/// Every tool the issue asks for, plus `guardrails`.
pub const ALL_TOOLS: [&str; 20] = [
    "match_task",
    "list_tasks",
    "get_task",
    "leaderboard",
    "recommended_model",
    "list_models",
    "list_endpoints",
    "get_endpoint",
    "endpoint_metrics",
    "frontier_models",
    "list_eval_sets",
    "get_eval_run",
    "guardrails",
    "deploy_endpoint",
    "start_endpoint",
    "stop_endpoint",
    "delete_endpoint",
    "chat",
    "create_eval_set",
    "run_eval",
];
