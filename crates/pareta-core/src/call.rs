//! One HTTP call as a flow: build the request, send it, retry transient
//! failures with backoff, decode the answer. Every operation is made of these.

use crate::config::{Config, USER_AGENT};
use crate::error::Error;
use crate::http::{Body, Flow, HeaderLookup, HttpRequest, Input, Method, Output, Response, Timeouts, is_success};
use crate::retry::{self, AttemptOutcome, RetryDecision};
use pareta_types::ResponseMeta;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

/// Turns a 2xx response into the call's value.
pub type Decode<T> = Box<dyn FnMut(&Response<'_>) -> Result<T, Error> + Send>;

/// Builds requests against a [`Config`]: URL, headers, timeouts.
pub(crate) struct RequestSpec {
    pub method: Method,
    pub route: &'static str,
    pub url: String,
    pub body: Body,
    pub content_type: Option<ContentType>,
    pub streaming: bool,
}

impl RequestSpec {
    pub fn new(cfg: &Config, method: Method, route: &'static str, path_and_query: &str) -> Self {
        let mut url = String::with_capacity(cfg.base_url().len() + path_and_query.len());
        url.push_str(cfg.base_url());
        url.push_str(path_and_query);
        RequestSpec { method, route, url, body: Body::empty(), content_type: None, streaming: false }
    }

    /// The request of a route template such as `"GET /v1/tasks/{id}"`: the
    /// method and the path come from the template, each `{…}` segment replaced
    /// by the next of `ids` (`(what, id)`, checked and percent-encoded), so a
    /// route is written once. A bad id fails here, before anything is sent.
    pub fn route(cfg: &Config, route: &'static str, ids: &[(&str, &str)]) -> Result<Self, Error> {
        let (method, template) = split_route(route);
        if ids.is_empty() && !template.contains('{') {
            return Ok(Self::new(cfg, method, route, template));
        }
        let mut path = String::with_capacity(template.len() + 24);
        let mut ids = ids.iter();
        for segment in template.split('/').skip(1) {
            path.push('/');
            if segment.starts_with('{') {
                let (what, id) = ids.next().ok_or(Error::Misuse("a route has more `{}` segments than ids"))?;
                path.push_str(&crate::flows::check_id(what, id)?);
            } else {
                path.push_str(segment);
            }
        }
        Ok(Self::new(cfg, method, route, &path))
    }

    /// The request of a route template without `{…}` segments.
    pub fn fixed(cfg: &Config, route: &'static str) -> Self {
        let (method, path) = split_route(route);
        Self::new(cfg, method, route, path)
    }

    /// Appends an encoded query string (`?k=v`, or nothing).
    pub fn query(mut self, query: &str) -> Self {
        self.url.push_str(query);
        self
    }

    pub fn json(mut self, value: &impl serde::Serialize) -> Self {
        // Serializing our own request types into a Vec cannot fail.
        self.body = Body::bytes(serde_json::to_vec(value).unwrap_or_default());
        self.content_type = Some(ContentType::Json);
        self
    }

    pub fn body(mut self, body: Body, content_type: String) -> Self {
        self.body = body;
        self.content_type = Some(ContentType::Other(content_type));
        self
    }

    pub fn streaming(mut self) -> Self {
        self.streaming = true;
        self
    }

    /// The request with Pareta's headers: bearer key, accept, user agent, content
    /// type, and an idempotency key on POSTs (minted here, once per logical call,
    /// unless per-call options chose one), then the per-call headers and query.
    pub fn build(self, cfg: &Config) -> Result<HttpRequest, Error> {
        let per_call = cfg.per_call();
        let plain_get =
            self.method == Method::Get && !self.streaming && self.content_type.is_none() && self.body.is_empty();
        let headers = if plain_get && per_call.is_none_or(|p| p.headers.is_empty()) {
            // Every header of a plain GET is the client's own: shared, not rebuilt.
            Arc::clone(cfg.get_headers())
        } else {
            Arc::new(self.headers(cfg)?)
        };
        let mut url = self.url;
        if let Some(p) = per_call
            && !p.query.is_empty()
        {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&p.query);
        }
        let (total, idle) = if self.streaming { (None, Some(cfg.timeout())) } else { (Some(cfg.timeout()), None) };
        let override_client = per_call.is_some_and(|p| p.timeouts);
        let connect_per_call = per_call.is_some_and(|p| p.connect);
        let timeouts = Timeouts { connect: cfg.connect_timeout(), total, idle, override_client, connect_per_call };
        let request = HttpRequest {
            method: self.method,
            url: url.into(),
            headers,
            body: self.body,
            streaming: self.streaming,
            timeouts,
            route: self.route,
            max_body: cfg.max_response_bytes(),
            attempt: 1,
        };
        Ok(request.with_content_length())
    }

    /// The headers of a request that is not a plain GET: the client's, then
    /// the body's type, an idempotency key on a POST, the per-call headers.
    fn headers(&self, cfg: &Config) -> Result<http::HeaderMap, Error> {
        use http::header::{self, HeaderValue};
        let accept = if self.streaming { EVENT_STREAM } else { JSON };
        let mut headers = client_headers(cfg.authorization(), accept);
        match &self.content_type {
            Some(ContentType::Json) => drop(headers.insert(header::CONTENT_TYPE, JSON)),
            Some(ContentType::Other(ct)) => {
                let value = HeaderValue::try_from(ct.as_str())
                    .map_err(|_| Error::InvalidArgument(format!("content type {ct:?} is not a valid header value")))?;
                headers.insert(header::CONTENT_TYPE, value);
            }
            None => {}
        }
        let per_call = cfg.per_call();
        if self.method == Method::Post {
            let key = per_call.and_then(|p| p.next_idempotency_key()).unwrap_or_else(|| cfg.rng().uuid_v4());
            let value = HeaderValue::try_from(key)
                .map_err(|_| Error::InvalidArgument("the idempotency key is not a valid header value".into()))?;
            headers.insert(IDEMPOTENCY_KEY, value);
        }
        for (name, value) in per_call.iter().flat_map(|p| &p.headers) {
            headers.insert(name.clone(), value.clone());
        }
        Ok(headers)
    }

    /// The call of this request whose 2xx answer `decode` reads. Invalid
    /// per-call options, or a request that could not be built, fail the call
    /// before anything is sent; the options' own problem is the one reported.
    pub fn call<T>(self, cfg: &Config, decode: Decode<T>) -> Call<T> {
        if let Some(problem) = cfg.per_call().and_then(|p| p.invalid.clone()) {
            return Call::failed(Error::InvalidArgument(problem));
        }
        match self.build(cfg) {
            Ok(request) => Call::new(cfg, request, decode),
            Err(e) => Call::failed(e),
        }
    }
}

