//! The data that crosses the driver boundary: requests to perform, responses and
//! transport failures fed back, and the [`Flow`] contract.

use crate::error::{Error, TransportError};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece of a request body, written in order.
#[derive(Clone, PartialEq, Eq)]
// Exhaustive on purpose: a driver must know how to send every kind of part, so a
// new kind is a change to the driver contract, not something to skip.
#[allow(clippy::exhaustive_enums)]
pub enum BodyPart {
    /// Bytes in memory (shared, so a retry never copies them).
    Bytes(Arc<[u8]>),
    /// `len` bytes of a file, which the driver streams from disk.
    File {
        /// The file to read.
        path: PathBuf,
        /// How many bytes to send (the file's size when the call was made).
        len: u64,
    },
}

impl BodyPart {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            BodyPart::Bytes(b) => b.len() as u64,
            BodyPart::File { len, .. } => *len,
        }
    }
    /// True for an empty part.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for BodyPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyPart::Bytes(b) => write!(f, "Bytes(<{} bytes>)", b.len()),
            BodyPart::File { path, len } => write!(f, "File({}, {len} bytes)", path.display()),
        }
    }
}

/// A request body as a sequence of parts, so files are streamed and never read
/// whole into memory. A JSON body is one `Bytes` part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    parts: Vec<BodyPart>,
}

impl Body {
    /// No body.
    pub fn empty() -> Self {
        Body::default()
    }
    /// A body of the given bytes.
    pub fn bytes(bytes: impl Into<Arc<[u8]>>) -> Self {
        Body { parts: vec![BodyPart::Bytes(bytes.into())] }
    }
    /// A body made of parts.
    pub fn from_parts(parts: Vec<BodyPart>) -> Self {
        Body { parts }
    }
    /// The parts, in order.
    pub fn parts(&self) -> &[BodyPart] {
        &self.parts
    }
    /// Total length in bytes (the `Content-Length`).
    pub fn len(&self) -> u64 {
        self.parts.iter().map(BodyPart::len).sum()
    }
    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The whole body when it is in memory (one or no `Bytes` part).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self.parts.as_slice() {
            [] => Some(&[]),
            [BodyPart::Bytes(b)] => Some(b),
            _ => None,
        }
    }
    /// True when some part is a file.
    pub fn has_file(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, BodyPart::File { .. }))
    }
}

/// How long the driver may take. Ordinary calls have a total deadline; streams
/// have an idle (per-read) limit instead, so a long generation that keeps sending
/// is never cut off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Time to establish the connection.
    pub connect: Duration,
    /// Deadline for the whole exchange, body included (ordinary calls).
    pub total: Option<Duration>,
    /// Longest wait for any single read (streams).
    pub idle: Option<Duration>,
    /// True when these limits come from per-call options or a deadline: the
    /// driver MUST apply them even on an HTTP client the caller brought (whose
    /// own settings otherwise govern).
    pub override_client: bool,
    /// True when per-call options set `connect`. A driver whose HTTP client
    /// fixes its connect timeout when it is built (reqwest) must then connect
    /// with a client built with this one, or refuse the call before sending.
    pub connect_per_call: bool,
}

/// A request for the driver to perform.
///
/// `Debug` never shows the `Authorization` value.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, ids already percent-encoded.
    ///
    /// The URL and the headers are shared, not copied, between the attempts of
    /// one call: core hands out a clone of its request for every attempt.
    pub url: Arc<str>,
    /// The headers to send, `Content-Length` included (see
    /// [`content_length`](Self::content_length)): built and checked by core, so
    /// a driver copies the map into its request as it is. `Authorization` is
    /// marked sensitive, so `http`'s `Debug` output hides it.
    pub headers: Arc<http::HeaderMap>,
    /// The body.
    pub body: Body,
    /// For a streaming route: on a 2xx status, hand the flow the status and
    /// headers with an empty body and keep the body for the stream; on any other
    /// status read the body whole as usual.
    pub streaming: bool,
    /// Time limits for this request.
    pub timeouts: Timeouts,
    /// The route template, e.g. `GET /v1/tasks/{id}`: for logs and error messages.
    pub route: &'static str,
    /// The most bytes of a response body (not a stream's) the driver MUST read:
    /// collect it with [`BodyCollector`], and past this limit stop, drop the
    /// connection and report [`TransportErrorKind::BodyTooLarge`](crate::TransportErrorKind::BodyTooLarge).
    pub max_body: u64,
    /// 1 for the first attempt of this request, 2 for its first retry, ...
    pub attempt: u32,
}

