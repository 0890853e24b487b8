//! Watching an eval run: every polled snapshot until the run is terminal.
//! `runs.wait` is the same machine, keeping only the last snapshot.
//!
//! ```text
//! GET run → yield it → terminal? end : sleep(poll_interval + jitter) → GET run …
//!                                      the wait's timeout passed? WaitTimeout
//! ```

use super::runs::retrieve;
use super::{Call, step};
use crate::config::Config;
use crate::error::Error;
use crate::http::{Flow, Input, Output};
use pareta_types::{EvalRun, WaitOptions};
use std::fmt;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// At most this share of the poll interval is added as jitter, so many
/// watchers started together drift apart instead of polling in lockstep.
const JITTER_SHARE: f64 = 0.1;
/// And never more than this.
const MAX_JITTER: Duration = Duration::from_secs(1);

#[allow(clippy::large_enum_variant)] // one per watch, never in a hot collection
enum State {
    Get(Call<EvalRun>),
    /// A snapshot was yielded; the next one starts with a pause.
    Yielded,
    Pause {
        until: Instant,
    },
    Finished,
}

/// The polls of one run (`runs.watch`): drive [`next_snapshot`](Self::next_snapshot)'s
/// flow for each snapshot until it returns `None`. The wait's timeout counts
/// from the first poll; the last poll happens at the timeout, and a run still
/// not terminal then ends the watch with [`Error::WaitTimeout`].
pub struct Watch {
    cfg: Config,
    run_id: String,
    options: WaitOptions,
    started: Option<Instant>,
    last_status: Option<String>,
    polls: u32,
    state: State,
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Watch<{} polls={}>", self.run_id, self.polls)
    }
}

/// Watches run `id`. An empty id fails at the first snapshot, before any request.
pub fn watch(cfg: &Config, id: &str, options: WaitOptions) -> Watch {
    Watch {
        cfg: cfg.clone(),
        run_id: id.to_owned(),
        options,
        started: None,
        last_status: None,
        polls: 0,
        state: State::Get(retrieve(cfg, id)),
    }
}

impl Watch {
    /// The flow of the next snapshot, or `None` once a terminal snapshot or an
    /// error has been returned.
    pub fn next_snapshot(&mut self) -> Option<Snapshot<'_>> {
        (!matches!(self.state, State::Finished)).then_some(Snapshot { watch: self })
    }

    /// How many snapshots have been returned.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    fn poll_next(&mut self, now: Instant) -> Output<EvalRun> {
        let started = *self.started.get_or_insert(now);
        let deadline = started + self.options.timeout;
        loop {
            match &mut self.state {
                State::Get(call) => {
                    return match step(call, now) {
                        ControlFlow::Break(out) => {
                            if matches!(out, Output::Done(_)) {
                                self.state = State::Finished;
                            }
                            out
                        }
                        ControlFlow::Continue(run) => {
                            self.polls += 1;
                            self.last_status = run.status.as_ref().map(|s| s.as_str().to_owned());
                            self.state = if run.is_terminal() { State::Finished } else { State::Yielded };
                            Output::Done(Ok(run))
                        }
                    };
                }
                State::Yielded => {
                    let jitter = self.options.poll_interval.mul_f64(JITTER_SHARE * self.cfg.rng().next_f64());
                    if now >= deadline {
                        self.state = State::Finished;
                        return Output::Done(Err(Error::WaitTimeout {
                            run_id: self.run_id.clone(),
                            last_status: self.last_status.clone(),
                            waited: now - started,
                        }));
                    }
                    // The last poll lands on the deadline itself: the run may have
                    // finished just in time.
                    let until = (now + self.options.poll_interval + jitter.min(MAX_JITTER)).min(deadline);
                    self.state = State::Pause { until };
                }
                State::Pause { until } if now < *until => return Output::Sleep(*until - now),
                State::Pause { .. } => self.state = State::Get(retrieve(&self.cfg, &self.run_id)),
                State::Finished => return Output::Done(Err(Error::Misuse("poll was called after the watch ended"))),
            }
        }
    }

    fn handle_next(&mut self, now: Instant, input: Input<'_>) {
        if let State::Get(call) = &mut self.state {
            call.handle(now, input);
        }
    }
}

/// One snapshot of a [`Watch`], as a flow.
#[derive(Debug)]
pub struct Snapshot<'a> {
    watch: &'a mut Watch,
}

impl Flow for Snapshot<'_> {
    type Value = EvalRun;
    fn poll(&mut self, now: Instant) -> Output<EvalRun> {
        self.watch.poll_next(now)
    }
    fn handle(&mut self, now: Instant, input: Input<'_>) {
        self.watch.handle_next(now, input);
    }
}

/// Polls a run until it is terminal, or fails with [`Error::WaitTimeout`]
/// (the `runs.wait` operation): a [`Watch`] that keeps only the last snapshot.
#[derive(Debug)]
pub struct WaitRun {
    watch: Watch,
}

/// Waits for run `id`.
pub fn wait(cfg: &Config, id: &str, options: WaitOptions) -> WaitRun {
    WaitRun { watch: watch(cfg, id, options) }
}

impl Flow for WaitRun {
    type Value = EvalRun;
    fn poll(&mut self, now: Instant) -> Output<EvalRun> {
        loop {
            match self.watch.poll_next(now) {
                Output::Done(Ok(run)) if !run.is_terminal() => continue,
                other => return other,
            }
        }
    }
    fn handle(&mut self, now: Instant, input: Input<'_>) {
        self.watch.handle_next(now, input);
    }
}
