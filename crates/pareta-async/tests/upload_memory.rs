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
//! A streaming client needs only its chunk buffers. The loopback servers
//! (pareta-test-support's raw server, on threads) keep at most 1 MiB of a body and
//! hash the rest as it arrives.
//!
//! So: write the file in 64 KiB pieces; warm up the runtime, sockets and client
//! with one small request; read `VmHWM`; upload; require the peak to have grown by
//! less than 8 MiB. As a control that the instrument can see a whole-file read,
//! read the file with `std::fs::read` and require the peak to rise by at least
//! 12 MiB. Without `/proc` (not Linux) the test passes without measuring.
#![allow(clippy::unwrap_used)]

use pareta_async::AsyncPareta;
use pareta_async::types::{Document, UploadDocument};
use pareta_test_support::fixtures::byte_at;
use pareta_test_support::raw::{RawServer, Reply, fnv1a, fnv1a_start};
use std::io::Write;

const SIZE: usize = 20 * 1024 * 1024;
const PIECE: usize = 64 * 1024;

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].trim().strip_suffix("kB")?.trim().parse().ok()
}

/// FNV-1a of the file's bytes, computed piecewise.
fn file_fnv() -> u64 {
    let mut piece = vec![0u8; PIECE];
    (0..SIZE).step_by(PIECE).fold(fnv1a_start(), |h, start| {
        piece.iter_mut().enumerate().for_each(|(j, b)| *b = byte_at(start + j));
        fnv1a(h, &piece)
    })
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

    let storage = RawServer::script(vec![Reply::json(200, "")]);
    let upload_url = format!("{}/bucket/big.pdf?sig=xyz", storage.base_url);
    let api = RawServer::replying(move |req| {
        if req.target.ends_with("/blob-upload-url") {
            let body = serde_json::json!({"upload_url": upload_url, "storage_uri": "gs://bucket/big.pdf"});
            Reply::json(200, &body.to_string())
        } else if req.target.ends_with("/blob-upload-complete") {
            Reply::json(200, r#"{"attached":true}"#)
        } else {
            Reply::json(200, r#"{"object":"list","data":[]}"#)
        }
    });
    let pa = AsyncPareta::builder().api_key("pareta_sk_memory").base_url(&api.base_url).max_retries(0).build().unwrap();
    pa.models().list().await.unwrap(); // warm-up

    let peak_before = status_kib("VmHWM").unwrap();
    let up = UploadDocument::new("evset_1", 0, "document", Document::path(&path));
    let out = pa.evals().sets().upload_document(&up).await.unwrap();
    let peak_after = status_kib("VmHWM").unwrap();
    assert_eq!(out, serde_json::json!({"attached": true}));

    let puts = storage.requests();
    assert_eq!(puts.len(), 1);
    let put = &puts[0];
    assert_eq!((put.method.as_str(), put.target.as_str()), ("PUT", "/bucket/big.pdf?sig=xyz"));
    assert_eq!(put.body_len, SIZE, "the PUT carried the whole file");
    assert_eq!(put.body_fnv, file_fnv(), "the PUT body is the file's bytes, all of them");
    assert_eq!(put.header("authorization"), None, "the signed-URL PUT must not carry the API key");
    assert_eq!(put.header("content-type"), Some("application/pdf"));
    let targets: Vec<String> = api.requests().iter().map(|r| r.target.clone()).collect();
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