// Header values as constants, so that no request checks their bytes again.
pub(crate) const JSON: http::HeaderValue = http::HeaderValue::from_static("application/json");
const EVENT_STREAM: http::HeaderValue = http::HeaderValue::from_static("text/event-stream");
pub(crate) const AGENT: http::HeaderValue = http::HeaderValue::from_static(USER_AGENT);
const IDEMPOTENCY_KEY: http::HeaderName = http::HeaderName::from_static("idempotency-key");

/// The headers every request of a client carries: the key, `accept` and the
/// user agent (room for the few a request adds).
pub(crate) fn client_headers(authorization: &http::HeaderValue, accept: http::HeaderValue) -> http::HeaderMap {
    use http::header;
    let mut headers = http::HeaderMap::with_capacity(8);
    headers.insert(header::AUTHORIZATION, authorization.clone());
    headers.insert(header::ACCEPT, accept);
    headers.insert(header::USER_AGENT, AGENT);
    headers
}

/// A request body's `Content-Type`.
pub(crate) enum ContentType {
    /// `application/json`, the type of almost every body (a constant).
    Json,
    /// Any other (a multipart form's, with its boundary).
    Other(String),
}

/// `"GET /v1/tasks"` → (GET, `/v1/tasks`).
fn split_route(route: &'static str) -> (Method, &'static str) {
    // The common case without a search for the space.
    if let Some(path) = route.strip_prefix("GET ") {
        return (Method::Get, path);
    }
    let (method, path) = route.split_once(' ').unwrap_or(("GET", route));
    let method = match method {
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        _ => Method::Get,
    };
    (method, path)
}

