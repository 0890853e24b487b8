//! A raw HTTP/1.1 server on loopback with byte-level control over the answer.
//!
//! Every connection carries one request and is closed after the answer
//! (`connection: close`). Each request is recorded as received ([`RawRequest`]),
//! then answered by a handler: either a scripted [`Reply`] (status, headers, body
//! chunks, a delay between chunks, the framing, a cut before the end), or any
//! code that writes to the socket itself through a [`Conn`].
//!
//! Threads, not a runtime: the same server tests the blocking and the async client.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};

use socket2::{Domain, Protocol, Socket, Type};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// At most this much of a request body is kept in [`RawRequest::body`]; the rest
/// is counted ([`RawRequest::body_len`]) and hashed ([`RawRequest::body_fnv`]).
pub const BODY_KEPT: usize = 1 << 20;

/// One request as the server read it.
#[derive(Clone, Debug, Default)]
pub struct RawRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target: path and query, as sent.
    pub target: String,
    /// Every header line in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The first [`BODY_KEPT`] bytes of the body.
    pub body: Vec<u8>,
    /// The body's length in bytes, all of it.
    pub body_len: usize,
    /// FNV-1a (64-bit) of the whole body: compare with [`fnv1a`] of what was meant to be sent.
    pub body_fnv: u64,
}

impl RawRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy), for assertions.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a (64-bit) of `bytes`, continuing from `hash` (start with [`fnv1a_start`]).
pub fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, b| (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME))
}

/// The FNV-1a starting value.
pub const fn fnv1a_start() -> u64 {
    FNV_OFFSET
}

/// How a response body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `content-length` of all the chunks.
    Length,
    /// `transfer-encoding: chunked`, one HTTP chunk per body chunk.
    Chunked,
    /// No length: the body ends when the server closes the connection.
    Close,
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Headers after the server's own (`connection: close`, `x-request-id: req_<n>`).
    pub headers: Vec<(String, String)>,
    /// The body, written chunk by chunk.
    pub chunks: Vec<Vec<u8>>,
    /// A pause before each chunk.
    pub chunk_delay: Duration,
    /// A pause before the status line (a server that is slow to answer).
    pub head_delay: Duration,
    /// How the body is delimited.
    pub framing: Framing,
    /// Close the connection before the body is complete: no final chunk (chunked),
    /// or whatever is left of the body unsent (length).
    pub cut: bool,
    /// After the body, keep the connection open (sending nothing) this long.
    pub linger: Duration,
}

impl Reply {
    /// A JSON answer with a `content-length`.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::new(status, "application/json", vec![body.as_bytes().to_vec()], Framing::Length)
    }

    /// A `200 text/event-stream` answer in chunked framing.
    pub fn sse(chunks: Vec<Vec<u8>>) -> Reply {
        Reply::new(200, "text/event-stream", chunks, Framing::Chunked)
    }

    fn new(status: u16, content_type: &str, chunks: Vec<Vec<u8>>, framing: Framing) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            chunks,
            chunk_delay: Duration::ZERO,
            head_delay: Duration::ZERO,
            framing,
            cut: false,
            linger: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the content type.
    pub fn content_type(mut self, value: &str) -> Reply {
        self.headers.retain(|(n, _)| n != "content-type");
        self.header("content-type", value)
    }

    /// Pauses `delay` before each chunk.
    pub fn chunk_delay(mut self, delay: Duration) -> Reply {
        self.chunk_delay = delay;
        self
    }

    /// Pauses `delay` before the status line.
    pub fn head_delay(mut self, delay: Duration) -> Reply {
        self.head_delay = delay;
        self
    }

    /// Sets the framing.
    pub fn framing(mut self, framing: Framing) -> Reply {
        self.framing = framing;
        self
    }

    /// Closes the connection before the body is complete.
    pub fn cut(mut self) -> Reply {
        self.cut = true;
        self
    }

    /// Holds the connection open, silent, for `linger` after the body.
    pub fn linger(mut self, linger: Duration) -> Reply {
        self.linger = linger;
        self
    }
}

/// Splits bytes into 1-byte chunks.
pub fn bytewise(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.iter().map(|b| vec![*b]).collect()
}

/// How a connection held open by [`Conn::hold_until_closed`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// A read returned end of file: the client closed its side.
    ReadEof,
    /// A write failed: the client's side is gone.
    WriteFailed,
    /// Neither happened within the time limit.
    StillOpen,
}

/// The server's side of one connection, after the request was read.
pub struct Conn {
    stream: TcpStream,
    index: usize,
    framing: Framing,
}

