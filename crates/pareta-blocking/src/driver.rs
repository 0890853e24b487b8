//! The driver: performs core's requests with ureq, sleeps on `Sleep`. The only
//! place this crate touches the network.

use pareta_core::trace::{Attempt, CallTrace};
use pareta_core::{
    BodyCollector, BodyPart, Config, Error, Flow, HttpRequest, Input, Output, Response, TransportError,
    TransportErrorKind,
};
use std::fs::File;
use std::io::{self, Read};
use std::time::Instant;
use ureq::http;

/// ureq's TLS settings that trust only `roots` (DER CA certificates).
pub(crate) fn trusting_only(roots: &[Vec<u8>]) -> Result<ureq::tls::TlsConfig, Error> {
    // ureq skips a certificate it cannot read without a word; rustls says so,
    // here, before any request.
    let mut check = rustls::RootCertStore::empty();
    for (i, der) in roots.iter().enumerate() {
        check
            .add(rustls::pki_types::CertificateDer::from(der.as_slice()))
            .map_err(|e| Error::unusable_root_certificate(i, e))?;
    }
    let certs: Vec<_> = roots.iter().map(|der| ureq::tls::Certificate::from_der(der).to_owned()).collect();
    Ok(ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::new_with_certs(&certs)).build())
}

/// The ureq agent and whether the client built it (and so owns its timeouts).
#[derive(Clone, Debug)]
pub(crate) struct Http {
    agent: ureq::Agent,
    owned: bool,
}

/// A live response body, kept for a stream.
pub(crate) type LiveBody = ureq::BodyReader<'static>;

impl Http {
    pub fn new(cfg: &Config, agent: Option<ureq::Agent>) -> Result<Self, Error> {
        match agent {
            Some(_) if cfg.root_certificates().is_some() => Err(Error::InvalidArgument(
                "root_certificates_pem applies to the agent the client builds; with your own agent, set its roots in its TlsConfig".into(),
            )),
            Some(agent) => Ok(Http { agent, owned: false }),
            None => {
                let mut config = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_connect(Some(cfg.connect_timeout()));
                if let Some(roots) = cfg.root_certificates() {
                    config = config.tls_config(trusting_only(roots)?);
                }
                // Caches the base host's addresses: a pooled call resolves nothing.
                Ok(Http { agent: crate::resolver::agent(config.build(), cfg.base_url()), owned: true })
            }
        }
    }

    /// Drives an ordinary flow to its value.
    pub fn run<F: Flow>(&self, flow: F) -> Result<F::Value, Error> {
        self.drive(flow).map(|(value, _)| value)
    }

    /// Drives a streaming flow to its decoder and the live body it reads.
    pub fn run_stream<F: Flow>(&self, flow: F) -> Result<(F::Value, LiveBody), Error> {
        match self.drive(flow)? {
            (value, Some(body)) => Ok((value, body)),
            (_, None) => Err(Error::Misuse("a streaming flow finished without a streamed response")),
        }
    }

    /// The one loop: performs each `Send`, sleeps each `Sleep`, and keeps the
    /// body of a response that core says streams.
    fn drive<F: Flow>(&self, mut flow: F) -> Result<(F::Value, Option<LiveBody>), Error> {
        let mut trace = CallTrace::new();
        let span = trace.span().clone();
        let _entered = span.enter();
        let mut live = None;
        loop {
            let req = match flow.poll(Instant::now()) {
                Output::Send(req) => req,
                Output::Sleep(d) => {
                    std::thread::sleep(d);
                    continue;
                }
                Output::Done(result) => return result.map(|v| (v, live)),
            };
            let started = Instant::now();
            let resp = match self.send(&req) {
                Ok(resp) => resp,
                Err(e) => {
                    trace.attempt(&req, Attempt::Failed(&e), started.elapsed());
                    flow.handle(Instant::now(), Input::Transport(e));
                    continue;
                }
            };
            let (parts, body) = resp.into_parts();
            let headers = &parts.headers;
            let status = parts.status.as_u16();
            trace.attempt(&req, Attempt::Response(status, headers), started.elapsed());
            if req.streams_body(status) {
                live = Some(body.into_reader());
                flow.handle(Instant::now(), Input::Response(Response { status, headers, body: &[] }));
                continue;
            }
            match read_body(body, req.max_body) {
                Ok(bytes) => flow.handle(Instant::now(), Input::Response(Response { status, headers, body: &bytes })),
                Err(e) => flow.handle(Instant::now(), Input::Transport(e)),
            }
        }
    }

