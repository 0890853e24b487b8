//! `cargo xtask soak`: does the SDK give back what it takes?
//!
//! Rounds, for at least `--secs` (default 120) after a `--warmup` (default 20 s,
//! shown, not compared): each round starts `--streams`
//! (default 1,000) concurrent async chat streams on one shared `AsyncPareta`, with
//! random drops (read to the end, drop after a few chunks, drop unread, cancel at
//! a random moment), while `--blocking` (default 200) blocking calls run on 20
//! threads (one pool for the whole soak) sharing one `Pareta`. After each round it reads this process's RSS,
//! live heap and open file descriptors; every measured round must be within 5% of
//! the first measured round's.
//!
//! Besides RSS it reports live heap bytes (allocated minus freed, counted by the
//! global allocator below): RSS also moves with the allocator's retention, the
//! live heap only with what the program holds.
//!
//! The mock runs in a child process (`soak serve-mock`), so its own growth (the
//! request log, the idempotency store) is not counted. Linux only (/proc).

#[global_allocator]
static ALLOC: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve-mock") => serve_mock(),
        _ => run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

use futures_util::StreamExt;
use pareta_types::{ChatCompletionRequest, ChatMessage};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: cargo xtask soak [--secs N] [--warmup N] [--streams N] [--blocking N]

  --secs N       measured rounds: keep starting rounds until N seconds have passed (default 120)
  --warmup N     rounds for the first N seconds are shown but not compared (default 20):
                 glibc malloc's RSS settles over the first rounds while the live heap is flat
  --streams N    concurrent async streams per round (default 1000)
  --blocking N   blocking calls per round, on 20 threads (default 200)";

/// Serves pareta-mock (fast streams) until stdin closes; prints its base URL first.
fn serve_mock() -> Result {
    let mock = pareta_mock::MockServer::start_with(pareta_mock::MockConfig {
        chunk_delay: Duration::from_millis(2),
        deploy_step_delay: Duration::from_millis(2),
        ..Default::default()
    });
    println!("{}", mock.base_url());
    let mut line = String::new();
    while std::io::stdin().read_line(&mut line)? > 0 {
        line.clear();
    }
    Ok(())
}

struct MockChild(Child);

impl Drop for MockChild {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// Resident set size of this process, bytes.
fn rss() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .ok_or("no VmRSS in /proc/self/status")?;
    Ok(kb * 1024)
}

/// Open file descriptors of this process.
fn fds() -> Result<usize> {
    Ok(std::fs::read_dir("/proc/self/fd")?.count())
}

/// SplitMix64, seeded per task: the same drop plan in every round (so the number
/// of connections left in the pool is comparable between rounds).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(Default)]
struct Counts {
    full: AtomicUsize,
    dropped_after_chunks: AtomicUsize,
    dropped_unread: AtomicUsize,
    cancelled: AtomicUsize,
    errors: AtomicUsize,
    blocking_ok: AtomicUsize,
    blocking_err: AtomicUsize,
}

fn request() -> ChatCompletionRequest {
    ChatCompletionRequest::new("ep_contract_kie", vec![ChatMessage::user("Extract the parties from this contract.")])
        .max_tokens(32)
}

