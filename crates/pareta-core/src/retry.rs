//! When to retry, as pure functions: classify an attempt's outcome, then decide.
//!
//! Retried: statuses 408, 409, 429, 500, 502, 503, 504 and connection failures
//! (connect, timeout, broken connection). The delay is the server's
//! `retry-after-ms` / `Retry-After` (seconds or an HTTP date), else
//! `min(0.5 * 2^n, 8) s` plus up to 0.25 s of jitter. A server delay past the
//! client's cap (30 s by default) is not waited out: the error is returned at
//! once, and [`Error::retry_after`](crate::Error::retry_after) gives the delay. A
//! stream that already delivered bytes never reaches this module.
//!
//! Across calls, a [`RetryBudget`] (a token bucket shared by all calls of one
//! client, as in the AWS SDK's standard retry mode) keeps a failing server from
//! being hit by every call's retries at once.

use crate::error::TransportErrorKind;
use crate::http::HeaderLookup;
use std::time::Duration;

/// Statuses worth another attempt.
pub const RETRY_STATUSES: [u16; 7] = [408, 409, 429, 500, 502, 503, 504];
/// Longest server-requested delay honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Longest computed backoff (before jitter).
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// Most jitter added to a computed backoff.
pub const MAX_JITTER: Duration = Duration::from_millis(250);

/// How one attempt ended, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// A non-2xx status, with the delay the server asked for (if any).
    Status {
        /// The status.
        status: u16,
        /// The parsed `retry-after-ms` / `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// No response.
    Transport(TransportErrorKind),
}

/// Whether to try again.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Wait, then send the same request (same idempotency key) again.
    Retry {
        /// How long to wait.
        after: Duration,
    },
    /// Give up: surface the error.
    Stop,
}

/// Decides whether attempt number `retries_done + 1` happens, with the default
/// Retry-After cap ([`MAX_RETRY_AFTER`]); see [`decide_capped`]. `jitter` is a
/// uniform value in `[0, 1)` from the client's random source.
///
/// ```
/// use pareta_core::retry::{decide, AttemptOutcome, RetryDecision};
/// use std::time::Duration;
/// let busy = AttemptOutcome::Status { status: 429, retry_after: Some(Duration::from_secs(2)) };
/// assert_eq!(decide(2, 0, &busy, 0.5), RetryDecision::Retry { after: Duration::from_secs(2) });
/// assert_eq!(decide(2, 2, &busy, 0.5), RetryDecision::Stop); // budget spent
/// ```
pub fn decide(max_retries: u32, retries_done: u32, outcome: &AttemptOutcome, jitter: f64) -> RetryDecision {
    decide_capped(max_retries, retries_done, outcome, jitter, MAX_RETRY_AFTER)
}

/// [`decide`] with the longest server-requested delay the client will wait:
/// a `Retry-After` past `max_retry_after` stops at once rather than waiting
/// less than the server asked and retrying too early.
///
/// ```
/// use pareta_core::retry::{decide_capped, AttemptOutcome, RetryDecision};
/// use std::time::Duration;
/// let later = AttemptOutcome::Status { status: 503, retry_after: Some(Duration::from_secs(120)) };
/// assert_eq!(decide_capped(2, 0, &later, 0.5, Duration::from_secs(30)), RetryDecision::Stop);
/// assert!(matches!(decide_capped(2, 0, &later, 0.5, Duration::from_secs(300)), RetryDecision::Retry { .. }));
/// ```
pub fn decide_capped(
    max_retries: u32,
    retries_done: u32,
    outcome: &AttemptOutcome,
    jitter: f64,
    max_retry_after: Duration,
) -> RetryDecision {
    if retries_done >= max_retries {
        return RetryDecision::Stop;
    }
    let server_delay = match *outcome {
        AttemptOutcome::Status { status, retry_after } if RETRY_STATUSES.contains(&status) => retry_after,
        AttemptOutcome::Status { .. } => return RetryDecision::Stop,
        AttemptOutcome::Transport(TransportErrorKind::Other | TransportErrorKind::BodyTooLarge) => {
            return RetryDecision::Stop;
        }
        AttemptOutcome::Transport(_) => None,
    };
    let after = match server_delay {
        Some(d) if d > max_retry_after => return RetryDecision::Stop,
        Some(d) => d,
        None => backoff(retries_done) + MAX_JITTER.mul_f64(jitter.clamp(0.0, 1.0)),
    };
    RetryDecision::Retry { after }
}

