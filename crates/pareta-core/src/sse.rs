//! An incremental Server-Sent Events decoder (WHATWG rules), bytes in, events out.
//!
//! Lines end in `\n`, `\r\n` or `\r`, and a chunk boundary may fall anywhere:
//! inside a line, between `\r` and `\n`, inside a UTF-8 character. A leading BOM
//! is skipped, `:` lines are comments, `data:` lines join with `\n`, and an empty
//! line dispatches the event. A partial line is bounded (1 MiB by default): past
//! it the decoder fails instead of growing.
//!
//! One deliberate leniency: at end of input, an event whose lines were all
//! complete but which lacks the final blank line is still dispatched by
//! [`SseDecoder::finish`], because real servers end with `data: [DONE]\n`. An
//! unterminated last line is reported as [`SseError::Incomplete`] instead.
//!
//! ```
//! use pareta_core::sse::SseDecoder;
//! let mut dec = SseDecoder::new();
//! dec.feed(b"event: progress\r\ndata: {\"pct\"");
//! assert!(dec.next_event().is_none()); // not whole yet
//! dec.feed(b": 45}\r\n\r\n");
//! let ev = dec.next_event().unwrap().unwrap();
//! assert_eq!((ev.event.as_deref(), ev.data.as_str()), (Some("progress"), "{\"pct\": 45}"));
//! ```

use bytes::Bytes;
use std::ops::ControlFlow;

/// The input being read: a handed-over [`Bytes`] while there is one, else the
/// decoder's own buffer (a macro, not a method, so that it borrows only those
/// two fields and the event's fields stay free to change).
macro_rules! input {
    ($dec:expr) => {
        match &$dec.shared {
            Some(shared) => &shared[..],
            None => &$dec.buf[..$dec.end],
        }
    };
}

/// Default bound on one line (and on one event's data).
pub const DEFAULT_MAX_LINE: usize = 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The data buffer capacity kept between events (chat chunks are a few hundred bytes).
const KEEP_DATA_CAPACITY: usize = 64 * 1024;

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SseEvent {
    /// The `event:` field, if any (`None` means the default type, `message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last `id:` seen.
    pub id: Option<String>,
}

/// One dispatched event, borrowed from the decoder until its next call: what
/// [`SseDecoder::next_event_ref`] gives, so that a caller that only parses the
/// data (a chat chunk) copies it nowhere on the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SseEventRef<'a> {
    /// The `event:` field, if any (`None` means the default type, `message`).
    pub event: Option<&'a str>,
    /// The `data:` lines joined with `\n`.
    pub data: &'a str,
    /// The last `id:` seen.
    pub id: Option<&'a str>,
}

impl SseEventRef<'_> {
    /// The event as an owned [`SseEvent`].
    pub fn to_event(&self) -> SseEvent {
        SseEvent { event: self.event.map(str::to_owned), data: self.data.to_owned(), id: self.id.map(str::to_owned) }
    }
}

impl<'a> From<&'a SseEvent> for SseEventRef<'a> {
    fn from(ev: &'a SseEvent) -> Self {
        SseEventRef { event: ev.event.as_deref(), data: &ev.data, id: ev.id.as_deref() }
    }
}

/// A malformed or cut stream.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// A line (or an event's data) grew past the limit.
    #[error("an event-stream line exceeded {limit} bytes")]
    LineTooLong {
        /// The limit.
        limit: usize,
    },
    /// The input ended inside a line.
    #[error("the event stream ended in the middle of a line")]
    Incomplete,
}

/// The decoder: [`feed`](Self::feed) bytes, then drain [`next_event`](Self::next_event);
/// or [`feed_with`](Self::feed_with), which hands out each event as it reads it.
#[derive(Debug)]
pub struct SseDecoder {
    /// Input read up to `end`; past it, initialised room (zeroed once, as the
    /// buffer grows, then left as it is) for [`read_with`](Self::read_with) to
    /// read into.
    buf: Vec<u8>,
    /// Input handed over whole ([`feed_bytes_with`](Self::feed_bytes_with)):
    /// while set, it is the input instead of `buf`, read up to `end`.
    shared: Option<Bytes>,
    end: usize,
    pos: usize,
    skip_lf: bool,
    bom_checked: bool,
    fields: Fields,
    max_line: usize,
    failed: bool,
    /// An event was handed out by reference: clear its fields (keeping the
    /// data buffer's capacity) before reading on.
    dispatched: bool,
}

/// The fields of the event being read.
#[derive(Debug, Default)]
struct Fields {
    event: Option<String>,
    data: String,
    has_data: bool,
    id: Option<String>,
}