async fn one_stream(pa: pareta_async::AsyncPareta, seed: u64, counts: Arc<Counts>) {
    let r = mix(seed);
    match r % 100 {
        // Read to the end.
        0..45 => match pa.chat().completions().create_stream(&request()).await {
            Ok(mut s) => {
                let mut failed = false;
                while let Some(item) = s.next().await {
                    failed |= item.is_err();
                }
                let c = if failed { &counts.errors } else { &counts.full };
                c.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                counts.errors.fetch_add(1, Ordering::Relaxed);
            }
        },
        // Drop after 1..4 chunks.
        45..75 => match pa.chat().completions().create_stream(&request()).await {
            Ok(mut s) => {
                for _ in 0..1 + (r >> 8) % 4 {
                    if s.next().await.is_none() {
                        break;
                    }
                }
                drop(s);
                counts.dropped_after_chunks.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                counts.errors.fetch_add(1, Ordering::Relaxed);
            }
        },
        // Drop without reading.
        75..88 => match pa.chat().completions().create_stream(&request()).await {
            Ok(s) => {
                drop(s);
                counts.dropped_unread.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                counts.errors.fetch_add(1, Ordering::Relaxed);
            }
        },
        // Cancel the whole future at a random moment (connecting, mid-stream, ...).
        _ => {
            let fut = async {
                if let Ok(mut s) = pa.chat().completions().create_stream(&request()).await {
                    while s.next().await.is_some() {}
                }
            };
            if tokio::time::timeout(Duration::from_millis(1 + (r >> 8) % 40), fut).await.is_err() {
                counts.cancelled.fetch_add(1, Ordering::Relaxed);
            } else {
                counts.full.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn blocking_calls(pa: &pareta_blocking::Pareta, calls: usize, seed: u64, counts: &Counts) {
    for i in 0..calls {
        let r = mix(seed.wrapping_mul(7919).wrapping_add(i as u64));
        let ok = match r % 4 {
            0 => pa.models().list().is_ok(),
            1 => pa.chat().completions().create(&request()).is_ok(),
            2 => pa
                .chat()
                .completions()
                .create_stream(&request())
                .map(|s| s.filter(|c| c.is_ok()).count() > 0)
                .unwrap_or(false),
            _ => pa
                .chat()
                .completions()
                .create_stream(&request())
                .map(|mut s| Iterator::next(&mut s).is_some())
                .unwrap_or(false),
        };
        let c = if ok { &counts.blocking_ok } else { &counts.blocking_err };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

struct Round {
    n: usize,
    secs: f64,
    rss: u64,
    heap: usize,
    fds: usize,
    line: String,
}

/// Runs the soak.
fn run(args: &[String]) -> Result {
    let (mut secs, mut warmup, mut streams, mut blocking) = (120u64, 20u64, 1000usize, 200usize);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Result<u64> {
            Ok(it.next().ok_or(format!("{name} needs a value"))?.parse().map_err(|e| format!("{name}: {e}"))?)
        };
        match a.as_str() {
            "--secs" => secs = num("--secs")?,
            "--warmup" => warmup = num("--warmup")?,
            "--streams" => streams = num("--streams")? as usize,
            "--blocking" => blocking = num("--blocking")? as usize,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}").into()),
        }
    }

    let mut child = Command::new(std::env::current_exe()?)
        .arg("serve-mock")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout from the mock")?;
    let _mock = MockChild(child);
    let mut base = String::new();
    BufReader::new(stdout).read_line(&mut base)?;
    let base = base.trim().to_owned();
    if !base.starts_with("http://127.0.0.1:") {
        return Err(format!("the mock printed {base:?}").into());
    }

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let apa = pareta_async::AsyncPareta::builder()
        .api_key("pareta_sk_soak")
        .base_url(&base)
        .timeout(Duration::from_secs(30))
        .build()?;
    let bpa = pareta_blocking::Pareta::builder()
        .api_key("pareta_sk_soak")
        .base_url(&base)
        .timeout(Duration::from_secs(30))
        .build()?;

    println!(
        "soak: rounds of {streams} concurrent async streams (random drops) + {blocking} blocking calls on 20 threads, for {secs} s"
    );
    println!(
        "| round | secs | full | dropped after chunks | dropped unread | cancelled | stream errors | blocking ok / err | RSS MiB | live heap MiB | open fds |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    // 20 blocking threads for the whole soak (as an application's pool would be),
    // each sharing one `Pareta`; a round hands each its share of the calls.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let workers: Vec<std::sync::mpsc::Sender<(usize, u64, Arc<Counts>)>> = (0..20)
        .map(|_| {
            let (tx, rx) = std::sync::mpsc::channel::<(usize, u64, Arc<Counts>)>();
            let (pa, done) = (bpa.clone(), done_tx.clone());
            std::thread::spawn(move || {
                while let Ok((per, seed, counts)) = rx.recv() {
                    blocking_calls(&pa, per, seed, &counts);
                    if done.send(()).is_err() {
                        break;
                    }
                }
            });
            tx
        })
        .collect();
    let warm_started = Instant::now();
    let mut started = warm_started;
    let mut warming = warmup > 0;
    let mut warm_rounds = 0usize;
    let mut rounds: Vec<Round> = Vec::new();
    while warming || rounds.is_empty() || started.elapsed() < Duration::from_secs(secs) {
        if warming && warm_started.elapsed() >= Duration::from_secs(warmup) {
            warming = false;
            started = Instant::now();
            println!(
                "| (warm-up ends: {warm_rounds} rounds, {:.0} s; measured rounds follow) |||||||||||",
                warm_started.elapsed().as_secs_f64()
            );
        }
        let n = rounds.len() + 1;
        let t0 = Instant::now();
        let counts = Arc::new(Counts::default());
        for (t, w) in workers.iter().enumerate() {
            let per = blocking / 20 + usize::from(t < blocking % 20);
            w.send((per, t as u64, counts.clone())).map_err(|_| "a blocking worker is gone")?;
        }
        rt.block_on(async {
            let tasks: Vec<_> =
                (0..streams).map(|i| tokio::spawn(one_stream(apa.clone(), i as u64, counts.clone()))).collect();
            for t in tasks {
                let _ = t.await;
            }
        });
        for _ in 0..workers.len() {
            done_rx.recv().map_err(|_| "a blocking worker panicked")?;
        }
        // Let dropped connections finish closing before measuring.
        std::thread::sleep(Duration::from_millis(500));
        let (rss, fds, heap) = (rss()?, fds()?, ALLOC.allocated());
        let c = &counts;
        let g = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        let label = if warming { format!("w{}", warm_rounds + 1) } else { n.to_string() };
        let line = format!(
            "| {label} | {:.1} | {} | {} | {} | {} | {} | {} / {} | {:.1} | {:.2} | {fds} |",
            t0.elapsed().as_secs_f64(),
            g(&c.full),
            g(&c.dropped_after_chunks),
            g(&c.dropped_unread),
            g(&c.cancelled),
            g(&c.errors),
            g(&c.blocking_ok),
            g(&c.blocking_err),
            rss as f64 / (1024.0 * 1024.0),
            heap as f64 / (1024.0 * 1024.0),
        );
        println!("{line}");
        if warming {
            warm_rounds += 1;
        } else {
            rounds.push(Round { n, secs: t0.elapsed().as_secs_f64(), rss, heap, fds, line });
        }
    }

    let first = &rounds[0];
    let max_rss = rounds.iter().map(|r| r.rss).max().unwrap_or(0);
    let max_fds = rounds.iter().map(|r| r.fds).max().unwrap_or(0);
    let max_heap = rounds.iter().map(|r| r.heap).max().unwrap_or(0);
    let mut bad = Vec::new();
    for r in &rounds[1..] {
        let rss_dev = (r.rss as f64 - first.rss as f64) / first.rss as f64;
        let fd_dev = (r.fds as f64 - first.fds as f64) / first.fds as f64;
        let heap_dev = (r.heap as f64 - first.heap as f64) / first.heap as f64;
        if rss_dev.abs() > 0.05 || fd_dev.abs() > 0.05 || heap_dev.abs() > 0.05 {
            bad.push(format!(
                "round {} ({:.1} s): RSS {:+.1}%, live heap {:+.1}%, fds {:+.1}% vs round 1: {}",
                r.n,
                r.secs,
                rss_dev * 100.0,
                heap_dev * 100.0,
                fd_dev * 100.0,
                r.line
            ));
        }
    }
    println!(
        "\n{} measured rounds in {:.0} s (after {warm_rounds} warm-up rounds); round 1: RSS {:.1} MiB, live heap {:.2} MiB, {} fds; max: live heap {:.2} MiB ({:+.1}%), RSS {:.1} MiB ({:+.1}%), {} fds ({:+.1}%)",
        rounds.len(),
        started.elapsed().as_secs_f64(),
        first.rss as f64 / 1048576.0,
        first.heap as f64 / 1048576.0,
        first.fds,
        max_heap as f64 / 1048576.0,
        (max_heap as f64 / first.heap as f64 - 1.0) * 100.0,
        max_rss as f64 / 1048576.0,
        (max_rss as f64 / first.rss as f64 - 1.0) * 100.0,
        max_fds,
        (max_fds as f64 / first.fds as f64 - 1.0) * 100.0
    );
    if bad.is_empty() {
        println!("every measured round within 5% of round 1 (RSS, live heap and open fds)");
        Ok(())
    } else {
        Err(format!("{} rounds outside 5% of round 1:\n{}", bad.len(), bad.join("\n")).into())
    }
}