    fn send(&self, req: &HttpRequest) -> Result<http::Response<ureq::Body>, TransportError> {
        let mut builder = http::Request::builder().method(req.method.as_str()).uri(&*req.url);
        if let Some(headers) = builder.headers_mut() {
            *headers = http::HeaderMap::clone(&req.headers);
        }
        let sends_body = req.content_length().is_some();
        let other = |e: http::Error| TransportError::new(TransportErrorKind::Other, e.to_string());
        match req.body.as_bytes() {
            Some(_) if !sends_body => self.configured(req, builder.body(()).map_err(other)?),
            Some(bytes) => self.configured(req, builder.body(bytes).map_err(other)?),
            None => {
                let reader = PartsReader { parts: req.body.parts().to_vec().into_iter(), current: None };
                self.configured(req, builder.body(ureq::SendBody::from_owned_reader(reader)).map_err(other)?)
            }
        }
    }

    fn configured<S: ureq::AsSendBody>(
        &self,
        req: &HttpRequest,
        request: http::Request<S>,
    ) -> Result<http::Response<ureq::Body>, TransportError> {
        let mut config = self.agent.configure_request(request).http_status_as_error(false);
        if self.owned || req.timeouts.override_client {
            config = config
                .timeout_connect(Some(req.timeouts.connect))
                .timeout_global(req.timeouts.total)
                .timeout_per_read(req.timeouts.idle);
        }
        self.agent.run(config.build()).map_err(transport_error)
    }
}

/// Reads a whole body within `max` bytes (core's [`BodyCollector`]); on an
/// error the body is dropped unread, and ureq closes its connection.
fn read_body(body: ureq::Body, max: u64) -> Result<Vec<u8>, TransportError> {
    let mut collected = BodyCollector::new(max, body.content_length())?;
    let mut reader = body.into_with_config().limit(u64::MAX).reader();
    if let Some((mut buf, bound)) = collected.read_to_end_buffer() {
        // Straight into place: a read buffer zeroed per call (8 KiB) cost more
        // instructions than the rest of reading a small body.
        return match (&mut reader).take(bound).read_to_end(&mut buf) {
            Ok(_) => collected.finish_read(buf),
            Err(e) => Err(read_error(e)),
        };
    }
    let mut buf = [0u8; 8 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(collected.finish()),
            Ok(n) => collected.push(&buf[..n])?,
            Err(e) => return Err(read_error(e)),
        }
    }
}

/// Streams body parts in order, opening files only when their turn comes.
struct PartsReader {
    parts: std::vec::IntoIter<BodyPart>,
    current: Option<Box<dyn Read + Send>>,
}

impl Read for PartsReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(r) = &mut self.current {
                let n = r.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                self.current = None;
            }
            match self.parts.next() {
                None => return Ok(0),
                Some(BodyPart::Bytes(b)) => self.current = Some(Box::new(io::Cursor::new(b))),
                Some(BodyPart::File { path, len }) => {
                    let file = File::open(&path)
                        .map_err(|e| io::Error::new(e.kind(), format!("could not open {}: {e}", path.display())))?;
                    self.current = Some(Box::new(file.take(len)));
                }
            }
        }
    }
}

/// Maps ureq's error to core's, keeping ureq's types out of the public API.
pub(crate) fn transport_error(e: ureq::Error) -> TransportError {
    TransportError::new(transport_error_kind(&e), e.to_string())
}

fn transport_error_kind(e: &ureq::Error) -> TransportErrorKind {
    match e {
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => TransportErrorKind::Timeout,
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => TransportErrorKind::Connect,
        ureq::Error::Io(_) => TransportErrorKind::Io,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => TransportErrorKind::Connect,
        ureq::Error::Protocol(_) => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    }
}

/// Maps an I/O error while reading a stream.
pub(crate) fn read_error(e: io::Error) -> TransportError {
    // ureq reports its own errors (a per-read timeout, say) wrapped in io::Error.
    if let Some(inner) = e.get_ref().and_then(|inner| inner.downcast_ref::<ureq::Error>()) {
        return TransportError::new(transport_error_kind(inner), inner.to_string());
    }
    let kind = if e.kind() == io::ErrorKind::TimedOut { TransportErrorKind::Timeout } else { TransportErrorKind::Io };
    TransportError::new(kind, e.to_string())
}
