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
mod tests;