impl Fields {
    /// Reads one line that is neither blank nor a comment. With `borrow`, the
    /// event's first data line stays where it is, borrowed (copied into `data`
    /// only when a second one comes).
    fn line<'a>(
        &mut self,
        line: &'a [u8],
        max_line: usize,
        borrow: Option<&mut Option<&'a str>>,
    ) -> Result<(), SseError> {
        let (field, value) = match memchr::memchr(b':', line) {
            Some(c) => {
                let v = &line[c + 1..];
                (&line[..c], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if let Some(slot) = borrow {
                    if !self.has_data {
                        if let Ok(text) = std::str::from_utf8(value) {
                            if text.len() > max_line {
                                return Err(SseError::LineTooLong { limit: max_line });
                            }
                            *slot = Some(text);
                            self.has_data = true;
                            return Ok(());
                        }
                    } else if let Some(first) = slot.take() {
                        self.data.push_str(first);
                    }
                }
                // Borrowed for valid UTF-8 (the rule); an invalid byte becomes a
                // 3-byte U+FFFD, so the bound is checked on the text as stored,
                // joining `\n` included.
                let text = utf8_lossy(value);
                if self.data.len() + usize::from(self.has_data) + text.len() > max_line {
                    return Err(SseError::LineTooLong { limit: max_line });
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(&text);
                self.has_data = true;
            }
            b"event" => self.event = Some(utf8_lossy(value).into_owned()),
            b"id" if !value.contains(&0) => self.id = Some(utf8_lossy(value).into_owned()),
            _ => {}
        }
        Ok(())
    }

    /// The event as handed out, its data `borrowed` or in `data`.
    fn event_ref<'a>(&'a self, borrowed: Option<&'a str>) -> SseEventRef<'a> {
        SseEventRef { event: self.event.as_deref(), data: borrowed.unwrap_or(&self.data), id: self.id.as_deref() }
    }

    /// Forgets the event (the last `id` stays, as the rules say).
    fn reset(&mut self) {
        self.event = None;
        self.data.clear();
        self.has_data = false;
        // Reused for the next event, but one large event (up to the 1 MiB
        // bound) is not kept for the rest of a long stream.
        if self.data.capacity() > KEEP_DATA_CAPACITY {
            self.data = String::new();
        }
    }
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder with the default 1 MiB line bound.
    pub fn new() -> Self {
        Self::with_max_line(DEFAULT_MAX_LINE)
    }

    /// A decoder with a custom line bound.
    pub fn with_max_line(max_line: usize) -> Self {
        SseDecoder {
            buf: Vec::new(),
            shared: None,
            end: 0,
            pos: 0,
            skip_lf: false,
            bom_checked: false,
            fields: Fields::default(),
            max_line,
            failed: false,
            dispatched: false,
        }
    }

    /// Adds bytes, split anywhere.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.unshare();
        self.compact();
        self.buf.truncate(self.end);
        self.buf.extend_from_slice(bytes);
        self.end = self.buf.len();
    }

    /// Reads input straight into the decoder's buffer: `read` gets room for up
    /// to `max` bytes and returns how many it wrote, as [`std::io::Read::read`]
    /// does. The same as reading into a buffer of your own and calling
    /// [`feed`](Self::feed), without the copy. Its result is returned as is.
    ///
    /// ```
    /// use pareta_core::sse::SseDecoder;
    /// use std::io::Read;
    /// let mut body: &[u8] = b"data: hi\n\n";
    /// let mut dec = SseDecoder::new();
    /// while dec.read_with(4, |room| body.read(room)).unwrap() > 0 {}
    /// assert_eq!(dec.next_event().unwrap().unwrap().data, "hi");
    /// ```
    pub fn read_with<E>(&mut self, max: usize, read: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<usize, E> {
        self.unshare();
        self.compact();
        let end = self.end;
        if self.buf.len() < end + max {
            self.buf.resize(end + max, 0);
        }
        let n = read(&mut self.buf[end..end + max])?;
        debug_assert!(n <= max, "a reader said it wrote {n} bytes into room for {max}");
        self.end = end + n.min(max);
        Ok(n)
    }

    /// Input that will not be read (a stream already ended) is dropped
    /// instead of kept.
    pub(crate) fn discard_input(&mut self) {
        self.pos = self.end;
        self.unshare();
        self.compact();
    }

    /// Makes `buf` the input again: what is left of a handed-over input (a
    /// partial line, once its events are read) is copied into it.
    #[inline]
    fn unshare(&mut self) {
        if self.shared.is_some() {
            self.copy_shared_rest();
        }
    }

    fn copy_shared_rest(&mut self) {
        if let Some(shared) = self.shared.take() {
            let rest = &shared[self.pos..];
            self.buf.clear();
            self.buf.extend_from_slice(rest);
            self.pos = 0;
            self.end = rest.len();
        }
    }

    /// [`feed`](Self::feed) for bytes handed over whole (what an async HTTP
    /// client yields): kept as they are, not copied, when all earlier input has
    /// been read; when a partial line is pending, it and `bytes` are copied into
    /// the buffer. Kept bytes hold their allocation (for a `Bytes` from an HTTP
    /// client, the read buffer it is a slice of) until the next input replaces them.
    pub fn feed_bytes(&mut self, bytes: Bytes) {
        self.unshare();
        if self.pos < self.end {
            self.feed(&bytes);
        } else {
            self.adopt(bytes);
        }
    }

    /// Takes `bytes` as the input, without a copy, when all earlier input has
    /// been read; else appends them.
    fn adopt(&mut self, bytes: Bytes) {
        self.unshare();
        if bytes.is_empty() {
            return;
        }
        if self.pos < self.end {
            self.feed(&bytes);
            return;
        }
        self.pos = 0;
        self.end = bytes.len();
        self.shared = Some(bytes);
    }

    /// Drops what has been read: all of the buffer once it is consumed, the
    /// consumed part once it is most of it.
    fn compact(&mut self) {
        if self.pos > 0 && self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        } else if self.pos > 4096 && self.pos * 2 > self.end {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
    }

    /// Adds bytes and hands every event they complete to `on_event` as it is
    /// read: the same events, in the same order, as [`feed`](Self::feed) then
    /// [`next_event_ref`](Self::next_event_ref) until `None`, but read in place:
    /// an event whose one data line lies inside `bytes` is copied nowhere (a live
    /// chat stream's every chunk). What an earlier call left unfinished is
    /// completed in the decoder's buffer, up to the first line end of `bytes`; a
    /// line left unfinished at the end, and the bytes not yet read when
    /// `on_event` breaks, are kept there for the next call. A failure is handed
    /// out as an `Err`, once.
    pub fn feed_with<B>(
        &mut self,
        bytes: &[u8],
        on_event: impl FnMut(Result<SseEventRef<'_>, SseError>) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        match self.in_place(bytes, on_event) {
            Ok(flow) => flow,
            Err((b, unread)) => {
                self.feed(&bytes[bytes.len() - unread..]);
                ControlFlow::Break(b)
            }
        }
    }

    /// [`feed_with`](Self::feed_with) over bytes handed over whole: when
    /// `on_event` breaks, the bytes not yet read are kept as
    /// [`feed_bytes`](Self::feed_bytes) keeps them (as they are, unless lines
    /// of earlier input are still unread), for
    /// [`next_event_ref`](Self::next_event_ref) to read.
    pub fn feed_bytes_with<B>(
        &mut self,
        bytes: Bytes,
        on_event: impl FnMut(Result<SseEventRef<'_>, SseError>) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        match self.in_place(&bytes, on_event) {
            Ok(flow) => flow,
            Err((b, unread)) => {
                self.adopt(bytes.slice(bytes.len() - unread..));
                ControlFlow::Break(b)
            }
        }
    }

    /// The reading of [`feed_with`](Self::feed_with); when `on_event` breaks,
    /// `Err` with its value and how many bytes at the end of `bytes` are unread
    /// (they start at a line's start), for the caller to keep.
    fn in_place<B>(
        &mut self,
        bytes: &[u8],
        mut on_event: impl FnMut(Result<SseEventRef<'_>, SseError>) -> ControlFlow<B>,
    ) -> Result<ControlFlow<B>, (B, usize)> {
        self.clear_dispatched();
        self.unshare();
        if self.failed {
            return Ok(ControlFlow::Continue(()));
        }
        let mut rest = bytes;
        // What earlier input left (a partial line, a BOM not yet checked) is
        // finished in the buffer, up to this input's first line end.
        if self.pos < self.end || !self.bom_checked {
            let take = match memchr::memchr2(b'\n', b'\r', rest) {
                Some(i) if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') => i + 2,
                Some(i) => i + 1,
                None => rest.len(),
            };
            self.feed(&rest[..take]);
            rest = &rest[take..];
            while let Some(ev) = self.next_event_ref() {
                if let ControlFlow::Break(b) = on_event(ev) {
                    return Err((b, rest.len()));
                }
            }
            self.clear_dispatched();
            if self.failed || rest.is_empty() {
                return Ok(ControlFlow::Continue(()));
            }
        }
        if self.skip_lf && !rest.is_empty() {
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
            self.skip_lf = false;
        }
        let mut borrowed: Option<&str> = None;
        while let Some(i) = memchr::memchr2(b'\n', b'\r', rest) {
            if i > self.max_line {
                return Ok(on_event(Err(self.fail())));
            }
            let line = &rest[..i];
            let cr = rest[i] == b'\r';
            rest = &rest[i + 1..];
            if cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    None => self.skip_lf = true,
                    Some(_) => {}
                }
            }
            if line.is_empty() {
                if self.fields.has_data {
                    let flow = on_event(Ok(self.fields.event_ref(borrowed.take())));
                    self.fields.reset();
                    if let ControlFlow::Break(b) = flow {
                        return Err((b, rest.len()));
                    }
                } else {
                    self.fields.event = None;
                }
            } else if line[0] != b':'
                && let Err(e) = self.fields.line(line, self.max_line, Some(&mut borrowed))
            {
                self.failed = true;
                return Ok(on_event(Err(e)));
            }
        }
        if let Some(first) = borrowed {
            self.fields.data.push_str(first);
        }
        if rest.len() > self.max_line {
            return Ok(on_event(Err(self.fail())));
        }
        self.feed(rest);
        Ok(ControlFlow::Continue(()))
    }

    /// The next complete event, `None` when more bytes are needed.
    #[must_use]
    pub fn next_event(&mut self) -> Option<Result<SseEvent, SseError>> {
        self.next_event_ref().map(|r| r.map(|ev| ev.to_event()))
    }

    /// [`next_event`](Self::next_event), borrowed: the event's fields stay in
    /// the decoder (whose data buffer is reused from event to event) until the
    /// next call.
    #[must_use]
    pub fn next_event_ref(&mut self) -> Option<Result<SseEventRef<'_>, SseError>> {
        self.clear_dispatched();
        if self.failed {
            return None;
        }
        if !self.bom_checked {
            let rest = &input!(self)[self.pos..];
            if rest.len() < BOM.len() && BOM.starts_with(rest) {
                return None;
            }
            if rest.starts_with(BOM) {
                self.pos += BOM.len();
            }
            self.bom_checked = true;
        }
        loop {
            if self.skip_lf && self.pos < self.end {
                if input!(self)[self.pos] == b'\n' {
                    self.pos += 1;
                }
                self.skip_lf = false;
            }
            let rest = &input!(self)[self.pos..];
            let Some(i) = memchr::memchr2(b'\n', b'\r', rest) else {
                if rest.len() > self.max_line {
                    return Some(Err(self.fail()));
                }
                return None;
            };
            if i > self.max_line {
                return Some(Err(self.fail()));
            }
            let start = self.pos;
            self.skip_lf = rest[i] == b'\r';
            self.pos += i + 1;
            match self.line(start, start + i) {
                Ok(true) => return Some(Ok(self.fields.event_ref(None))),
                Ok(false) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Ends the input. Returns an event left without its final blank line, or
    /// [`SseError::Incomplete`] when the input stopped inside a line. Call after
    /// [`next_event`](Self::next_event) returned `None`.
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseError> {
        self.clear_dispatched();
        if self.failed {
            return Ok(None);
        }
        let rest = &input!(self)[self.pos..];
        if !rest.is_empty() && (self.bom_checked || !BOM.starts_with(rest)) {
            self.pos = self.end;
            self.fields.reset();
            return Err(SseError::Incomplete);
        }
        if !self.dispatch() {
            return Ok(None);
        }
        let ev = self.fields.event_ref(None).to_event();
        self.clear_dispatched();
        Ok(Some(ev))
    }

    fn fail(&mut self) -> SseError {
        self.failed = true;
        SseError::LineTooLong { limit: self.max_line }
    }

    /// Reads one buffered line; `Ok(true)` when it dispatched an event.
    fn line(&mut self, start: usize, end: usize) -> Result<bool, SseError> {
        let line = &input!(self)[start..end];
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line[0] == b':' {
            return Ok(false);
        }
        match self.fields.line(line, self.max_line, None) {
            Ok(()) => Ok(false),
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }

    /// Ends the event at a blank line: `true` when it has data to hand out
    /// (an event without data is dropped, as the WHATWG rules say).
    fn dispatch(&mut self) -> bool {
        if !self.fields.has_data {
            self.fields.event = None;
            return false;
        }
        self.dispatched = true;
        true
    }

    fn clear_dispatched(&mut self) {
        if self.dispatched {
            self.dispatched = false;
            self.fields.reset();
        }
    }
}

/// `value` as text, invalid bytes replaced by U+FFFD. `str::from_utf8` first:
/// it validates valid text (all of it, in practice) several times faster than
/// `String::from_utf8_lossy`'s chunk iterator, which measured 1.3k instructions
/// per 190-byte chat chunk.
fn utf8_lossy(value: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(value) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value),
    }
}

#[cfg(test)]
mod tests;
