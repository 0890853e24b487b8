//! The driver: performs core's requests with reqwest, sleeps on `Sleep` with
//! tokio. The only place this crate touches the network.

use bytes::Bytes;
use futures_core::Stream;
use futures_util::{FutureExt, StreamExt, TryStreamExt, stream};
use pareta_core::trace::{Attempt, CallTrace};
use pareta_core::{
    BodyCollector, BodyPart, Config, Error, Flow, HttpRequest, Input, Output, Response, TransportError,
    TransportErrorKind,
};
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

use crate::origin::Origin;
use crate::tls::{self, Tls};

/// The reqwest client and whether the SDK built it (and so owns its timeouts).
#[derive(Clone, Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    owned: bool,
    /// Shared, so that a `with_options` view copies no strings.
    origin: Option<Arc<Origin>>,
    /// What a client of the SDK's is built from, for a per-call connect
    /// timeout (`None` on a client of yours).
    recipe: Option<Arc<Recipe>>,
}

/// reqwest fixes a client's connect timeout when it is built, so a per-call
/// connect timeout other than the client's connects through a client built
/// with it: one per value asked for, kept as long as the client (each with a
/// connection pool of its own).
#[derive(Debug)]
struct Recipe {
    cfg: Config,
    tls: Tls,
    by_connect: std::sync::Mutex<Vec<(Duration, reqwest::Client)>>,
}

/// A live response body, kept for a stream, with the idle limit of each read
/// (`None` on a caller's client, whose settings govern).
pub(crate) struct LiveBody {
    pub response: reqwest::Response,
    pub idle: Option<Duration>,
}

impl Http {
    /// Keeps the caller's client, or builds one with `tls`. An https base URL
    /// whose backend is not compiled in fails here, before any request.
    pub fn new(cfg: &Config, client: Option<reqwest::Client>, tls: Tls) -> Result<Self, Error> {
        if let Some(client) = client {
            if cfg.root_certificates().is_some() {
                return Err(Error::InvalidArgument(
                    "root_certificates_pem applies to the HTTP client the SDK builds; with your own reqwest::Client, set its roots on its builder".into(),
                ));
            }
            return Ok(Http { client, owned: false, origin: Origin::of(cfg.base_url()).map(Arc::new), recipe: None });
        }
        let client = build_client(cfg, tls, cfg.connect_timeout())?;
        let recipe = Recipe { cfg: cfg.clone(), tls, by_connect: Default::default() };
        Ok(Http {
            client,
            owned: true,
            origin: Origin::of(cfg.base_url()).map(Arc::new),
            recipe: Some(Arc::new(recipe)),
        })
    }

    /// The client to connect with when `req`'s connect timeout is not the
    /// client's own (`None`: the client's), which only per-call options do. A
    /// client of yours cannot be given one (reqwest has no per-request connect
    /// timeout): refused, before sending.
    fn other_client(&self, req: &HttpRequest) -> Result<Option<reqwest::Client>, Error> {
        let connect = req.timeouts.connect;
        match &self.recipe {
            _ if !req.timeouts.connect_per_call => Ok(None),
            Some(recipe) if connect == recipe.cfg.connect_timeout() => Ok(None),
            Some(recipe) => {
                let mut built = recipe.by_connect.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some((_, client)) = built.iter().find(|(d, _)| *d == connect) {
                    return Ok(Some(client.clone()));
                }
                let client = build_client(&recipe.cfg, recipe.tls, connect)?;
                built.push((connect, client.clone()));
                Ok(Some(client))
            }
            None => Err(Error::InvalidArgument(format!(
                "a per-call connect_timeout ({}s) cannot be applied to a reqwest::Client you passed in: reqwest fixes \
                 the connect timeout when a client is built, so set it on your client's builder",
                connect.as_secs_f64()
            ))),
        }
    }

    // The call's future is what a caller's task stores and moves, so these
    // are plain functions around one `async move` block: an `async fn` keeps
    // each argument apart from the local it moves into (a flow is ~350
    // bytes), and every layer of them kept its own copy.

    /// Drives an ordinary flow to its value.
    pub fn run<'a, F: Flow + Send + 'a>(&'a self, flow: F) -> impl Future<Output = Result<F::Value, Error>> + 'a {
        self.drive(flow).map(|done| done.map(|(value, _)| value))
    }

    /// Drives a streaming flow to its decoder and the live body it reads.
    pub fn run_stream<'a, F: Flow + Send + 'a>(
        &'a self,
        flow: F,
    ) -> impl Future<Output = Result<(F::Value, LiveBody), Error>> + 'a {
        self.drive(flow).map(|done| match done? {
            (value, Some(body)) => Ok((value, body)),
            (_, None) => Err(Error::Misuse("a streaming flow finished without a streamed response")),
        })
    }

