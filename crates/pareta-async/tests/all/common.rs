//! Test helpers: a client pointed at a local server, and a tiny raw HTTP/1.1
//! server for the faults httpmock cannot produce (byte-at-a-time writes, cut
//! connections, pauses between chunks).

use pareta_async::AsyncPareta;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const KEY: &str = "pareta_sk_test_5ecret";

/// A client for `base` with the test key and no retries.
pub fn client(base: &str) -> AsyncPareta {
    client_with(base, 0)
}

/// A client for `base` with `retries` automatic retries.
pub fn client_with(base: &str, retries: u32) -> AsyncPareta {
    AsyncPareta::builder()
        .api_key(KEY)
        .base_url(base)
        .max_retries(retries)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// One request as a raw server read it.
#[derive(Clone, Debug)]
pub struct RawRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Reads one request (headers and a `content-length` body). `None` at EOF.
pub async fn read_request(stream: &mut TcpStream) -> Option<RawRequest> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut byte).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':').map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned())))
        .collect();
    let len: usize = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut byte).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&byte[..n]);
    }
    Some(RawRequest { method, target, headers, body })
}

/// The head of a `200 text/event-stream` response that closes the connection at its end.
pub fn sse_head() -> &'static [u8] {
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-request-id: req_raw\r\nconnection: close\r\n\r\n"
}

/// A whole response with a body, closing the connection afterwards.
pub fn response(status: u16, extra_headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (n, v) in extra_headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A raw server: every connection's first request is recorded, then handed to
/// `handler` with the socket. Stops when dropped.
pub struct RawServer {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<RawRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RawServer {
    pub async fn start<H, Fut>(handler: H) -> RawServer
    where
        H: Fn(RawRequest, TcpStream) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let handler = Arc::new(handler);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                let log = Arc::clone(&log);
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    if let Some(req) = read_request(&mut sock).await {
                        log.lock().unwrap().push(req.clone());
                        handler(req, sock).await;
                    }
                });
            }
        });
        RawServer { addr, requests, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Writes `bytes` one byte per write, flushing each.
pub async fn write_bytewise(sock: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    for b in bytes {
        sock.write_all(std::slice::from_ref(b)).await?;
        sock.flush().await?;
    }
    Ok(())
}

/// A chat chunk event with this delta text.
pub fn chat_event(text: &str) -> String {
    format!("data: {}\n\n", serde_json::json!({"choices": [{"index": 0, "delta": {"content": text}}]}))
}
