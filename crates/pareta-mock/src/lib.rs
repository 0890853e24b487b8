//! A local, stateful, in-process mock of the Pareta HTTP API.
//!
//! Think `stripe-mock`, but stateful: deploying an endpoint makes it show up in
//! the endpoint list, an eval run advances one status per poll, an idempotent
//! retry replays the first response. Every route of the Pareta API is served
//! with the exact wire envelopes the SDK reads, plus a second listener that
//! plays the signed-URL storage host for large document uploads.
//!
//! ```no_run
//! let server = pareta_mock::MockServer::start();
//! let base = server.base_url(); // "http://127.0.0.1:PORT"
//! // ... point a client at `base` with any `pareta_sk_...` key ...
//! for request in server.requests() {
//!     println!("{} {}", request.method, request.path);
//! }
//! // Dropping the server shuts it down and joins its thread.
//! ```
//!
//! # Seeded state
//!
//! - Tasks: `contract-key-fields` (open aliases `contract-1`, `contract-2`,
//!   `qwen-1`; recommended `contract-1`; frontier `gpt-4o`),
//!   `invoice-extraction` (blob field `document`; `invoice-1`, `invoice-2`;
//!   frontier `claude-sonnet`), `ticket-triage` (`triage-1`, `qwen-1`; frontier
//!   `gpt-4o-mini`), `comment-moderation` (`has_blob_input: null`; `mod-1`,
//!   `mod-2`), `contract-clause-risk` (`clause-1`, `qwen-1`).
//! - Frontier roster: `gpt-4o`, `gpt-4o-mini` (no vision), `claude-sonnet`,
//!   `gemini-flash`.
//! - One live endpoint, `ep_contract_kie` (contract-key-fields / contract-1).
//! - Ids are minted as `ep_<task>_<n>`, `evset_<n>`, `run_<n>`,
//!   `chatcmpl-<n>`; timestamps are deterministic (2026-01-01 plus one
//!   second per object).
//!
//! # Behaviour worth knowing in tests
//!
//! - Every `/v1` route needs `Authorization: Bearer pareta_sk_<non-empty>`.
//! - An eval run advances one status per `GET`: queued, running,
//!   evaluating, completed (or failed when the set's name contains "fail").
//! - A POST with `Idempotency-Key` replays its first 2xx response
//!   (`X-Idempotent-Replay: true`, `X-Pareta-Billed: 0`).
//! - `GET /__mock/requests` returns the request log as JSON and
//!   `DELETE /__mock/requests` clears it (no auth).
//! - Faults are opt-in per request with an `X-Mock-Fault` header; see
//!   [`MockServer`] for the grammar.
//! - Statuses the platform sends on its own are modelled too: 402 once the
//!   configured org balance is spent ([`MockConfig::balance_micro_usd`]), 429
//!   with `Retry-After` past a request budget ([`MockConfig::rate_limit`]),
//!   403 for a read-only key (`pareta_sk_ro_...`) on any route that changes
//!   state or is metered.
//! - Endpoint status is `starting`, `live` or `stopped`. A deploy is
//!   `starting` while its stream runs; `start` answers `starting` and the
//!   endpoint reports `live` after [`MockConfig::start_polls`] reads.
//! - [`MockConfig::quirks`] (or [`MockServer::set_quirks`]) answers with
//!   nulls, integral floats and empty envelopes, to test lenient readers.

mod catalog;
mod faults;
mod http;
mod idempotency;
mod limits;
mod log;
mod quirks;
mod routes;
mod server;
mod sse;
mod state;
mod storage;

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Serialize, Serializer};