/// A client-wide retry budget: a token bucket shared by every call of one
/// client (and of its [`with_options`](crate::Config::with_options) views), in
/// the manner of the AWS SDK's standard retry mode. Each retry spends
/// [`retry_cost`](Self::retry_cost) tokens, a retry after a timeout spends
/// [`timeout_cost`](Self::timeout_cost); a call that succeeds first time refunds
/// [`success_refund`](Self::success_refund), and one that succeeds after retrying
/// gets back what its retries spent. When the bucket cannot pay for a retry, the
/// call fails at once with the error it had, instead of retrying.
///
/// ```
/// use pareta_core::retry::RetryBudget;
/// let budget = RetryBudget::new(10, 5, 10, 1);
/// assert_eq!(budget.try_spend(false), Some(5));
/// assert_eq!(budget.try_spend(true), None); // 5 left, a timeout retry costs 10
/// budget.on_success(5); // the retried call succeeded: its 5 come back
/// assert_eq!(budget.available(), 10);
/// ```
#[derive(Debug)]
pub struct RetryBudget {
    capacity: u32,
    tokens: std::sync::atomic::AtomicU32,
    retry_cost: u32,
    timeout_cost: u32,
    success_refund: u32,
}

/// A bucket with the same numbers and as many tokens as this one has now; the
/// two are separate from then on (a client shares its one bucket by `Arc`).
impl Clone for RetryBudget {
    fn clone(&self) -> Self {
        let copy = Self::new(self.capacity, self.retry_cost, self.timeout_cost, self.success_refund);
        copy.tokens.store(self.available(), std::sync::atomic::Ordering::Release);
        copy
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryBudget {
    /// The AWS SDK's standard numbers: 500 tokens, 5 per retry, 10 per retry
    /// after a timeout, 1 back per first-time success. Generous: 100 retries in
    /// a row before the client stops retrying, refilled by successes.
    pub fn standard() -> Self {
        Self::new(500, 5, 10, 1)
    }

    /// A bucket of `capacity` tokens (it starts full).
    pub fn new(capacity: u32, retry_cost: u32, timeout_cost: u32, success_refund: u32) -> Self {
        RetryBudget {
            capacity,
            tokens: std::sync::atomic::AtomicU32::new(capacity),
            retry_cost,
            timeout_cost,
            success_refund,
        }
    }

    /// Takes the cost of one retry (after a timeout when `timeout`), returning
    /// what was spent, or `None` when the bucket cannot pay (nothing is taken).
    pub fn try_spend(&self, timeout: bool) -> Option<u32> {
        use std::sync::atomic::Ordering;
        let cost = if timeout { self.timeout_cost } else { self.retry_cost };
        self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost)).ok().map(|_| cost)
    }

    /// A call succeeded after its retries spent `spent` tokens (0 for a
    /// first-time success): refunds that, or the success refund.
    pub fn on_success(&self, spent: u32) {
        use std::sync::atomic::Ordering;
        let refund = if spent == 0 { self.success_refund } else { spent };
        // A full bucket (the usual case) is only read: a write on every success
        // would move the counter's cache line between cores on each call.
        let _ = self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
            (t < self.capacity).then(|| t.saturating_add(refund).min(self.capacity))
        });
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(std::sync::atomic::Ordering::Acquire)
    }
    /// The bucket's size.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }
    /// Tokens one retry costs.
    pub fn retry_cost(&self) -> u32 {
        self.retry_cost
    }
    /// Tokens one retry after a timeout costs.
    pub fn timeout_cost(&self) -> u32 {
        self.timeout_cost
    }
    /// Tokens a first-time success gives back.
    pub fn success_refund(&self) -> u32 {
        self.success_refund
    }
}

/// `min(0.5 * 2^n, 8)` seconds.
pub fn backoff(retries_done: u32) -> Duration {
    let secs = 0.5 * 2f64.powi(retries_done.min(16) as i32);
    Duration::from_secs_f64(secs).min(MAX_BACKOFF)
}

/// The delay a response asks for: `retry-after-ms`, else `Retry-After` as seconds,
/// else `Retry-After` as an HTTP date measured against the response's `Date`
/// header (core never reads the clock). Negative delays read as zero.
pub fn retry_after<H: HeaderLookup + ?Sized>(headers: &H) -> Option<Duration> {
    if let Some(ms) = headers.header("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return finite_secs(ms / 1000.0);
    }
    let value = headers.header("retry-after")?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return finite_secs(secs);
    }
    let at = http_date(value)?;
    let now = http_date(headers.header("date")?.trim())?;
    Some(Duration::from_secs(at.saturating_sub(now)))
}

fn finite_secs(secs: f64) -> Option<Duration> {
    secs.is_finite().then(|| Duration::from_secs_f64(secs.clamp(0.0, 1e9)))
}