impl Conn {
    /// Which connection this is, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Writes the status line and headers (plus `connection: close` and
    /// `x-request-id: req_<index>`). With [`Framing::Length`], `content_length` is sent.
    pub fn head(&mut self, status: u16, headers: &[(String, String)], framing: Framing, content_length: usize) {
        let mut head = format!("HTTP/1.1 {status} X\r\nconnection: close\r\nx-request-id: req_{}\r\n", self.index);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        match framing {
            Framing::Length => head.push_str(&format!("content-length: {content_length}\r\n")),
            Framing::Chunked => head.push_str("transfer-encoding: chunked\r\n"),
            Framing::Close => {}
        }
        head.push_str("\r\n");
        self.framing = framing;
        let _ = self.write_raw(head.as_bytes());
    }

    /// Writes one body chunk in the framing of [`Conn::head`]. `false` once the
    /// client is gone.
    pub fn chunk(&mut self, bytes: &[u8]) -> bool {
        let ok = if self.framing == Framing::Chunked {
            let mut out = format!("{:x}\r\n", bytes.len()).into_bytes();
            out.extend_from_slice(bytes);
            out.extend_from_slice(b"\r\n");
            self.write_raw(&out)
        } else {
            self.write_raw(bytes)
        };
        ok.is_ok()
    }

    /// Ends the body (the final chunk, if chunked).
    pub fn finish(&mut self) {
        if self.framing == Framing::Chunked {
            let _ = self.write_raw(b"0\r\n\r\n");
        }
    }

    /// Writes bytes as they are, flushed.
    pub fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Sends `reply`.
    pub fn reply(&mut self, reply: &Reply) {
        if !reply.head_delay.is_zero() {
            thread::sleep(reply.head_delay);
        }
        let total = reply.chunks.iter().map(Vec::len).sum();
        self.head(reply.status, &reply.headers, reply.framing, total);
        for c in &reply.chunks {
            if !reply.chunk_delay.is_zero() {
                thread::sleep(reply.chunk_delay);
            }
            if !self.chunk(c) {
                return;
            }
        }
        if !reply.cut {
            self.finish();
        }
        if !reply.linger.is_zero() {
            thread::sleep(reply.linger);
        }
    }

    /// Keeps the connection alive, writing `keep_alive` every `every`, until the
    /// client closes it (a read sees end of file, or a write fails) or `limit` passes.
    pub fn hold_until_closed(&mut self, keep_alive: &[u8], every: Duration, limit: Duration) -> Closed {
        let started = Instant::now();
        let _ = self.stream.set_read_timeout(Some(every));
        let mut buf = [0u8; 256];
        while started.elapsed() < limit {
            match self.stream.read(&mut buf) {
                Ok(0) => return Closed::ReadEof,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if !self.chunk(keep_alive) {
                        return Closed::WriteFailed;
                    }
                }
                Err(_) => return Closed::WriteFailed,
            }
        }
        Closed::StillOpen
    }
}

type Handler = dyn Fn(&RawRequest, &mut Conn) + Send + Sync;

/// The server. Runs until the test process ends.
pub struct RawServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    connections: Arc<AtomicUsize>,
}

impl RawServer {
    /// Answers the n-th request with `replies[n]` (the last one repeats).
    pub fn script(replies: Vec<Reply>) -> RawServer {
        assert!(!replies.is_empty(), "a script needs a reply");
        Self::start(move |_, conn| {
            conn.reply(&replies[conn.index().min(replies.len() - 1)]);
        })
    }

    /// Answers each request with `reply(request)`.
    pub fn replying(reply: impl Fn(&RawRequest) -> Reply + Send + Sync + 'static) -> RawServer {
        Self::start(move |req, conn| conn.reply(&reply(req)))
    }

    /// Hands each request and its connection to `handler`, which writes the answer.
    pub fn start(handler: impl Fn(&RawRequest, &mut Conn) + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log, count) = (Arc::clone(&requests), Arc::clone(&connections));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let index = count.fetch_add(1, Ordering::SeqCst);
                let (log, handler) = (Arc::clone(&log), Arc::clone(&handler));
                thread::spawn(move || serve(index, stream, &log, &*handler));
            }
        });
        RawServer { base_url, requests, connections }
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn serve(index: usize, stream: TcpStream, log: &Mutex<Vec<RawRequest>>, handler: &Handler) {
    let Some(req) = read_request(&stream) else { return };
    log.lock().unwrap().push(req.clone());
    let mut conn = Conn { stream, index, framing: Framing::Length };
    handler(&req, &mut conn);
    let _ = conn.stream.flush();
    let _ = conn.stream.shutdown(Shutdown::Both);
}

fn read_request(stream: &TcpStream) -> Option<RawRequest> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let mut req = RawRequest {
        method: parts.next().unwrap_or("").into(),
        target: parts.next().unwrap_or("").into(),
        body_fnv: fnv1a_start(),
        ..RawRequest::default()
    };
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            req.headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len: usize = req.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = reader.read(&mut buf[..left.min(64 * 1024)]).unwrap_or(0);
        if n == 0 {
            break;
        }
        let kept = n.min(BODY_KEPT.saturating_sub(req.body.len()));
        req.body.extend_from_slice(&buf[..kept]);
        req.body_fnv = fnv1a(req.body_fnv, &buf[..n]);
        req.body_len += n;
        left -= n;
    }
    Some(req)
}

