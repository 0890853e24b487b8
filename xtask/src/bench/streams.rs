//! Items 3 and 5: streaming through the clients, end to end.
//!
//! Item 3: chunks per second of `create_stream` (blocking and async) against
//! the raw client (ureq / reqwest) POSTing the same request and running the
//! bare line-split + `serde_json::from_slice` loop over the same SSE body as it
//! arrives; and against the Python client (item 1's end-to-end goal). Then time
//! to first chunk on a stream whose server pauses after the first event.
//!
//! Item 5: 200 and 1,000 concurrent async streams on one `AsyncPareta`, each
//! in a child process of its own so its peak RSS is the run's own. Each stream
//! pauses after its first event, so all of them are open at once; the child
//! reports how many were.

use super::calls::{auth, concurrent, runtime};
use super::decode::{BareStream, PIECE};
use super::python::Python;
use super::server::{Child, KEY};
use super::{Goal, Opts, Result, Row, Sampler, rate, run_child, side_by_side, status_kib};
use futures_util::StreamExt;
use pareta_async::AsyncPareta;
use pareta_blocking::Pareta;
use pareta_blocking::types::{ChatCompletionRequest, ChatMessage};
use std::hint::black_box;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The request every client sends.
pub fn request() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("Extract the parties.")])
}

const RAW_BODY: &str =
    r#"{"model":"ep_contract_kie","messages":[{"role":"user","content":"Extract the parties."}],"stream":true}"#;

fn check(n: u64, expected: usize) -> std::result::Result<u64, String> {
    if n == expected as u64 { Ok(n) } else { Err(format!("expected {expected} chunks, got {n}")) }
}

/// One blocking stream through the SDK.
pub(super) fn blocking_ours(pa: &Pareta, expected: usize) -> Result<u64> {
    let mut n = 0;
    for chunk in pa.chat().completions().create_stream(&request())? {
        black_box(chunk?.delta());
        n += 1;
    }
    Ok(check(n, expected)?)
}

/// One blocking stream with raw ureq and the bare loop.
pub(super) fn blocking_raw(agent: &ureq::Agent, url: &str, expected: usize) -> Result<u64> {
    let resp = agent
        .post(url)
        .header("authorization", auth())
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .send(RAW_BODY)?;
    if !resp.status().is_success() {
        return Err(format!("status {}", resp.status()).into());
    }
    let mut body = resp.into_body().into_reader();
    let mut buf = vec![0u8; PIECE];
    let mut s = BareStream::default();
    loop {
        let n = body.read(&mut buf)?;
        if n == 0 {
            break;
        }
        s.feed(&buf[..n])?;
    }
    if !s.done {
        return Err("raw stream ended before [DONE]".into());
    }
    Ok(check(s.chunks, expected)?)
}

/// Counts streams between their first chunk and their end.
#[derive(Debug, Default)]
pub(super) struct Open {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Open {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }
    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One async stream through the SDK.
pub(super) async fn async_ours(
    pa: &AsyncPareta,
    expected: usize,
    open: Option<&Open>,
) -> std::result::Result<u64, String> {
    let mut stream = pa.chat().completions().create_stream(&request()).await.map_err(|e| e.to_string())?;
    let mut n = 0;
    while let Some(chunk) = stream.next().await {
        black_box(chunk.map_err(|e| e.to_string())?.delta());
        if n == 0 {
            open.map(Open::enter);
        }
        n += 1;
    }
    if n > 0 {
        open.map(Open::leave);
    }
    check(n, expected)
}

/// One async stream with raw reqwest and the bare loop.
pub(super) async fn async_raw(
    client: &reqwest::Client,
    url: &str,
    expected: usize,
    open: Option<&Open>,
) -> std::result::Result<u64, String> {
    let resp = client
        .post(url)
        .header("authorization", auth())
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .body(RAW_BODY)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("status {}", resp.status()));
    }
    let mut body = resp.bytes_stream();
    let mut s = BareStream::default();
    let mut entered = false;
    while let Some(bytes) = body.next().await {
        s.feed(&bytes.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        if !entered && s.chunks > 0 {
            entered = true;
            open.map(Open::enter);
        }
    }
    if entered {
        open.map(Open::leave);
    }
    if !s.done {
        return Err("raw stream ended before [DONE]".into());
    }
    check(s.chunks, expected)
}

/// (time to first chunk, total) in ms of one async stream through the SDK.
async fn async_ttfc(pa: &AsyncPareta) -> std::result::Result<(f64, f64), String> {
    let start = Instant::now();
    let mut stream = pa.chat().completions().create_stream(&request()).await.map_err(|e| e.to_string())?;
    let mut first = None;
    while let Some(chunk) = stream.next().await {
        chunk.map_err(|e| e.to_string())?;
        first.get_or_insert_with(|| start.elapsed());
    }
    let first = first.ok_or("empty stream")?;
    Ok((first.as_secs_f64() * 1e3, start.elapsed().as_secs_f64() * 1e3))
}

