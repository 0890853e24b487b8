//! Instruction counts per unit (call or chunk), measured with callgrind, next
//! to the wall-clock ratios: on a shared machine a wall-clock ratio moves by
//! ±0.1 from run to run, an instruction count by well under 1%.
//!
//! The same run simulates the caches and branch predictor, for an estimate of
//! cycles that a count of instructions misses: [`Counts::est_cycles`]. It is
//! there because the stream rows trailed their instruction ratio by 10–15%, and
//! the simulation found why: the SDK's hot loop has about 90 more 64-byte lines
//! of code than the bare loop's, and at this binary's layout a few of the
//! 8-way L1i cache's sets hold more hot lines than they have ways, so those
//! lines miss on every chunk (29 L1i misses per chunk against the bare loop's 6).
//!
//! Each count runs `bench __child profile ...` under
//! `valgrind --tool=callgrind --dump-after=*profile_mark*`: the child warms up,
//! calls [`mark`](super::profile::mark), does `n` units, and calls it again, so
//! callgrind's second dump holds exactly the `n` units (every thread of the
//! child, none of its start-up). The loopback server is another process and is
//! not counted. `perf stat -e instructions` would be faster but is not
//! available on every machine (this one's virtualised CPU has no counters).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Whether callgrind can be run here (`Err` says why not; printed once).
pub fn available() -> Result<(), String> {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    AVAILABLE
        .get_or_init(|| {
            let out = Command::new("valgrind").arg("--version").output();
            match out {
                Ok(o) if o.status.success() => Ok(()),
                Ok(o) => Err(format!("valgrind --version failed ({})", o.status)),
                Err(e) => Err(format!("valgrind not found ({e}); instruction counts read n/a")),
            }
        })
        .clone()
}

/// What callgrind counted per unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Counts {
    /// Instructions executed.
    pub instructions: f64,
    /// L1 instruction-cache misses (simulated: 32 KiB, 8-way, 64-byte lines).
    pub i1_misses: f64,
    /// KCachegrind's cycle estimate: instructions + 10 per L1 miss (code or
    /// data) + 100 per last-level miss + 10 per mispredicted branch. A model,
    /// not a measurement, but a stable one that sees what costs cycles beyond
    /// the instructions themselves.
    pub est_cycles: f64,
}

/// [`Counts`] per unit of `bench __child profile <args>`, which must do
/// `units` units between its two marks. `None` (with a note on stderr) when
/// callgrind is unavailable or the child failed.
pub fn per_unit(args: &[&str], units: u64) -> Option<Counts> {
    available().ok()?;
    match run(args) {
        Ok(total) => Some(total.per(units as f64)),
        Err(e) => {
            eprintln!("   instruction count of {args:?} failed: {e}");
            None
        }
    }
}

fn run(args: &[&str]) -> Result<Events, String> {
    let dir = super::target_dir().join("bench-callgrind");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let stem = format!("cg.{}.{}", std::process::id(), COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let out_file = dir.join(&stem);
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--dump-after=*profile_mark*")
        .args(["--cache-sim=yes", "--branch-sim=yes"])
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(&exe)
        .args(["bench", "__child", "profile"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    let result = if status.success() { part_total(&dir, &stem, 2) } else { Err(format!("child failed ({status})")) };
    // The dumps are only read here; leave no profiles behind.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&stem) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    result
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The totals of one dump, by callgrind's event name (`Ir`, `I1mr`, `Bcm`, ...).
#[derive(Debug, Default)]
struct Events(Vec<(String, u64)>);

impl Events {
    fn parse(names: &str, totals: &str) -> Result<Events, String> {
        let totals: Vec<u64> = totals
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("summary {totals:?}: {e}"))?;
        let names: Vec<&str> = names.split_whitespace().collect();
        if names.is_empty() || names.len() < totals.len() {
            return Err(format!("events {names:?} do not name summary {totals:?}"));
        }
        // A trailing zero may be left out of the summary.
        Ok(Events(
            names.iter().enumerate().map(|(i, n)| ((*n).to_owned(), totals.get(i).copied().unwrap_or(0))).collect(),
        ))
    }

    fn get(&self, name: &str) -> u64 {
        self.0.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v)
    }

    fn per(&self, units: f64) -> Counts {
        let sum = |names: &[&str]| names.iter().map(|n| self.get(n)).sum::<u64>() as f64;
        let ir = self.get("Ir") as f64;
        let l1 = sum(&["I1mr", "D1mr", "D1mw"]);
        let ll = sum(&["ILmr", "DLmr", "DLmw"]);
        let mispredicts = sum(&["Bcm", "Bim"]);
        Counts {
            instructions: ir / units,
            i1_misses: self.get("I1mr") as f64 / units,
            est_cycles: (ir + 10.0 * l1 + 100.0 * ll + 10.0 * mispredicts) / units,
        }
    }
}

/// The totals of dump `part` of the profile files `stem*`.
fn part_total(dir: &Path, stem: &str, part: u32) -> Result<Events, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(stem) {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).map_err(|e| e.to_string())?;
        if !text.lines().any(|l| l.trim() == format!("part: {part}")) {
            continue;
        }
        let events = text.lines().find_map(|l| l.strip_prefix("events:")).ok_or("a dump without events")?;
        let summary = text.lines().find_map(|l| l.strip_prefix("summary:")).ok_or("a dump without summary")?;
        return Events::parse(events, summary);
    }
    Err(format!("callgrind wrote no dump {part} (did the child call profile_mark twice?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_make_an_estimate() {
        let e =
            Events::parse(" Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim", " 1000 0 0 20 5 5 1 1 0 0 3 0 2")
                .unwrap();
        let c = e.per(10.0);
        assert_eq!(c.instructions, 100.0);
        assert_eq!(c.i1_misses, 2.0);
        // 1000 + 10 * 30 (L1) + 100 * 2 (LL) + 10 * 5 (mispredicts) = 1550
        assert_eq!(c.est_cycles, 155.0);
        assert!(Events::parse("Ir", "12 x").is_err());
        assert!(Events::parse("", "12").is_err());
    }
}
