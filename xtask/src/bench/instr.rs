//! Instruction counts per unit (call or chunk), measured with callgrind, next
//! to the wall-clock ratios: on a shared machine a wall-clock ratio moves by
//! ±0.1 from run to run, an instruction count by well under 1%.
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

/// Instructions per unit of `bench __child profile <args>`, which must do
/// `units` units between its two marks. `None` (with a note on stderr) when
/// callgrind is unavailable or the child failed.
pub fn per_unit(args: &[&str], units: u64) -> Option<f64> {
    available().ok()?;
    match run(args) {
        Ok(total) => Some(total as f64 / units as f64),
        Err(e) => {
            eprintln!("   instruction count of {args:?} failed: {e}");
            None
        }
    }
}

fn run(args: &[&str]) -> Result<u64, String> {
    let dir = super::target_dir().join("bench-callgrind");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let stem = format!("cg.{}.{}", std::process::id(), COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let out_file = dir.join(&stem);
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--dump-after=*profile_mark*")
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

/// The `summary:` (instructions) of dump `part` of the profile files `stem*`.
fn part_total(dir: &Path, stem: &str, part: u32) -> Result<u64, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(stem) {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).map_err(|e| e.to_string())?;
        if !text.lines().any(|l| l.trim() == format!("part: {part}")) {
            continue;
        }
        let summary = text.lines().find_map(|l| l.strip_prefix("summary:")).ok_or("a dump without summary")?;
        let first = summary.split_whitespace().next().ok_or("an empty summary")?;
        return first.parse().map_err(|e| format!("summary {first:?}: {e}"));
    }
    Err(format!("callgrind wrote no dump {part} (did the child call profile_mark twice?)"))
}
