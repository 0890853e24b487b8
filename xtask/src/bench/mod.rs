//! `cargo xtask bench [--quick]`: the performance harness of issue 8.
//!
//! Every goal is a ratio against a baseline measured side by side in the same
//! run, because these machines are shared and noisy. Nothing here asserts a
//! time: each row prints ours, the baseline, the ratio, the goal and PASS or
//! MISS, and a MISS is reported, never an error exit.
//!
//! # Processes
//!
//! `cargo xtask` builds xtask in debug, so `bench` re-runs itself as
//! `cargo run --release -p xtask -- bench __inner ...`. The release process then
//! starts the loopback benchmark server as a child process (`bench __server`,
//! so the clients' memory and file descriptors are their own) and runs the
//! memory and scale measurements in child processes of their own
//! (`bench __child ...`), so that each peak RSS is that measurement's only.
//! The server exits when its parent closes its stdin, or after 30 minutes.
//!
//! # Items (the numbering of the issue)
//!
//! 1. [`decode`]: SSE + chat-chunk decode throughput in process, against a
//!    bare line-split + `serde_json::from_slice` loop (plain structs, and
//!    `serde_json::Value`); the Python client end to end is in item 3's rows.
//! 2. [`calls`]: small calls per second, SDK vs raw ureq / raw reqwest (also at
//!    64 concurrent requests), and vs the Python client.
//! 3. [`streams`]: streaming end to end, SDK vs raw client reading the same SSE
//!    body, vs the Python client; time to first chunk on a stream that pauses.
//! 4. [`upload`]: peak RSS growth of a large `Document::path` upload.
//! 5. [`streams`]: 200 and 1,000 concurrent async streams on one client.
//! 6. [`h2`]: 1,000 concurrent async streams over TLS, HTTP/2 against HTTP/1.1
//!    (issue 15's stretch goal): connections, peak RSS, time.

pub mod alloc;
mod calls;
mod decode;
mod h2;
mod instr;
mod profile;
mod python;
mod rounds;
mod server;
mod streams;
mod upload;

use instr::Counts;
pub use rounds::{INTERVAL, Interval, Measured, Paired, Sampler, median, rate, side_by_side};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The harness's result type.
pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: cargo xtask bench [--quick] [--only ITEMS] [--no-python]

Builds xtask in release mode and runs the performance harness of issue 8 against
loopback servers it starts itself; prints a table of ours / baseline / ratio / goal.
Timings are reported, never asserted: a missed goal prints MISS and exits 0.

options:
  --quick        fewer and shorter runs (2k-chunk stream, 3 runs, 32 MiB upload,
                 200 streams): a smoke run for CI, under 2 minutes once built
  --only ITEMS   comma-separated items to run, e.g. --only 1,3 (default 1,2,3,4,5,6)
  --no-python    skip the Python baseline (pareta==0.1.0 in target/bench-venv)";

/// Entry point of `cargo xtask bench ...` (and of its hidden re-invocations).
pub fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("__inner") => inner(&args[1..]),
        Some("__server") => server::serve_child(&args[1..]),
        Some("__child") => child(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => outer(args),
    }
}

/// Re-runs the harness as a release build (`cargo xtask` is a debug build).
fn outer(args: &[String]) -> Result {
    Opts::parse(args)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["run", "--release", "--quiet", "--package", "xtask", "--", "bench", "__inner"]).args(args);
    eprintln!("building xtask in release mode and running the harness (cargo run --release -p xtask -- bench)");
    let status = cmd.status()?;
    if !status.success() {
        return Err(format!("the release harness failed ({status})").into());
    }
    Ok(())
}

