//! The chat stream decoder over arbitrary bytes: no panic, nothing after an error
//! item, an end of body always finishes the stream, and chunking does not change
//! what is yielded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pareta_core::stream::{ChatStreamDecoder, StreamDecoder};
use pareta_core::{TransportError, TransportErrorKind};

#[path = "common.rs"]
mod common;

fn run<'a>(pieces: impl Iterator<Item = &'a [u8]>, cut_with_error: bool) -> Vec<String> {
    let mut dec = ChatStreamDecoder::new(Default::default());
    let mut out = Vec::new();
    let mut failed = false;
    let mut drain = |dec: &mut ChatStreamDecoder, out: &mut Vec<String>| {
        while let Some(item) = dec.next_item() {
            assert!(!failed, "an item after an error item");
            match item {
                Ok(chunk) => {
                    let _ = (chunk.delta(), chunk.finish_reason(), chunk.to_value());
                    out.push(format!("ok {}", chunk.raw_json()));
                }
                Err(e) => {
                    failed = true;
                    out.push(format!("err {e}"));
                }
            }
        }
    };
    for piece in pieces {
        if dec.is_finished() {
            break;
        }
        dec.feed(piece);
        drain(&mut dec, &mut out);
    }
    if !dec.is_finished() {
        if cut_with_error {
            dec.transport_error(TransportError::new(TransportErrorKind::Io, "reset"));
        } else {
            dec.end_of_body();
        }
        drain(&mut dec, &mut out);
    }
    assert!(dec.is_finished(), "the body ended but the stream is not finished");
    assert!(dec.next_item().is_none());
    out
}

fuzz_target!(|data: &[u8]| {
    let (control, payload) = common::split_control(data);
    let whole = run(std::iter::once(payload), false);
    let cut = run(common::chunks(control, payload), false);
    assert_eq!(whole, cut, "chunking changed the chat stream");
    let _ = run(common::chunks(control, payload), true);
});
