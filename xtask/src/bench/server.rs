//! The loopback benchmark server: hyper's HTTP/1.1 server with fixed answers,
//! so the server is never the bottleneck. It runs in a child process
//! (`bench __server`) on one thread, prints `PORT <n>` and serves until its
//! stdin closes (the harness ended, however it ended) or 30 minutes pass.
//!
//! Routes (any path may carry a `/s/{chunks}/{pause_ms}` prefix, which sets the
//! shape of chat streams; a client gets it by using it in its base URL):
//!
//! | route | answer |
//! |---|---|
//! | `GET /v1/models` | a fixed three-model list |
//! | `GET /v1/tasks/{id}` | a fixed task record |
//! | `POST /v1/chat/completions` | the recorded stream of `chunks` chunks (default 10,000), in 16 KiB chunked frames; with `pause_ms`, the first event, a pause, then the rest |
//! | `POST /v1/eval-sets/{id}/blob-upload-url` | a signed URL on this server's `/storage/` |
//! | `PUT /storage/...` | the body is counted and discarded |
//! | `POST /v1/eval-sets/{id}/blob-upload-complete` | `{"attached": true, "received": <bytes of the last PUT>}` |
//! | `GET /__connections` | `{"before": <connections accepted before this one's>, "http2": <requests>, "http1": <requests>}` |
//!
//! With `--tls h2` or `--tls http1` (item 6) it serves https instead, with a
//! self-signed certificate for `127.0.0.1` (printed as `CERT <hex DER>` after
//! the port), offering `h2, http/1.1` or only `http/1.1` by ALPN, through
//! hyper-util's auto connection builder (HTTP/1.1 and HTTP/2 both spoken, so
//! ALPN alone decides) with at most 1,000 concurrent HTTP/2 streams per
//! connection (hyper's default is 200; 1,000 lets item 6's streams all share
//! one connection instead of queueing behind the limit).

use super::Result;
use super::decode::stream_body;
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The API key every benchmark client sends (the server does not check it).
pub const KEY: &str = "pareta_sk_bench";

const FRAME: usize = 16 * 1024;
const LIFETIME: Duration = Duration::from_secs(30 * 60);

const MODELS: &str = r#"{"object":"list","data":[{"id":"ep_contract_kie","object":"model","owned_by":"pareta","created":1767225600},{"id":"ep_invoice_extraction_1","object":"model","owned_by":"pareta","created":1767225601},{"id":"ep_ticket_triage_2","object":"model","owned_by":"pareta","created":1767225602}]}"#;

const TASK: &str = r#"{"id":"contract-key-fields","name":"Contract key fields","description":"Extract the parties, effective date, term, governing law and total fees from a commercial contract.","default_scorer":"extraction_f1","has_blob_input":false,"input_schema":{"type":"object","properties":{"input":{"type":"string"}}},"output_schema":{"type":"object","properties":{"parties":{"type":"array"},"effective_date":{"type":"string"},"term_months":{"type":"integer"},"governing_law":{"type":"string"},"total_fees":{"type":"string"}}},"created_at":"2026-01-01T00:00:00Z"}"#;

type Body = UnsyncBoxBody<Bytes, Infallible>;

struct State {
    port: u16,
    streams: Mutex<HashMap<usize, Bytes>>,
    last_put: AtomicU64,
    /// Connections accepted, and requests seen per protocol (item 6).
    connections: AtomicU64,
    http2: AtomicU64,
    http1: AtomicU64,
}

impl State {
    fn stream(&self, chunks: usize) -> Bytes {
        let mut map = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(chunks).or_insert_with(|| Bytes::from(stream_body(chunks))).clone()
    }
}

