//! The SSE decoder: never panics, stays within its line bound, and gives the
//! same events and errors however the input is cut into chunks, pulled
//! (`feed` + `next_event`), read in place (`feed_with`), or handed over whole
//! (`feed_bytes_with`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pareta_core::sse::{SseDecoder, SseError, SseEvent};
use std::ops::ControlFlow;

#[path = "common.rs"]
mod common;

type Run = (Vec<Result<SseEvent, SseError>>, Result<Option<SseEvent>, SseError>);

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Pull,
    InPlace,
    /// `feed_bytes_with`, breaking after every second event, then pulled.
    Whole,
}

fn run<'a>(pieces: impl Iterator<Item = &'a [u8]>, max_line: usize, way: Way) -> Run {
    let mut dec = SseDecoder::with_max_line(max_line);
    let mut out = Vec::new();
    let mut keep = |ev: Result<SseEvent, SseError>| {
        if let Ok(ev) = &ev {
            assert!(ev.data.len() <= max_line, "event data past the line bound");
        }
        out.push(ev);
    };
    for piece in pieces {
        match way {
            Way::Pull => dec.feed(piece),
            Way::InPlace => {
                let _ = dec.feed_with(piece, |ev| {
                    keep(ev.map(|e| e.to_event()));
                    ControlFlow::<()>::Continue(())
                });
            }
            Way::Whole => {
                let mut seen = 0;
                let _ = dec.feed_bytes_with(bytes::Bytes::copy_from_slice(piece), |ev| {
                    keep(ev.map(|e| e.to_event()));
                    seen += 1;
                    if seen % 2 == 0 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
                });
            }
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
    let whole = run(std::iter::once(payload), max_line, Way::Pull);
    let cut = run(common::chunks(control, payload), max_line, Way::Pull);
    assert_eq!(whole, cut, "chunking changed the decoded events");
    let in_place = run(common::chunks(control, payload), max_line, Way::InPlace);
    assert_eq!(whole, in_place, "feed_with read other events than feed");
    let kept = run(common::chunks(control, payload), max_line, Way::Whole);
    assert_eq!(whole, kept, "feed_bytes_with read other events than feed");
});
