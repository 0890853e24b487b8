//! The stream decoders and the pump: items, errors and the drain, for any
//! chunking and every way of handing a read over.

use super::*;
use crate::error::TransportErrorKind;

fn drain<D: StreamDecoder>(dec: &mut D, input: &[u8], chunk: usize, eof: bool) -> Vec<Result<D::Item, Error>> {
    let mut out = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        dec.feed(piece);
        while let Some(item) = dec.next_item() {
            out.push(item);
        }
    }
    if eof && !dec.is_finished() {
        dec.end_of_body();
        while let Some(item) = dec.next_item() {
            out.push(item);
        }
    }
    out
}

const CHAT: &[u8] = b"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"The\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\" parties\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

fn texts(items: &[Result<ChatCompletionChunk, Error>]) -> Vec<Option<String>> {
    items.iter().map(|i| i.as_ref().unwrap().delta().map(str::to_owned)).collect()
}

#[test]
fn chat_stream_ends_at_done_for_any_chunking() {
    for size in [1, 2, 7, 64, CHAT.len()] {
        let mut d = ChatStreamDecoder::new(ResponseMeta::default());
        let items = drain(&mut d, CHAT, size, true);
        assert_eq!(texts(&items), vec![None, Some("The".into()), Some(" parties".into())], "chunk {size}");
        assert!(d.is_finished());
    }
    let crlf = String::from_utf8(CHAT.to_vec())
        .unwrap()
        .replace('\n', "\r\n")
        .replace("data: [DONE]", ": ping\r\ndata: [DONE]");
    let mut d = ChatStreamDecoder::new(ResponseMeta::default());
    assert_eq!(drain(&mut d, crlf.as_bytes(), 1, true).len(), 3);
}

#[test]
fn chat_stream_cut_before_done_is_a_truncation_error() {
    let cut = &CHAT[..CHAT.len() - 14];
    let mut d = ChatStreamDecoder::new(ResponseMeta::default());
    let items = drain(&mut d, cut, 5, true);
    assert_eq!(items.len(), 4);
    assert!(matches!(items[3], Err(Error::StreamTruncated { expected: "[DONE]" })));
    assert!(d.is_finished() && d.next_item().is_none());
}

