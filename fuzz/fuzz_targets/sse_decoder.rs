//! The SSE decoder: never panics, stays within its line bound, and gives the
//! same events and errors however the input is cut into chunks, pulled
//! (`feed` + `next_event`) or read in place (`feed_with`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pareta_core::sse::{SseDecoder, SseError, SseEvent};
use std::ops::ControlFlow;

#[path = "common.rs"]
mod common;

type Run = (Vec<Result<SseEvent, SseError>>, Result<Option<SseEvent>, SseError>);

fn run<'a>(pieces: impl Iterator<Item = &'a [u8]>, max_line: usize, in_place: bool) -> Run {
    let mut dec = SseDecoder::with_max_line(max_line);
    let mut out = Vec::new();
    let mut keep = |ev: Result<SseEvent, SseError>| {
        if let Ok(ev) = &ev {
            assert!(ev.data.len() <= max_line, "event data past the line bound");
        }
        out.push(ev);
    };
    for piece in pieces {
        if in_place {
            let _ = dec.feed_with(piece, |ev| {
                keep(ev.map(|e| e.to_event()));
                ControlFlow::<()>::Continue(())
            });
        } else {
            dec.feed(piece);
        }
        while let Some(ev) = dec.next_event() {
            keep(ev);
        }
    }
    (out, dec.finish())
}

fuzz_target!(|data: &[u8]| {
    let (control, payload) = common::split_control(data);
    // A small bound half the time, so the limit paths are reached.
    let max_line = match control.first() {
        Some(b) if b & 1 == 1 => (*b as usize) * 4,
        _ => pareta_core::sse::DEFAULT_MAX_LINE,
    };
    let whole = run(std::iter::once(payload), max_line, false);
    let cut = run(common::chunks(control, payload), max_line, false);
    assert_eq!(whole, cut, "chunking changed the decoded events");
    let in_place = run(common::chunks(control, payload), max_line, true);
    assert_eq!(whole, in_place, "feed_with read other events than feed");
});
