//! The async half of the streams: a poll loop over core's [`Pump`] that reads
//! the body only when the consumer polls (no task, no channel). The stream types
//! themselves come from `pareta_core::client_surface!`.

use crate::driver::{LiveBody, idle_timeout, transport_error};
use crate::{AsyncPareta, ChatStream, DeployStream, EventStream, RunWatch};
use bytes::Bytes;
use futures_core::Stream;
use pareta_core::Error;
use pareta_core::flows::watch::Watch;
use pareta_core::sse::SseEvent;
use pareta_core::stream::{Pump, PumpStep, StreamDecoder};
use pareta_types::{ChatCompletionChunk, DeployEvent, EvalRun};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

type BodyStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Polls the body on demand; drops it (releasing or pooling the connection) as
/// soon as core's pump says the stream is over.
pub(crate) struct Pull<D> {
    pump: Pump<D>,
    body: Option<BodyStream>,
    /// The idle limit of one read (`None` on a caller's client), and its timer
    /// (created on the first wait).
    idle: Option<Duration>,
    timer: Option<Pin<Box<Sleep>>>,
    /// True while the timer counts the current wait (reset by each chunk).
    armed: bool,
}

impl<D: StreamDecoder> Pull<D> {
    pub fn new(dec: D, live: LiveBody) -> Self {
        let body: BodyStream = Box::pin(live.response.bytes_stream());
        Pull { pump: Pump::new(dec), body: Some(body), idle: live.idle, timer: None, armed: false }
    }

    pub fn decoder(&self) -> &D {
        self.pump.decoder()
    }

    pub fn into_decoder(self) -> D {
        self.pump.into_decoder()
    }

    pub async fn next_item(&mut self) -> Option<Result<D::Item, Error>> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    pub fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<D::Item, Error>>> {
        loop {
            let body = match self.pump.step() {
                PumpStep::Item(item) => return Poll::Ready(Some(item)),
                PumpStep::Finished => {
                    self.body = None;
                    self.timer = None;
                    return Poll::Ready(None);
                }
                PumpStep::Read => match self.body.as_mut() {
                    Some(body) => body,
                    None => {
                        self.pump.on_eof();
                        continue;
                    }
                },
            };
            match body.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    self.armed = false;
                    // Handed over whole: what the decoder does not read at
                    // once is kept as it is, not copied.
                    self.pump.on_chunk(bytes);
                }
                Poll::Ready(Some(Err(e))) => self.pump.on_error(transport_error(e)),
                Poll::Ready(None) => self.pump.on_eof(),
                // After the terminator, take only what has already arrived: the
                // caller must not wait on a trailer.
                Poll::Pending if self.pump.is_draining() => self.pump.on_eof(),
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
                    self.pump.on_error(idle_timeout(idle));
                }
            }
        }
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatCompletionChunk, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().pull.poll_item(cx)
    }
}

impl Stream for DeployStream {
    type Item = Result<DeployEvent, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().pull.poll_item(cx)
    }
}

impl Stream for EventStream {
    type Item = Result<SseEvent, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().pull.poll_item(cx)
    }
}

type Snapshots<'a> = Pin<Box<dyn Stream<Item = Result<EvalRun, Error>> + Send + 'a>>;

/// The snapshots as a stream: each item runs one snapshot's flow, only when polled.
pub(crate) struct WatchPull<'a> {
    snapshots: Snapshots<'a>,
}

impl<'a> WatchPull<'a> {
    pub fn new(pa: &'a AsyncPareta, watch: Watch) -> Self {
        let snapshots = futures_util::stream::unfold(watch, move |mut watch| async move {
            let item = pa.run(watch.next_snapshot()?).await;
            Some((item, watch))
        });
        WatchPull { snapshots: Box::pin(snapshots) }
    }
}

impl Stream for RunWatch<'_> {
    type Item = Result<EvalRun, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().pull.snapshots.as_mut().poll_next(cx)
    }
}
