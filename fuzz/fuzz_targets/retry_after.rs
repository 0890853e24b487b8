//! Retry-After, `retry-after-ms` and HTTP-date parsing, and the retry decision
//! built on them: never panics, and never asks for more than the 30 s cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pareta_core::retry::{self, AttemptOutcome, RetryDecision};
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Lines are header values: retry-after, retry-after-ms, date (any may be missing).
    let mut lines = text.split('\n');
    let (a, b, c) = (lines.next(), lines.next(), lines.next());
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(v) = a.filter(|v| !v.is_empty()) {
        headers.push(("retry-after", v));
    }
    if let Some(v) = b.filter(|v| !v.is_empty()) {
        headers.push(("Retry-After-Ms", v));
    }
    if let Some(v) = c.filter(|v| !v.is_empty()) {
        headers.push(("date", v));
    }
    let delay = retry::retry_after(&headers);
    let _ = retry::http_date(&text);
    for line in text.lines() {
        let _ = retry::http_date(line);
    }
    let jitter = data.first().map_or(0.0, |b| *b as f64 / 255.0);
    for retries_done in [0u32, 1, 5, 40] {
        let _ = retry::backoff(retries_done);
        let outcome = AttemptOutcome::Status { status: 503, retry_after: delay };
        if let RetryDecision::Retry { after } = retry::decide(3, retries_done, &outcome, jitter) {
            assert!(after <= Duration::from_secs(31), "asked to wait {after:?}");
        }
    }
});