/// The server as seen from the harness: a child process and its base URL.
pub struct Child {
    proc: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Child {
    /// Starts `bench __server` and waits for its port.
    pub fn start() -> Result<Child> {
        Ok(Child::spawn(&[])?.0)
    }

    /// Starts `bench __server --tls h2|http1` (item 6); returns it with the
    /// DER of its self-signed certificate. Its base URL is `https://127.0.0.1:PORT`.
    pub fn start_tls(alpn: &str) -> Result<(Child, Vec<u8>)> {
        let (child, cert) = Child::spawn(&["--tls", alpn])?;
        Ok((child, cert.ok_or("the TLS bench server printed no certificate")?))
    }

    fn spawn(args: &[&str]) -> Result<(Child, Option<Vec<u8>>)> {
        let exe = std::env::current_exe()?;
        let mut proc = Command::new(exe)
            .args(["bench", "__server"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = proc.stdout.take().ok_or("no stdout from the bench server")?;
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let port: u16 = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("the bench server did not report its port: {line:?}"))?;
        let tls = !args.is_empty();
        let cert = if tls {
            let mut line = String::new();
            stdout.read_line(&mut line)?;
            let hex = line.trim().strip_prefix("CERT ").ok_or("the TLS bench server did not report its certificate")?;
            Some(from_hex(hex)?)
        } else {
            None
        };
        let scheme = if tls { "https" } else { "http" };
        Ok((Child { proc, base: format!("{scheme}://127.0.0.1:{port}") }, cert))
    }

    /// A base URL whose chat streams have `chunks` chunks and pause `pause_ms`
    /// after the first event.
    pub fn stream_base(&self, chunks: usize, pause_ms: u64) -> String {
        format!("{}/s/{chunks}/{pause_ms}", self.base)
    }

    /// The base URL with a host name, `http://localhost:PORT`: the path users
    /// take (a name to resolve, as `api.pareta.ai` is).
    pub fn named_base(&self) -> String {
        named(&self.base)
    }
}

/// `url` with its `127.0.0.1` host replaced by `localhost`.
pub fn named(url: &str) -> String {
    url.replacen("127.0.0.1", "localhost", 1)
}

impl Drop for Child {
    fn drop(&mut self) {
        drop(self.proc.stdin.take()); // EOF: the server exits
        for _ in 0..50 {
            if let Ok(Some(_)) = self.proc.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.proc.kill();
        let _ = self.proc.wait();
    }
}

/// Lower-case hex of `bytes` (how the TLS server hands its certificate over).
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of [`to_hex`]'s text.
pub fn from_hex(hex: &str) -> Result<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return Err("odd-length hex".into());
    }
    (0..hex.len()).step_by(2).map(|i| Ok(u8::from_str_radix(&hex[i..i + 2], 16)?)).collect()
}

/// A TLS acceptor with a fresh self-signed certificate for `127.0.0.1`,
/// offering `alpn`; returns it with the certificate's DER.
fn tls_acceptor(alpn: &[&[u8]]) -> Result<(tokio_rustls::TlsAcceptor, Vec<u8>)> {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])?;
    let cert = key.cert.der().clone();
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], private)?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), cert.to_vec()))
}

/// `bench __server [--tls h2|http1]`: serve on an ephemeral loopback port.
pub fn serve_child(args: &[String]) -> Result {
    let tls = match args.iter().position(|a| a == "--tls").map(|i| args.get(i + 1).map(String::as_str)) {
        None => None,
        Some(Some("h2")) => Some(tls_acceptor(&[b"h2", b"http/1.1"])?),
        Some(Some("http1")) => Some(tls_acceptor(&[b"http/1.1"])?),
        Some(other) => return Err(format!("bench server: --tls {other:?} is not h2 or http1").into()),
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        println!("PORT {port}");
        if let Some((_, cert)) = &tls {
            println!("CERT {}", to_hex(cert));
        }
        std::io::Write::flush(&mut std::io::stdout())?;
        // Stop when the harness goes away (its end of our stdin closes).
        std::thread::spawn(|| {
            let mut sink = [0u8; 64];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            std::process::exit(0);
        });
        let state = Arc::new(State {
            port,
            streams: Mutex::new(HashMap::new()),
            last_put: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            http2: AtomicU64::new(0),
            http1: AtomicU64::new(0),
        });
        let accept = async {
            loop {
                let Ok((sock, _)) = listener.accept().await else { continue };
                let _ = sock.set_nodelay(true);
                let st = Arc::clone(&state);
                let before = st.connections.fetch_add(1, Ordering::SeqCst);
                let acceptor = tls.as_ref().map(|(a, _)| a.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(req, Arc::clone(&st), before));
                    let Some(acceptor) = acceptor else {
                        let _ = http1::Builder::new()
                            .timer(TokioTimer::new())
                            .serve_connection(TokioIo::new(sock), svc)
                            .await;
                        return;
                    };
                    let Ok(tls) = acceptor.accept(sock).await else { return };
                    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    builder.http1().timer(TokioTimer::new());
                    builder.http2().timer(TokioTimer::new()).max_concurrent_streams(1_000);
                    let _ = builder.serve_connection(TokioIo::new(tls), svc).await;
                });
            }
        };
        tokio::select! {
            () = accept => {}
            () = tokio::time::sleep(LIFETIME) => eprintln!("bench server: lifetime over, exiting"),
        }
        Ok(())
    })
}

fn full(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()).boxed_unsync());
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert("content-type", hyper::header::HeaderValue::from_static(content_type));
    h.insert("x-request-id", hyper::header::HeaderValue::from_static("req_bench"));
    resp
}

fn json(body: impl Into<Bytes>) -> Response<Body> {
    full(StatusCode::OK, "application/json", body)
}

