//! Statuses the platform sends on its own, besides validation errors: 403 for
//! a read-only key and 429 past the request budget. (402 is the balance, in
//! [`crate::state::AppState::charge`].)

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::RateLimit;
use crate::http::detail_response;
use crate::state::{AppState, lock};

/// Keys with this prefix may only read.
pub(crate) const READ_ONLY_PREFIX: &str = "pareta_sk_ro_";

/// A fixed-window request counter.
pub(crate) struct Limiter {
    inner: Mutex<Window>,
}

struct Window {
    limit: Option<RateLimit>,
    /// When the current window began (at its first request).
    started: Option<Instant>,
    used: u32,
}

impl Limiter {
    /// A limiter with `limit` (`None`: unlimited).
    pub fn new(limit: Option<RateLimit>) -> Limiter {
        Limiter { inner: Mutex::new(Window { limit, started: None, used: 0 }) }
    }

    /// Replaces the limit and starts a fresh window.
    pub fn set(&self, limit: Option<RateLimit>) {
        *lock(&self.inner) = Window { limit, started: None, used: 0 };
    }

    /// Counts one request at `now`: `Err(wait)` when the budget is spent,
    /// with the time until the window rolls over.
    pub fn admit(&self, now: Instant) -> Result<(), Duration> {
        let mut w = lock(&self.inner);
        let Some(limit) = w.limit else { return Ok(()) };
        let started = match w.started {
            Some(s) if now.saturating_duration_since(s) < limit.per => s,
            _ => {
                w.used = 0;
                *w.started.insert(now)
            }
        };
        if w.used >= limit.requests {
            return Err(limit.per.saturating_sub(now.saturating_duration_since(started)));
        }
        w.used += 1;
        Ok(())
    }
}

fn bearer_key(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).map(str::trim)
}

/// Middleware on `/v1`: 403 for a read-only key on anything but a read, 429
/// past the request budget. Runs after the key check, before faults.
pub(crate) async fn layer(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/v1") {
        return next.run(req).await;
    }
    if let Err(wait) = st.limiter.admit(Instant::now()) {
        let mut resp =
            detail_response(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded: slow down and retry after the delay");
        let secs = wait.as_millis().div_ceil(1000).max(1);
        let headers = resp.headers_mut();
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs as u64));
        headers.insert("retry-after-ms", HeaderValue::from(wait.as_millis().max(1) as u64));
        return resp;
    }
    let read_only = bearer_key(&req).is_some_and(|k| k.starts_with(READ_ONLY_PREFIX));
    if read_only && req.method() != Method::GET {
        return detail_response(
            StatusCode::FORBIDDEN,
            "Permission denied: this API key is read-only (it may list and retrieve, not deploy, run or call models)",
        );
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_counts_and_rolls_over() {
        let l = Limiter::new(Some(RateLimit::new(2, Duration::from_secs(10))));
        let t0 = Instant::now();
        assert!(l.admit(t0).is_ok());
        assert!(l.admit(t0).is_ok());
        let wait = l.admit(t0 + Duration::from_secs(4)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(6));
        assert!(l.admit(t0 + Duration::from_secs(10)).is_ok());
        l.set(None);
        for _ in 0..100 {
            assert!(l.admit(t0).is_ok());
        }
    }
}
