//! A raw HTTP/1.1 test server on loopback: scripted replies, byte-level control
//! over streaming (1-byte chunks, truncation, dropped connections), and a record of
//! every request as received.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Clone, Debug, Default)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body_len: usize,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub chunks: Vec<Vec<u8>>,
    pub chunk_delay: Duration,
    /// Use chunked framing; `drop` then closes mid-body without the final chunk.
    pub chunked: bool,
    pub drop: bool,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            chunks: vec![body.as_bytes().to_vec()],
            chunk_delay: Duration::ZERO,
            chunked: false,
            drop: false,
        }
    }
    pub fn sse(chunks: Vec<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream".into())],
            chunks,
            chunk_delay: Duration::ZERO,
            chunked: true,
            drop: false,
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

pub struct RawServer {
    pub base_url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl RawServer {
    /// Serves `replies` in order (the last one repeats).
    pub fn script(replies: Vec<Reply>) -> RawServer {
        Self::start(move |i, _| replies[i.min(replies.len() - 1)].clone())
    }

    pub fn start(handler: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = requests.clone();
        thread::spawn(move || {
            for (i, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { break };
                let (log, handler) = (log.clone(), handler.clone());
                thread::spawn(move || serve(i, stream, &log, &*handler));
            }
        });
        RawServer { base_url, requests }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(i: usize, stream: TcpStream, log: &Mutex<Vec<Recorded>>, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let mut rec = Recorded {
        method: parts.next().unwrap_or("").into(),
        target: parts.next().unwrap_or("").into(),
        ..Default::default()
    };
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            rec.headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len: usize = rec.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    // Keep at most 1 MiB of the body; count the rest without storing it.
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = reader.read(&mut buf[..left.min(64 * 1024)]).unwrap_or(0);
        if n == 0 {
            break;
        }
        if rec.body.len() < 1 << 20 {
            rec.body.extend_from_slice(&buf[..n]);
        }
        rec.body_len += n;
        left -= n;
    }
    log.lock().unwrap().push(rec.clone());
    let reply = handler(i, &rec);
    let mut out = stream;
    let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\nx-request-id: req_{i}\r\n", reply.status);
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if reply.chunked {
        head.push_str("transfer-encoding: chunked\r\n\r\n");
    } else {
        let total: usize = reply.chunks.iter().map(Vec::len).sum();
        head.push_str(&format!("content-length: {total}\r\n\r\n"));
    }
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    let _ = out.flush();
    for c in &reply.chunks {
        if !reply.chunk_delay.is_zero() {
            thread::sleep(reply.chunk_delay);
        }
        let ok = if reply.chunked {
            out.write_all(format!("{:x}\r\n", c.len()).as_bytes())
                .and_then(|_| out.write_all(c))
                .and_then(|_| out.write_all(b"\r\n"))
        } else {
            out.write_all(c)
        };
        if ok.and_then(|_| out.flush()).is_err() {
            return;
        }
    }
    if reply.chunked && !reply.drop {
        let _ = out.write_all(b"0\r\n\r\n");
    }
    let _ = out.flush();
    let _ = out.shutdown(std::net::Shutdown::Both);
}

pub fn client(base_url: &str) -> pareta_blocking::Pareta {
    pareta_blocking::Pareta::builder()
        .api_key("pareta_sk_test_secret")
        .base_url(base_url)
        .timeout(Duration::from_secs(10))
        .rng_seed(7)
        .build()
        .unwrap()
}

/// Splits bytes into 1-byte chunks.
pub fn bytewise(s: &[u8]) -> Vec<Vec<u8>> {
    s.iter().map(|b| vec![*b]).collect()
}
