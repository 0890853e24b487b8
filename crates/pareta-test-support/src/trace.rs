//! A `tracing` subscriber that records every span (with the fields recorded on it
//! later) and every event (with its level and the span it happened in).
//!
//! Install it on the test's thread with [`Capture::install`]; a blocking call, or
//! an async call driven by `block_on` or a current-thread runtime on that thread, is
//! then recorded.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
pub use tracing::Level;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Metadata, Subscriber};

/// Field values as text: strings as they are, everything else by `Debug`.
pub type Fields = BTreeMap<String, String>;

/// One span.
#[derive(Clone, Debug)]
pub struct SpanRec {
    /// The span's id in this capture.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: Level,
    /// The fields given at creation or recorded later.
    pub fields: Fields,
}

/// One event.
#[derive(Clone, Debug)]
pub struct EventRec {
    /// Its level.
    pub level: Level,
    /// The span it was emitted in (the innermost entered one), if any.
    pub span: Option<u64>,
    /// Its fields, `message` included.
    pub fields: Fields,
}

impl EventRec {
    /// The event's message.
    pub fn message(&self) -> Option<&str> {
        self.field("message")
    }

    /// A field's value as text.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct State {
    spans: Vec<SpanRec>,
    events: Vec<EventRec>,
    stack: Vec<u64>,
}

/// The recording subscriber. Clones share one record.
#[derive(Clone, Default)]
pub struct Capture {
    state: Arc<Mutex<State>>,
    next_id: Arc<AtomicU64>,
}

impl Capture {
    /// A new capture, installed as this thread's default subscriber until the guard drops.
    pub fn install() -> (Capture, DefaultGuard) {
        let capture = Capture::default();
        let guard = tracing::subscriber::set_default(capture.clone());
        (capture, guard)
    }

    /// Every span so far.
    pub fn spans(&self) -> Vec<SpanRec> {
        self.state.lock().unwrap().spans.clone()
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<EventRec> {
        self.state.lock().unwrap().events.clone()
    }

    /// Everything recorded, as one text (to search for what must not be there).
    pub fn text(&self) -> String {
        let state = self.state.lock().unwrap();
        format!("{:?}\n{:?}", state.spans, state.events)
    }
}

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Capture {
    // `sometimes`, never a cached `always`/`never`: tests on other threads run
    // with no subscriber, and a callsite first seen there must still reach this
    // thread's capture.
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        let meta = attrs.metadata();
        let span = SpanRec { id, name: meta.name().to_owned(), level: *meta.level(), fields };
        self.state.lock().unwrap().spans.push(span);
        Id::from_u64(id)
    }
    fn record(&self, id: &Id, values: &Record<'_>) {
        let mut state = self.state.lock().unwrap();
        if let Some(span) = state.spans.iter_mut().find(|s| s.id == id.into_u64()) {
            values.record(&mut Visitor(&mut span.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        let mut state = self.state.lock().unwrap();
        let span = state.stack.last().copied();
        state.events.push(EventRec { level: *event.metadata().level(), span, fields });
    }
    fn enter(&self, id: &Id) {
        self.state.lock().unwrap().stack.push(id.into_u64());
    }
    fn exit(&self, id: &Id) {
        let mut state = self.state.lock().unwrap();
        if let Some(i) = state.stack.iter().rposition(|s| *s == id.into_u64()) {
            state.stack.remove(i);
        }
    }
}
