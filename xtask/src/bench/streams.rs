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

use super::calls::{RawUreq, auth, concurrent, runtime};
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
pub(super) fn blocking_raw(raw: &RawUreq, url: &str, expected: usize) -> Result<u64> {
    let resp = raw.post_stream(url, RAW_BODY)?;
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

/// Callgrind's counts per chunk of `profile stream CLIENT BASE 2 CHUNKS` (see [`super::instr`]).
fn instr(client: &str, base: &str, chunks: usize) -> Option<super::instr::Counts> {
    let streams = 2;
    super::instr::per_unit(
        &["stream", client, base, &streams.to_string(), &chunks.to_string()],
        (streams * chunks) as u64,
    )
}

/// The fewest allocations per chunk of three runs of `f` (one stream each).
fn allocs(mut f: impl FnMut() -> Result<u64>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        best = best.min(super::alloc::per_unit(&mut f)?);
    }
    Ok(best)
}

/// Item 3 rows (and item 1's end-to-end row).
pub fn bench(opts: &Opts, server: &Child, py: Option<&Python>) -> Result<Vec<Row>> {
    let chunks = opts.chunks();
    let base = server.stream_base(chunks, 0);
    let name = super::server::named(&base);
    let url = format!("{base}/v1/chat/completions");
    let url_name = format!("{name}/v1/chat/completions");
    let sample = opts.sample();

    let pa = Pareta::builder().api_key(KEY).base_url(&base).build()?;
    let pa_name = Pareta::builder().api_key(KEY).base_url(&name).build()?;
    let (timed, plain) = (RawUreq::new(true), RawUreq::new(false));
    let rt = runtime()?;
    let apa = AsyncPareta::builder().api_key(KEY).base_url(&base).build()?;
    let apa_name = AsyncPareta::builder().api_key(KEY).base_url(&name).build()?;
    let client = reqwest::Client::builder().build()?;
    let ours_async = |pa: &AsyncPareta| {
        let pa = pa.clone();
        let rt = &rt;
        Box::new(move || {
            let pa = pa.clone();
            Ok(rt.block_on(concurrent(1, sample, move || {
                let pa = pa.clone();
                async move { async_ours(&pa, chunks, None).await }
            }))?)
        }) as Sampler<'_>
    };
    let raw_async = |url: &str| {
        let (client, url) = (client.clone(), url.to_owned());
        let rt = &rt;
        Box::new(move || {
            let (client, url) = (client.clone(), url.clone());
            Ok(rt.block_on(concurrent(1, sample, move || {
                let (client, url) = (client.clone(), url.clone());
                async move { async_raw(&client, &url, chunks, None).await }
            }))?)
        }) as Sampler<'_>
    };
    let mut samplers: Vec<Sampler<'_>> = vec![
        Box::new(|| rate(sample, || blocking_ours(&pa_name, chunks))),
        Box::new(|| rate(sample, || blocking_raw(&timed, &url_name, chunks))),
        Box::new(|| rate(sample, || blocking_raw(&plain, &url_name, chunks))),
        Box::new(|| rate(sample, || blocking_ours(&pa, chunks))),
        Box::new(|| rate(sample, || blocking_raw(&timed, &url, chunks))),
        Box::new(|| rate(sample, || blocking_raw(&plain, &url, chunks))),
        ours_async(&apa_name),
        raw_async(&url_name),
        ours_async(&apa),
        raw_async(&url),
    ];
    let m = side_by_side(opts.runs(), &mut samplers)?;
    drop(samplers);
    eprintln!(
        "   blocking localhost {:.0} chunks/s (raw timeouts {:.0}, plain {:.0}), 127.0.0.1 {:.0} ({:.0}, {:.0}); async localhost {:.0} (raw {:.0}), 127.0.0.1 {:.0} (raw {:.0})",
        m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]
    );
    let cps = "chunks/s";
    let mut rows = Vec::new();
    for (host, b, k) in [("localhost", &name, 0), ("127.0.0.1", &base, 3)] {
        let ours = instr("blocking", b, chunks);
        for (what, client, j) in [("same timeouts", "ureq-timeouts", 1), ("plain", "ureq", 2)] {
            rows.push(
                Row::new(
                    "3",
                    format!("Pareta create_stream vs raw ureq ({what}) + bare loop, {host}"),
                    Some(m[k]),
                    Some(m[k + j]),
                    cps,
                    Goal::AtLeast(0.95),
                )
                .paired(m.ratio(k, k + j))
                .instr(ours, instr(client, b, chunks), 1.05),
            );
        }
    }
    for (host, b, k) in [("localhost", &name, 6), ("127.0.0.1", &base, 8)] {
        rows.push(
            Row::new(
                "3",
                format!("AsyncPareta create_stream vs raw reqwest + bare loop, {host}"),
                Some(m[k]),
                Some(m[k + 1]),
                cps,
                Goal::AtLeast(0.95),
            )
            .paired(m.ratio(k, k + 1))
            .instr(instr("async", b, chunks), instr("reqwest", b, chunks), 1.05),
        );
    }

    // Allocations per chunk, counted by the bench's global allocator.
    let per = "allocs/chunk";
    let body = super::decode::stream_body(chunks);
    let whole = bytes::Bytes::from(body.clone());
    let decode_ours = allocs(|| Ok(super::decode::ours_decode(&whole, PIECE)? as u64))?;
    let decode_bare =
        allocs(|| Ok(super::decode::bare_decode(&body, |c: super::decode::PlainChunk| drop(black_box(c)))? as u64))?;
    let a_blocking = allocs(|| blocking_ours(&pa_name, chunks))?;
    let a_ureq = allocs(|| blocking_raw(&plain, &url_name, chunks))?;
    let a_async = allocs(|| Ok(rt.block_on(async_ours(&apa_name, chunks, None))?))?;
    let a_reqwest = allocs(|| Ok(rt.block_on(async_raw(&client, &url_name, chunks, None))?))?;
    eprintln!(
        "   allocations per chunk: decode {decode_ours:.2} (bare {decode_bare:.2}); blocking {a_blocking:.2} (raw {a_ureq:.2}); async {a_async:.2} (raw {a_reqwest:.2})"
    );
    let alloc_row = |name: &str, o: f64, b: f64| Row::new("3", name, Some(o), Some(b), per, Goal::PlusAtMost(2.0));
    rows.push(alloc_row(
        "allocations per chunk: ChatStreamDecoder vs bare loop (in process)",
        decode_ours,
        decode_bare,
    ));
    rows.push(alloc_row("allocations per chunk: Pareta create_stream vs raw ureq + bare loop", a_blocking, a_ureq));
    rows.push(alloc_row(
        "allocations per chunk: AsyncPareta create_stream vs raw reqwest + bare loop",
        a_async,
        a_reqwest,
    ));

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
    let mut out = vec![Row::new(
        "1",
        "end to end: Pareta create_stream vs (b) Python pareta 0.1.0",
        Some(m[3]),
        get(&p_stream, "chunks_per_s"),
        cps,
        Goal::AtLeast(8.0),
    )];
    out.extend(rows);
    out.extend([
        Row::new(
            "3",
            "AsyncPareta create_stream vs Python pareta 0.1.0 (sync)",
            Some(m[8]),
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
    ]);
    Ok(out)
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

/// `bench __child streams --client ours|raw --n N --chunks C --base URL [--cert HEX]`;
/// with `--cert` (item 6's https server), both clients use one reqwest client
/// that trusts that certificate ([`super::h2::tls_client`]).
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
    let (apa, client) = match args.iter().position(|a| a == "--cert") {
        None => (AsyncPareta::builder().api_key(KEY).base_url(&base).build()?, reqwest::Client::builder().build()?),
        Some(_) => {
            let http = super::h2::tls_client(&super::server::from_hex(&arg("--cert")?)?)?;
            (AsyncPareta::builder().api_key(KEY).base_url(&base).http_client(http.clone()).build()?, http)
        }
    };
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