/// Seconds since the Unix epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(s: &str) -> Option<u64> {
    let mut it = s.split_ascii_whitespace();
    let _weekday = it.next()?;
    let day: u64 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    // A four-digit year, as IMF-fixdate says: also keeps the arithmetic below
    // far from overflow (the fuzzer found a 19-digit year).
    if it.next()? != "GMT" || !(1..=9999).contains(&year) || day == 0 || day > 31 || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y, mo) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days).ok().map(|d| d * 86_400 + h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16) -> AttemptOutcome {
        AttemptOutcome::Status { status: s, retry_after: None }
    }

    #[test]
    fn retried_statuses_and_errors() {
        for s in RETRY_STATUSES {
            assert!(matches!(decide(2, 0, &status(s), 0.0), RetryDecision::Retry { .. }), "{s}");
        }
        for s in [400, 401, 402, 403, 404, 422, 501] {
            assert_eq!(decide(2, 0, &status(s), 0.0), RetryDecision::Stop, "{s}");
        }
        for k in [TransportErrorKind::Connect, TransportErrorKind::Timeout, TransportErrorKind::Io] {
            assert!(matches!(decide(2, 0, &AttemptOutcome::Transport(k), 0.0), RetryDecision::Retry { .. }));
        }
        assert_eq!(decide(2, 0, &AttemptOutcome::Transport(TransportErrorKind::Other), 0.0), RetryDecision::Stop);
    }

    #[test]
    fn budget_is_max_retries() {
        assert!(matches!(decide(2, 1, &status(503), 0.0), RetryDecision::Retry { .. }));
        assert_eq!(decide(2, 2, &status(503), 0.0), RetryDecision::Stop);
        assert_eq!(decide(0, 0, &status(503), 0.0), RetryDecision::Stop);
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_eight_plus_jitter() {
        let secs = |n, j| match decide(20, n, &status(500), j) {
            RetryDecision::Retry { after } => after.as_secs_f64(),
            RetryDecision::Stop => panic!(),
        };
        assert_eq!(secs(0, 0.0), 0.5);
        assert_eq!(secs(1, 0.0), 1.0);
        assert_eq!(secs(3, 0.0), 4.0);
        assert_eq!(secs(4, 0.0), 8.0);
        assert_eq!(secs(10, 0.0), 8.0);
        assert!((secs(0, 0.999) - 0.7497).abs() < 1e-3);
    }

    #[test]
    fn server_delay_wins_and_past_the_cap_stops() {
        let o = AttemptOutcome::Status { status: 429, retry_after: Some(Duration::from_secs(2)) };
        assert_eq!(decide(2, 0, &o, 0.9), RetryDecision::Retry { after: Duration::from_secs(2) });
        let o = AttemptOutcome::Status { status: 503, retry_after: Some(MAX_RETRY_AFTER) };
        assert_eq!(decide(2, 0, &o, 0.0), RetryDecision::Retry { after: MAX_RETRY_AFTER });
        let o = AttemptOutcome::Status { status: 503, retry_after: Some(Duration::from_secs(120)) };
        assert_eq!(decide(2, 0, &o, 0.0), RetryDecision::Stop, "retrying sooner than asked would be wrong");
    }

    #[test]
    fn a_huge_year_is_not_a_date_and_does_not_overflow() {
        // Found by the retry_after fuzz target (debug assertions on).
        assert_eq!(http_date("Wed, 21 Oct 201500000000000000 07:28:00 GMT"), None);
        assert_eq!(http_date("Wed, 21 Oct 10000 07:28:00 GMT"), None);
        assert!(http_date("Wed, 21 Oct 9999 07:28:00 GMT").is_some());
    }

    #[test]
    fn retry_after_forms() {
        let h: &[(&str, &str)] = &[("Retry-After", "2")];
        assert_eq!(retry_after(h), Some(Duration::from_secs(2)));
        let h: &[(&str, &str)] = &[("retry-after-ms", "1500"), ("retry-after", "9")];
        assert_eq!(retry_after(h), Some(Duration::from_millis(1500)));
        let h: &[(&str, &str)] =
            &[("retry-after", "Wed, 21 Oct 2015 07:28:05 GMT"), ("date", "Wed, 21 Oct 2015 07:28:00 GMT")];
        assert_eq!(retry_after(h), Some(Duration::from_secs(5)));
        let h: &[(&str, &str)] = &[("retry-after", "Wed, 21 Oct 2015 07:28:05 GMT")];
        assert_eq!(retry_after(h), None, "no Date header to measure against");
        let h: &[(&str, &str)] = &[("retry-after", "soon")];
        assert_eq!(retry_after(h), None);
        let h: &[(&str, &str)] = &[("retry-after", "-3")];
        assert_eq!(retry_after(h), Some(Duration::ZERO));
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
    }
}
