//! Fixed-work entry points for profilers (`valgrind --tool=callgrind` counts
//! instructions, which is stable on a noisy machine). Each warms up, calls
//! [`mark`], does `n` units of one kind of work, calls [`mark`] again and prints
//! a rate. With `--dump-after=*profile_mark*` callgrind's second dump holds the
//! `n` units alone (what [`super::instr`] reads); without it, subtract a run with
//! `n` = 0 and divide by `n`.
//!
//! ```text
//! cargo build --release -p xtask
//! X=target/release/xtask
//! valgrind --tool=callgrind $X bench __child profile decode ours 3      # or plain | value
//! $X bench __server &                                                   # prints PORT n
//! valgrind --tool=callgrind $X bench __child profile stream blocking http://127.0.0.1:n/s/10000/0 3
//! valgrind --tool=callgrind $X bench __child profile calls async http://localhost:n 2000
//! ```
//!
//! `stream` clients: `blocking`, `ureq` (raw + bare loop), `ureq-timeouts` (raw
//! with the SDK's timeouts), `async`, `reqwest`. `calls` clients: `blocking`,
//! `ureq`, `ureq-timeouts`, `async`, `reqwest`, `reqwest-timeouts` (raw with the
//! SDK's per-call timeout), `async64`, `reqwest64`, `reqwest64-timeouts` (64
//! concurrent tasks); the call is `models` (`models().list()`, the default) or
//! `task` (`tasks().retrieve(..)`).

use super::Result;
use super::calls::{CONCURRENCY, Op, RawUreq, TIMEOUT, raw_reqwest_call, runtime};
use super::decode::{
    BareStream, PIECE, PlainChunk, bare_decode, event_pieces, ours_decode, ours_decode_copied, ours_decode_pieces,
    stream_body,
};
use super::server::KEY;
use super::streams::{async_ours, async_raw, blocking_ours, blocking_raw};
use pareta_async::AsyncPareta;
use pareta_blocking::Pareta;
use std::hint::black_box;
use std::time::Instant;

const USAGE: &str = "bench __child profile decode ours|plain|value N
bench __child profile stream blocking|ureq|ureq-timeouts|async|reqwest BASE N [CHUNKS]
bench __child profile calls blocking|ureq|ureq-timeouts|async|reqwest|reqwest-timeouts|async64|reqwest64|reqwest64-timeouts BASE N [models|task]";

/// Calls before the first mark (connections, pools and caches warm).
const WARM_CALLS: u64 = 20;

/// The marker callgrind dumps after (`--dump-after=*profile_mark*`).
#[inline(never)]
pub fn profile_mark() {
    // Something of its own, so that no identical function is merged with it.
    black_box(0x70_726f_6669_6c65_u64);
}

/// Marks the start and the end of the measured work.
pub fn mark() {
    profile_mark();
}

