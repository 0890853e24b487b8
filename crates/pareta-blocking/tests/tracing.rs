//! One span per logical call, one event per attempt, and never the key or a body.
#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Write;
use std::sync::{Arc, Mutex};
use support::{RawServer, Reply};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut line = format!("span {} ", attrs.metadata().name());
        attrs.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = "record ".to_owned();
        values.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = "event ".to_owned();
        event.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn each_attempt_is_an_event_with_route_status_and_request_id() {
    let server = RawServer::script(vec![
        Reply::json(503, r#"{"detail":"cold"}"#).header("retry-after", "0"),
        Reply::json(200, r#"{"choices":[{"message":{"content":"SECRET-BODY"}}]}"#),
    ]);
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), || {
        let pa = support::client(&server.base_url);
        let req = pareta_blocking::types::ChatCompletionRequest::new(
            "ep_1",
            vec![pareta_blocking::types::ChatMessage::user("PROMPT-BODY")],
        );
        pa.chat().completions().create(&req).unwrap();
    });
    let lines = capture.0.lock().unwrap().clone();
    let events: Vec<_> = lines.iter().filter(|l| l.starts_with("event")).collect();
    assert_eq!(lines.iter().filter(|l| l.starts_with("span pareta")).count(), 1, "{lines:#?}");
    assert_eq!(events.len(), 2, "{lines:#?}");
    assert!(events[0].contains("attempt=1") && events[0].contains("status=503") && events[0].contains("req_0"));
    assert!(events[1].contains("attempt=2") && events[1].contains("status=200"));
    assert!(events.iter().all(|e| e.contains("route=\"POST /v1/chat/completions\"") && e.contains("elapsed_ms=")));
    let all = lines.join("\n");
    for secret in ["pareta_sk_test_secret", "SECRET-BODY", "PROMPT-BODY"] {
        assert!(!all.contains(secret), "{secret} leaked into traces: {all}");
    }
}
