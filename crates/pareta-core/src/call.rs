//! One HTTP call as a flow: build the request, send it, retry transient
//! failures with backoff, decode the answer. Every operation is made of these.

use crate::config::{Config, USER_AGENT};
use crate::error::Error;
use crate::http::{Body, Flow, HttpRequest, Input, Method, Output, Response, Timeouts, is_success};
use crate::retry::{self, AttemptOutcome, RetryDecision};
use pareta_types::ResponseMeta;
use std::fmt;
use std::time::Instant;

/// Turns a 2xx response into the call's value.
pub type Decode<T> = Box<dyn FnMut(&Response<'_>) -> Result<T, Error> + Send>;

/// Builds requests against a [`Config`]: URL, headers, timeouts.
pub(crate) struct RequestSpec {
    pub method: Method,
    pub route: &'static str,
    pub url: String,
    pub body: Body,
    pub content_type: Option<String>,
    pub streaming: bool,
}

impl RequestSpec {
    pub fn new(cfg: &Config, method: Method, route: &'static str, path_and_query: &str) -> Self {
        RequestSpec {
            method,
            route,
            url: format!("{}{}", cfg.base_url(), path_and_query),
            body: Body::empty(),
            content_type: None,
            streaming: false,
        }
    }

    pub fn json(mut self, value: &impl serde::Serialize) -> Self {
        // Serializing our own request types into a Vec cannot fail.
        self.body = Body::bytes(serde_json::to_vec(value).unwrap_or_default());
        self.content_type = Some("application/json".to_owned());
        self
    }

    pub fn body(mut self, body: Body, content_type: String) -> Self {
        self.body = body;
        self.content_type = Some(content_type);
        self
    }

    pub fn streaming(mut self) -> Self {
        self.streaming = true;
        self
    }

    /// The request with Pareta's headers: bearer key, accept, user agent, content
    /// type, and an idempotency key on POSTs (minted here, once per logical call).
    pub fn build(self, cfg: &Config) -> HttpRequest {
        let accept = if self.streaming { "text/event-stream" } else { "application/json" };
        let mut headers = vec![
            ("authorization", cfg.api_key().bearer()),
            ("accept", accept.to_owned()),
            ("user-agent", USER_AGENT.to_owned()),
        ];
        if let Some(ct) = self.content_type {
            headers.push(("content-type", ct));
        }
        if self.method == Method::Post {
            headers.push(("idempotency-key", cfg.rng().uuid_v4()));
        }
        let timeouts = if self.streaming {
            Timeouts { connect: cfg.connect_timeout(), total: None, idle: Some(cfg.timeout()) }
        } else {
            Timeouts { connect: cfg.connect_timeout(), total: Some(cfg.timeout()), idle: None }
        };
        HttpRequest {
            method: self.method,
            url: self.url,
            headers,
            body: self.body,
            streaming: self.streaming,
            timeouts,
            route: self.route,
            attempt: 1,
        }
    }
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
    pub(crate) fn new(cfg: &Config, request: HttpRequest, decode: Decode<T>) -> Self {
        Call {
            request,
            decode,
            cfg: Some(cfg.clone()),
            retries_done: 0,
            max_retries: cfg.max_retries(),
            state: State::Ready,
        }
    }

    /// A call that never retries (the storage PUT).
    pub(crate) fn once(request: HttpRequest, decode: Decode<T>) -> Self {
        Call { request, decode, cfg: None, retries_done: 0, max_retries: 0, state: State::Ready }
    }

    /// A call that fails before sending anything (bad arguments).
    pub(crate) fn failed(error: Error) -> Self {
        Call {
            request: HttpRequest {
                method: Method::Get,
                url: String::new(),
                headers: Vec::new(),
                body: Body::empty(),
                streaming: false,
                timeouts: Timeouts { connect: Default::default(), total: None, idle: None },
                route: "(not sent)",
                attempt: 1,
            },
            decode: Box::new(|_| Err(Error::Misuse("a failed call has no response"))),
            cfg: None,
            retries_done: 0,
            max_retries: 0,
            state: State::Finished(Some(Err(error))),
        }
    }

    /// The request this call sends (the same on every attempt).
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    fn retry_or_fail(&mut self, now: Instant, outcome: AttemptOutcome, error: Error) {
        let jitter = self.cfg.as_ref().map_or(0.0, |c| c.rng().next_f64());
        match retry::decide(self.max_retries, self.retries_done, &outcome, jitter) {
            RetryDecision::Retry { after } => {
                self.retries_done += 1;
                self.state = State::Backoff { until: now + after };
            }
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
                self.state = State::Finished(Some((self.decode)(&resp)));
            }
            Input::Response(resp) => {
                let outcome =
                    AttemptOutcome::Status { status: resp.status, retry_after: retry::retry_after(resp.headers) };
                let error = Error::Api(Box::new(crate::error::ApiError::from_response(self.request.route, &resp)));
                self.retry_or_fail(now, outcome, error);
            }
            Input::Transport(e) => {
                self.retry_or_fail(now, AttemptOutcome::Transport(e.kind), e.into());
            }
        }
    }
}

/// Response metadata from the headers every response carries.
pub(crate) fn meta(resp: &Response<'_>) -> ResponseMeta {
    let h = resp.headers;
    let pairs = ["x-request-id", "x-pareta-billed", "x-pareta-frontier-would-have-cost", "x-idempotent-replay"]
        .into_iter()
        .filter_map(|n| h.header(n).map(|v| (n, v)));
    ResponseMeta::from_headers(pairs)
}