    /// The one loop, in the call's span: performs each `Send`, sleeps each
    /// `Sleep`, and keeps the body of a response that core says streams.
    fn drive<'a, F: Flow + Send + 'a>(
        &'a self,
        flow: F,
    ) -> impl Future<Output = Result<(F::Value, Option<LiveBody>), Error>> + 'a {
        use tracing::Instrument;
        let trace = CallTrace::new();
        let span = trace.span().clone();
        self.drive_in(flow, trace).instrument(span)
    }

    fn drive_in<'a, F: Flow + Send + 'a>(
        &'a self,
        flow: F,
        trace: CallTrace,
    ) -> impl Future<Output = Result<(F::Value, Option<LiveBody>), Error>> + 'a {
        // Bound here and captured by the block: one copy of each.
        let (mut flow, mut trace) = (flow, trace);
        async move {
            let mut live = None;
            loop {
                let req = match flow.poll(Instant::now()) {
                    Output::Send(req) => req,
                    Output::Sleep(d) => {
                        tokio::time::sleep(d).await;
                        continue;
                    }
                    Output::Done(result) => return result.map(|v| (v, live)),
                };
                let other = match self.other_client(&req) {
                    Ok(other) => other,
                    Err(e) => return Err(e),
                };
                let client = other.as_ref().unwrap_or(&self.client);
                let governs = self.owned || req.timeouts.override_client;
                let idle = if governs { req.timeouts.idle } else { None };
                let total = if governs { req.timeouts.total } else { None };
                let started = Instant::now();
                // One timer for the attempt's whole exchange, headers and body,
                // held in this future: reqwest's own per-request timeout boxes
                // a timer for the headers and another layer for the body.
                let mut deadline = pin!(total.map(tokio::time::sleep));
                let sent = {
                    // Scoped, so that its state and the body read's share memory.
                    let sending = pin!(self.send(client, &req, idle));
                    before(deadline.as_mut().as_pin_mut(), sending, || total_timeout(&req, total)).await
                };
                let mut resp = match sent {
                    Ok(resp) => resp,
                    Err(e) => {
                        trace.attempt(&req, Attempt::Failed(&e), started.elapsed());
                        flow.handle(Instant::now(), Input::Transport(e));
                        continue;
                    }
                };
                let status = resp.status().as_u16();
                trace.attempt(&req, Attempt::Response(status, resp.headers()), started.elapsed());
                if req.streams_body(status) {
                    flow.handle(
                        Instant::now(),
                        Input::Response(Response { status, headers: resp.headers(), body: &[] }),
                    );
                    live = Some(LiveBody { response: resp, idle });
                    continue;
                }
                // Moved out, not cloned: reading the body needs no headers.
                let header_map = std::mem::take(resp.headers_mut());
                let read = {
                    let reading = pin!(read_body(resp, idle, req.max_body));
                    before(deadline.as_mut().as_pin_mut(), reading, || total_timeout(&req, total)).await
                };
                match read {
                    Ok(body) => flow.handle(
                        Instant::now(),
                        Input::Response(Response { status, headers: &header_map, body: &body }),
                    ),
                    Err(e) => flow.handle(Instant::now(), Input::Transport(e)),
                }
            }
        }
    }

    /// Sends one request and waits for the response headers.
    async fn send(
        &self,
        client: &reqwest::Client,
        req: &HttpRequest,
        idle: Option<Duration>,
    ) -> Result<reqwest::Response, TransportError> {
        let method = match req.method {
            pareta_core::Method::Get => reqwest::Method::GET,
            pareta_core::Method::Post => reqwest::Method::POST,
            method => reqwest::Method::from_bytes(method.as_str().as_bytes())
                .map_err(|e| TransportError::new(TransportErrorKind::Other, e.to_string()))?,
        };
        let url = match self.origin.as_ref().and_then(|o| o.join(&req.url)) {
            Some(url) => url,
            // Not printed: a presigned upload URL carries its signature.
            None => reqwest::Url::parse(&req.url).map_err(|e| {
                TransportError::new(TransportErrorKind::Other, format!("the URL of {} is not valid: {e}", req.route))
            })?,
        };
        // Only an idle limit reads the upload's progress: an ordinary call
        // allocates no clock for it.
        let progress = idle.map(|_| Progress::new());
        let mut request = reqwest::Request::new(method, url);
        *request.headers_mut() = reqwest::header::HeaderMap::clone(&req.headers);
        *request.body_mut() = match req.body.parts() {
            [] => None,
            [BodyPart::Bytes(b)] => Some(Bytes::from_owner(Arc::clone(b)).into()),
            parts => Some(reqwest::Body::wrap_stream(body_stream(parts.to_vec(), progress.clone()))),
        };
        let mut sending = pin!(client.execute(request));
        let (Some(idle), Some(progress)) = (idle, progress) else {
            return sending.await.map_err(transport_error);
        };
        // No response within `idle` of the last progress (the start, or the last
        // body chunk handed to the connection) is a timeout; a slow upload that
        // keeps moving is not.
        loop {
            let deadline = progress.last() + idle;
            match tokio::time::timeout_at(deadline.into(), sending.as_mut()).await {
                Ok(result) => return result.map_err(transport_error),
                Err(_) if progress.last() + idle <= Instant::now() => {
                    return Err(TransportError::new(
                        TransportErrorKind::Timeout,
                        format!("no response from {} within {}s", req.route, idle.as_secs_f64()),
                    ));
                }
                Err(_) => {}
            }
        }
    }
}

