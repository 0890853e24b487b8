//! Item 6: HTTP/2 over TLS (issue 15's stretch goal). 1,000 concurrent chat
//! streams through one `AsyncPareta` against a loopback https server that
//! offers (a) `h2, http/1.1` or (b) only `http/1.1` by ALPN; for each, the
//! connections the server accepted, the client's peak RSS and the wall time,
//! as ratios h2 / http/1.1 (reported, no goal).
//!
//! Each server is a child process of its own (`bench __server --tls ...`, a
//! fresh one per mode so its connection count is this run's), and each client
//! run is item 5's child (`bench __child streams ... --cert HEX`), so the peak
//! RSS is that run's only. The client is a caller-supplied reqwest client with
//! the SDK's rustls setup (ring, ALPN `h2, http/1.1`) and the server's
//! self-signed certificate as its only root: the SDK-owned client trusts only
//! the webpki roots. Being the caller's client, it has no SDK idle timeouts,
//! in both modes alike.

use super::calls::runtime;
use super::server::{Child, to_hex};
use super::{Goal, Opts, Result, Row, run_child};
use std::sync::Arc;

/// The ALPN protocols the SDK's rustls client offers (`pareta_async`'s tls.rs).
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// A reqwest client like the SDK's rustls one, trusting only `cert` (DER).
pub fn tls_client(cert: &[u8]) -> Result<reqwest::Client> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from(cert.to_vec()))?;
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(reqwest::Client::builder().tls_backend_preconfigured(config).build()?)
}

/// One mode's outcome.
struct Run {
    completed: f64,
    max_open: f64,
    secs: f64,
    peak_mib: f64,
    growth_mib: f64,
    connections: f64,
}

/// Streams, chunks per stream and the pause after each stream's first event
/// (so that all of them are open at once).
pub fn shape(opts: &Opts) -> (usize, usize, u64) {
    (1_000, 200, if opts.quick { 300 } else { 500 })
}

/// Item 6 rows.
pub fn bench(opts: &Opts) -> Result<Vec<Row>> {
    let (n, chunks, pause_ms) = shape(opts);
    let rt = runtime()?;
    let mut runs = Vec::new();
    for mode in ["h2", "http1"] {
        let (server, cert) = Child::start_tls(mode)?;
        let v = run_child(&[
            "streams",
            "--client",
            "ours",
            "--n",
            &n.to_string(),
            "--chunks",
            &chunks.to_string(),
            "--base",
            &server.stream_base(chunks, pause_ms),
            "--cert",
            &to_hex(&cert),
        ])?;
        let f = |k: &str| v.get(k).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
        // Asked on a connection of its own, after the client process has exited.
        let client = tls_client(&cert)?;
        let stats: serde_json::Value = rt.block_on(async {
            let resp = client.get(format!("{}/__connections", server.base)).send().await?;
            Ok::<_, reqwest::Error>(serde_json::from_slice(&resp.bytes().await?).unwrap_or_default())
        })?;
        let s = |k: &str| stats.get(k).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
        let run = Run {
            completed: f("completed"),
            max_open: f("max_open"),
            secs: f("secs"),
            peak_mib: f("hwm_after_kib") / 1024.0,
            growth_mib: (f("hwm_after_kib") - f("hwm_before_kib")) / 1024.0,
            connections: s("before"),
        };
        eprintln!(
            "   {mode}: {}/{n} complete, max open {}, {:.2} s, peak RSS {:.1} MiB (+{:.1} during the streams), {} connections, requests HTTP/2 {} / HTTP/1.1 {}",
            run.completed,
            run.max_open,
            run.secs,
            run.peak_mib,
            run.growth_mib,
            run.connections,
            s("http2"),
            s("http1"),
        );
        runs.push(run);
    }
    let (h2, h1) = (&runs[0], &runs[1]);
    let what = format!("{n} concurrent async streams × {chunks} chunks ({pause_ms} ms pause) over TLS, one client");
    let complete = format!(
        "(h2 {}/{n} complete, {} open at once; http/1.1 {}/{n}, {})",
        h2.completed, h2.max_open, h1.completed, h1.max_open
    );
    Ok(vec![
        Row::new(
            "6",
            format!("{what}: connections accepted, h2 vs http/1.1"),
            Some(h2.connections),
            Some(h1.connections),
            "",
            Goal::Info,
        ),
        Row::new(
            "6",
            format!("{what}: peak RSS, h2 vs http/1.1"),
            Some(h2.peak_mib),
            Some(h1.peak_mib),
            "MiB",
            Goal::Info,
        ),
        Row::new(
            "6",
            format!("{what}: RSS growth during the streams, h2 vs http/1.1"),
            Some(h2.growth_mib),
            Some(h1.growth_mib),
            "MiB",
            Goal::Info,
        ),
        Row::new("6", format!("{what}: time, h2 vs http/1.1"), Some(h2.secs), Some(h1.secs), "s", Goal::Info)
            .note(complete),
    ])
}