/// `bench __child profile ...`.
pub fn run(args: &[String]) -> Result {
    let a = |i: usize| args.get(i).map(String::as_str).ok_or(USAGE);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ((units, secs), what) = match a(0)? {
        "decode" => {
            let body = stream_body(10_000);
            let events = event_pieces(&body);
            let whole = bytes::Bytes::from(body.clone());
            let n: usize = a(2)?.parse()?;
            let kind = a(1)?;
            let one = || -> Result<usize> {
                Ok(match kind {
                    "ours" => ours_decode(&whole, PIECE)? as usize,
                    // Each read copied into the decoder, as before the drivers
                    // handed their reads over.
                    "ours-copied" => ours_decode_copied(&body, PIECE)? as usize,
                    // One event per read, as a live stream arrives.
                    "ours-live" => ours_decode_pieces(events.iter().copied())? as usize,
                    "plain-live" => {
                        let mut s = BareStream::default();
                        for e in &events {
                            s.feed(e)?;
                        }
                        s.chunks as usize
                    }
                    "plain" => bare_decode(&body, |c: PlainChunk| drop(black_box(c)))? as usize,
                    "value" => bare_decode(&body, |v: serde_json::Value| drop(black_box(v)))? as usize,
                    _ => return Err(USAGE.into()),
                })
            };
            one()?;
            (measured(&mut || (0..n).try_fold(0, |t, _| Ok(t + one()?)))?, "chunks")
        }
        "stream" => {
            let (client, base, n) = (a(1)?, a(2)?, a(3)?.parse::<usize>()?);
            let chunks: usize = args.get(4).map_or(Ok(10_000), |c| c.parse())?;
            let url = format!("{base}/v1/chat/completions");
            let total = match client {
                "blocking" => {
                    let pa = Pareta::builder().api_key(KEY).base_url(base).build()?;
                    blocking_ours(&pa, chunks)?;
                    measured(&mut || (0..n).try_fold(0, |t, _| Ok(t + blocking_ours(&pa, chunks)? as usize)))?
                }
                "ureq" | "ureq-timeouts" => {
                    let raw = RawUreq::new(client == "ureq-timeouts");
                    blocking_raw(&raw, &url, chunks)?;
                    measured(&mut || (0..n).try_fold(0, |t, _| Ok(t + blocking_raw(&raw, &url, chunks)? as usize)))?
                }
                "async" | "reqwest" => {
                    let rt = runtime()?;
                    let pa = AsyncPareta::builder().api_key(KEY).base_url(base).build()?;
                    let http = reqwest::Client::builder().build()?;
                    let streams = |n: usize| -> Result<usize> {
                        let mut total = 0;
                        for _ in 0..n {
                            total += rt.block_on(async {
                                if client == "async" {
                                    async_ours(&pa, chunks, None).await
                                } else {
                                    async_raw(&http, &url, chunks, None).await
                                }
                            })? as usize;
                        }
                        Ok(total)
                    };
                    streams(1)?;
                    measured(&mut || streams(n))?
                }
                _ => return Err(USAGE.into()),
            };
            (total, "chunks")
        }
        "calls" => {
            let (client, base, n) = (a(1)?, a(2)?, a(3)?.parse::<usize>()?);
            let op = match args.get(4).map(String::as_str) {
                None | Some("models") => Op::Models,
                Some("task") => Op::Task,
                Some(_) => return Err(USAGE.into()),
            };
            let url = op.url(base);
            let done = match client {
                "blocking" => {
                    let pa = Pareta::builder().api_key(KEY).base_url(base).build()?;
                    let calls = |k: u64| (0..k).try_for_each(|_| op.ours_blocking(&pa));
                    calls(WARM_CALLS)?;
                    measured(&mut || calls(n as u64).map(|()| n))?
                }
                "ureq" | "ureq-timeouts" => {
                    let raw = RawUreq::new(client == "ureq-timeouts");
                    let calls = |k: u64| (0..k).try_for_each(|_| op.raw_blocking(&raw, &url));
                    calls(WARM_CALLS)?;
                    measured(&mut || calls(n as u64).map(|()| n))?
                }
                "async" | "reqwest" | "async64" | "reqwest64" | "reqwest-timeouts" | "reqwest64-timeouts" => {
                    let rt = runtime()?;
                    let pa = AsyncPareta::builder().api_key(KEY).base_url(base).build()?;
                    let http = reqwest::Client::builder().build()?;
                    let ours = client.starts_with("async");
                    let conc = if client.contains("64") { CONCURRENCY } else { 1 };
                    let timeout = client.ends_with("-timeouts").then_some(TIMEOUT);
                    let calls = |k: usize| -> Result<usize> {
                        rt.block_on(async {
                            let tasks: Vec<_> = (0..conc)
                                .map(|i| {
                                    let (pa, http, url) = (pa.clone(), http.clone(), url.clone());
                                    // k calls in all, spread over the tasks.
                                    let mine = k / conc + usize::from(i < k % conc);
                                    tokio::spawn(async move {
                                        for _ in 0..mine {
                                            if ours {
                                                op.ours_async(&pa).await?;
                                            } else {
                                                raw_reqwest_call(op, &http, &url, timeout).await?;
                                            }
                                        }
                                        Ok::<(), String>(())
                                    })
                                })
                                .collect();
                            for t in tasks {
                                t.await.map_err(|e| e.to_string())??;
                            }
                            Ok::<_, String>(k)
                        })
                        .map_err(Into::into)
                    };
                    calls(WARM_CALLS as usize * conc)?;
                    measured(&mut || calls(n))?
                }
                _ => return Err(USAGE.into()),
            };
            (done, "calls")
        }
        _ => return Err(USAGE.into()),
    };
    println!("{units} {what} in {secs:.3} s ({:.0} {what}/s)", units as f64 / secs);
    Ok(())
}

/// Runs `f` between two marks; returns its units and the seconds it took.
/// The CPU clocks are read outside the marks, so that callgrind's count of
/// the measured part holds no reading of `/proc`.
fn measured(f: &mut dyn FnMut() -> Result<usize>) -> Result<(usize, f64)> {
    let (cpu, on_cpu) = (cpu_seconds(), on_cpu_seconds());
    mark();
    let start = Instant::now();
    let units = f()?;
    let secs = start.elapsed().as_secs_f64();
    mark();
    if let Some((user, sys)) = cpu_seconds().zip(cpu).map(|((u1, s1), (u0, s0))| (u1 - u0, s1 - s0)) {
        eprintln!("cpu {user:.3} s user, {sys:.3} s sys in the measured part");
    }
    if let Some(on_cpu) = on_cpu_seconds().zip(on_cpu).map(|(t1, t0)| t1 - t0) {
        eprintln!("on cpu {on_cpu:.4} s in the measured part (threads alive at both ends)");
    }
    Ok((units, secs))
}

/// This process's user and system CPU seconds so far (Linux `/proc`, in
/// clock ticks of 1/100 s), for runs long enough that a tick is noise.
fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime / 100.0, stime / 100.0))
}

/// Nanosecond-exact CPU time of this process's threads (the scheduler's own
/// account, `/proc/self/task/*/schedstat`), where [`cpu_seconds`] counts in
/// ticks of 10 ms: a half-second run reads to within 2% there, here to the
/// microsecond. A thread that ends in between takes its time with it, so this
/// is for runs whose threads (a runtime's workers) live throughout.
fn on_cpu_seconds() -> Option<f64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total as f64 / 1e9)
}
