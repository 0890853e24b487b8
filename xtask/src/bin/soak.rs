//! `cargo xtask soak`: does the SDK give back what it takes?
//!
//! Rounds, for at least `--secs` (default 120) after a `--warmup` (default 20 s,
//! shown, not compared): each round starts `--streams`
//! (default 1,000) concurrent async chat streams on one shared `AsyncPareta`, with
//! random drops (read to the end, drop after a few chunks, drop unread, cancel at
//! a random moment), while `--blocking` (default 200) blocking calls run on 20
//! threads (one pool for the whole soak) sharing one `Pareta`. After each round,
//! once the open fds and the live heap have stopped moving, it reads this
//! process's RSS, live heap and open file descriptors. It passes when the
//! medians of the last ten measured rounds are within 5% of the first ten's
//! (each round against round 1 is printed too; see `run` for why that is not
//! the verdict).
//!
//! Besides RSS it reports live heap bytes (allocated minus freed, counted by the
//! global allocator below): RSS also moves with the allocator's retention, the
//! live heap only with what the program holds. Then it asks glibc to return its
//! free pages (`malloc_trim(0)`) and reads RSS again: what is left is what the
//! process holds plus fragmentation. The verdict is on the live heap, the open
//! fds and the trimmed RSS; the untrimmed RSS is printed next to them, with its
//! own deviation, because it depends on when glibc gives pages back, not on
//! what the SDK holds (in a 2026-12-01 run it drifted +5.7% with a flat heap).
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

/// Asks the allocator to return free memory to the OS (glibc's `malloc_trim`),
/// so that RSS shows what is held rather than what the allocator kept.
/// Elsewhere this does nothing and the trimmed RSS reads as the RSS.
fn trim_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        #[allow(unsafe_code, reason = "glibc's malloc_trim: no pointers, safe to call at any time")]
        // SAFETY: malloc_trim takes a size and only releases free heap pages.
        unsafe {
            malloc_trim(0);
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code, reason = "the declaration of glibc's malloc_trim")]
unsafe extern "C" {
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
}