/// Configuration of a [`MockServer`].
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Delay between two `progress` events of a deploy stream (and before its
    /// `complete` event).
    pub deploy_step_delay: Duration,
    /// Delay between two chunks of a streamed chat completion.
    pub chunk_delay: Duration,
    /// Port of the API listener on 127.0.0.1; 0 picks an ephemeral port.
    pub port: u16,
    /// Port of the signed-URL storage listener on 127.0.0.1; 0 picks an
    /// ephemeral port.
    pub storage_port: u16,
    /// The org balance in micro-USD that chat completions and eval runs
    /// debit; a call it cannot cover answers 402. `None` (the default) is an
    /// unlimited balance. Change it at run time with [`MockServer::set_balance`].
    pub balance_micro_usd: Option<u64>,
    /// A request budget for the `/v1` routes; past it the mock answers 429
    /// with `Retry-After`. `None` (the default) never limits. Change it at run
    /// time with [`MockServer::set_rate_limit`].
    pub rate_limit: Option<RateLimit>,
    /// Answer with the quirks real servers produce: `null` where a list or
    /// object belongs, integral floats in integer fields, empty envelopes.
    /// See [`MockServer::set_quirks`] for the list.
    pub quirks: bool,
    /// How many reads (`GET` of the endpoint or of the list) a started
    /// endpoint stays `"starting"` before it reports `"live"` (default 1).
    pub start_polls: u32,
    /// Which shape endpoint records take on the wire.
    pub endpoint_form: EndpointForm,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            deploy_step_delay: Duration::from_millis(10),
            chunk_delay: Duration::ZERO,
            port: 0,
            storage_port: 0,
            balance_micro_usd: None,
            rate_limit: None,
            quirks: false,
            start_polls: 1,
            endpoint_form: EndpointForm::default(),
        }
    }
}

/// A fixed-window request budget: at most `requests` `/v1` requests per
/// `per`. Past it, 429 with `Retry-After` (whole seconds, rounded up) and
/// `retry-after-ms` until the window rolls over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// Window length.
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per `per`.
    pub fn new(requests: u32, per: Duration) -> RateLimit {
        RateLimit { requests, per }
    }
}

/// The two shapes the platform uses for an endpoint record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EndpointForm {
    /// `name` and `taskName`, no `id` (clients fall back to `name`).
    Legacy,
    /// `id`, `name` and `task`, no `taskName`.
    Modern,
    /// The seeded endpoint in the legacy form, deployed ones in the modern
    /// form (the default), so a client meets both.
    #[default]
    Mixed,
}

/// One request as the mock received it, in the request log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordedRequest {
    /// HTTP method, upper-case (`"GET"`, `"POST"`, ...).
    pub method: String,
    /// Request path, still percent-encoded as it arrived.
    pub path: String,
    /// Raw query string without the `?`, if any.
    pub query: Option<String>,
    /// Headers with lower-cased names, in arrival order. The `Authorization`
    /// value is replaced by `"Bearer <redacted>"`. When the body was longer
    /// than the 1 MiB kept here, a final `x-mock-body-truncated` pseudo-header
    /// carries the full size.
    pub headers: Vec<(String, String)>,
    /// Raw body bytes (at most the first 1 MiB); serialized as a lossy UTF-8
    /// string.
    #[serde(serialize_with = "lossy_utf8")]
    pub body: Vec<u8>,
    /// Which listener received it: `"api"` or `"storage"`.
    pub listener: String,
}

impl RecordedRequest {
    /// The value of the first header named `name` (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as (lossy) UTF-8 text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn lossy_utf8<S: Serializer>(body: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(body))
}

/// A running mock server: an API listener and a storage listener on
/// 127.0.0.1, served by a tokio runtime on a dedicated OS thread.
///
/// Dropping it signals a graceful shutdown, aborts connections still open
/// after a short grace period (e.g. a client holding a stream), and joins the
/// thread.
///
/// # Fault injection
///
/// Any request (either listener) may carry `X-Mock-Fault: k=v;k=v;flag`:
///
/// | item | effect |
/// |---|---|
/// | `status=CODE` | answer `CODE` with `{"detail": "injected fault"}`, handler not run |
/// | `times=N` | fault only the first N requests with this exact header value on this method + path |
/// | `retry-after=SECS`, `retry-after-ms=MS` | add those headers to the fault response |
/// | `html` | an HTML error page, `text/html` (status 502 unless `status` is given) |
/// | `garbage` | 200 (or `status`) with body `{"not json`, `application/json` |
/// | `truncate-after=N` | streams: end the body cleanly after N events |
/// | `stream-error-after=N` | streams: after N events send an error event and end |
/// | `drop-after=N` | streams: after N events abort the connection |
/// | `slow-chunk-ms=MS` | streams: MS between events |
/// | `pause-after-first-ms=MS` | streams: wait MS after the first event |
/// | `crlf` | streams: `\r\n` line endings |
/// | `comments` | streams: a `: keep-alive` comment before every event |
///
/// An unknown key or a bad number is a 400.
pub struct MockServer {
    state: Arc<state::AppState>,
    base_url: String,
    storage_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Starts a server with [`MockConfig::default`]. Works from plain sync code
    /// and from inside a tokio runtime; returns once both listeners are bound.
    ///
    /// # Panics
    /// If a listener cannot be bound or the runtime cannot be built; see
    /// [`MockServer::try_start_with`] for the fallible form.
    pub fn start() -> MockServer {
        MockServer::start_with(MockConfig::default())
    }

