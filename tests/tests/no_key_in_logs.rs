//! The API key is in no log record, at any level, of the SDK or any dependency,
//! once the filter from the guide's tracing page (`docs/tracing.md`) is applied.
//!
//! The test installs a `log` logger and a `tracing` subscriber that keep
//! everything at TRACE, makes calls with both clients against pareta-mock on
//! loopback, and looks for the key in the text of every record and in the bytes
//! of every hex dump joined across rows (ureq-proto logs each request it writes
//! as 16-byte hex rows at TRACE, "NOT REDACTED", so the bearer token is split
//! across two rows).
//!
//! What it proves:
//! - without a filter, the key is only ever in ureq-proto's wire dump (target
//!   `ureq_proto::*`, blocking client); the SDK, reqwest, hyper, rustls and the
//!   rest never log it, and the async client never leaks it at all;
//! - the filter the guide gives, as an env_logger / `RUST_LOG` directive
//!   ([`FILTER`]) and as a `tracing_subscriber::EnvFilter` over the `log` bridge,
//!   keeps every record that has the key out and the SDK's own events in;
//! - the detector works: it finds the key in the unfiltered dump (if ureq-proto
//!   ever stops dumping the request, that assertion says so and the filter
//!   section of the guide can be revisited).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use pareta_mock::MockServer;
use pareta_types::{ChatCompletionRequest, ChatMessage, DeployRequest, EvalSetCreate};
use serde_json::json;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{EnvFilter, Layer};

const KEY: &str = "pareta_sk_LOGSECRET7f3a9c";
/// The part of the key that must never show, even split or partly masked.
const SECRET: &str = "LOGSECRET7f3a9c";
/// The filter the guide's tracing page gives: everything at TRACE except
/// ureq-proto's wire dump. Same text for `RUST_LOG` (env_logger) and `EnvFilter`.
const FILTER: &str = "trace,ureq_proto=off";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// What the `log` logger received, unfiltered.
    Log,
    /// What a `tracing` layer with no filter received (SDK events and, through
    /// the `log` bridge, every `log` record).
    Tracing,
    /// What a `tracing` layer behind `EnvFilter::new(FILTER)` received.
    TracingFiltered,
}

#[derive(Clone, Debug)]
struct Rec {
    via: Via,
    phase: usize,
    target: String,
    level: String,
    text: String,
    /// Whether env_logger's filter built from [`FILTER`] lets this `log` record through.
    log_filter_passes: bool,
}

static RECORDS: Mutex<Vec<Rec>> = Mutex::new(Vec::new());
/// 1 while the blocking client runs, 2 for the async one (0: setup).
static PHASE: AtomicUsize = AtomicUsize::new(0);

fn push(rec: Rec) {
    RECORDS.lock().unwrap_or_else(|e| e.into_inner()).push(rec);
}

struct CaptureLogger {
    filter: env_filter::Filter,
}

impl log::Log for CaptureLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        push(Rec {
            via: Via::Log,
            phase: PHASE.load(Ordering::SeqCst),
            target: record.target().to_owned(),
            level: record.level().to_string(),
            text: record.args().to_string(),
            log_filter_passes: self.filter.matches(record),
        });
        // The `log` -> `tracing` bridge, as `tracing_log::LogTracer` does it.
        let _ = tracing_log::format_trace(record);
    }
    fn flush(&self) {}
}

/// Collects every field of an event or span as text.
struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

struct Capture(Via);

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        use tracing_log::NormalizeEvent;
        let meta = event.normalized_metadata();
        let meta = meta.as_ref().unwrap_or_else(|| event.metadata());
        let mut text = String::new();
        event.record(&mut Fields(&mut text));
        push(Rec {
            via: self.0,
            phase: PHASE.load(Ordering::SeqCst),
            target: meta.target().to_owned(),
            level: meta.level().to_string(),
            text,
            log_filter_passes: true,
        });
    }
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, _: &tracing::span::Id, _: Context<'_, S>) {
        let mut text = format!("span {}", attrs.metadata().name());
        attrs.record(&mut Fields(&mut text));
        push(Rec {
            via: self.0,
            phase: PHASE.load(Ordering::SeqCst),
            target: attrs.metadata().target().to_owned(),
            level: attrs.metadata().level().to_string(),
            text,
            log_filter_passes: true,
        });
    }
    fn on_record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>, _: Context<'_, S>) {
        let mut text = "span record".to_owned();
        values.record(&mut Fields(&mut text));
        push(Rec {
            via: self.0,
            phase: PHASE.load(Ordering::SeqCst),
            target: String::new(),
            level: String::new(),
            text,
            log_filter_passes: true,
        });
    }
}

fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let filter = env_filter::Builder::new().parse(FILTER).build();
        log::set_boxed_logger(Box::new(CaptureLogger { filter })).expect("no other logger");
        log::set_max_level(log::LevelFilter::Trace);
        let subscriber = tracing_subscriber::registry()
            .with(Capture(Via::Tracing))
            .with(Capture(Via::TracingFiltered).with_filter(EnvFilter::new(FILTER)));
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
    });
}

/// One row of ureq-proto's dump: 8 groups of 4 hex digits (`--` past the data),
/// a space, then the 16 bytes as ASCII. Returns the bytes of the row.
fn dump_row(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_start();
    let groups: Vec<&str> = text.get(..40)?.split(' ').take(8).collect();
    if groups.len() != 8 || groups.iter().any(|g| g.len() != 4) {
        return None;
    }
    let mut bytes = Vec::new();
    for g in groups {
        for pair in [&g[..2], &g[2..]] {
            if pair == "--" {
                continue;
            }
            bytes.push(u8::from_str_radix(pair, 16).ok()?);
        }
    }
    Some(bytes)
}

/// The bytes of every hex-dump row in `recs`, joined in order.
fn joined_dump<'a>(recs: impl Iterator<Item = &'a Rec>) -> Vec<u8> {
    recs.filter_map(|r| dump_row(&r.text)).flatten().collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Records whose text has the key (as text or as contiguous hex).
fn leaking<'a>(recs: impl Iterator<Item = &'a Rec>) -> Vec<Rec> {
    recs.filter(|r| r.text.contains(SECRET) || r.text.contains(&hex(SECRET))).cloned().collect()
}

fn chat() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("Extract the parties.")]).max_tokens(16)
}

fn rows() -> Vec<serde_json::Value> {
    vec![json!({"input": "a contract", "expected": {"parties": ["A", "B"]}})]
}

fn blocking_calls(mock: &MockServer) {
    let pa = pareta_blocking::Pareta::builder()
        .api_key(KEY)
        .base_url(mock.base_url())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    assert!(!pa.models().list().unwrap().is_empty());
    pa.chat().completions().create(&chat()).unwrap();
    let chunks: Vec<_> = pa.chat().completions().create_stream(&chat()).unwrap().collect();
    assert!(chunks.iter().all(Result::is_ok));
    pa.endpoints().deploy(&DeployRequest::new("ticket-triage").model("triage-1")).unwrap().wait().unwrap();
    pa.tasks().list().unwrap();
    assert!(pa.endpoints().retrieve("ep_missing").is_err());
    // A retried call: the first attempt gets a 503.
    mock.arm_fault("GET", "/v1/tasks/contract-key-fields", "status=503;times=1;retry-after=0");
    pa.tasks().retrieve("contract-key-fields").unwrap();
    let set = pa.evals().sets().create(&EvalSetCreate::new("contract-key-fields", rows())).unwrap();
    pa.evals().sets().retrieve(&set.id).unwrap();
}

async fn async_calls(mock: &MockServer) {
    let pa = pareta_async::AsyncPareta::builder()
        .api_key(KEY)
        .base_url(mock.base_url())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    assert!(!pa.models().list().await.unwrap().is_empty());
    pa.chat().completions().create(&chat()).await.unwrap();
    let chunks: Vec<_> = pa.chat().completions().create_stream(&chat()).await.unwrap().collect().await;
    assert!(chunks.iter().all(Result::is_ok));
    pa.endpoints().deploy(&DeployRequest::new("ticket-triage").model("triage-1")).await.unwrap().wait().await.unwrap();
    pa.tasks().list().await.unwrap();
    assert!(pa.endpoints().retrieve("ep_missing").await.is_err());
    mock.arm_fault("GET", "/v1/tasks/ticket-triage", "status=503;times=1;retry-after=0");
    pa.tasks().retrieve("ticket-triage").await.unwrap();
    let set = pa.evals().sets().create(&EvalSetCreate::new("contract-key-fields", rows())).await.unwrap();
    pa.evals().sets().retrieve(&set.id).await.unwrap();
}