enum State<T> {
    Ready,
    InFlight,
    Backoff { until: Instant },
    Finished(Option<Result<T, Error>>),
}

/// A single HTTP call with retries: the building block of every flow.
pub struct Call<T> {
    request: HttpRequest,
    decode: Decode<T>,
    cfg: Option<Config>,
    retries_done: u32,
    max_retries: u32,
    /// When the first attempt was sent (for `meta().elapsed()`).
    started: Option<Instant>,
    /// Retry-budget tokens this call's retries spent.
    spent: u32,
    state: State<T>,
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match &self.state {
            State::Ready => "ready",
            State::InFlight => "in-flight",
            State::Backoff { .. } => "backoff",
            State::Finished(_) => "finished",
        };
        write!(f, "Call<{} {} attempt={}>", self.request.route, phase, self.retries_done + 1)
    }
}

impl<T> Call<T> {
    /// A call of `request` whose 2xx answer `decode` reads.
    fn new(cfg: &Config, request: HttpRequest, decode: Decode<T>) -> Self {
        Call {
            request,
            decode,
            cfg: Some(cfg.clone()),
            retries_done: 0,
            max_retries: cfg.max_retries(),
            started: None,
            spent: 0,
            state: State::Ready,
        }
    }

    /// A call that never retries (the storage PUT).
    pub(crate) fn once(request: HttpRequest, decode: Decode<T>) -> Self {
        Call {
            request,
            decode,
            cfg: None,
            retries_done: 0,
            max_retries: 0,
            started: None,
            spent: 0,
            state: State::Ready,
        }
    }

    /// A call that fails before sending anything (bad arguments).
    pub(crate) fn failed(error: Error) -> Self {
        Call {
            request: HttpRequest {
                method: Method::Get,
                url: "".into(),
                headers: Arc::default(),
                body: Body::empty(),
                streaming: false,
                timeouts: Timeouts {
                    connect: Default::default(),
                    total: None,
                    idle: None,
                    override_client: false,
                    connect_per_call: false,
                },
                route: "(not sent)",
                max_body: 0,
                attempt: 1,
            },
            decode: Box::new(|_| Err(Error::Misuse("a failed call has no response"))),
            cfg: None,
            retries_done: 0,
            max_retries: 0,
            started: None,
            spent: 0,
            state: State::Finished(Some(Err(error))),
        }
    }

    /// The request this call sends (the same on every attempt).
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    fn retry_or_fail(&mut self, now: Instant, outcome: AttemptOutcome, error: Error) {
        let jitter = self.cfg.as_ref().map_or(0.0, |c| c.rng().next_f64());
        let max_retry_after = self.cfg.as_ref().map_or(retry::MAX_RETRY_AFTER, Config::max_retry_after);
        let decision = retry::decide_capped(self.max_retries, self.retries_done, &outcome, jitter, max_retry_after);
        let timeout = matches!(outcome, AttemptOutcome::Transport(crate::TransportErrorKind::Timeout));
        let budget = self.cfg.as_ref().and_then(Config::retry_budget);
        match decision {
            RetryDecision::Retry { after } => match budget.map(|b| b.try_spend(timeout)) {
                // The client-wide budget is empty: fail now rather than add load.
                Some(None) => self.state = State::Finished(Some(Err(error))),
                paid => {
                    self.spent += paid.flatten().unwrap_or(0);
                    self.retries_done += 1;
                    self.state = State::Backoff { until: now + after };
                }
            },
            RetryDecision::Stop => self.state = State::Finished(Some(Err(error))),
        }
    }
}