/// Options of one run.
#[derive(Clone, Debug)]
pub struct Opts {
    /// The smoke variant.
    pub quick: bool,
    /// Items to run (1..=6).
    pub only: Vec<u8>,
    /// Run the Python baseline.
    pub python: bool,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts> {
        let mut opts = Opts { quick: false, only: vec![1, 2, 3, 4, 5, 6], python: true };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--quick" => opts.quick = true,
                "--no-python" => opts.python = false,
                "--only" => {
                    let list = it.next().ok_or("--only needs a list of items, e.g. --only 1,3")?;
                    opts.only = list
                        .split(',')
                        .map(|s| match s.trim().parse::<u8>() {
                            Ok(n @ 1..=6) => Ok(n),
                            _ => Err(format!("--only: {s:?} is not an item 1..6")),
                        })
                        .collect::<std::result::Result<_, _>>()?;
                }
                other => return Err(format!("unknown bench option {other:?}\n\n{USAGE}").into()),
            }
        }
        Ok(opts)
    }

    fn wants(&self, item: u8) -> bool {
        self.only.contains(&item)
    }

    /// Chunks in the recorded stream.
    pub fn chunks(&self) -> usize {
        if self.quick { 2_000 } else { 10_000 }
    }
    /// Rounds per measurement (medians are reported). Many short rounds
    /// rather than a few long ones: a round-by-round ratio cancels drift, and
    /// its median needs rounds to settle.
    pub fn runs(&self) -> usize {
        if self.quick { 5 } else { 11 }
    }
    /// Minimum duration of one sample.
    pub fn sample(&self) -> Duration {
        Duration::from_millis(if self.quick { 150 } else { 400 })
    }
}

/// What a row's status is judged by.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    /// ours / baseline must be at least this.
    AtLeast(f64),
    /// ours / baseline must be at most this.
    AtMost(f64),
    /// ours (absolute) must be at most this.
    Below(f64),
    /// ours must be at most baseline + this (absolute, e.g. allocations).
    PlusAtMost(f64),
    /// Judged by `ok` (e.g. every stream completed).
    Complete,
    /// Reported only.
    Info,
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    item: &'static str,
    name: String,
    ours: Option<f64>,
    baseline: Option<f64>,
    unit: &'static str,
    goal: Goal,
    ok: bool,
    note: String,
    /// Counts per unit from callgrind: ours, baseline, and the goal for
    /// ours / baseline in instructions.
    instr: Option<(Option<Counts>, Option<Counts>, f64)>,
    /// The ratio measured round by round ([`Measured::ratio`]), judged in
    /// place of ours / baseline when set.
    paired: Option<Paired>,
}

impl Row {
    /// A row comparing `ours` with `baseline` (either may be unavailable).
    pub fn new(
        item: &'static str,
        name: impl Into<String>,
        ours: Option<f64>,
        baseline: Option<f64>,
        unit: &'static str,
        goal: Goal,
    ) -> Row {
        Row {
            item,
            name: name.into(),
            ours,
            baseline,
            unit,
            goal,
            ok: true,
            note: String::new(),
            instr: None,
            paired: None,
        }
    }
    /// Judges the row by the round-by-round ratio (see [`Measured::ratio`]);
    /// `ours` and `baseline` stay the medians.
    pub fn paired(mut self, ratio: Paired) -> Row {
        self.paired = Some(ratio);
        self
    }
    /// Adds callgrind's counts per unit (ours, baseline; `None` when not
    /// measured) and the instruction goal: ours / baseline at most `goal`.
    pub fn instr(mut self, ours: Option<Counts>, baseline: Option<Counts>, goal: f64) -> Row {
        self.instr = Some((ours, baseline, goal));
        self
    }

