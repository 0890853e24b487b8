//! Typed streams over the SSE decoder: chat chunks and deploy events.
//!
//! A driver owns the response body and moves its bytes in; the decoder says
//! what the caller sees. Every way a stream can end badly is an error item,
//! never a silent end: EOF before the terminator, an `{"error": …}` object, a
//! broken connection, a malformed event. After an error item or the terminator,
//! the stream is finished and the driver drops the body (releasing the connection).

use crate::error::{Error, TransportError};
use crate::sse::{SseDecoder, SseError, SseEventRef};
use bytes::Bytes;
use pareta_types::{ChatCompletionChunk, DeployEvent, Endpoint, ResponseMeta};
use std::collections::VecDeque;
use std::ops::ControlFlow;

/// What a driver needs from a typed stream decoder.
///
/// The driver loop: yield [`next_item`](Self::next_item) while it gives items;
/// when it gives `None`, stop if [`is_finished`](Self::is_finished), else read the
/// body and call [`feed`](Self::feed), [`end_of_body`](Self::end_of_body) (read
/// returned 0) or [`transport_error`](Self::transport_error) (read failed).
pub trait StreamDecoder {
    /// What the stream yields.
    type Item;
    /// Adds body bytes. The items they complete are ready from
    /// [`next_item`](Self::next_item); a decoder may read them at once, in place.
    fn feed(&mut self, bytes: &[u8]);
    /// Reads body bytes with `read` (room for up to `max`; it returns how many
    /// it wrote, as [`std::io::Read::read`] does) and adds them as
    /// [`feed`](Self::feed) would. The decoders of this crate read straight into
    /// their buffer; this default reads into a new one and feeds it.
    fn read_with<E>(&mut self, max: usize, read: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<usize, E> {
        let mut buf = vec![0; max];
        let n = read(&mut buf)?;
        self.feed(&buf[..n.min(max)]);
        Ok(n)
    }
    /// Adds body bytes handed over whole (what an async HTTP client yields), as
    /// [`feed`](Self::feed) would. The decoders of this crate keep what they do
    /// not read at once as it is, without a copy; this default feeds them.
    fn feed_bytes(&mut self, bytes: Bytes) {
        self.feed(&bytes);
    }
    /// The next item, `None` when more bytes are needed or the stream is finished.
    fn next_item(&mut self) -> Option<Result<Self::Item, Error>>;
    /// The body ended.
    fn end_of_body(&mut self);
    /// Reading the body failed.
    fn transport_error(&mut self, error: TransportError);
    /// True once no more items will come (the driver can drop the body).
    fn is_finished(&self) -> bool;
    /// Metadata of the response that carries the stream.
    fn meta(&self) -> &ResponseMeta;
}

/// Items [`Core::feed`] reads at once, in place.
const IN_PLACE_ITEMS: usize = 4;

/// Body bytes as a driver hands them over: borrowed, or whole (kept as they
/// are past the events read at once).
enum Input<'a> {
    Slice(&'a [u8]),
    Whole(Bytes),
}

/// Shared state: the SSE decoder, what it has produced, and the response's metadata.
#[derive(Debug)]
struct Core<T> {
    sse: SseDecoder,
    out: Out<T>,
    meta: ResponseMeta,
}

/// Items ready for the caller and whether the stream is over (apart from the
/// SSE decoder, so that an event borrowed from it can be turned into items).
#[derive(Debug)]
struct Out<T> {
    queue: VecDeque<Result<T, Error>>,
    finished: bool,
}

impl<T> Out<T> {
    fn fail(&mut self, error: Error) {
        if !self.finished {
            self.queue.push_back(Err(error));
            self.finished = true;
        }
    }
}

impl<T> Core<T> {
    fn new(meta: ResponseMeta) -> Self {
        Core { sse: SseDecoder::new(), out: Out { queue: VecDeque::new(), finished: false }, meta }
    }