impl<T> Flow for Call<T> {
    type Value = T;

    fn poll(&mut self, now: Instant) -> Output<T> {
        match &mut self.state {
            State::Backoff { until } if now < *until => Output::Sleep(*until - now),
            State::Ready | State::Backoff { .. } => {
                self.state = State::InFlight;
                self.started.get_or_insert(now);
                let mut request = self.request.clone();
                request.attempt = self.retries_done + 1;
                Output::Send(request)
            }
            State::InFlight => {
                debug_assert!(false, "Flow::poll called while a request is in flight");
                self.state = State::Finished(None);
                Output::Done(Err(Error::Misuse("poll was called while a request was in flight")))
            }
            State::Finished(result) => {
                Output::Done(result.take().unwrap_or(Err(Error::Misuse("poll was called after Done"))))
            }
        }
    }

    fn handle(&mut self, now: Instant, input: Input<'_>) {
        if !matches!(self.state, State::InFlight) {
            debug_assert!(false, "Flow::handle called without a request in flight");
            return;
        }
        match input {
            Input::Response(resp) if is_success(resp.status) => {
                if let Some(budget) = self.cfg.as_ref().and_then(Config::retry_budget) {
                    budget.on_success(self.spent);
                }
                let info = CallInfo {
                    headers: resp.headers,
                    attempts: self.retries_done + 1,
                    elapsed_ms: self.started.map_or(0, |t| now.saturating_duration_since(t).as_millis()),
                };
                let resp = Response { headers: &info, ..resp };
                self.state = State::Finished(Some((self.decode)(&resp)));
            }
            Input::Response(resp) => {
                let outcome =
                    AttemptOutcome::Status { status: resp.status, retry_after: retry::retry_after(resp.headers) };
                let error = Error::Api(Box::new(crate::error::ApiError::from_response(self.request.route, &resp)));
                self.retry_or_fail(now, outcome, error);
            }
            Input::Transport(e) if e.kind == crate::TransportErrorKind::BodyTooLarge => {
                let error = Error::ResponseTooLarge { route: self.request.route, limit: self.request.max_body };
                self.state = State::Finished(Some(Err(error)));
            }
            Input::Transport(e) => {
                self.retry_or_fail(now, AttemptOutcome::Transport(e.kind), e.into());
            }
        }
    }
}

/// A response's headers plus what the call knows of itself (attempts, and
/// elapsed time on the flow's clock), so every decode can read both through
/// [`meta`] without another argument.
struct CallInfo<'a> {
    headers: &'a dyn HeaderLookup,
    attempts: u32,
    elapsed_ms: u128,
}

impl HeaderLookup for CallInfo<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.header(name)
    }
    fn for_each_header(&self, f: &mut dyn FnMut(&str, &str)) {
        self.headers.for_each_header(f);
    }
    fn call_info(&self) -> Option<(u32, u128)> {
        Some((self.attempts, self.elapsed_ms))
    }
}

/// Response metadata from the headers every response carries, plus the call's
/// attempts and elapsed time.
pub(crate) fn meta(resp: &Response<'_>) -> ResponseMeta {
    let h = resp.headers;
    let pairs = ["x-request-id", "x-pareta-billed", "x-pareta-frontier-would-have-cost", "x-idempotent-replay"]
        .into_iter()
        .filter_map(|n| h.header(n).map(|v| (n, v)));
    let meta = ResponseMeta::from_headers(pairs);
    match h.call_info() {
        Some((attempts, elapsed_ms)) => {
            meta.with_call(attempts, std::time::Duration::from_millis(u64::try_from(elapsed_ms).unwrap_or(u64::MAX)))
        }
        None => meta,
    }
}