    /// The callgrind columns: instructions `ours / baseline`, their
    /// `ratio (goal) status`, and estimated cycles `ours / baseline (ratio)`
    /// (no goal of their own: a model, shown to explain the wall-clock ratio).
    fn instr_cells(&self) -> [String; 3] {
        let Some((o, b, goal)) = self.instr else { return Default::default() };
        let k = |v: Option<f64>| v.map_or("n/a".to_owned(), |v| format!("{:.1}k", v / 1000.0));
        let both = |f: fn(&Counts) -> f64| (o.as_ref().map(f), b.as_ref().map(f));
        let ratio = |(o, b): (Option<f64>, Option<f64>)| o.zip(b).filter(|(_, b)| *b > 0.0).map(|(o, b)| o / b);
        let instr = both(|c| c.instructions);
        let verdict = match ratio(instr) {
            Some(r) => format!("{r:.2}x (≤ {goal}x) {}", if r <= goal { "PASS" } else { "MISS" }),
            None => format!("n/a (≤ {goal}x)"),
        };
        let cycles = both(|c| c.est_cycles);
        let cycles_ratio = ratio(cycles).map_or(String::new(), |r| format!(" ({r:.2}x)"));
        let misses = match both(|c| c.i1_misses) {
            (Some(o), Some(b)) => format!("; L1i misses {} / {}", fmt_num(o), fmt_num(b)),
            _ => String::new(),
        };
        [
            format!("{} / {}", k(instr.0), k(instr.1)),
            verdict,
            format!("{} / {}{cycles_ratio}{misses}", k(cycles.0), k(cycles.1)),
        ]
    }
    /// Adds a note (shown after the status).
    pub fn note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }
    /// Sets the outcome of a [`Goal::Complete`] row.
    pub fn ok(mut self, ok: bool) -> Row {
        self.ok = ok;
        self
    }

    fn ratio(&self) -> Option<f64> {
        if let Some(p) = self.paired.filter(|p| p.median.is_finite()) {
            return Some(p.median);
        }
        match (self.ours, self.baseline) {
            (Some(o), Some(b)) if b > 0.0 => Some(o / b),
            _ => None,
        }
    }

    /// Whether this run tells the ratio from its goal: `Some(false)` when
    /// the median's confidence interval ([`Paired::interval`]) holds the
    /// goal, so that PASS or MISS here is what the noise drew. `None` for a
    /// row without rounds to judge by.
    fn resolved(&self) -> Option<(bool, Interval)> {
        let goal = match self.goal {
            Goal::AtLeast(x) | Goal::AtMost(x) => x,
            _ => return None,
        };
        let interval = self.paired?.interval?;
        Some((interval.resolves(goal), interval))
    }

    /// The status cell: the status, whether the run resolved it, the note.
    fn status_cell(&self) -> String {
        let mut cell = self.status().to_owned();
        let interval = |i: Interval| format!("{:.0}% interval {:.2}–{:.2}", i.coverage * 100.0, i.low, i.high);
        match (self.resolved(), self.goal, self.paired.and_then(|p| p.interval)) {
            (Some((false, i)), _, _) => cell.push_str(&format!(", unresolved ({})", interval(i))),
            // A row without a goal (a noise floor): how far its median could be.
            (None, Goal::Info, Some(i)) => cell.push_str(&interval(i)),
            _ => {}
        }
        if !self.note.is_empty() {
            cell.push(' ');
            cell.push_str(&self.note);
        }
        cell.trim().to_owned()
    }

    fn goal_text(&self) -> String {
        match self.goal {
            Goal::AtLeast(x) => format!("≥ {x}x"),
            Goal::AtMost(x) => format!("≤ {x}x"),
            Goal::PlusAtMost(x) => format!("≤ baseline + {x}"),
            Goal::Below(x) => format!("≤ {} {}", fmt_num(x), self.unit),
            Goal::Complete => "all complete".into(),
            Goal::Info => String::new(),
        }
    }

    fn status(&self) -> &'static str {
        let judged = match self.goal {
            Goal::AtLeast(x) => self.ratio().map(|r| r >= x),
            Goal::AtMost(x) => self.ratio().map(|r| r <= x),
            Goal::PlusAtMost(x) => self.ours.zip(self.baseline).map(|(o, b)| o <= b + x),
            Goal::Below(x) => self.ours.map(|o| o <= x),
            Goal::Complete => Some(self.ok),
            Goal::Info => return "",
        };
        match judged {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "n/a",
        }
    }
}

/// A number with a sensible number of digits.
pub fn fmt_num(x: f64) -> String {
    let a = x.abs();
    if a >= 100_000.0 {
        let s = format!("{x:.0}");
        // thousands separators
        let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        format!("{sign}{out}")
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn cell(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(v) if unit.is_empty() => fmt_num(v),
        Some(v) => format!("{} {unit}", fmt_num(v)),
        None => "n/a".into(),
    }
}

/// Renders the rows as a Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| item | measurement | ours | baseline | ratio (quartiles of the rounds) | goal | status | instructions per unit, ours / baseline | instr. ratio (goal) | est. cycles per unit, ours / baseline |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---|---|---:|---|---:|");
    for r in rows {
        let ratio = match (r.ratio(), r.paired) {
            (Some(x), Some(p)) if p.low.is_finite() => format!("{x:.2}x ({:.2}–{:.2})", p.low, p.high),
            (Some(x), _) => format!("{x:.2}x"),
            (None, _) => String::new(),
        };
        let status = r.status_cell();
        let [instr, instr_ratio, cycles] = r.instr_cells();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.item,
            r.name,
            cell(r.ours, r.unit),
            cell(r.baseline, r.unit),
            ratio,
            r.goal_text(),
            status,
            instr,
            instr_ratio,
            cycles
        );
    }
    out
}

