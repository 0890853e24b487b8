//! Bodies and files the two suites share.

use std::path::PathBuf;

/// A chat stream: a role delta, two content deltas (the last with a finish
/// reason), `[DONE]`.
pub const CHAT_SSE: &[u8] = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"The\"}}]}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" parties\"},\"finish_reason\":\"stop\"}]}\n\n\
data: [DONE]\n\n";

/// A deploy stream: two progress events, then `complete` with the endpoint.
pub const DEPLOY_SSE: &str = concat!(
    "event: progress\ndata: {\"stage\":\"provisioning\",\"pct\":10}\n\n",
    "event: progress\ndata: {\"stage\":\"loading\",\"pct\":62.5}\n\n",
    "event: complete\ndata: {\"endpoint\":{\"id\":\"ep_new\",\"name\":\"kie\",\"model\":\"contract-1\",",
    "\"status\":\"live\",\"taskName\":\"contract-key-fields\",\"url\":\"https://api.pareta.ai/v1\"}}\n\n",
);

/// One chat chunk event with this delta text.
pub fn chat_event(text: &str) -> String {
    format!("data: {}\n\n", serde_json::json!({"choices": [{"index": 0, "delta": {"content": text}}]}))
}

/// Byte `i` of [`pattern`].
pub fn byte_at(i: usize) -> u8 {
    (i % 251) as u8
}

/// Deterministic, non-repeating-looking content of `len` bytes.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(byte_at).collect()
}

/// A fresh directory under the system temp dir for one test's files
/// (`suite` keeps the two clients' suites apart).
pub fn temp_dir(suite: &str, test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pareta-{suite}-tests-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