#[test]
fn the_key_is_in_no_log_record_once_the_guides_filter_is_applied() {
    install();
    let mock = MockServer::start();
    PHASE.store(1, Ordering::SeqCst);
    blocking_calls(&mock);
    PHASE.store(2, Ordering::SeqCst);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async_calls(&mock));
    drop(rt);
    PHASE.store(3, Ordering::SeqCst);
    drop(mock);

    let recs = RECORDS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let of = |via: Via, phase: usize| recs.iter().filter(move |r| r.via == via && r.phase == phase);
    let secret = SECRET.as_bytes();

    // Everything really was captured at TRACE, from the SDK and from the HTTP stacks.
    for phase in [1, 2] {
        assert!(of(Via::Log, phase).any(|r| r.level == "TRACE"), "phase {phase}: no TRACE `log` record");
        for via in [Via::Tracing, Via::TracingFiltered] {
            assert!(
                of(via, phase).any(|r| r.target.starts_with("pareta")),
                "phase {phase}: {via:?} saw none of the SDK's own events"
            );
        }
    }

    // The detector works on the real dump: unfiltered, the blocking client's
    // request rows carry the key split across rows, and the joined bytes show it.
    let raw_dump = joined_dump(of(Via::Log, 1).filter(|r| r.target.starts_with("ureq_proto")));
    assert!(
        contains(&raw_dump, secret),
        "ureq-proto no longer dumps the Authorization header at TRACE: the filter in docs/tracing.md may be unneeded"
    );
    assert!(contains(&raw_dump, format!("Bearer {KEY}\r\n").as_bytes()), "the dump rows were not joined in order");

    // Unfiltered, the key is only ever in ureq-proto's dump.
    for via in [Via::Log, Via::Tracing] {
        let others: Vec<&Rec> = recs.iter().filter(|r| r.via == via && !r.target.starts_with("ureq_proto")).collect();
        let leaks = leaking(others.iter().copied());
        assert!(leaks.is_empty(), "{via:?}: the key outside ureq-proto's dump: {leaks:#?}");
        assert!(!contains(&joined_dump(others.into_iter()), secret), "{via:?}: the key in a non-ureq-proto dump");
    }
    // The async client never leaks it, even with no filter at all.
    for via in [Via::Log, Via::Tracing] {
        assert!(leaking(of(via, 2)).is_empty(), "{via:?}: the async client leaked the key");
        assert!(!contains(&joined_dump(of(via, 2)), secret), "{via:?}: the async client leaked the key in a dump");
    }

    // With the guide's filter, nothing has the key, in text or joined dump bytes.
    let log_filtered: Vec<&Rec> = recs.iter().filter(|r| r.via == Via::Log && r.log_filter_passes).collect();
    let tracing_filtered: Vec<&Rec> = recs.iter().filter(|r| r.via == Via::TracingFiltered).collect();
    for (name, set) in [("RUST_LOG / env_logger", &log_filtered), ("EnvFilter", &tracing_filtered)] {
        let leaks = leaking(set.iter().copied());
        assert!(leaks.is_empty(), "{name} {FILTER:?}: the key got through: {leaks:#?}");
        assert!(!contains(&joined_dump(set.iter().copied()), secret), "{name} {FILTER:?}: the key in a dump");
        assert!(set.iter().all(|r| !r.target.starts_with("ureq_proto")), "{name}: ureq-proto records got through");
        // ... while still keeping TRACE records of everything else.
        assert!(set.iter().any(|r| r.level == "TRACE"), "{name}: the filter dropped all TRACE records");
    }
}

#[test]
fn the_dump_decoder_reads_ureq_proto_rows() {
    // The row format of ureq-proto 0.7 (`util::Row`), including a short last row.
    let row = "4175 7468 6f72 697a 6174 696f 6e3a 2042 Authorization:.B";
    assert_eq!(dump_row(row).unwrap(), b"Authorization: B");
    let short = "6561 7265 720d 0a-- ---- ---- ---- ---- earer...........";
    assert_eq!(dump_row(short).unwrap(), b"earer\r\n");
    assert_eq!(dump_row("pareta attempt failed"), None);
    let recs = [row, short].map(|t| Rec {
        via: Via::Log,
        phase: 0,
        target: "ureq_proto::util".into(),
        level: "TRACE".into(),
        text: t.into(),
        log_filter_passes: false,
    });
    assert!(contains(&joined_dump(recs.iter()), b"Authorization: Bearer\r\n"));
}