/// `work`, or the `expired` error once `deadline` passes first (no deadline:
/// `work` alone). `work` is polled first, as `tokio::time::timeout` does, so
/// a reply that is ready wins over a deadline that is too. Both are pinned by
/// the caller, so that this future holds two pointers, not a copy of `work`.
fn before<'a, T>(
    mut deadline: Option<Pin<&'a mut tokio::time::Sleep>>,
    mut work: Pin<&'a mut impl Future<Output = Result<T, TransportError>>>,
    expired: impl Fn() -> TransportError + 'a,
) -> impl Future<Output = Result<T, TransportError>> + 'a {
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(done) = work.as_mut().poll(cx) {
            return Poll::Ready(done);
        }
        match deadline.as_mut() {
            Some(deadline) => deadline.as_mut().poll(cx).map(|()| Err(expired())),
            None => Poll::Pending,
        }
    })
}

/// The total deadline of an ordinary call that passed (`total` is the limit).
fn total_timeout(req: &HttpRequest, total: Option<Duration>) -> TransportError {
    let secs = total.unwrap_or_default().as_secs_f64();
    TransportError::new(TransportErrorKind::Timeout, format!("{} did not complete within {secs}s", req.route))
}

/// Reads a whole body; with an idle limit, each read gets at most `idle`.
/// Within `max` bytes (core's [`BodyCollector`]); dropping `resp` on an error
/// drops the connection (HTTP/1.1) or resets only its stream (HTTP/2).
fn read_body(
    resp: reqwest::Response,
    idle: Option<Duration>,
    max: u64,
) -> impl Future<Output = Result<Vec<u8>, TransportError>> {
    // A plain function for the reason `drive_in` is one: one copy of `resp`.
    let mut resp = resp;
    async move {
        let mut body = BodyCollector::new(max, resp.content_length())?;
        loop {
            let chunk = match idle {
                Some(idle) => tokio::time::timeout(idle, resp.chunk()).await.map_err(|_| idle_timeout(idle))?,
                None => resp.chunk().await,
            };
            match chunk.map_err(transport_error)? {
                Some(chunk) => body.push(&chunk)?,
                None => return Ok(body.finish()),
            }
        }
    }
}

/// When the request body last made progress (shared with its stream).
#[derive(Clone)]
struct Progress {
    start: Instant,
    nanos: Arc<AtomicU64>,
}

impl Progress {
    fn new() -> Self {
        Progress { start: Instant::now(), nanos: Arc::new(AtomicU64::new(0)) }
    }
    fn touch(&self) {
        let elapsed = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_max(elapsed, Ordering::Relaxed);
    }
    fn last(&self) -> Instant {
        self.start + Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
}

/// How much of a file is read per body chunk.
const FILE_CHUNK: usize = 64 * 1024;

type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// The body parts as one stream, opening each file only when its turn comes and
/// reading it in chunks (never whole); each chunk marks `progress`, if kept.
fn body_stream(parts: Vec<BodyPart>, progress: Option<Progress>) -> ByteStream {
    stream::iter(parts).flat_map(part_stream).inspect(move |_| progress.iter().for_each(Progress::touch)).boxed()
}

fn part_stream(part: BodyPart) -> ByteStream {
    match part {
        BodyPart::Bytes(b) => stream::once(async move { Ok(Bytes::from_owner(b)) }).boxed(),
        BodyPart::File { path, len } => {
            let opened = async move {
                let file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| io::Error::new(e.kind(), format!("could not open {}: {e}", path.display())))?;
                let chunks = tokio_util::io::ReaderStream::with_capacity(file.take(len), FILE_CHUNK);
                // A file that shrank since it was measured would leave the body
                // short of its Content-Length: say so instead.
                Ok::<_, io::Error>(with_length_check(chunks, path, len))
            };
            stream::once(opened).try_flatten().boxed()
        }
    }
}