impl HttpRequest {
    /// The value of a header, if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Content-Length` the driver MUST send, or `None` for none at all.
    ///
    /// A POST or PUT always says how long its body is, even when it is empty
    /// (some proxies answer 411 otherwise); a bodyless GET or DELETE sends no
    /// length, as browsers and the platform's own clients do.
    pub fn content_length(&self) -> Option<u64> {
        let len = self.body.len();
        (len > 0 || matches!(self.method, Method::Post | Method::Put)).then_some(len)
    }

    /// The request with the `Content-Length` header its method and body call
    /// for (the map is not copied: it is still this request's alone).
    pub(crate) fn with_content_length(mut self) -> Self {
        if let Some(len) = self.content_length() {
            Arc::make_mut(&mut self.headers).insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(len));
        }
        self
    }

    /// True when the driver MUST hand this response to the flow with an empty
    /// body and keep the live body for a stream: a 2xx answer to a streaming
    /// request. Any other answer (an error status, or an ordinary route) is read
    /// whole, so the flow can map it to an [`Error`].
    pub fn streams_body(&self, status: u16) -> bool {
        self.streaming && is_success(status)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a http::HeaderMap);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut m = f.debug_map();
                for (n, v) in self.0 {
                    if v.is_sensitive() || n == http::header::AUTHORIZATION {
                        m.entry(&n.as_str(), &"<redacted>");
                    } else {
                        m.entry(&n.as_str(), &String::from_utf8_lossy(v.as_bytes()));
                    }
                }
                m.finish()
            }
        }
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &Headers(&self.headers))
            .field("body", &self.body)
            .field("streaming", &self.streaming)
            .field("timeouts", &self.timeouts)
            .field("attempt", &self.attempt)
            .finish()
    }
}

/// Collects a response body up to a limit, for both drivers: a body whose
/// `Content-Length` is past the limit fails before a byte is read, and one
/// without a length fails as soon as it passes it. Memory stays within the
/// limit plus one read: the bytes are kept as the reads came (no doubling
/// `Vec`) and joined once at the end, or read straight into place when the
/// length is known.
///
/// ```
/// use pareta_core::BodyCollector;
/// let mut body = BodyCollector::new(8, None).unwrap();
/// body.push(b"12345").unwrap();
/// assert!(body.push(b"6789").is_err()); // 9 bytes > 8
/// assert!(BodyCollector::new(8, Some(1 << 30)).is_err()); // refused from the header
/// ```
#[derive(Debug)]
pub struct BodyCollector {
    limit: u64,
    len: u64,
    /// With a known length: one buffer of that capacity. Without: the reads.
    parts: Vec<Vec<u8>>,
}

impl BodyCollector {
    /// A collector for a body of `content_length` bytes, if the response said.
    pub fn new(limit: u64, content_length: Option<u64>) -> Result<Self, TransportError> {
        let mut parts = Vec::new();
        if let Some(len) = content_length {
            if len > limit {
                return Err(too_large(limit));
            }
            parts.push(Vec::with_capacity(usize::try_from(len).unwrap_or(0)));
        }
        Ok(BodyCollector { limit, len: 0, parts })
    }

    /// Adds bytes the driver read; past the limit, an error to report as the
    /// attempt's outcome.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.len += bytes.len() as u64;
        if self.len > self.limit {
            self.parts.clear();
            return Err(too_large(self.limit));
        }
        match self.parts.last_mut() {
            Some(last) if last.capacity() - last.len() >= bytes.len() => last.extend_from_slice(bytes),
            _ => self.parts.push(bytes.to_vec()),
        }
        Ok(())
    }

    /// For a body whose length is known, read with one `read_to_end` (which
    /// fills spare capacity without zeroing a read buffer first): the buffer to
    /// read into, sized from Content-Length, and how many bytes to read at most,
    /// one past the limit, so that a larger body is caught without being held.
    /// Check what was read with [`finish_read`](Self::finish_read). `None`
    /// without a length: a `read_to_end` would then grow its buffer by
    /// doubling, so [`push`](Self::push) the reads instead.
    pub fn read_to_end_buffer(&mut self) -> Option<(Vec<u8>, u64)> {
        self.parts.pop().map(|buf| (buf, self.limit.saturating_add(1)))
    }

    /// The body a `read_to_end` into [`read_to_end_buffer`](Self::read_to_end_buffer)
    /// produced, or the limit's error.
    pub fn finish_read(&self, body: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        if body.len() as u64 > self.limit {
            return Err(too_large(self.limit));
        }
        Ok(body)
    }

    /// The whole body.
    pub fn finish(mut self) -> Vec<u8> {
        if self.parts.len() == 1 {
            return self.parts.pop().unwrap_or_default();
        }
        self.parts.concat()
    }
}