/// A port on loopback where nothing listens, for as long as this value lives.
///
/// The port stays bound (on 127.0.0.1, and on ::1 where the machine has it)
/// but never listens, so a connection is refused. Binding and releasing a port
/// is not enough: tests running beside this one bind port 0 too, and the
/// system may hand the released port straight to one of their servers, whose
/// replies then arrive where a refusal was expected.
pub struct RefusedPort {
    port: u16,
    _held: Vec<Socket>,
}

impl RefusedPort {
    /// The port number, to put in a URL.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port on 127.0.0.1, for code that takes a socket address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

/// Binds a fresh [`RefusedPort`]; keep it alive until the test is done.
pub fn refused_port() -> RefusedPort {
    for _ in 0..32 {
        let v4 = bound_socket(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let port = v4.local_addr().unwrap().as_socket().unwrap().port();
        // `localhost` may resolve to ::1 first; hold the same port there too.
        match bound_socket(SocketAddr::from((Ipv6Addr::LOCALHOST, port))) {
            Ok(v6) => return RefusedPort { port, _held: vec![v4, v6] },
            // Something else has this port on ::1: try another.
            Err(e) if e.kind() == ErrorKind::AddrInUse => continue,
            // No IPv6 loopback on this machine: 127.0.0.1 is all there is.
            Err(_) => return RefusedPort { port, _held: vec![v4] },
        }
    }
    panic!("no loopback port was free on both 127.0.0.1 and ::1 in 32 tries");
}

/// A TCP socket bound without SO_REUSEADDR, so that no other socket may share
/// its port, and never listening.
fn bound_socket(addr: SocketAddr) -> std::io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.bind(&addr.into())?;
    Ok(socket)
}

/// A port on 127.0.0.1 where a connection is never completed, for as long as
/// this value lives: the socket listens with a backlog of none, never
/// accepts, and holds one connection of its own in its queue, so the kernel
/// drops every further handshake and a client's connect waits until its
/// connect timeout. Use the URL's port with a short connect timeout.
pub struct HangingPort {
    port: u16,
    _listener: Socket,
    _filler: std::net::TcpStream,
}

impl HangingPort {
    /// The port number, to put in a URL.
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Opens a fresh [`HangingPort`]; keep it alive until the test is done.
pub fn hanging_port() -> HangingPort {
    let listener = bound_socket(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    // The one connection a backlog of none admits; the queue is then full.
    let filler = std::net::TcpStream::connect(addr).unwrap();
    HangingPort { port: addr.port(), _listener: listener, _filler: filler }
}

/// A TCP server that answers every connection with a plain-text HTTP 400: an
/// `https://` URL pointed at it fails the TLS handshake.
pub fn plain_tcp_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"HTTP/1.1 400 Not TLS\r\ncontent-length: 0\r\n\r\n");
        }
    });
    format!("https://{addr}")
}

/// A server that answers every request with a `total`-byte JSON-ish body of
/// spaces, chunked (no length) or with its `Content-Length`, written 64 KiB at
/// a time until done or the client goes away: for the response-size limit.
pub fn huge_body_server(total: u64, chunked: bool) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut out = stream;
            let head = if chunked {
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned()
            } else {
                format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {total}\r\n\r\n")
            };
            if out.write_all(head.as_bytes()).is_err() {
                continue;
            }
            let block = vec![b' '; 64 * 1024];
            let mut sent = 0u64;
            while sent < total {
                let ok = if chunked {
                    out.write_all(format!("{:x}\r\n", block.len()).as_bytes()).is_ok()
                        && out.write_all(&block).is_ok()
                        && out.write_all(b"\r\n").is_ok()
                } else {
                    out.write_all(&block).is_ok()
                };
                if !ok {
                    break;
                }
                sent += block.len() as u64;
            }
        }
    });
    format!("http://{addr}")
}

/// This process's resident set and its peak so far, in bytes (Linux).
pub fn rss_and_peak() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hanging_port_lets_a_connect_wait_for_its_timeout() {
        let hanging = hanging_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], hanging.port()));
        let err = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
    }

    #[test]
    fn a_refused_port_refuses_and_cannot_be_taken_while_held() {
        let refused = refused_port();
        let err = TcpStream::connect(refused.addr()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        // What a server beside this test would do if handed the port.
        let taken = TcpListener::bind(refused.addr()).unwrap_err();
        assert_eq!(taken.kind(), ErrorKind::AddrInUse, "{taken}");
        // Refused on ::1 too, or no IPv6 loopback at all: nothing answers.
        assert!(TcpStream::connect((Ipv6Addr::LOCALHOST, refused.port())).is_err());
    }
}