    /// Reads the first events `bytes` complete into items with `on_event`, in
    /// place (a chunk's text is parsed straight from the body bytes, copied only
    /// into the record that keeps it), and keeps the rest for [`next`](Self::next).
    ///
    /// Only a few are read at once: a read of a live stream holds an event or
    /// two, which then are copied nowhere, while a large read (a stream already
    /// complete on the server) decoded whole would keep a hundred records alive
    /// at once, which costs the allocator more (callgrind: +300 instructions per
    /// chunk, 16 KiB reads) than the copy saves.
    fn feed(
        &mut self,
        bytes: Input<'_>,
        mut on_event: impl FnMut(SseEventRef<'_>, &mut Out<T>, &ResponseMeta) -> Option<Result<T, Error>>,
    ) {
        let (out, meta) = (&mut self.out, &self.meta);
        if out.finished {
            return;
        }
        let each = |ev: Result<SseEventRef<'_>, SseError>| {
            match ev {
                Ok(ev) => {
                    if let Some(item) = on_event(ev, out, meta) {
                        out.queue.push_back(item);
                    }
                }
                Err(e) => out.fail(Error::Protocol(e.to_string())),
            }
            if out.finished || out.queue.len() >= IN_PLACE_ITEMS {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let _ = match bytes {
            Input::Slice(bytes) => self.sse.feed_with(bytes, each),
            Input::Whole(bytes) => self.sse.feed_bytes_with(bytes, each),
        };
    }

    /// Reads body bytes straight into the SSE decoder's buffer; [`next`](Self::next)
    /// decodes them. Once the stream has ended, earlier input is dropped first,
    /// so that reads past the end do not pile up.
    fn read_with<E>(&mut self, max: usize, read: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<usize, E> {
        if self.out.finished {
            self.sse.discard_input();
        }
        self.sse.read_with(max, read)
    }

    /// Drains events into items with `on_event` until one item is ready.
    /// `on_event` returns the event's item, if any (handed straight to the
    /// caller: a chunk is moved once per token, not through the queue), and
    /// queues only an error that ends the stream.
    fn next(
        &mut self,
        mut on_event: impl FnMut(SseEventRef<'_>, &mut Out<T>, &ResponseMeta) -> Option<Result<T, Error>>,
    ) -> Option<Result<T, Error>> {
        loop {
            if let Some(item) = self.out.queue.pop_front() {
                return Some(item);
            }
            if self.out.finished {
                return None;
            }
            match self.sse.next_event_ref()? {
                Ok(ev) => {
                    if let Some(item) = on_event(ev, &mut self.out, &self.meta) {
                        return Some(item);
                    }
                }
                Err(e) => self.out.fail(Error::Protocol(e.to_string())),
            }
        }
    }

    fn end(
        &mut self,
        expected: &'static str,
        mut on_event: impl FnMut(SseEventRef<'_>, &mut Out<T>, &ResponseMeta) -> Option<Result<T, Error>>,
    ) {
        if self.out.finished {
            return;
        }
        match self.sse.finish() {
            Ok(Some(ev)) => {
                if let Some(item) = on_event((&ev).into(), &mut self.out, &self.meta) {
                    self.out.queue.push_back(item);
                }
            }
            Ok(None) | Err(SseError::Incomplete) => {}
            Err(e) => self.out.fail(Error::Protocol(e.to_string())),
        }
        if !self.out.finished {
            self.out.fail(Error::StreamTruncated { expected });
        }
    }

    fn is_finished(&self) -> bool {
        self.out.finished && self.out.queue.is_empty()
    }
}

/// The decoder behind a streamed chat completion: data-only SSE, one JSON chunk
/// per event, ended by `data: [DONE]`.
///
/// ```
/// use pareta_core::stream::{ChatStreamDecoder, StreamDecoder};
/// let mut s = ChatStreamDecoder::new(Default::default());
/// s.feed(b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n");
/// assert_eq!(s.next_item().unwrap().unwrap().delta(), Some("Hi"));
/// assert!(s.next_item().is_none() && s.is_finished());
/// ```
#[derive(Debug)]
pub struct ChatStreamDecoder {
    core: Core<ChatCompletionChunk>,
}

impl ChatStreamDecoder {
    /// A decoder for a response with these headers' metadata.
    pub fn new(meta: ResponseMeta) -> Self {
        ChatStreamDecoder { core: Core::new(meta) }
    }

    fn on_event(
        ev: SseEventRef<'_>,
        out: &mut Out<ChatCompletionChunk>,
        _meta: &ResponseMeta,
    ) -> Option<Result<ChatCompletionChunk, Error>> {
        if ev.data == "[DONE]" {
            out.finished = true;
            return None;
        }
        // Parsed from the decoder's buffer: the chunk's one allocation is the
        // copy of its text it keeps.
        match ChatCompletionChunk::from_json(ev.data) {
            Ok(chunk) if chunk.choices.is_empty() => match stream_error(chunk.raw_json()) {
                Some(err) => out.fail(err),
                None => return Some(Ok(chunk)),
            },
            Ok(chunk) => return Some(Ok(chunk)),
            Err(e) => out.fail(Error::Protocol(format!("a chat chunk was not valid JSON: {e}"))),
        }
        None
    }
}

/// An `{"error": …}` object sent inside a stream, as an error.
fn stream_error(json: &str) -> Option<Error> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let err = v.get("error")?;
    let message = match err {
        serde_json::Value::String(s) => s.clone(),
        other => other.get("message").and_then(|m| m.as_str()).map(str::to_owned).unwrap_or_else(|| other.to_string()),
    };
    Some(Error::Stream { message, raw: err.to_string() })
}

impl StreamDecoder for ChatStreamDecoder {
    type Item = ChatCompletionChunk;
    fn feed(&mut self, bytes: &[u8]) {
        self.core.feed(Input::Slice(bytes), Self::on_event);
    }
    fn feed_bytes(&mut self, bytes: Bytes) {
        self.core.feed(Input::Whole(bytes), Self::on_event);
    }
    fn read_with<E>(&mut self, max: usize, read: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<usize, E> {
        self.core.read_with(max, read)
    }
    fn next_item(&mut self) -> Option<Result<ChatCompletionChunk, Error>> {
        self.core.next(Self::on_event)
    }
    fn end_of_body(&mut self) {
        self.core.end("[DONE]", Self::on_event);
    }
    fn transport_error(&mut self, error: TransportError) {
        self.core.out.fail(error.into());
    }
    fn is_finished(&self) -> bool {
        self.core.is_finished()
    }
    fn meta(&self) -> &ResponseMeta {
        &self.core.meta
    }
}

/// The decoder behind a deploy: named events, ended by `complete` (the live
/// endpoint) or `error` (an [`Error::Deploy`] item).
#[derive(Debug)]
pub struct DeployStreamDecoder {
    core: Core<DeployEvent>,
    endpoint: Option<Endpoint>,
}

impl DeployStreamDecoder {
    /// A decoder for a response with these headers' metadata.
    pub fn new(meta: ResponseMeta) -> Self {
        DeployStreamDecoder { core: Core::new(meta), endpoint: None }
    }

    /// The endpoint of the `complete` event, once it has been yielded.
    pub fn take_endpoint(&mut self) -> Option<Endpoint> {
        self.endpoint.take()
    }

    fn on_event(
        ev: SseEventRef<'_>,
        out: &mut Out<DeployEvent>,
        meta: &ResponseMeta,
        endpoint: &mut Option<Endpoint>,
    ) -> Option<Result<DeployEvent, Error>> {
        let data = serde_json::from_str(ev.data).unwrap_or_else(|_| serde_json::Value::String(ev.data.to_owned()));
        let event = DeployEvent { event: ev.event.unwrap_or("message").into(), data };
        match event.event.as_str() {
            "error" => {
                let message = match &event.data {
                    serde_json::Value::String(s) => s.clone(),
                    v => v.get("message").and_then(|m| m.as_str()).map(str::to_owned).unwrap_or_else(|| v.to_string()),
                };
                out.fail(Error::Deploy { message, data: event.data });
                None
            }
            "complete" => match event.endpoint() {
                Some(ep) => {
                    *endpoint = Some(ep.with_meta(meta.clone()));
                    out.finished = true;
                    Some(Ok(event))
                }
                None => {
                    out.fail(Error::Protocol("the deploy `complete` event carried no endpoint record".into()));
                    None
                }
            },
            _ => Some(Ok(event)),
        }
    }

    /// The live endpoint, once the stream has been read to its end: the
    /// `complete` event's record, else the error that ended the stream.
    /// `DeployStream::wait` in both clients reads every item, stops at the
    /// first error, then calls this.
    pub fn into_endpoint(mut self) -> Result<Endpoint, Error> {
        self.take_endpoint().ok_or(Error::StreamTruncated { expected: "the deploy's complete event" })
    }
}

impl StreamDecoder for DeployStreamDecoder {
    type Item = DeployEvent;
    fn feed(&mut self, bytes: &[u8]) {
        let endpoint = &mut self.endpoint;
        self.core.feed(Input::Slice(bytes), |ev, out, meta| Self::on_event(ev, out, meta, endpoint));
    }
    fn feed_bytes(&mut self, bytes: Bytes) {
        let endpoint = &mut self.endpoint;
        self.core.feed(Input::Whole(bytes), |ev, out, meta| Self::on_event(ev, out, meta, endpoint));
    }
    fn read_with<E>(&mut self, max: usize, read: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<usize, E> {
        self.core.read_with(max, read)
    }
    fn next_item(&mut self) -> Option<Result<DeployEvent, Error>> {
        let endpoint = &mut self.endpoint;
        self.core.next(|ev, out, meta| Self::on_event(ev, out, meta, endpoint))
    }
    fn end_of_body(&mut self) {
        let endpoint = &mut self.endpoint;
        self.core.end("the deploy's complete event", |ev, out, meta| Self::on_event(ev, out, meta, endpoint));
    }
    fn transport_error(&mut self, error: TransportError) {
        self.core.out.fail(error.into());
    }
    fn is_finished(&self) -> bool {
        self.core.is_finished()
    }
    fn meta(&self) -> &ResponseMeta {
        &self.core.meta
    }
}

/// At most this many bytes are read past a stream's terminator so the driver's
/// HTTP client can return the connection to its pool (the chunked-encoding
/// trailer is 5 bytes; anything past this bound is not worth waiting for).
pub const DRAIN_LIMIT: usize = 64 * 1024;

/// What a driver does next for a stream it holds the live body of.
#[derive(Debug)]
#[must_use = "the step tells the driver what to do next"]
// Exhaustive on purpose: a driver handles every step, and a new one would change
// the driver contract.
#[allow(clippy::exhaustive_enums)]
pub enum PumpStep<T> {
    /// Give this item to the caller.
    Item(Result<T, Error>),
    /// Read the body once and report it with [`Pump::on_bytes`],
    /// [`Pump::on_eof`] or [`Pump::on_error`]. While [`Pump::is_draining`],
    /// a driver that can tell nothing is available right now MAY call
    /// [`Pump::on_eof`] instead of waiting.
    Read,
    /// The stream is over: drop the body (which releases or pools the
    /// connection) and tell the caller there are no more items.
    Finished,
}

/// The one pull loop behind both clients' streams: decodes what the driver
/// reads, yields items, and after the terminator drains up to
/// [`DRAIN_LIMIT`] bytes so the connection can be pooled.
///
/// ```
/// use pareta_core::stream::{ChatStreamDecoder, Pump, PumpStep};
/// let mut pump = Pump::new(ChatStreamDecoder::new(Default::default()));
/// assert!(matches!(pump.step(), PumpStep::Read));
/// pump.on_bytes(b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n");
/// assert!(matches!(pump.step(), PumpStep::Item(Ok(_))));
/// assert!(matches!(pump.step(), PumpStep::Read)); // draining the trailer
/// pump.on_eof();
/// assert!(matches!(pump.step(), PumpStep::Finished));
/// ```
#[derive(Debug)]
pub struct Pump<D> {
    dec: D,
    /// Bytes still allowed past the terminator, once it has been seen.
    drain_left: Option<usize>,
    /// The body ended or failed: nothing more to read.
    body_done: bool,
}

impl<D: StreamDecoder> Pump<D> {
    /// A pump over a decoder whose response just arrived.
    pub fn new(dec: D) -> Self {
        Pump { dec, drain_left: None, body_done: false }
    }

    /// The next thing to do.
    pub fn step(&mut self) -> PumpStep<D::Item> {
        if self.drain_left.is_none() {
            if let Some(item) = self.dec.next_item() {
                return PumpStep::Item(item);
            }
            if !self.dec.is_finished() {
                if self.body_done {
                    // Unreachable with a well-behaved decoder: end_of_body always
                    // finishes it. Finish rather than ask for reads forever.
                    return PumpStep::Finished;
                }
                return PumpStep::Read;
            }
            self.drain_left = Some(DRAIN_LIMIT);
        }
        match self.drain_left {
            Some(left) if left > 0 && !self.body_done => PumpStep::Read,
            _ => PumpStep::Finished,
        }
    }

    /// Bytes the driver read.
    pub fn on_bytes(&mut self, bytes: &[u8]) {
        match &mut self.drain_left {
            Some(left) => *left = left.saturating_sub(bytes.len().max(1)),
            None => self.dec.feed(bytes),
        }
    }

    /// Bytes the driver read, handed over whole (see
    /// [`StreamDecoder::feed_bytes`]): [`on_bytes`](Self::on_bytes) without the copy.
    pub fn on_chunk(&mut self, bytes: Bytes) {
        match &mut self.drain_left {
            Some(left) => *left = left.saturating_sub(bytes.len().max(1)),
            None => self.dec.feed_bytes(bytes),
        }
    }

    /// Reads body bytes with `read` straight into the decoder (room for up to
    /// `max`; see [`StreamDecoder::read_with`]) and accounts for them as
    /// [`on_bytes`](Self::on_bytes) does, without the copy. Returns what `read`
    /// returned: on `Ok(0)` call [`on_eof`](Self::on_eof), on an error
    /// [`on_error`](Self::on_error).
    pub fn read_with<E>(&mut self, max: usize, read: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<usize, E> {
        match &mut self.drain_left {
            // Past the terminator the bytes are only counted, never decoded.
            Some(left) => {
                let mut scratch = [0; 8 * 1024];
                let n = read(&mut scratch[..max.min(8 * 1024)])?;
                *left = left.saturating_sub(n.max(1));
                Ok(n)
            }
            None => self.dec.read_with(max, read),
        }
    }

    /// The body ended (a read returned 0 bytes).
    pub fn on_eof(&mut self) {
        self.body_done = true;
        if self.drain_left.is_none() {
            self.dec.end_of_body();
        }
    }

    /// A read failed; after the terminator this only ends the drain.
    pub fn on_error(&mut self, error: TransportError) {
        self.body_done = true;
        if self.drain_left.is_none() {
            self.dec.transport_error(error);
        }
    }

    /// True once the terminator has been seen and only the drain is left.
    pub fn is_draining(&self) -> bool {
        self.drain_left.is_some()
    }

    /// The decoder (for `meta()` and `is_finished()`).
    pub fn decoder(&self) -> &D {
        &self.dec
    }

    /// The decoder, consuming the pump.
    pub fn into_decoder(self) -> D {
        self.dec
    }
}

#[cfg(test)]
mod tests {
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
        let items =
            drain(&mut d, b"data: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\ndata: [DONE]\n\n", 4, true);
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
}
