//! One `pareta` span per logical call whose `route` is the route template, one
//! DEBUG `pareta attempt` event per attempt inside it (method, route, attempt,
//! status, request id, elapsed), and never the key or a body.

// Its own test binary: tracing caches callsite interest process-wide, and
// tests running on other threads without a subscriber race with it.
#[path = "all/common.rs"]
#[allow(dead_code, unused_imports, clippy::unwrap_used)]
mod common;

use common::*;
use pareta_async::types::{ChatCompletionRequest, ChatMessage};
use pareta_test_support::SECRET;
use pareta_test_support::raw::{RawServer, Reply};
use pareta_test_support::trace::{Capture, Level};

#[test]
fn each_attempt_is_an_event_with_route_status_and_request_id() {
    let server = RawServer::script(vec![
        Reply::json(503, r#"{"detail":"cold"}"#).header("retry-after", "0"),
        Reply::json(200, r#"{"choices":[{"message":{"content":"SECRET-BODY"}}]}"#),
    ]);
    let (capture, guard) = Capture::install();
    let req = ChatCompletionRequest::new("ep_1", vec![ChatMessage::user("PROMPT-BODY")]);
    client_with(&server.base_url, 2).chat().completions().create(&req).block().unwrap();
    drop(guard);

    let route = "POST /v1/chat/completions";
    let spans: Vec<_> = capture.spans().into_iter().filter(|s| s.name == "pareta").collect();
    assert_eq!(spans.len(), 1, "one span per logical call: {:#?}", capture.spans());
    assert_eq!(spans[0].fields.get("route").map(String::as_str), Some(route), "the span's route: {:#?}", spans[0]);

    let events: Vec<_> = capture.events().into_iter().filter(|e| e.message() == Some("pareta attempt")).collect();
    assert_eq!(events.len(), 2, "one event per attempt: {:#?}", capture.events());
    for (e, (attempt, status, request_id)) in events.iter().zip([("1", "503", "req_0"), ("2", "200", "req_1")]) {
        assert_eq!(e.level, Level::DEBUG);
        assert_eq!(e.span, Some(spans[0].id), "the event is inside the call's span: {e:#?}");
        assert_eq!(e.field("method"), Some("POST"), "{e:#?}");
        assert_eq!(e.field("route"), Some(route), "{e:#?}");
        assert_eq!(e.field("attempt"), Some(attempt), "{e:#?}");
        assert_eq!(e.field("status"), Some(status), "{e:#?}");
        assert!(e.field("request_id").is_some_and(|v| v.contains(request_id)), "{e:#?}");
        assert!(e.field("elapsed_ms").is_some_and(|v| v.parse::<f64>().is_ok()), "{e:#?}");
    }

    let all = capture.text();
    for secret in [SECRET, "SECRET-BODY", "PROMPT-BODY"] {
        assert!(!all.contains(secret), "{secret} leaked into traces: {all}");
    }
}
