//! Streams that pull from the response body only when polled.

use crate::driver::{LiveBody, idle_timeout, transport_error};
use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use pareta_core::Error;
use pareta_core::stream::{ChatStreamDecoder, DeployStreamDecoder, StreamDecoder};
use pareta_types::{ChatCompletionChunk, DeployEvent, Endpoint, ResponseMeta};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

type BodyStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Reads the next body chunk only when the consumer polls (no task, no channel),
/// feeds it to the decoder, and yields items as soon as they are complete. Drops
/// the body (and with it the connection) as soon as the stream is finished.
struct Pull<D> {
    dec: D,
    body: Option<BodyStream>,
    /// The idle limit of one read, and its timer (created on the first wait).
    idle: Option<Duration>,
    timer: Option<Pin<Box<Sleep>>>,
    /// True while the timer counts the current wait (reset by each chunk).
    armed: bool,
}

impl<D: StreamDecoder> Pull<D> {
    fn new(mut dec: D, body: Option<LiveBody>) -> Self {
        let (body, idle) = match body {
            Some(live) => (Some(Box::pin(live.response.bytes_stream()) as BodyStream), live.idle),
            None => {
                dec.end_of_body();
                (None, None)
            }
        };
        Pull { dec, body, idle, timer: None, armed: false }
    }

    fn close(&mut self) {
        self.body = None;
        self.timer = None;
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<D::Item, Error>>> {
        loop {
            if let Some(item) = self.dec.next_item() {
                return Poll::Ready(Some(item));
            }
            if self.dec.is_finished() {
                self.close();
                return Poll::Ready(None);
            }
            let Some(body) = self.body.as_mut() else {
                self.dec.end_of_body();
                continue;
            };
            match body.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    self.armed = false;
                    self.dec.feed(&bytes);
                }
                Poll::Ready(Some(Err(e))) => {
                    self.close();
                    self.dec.transport_error(transport_error(e));
                }
                Poll::Ready(None) => {
                    self.close();
                    self.dec.end_of_body();
                }
                Poll::Pending => {
                    let Some(idle) = self.idle else {
                        return Poll::Pending;
                    };
                    let deadline = tokio::time::Instant::now() + idle;
                    let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                    if !self.armed {
                        timer.as_mut().reset(deadline);
                        self.armed = true;
                    }
                    if timer.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.close();
                    self.dec.transport_error(idle_timeout(idle));
                }
            }
        }
    }
}

/// A streamed chat completion: a [`Stream`] of chunks, each yielded as soon as
/// its bytes arrive. A cut stream, a mid-stream error object, a dropped
/// connection or an idle timeout is an `Err` item, after which the stream ends.
/// Dropping it closes the connection.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn demo(pa: &pareta_async::AsyncPareta, req: &pareta_async::types::ChatCompletionRequest) -> pareta_async::Result<()> {
/// let mut stream = pa.chat().completions().create_stream(req).await?;
/// while let Some(chunk) = stream.next().await {
///     print!("{}", chunk?.delta().unwrap_or_default());
/// }
/// # Ok(())
/// # }
/// ```
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
    pub async fn collect_text(mut self) -> Result<String, Error> {
        let mut text = String::new();
        while let Some(chunk) = self.next().await {
            text.push_str(chunk?.delta().unwrap_or_default());
        }
        Ok(text)
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatCompletionChunk, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().pull.poll_item(cx)
    }
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChatStream(finished={})", self.pull.dec.is_finished())
    }
}

/// A deploy's progress: a [`Stream`] of events ending with `complete`. An
/// `error` event or a stream cut before `complete` is an `Err` item. Or skip the
/// events and [`wait`](Self::wait) for the live endpoint.
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
    pub async fn wait(mut self) -> Result<Endpoint, Error> {
        let mut failure = None;
        while let Some(item) = self.next().await {
            if let Err(e) = item {
                failure = Some(e);
            }
        }
        self.pull.dec.wait_result(failure)
    }
}

impl Stream for DeployStream {
    type Item = Result<DeployEvent, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().pull.poll_item(cx)
    }
}

impl std::fmt::Debug for DeployStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeployStream(finished={})", self.pull.dec.is_finished())
    }
}
