//! A 20 MiB `Document::path` upload through the signed-URL path is streamed from
//! disk, never read whole into memory (the async twin of pareta-blocking's test).
//!
//! # Method
//!
//! This file is its own test binary, so its own process, and holds exactly one
//! test: nothing else allocates while it measures. Linux reports in
//! `/proc/self/status` the process's peak resident set since start (`VmHWM`). A
//! client that read the file into a buffer would touch 20 MiB of fresh pages and
//! push the peak up by about 20 MiB, even if it freed the buffer before we look.
//! A streaming client needs only its chunk buffers. The loopback servers here
//! count and check the bytes as they arrive and keep none of them.
//!
//! So: write the file in 64 KiB pieces; warm up the runtime, sockets and client
//! with one small request; read `VmHWM`; upload; require the peak to have grown by
//! less than 8 MiB. As a control that the instrument can see a whole-file read,
//! read the file with `std::fs::read` and require the peak to rise by at least
//! 12 MiB. Without `/proc` (not Linux) the test passes without measuring.
#![allow(clippy::unwrap_used)]

use pareta_async::AsyncPareta;
use pareta_async::types::{Document, UploadDocument};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SIZE: usize = 20 * 1024 * 1024;
const PIECE: usize = 64 * 1024;

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].trim().strip_suffix("kB")?.trim().parse().ok()
}

fn byte_at(i: usize) -> u8 {
    (i % 251) as u8
}

/// What a server saw of one request, without keeping its body.
#[derive(Clone, Debug, Default)]
struct Seen {
    method: String,
    target: String,
    authorization: Option<String>,
    content_type: Option<String>,
    body_len: usize,
    body_matches_file: bool,
}

/// Reads one request, checking the body against the file pattern as it streams.
async fn read_request(sock: &mut TcpStream) -> Option<Seen> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let (head_end, filled) = loop {
        let n = sock.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break (i + 4, head.len());
        }
    };
    let text = String::from_utf8_lossy(&head[..head_end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let mut seen = Seen {
        method: first.next()?.to_owned(),
        target: first.next()?.to_owned(),
        body_matches_file: true,
        ..Seen::default()
    };
    let mut len = 0;
    for line in lines {
        if let Some((n, v)) = line.split_once(':') {
            match n.trim().to_ascii_lowercase().as_str() {
                "content-length" => len = v.trim().parse().ok()?,
                "authorization" => seen.authorization = Some(v.trim().to_owned()),
                "content-type" => seen.content_type = Some(v.trim().to_owned()),
                _ => {}
            }
        }
    }
    let check = |bytes: &[u8], seen: &mut Seen| {
        for b in bytes {
            seen.body_matches_file &= *b == byte_at(seen.body_len);
            seen.body_len += 1;
        }
    };
    check(&head[head_end..filled], &mut seen);
    while seen.body_len < len {
        let n = sock.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        check(&buf[..n], &mut seen);
    }
    Some(seen)
}

/// A server answering each request with `reply(seen)`.
async fn serve(reply: impl Fn(&Seen) -> String + Send + Sync + 'static) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let (reply, record) = (Arc::new(reply), Arc::clone(&log));
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (reply, record) = (Arc::clone(&reply), Arc::clone(&record));
            tokio::spawn(async move {
                if let Some(seen) = read_request(&mut sock).await {
                    let body = reply(&seen);
                    record.lock().unwrap().push(seen);
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                }
            });
        }
    });
    (base, log)
}

#[tokio::test]
async fn a_20_mib_file_upload_is_streamed_not_read_whole() {
    if status_kib("VmHWM").is_none() {
        println!("note: /proc/self/status with VmHWM is unavailable here; skipping the memory measurement");
        return;
    }
    let path = std::env::temp_dir().join(format!("pareta-async-upload-memory-{}.pdf", std::process::id()));
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut piece = vec![0u8; PIECE];
        for start in (0..SIZE).step_by(PIECE) {
            piece.iter_mut().enumerate().for_each(|(j, b)| *b = byte_at(start + j));
            file.write_all(&piece).unwrap();
        }
        file.flush().unwrap();
    }

    let (storage, puts) = serve(|_| String::new()).await;
    let upload_url = format!("{storage}/bucket/big.pdf?sig=xyz");
    let (api, api_log) = serve(move |seen| {
        if seen.target.ends_with("/blob-upload-url") {
            serde_json::json!({"upload_url": upload_url, "storage_uri": "gs://bucket/big.pdf"}).to_string()
        } else if seen.target.ends_with("/blob-upload-complete") {
            r#"{"attached":true}"#.to_owned()
        } else {
            r#"{"object":"list","data":[]}"#.to_owned()
        }
    })
    .await;
    let pa = AsyncPareta::builder().api_key("pareta_sk_memory").base_url(&api).max_retries(0).build().unwrap();
    pa.models().list().await.unwrap(); // warm-up

    let peak_before = status_kib("VmHWM").unwrap();
    let up = UploadDocument::new("evset_1", 0, "document", Document::path(&path));
    let out = pa.evals().sets().upload_document(&up).await.unwrap();
    let peak_after = status_kib("VmHWM").unwrap();
    assert_eq!(out, serde_json::json!({"attached": true}));

    let puts = puts.lock().unwrap().clone();
    assert_eq!(puts.len(), 1);
    let put = &puts[0];
    assert_eq!((put.method.as_str(), put.target.as_str()), ("PUT", "/bucket/big.pdf?sig=xyz"));
    assert_eq!(put.body_len, SIZE, "the PUT carried the whole file");
    assert!(put.body_matches_file, "the PUT body is the file's bytes");
    assert_eq!(put.authorization, None, "the signed-URL PUT must not carry the API key");
    assert_eq!(put.content_type.as_deref(), Some("application/pdf"));
    let targets: Vec<String> = api_log.lock().unwrap().iter().map(|s| s.target.clone()).collect();
    assert_eq!(
        targets,
        ["/v1/models", "/v1/eval-sets/evset_1/blob-upload-url", "/v1/eval-sets/evset_1/blob-upload-complete"]
    );

    let growth = peak_after.saturating_sub(peak_before);
    println!("upload of 20 MiB: VmHWM {peak_before} -> {peak_after} KiB (grew {growth} KiB)");
    assert!(growth < 8 * 1024, "peak RSS grew by {growth} KiB during the upload: the file was read into memory");

    let whole = std::fs::read(&path).unwrap();
    let control_growth = status_kib("VmHWM").unwrap().saturating_sub(peak_after);
    assert_eq!(whole.len(), SIZE);
    drop(whole);
    std::fs::remove_file(&path).unwrap();
    assert!(control_growth >= 12 * 1024, "a whole-file read raised the peak by only {control_growth} KiB");
}
