//! The guardrails: what the server may do (spend, delete), how much it may
//! spend, and which files it may read.

use pareta_types::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// Largest file a tool will read (a JSONL eval set), in bytes.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What the server is allowed to do. Built once at startup from the command
/// line; the model cannot change it.
///
/// ```
/// use pareta_mcp::Policy;
/// let policy = Policy::read_only(std::env::temp_dir())?;
/// assert!(!policy.allow_spend);
/// let policy = policy.allow_spend(true).spend_cap_usd("2.50".parse()?)?;
/// assert_eq!(policy.spend_cap_micro_usd, Some(2_500_000));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Spending or changing tools (deploy, start, stop, chat, eval sets and
    /// runs) run only when true (`--allow-spend`).
    pub allow_spend: bool,
    /// `delete_endpoint` runs only when this and `allow_spend` are true
    /// (`--allow-delete`).
    pub allow_delete: bool,
    /// Refuse the next spending call once this many micro-USD were counted
    /// (`--spend-cap-usd`); `None` means no cap.
    pub spend_cap_micro_usd: Option<i64>,
    /// The only directory (and its subdirectories) tools may read files from;
    /// canonical (absolute, symlinks resolved).
    pub root: PathBuf,
    /// How often `run_eval` with `wait` polls the run.
    pub poll_interval: Duration,
    /// The root as given, made absolute but not canonical (e.g. `/tmp/x` when
    /// `/tmp` is a symlink), so absolute paths spelled through it pass the
    /// lexical check; the canonical check after it decides.
    root_as_given: PathBuf,
}

impl Policy {
    /// A read-only policy with files under `root` (which must exist).
    pub fn read_only(root: impl AsRef<Path>) -> io::Result<Policy> {
        let root = root.as_ref();
        let root_as_given = lexically_normal(&std::env::current_dir()?.join(root));
        let canonical = std::fs::canonicalize(root)
            .map_err(|e| io::Error::new(e.kind(), format!("--root {}: {e}", root.display())))?;
        if !canonical.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("--root {}: not a directory", root.display()),
            ));
        }
        Ok(Policy {
            allow_spend: false,
            allow_delete: false,
            spend_cap_micro_usd: None,
            root: canonical,
            poll_interval: Duration::from_secs(3),
            root_as_given,
        })
    }

    /// Sets `allow_spend`.
    pub fn allow_spend(mut self, yes: bool) -> Self {
        self.allow_spend = yes;
        self
    }

    /// Sets `allow_delete`.
    pub fn allow_delete(mut self, yes: bool) -> Self {
        self.allow_delete = yes;
        self
    }

    /// Sets the spend cap in dollars (exact: `"0.10"` is 100 000 micro-USD).
    /// Fails for a negative amount or one finer than a micro-dollar.
    pub fn spend_cap_usd(mut self, usd: Decimal) -> Result<Self, String> {
        self.spend_cap_micro_usd = Some(usd_to_micro(usd)?);
        Ok(self)
    }

    /// Sets the eval-run poll interval.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll_interval = every;
        self
    }

    /// Resolves a path the model gave against the root, refusing anything that
    /// is, or resolves (through `..` or a symlink) to, a place outside it.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, PathRefusal> {
        let given = Path::new(path);
        if path.is_empty() {
            return Err(PathRefusal::Invalid("the path is empty".to_owned()));
        }
        let joined = if given.is_absolute() { given.to_path_buf() } else { self.root.join(given) };
        // First a purely lexical check, so that a path outside the root is refused
        // without telling whether it exists.
        let lexical = lexically_normal(&joined);
        if !lexical.starts_with(&self.root) && !lexical.starts_with(&self.root_as_given) {
            return Err(PathRefusal::OutsideRoot { path: path.to_owned(), root: self.root.clone() });
        }
        let canonical = std::fs::canonicalize(&joined)
            .map_err(|e| PathRefusal::Unreadable { path: path.to_owned(), reason: e.to_string() })?;
        if !canonical.starts_with(&self.root) {
            return Err(PathRefusal::OutsideRoot { path: path.to_owned(), root: self.root.clone() });
        }
        let meta = std::fs::metadata(&canonical)
            .map_err(|e| PathRefusal::Unreadable { path: path.to_owned(), reason: e.to_string() })?;
        if !meta.is_file() {
            return Err(PathRefusal::Unreadable { path: path.to_owned(), reason: "not a regular file".to_owned() });
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(PathRefusal::Unreadable {
                path: path.to_owned(),
                reason: format!("{} bytes, over the {MAX_FILE_BYTES}-byte limit", meta.len()),
            });
        }
        Ok(canonical)
    }
}

