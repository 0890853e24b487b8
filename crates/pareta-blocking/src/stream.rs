//! The blocking half of the streams: a pull loop over core's [`Pump`] that reads
//! the body only when the caller asks for the next item. The stream types
//! themselves come from `pareta_core::client_surface!`.

use crate::driver::{LiveBody, read_error};
use crate::{ChatStream, DeployStream, EventStream, Pareta, RunWatch};
use pareta_core::Error;
use pareta_core::flows::watch::Watch;
use pareta_core::sse::SseEvent;
use pareta_core::stream::{Pump, PumpStep, StreamDecoder};
use pareta_types::{ChatCompletionChunk, DeployEvent, EvalRun};
use std::io::Read;

const READ_BUF: usize = 16 * 1024;

/// Reads the body on demand; drops it (releasing or pooling the connection) as
/// soon as core's pump says the stream is over.
pub(crate) struct Pull<D> {
    pump: Pump<D>,
    body: Option<LiveBody>,
}

impl<D: StreamDecoder> Pull<D> {
    pub fn new(dec: D, body: LiveBody) -> Self {
        Pull { pump: Pump::new(dec), body: Some(body) }
    }

    pub fn decoder(&self) -> &D {
        self.pump.decoder()
    }

    pub fn into_decoder(self) -> D {
        self.pump.into_decoder()
    }

    pub fn next_item(&mut self) -> Option<Result<D::Item, Error>> {
        loop {
            match self.pump.step() {
                PumpStep::Item(item) => return Some(item),
                PumpStep::Finished => {
                    self.body = None;
                    return None;
                }
                // Read straight into the decoder's buffer: no copy per read.
                PumpStep::Read => {
                    match self.body.as_mut().map(|b| self.pump.read_with(READ_BUF, |room| b.read(room))) {
                        Some(Ok(1..)) => {}
                        Some(Ok(_)) | None => self.pump.on_eof(),
                        Some(Err(e)) => self.pump.on_error(read_error(e)),
                    }
                }
            }
        }
    }
}

impl Iterator for ChatStream {
    type Item = Result<ChatCompletionChunk, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.pull.next_item()
    }
}

impl Iterator for DeployStream {
    type Item = Result<DeployEvent, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.pull.next_item()
    }
}

impl Iterator for EventStream {
    type Item = Result<SseEvent, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        self.pull.next_item()
    }
}

/// Runs each snapshot's flow when the caller asks for the next one.
pub(crate) struct WatchPull<'a> {
    pa: &'a Pareta,
    watch: Watch,
}

impl<'a> WatchPull<'a> {
    pub fn new(pa: &'a Pareta, watch: Watch) -> Self {
        WatchPull { pa, watch }
    }
}

impl Iterator for RunWatch<'_> {
    type Item = Result<EvalRun, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        let pull = &mut self.pull;
        let snapshot = pull.watch.next_snapshot()?;
        Some(pull.pa.run(snapshot))
    }
}