#[test]
fn error_object_mid_stream_is_an_error_item_then_the_end() {
    let input = b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"error\": {\"message\": \"overloaded\", \"type\": \"server_error\"}}\n\ndata: {\"choices\":[]}\n\n";
    let mut d = ChatStreamDecoder::new(ResponseMeta::default());
    let items = drain(&mut d, input, 3, true);
    assert_eq!(items.len(), 2);
    match &items[1] {
        Err(Error::Stream { message, .. }) => assert_eq!(message, "overloaded"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_broken_connection_is_an_error_item() {
    let mut d = ChatStreamDecoder::new(ResponseMeta::default());
    d.feed(&CHAT[..60]);
    while d.next_item().is_some() {}
    d.transport_error(TransportError::new(TransportErrorKind::Io, "reset"));
    assert!(matches!(d.next_item(), Some(Err(Error::Connection(_)))));
    assert!(d.next_item().is_none() && d.is_finished());
}

#[test]
fn usage_chunks_without_choices_are_items() {
    let mut d = ChatStreamDecoder::new(ResponseMeta::default());
    let items = drain(&mut d, b"data: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\ndata: [DONE]\n\n", 4, true);
    assert_eq!(items[0].as_ref().unwrap().usage.as_ref().unwrap().total_tokens, Some(3));
}

const DEPLOY: &[u8] = b"event: progress\ndata: {\"stage\": \"pulling weights\", \"pct\": 45}\n\nevent: progress\ndata: warming up\n\nevent: complete\ndata: {\"endpoint\": {\"name\": \"ep_1\", \"status\": \"live\"}}\n\n";

#[test]
fn deploy_stream_ends_at_complete_with_the_endpoint() {
    for size in [1, 9, DEPLOY.len()] {
        let mut d = DeployStreamDecoder::new(ResponseMeta::default());
        let items = drain(&mut d, DEPLOY, size, true);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_ref().unwrap().pct(), Some(45.0));
        assert_eq!(items[1].as_ref().unwrap().data, serde_json::json!("warming up"));
        assert!(items[2].as_ref().unwrap().is_complete());
        assert_eq!(d.into_endpoint().unwrap().id, "ep_1");
    }
}

#[test]
fn deploy_error_event_and_truncation_are_errors() {
    let mut d = DeployStreamDecoder::new(ResponseMeta::default());
    let items = drain(
        &mut d,
        b"event: progress\ndata: {}\n\nevent: error\ndata: {\"message\": \"out of memory\"}\n\n",
        4,
        true,
    );
    assert!(matches!(&items[1], Err(Error::Deploy { message, .. }) if message == "out of memory"));
    let mut d = DeployStreamDecoder::new(ResponseMeta::default());
    let items = drain(&mut d, b"event: error\ndata: {\"message\": \"oom\", \"code\": 7}\n\n", 3, true);
    let err = items[0].as_ref().unwrap_err();
    assert_eq!(err.deploy_data(), Some(&serde_json::json!({"message": "oom", "code": 7})));
    let mut d = DeployStreamDecoder::new(ResponseMeta::default());
    let items = drain(&mut d, &DEPLOY[..70], 4, true);
    assert!(matches!(items.last(), Some(Err(Error::StreamTruncated { .. }))));
}

#[test]
fn pump_drains_past_the_terminator_then_finishes() {
    let mut pump = Pump::new(ChatStreamDecoder::new(ResponseMeta::default()));
    assert!(matches!(pump.step(), PumpStep::Read));
    pump.on_bytes(b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n");
    assert!(matches!(pump.step(), PumpStep::Item(Ok(_))));
    assert!(matches!(pump.step(), PumpStep::Read));
    assert!(pump.is_draining());
    pump.on_bytes(b"0\r\n\r\n"); // bytes after the terminator are never decoded
    assert!(matches!(pump.step(), PumpStep::Read));
    pump.on_eof();
    assert!(matches!(pump.step(), PumpStep::Finished));
    assert!(matches!(pump.step(), PumpStep::Finished));
}

#[test]
fn pump_drain_is_bounded() {
    let mut pump = Pump::new(ChatStreamDecoder::new(ResponseMeta::default()));
    pump.on_bytes(b"data: [DONE]\n\n");
    let mut reads = 0;
    while let PumpStep::Read = pump.step() {
        pump.on_bytes(&[0; 4096]);
        reads += 1;
    }
    assert_eq!(reads, DRAIN_LIMIT / 4096);
}

#[test]
fn reading_into_the_decoder_gives_what_feeding_gives() {
    for size in [1, 2, 7, 64, CHAT.len()] {
        let mut pump = Pump::new(ChatStreamDecoder::new(ResponseMeta::default()));
        let mut body = CHAT;
        let mut items = Vec::new();
        let mut reads = 0;
        loop {
            match pump.step() {
                PumpStep::Item(item) => items.push(item),
                PumpStep::Read => match pump.read_with(size, |room| std::io::Read::read(&mut body, room)) {
                    Ok(0) => pump.on_eof(),
                    Ok(_) => reads += 1,
                    Err(e) => panic!("{e}"),
                },
                PumpStep::Finished => break,
            }
        }
        assert_eq!(texts(&items), vec![None, Some("The".into()), Some(" parties".into())], "reads of {size}");
        assert_eq!(reads, CHAT.len().div_ceil(size), "reads of {size}");
    }
    // Handed over whole, in pieces of any size, with events past the first
    // four of a piece kept for later: the same items.
    let many: Vec<u8> =
        CHAT[..CHAT.len() - 14].repeat(3).into_iter().chain(b"data: [DONE]\n\n".iter().copied()).collect();
    for size in [1, 2, 7, 64, 200, many.len()] {
        let mut pump = Pump::new(ChatStreamDecoder::new(ResponseMeta::default()));
        let mut items = Vec::new();
        let mut pieces = many.chunks(size);
        loop {
            match pump.step() {
                PumpStep::Item(item) => items.push(item),
                PumpStep::Read => match pieces.next() {
                    Some(p) => pump.on_chunk(bytes::Bytes::copy_from_slice(p)),
                    None => pump.on_eof(),
                },
                PumpStep::Finished => break,
            }
        }
        assert_eq!(
            texts(&items),
            [None, Some("The"), Some(" parties")]
                .repeat(3)
                .into_iter()
                .map(|t| t.map(str::to_owned))
                .collect::<Vec<_>>(),
            "pieces of {size}"
        );
    }
    // The drain past the terminator reads into the decoder too, and is bounded.
    let mut pump = Pump::new(ChatStreamDecoder::new(ResponseMeta::default()));
    pump.on_bytes(b"data: [DONE]\n\n");
    let mut reads = 0;
    while let PumpStep::Read = pump.step() {
        let n = pump.read_with(4096, |room| Ok::<_, std::io::Error>(room.len())).unwrap();
        assert_eq!(n, 4096);
        reads += 1;
    }
    assert_eq!(reads, DRAIN_LIMIT / 4096);
    // A read error is the read's own, handed back.
    let mut pump = Pump::new(ChatStreamDecoder::new(ResponseMeta::default()));
    assert_eq!(pump.read_with(16, |_| Err::<usize, _>("reset")), Err("reset"));
}

#[test]
fn pump_after_a_broken_body_finishes_without_draining() {
    let mut pump = Pump::new(ChatStreamDecoder::new(ResponseMeta::default()));
    pump.on_bytes(b"data: {\"choices\":[{\"delta\":{}}]}\n\n");
    assert!(matches!(pump.step(), PumpStep::Item(Ok(_))));
    pump.on_error(TransportError::new(crate::TransportErrorKind::Io, "reset"));
    assert!(matches!(pump.step(), PumpStep::Item(Err(Error::Connection(_)))));
    assert!(matches!(pump.step(), PumpStep::Finished));
}
