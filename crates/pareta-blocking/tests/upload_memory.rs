//! A 20 MiB `Document::path` upload through the signed-URL path is streamed from
//! disk, never read whole into memory.
//!
//! # Method
//!
//! This file is its own test binary, so its own process, and holds exactly one
//! test: nothing else allocates while it measures. Linux reports in
//! `/proc/self/status` the process's current resident set (`VmRSS`) and its peak
//! resident set since start (`VmHWM`, the "high-water mark"). The peak is what
//! catches the bug: a client that read the file into a `Vec` would touch 20 MiB of
//! fresh pages during the upload and push `VmHWM` up by about 20 MiB, even if it
//! freed the buffer before we look again. A streaming client only needs its copy
//! buffers (KiBs), plus the loopback test server's own ≤ 1 MiB body sample (it
//! hashes the rest as it arrives).
//!
//! So: (1) write the 20 MiB file in 64 KiB pieces (a 20 MiB buffer here would
//! itself raise the peak and mask the bug); (2) warm up sockets, threads and the
//! client with one small request; (3) read `VmHWM`/`VmRSS`; (4) upload; (5) read
//! them again and require the peak to have grown by less than 8 MiB (well under the
//! 20 MiB a whole-file read costs). (6) As a control that the instrument can see a
//! whole-file read at all, read the file with `std::fs::read` and require the peak
//! to rise by at least 12 MiB.
//!
//! The upload is also checked on the wire: the PUT carried exactly 20 MiB, began
//! with the file's first bytes, and had no `Authorization` header. Without
//! `/proc` (not Linux) the test prints a note and passes without measuring.
#![allow(clippy::unwrap_used)]

use pareta_blocking::types::{Document, UploadDocument};
use pareta_test_support::fixtures::byte_at;
use pareta_test_support::raw::{RawServer, Reply, fnv1a, fnv1a_start};
use std::io::Write;

const SIZE: usize = 20 * 1024 * 1024;
const PIECE: usize = 64 * 1024;

/// A field of `/proc/self/status` in KiB (`VmHWM:   12345 kB`).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].trim().strip_suffix("kB")?.trim().parse().ok()
}

/// (peak, current) resident set in KiB.
fn rss() -> (u64, u64) {
    (status_kib("VmHWM").unwrap(), status_kib("VmRSS").unwrap())
}

/// FNV-1a of the file's bytes, computed piecewise.
fn file_fnv() -> u64 {
    let mut piece = vec![0u8; PIECE];
    (0..SIZE).step_by(PIECE).fold(fnv1a_start(), |h, start| {
        piece.iter_mut().enumerate().for_each(|(j, b)| *b = byte_at(start + j));
        fnv1a(h, &piece)
    })
}

#[test]
fn a_20_mib_file_upload_is_streamed_not_read_whole() {
    if status_kib("VmHWM").is_none() || status_kib("VmRSS").is_none() {
        println!("note: /proc/self/status with VmHWM/VmRSS is unavailable here; skipping the memory measurement");
        return;
    }

    // (1) The file, written piecewise so the test itself never holds 20 MiB.
    let path = std::env::temp_dir().join(format!("pareta-blocking-upload-memory-{}.pdf", std::process::id()));
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut piece = vec![0u8; PIECE];
        for start in (0..SIZE).step_by(PIECE) {
            piece.iter_mut().enumerate().for_each(|(j, b)| *b = byte_at(start + j));
            file.write_all(&piece).unwrap();
        }
        file.flush().unwrap();
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), SIZE as u64);

    // The storage host (the PUT) and the API (steps 1 and 3), on loopback.
    let storage = RawServer::script(vec![Reply::json(200, "")]);
    let upload_url = format!("{}/bucket/big.pdf?sig=xyz", storage.base_url);
    let api = RawServer::replying(move |rec| {
        if rec.target.ends_with("/blob-upload-url") {
            let body = serde_json::json!({"upload_url": upload_url, "storage_uri": "gs://bucket/big.pdf"});
            Reply::json(200, &body.to_string())
        } else if rec.target.ends_with("/blob-upload-complete") {
            Reply::json(200, r#"{"attached":true}"#)
        } else {
            Reply::json(200, r#"{"object":"list","data":[]}"#)
        }
    });
    let pa = pareta_blocking::Pareta::builder()
        .api_key(pareta_test_support::KEY)
        .base_url(&api.base_url)
        .max_retries(0)
        .build()
        .unwrap();

    // (2) Warm-up: connection setup, server threads, client internals.
    pa.models().list().unwrap();

    // (3)-(5) Measure around the upload.
    let (peak_before, rss_before) = rss();
    let up = UploadDocument::new("evset_1", 0, "document", Document::path(&path));
    let out = pa.evals().sets().upload_document(&up).unwrap();
    let (peak_after, rss_after) = rss();
    assert_eq!(out, serde_json::json!({"attached": true}));

    let puts = storage.requests();
    assert_eq!(puts.len(), 1);
    let put = &puts[0];
    assert_eq!((put.method.as_str(), put.target.as_str()), ("PUT", "/bucket/big.pdf?sig=xyz"));
    assert_eq!(put.body_len, SIZE, "the PUT carried the whole file");
    assert!(put.body.iter().enumerate().all(|(i, b)| *b == byte_at(i)), "the PUT body starts with the file's bytes");
    assert_eq!(put.body_fnv, file_fnv(), "the PUT body is the file's bytes, all of them");
    assert_eq!(put.header("authorization"), None, "the signed-URL PUT must not carry the API key");
    assert_eq!(put.header("content-type"), Some("application/pdf"));
    let api_targets: Vec<String> = api.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        api_targets,
        ["/v1/models", "/v1/eval-sets/evset_1/blob-upload-url", "/v1/eval-sets/evset_1/blob-upload-complete"]
    );

    let growth = peak_after.saturating_sub(peak_before);
    println!(
        "upload of {} MiB: VmHWM {peak_before} -> {peak_after} KiB (peak grew {growth} KiB); VmRSS {rss_before} -> {rss_after} KiB",
        SIZE / (1024 * 1024)
    );
    assert!(
        growth < 8 * 1024,
        "peak RSS grew by {growth} KiB during a {SIZE}-byte upload: the file was read into memory, not streamed"
    );

    // (6) Control: a whole-file read is visible to this instrument.
    let whole = std::fs::read(&path).unwrap();
    let (peak_control, rss_control) = rss();
    assert_eq!(whole.len(), SIZE);
    let control_growth = peak_control.saturating_sub(peak_after);
    println!(
        "control std::fs::read: VmHWM {peak_after} -> {peak_control} KiB (grew {control_growth} KiB); VmRSS {rss_control} KiB"
    );
    drop(whole);
    std::fs::remove_file(&path).unwrap();
    assert!(
        control_growth >= 12 * 1024,
        "reading the file whole raised the peak by only {control_growth} KiB: the measurement cannot see the bug"
    );
}