/// Waits (at most 10 s) until the open fds and the live heap stop moving:
/// four samples 100 ms apart (so at least 300 ms) with the same fds and a heap
/// within 1% of the first of them. A round that leaked would not settle back;
/// one measured while its dropped connections were still closing (up to 1,045
/// fds, the 2026-12-01 run with a fixed 500 ms wait) says nothing about what
/// the SDK keeps. Gives up at 10 s and says so on stderr.
fn settle() -> Result<(usize, usize, Duration)> {
    let t0 = Instant::now();
    // The first sample of the current stable run, and how many have matched it.
    let mut anchor = (fds()?, ALLOC.allocated());
    let mut last = anchor;
    let mut stable = 0;
    while stable < 3 {
        if t0.elapsed() >= Duration::from_secs(10) {
            eprintln!("soak: fds and heap still moving after 10 s; measuring anyway");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        last = (fds()?, ALLOC.allocated());
        let heap_moved = (last.1 as f64 - anchor.1 as f64).abs() > 0.01 * anchor.1 as f64;
        if last.0 == anchor.0 && !heap_moved {
            stable += 1;
        } else {
            (anchor, stable) = (last, 0);
        }
    }
    Ok((last.0, last.1, t0.elapsed()))
}

/// Least-squares slope of `ys` per step: a leak is a trend, noise is not.
fn slope(ys: &[f64]) -> f64 {
    let n = ys.len() as f64;
    if ys.len() < 2 {
        return 0.0;
    }
    let mx = (n - 1.0) / 2.0;
    let my = ys.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in ys.iter().enumerate() {
        num += (i as f64 - mx) * (y - my);
        den += (i as f64 - mx).powi(2);
    }
    num / den
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
    /// Before `malloc_trim`.
    rss_raw: u64,
    /// After it: the figure the verdict uses.
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
        "| round | secs | settle secs | full | dropped after chunks | dropped unread | cancelled | stream errors | blocking ok / err | RSS MiB | RSS after trim MiB | live heap MiB | open fds |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
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
                "| (warm-up ends: {warm_rounds} rounds, {:.0} s; measured rounds follow) |||||||||||||",
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
        // Dropped connections close on the runtime's and the mock's schedule,
        // not at the end of a round: measure once they have.
        let (fds, heap, settle) = settle()?;
        let round_secs = t0.elapsed().as_secs_f64() - settle.as_secs_f64();
        let rss_raw = rss()?;
        trim_allocator();
        let rss = rss()?;
        let c = &counts;
        let g = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        let label = if warming { format!("w{}", warm_rounds + 1) } else { n.to_string() };
        let line = format!(
            "| {label} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} / {} | {:.1} | {:.1} | {:.2} | {fds} |",
            round_secs,
            settle.as_secs_f64(),
            g(&c.full),
            g(&c.dropped_after_chunks),
            g(&c.dropped_unread),
            g(&c.cancelled),
            g(&c.errors),
            g(&c.blocking_ok),
            g(&c.blocking_err),
            rss_raw as f64 / (1024.0 * 1024.0),
            rss as f64 / (1024.0 * 1024.0),
            heap as f64 / (1024.0 * 1024.0),
        );
        println!("{line}");
        if warming {
            warm_rounds += 1;
        } else {
            rounds.push(Round { n, secs: round_secs, rss_raw, rss, heap, fds, line });
        }
    }

    let first = &rounds[0];
    let max = |f: fn(&Round) -> f64| rounds.iter().map(f).fold(f64::MIN, f64::max);
    let dev = |v: f64, base: f64| (v - base) / base * 100.0;
    let (max_rss, max_raw) = (max(|r| r.rss as f64), max(|r| r.rss_raw as f64));
    let (max_heap, max_fds) = (max(|r| r.heap as f64), max(|r| r.fds as f64));
    // Per round against round 1, as issue 16 first asked: reported, not judged.
    // A round's end state includes however many idle connections the pool
    // happens to keep, each with its buffers (about 35 KiB of heap). While the
    // mock listened with std's backlog of 128, one round in ten ended with 50 to
    // 600 more sockets (connects whose SYNs had been dropped, finishing later
    // into the pool), and round 1 was sometimes such a round; with a real
    // server's backlog the fds and the heap are flat round to round. A leak is
    // a trend either way, so the verdict compares the medians of the first and
    // the last ten measured rounds, which one odd round cannot move.
    let mut outside = Vec::new();
    let mut raw_outside = 0usize;
    for r in &rounds[1..] {
        let devs = [
            dev(r.rss as f64, first.rss as f64),
            dev(r.fds as f64, first.fds as f64),
            dev(r.heap as f64, first.heap as f64),
        ];
        if devs.iter().any(|d| d.abs() > 5.0) {
            outside.push(format!("round {} ({:.1} s): {}", r.n, r.secs, r.line));
        }
        raw_outside += usize::from(dev(r.rss_raw as f64, first.rss_raw as f64).abs() > 5.0);
    }
    // Two windows that do not overlap, or the comparison says nothing.
    if rounds.len() < 6 {
        return Err(
            format!("only {} measured rounds: the verdict needs at least 6 (raise --secs)", rounds.len()).into()
        );
    }
    let k = (rounds.len() / 2).min(10);
    let median = |rs: &[Round], f: fn(&Round) -> f64| {
        let mut v: Vec<f64> = rs.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (head, tail) = (&rounds[..k], &rounds[rounds.len() - k..]);
    let mut bad = Vec::new();
    type Figure = (&'static str, fn(&Round) -> f64, f64);
    let figures: [Figure; 3] = [
        ("RSS after trim (MiB)", |r| r.rss as f64, 1048576.0),
        ("live heap (MiB)", |r| r.heap as f64, 1048576.0),
        ("open fds", |r| r.fds as f64, 1.0),
    ];
    let mut medians = Vec::new();
    for (name, f, unit) in figures {
        let (a, b) = (median(head, f), median(tail, f));
        medians.push(format!("{name} {:.2} -> {:.2} ({:+.1}%)", a / unit, b / unit, dev(b, a)));
        if dev(b, a).abs() > 5.0 {
            bad.push(format!("{name}: median of the last {k} rounds {:+.1}% from the first {k}'s", dev(b, a)));
        }
    }
    const MIB: f64 = 1048576.0;
    println!(
        "\n{} measured rounds in {:.0} s (after {warm_rounds} warm-up rounds)\n\
         round 1: RSS {:.1} MiB, after trim {:.1} MiB, live heap {:.2} MiB, {} fds\n\
         max: RSS after trim {:.1} MiB ({:+.1}%), live heap {:.2} MiB ({:+.1}%), {} fds ({:+.1}%)\n\
         untrimmed RSS (not in the verdict): max {:.1} MiB ({:+.1}%), {raw_outside} rounds outside 5%\n\
         trend over the measured rounds (least squares): RSS after trim {:+.1} KiB/round, live heap {:+.2} KiB/round, fds {:+.3}/round\n\
         per round against round 1 (reported, not judged): {} of {} rounds outside 5% in RSS after trim, live heap or fds\n\
         medians, first {k} -> last {k} measured rounds (the verdict): {}",
        rounds.len(),
        started.elapsed().as_secs_f64(),
        first.rss_raw as f64 / MIB,
        first.rss as f64 / MIB,
        first.heap as f64 / MIB,
        first.fds,
        max_rss / MIB,
        dev(max_rss, first.rss as f64),
        max_heap / MIB,
        dev(max_heap, first.heap as f64),
        max_fds,
        dev(max_fds, first.fds as f64),
        max_raw / MIB,
        dev(max_raw, first.rss_raw as f64),
        slope(&rounds.iter().map(|r| r.rss as f64 / 1024.0).collect::<Vec<_>>()),
        slope(&rounds.iter().map(|r| r.heap as f64 / 1024.0).collect::<Vec<_>>()),
        slope(&rounds.iter().map(|r| r.fds as f64).collect::<Vec<_>>()),
        outside.len(),
        rounds.len() - 1,
        medians.join(", "),
    );
    for line in outside.iter().take(5) {
        println!("  outside: {line}");
    }
    if bad.is_empty() {
        println!(
            "no growth: the last {k} rounds' medians are within 5% of the first {k}'s (RSS after trim, live heap, open fds)"
        );
        Ok(())
    } else {
        Err(format!("growth over the soak:\n{}", bad.join("\n")).into())
    }
}
