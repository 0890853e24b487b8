//! The decoder against the WHATWG rules, every way of feeding it, and any
//! way of cutting its input.

use super::*;
use proptest::prelude::*;

/// Ends the input and adds what `finish` gives to `out`.
fn finish_into(dec: &mut SseDecoder, mut out: Vec<Result<SseEvent, SseError>>) -> Vec<Result<SseEvent, SseError>> {
    match dec.finish() {
        Ok(Some(ev)) => out.push(Ok(ev)),
        Ok(None) => {}
        Err(e) => out.push(Err(e)),
    }
    out
}

fn all(input: &[u8], splits: &[usize]) -> Vec<Result<SseEvent, SseError>> {
    let mut dec = SseDecoder::new();
    let mut out = Vec::new();
    let mut last = 0;
    for &s in splits.iter().chain(std::iter::once(&input.len())) {
        let s = s.clamp(last, input.len());
        dec.feed(&input[last..s]);
        last = s;
        while let Some(ev) = dec.next_event() {
            out.push(ev);
        }
    }
    finish_into(&mut dec, out)
}

#[derive(Clone, Copy, PartialEq)]
enum Way {
    /// `feed_with` only.
    InPlace,
    /// `feed_with`, and `feed` + pull on every second piece.
    Mixed,
    /// `feed_bytes_with` breaking after each second event, then pull; and
    /// `feed_bytes` + pull on every third piece.
    Whole,
    /// `feed_bytes` and `feed_bytes_with` (breaking at once) for every piece,
    /// pulling only every third time: input handed over while earlier
    /// input is still unread.
    Piled,
}

/// [`all`] through the in-place readers.
fn all_with(input: &[u8], splits: &[usize], way: Way) -> Vec<Result<SseEvent, SseError>> {
    let mut dec = SseDecoder::new();
    let mut out = Vec::new();
    let mut last = 0;
    for (n, &s) in splits.iter().chain(std::iter::once(&input.len())).enumerate() {
        let s = s.clamp(last, input.len());
        let piece = &input[last..s];
        match way {
            Way::Mixed if n % 2 == 1 => dec.feed(piece),
            Way::Whole if n % 3 == 2 => dec.feed_bytes(Bytes::copy_from_slice(piece)),
            Way::Piled if n % 2 == 0 => dec.feed_bytes(Bytes::copy_from_slice(piece)),
            Way::Piled => {
                let _ = dec.feed_bytes_with(Bytes::copy_from_slice(piece), |ev| {
                    out.push(ev.map(|e| e.to_event()));
                    ControlFlow::Break(())
                });
            }
            Way::Whole => {
                let mut seen = 0;
                let _ = dec.feed_bytes_with(Bytes::copy_from_slice(piece), |ev| {
                    out.push(ev.map(|e| e.to_event()));
                    seen += 1;
                    if seen % 2 == 0 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
                });
            }
            _ => {
                let flow = dec.feed_with(piece, |ev| {
                    out.push(ev.map(|e| e.to_event()));
                    ControlFlow::<()>::Continue(())
                });
                assert_eq!(flow, ControlFlow::Continue(()));
            }
        }
        if way != Way::InPlace && (way != Way::Piled || n % 3 == 2) {
            while let Some(ev) = dec.next_event() {
                out.push(ev);
            }
        }
        last = s;
    }
    if way == Way::Piled {
        while let Some(ev) = dec.next_event() {
            out.push(ev);
        }
    }
    assert_eq!(dec.next_event(), None, "an event was left behind");
    finish_into(&mut dec, out)
}

/// [`all`] through `read_with`, each piece read in reads of at most 7 bytes,
/// pulling events after each.
fn all_read(input: &[u8], splits: &[usize]) -> Vec<Result<SseEvent, SseError>> {
    let mut dec = SseDecoder::new();
    let mut out = Vec::new();
    let mut last = 0;
    for &s in splits.iter().chain(std::iter::once(&input.len())) {
        let s = s.clamp(last, input.len());
        let mut piece = &input[last..s];
        while !piece.is_empty() {
            let n = dec.read_with(7, |room| std::io::Read::read(&mut piece, room)).unwrap();
            assert!(n > 0);
            while let Some(ev) = dec.next_event() {
                out.push(ev);
            }
        }
        last = s;
    }
    finish_into(&mut dec, out)
}

/// Every way of feeding gives the events of one whole `feed`.
fn same_every_way(input: &[u8], splits: &[usize]) {
    let whole = all(input, &[]);
    assert_eq!(all_read(input, splits), whole, "read_with, split at {splits:?}");
    assert_eq!(all(input, splits), whole, "feed, split at {splits:?}");
    assert_eq!(all_with(input, splits, Way::InPlace), whole, "feed_with, split at {splits:?}");
    assert_eq!(all_with(input, splits, Way::Mixed), whole, "mixed, split at {splits:?}");
    assert_eq!(all_with(input, splits, Way::Whole), whole, "whole, split at {splits:?}");
    assert_eq!(all_with(input, splits, Way::Piled), whole, "piled, split at {splits:?}");
}

fn data(d: &str) -> SseEvent {
    SseEvent { event: None, data: d.into(), id: None }
}

const SAMPLE: &[u8] = "\u{feff}: hello\r\nevent: progress\r\ndata: {\"stage\": \"pulling\", \"pct\": 45}\r\n\r\ndata: a\ndata: b é ✓\n\n: keep-alive\rdata:no-space\r\rid: 7\ndata: x\n\nevent: complete\ndata: {\"endpoint\": {}}\n\n".as_bytes();

