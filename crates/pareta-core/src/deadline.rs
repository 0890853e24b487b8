//! The deadline of a whole logical call, around any flow.
//!
//! `timeout` limits each attempt; a `deadline` limits the call, retries and
//! backoff included. [`Deadline`] wraps a flow and, on the flow's own clock
//! (`now`): shortens each ordinary attempt's total timeout to what is left,
//! refuses a backoff sleep that would end past the deadline, and reports
//! [`Error::DeadlineExceeded`] with what the last attempt came to. A stream's
//! body is not limited (streams keep their idle limit); the deadline covers
//! getting it started.

use crate::error::Error;
use crate::http::{Flow, Input, Method, Output};
use std::time::{Duration, Instant};

/// A flow with a deadline (a no-op wrapper when `limit` is `None`).
#[derive(Debug)]
pub struct Deadline<F> {
    inner: F,
    limit: Option<Duration>,
    until: Option<Instant>,
    /// The attempt in flight: its method and route, and whether its timeout
    /// was shortened to the deadline.
    in_flight: Option<(Method, &'static str, bool)>,
    /// Whether the last attempt was cut by the deadline.
    last_clamped: bool,
    last_attempt: Option<String>,
}

impl<F: Flow> Deadline<F> {
    /// Wraps `inner`; the clock starts at the first `poll`.
    pub fn new(inner: F, limit: Option<Duration>) -> Self {
        Deadline { inner, limit, until: None, in_flight: None, last_clamped: false, last_attempt: None }
    }

    fn exceeded(&mut self, deadline: Duration) -> Output<F::Value> {
        Output::Done(Err(Error::DeadlineExceeded { deadline, last_attempt: self.last_attempt.take() }))
    }
}

impl<F: Flow> Flow for Deadline<F> {
    type Value = F::Value;

    fn poll(&mut self, now: Instant) -> Output<F::Value> {
        let Some(limit) = self.limit else {
            return self.inner.poll(now);
        };
        let until = *self.until.get_or_insert(now + limit);
        if now >= until {
            return self.exceeded(limit);
        }
        let left = until - now;
        match self.inner.poll(now) {
            Output::Send(mut req) => {
                let clamped = !req.streaming && req.timeouts.total.is_none_or(|t| t > left);
                if clamped {
                    req.timeouts.total = Some(left);
                    req.timeouts.override_client = true;
                }
                self.in_flight = Some((req.method, req.route, clamped));
                Output::Send(req)
            }
            Output::Sleep(d) if d >= left => self.exceeded(limit),
            Output::Done(Err(e)) if e.is_timeout() && self.last_clamped => {
                self.last_attempt.get_or_insert_with(|| e.to_string());
                self.exceeded(limit)
            }
            other => other,
        }
    }

    fn handle(&mut self, now: Instant, input: Input<'_>) {
        if let Some((method, route, clamped)) = self.in_flight.take() {
            self.last_clamped =
                clamped && matches!(&input, Input::Transport(e) if e.kind == crate::TransportErrorKind::Timeout);
            self.last_attempt = Some(match &input {
                Input::Response(resp) => format!("HTTP {} on {method} {}", resp.status, route_path(route)),
                Input::Transport(e) => format!("{e} on {method} {}", route_path(route)),
            });
        }
        self.inner.handle(now, input);
    }
}

/// `GET /v1/x` → `/v1/x` (the route template already names its method).
fn route_path(route: &str) -> &str {
    route.split_once(' ').map_or(route, |(_, path)| path)
}