/// (time to first chunk, total) in ms of one blocking stream through the SDK.
fn blocking_ttfc(pa: &Pareta) -> Result<(f64, f64)> {
    let start = Instant::now();
    let mut first = None;
    for chunk in pa.chat().completions().create_stream(&request())? {
        chunk?;
        first.get_or_insert_with(|| start.elapsed());
    }
    let first = first.ok_or("empty stream")?;
    Ok((first.as_secs_f64() * 1e3, start.elapsed().as_secs_f64() * 1e3))
}

fn medians(v: Vec<(f64, f64)>) -> (f64, f64) {
    let (a, b): (Vec<f64>, Vec<f64>) = v.into_iter().unzip();
    (super::median(a), super::median(b))
}

/// Item 3 rows (and item 1's end-to-end row).
pub fn bench(opts: &Opts, server: &Child, py: Option<&Python>) -> Result<Vec<Row>> {
    let chunks = opts.chunks();
    let base = server.stream_base(chunks, 0);
    let url = format!("{base}/v1/chat/completions");
    let sample = opts.sample();

    let pa = Pareta::builder().api_key(KEY).base_url(&base).build()?;
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let rt = runtime()?;
    let apa = AsyncPareta::builder().api_key(KEY).base_url(&base).build()?;
    let client = reqwest::Client::builder().build()?;
    let mut samplers: Vec<Sampler<'_>> = vec![
        Box::new(|| rate(sample, || blocking_ours(&pa, chunks))),
        Box::new(|| rate(sample, || blocking_raw(&agent, &url, chunks))),
        Box::new(|| {
            let pa = apa.clone();
            Ok(rt.block_on(concurrent(1, sample, move || {
                let pa = pa.clone();
                async move { async_ours(&pa, chunks, None).await }
            }))?)
        }),
        Box::new(|| {
            let (client, url) = (client.clone(), url.clone());
            Ok(rt.block_on(concurrent(1, sample, move || {
                let (client, url) = (client.clone(), url.clone());
                async move { async_raw(&client, &url, chunks, None).await }
            }))?)
        }),
    ];
    let m = side_by_side(opts.runs(), &mut samplers)?;
    drop(samplers);
    eprintln!("   blocking {:.0} chunks/s (raw {:.0}); async {:.0} chunks/s (raw {:.0})", m[0], m[1], m[2], m[3]);

    // Time to first chunk: a stream that pauses after its first event.
    let (ttfc_chunks, pause_ms) = if opts.quick { (500, 300) } else { (2_000, 500) };
    let pause_base = server.stream_base(ttfc_chunks, pause_ms);
    let apa_pause = AsyncPareta::builder().api_key(KEY).base_url(&pause_base).build()?;
    let pa_pause = Pareta::builder().api_key(KEY).base_url(&pause_base).build()?;
    let ttfc_runs = 3;
    let mut a_t = Vec::new();
    let mut b_t = Vec::new();
    for _ in 0..ttfc_runs {
        a_t.push(rt.block_on(async_ttfc(&apa_pause))?);
        b_t.push(blocking_ttfc(&pa_pause)?);
    }
    let (a_first, a_total) = medians(a_t);
    let (b_first, b_total) = medians(b_t);
    eprintln!("   ttfc: async {a_first:.1} of {a_total:.0} ms; blocking {b_first:.1} of {b_total:.0} ms");

    let (p_stream, p_ttfc) = match py {
        Some(py) => {
            let s =
                py.stream(&base, chunks, opts.runs().min(5)).map_err(|e| println!("Python stream failed: {e}")).ok();
            let t = py.ttfc(&pause_base, ttfc_runs).map_err(|e| println!("Python ttfc failed: {e}")).ok();
            (s, t)
        }
        None => (None, None),
    };
    let get = |v: &Option<serde_json::Value>, k: &str| v.as_ref().and_then(|v| v.get(k)).and_then(|x| x.as_f64());
    let pause = format!("{ttfc_chunks} chunks, {pause_ms} ms pause after the first");
    let cps = "chunks/s";
    Ok(vec![
        Row::new(
            "1",
            "end to end: Pareta create_stream vs (b) Python pareta 0.1.0",
            Some(m[0]),
            get(&p_stream, "chunks_per_s"),
            cps,
            Goal::AtLeast(8.0),
        ),
        Row::new("3", "Pareta create_stream vs raw ureq + bare loop", Some(m[0]), Some(m[1]), cps, Goal::AtLeast(0.8)),
        Row::new(
            "3",
            "AsyncPareta create_stream vs raw reqwest + bare loop",
            Some(m[2]),
            Some(m[3]),
            cps,
            Goal::AtLeast(0.8),
        ),
        Row::new(
            "3",
            "AsyncPareta create_stream vs Python pareta 0.1.0 (sync)",
            Some(m[2]),
            get(&p_stream, "chunks_per_s"),
            cps,
            Goal::Info,
        ),
        Row::new(
            "3",
            format!("AsyncPareta time to first chunk vs total ({pause})"),
            Some(a_first),
            Some(a_total),
            "ms",
            Goal::AtMost(0.1),
        ),
        Row::new(
            "3",
            "Pareta time to first chunk vs total (same stream)",
            Some(b_first),
            Some(b_total),
            "ms",
            Goal::Info,
        ),
        Row::new(
            "3",
            "Python AsyncPareta time to first chunk vs total (same stream)",
            get(&p_ttfc, "async_first_ms"),
            get(&p_ttfc, "async_total_ms"),
            "ms",
            Goal::Info,
        ),
        Row::new(
            "3",
            "Python Pareta time to first chunk vs total (same stream)",
            get(&p_ttfc, "sync_first_ms"),
            get(&p_ttfc, "sync_total_ms"),
            "ms",
            Goal::Info,
        ),
    ])
}