/// Passes `chunks` through, then fails if they added up to less than `len`.
fn with_length_check(
    chunks: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
    path: std::path::PathBuf,
    len: u64,
) -> ByteStream {
    let counted = Arc::new(AtomicU64::new(0));
    let tally = Arc::clone(&counted);
    let body = chunks.inspect(move |c| {
        if let Ok(c) = c {
            tally.fetch_add(c.len() as u64, Ordering::Relaxed);
        }
    });
    let tail = stream::once(async move {
        let got = counted.load(Ordering::Relaxed);
        if got < len {
            Some(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} shrank while it was being sent ({got} of {len} bytes)", path.display()),
            )))
        } else {
            None
        }
    })
    .filter_map(|x| async move { x });
    body.chain(tail).boxed()
}

/// A reqwest client with `tls`, `cfg`'s root certificates and `connect` as
/// its connect timeout.
fn build_client(cfg: &Config, tls: Tls, connect: Duration) -> Result<reqwest::Client, Error> {
    let builder = reqwest::Client::builder().connect_timeout(connect);
    let builder = match tls::with_backend(builder, tls, cfg.root_certificates())? {
        Some(builder) => builder,
        // Built with no TLS at all, plain http (a local server) still works.
        None if !tls::any_available() && !cfg.base_url().starts_with("https:") => {
            reqwest::Client::builder().connect_timeout(connect)
        }
        None => return Err(tls::unavailable(tls, Some(cfg.base_url()))),
    };
    builder.build().map_err(|e| client_error(&e))
}

fn client_error(e: &dyn std::error::Error) -> Error {
    TransportError::new(TransportErrorKind::Other, format!("could not build the HTTP client: {}", describe(e))).into()
}

/// Maps reqwest's error to core's, keeping reqwest's types out of the public API.
pub(crate) fn transport_error(e: reqwest::Error) -> TransportError {
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    };
    TransportError::new(kind, describe(&e))
}

/// An idle limit that passed while reading a body.
pub(crate) fn idle_timeout(idle: Duration) -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout,
        format!("no data from the server for {}s while reading the response", idle.as_secs_f64()),
    )
}

/// The error and its causes on one line (reqwest's own `Display` names only the
/// outermost layer, e.g. "error sending request").
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paused time: a sleep ends when nothing else can run, at its exact
    /// instant, so these tests neither wait nor depend on the machine's speed.
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().expect("a runtime")
    }

    fn expired() -> TransportError {
        TransportError::new(TransportErrorKind::Timeout, "expired")
    }

    #[test]
    fn a_ready_reply_wins_over_a_deadline_that_passed_too() {
        runtime().block_on(async {
            let mut deadline = pin!(tokio::time::sleep(Duration::ZERO));
            tokio::time::sleep(Duration::from_millis(5)).await;
            let work = pin!(async { Ok::<_, TransportError>(7) });
            assert_eq!(before(Some(deadline.as_mut()), work, expired).await.unwrap(), 7);
        });
    }

    #[test]
    fn a_deadline_ends_work_that_never_replies_and_one_timer_serves_two_steps() {
        runtime().block_on(async {
            let mut deadline = pin!(tokio::time::sleep(Duration::from_millis(50)));
            let started = tokio::time::Instant::now();
            // The first step finishes in time; the second hangs and meets the
            // same deadline, not one that started again with it.
            let first = pin!(async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                Ok::<_, TransportError>(())
            });
            before(Some(deadline.as_mut()), first, expired).await.unwrap();
            let second = pin!(std::future::pending::<Result<(), TransportError>>());
            let guarded =
                tokio::time::timeout(Duration::from_secs(1), before(Some(deadline.as_mut()), second, expired));
            let err = guarded.await.expect("the deadline, not the guard, ends the wait").unwrap_err();
            assert_eq!(err.kind, TransportErrorKind::Timeout);
            assert_eq!(started.elapsed(), Duration::from_millis(50));
        });
    }

    #[test]
    fn without_a_deadline_the_work_alone_decides() {
        runtime().block_on(async {
            let work = pin!(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, TransportError>("done")
            });
            assert_eq!(before(None, work, expired).await.unwrap(), "done");
        });
    }
}