/// A field of `/proc/self/status` in KiB (`VmHWM:   12345 kB`), on Linux.
pub fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].trim().strip_suffix("kB")?.trim().parse().ok()
}

/// The workspace's `target/` directory.
pub fn target_dir() -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => d.into(),
        None => {
            let xtask = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            xtask.parent().unwrap_or(xtask).join("target")
        }
    }
}

/// The hidden child-process entry points.
fn child(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("upload") => upload::child(&args[1..]),
        Some("streams") => streams::scale_child(&args[1..]),
        Some("profile") => profile::run(&args[1..]),
        other => Err(format!("unknown bench child {other:?}").into()),
    }
}

/// Runs this executable as a child (`bench __child ...`) and returns the JSON
/// object it prints last on stdout.
pub fn run_child(args: &[&str]) -> Result<serde_json::Value> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe).arg("bench").arg("__child").args(args).stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err(format!("bench child {args:?} failed ({})", out.status).into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().rev().find(|l| l.starts_with('{')).ok_or("bench child printed no result")?;
    Ok(serde_json::from_str(last)?)
}

/// A one-line description of this machine.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("MemTotal:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "? GiB".into());
    format!("{cores} cores ({cpu}), {mem} RAM, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The release-mode harness.
fn inner(args: &[String]) -> Result {
    let opts = Opts::parse(args)?;
    let started = Instant::now();
    let _ = rustls::crypto::ring::default_provider().install_default();
    println!("pareta bench{} on {}", if opts.quick { " --quick" } else { "" }, machine());
    println!(
        "stream: {} chunks; {} rounds per measurement (medians; ratios are the median of the ratios within each round), samples of at least {} ms; a PASS or MISS marked unresolved is one whose median's {:.0}% interval holds the goal",
        opts.chunks(),
        opts.runs(),
        opts.sample().as_millis(),
        INTERVAL * 100.0
    );
    let _ = std::io::stdout().flush();

    let mut rows = Vec::new();
    let server = server::Child::start()?;
    let py = if opts.python && (opts.wants(2) || opts.wants(3)) {
        match python::Python::setup() {
            Ok(py) => Some(py),
            Err(reason) => {
                println!("Python baseline unavailable: {reason}");
                None
            }
        }
    } else {
        None
    };

    if opts.wants(1) {
        step("1: decode throughput (in process)");
        rows.extend(decode::bench(&opts)?);
    }
    if opts.wants(2) {
        step("2: small calls");
        rows.extend(calls::bench(&opts, &server, py.as_ref())?);
    }
    if opts.wants(3) {
        step("3: streaming end to end");
        rows.extend(streams::bench(&opts, &server, py.as_ref())?);
    }
    if opts.wants(4) {
        step("4: upload memory");
        rows.extend(upload::bench(&opts, &server)?);
    }
    if opts.wants(5) {
        step("5: concurrent async streams");
        rows.extend(streams::scale(&opts, &server)?);
    }
    if opts.wants(6) {
        step("6: HTTP/2 against HTTP/1.1 over TLS, 1,000 concurrent async streams");
        rows.extend(h2::bench(&opts)?);
    }
    drop(server);

    println!();
    print!("{}", table(&rows));
    println!();
    println!(
        "{}; harness time {:.1} s (timings are reported, never asserted)",
        summary(&rows),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// How many goals were missed, and how many of the verdicts this run could
/// not tell from noise (see [`Row::resolved`]).
fn summary(rows: &[Row]) -> String {
    let count = |status: &str, resolved: bool| {
        rows.iter().filter(|r| r.status() == status && r.resolved().is_some_and(|(res, _)| res == resolved)).count()
    };
    let missed = rows.iter().filter(|r| r.status() == "MISS").count();
    format!(
        "{} rows, {missed} goals missed (unresolved, the median's {:.0}% interval holding the goal: {} of the misses, {} of the passes)",
        rows.len(),
        INTERVAL * 100.0,
        count("MISS", false),
        count("PASS", false)
    )
}

fn step(name: &str) {
    eprintln!("== item {name}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_status() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        let r = Row::new("1", "x", Some(8.0), Some(10.0), "/s", Goal::AtLeast(0.8));
        assert_eq!(r.status(), "PASS");
        let r = Row::new("1", "x", Some(7.0), Some(10.0), "/s", Goal::AtLeast(0.8));
        assert_eq!(r.status(), "MISS");
        let r = Row::new("1", "x", Some(7.0), None, "/s", Goal::AtLeast(0.8));
        assert_eq!(r.status(), "n/a");
        let r = Row::new("4", "x", Some(3.0), None, "MiB", Goal::Below(16.0));
        assert_eq!(r.status(), "PASS");
        assert!(table(&[r]).contains("| 4 | x | 3.00 MiB | n/a |  | ≤ 16.0 MiB | PASS |  |  |  |"));
        let r = Row::new("3", "a", Some(3.0), Some(2.0), "", Goal::PlusAtMost(2.0));
        assert_eq!(r.status(), "PASS");
        let counts =
            |instructions: f64, est_cycles: f64, i1_misses: f64| Counts { instructions, i1_misses, est_cycles };
        let r = Row::new("2", "c", Some(9.0), Some(10.0), "/s", Goal::AtLeast(0.95)).instr(
            Some(counts(62_000.0, 80_000.0, 29.0)),
            Some(counts(50_000.0, 50_000.0, 6.0)),
            1.2,
        );
        let t = table(&[r]);
        assert!(
            t.contains(
                "| MISS | 62.0k / 50.0k | 1.24x (≤ 1.2x) MISS | 80.0k / 50.0k (1.60x); L1i misses 29.0 / 6.00 |"
            ),
            "{t}"
        );
    }

    #[test]
    fn a_verdict_the_noise_could_have_drawn_says_so() {
        let paired = |low, high| Paired {
            median: 0.93,
            low: 0.9,
            high: 0.97,
            interval: Some(Interval { low, high, coverage: 0.9375 }),
        };
        let row = |p: Paired| Row::new("2", "r", Some(93.0), Some(100.0), "/s", Goal::AtLeast(0.95)).paired(p);
        let (unresolved, resolved) = (row(paired(0.85, 1.02)), row(paired(0.88, 0.94)));
        assert!(table(std::slice::from_ref(&unresolved)).contains("| MISS, unresolved (94% interval 0.85–1.02) |"));
        assert!(table(std::slice::from_ref(&resolved)).contains("| 0.93x (0.90–0.97) | ≥ 0.95x | MISS |"));
        let pass = Row::new("2", "p", Some(99.0), Some(100.0), "/s", Goal::AtLeast(0.95))
            .paired(Paired { median: 0.99, ..paired(0.93, 1.05) });
        assert!(table(std::slice::from_ref(&pass)).contains("| PASS, unresolved (94% interval 0.93–1.05) |"));
        let floor = Row::new("2", "f", Some(99.0), Some(100.0), "/s", Goal::Info).paired(paired(0.5, 1.3));
        assert!(table(&[floor]).contains("| 0.93x (0.90–0.97) |  | 94% interval 0.50–1.30 |"));
        // An upper goal (say, a time ratio of at most 1.05x) reads the same way.
        let at_most = |low, high| {
            Row::new("3", "t", Some(1.0), Some(1.0), "", Goal::AtMost(1.05))
                .paired(Paired { median: 1.0, ..paired(low, high) })
        };
        assert_eq!(at_most(0.98, 1.10).resolved().map(|(r, _)| r), Some(false));
        assert_eq!(at_most(0.90, 1.04).resolved().map(|(r, _)| r), Some(true));
        assert!(table(&[at_most(0.90, 1.04)]).contains("| ≤ 1.05x | PASS |"));
        // Rows without rounds (an allocation count, say) are never "unresolved".
        let info = Row::new("2", "i", Some(1.0), Some(1.0), "", Goal::PlusAtMost(2.0));
        assert_eq!(
            summary(&[unresolved, resolved, pass, info]),
            "4 rows, 2 goals missed (unresolved, the median's 90% interval holding the goal: 1 of the misses, 1 of the passes)"
        );
    }

    #[test]
    fn options() {
        let o = Opts::parse(&["--quick".into(), "--only".into(), "1,3".into()]).unwrap();
        assert!(o.quick && o.wants(3) && !o.wants(2));
        assert!(Opts::parse(&["--only".into(), "9".into()]).is_err());
        assert!(Opts::parse(&["--only".into(), "6".into()]).unwrap().wants(6));
        assert_eq!(fmt_num(1_712_345.4), "1,712,345");
    }
}