/// Item 5 rows: one child process per stream count and client.
pub fn scale(opts: &Opts, server: &Child) -> Result<Vec<Row>> {
    let counts: &[usize] = if opts.quick { &[200] } else { &[200, 1_000] };
    let (chunks, pause_ms) = if opts.quick { (500, 300) } else { (1_000, 500) };
    let base = server.stream_base(chunks, pause_ms);
    let mut rows = Vec::new();
    for &n in counts {
        let mut results = Vec::new();
        for client in ["ours", "raw"] {
            let v = run_child(&[
                "streams",
                "--client",
                client,
                "--n",
                &n.to_string(),
                "--chunks",
                &chunks.to_string(),
                "--base",
                &base,
            ])?;
            let f = |k: &str| v.get(k).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
            eprintln!(
                "   {n} streams ({client}): {}/{n} complete, max open {}, {:.2} s, peak RSS {:.1} MiB (+{:.1})",
                f("completed"),
                f("max_open"),
                f("secs"),
                f("hwm_after_kib") / 1024.0,
                (f("hwm_after_kib") - f("hwm_before_kib")) / 1024.0
            );
            results.push((f("completed"), f("max_open"), f("secs"), f("hwm_after_kib") / 1024.0));
        }
        let (ours, raw) = (results[0], results[1]);
        let all = ours.0 == n as f64;
        let what = format!("{n} concurrent async streams × {chunks} chunks ({pause_ms} ms pause), one client");
        rows.push(
            Row::new(
                "5",
                format!("{what}: time, AsyncPareta vs raw reqwest"),
                Some(ours.2),
                Some(raw.2),
                "s",
                Goal::Complete,
            )
            .ok(all)
            .note(format!("({}/{n} complete, {} open at once)", ours.0, ours.1)),
        );
        rows.push(Row::new(
            "5",
            format!("{what}: peak RSS, AsyncPareta vs raw reqwest"),
            Some(ours.3),
            Some(raw.3),
            "MiB",
            Goal::Info,
        ));
    }
    Ok(rows)
}

/// `bench __child streams --client ours|raw --n N --chunks C --base URL`.
pub fn scale_child(args: &[String]) -> Result {
    let arg = |name: &str| -> Result<String> {
        let i = args.iter().position(|a| a == name).ok_or_else(|| format!("missing {name}"))?;
        Ok(args.get(i + 1).ok_or_else(|| format!("missing value of {name}"))?.clone())
    };
    let n: usize = arg("--n")?.parse()?;
    let chunks: usize = arg("--chunks")?.parse()?;
    let base = arg("--base")?;
    let raw = arg("--client")? == "raw";
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = runtime()?;
    let apa = AsyncPareta::builder().api_key(KEY).base_url(&base).build()?;
    let client = reqwest::Client::builder().build()?;
    let url = format!("{base}/v1/chat/completions");
    let open = Arc::new(Open::default());
    let (completed, secs, before) = rt.block_on(async {
        // Warm-up: runtime threads, client, one connection.
        let _ = apa.models().list().await;
        let _ = client.get(format!("{base}/v1/models")).send().await;
        let before = status_kib("VmHWM").unwrap_or(0);
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (apa, client, url) = (apa.clone(), client.clone(), url.clone());
                let open = Arc::clone(&open);
                tokio::spawn(async move {
                    if raw {
                        async_raw(&client, &url, chunks, Some(&open)).await
                    } else {
                        async_ours(&apa, chunks, Some(&open)).await
                    }
                })
            })
            .collect();
        let mut completed = 0usize;
        for t in tasks {
            match t.await {
                Ok(Ok(_)) => completed += 1,
                Ok(Err(e)) => eprintln!("   stream failed: {e}"),
                Err(e) => eprintln!("   stream task failed: {e}"),
            }
        }
        (completed, start.elapsed().as_secs_f64(), before)
    });
    let after = status_kib("VmHWM").unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({
            "completed": completed, "max_open": open.max.load(Ordering::SeqCst), "secs": secs,
            "hwm_before_kib": before, "hwm_after_kib": after,
        })
    );
    Ok(())
}
