//! `pa.evals()`: the frontier roster here; sets and runs in their own files.

mod runs;
mod sets;

use crate::common::*;
use httpmock::MockServer;

#[test]
fn evals_frontier_models_without_and_with_task() {
    let server = MockServer::start();
    let all = server.mock(|when, then| {
        bare_no_query(when, "GET", "/v1/eval/frontier-models");
        ok(
            then,
            r#"{"frontier_models":[{"id":"gpt-4o","vendor":"openai","vision":true},{"id":"gpt-4o-mini","vendor":"openai","vision":null}]}"#,
        );
    });
    let for_task = server.mock(|when, then| {
        bare(when, "GET", "/v1/eval/frontier-models")
            .query_param("task", "contract-key-fields")
            .is_true(|r| r.uri().query() == Some("task=contract-key-fields"));
        ok(
            then,
            r#"{"frontier_models":[{"id":"gpt-4o","vendor":"openai","vision":true,"benchmarked":true},
                                   {"id":"gemini-flash","vendor":"google","vision":true,"benchmarked":false},
                                   {"id":"claude-sonnet","vendor":"anthropic","benchmarked":null}]}"#,
        );
    });
    let pa = client(&server.base_url());
    let roster = pa.evals().frontier_models(None).block().unwrap();
    all.assert();
    let got: Vec<(&str, Option<&str>, bool, bool)> =
        roster.iter().map(|m| (m.id.as_str(), m.vendor.as_deref(), m.vision, m.benchmarked)).collect();
    assert_eq!(got, [("gpt-4o", Some("openai"), true, false), ("gpt-4o-mini", Some("openai"), false, false)]);
    assert_eq!(roster[0].meta().request_id(), Some("req_1"));

    let roster = pa.evals().frontier_models(Some("contract-key-fields")).block().unwrap();
    for_task.assert();
    let benchmarked: Vec<(&str, bool)> = roster.iter().map(|m| (m.id.as_str(), m.benchmarked)).collect();
    assert_eq!(benchmarked, [("gpt-4o", true), ("gemini-flash", false), ("claude-sonnet", false)]);
    assert!(!roster[2].vision, "absent vision reads false");
}
