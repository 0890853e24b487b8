//! The per-call `tracing` record, the same for both clients.
//!
//! Each call runs in a span named `pareta` (target `pareta`) whose `method` and
//! `route` are the first request's; each HTTP attempt is one DEBUG event,
//! `pareta attempt` or `pareta attempt failed`, carrying `method`, `route` (the
//! template, never the URL with ids), `attempt`, `status`, `request_id` and
//! `elapsed_ms`, or `error` when no response came. The API key, the URL's ids and
//! every body stay out of it. Drivers measure `elapsed` (core reads no clock) and
//! call [`CallTrace::attempt`] once per `Send`.

use crate::error::TransportError;
use crate::http::{HeaderLookup, HttpRequest};
use std::time::Duration;

/// The trace of one call: its span, and whether the span has been named yet.
#[derive(Debug)]
pub struct CallTrace {
    span: tracing::Span,
    named: bool,
}

impl Default for CallTrace {
    fn default() -> Self {
        Self::new()
    }
}

impl CallTrace {
    /// A new `pareta` span. Enter it (blocking) or instrument the call's future
    /// with [`span`](Self::span) (async) before the first `poll`.
    pub fn new() -> Self {
        let span = tracing::debug_span!(
            target: "pareta",
            "pareta",
            method = tracing::field::Empty,
            route = tracing::field::Empty
        );
        CallTrace { span, named: false }
    }

    /// The call's span.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Records one attempt of `req` (the driver measured `elapsed`). The first
    /// request of a call also names the span.
    pub fn attempt(&mut self, req: &HttpRequest, outcome: Attempt<'_>, elapsed: Duration) {
        if !self.named {
            self.named = true;
            self.span.record("method", req.method.as_str());
            self.span.record("route", req.route);
        }
        let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
        match outcome {
            Attempt::Response(status, headers) => tracing::debug!(
                target: "pareta",
                method = req.method.as_str(),
                route = req.route,
                attempt = req.attempt,
                status,
                request_id = headers.header("x-request-id"),
                elapsed_ms,
                "pareta attempt"
            ),
            Attempt::Failed(error) => tracing::debug!(
                target: "pareta",
                method = req.method.as_str(),
                route = req.route,
                attempt = req.attempt,
                error = %error,
                elapsed_ms,
                "pareta attempt failed"
            ),
        }
    }
}

/// What one attempt came to, as the driver saw it.
#[derive(Clone, Copy)]
#[allow(clippy::exhaustive_enums)] // an attempt either got a response or did not
pub enum Attempt<'a> {
    /// A response arrived with this status and these headers.
    Response(u16, &'a dyn HeaderLookup),
    /// No response.
    Failed(&'a TransportError),
}
