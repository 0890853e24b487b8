//! The deploy stream decoder over arbitrary bytes: no panic, nothing after an
//! error item or `complete`, the stream always finishes, chunking does not matter,
//! and `into_endpoint` agrees with the items.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pareta_core::stream::{DeployStreamDecoder, StreamDecoder};

#[path = "common.rs"]
mod common;

fn run<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
    let mut dec = DeployStreamDecoder::new(Default::default());
    let mut out = Vec::new();
    let mut last_error = None;
    let mut complete = false;
    let mut drain = |dec: &mut DeployStreamDecoder, out: &mut Vec<String>, last_error: &mut Option<_>| {
        while let Some(item) = dec.next_item() {
            assert!(last_error.is_none() && !complete, "an item after the stream ended");
            match item {
                Ok(ev) => {
                    let _ = (ev.stage(), ev.pct(), ev.endpoint());
                    complete = ev.is_complete() && ev.event == "complete";
                    out.push(format!("ok {} {}", ev.event, ev.data));
                }
                Err(e) => {
                    out.push(format!("err {e}"));
                    *last_error = Some(e);
                }
            }
        }
    };
    for piece in pieces {
        if dec.is_finished() {
            break;
        }
        dec.feed(piece);
        drain(&mut dec, &mut out, &mut last_error);
    }
    if !dec.is_finished() {
        dec.end_of_body();
        drain(&mut dec, &mut out, &mut last_error);
    }
    assert!(dec.is_finished(), "the body ended but the stream is not finished");
    // What `DeployStream::wait` does: the first error item, else the endpoint.
    let outcome = match last_error {
        Some(e) => Err(e),
        None => dec.into_endpoint(),
    };
    match outcome {
        Ok(ep) => {
            let _ = (ep.is_live(), ep.to_value());
            out.push(format!("endpoint {}", ep.raw_json()));
        }
        Err(e) => out.push(format!("wait err {e}")),
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let (control, payload) = common::split_control(data);
    let whole = run(std::iter::once(payload));
    let cut = run(common::chunks(control, payload));
    assert_eq!(whole, cut, "chunking changed the deploy stream");
});