/// Splits `/s/{chunks}/{pause_ms}/rest` into its parameters and `/rest`.
fn stream_params(path: &str) -> (usize, u64, &str) {
    if let Some(rest) = path.strip_prefix("/s/") {
        let mut parts = rest.splitn(3, '/');
        if let (Some(n), Some(p), Some(tail)) = (parts.next(), parts.next(), parts.next())
            && let (Ok(n), Ok(p)) = (n.parse(), p.parse())
        {
            return (n, p, &path[path.len() - tail.len() - 1..]);
        }
    }
    (10_000, 0, path)
}

async fn drain(body: Incoming) -> u64 {
    let mut body = body;
    let mut n = 0u64;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => n += f.data_ref().map_or(0, |d| d.len() as u64),
            Err(_) => break,
        }
    }
    n
}

/// Answers `req`, which came on the connection accepted after `before` others.
async fn handle(
    req: Request<Incoming>,
    st: Arc<State>,
    before: u64,
) -> std::result::Result<Response<Body>, Infallible> {
    if req.uri().path() != "/__connections" {
        let counter = if req.version() == hyper::Version::HTTP_2 { &st.http2 } else { &st.http1 };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let (chunks, pause_ms, route) = stream_params(&path);
    let resp = match (&method, route) {
        (&Method::GET, "/v1/models") => json(MODELS),
        (&Method::GET, "/__connections") => json(format!(
            r#"{{"before":{before},"http2":{},"http1":{}}}"#,
            st.http2.load(Ordering::Relaxed),
            st.http1.load(Ordering::Relaxed)
        )),
        (&Method::GET, r) if r.starts_with("/v1/tasks/") => json(TASK),
        (&Method::POST, "/v1/chat/completions") => {
            drain(req.into_body()).await;
            sse(st.stream(chunks), Duration::from_millis(pause_ms))
        }
        (&Method::POST, r) if r.ends_with("/blob-upload-url") => {
            drain(req.into_body()).await;
            json(format!(
                r#"{{"upload_url":"http://127.0.0.1:{}/storage/bench/doc.pdf?sig=bench","storage_uri":"gs://bench/doc.pdf"}}"#,
                st.port
            ))
        }
        (&Method::PUT, r) if r.starts_with("/storage/") => {
            let n = drain(req.into_body()).await;
            st.last_put.store(n, Ordering::Relaxed);
            full(StatusCode::OK, "text/plain", Bytes::new())
        }
        (&Method::POST, r) if r.ends_with("/blob-upload-complete") => {
            drain(req.into_body()).await;
            json(format!(r#"{{"attached":true,"received":{}}}"#, st.last_put.load(Ordering::Relaxed)))
        }
        _ => full(StatusCode::NOT_FOUND, "application/json", r#"{"detail":"no such bench route"}"#),
    };
    Ok(resp)
}

/// The stream body in 16 KiB frames; with a pause, the first event goes alone
/// and the rest follows `pause` later.
fn sse(body: Bytes, pause: Duration) -> Response<Body> {
    let first_end = memchr::memmem::find(&body, b"\n\n").map_or(body.len(), |i| i + 2);
    let frames = futures_util::stream::unfold(0usize, move |pos| {
        let body = body.clone();
        async move {
            if pos >= body.len() {
                return None;
            }
            let end = if pause.is_zero() {
                (pos + FRAME).min(body.len())
            } else if pos == 0 {
                first_end
            } else {
                if pos == first_end {
                    tokio::time::sleep(pause).await;
                }
                (pos + FRAME).min(body.len())
            };
            Some((Ok::<_, Infallible>(Frame::data(body.slice(pos..end))), end))
        }
    });
    let mut resp = Response::new(StreamBody::new(frames).boxed_unsync());
    let h = resp.headers_mut();
    h.insert("content-type", hyper::header::HeaderValue::from_static("text/event-stream"));
    h.insert("cache-control", hyper::header::HeaderValue::from_static("no-cache"));
    h.insert("x-request-id", hyper::header::HeaderValue::from_static("req_bench"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_prefix() {
        assert_eq!(stream_params("/s/200/50/v1/chat/completions"), (200, 50, "/v1/chat/completions"));
        assert_eq!(stream_params("/v1/models"), (10_000, 0, "/v1/models"));
        assert_eq!(stream_params("/s/x/50/v1/models"), (10_000, 0, "/s/x/50/v1/models"));
    }

    #[test]
    fn certificate_hex_round_trip() {
        let der = [0x30, 0x82, 0x00, 0xff, 0x0a];
        assert_eq!(to_hex(&der), "308200ff0a");
        assert_eq!(from_hex(&to_hex(&der)).unwrap(), der);
        assert!(from_hex("abc").is_err() && from_hex("zz").is_err());
    }
}
