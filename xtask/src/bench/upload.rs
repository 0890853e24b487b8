//! Item 4: peak RSS growth while uploading a large `Document::path` through the
//! signed-URL path (blob-upload-url, PUT to storage, blob-upload-complete).
//!
//! Each upload runs in a child process of its own (`bench __child upload`) so
//! that the peak is the upload's, not the harness's. The child warms up (one
//! `models().list()`), reads `VmHWM` (the kernel's peak-resident-set high-water
//! mark) from `/proc/self/status`, uploads, and reads it again; the growth is
//! what the upload itself touched. The loopback server counts the PUT's bytes
//! and the child checks that all arrived. A control child reads the same file
//! with `std::fs::read`, to show the instrument sees a whole-file read.

use super::server::{Child, KEY};
use super::{Goal, Opts, Result, Row, run_child, status_kib, target_dir};
use pareta_async::AsyncPareta;
use pareta_blocking::Pareta;
use pareta_blocking::types::{Document, UploadDocument};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

const MIB: u64 = 1024 * 1024;

/// Writes a `size`-byte file in 1 MiB pieces (never holding it whole).
fn make_file(path: &Path, size: u64) -> Result {
    if std::fs::metadata(path).map(|m| m.len() == size).unwrap_or(false) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut piece = vec![0u8; MIB as usize];
    let mut x: u32 = 0x9E37_79B9;
    for _ in 0..size / MIB {
        for b in piece.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        file.write_all(&piece)?;
    }
    file.flush()?;
    Ok(())
}

/// Item 4 rows.
pub fn bench(opts: &Opts, server: &Child) -> Result<Vec<Row>> {
    let size = if opts.quick { 32 * MIB } else { 256 * MIB };
    let path: PathBuf = target_dir().join("bench-tmp").join(format!("upload-{}mib.pdf", size / MIB));
    make_file(&path, size)?;
    let file = path.to_string_lossy().into_owned();
    let mut rows = Vec::new();
    for (client, name) in [("blocking", "Pareta"), ("async", "AsyncPareta"), ("control", "control: std::fs::read")] {
        let v = run_child(&["upload", "--client", client, "--base", &server.base, "--file", &file])?;
        let f = |k: &str| v.get(k).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
        let growth = (f("hwm_after_kib") - f("hwm_before_kib")) / 1024.0;
        let mbps = size as f64 / 1e6 / f("secs");
        eprintln!(
            "   {client}: peak RSS {:.1} -> {:.1} MiB (+{growth:.1}), {:.2} s ({mbps:.0} MB/s)",
            f("hwm_before_kib") / 1024.0,
            f("hwm_after_kib") / 1024.0,
            f("secs")
        );
        let label = format!("{name} upload_document(Document::path, {} MiB): peak RSS growth", size / MIB);
        let row = if client == "control" {
            Row::new(
                "4",
                format!("{name} of the same {} MiB file: peak RSS growth", size / MIB),
                Some(growth),
                None,
                "MiB",
                Goal::Info,
            )
            .note("(shows the instrument sees a whole-file read)")
        } else {
            Row::new("4", label, Some(growth), None, "MiB", Goal::Below(16.0)).note(format!("({mbps:.0} MB/s)"))
        };
        rows.push(row);
    }
    std::fs::remove_file(&path)?;
    Ok(rows)
}

/// `bench __child upload --client blocking|async|control --base URL --file PATH`.
pub fn child(args: &[String]) -> Result {
    let arg = |name: &str| -> Result<String> {
        let i = args.iter().position(|a| a == name).ok_or_else(|| format!("missing {name}"))?;
        Ok(args.get(i + 1).ok_or_else(|| format!("missing value of {name}"))?.clone())
    };
    let client = arg("--client")?;
    let base = arg("--base")?;
    let file = PathBuf::from(arg("--file")?);
    let size = std::fs::metadata(&file)?.len();
    let req = UploadDocument::new("evset_bench", 0, "document", Document::path(&file)).mime("application/pdf");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (before, secs, received) = match client.as_str() {
        "blocking" => {
            let pa = Pareta::builder().api_key(KEY).base_url(&base).build()?;
            pa.models().list()?;
            let before = status_kib("VmHWM").ok_or("no VmHWM in /proc/self/status")?;
            let start = Instant::now();
            let out = pa.evals().sets().upload_document(&req)?;
            (before, start.elapsed().as_secs_f64(), out.get("received").and_then(serde_json::Value::as_u64))
        }
        "async" => {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(async {
                let pa = AsyncPareta::builder().api_key(KEY).base_url(&base).build()?;
                pa.models().list().await?;
                let before = status_kib("VmHWM").ok_or("no VmHWM in /proc/self/status")?;
                let start = Instant::now();
                let out = pa.evals().sets().upload_document(&req).await?;
                Ok::<_, Box<dyn std::error::Error>>((
                    before,
                    start.elapsed().as_secs_f64(),
                    out.get("received").and_then(serde_json::Value::as_u64),
                ))
            })?
        }
        "control" => {
            let before = status_kib("VmHWM").ok_or("no VmHWM in /proc/self/status")?;
            let start = Instant::now();
            let bytes = std::fs::read(&file)?;
            (before, start.elapsed().as_secs_f64(), Some(std::hint::black_box(bytes).len() as u64))
        }
        other => return Err(format!("unknown upload client {other:?}").into()),
    };
    let after = status_kib("VmHWM").ok_or("no VmHWM in /proc/self/status")?;
    if received != Some(size) {
        return Err(format!("the server received {received:?} bytes of {size}").into());
    }
    println!("{}", serde_json::json!({"hwm_before_kib": before, "hwm_after_kib": after, "secs": secs, "bytes": size}));
    Ok(())
}
