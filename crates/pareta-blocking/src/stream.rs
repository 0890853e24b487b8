//! Streams as iterators that pull from the response body when asked.

use crate::driver::{LiveBody, read_error};
use pareta_core::Error;
use pareta_core::stream::{ChatStreamDecoder, DeployStreamDecoder, StreamDecoder};
use pareta_types::{ChatCompletionChunk, DeployEvent, Endpoint, ResponseMeta};
use std::io::Read;

const READ_BUF: usize = 16 * 1024;
/// At most this much is read past a stream's terminator to free its connection.
const DRAIN_LIMIT: usize = 64 * 1024;

/// Pulls bytes only when the caller asks for the next item; drops the body (and
/// with it the connection) as soon as the stream is finished or dropped.
struct Pull<D> {
    dec: D,
    body: Option<LiveBody>,
    buf: Vec<u8>,
}

impl<D: StreamDecoder> Pull<D> {
    fn new(dec: D, body: Option<LiveBody>) -> Self {
        let mut dec = dec;
        if body.is_none() {
            dec.end_of_body();
        }
        Pull { dec, body, buf: vec![0; READ_BUF] }
    }

    fn next(&mut self) -> Option<Result<D::Item, Error>> {
        loop {
            if let Some(item) = self.dec.next_item() {
                return Some(item);
            }
            if self.dec.is_finished() {
                // Read the few bytes after the terminator (the chunked-encoding
                // trailer) so ureq can pool the connection; bounded.
                if let Some(mut body) = self.body.take() {
                    let mut left = DRAIN_LIMIT;
                    while let Ok(n @ 1..) = body.read(&mut self.buf) {
                        left = left.saturating_sub(n);
                        if left == 0 {
                            break;
                        }
                    }
                }
                return None;
            }
            let Some(body) = &mut self.body else {
                self.dec.end_of_body();
                continue;
            };
            match body.read(&mut self.buf) {
                Ok(0) => {
                    self.body = None;
                    self.dec.end_of_body();
                }
                Ok(n) => self.dec.feed(&self.buf[..n]),
                Err(e) => {
                    self.body = None;
                    self.dec.transport_error(read_error(e));
                }
            }
        }
    }
}

/// A streamed chat completion: an iterator of chunks, each yielded as soon as its
/// bytes arrive. A cut stream, a mid-stream error object or a dropped connection
/// is an `Err` item, after which the iterator ends. Dropping it closes the connection.
pub struct ChatStream {
    pull: Pull<ChatStreamDecoder>,
}

impl ChatStream {
    pub(crate) fn new(dec: ChatStreamDecoder, body: Option<LiveBody>) -> Self {
        ChatStream { pull: Pull::new(dec, body) }
    }
    /// Metadata of the response (request id, billing headers).
    pub fn meta(&self) -> &ResponseMeta {
        self.pull.dec.meta()
    }
    /// Reads the rest of the stream and returns the whole text.
    pub fn collect_text(self) -> Result<String, Error> {
        let mut text = String::new();
        for chunk in self {
            text.push_str(chunk?.delta().unwrap_or_default());
        }
        Ok(text)
    }
}

impl Iterator for ChatStream {
    type Item = Result<ChatCompletionChunk, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.pull.next()
    }
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChatStream(finished={})", self.pull.dec.is_finished())
    }
}

/// A deploy's progress: an iterator of events ending with `complete`. An `error`
/// event or a stream cut before `complete` is an `Err` item.
pub struct DeployStream {
    pull: Pull<DeployStreamDecoder>,
}

impl DeployStream {
    pub(crate) fn new(dec: DeployStreamDecoder, body: Option<LiveBody>) -> Self {
        DeployStream { pull: Pull::new(dec, body) }
    }
    /// Metadata of the response.
    pub fn meta(&self) -> &ResponseMeta {
        self.pull.dec.meta()
    }
    /// Consumes the rest of the events and returns the live endpoint.
    pub fn wait(mut self) -> Result<Endpoint, Error> {
        let mut failure = None;
        while let Some(item) = self.pull.next() {
            if let Err(e) = item {
                failure = Some(e);
            }
        }
        self.pull.dec.wait_result(failure)
    }
}

impl Iterator for DeployStream {
    type Item = Result<DeployEvent, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.pull.next()
    }
}

impl std::fmt::Debug for DeployStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeployStream(finished={})", self.pull.dec.is_finished())
    }
}