    /// Starts a server with `config`; see [`MockServer::start`].
    ///
    /// # Panics
    /// If a listener cannot be bound or the runtime cannot be built.
    pub fn start_with(config: MockConfig) -> MockServer {
        match MockServer::try_start_with(config) {
            Ok(server) => server,
            Err(e) => panic!("pareta-mock: cannot start: {e}"),
        }
    }

    /// Starts a server with `config`, reporting bind or runtime errors.
    pub fn try_start_with(config: MockConfig) -> std::io::Result<MockServer> {
        let running = server::launch(config)?;
        Ok(MockServer {
            base_url: running.state.base_url.clone(),
            storage_url: running.state.storage_url.clone(),
            state: running.state,
            stop: Some(running.stop),
            thread: Some(running.thread),
        })
    }

    /// The API base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The storage listener's base URL (the host of signed upload URLs), a
    /// different origin from [`MockServer::base_url`].
    pub fn storage_url(&self) -> String {
        self.storage_url.clone()
    }

    /// The request log of both listeners, in arrival order. Requests to the
    /// `/__mock/*` control routes are not logged.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.log.snapshot()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.state.log.clear();
    }

    /// Arms a fault for every request to `method` `path` that carries no
    /// `X-Mock-Fault` header, with the same grammar as the header (e.g.
    /// `"status=503;times=2"`): for SDK clients, which never send that header.
    /// `times` counts per method, path and spec, as with the header.
    ///
    /// ```
    /// let mock = pareta_mock::MockServer::start();
    /// mock.arm_fault("GET", "/v1/models", "status=503;times=1;retry-after=0");
    /// mock.disarm_faults();
    /// ```
    pub fn arm_fault(&self, method: &str, path: &str, spec: &str) {
        let mut armed = self.state.armed_faults.lock().unwrap_or_else(|e| e.into_inner());
        armed.push((method.to_owned(), path.to_owned(), spec.to_owned()));
    }

    /// Removes every armed fault.
    pub fn disarm_faults(&self) {
        self.state.armed_faults.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Sets the org balance in micro-USD (`None`: unlimited). Chat
    /// completions and eval runs debit it; a call it cannot cover answers 402
    /// before any work is billed.
    ///
    /// ```
    /// let mock = pareta_mock::MockServer::start();
    /// mock.set_balance(Some(1_000));
    /// assert_eq!(mock.balance(), Some(1_000));
    /// ```
    pub fn set_balance(&self, micro_usd: Option<u64>) {
        *state::lock(&self.state.balance) = micro_usd;
    }

    /// What is left of the org balance (`None`: unlimited).
    pub fn balance(&self) -> Option<u64> {
        *state::lock(&self.state.balance)
    }

    /// Sets (or with `None` removes) the `/v1` request budget; the window
    /// starts afresh.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.state.limiter.set(limit);
    }

    /// Turns quirks mode on or off. In quirks mode the mock answers as some
    /// real servers and proxies do, with the same data in shapes a strict
    /// reader rejects:
    ///
    /// - empty or missing envelopes: `GET /v1/tasks` answers `{}`,
    ///   `GET /v1/eval-sets` `{"eval_sets": null}`;
    /// - `null` where a list or object belongs: `"examples"`, `"blobs"`,
    ///   `"candidates"`, `"results"`, `"frontier"` (leaderboard),
    ///   `"usage"` (chat), `"params"` (metrics), and every empty list;
    /// - integral floats in integer fields: `"total_cost_micro_usd": 420715.0`,
    ///   `"context_k": 128.0`, `"created": 1767225601.0`, and every other
    ///   integer of a JSON reply (ids and strings untouched).
    ///
    /// Streams and error bodies are left as they are.
    ///
    /// ```
    /// let mock = pareta_mock::MockServer::start();
    /// mock.set_quirks(true);
    /// assert!(mock.quirks());
    /// ```
    pub fn set_quirks(&self, on: bool) {
        self.state.quirks.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// True in quirks mode.
    pub fn quirks(&self) -> bool {
        self.state.quirks.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.base_url)
            .field("storage_url", &self.storage_url)
            .finish_non_exhaustive()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a mock server with the default configuration; same as
/// [`MockServer::start`].
pub fn spawn() -> MockServer {
    MockServer::start()
}