fn too_large(limit: u64) -> TransportError {
    TransportError::new(
        crate::TransportErrorKind::BodyTooLarge,
        format!("the response body is larger than the {limit}-byte limit"),
    )
}

/// Read access to response headers, whatever map type the driver holds.
pub trait HeaderLookup {
    /// The first value of `name` (case-insensitive), if present and valid UTF-8.
    fn header(&self, name: &str) -> Option<&str>;
    /// Calls `f` with every header (name, value) whose value is valid UTF-8, in
    /// order: how an [`ApiError`](crate::ApiError) keeps the headers of the response.
    fn for_each_header(&self, f: &mut dyn FnMut(&str, &str));
    /// The attempts and elapsed milliseconds of the call that got this
    /// response: set by core, never by a driver.
    #[doc(hidden)]
    fn call_info(&self) -> Option<(u32, u128)> {
        None
    }
}

/// The header map both drivers' HTTP libraries (ureq 3, reqwest 0.13) hand
/// over. Values that are not valid UTF-8 are skipped.
impl HeaderLookup for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        // A response has a handful of headers: comparing names is cheaper than
        // `get(&str)`, which parses and hashes the name first (core asks for
        // five or six per call). The map's names are lowercase.
        let value = if self.keys_len() <= 16 {
            self.iter().find(|(k, _)| k.as_str().eq_ignore_ascii_case(name)).map(|(_, v)| v)
        } else {
            self.get(name)
        };
        value.and_then(|v| v.to_str().ok())
    }
    fn for_each_header(&self, f: &mut dyn FnMut(&str, &str)) {
        for (name, value) in self {
            if let Ok(value) = value.to_str() {
                f(name.as_str(), value);
            }
        }
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
    }
    fn for_each_header(&self, f: &mut dyn FnMut(&str, &str)) {
        self.iter().for_each(|(n, v)| f(n.as_ref(), v.as_ref()));
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
    fn for_each_header(&self, f: &mut dyn FnMut(&str, &str)) {
        self.as_slice().for_each_header(f)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderLookup for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
    fn for_each_header(&self, f: &mut dyn FnMut(&str, &str)) {
        self.as_slice().for_each_header(f)
    }
}

/// A response as the driver received it.
#[derive(Clone, Copy)]
// Exhaustive on purpose: drivers build it by literal, and its three fields are
// all of a response that core reads.
#[allow(clippy::exhaustive_structs)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: &'a dyn HeaderLookup,
    /// The whole body (empty for a 2xx answer to a streaming request).
    pub body: &'a [u8],
}

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({}, {} bytes)", self.status, self.body.len())
    }
}

/// What the driver feeds back after performing a [`Output::Send`].
#[derive(Debug)]
// Exhaustive on purpose (as the driver contract): a driver answers with one of
// these, and a new variant would be a new contract.
#[allow(clippy::exhaustive_enums)]
pub enum Input<'a> {
    /// A response arrived (any status).
    Response(Response<'a>),
    /// No response: the connection failed or timed out.
    Transport(TransportError),
}

/// What a flow wants next.
#[must_use = "a flow's output tells the driver what to do next"]
#[derive(Debug)]
// Exhaustive on purpose: a driver must handle every step a flow can ask for;
// a new step is a new driver contract, and should break drivers loudly.
#[allow(clippy::exhaustive_enums)]
pub enum Output<T> {
    /// Perform this request, then call [`Flow::handle`] with its outcome.
    Send(HttpRequest),
    /// Wait about this long, then call [`Flow::poll`] again (early or late is fine).
    Sleep(Duration),
    /// The operation finished. Terminal: do not poll again.
    Done(Result<T, Error>),
}

/// An operation as a state machine: every SDK method is one.
///
/// The contract: start with [`poll`](Flow::poll). Answer each `Send` with exactly
/// one [`handle`](Flow::handle), then `poll` again. After `Sleep(d)`, wait about `d`
/// (an early or late poll is harmless: an early one just gets the remaining sleep)
/// and `poll`. `Done` is terminal. A `poll` while a `Send` is unanswered is a driver
/// bug: the flow reports [`Error::Misuse`] and never emits the request twice.
pub trait Flow {
    /// What the operation returns.
    type Value;
    /// The next step, given the current time.
    fn poll(&mut self, now: Instant) -> Output<Self::Value>;
    /// The outcome of the last `Send`.
    fn handle(&mut self, now: Instant, input: Input<'_>);
}

impl<F: Flow + ?Sized> Flow for Box<F> {
    type Value = F::Value;
    fn poll(&mut self, now: Instant) -> Output<F::Value> {
        (**self).poll(now)
    }
    fn handle(&mut self, now: Instant, input: Input<'_>) {
        (**self).handle(now, input)
    }
}

/// True for a 2xx status.
pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}