#[test]
fn whatwg_rules() {
    let evs: Vec<_> = all(SAMPLE, &[]).into_iter().map(Result::unwrap).collect();
    assert_eq!(evs.len(), 5);
    assert_eq!(evs[0].event.as_deref(), Some("progress"));
    assert_eq!(evs[0].data, "{\"stage\": \"pulling\", \"pct\": 45}");
    assert_eq!(evs[1], data("a\nb é ✓"));
    assert_eq!(evs[2], data("no-space"));
    assert_eq!(evs[3].id.as_deref(), Some("7"));
    assert_eq!(evs[4].event.as_deref(), Some("complete"));
}

#[test]
fn every_prefix_split_gives_the_same_events() {
    for i in 0..=SAMPLE.len() {
        same_every_way(SAMPLE, &[i]);
    }
    let bytes: Vec<usize> = (0..SAMPLE.len()).collect();
    same_every_way(SAMPLE, &bytes);
}

#[test]
fn feed_with_reads_in_place_and_keeps_what_a_break_left() {
    let mut dec = SseDecoder::new();
    let mut seen = Vec::new();
    let flow = dec.feed_with(b"data: a\n\ndata: b\n\ndata: c\n\ndata: d", |ev| {
        seen.push(ev.unwrap().data.to_owned());
        if seen.len() == 2 { ControlFlow::Break("stop") } else { ControlFlow::Continue(()) }
    });
    assert_eq!((flow, seen), (ControlFlow::Break("stop"), vec!["a".to_owned(), "b".to_owned()]));
    assert_eq!(dec.next_event(), Some(Ok(data("c"))));
    assert_eq!(dec.next_event(), None);
    dec.feed(b"\n\n");
    assert_eq!(dec.next_event(), Some(Ok(data("d"))));
    // Lines past the bound fail once, whether whole or cut.
    for input in
        [&b"data: 0123456789abcdefgh\n\n"[..], &b"data: 0123456789abcdefgh"[..], b"data: 01234567\ndata: 01234567\n\n"]
    {
        let mut dec = SseDecoder::with_max_line(16);
        let mut errors = Vec::new();
        let _ = dec.feed_with(input, |ev| {
            errors.push(ev.map(|e| e.to_event()));
            ControlFlow::<()>::Continue(())
        });
        let _ = dec.feed_with(b"data: x\n\n", |ev| {
            errors.push(ev.map(|e| e.to_event()));
            ControlFlow::<()>::Continue(())
        });
        assert_eq!(errors, vec![Err(SseError::LineTooLong { limit: 16 })], "{input:?}");
    }
}

#[test]
fn end_of_input() {
    assert_eq!(all(b"data: [DONE]\n", &[]), vec![Ok(data("[DONE]"))]);
    assert_eq!(all(b"data: [DONE]", &[]), vec![Err(SseError::Incomplete)]);
    assert_eq!(all(b"data: x\n\n", &[]), vec![Ok(data("x"))]);
    assert_eq!(all(b"", &[]), vec![]);
    assert_eq!(all(b"event: x\n\n", &[]), vec![], "no data, no event");
}

#[test]
fn lines_are_bounded() {
    let mut dec = SseDecoder::with_max_line(16);
    dec.feed(&[b'a'; 40]);
    assert_eq!(dec.next_event(), Some(Err(SseError::LineTooLong { limit: 16 })));
    assert_eq!(dec.next_event(), None);
    let mut dec = SseDecoder::with_max_line(16);
    dec.feed(b"data: 0123456789\ndata: 0123456789\n\n");
    assert_eq!(dec.next_event(), Some(Err(SseError::LineTooLong { limit: 16 })));
}

#[test]
fn event_data_bound_counts_replacement_characters_and_joins() {
    // Found by the sse_decoder fuzz target: 8 invalid bytes are 24 bytes of
    // U+FFFD, and two 8-byte lines join to 17 bytes; both are past 16.
    let mut dec = SseDecoder::with_max_line(16);
    dec.feed(b"data: \xff\xff\xff\xff\xff\xff\xff\xff\n\n");
    assert_eq!(dec.next_event(), Some(Err(SseError::LineTooLong { limit: 16 })));
    let mut dec = SseDecoder::with_max_line(16);
    dec.feed(b"data: 01234567\ndata: 01234567\n\n");
    assert_eq!(dec.next_event(), Some(Err(SseError::LineTooLong { limit: 16 })));
    let mut dec = SseDecoder::with_max_line(16);
    dec.feed(b"data: 0123456\ndata: 01234567\n\n");
    assert_eq!(dec.next_event().map(|r| r.map(|e| e.data.len())), Some(Ok(16)));
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    assert_eq!(all(b"data: \xff\n\n", &[]), vec![Ok(data("\u{fffd}"))]);
}

proptest! {
    #[test]
    fn any_split_gives_the_same_events(splits in proptest::collection::vec(0..SAMPLE.len(), 0..12)) {
        let mut splits = splits;
        splits.sort_unstable();
        same_every_way(SAMPLE, &splits);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_split_invariance_holds(
        input in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b':'), Just(b' '), Just(b'd'), Just(b'a'), Just(b't'), Just(0xE2u8), Just(0x9Cu8), Just(0x93u8), any::<u8>()], 0..200),
        cuts in proptest::collection::vec(0usize..200, 0..5),
    ) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(input.len())).collect();
        cuts.sort_unstable();
        same_every_way(&input, &cuts);
    }
}
