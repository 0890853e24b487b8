//! The Python baseline: the platform's own client, `pareta==0.1.0` from the
//! Python package index, in a venv under `target/bench-venv` that the harness
//! creates itself (`python3 -m venv`, then `pip install pareta==0.1.0`). When
//! that is impossible (no python3, offline, no such package) the harness prints
//! `Python baseline unavailable: <reason>` and those rows read n/a.
//!
//! The script below consumes the same loopback server as the Rust clients and
//! prints one JSON object per mode.

use super::{Result, target_dir};
use std::path::PathBuf;
use std::process::Command;

const VERSION: &str = "0.1.0";

const SCRIPT: &str = r#"
# Written by `cargo xtask bench`: the Python client pareta==0.1.0 against the
# Rust loopback bench server. One JSON object on stdout per run.
import asyncio, json, statistics, sys, time
from pareta import AsyncPareta, Pareta

KEY = "pareta_sk_bench"
MSG = [{"role": "user", "content": "Extract the parties."}]
MODEL = "ep_contract_kie"


def stream(base, expected, runs):
    pa = Pareta(api_key=KEY, base_url=base, max_retries=0)
    rates = []
    for i in range(runs + 1):  # the first run warms up
        t = time.perf_counter()
        n = 0
        for _chunk in pa.chat.completions.create(model=MODEL, messages=MSG, stream=True):
            n += 1
        dt = time.perf_counter() - t
        if n != expected:
            sys.exit(f"expected {expected} chunks, got {n}")
        if i:
            rates.append(n / dt)
    return {"chunks_per_s": statistics.median(rates)}


def loop(fn, secs):
    fn()
    n = 0
    t = time.perf_counter()
    while time.perf_counter() - t < secs:
        fn()
        n += 1
    return n / (time.perf_counter() - t)


async def concurrent(base, conc, secs):
    async with AsyncPareta(api_key=KEY, base_url=base, max_retries=0) as pa:
        await pa.models.list()
        count = 0
        deadline = time.perf_counter() + secs

        async def worker():
            nonlocal count
            while time.perf_counter() < deadline:
                await pa.models.list()
                count += 1

        t = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conc)))
        return count / (time.perf_counter() - t)


def calls(base, secs, runs):
    pa = Pareta(api_key=KEY, base_url=base, max_retries=0)
    models = [loop(lambda: len(pa.models.list()), secs) for _ in range(runs)]
    task = [loop(lambda: pa.tasks.retrieve("contract-key-fields").id, secs) for _ in range(runs)]
    conc = [asyncio.run(concurrent(base, 64, secs)) for _ in range(runs)]
    return {
        "models_rps": statistics.median(models),
        "task_rps": statistics.median(task),
        "async64_rps": statistics.median(conc),
    }


async def attfc(base):
    async with AsyncPareta(api_key=KEY, base_url=base, max_retries=0) as pa:
        t = time.perf_counter()
        first = None
        async for _chunk in await pa.chat.completions.create(model=MODEL, messages=MSG, stream=True):
            if first is None:
                first = time.perf_counter() - t
        return first * 1e3, (time.perf_counter() - t) * 1e3


def sttfc(base):
    pa = Pareta(api_key=KEY, base_url=base, max_retries=0)
    t = time.perf_counter()
    first = None
    for _chunk in pa.chat.completions.create(model=MODEL, messages=MSG, stream=True):
        if first is None:
            first = time.perf_counter() - t
    return first * 1e3, (time.perf_counter() - t) * 1e3


def ttfc(base, runs):
    a = [asyncio.run(attfc(base)) for _ in range(runs)]
    s = [sttfc(base) for _ in range(runs)]
    return {
        "async_first_ms": statistics.median(x[0] for x in a),
        "async_total_ms": statistics.median(x[1] for x in a),
        "sync_first_ms": statistics.median(x[0] for x in s),
        "sync_total_ms": statistics.median(x[1] for x in s),
    }


if __name__ == "__main__":
    mode, base = sys.argv[1], sys.argv[2]
    if mode == "stream":
        out = stream(base, int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "calls":
        out = calls(base, float(sys.argv[3]), int(sys.argv[4]))
    elif mode == "ttfc":
        out = ttfc(base, int(sys.argv[3]))
    else:
        sys.exit(f"unknown mode {mode}")
    print(json.dumps(out))
"#;

/// A ready venv with `pareta==0.1.0` and the bench script.
#[derive(Debug)]
pub struct Python {
    python: PathBuf,
    script: PathBuf,
}

fn installed_version(python: &PathBuf) -> Option<String> {
    let out = Command::new(python).args(["-c", "import pareta; print(pareta.__version__)"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The last few lines of a failed command's output.
fn tail(out: &std::process::Output) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" / ")
}

impl Python {
    /// Creates (or reuses) `target/bench-venv` with `pareta==0.1.0`.
    pub fn setup() -> std::result::Result<Python, String> {
        let venv = target_dir().join("bench-venv");
        let python = venv.join("bin").join("python");
        if installed_version(&python).as_deref() != Some(VERSION) {
            eprintln!("   setting up the Python baseline: {} with pareta=={VERSION}", venv.display());
            let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
            let out = Command::new(&base)
                .args(["-m", "venv", "--clear"])
                .arg(&venv)
                .output()
                .map_err(|e| format!("cannot run {base}: {e}"))?;
            if !out.status.success() {
                return Err(format!("`{base} -m venv` failed: {}", tail(&out)));
            }
            let out = Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "1"])
                .args(["--timeout", "30", &format!("pareta=={VERSION}")])
                .output()
                .map_err(|e| format!("cannot run pip: {e}"))?;
            if !out.status.success() {
                return Err(format!("`pip install pareta=={VERSION}` failed: {}", tail(&out)));
            }
            match installed_version(&python) {
                Some(v) if v == VERSION => {}
                other => return Err(format!("pareta {VERSION} is not importable after install (found {other:?})")),
            }
        }
        let script = venv.join("bench_pareta.py");
        std::fs::write(&script, SCRIPT).map_err(|e| format!("cannot write {}: {e}", script.display()))?;
        Ok(Python { python, script })
    }

    fn run(&self, args: &[&str]) -> Result<serde_json::Value> {
        let out = Command::new(&self.python).arg(&self.script).args(args).output()?;
        if !out.status.success() {
            return Err(format!("python {args:?} failed: {}", tail(&out)).into());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let last = text.lines().rev().find(|l| l.starts_with('{')).ok_or("the Python script printed no result")?;
        Ok(serde_json::from_str(last)?)
    }

    /// Chunks per second of the sync client's stream: `{"chunks_per_s"}`.
    pub fn stream(&self, base: &str, chunks: usize, runs: usize) -> Result<serde_json::Value> {
        self.run(&["stream", base, &chunks.to_string(), &runs.to_string()])
    }

    /// Small calls: `{"models_rps", "task_rps", "async64_rps"}`.
    pub fn calls(&self, base: &str, secs: f64, runs: usize) -> Result<serde_json::Value> {
        self.run(&["calls", base, &secs.to_string(), &runs.to_string()])
    }

    /// Time to first chunk and total, ms: `{"async_first_ms", "async_total_ms", "sync_first_ms", "sync_total_ms"}`.
    pub fn ttfc(&self, base: &str, runs: usize) -> Result<serde_json::Value> {
        self.run(&["ttfc", base, &runs.to_string()])
    }
}