/// Dollars to micro-USD, exactly.
pub(crate) fn usd_to_micro(usd: Decimal) -> Result<i64, String> {
    if usd.is_sign_negative() && !usd.is_zero() {
        return Err(format!("a spend cap cannot be negative ({usd})"));
    }
    let micro = usd.checked_mul(Decimal::from(1_000_000)).ok_or_else(|| format!("spend cap {usd} is too large"))?;
    if micro.fract() != Decimal::ZERO {
        return Err(format!("spend cap {usd} is finer than a micro-dollar"));
    }
    i64::try_from(micro).map_err(|_| format!("spend cap {usd} is too large"))
}

/// Parses `--spend-cap-usd` (`"5"`, `"0.25"`).
pub(crate) fn parse_usd(s: &str) -> Result<Decimal, String> {
    let d = Decimal::from_str(s.trim()).map_err(|e| format!("{s:?} is not an amount in dollars: {e}"))?;
    usd_to_micro(d)?;
    Ok(d)
}

/// Micro-USD as a dollar string with six decimals (`1200` -> `"0.001200"`).
pub(crate) fn micro_to_usd_string(micro: i64) -> String {
    Decimal::new(micro, 6).to_string()
}

/// Removes `.` and resolves `..` without touching the file system.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Why a path was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathRefusal {
    /// The path is, or resolves to, a place outside `--root`.
    OutsideRoot {
        /// The path as given.
        path: String,
        /// The root.
        root: PathBuf,
    },
    /// Inside the root but not readable as a file.
    Unreadable {
        /// The path as given.
        path: String,
        /// Why.
        reason: String,
    },
    /// Not a usable path at all.
    Invalid(String),
}

/// What this server has spent, as far as it can see: billing receipts
/// (`X-Pareta-Billed`) and the costs of eval runs it started.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    inner: Mutex<LedgerInner>,
}

#[derive(Debug, Default)]
struct LedgerInner {
    receipts_micro_usd: i64,
    /// Latest cost seen per run this server started.
    runs: BTreeMap<String, i64>,
    /// Runs this server started and has not yet seen finish.
    pending: BTreeSet<String>,
}

impl Ledger {
    fn lock(&self) -> std::sync::MutexGuard<'_, LedgerInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a billing receipt.
    pub fn add_receipt(&self, micro_usd: i64) {
        let mut l = self.lock();
        l.receipts_micro_usd = l.receipts_micro_usd.saturating_add(micro_usd.max(0));
    }

    /// Records a run this server started.
    pub fn track_run(&self, run_id: &str, cost_micro_usd: i64, terminal: bool) {
        let mut l = self.lock();
        l.runs.insert(run_id.to_owned(), cost_micro_usd.max(0));
        if !terminal {
            l.pending.insert(run_id.to_owned());
        }
    }

    /// Updates the cost of a run, if this server started it.
    pub fn observe_run(&self, run_id: &str, cost_micro_usd: i64, terminal: bool) {
        let mut l = self.lock();
        if let Some(cost) = l.runs.get_mut(run_id) {
            *cost = (*cost).max(cost_micro_usd);
            if terminal {
                l.pending.remove(run_id);
            }
        }
    }

    /// Runs whose final cost is not known yet.
    pub fn pending_runs(&self) -> Vec<String> {
        self.lock().pending.iter().cloned().collect()
    }

    /// Total counted so far, in micro-USD.
    pub fn spent(&self) -> i64 {
        let l = self.lock();
        l.runs.values().fold(l.receipts_micro_usd, |acc, c| acc.saturating_add(*c))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn caps_parse_exactly() {
        assert_eq!(usd_to_micro(parse_usd("0.10").unwrap()).unwrap(), 100_000);
        assert_eq!(usd_to_micro(parse_usd("5").unwrap()).unwrap(), 5_000_000);
        assert_eq!(usd_to_micro(parse_usd("0").unwrap()).unwrap(), 0);
        assert!(parse_usd("-1").is_err());
        assert!(parse_usd("0.0000001").is_err());
        assert!(parse_usd("five").is_err());
        assert_eq!(micro_to_usd_string(1200), "0.001200");
    }

    #[test]
    fn lexical_normalisation() {
        assert_eq!(lexically_normal(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
        assert_eq!(lexically_normal(Path::new("/a/../../etc")), PathBuf::from("/etc"));
    }

    #[test]
    fn ledger_counts_receipts_and_runs_once() {
        let l = Ledger::default();
        l.add_receipt(500);
        l.track_run("run_1", 0, false);
        assert_eq!(l.pending_runs(), vec!["run_1".to_owned()]);
        l.observe_run("run_1", 1000, false);
        l.observe_run("run_1", 1000, true);
        l.observe_run("run_other", 9999, true);
        assert_eq!(l.spent(), 1500);
        assert!(l.pending_runs().is_empty());
    }
}
