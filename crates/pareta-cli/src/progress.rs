//! Progress on stderr with indicatif: redrawn in place on a terminal (with the
//! elapsed time), plain lines when stderr is not a terminal, so logs and
//! pipes get one readable line per change and no control characters.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// True when progress should redraw in place (stderr is a terminal).
pub fn interactive() -> bool {
    std::io::stderr().is_terminal()
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// One stage line: a bar with the percentage, the stage and the elapsed time.
#[derive(Debug)]
pub struct Stages {
    bar: Option<ProgressBar>,
    started: Instant,
    last: String,
}

impl Stages {
    /// Starts the display.
    pub fn new() -> Self {
        let bar = interactive().then(|| {
            let bar = ProgressBar::with_draw_target(Some(100), ProgressDrawTarget::stderr());
            bar.set_style(
                style("{spinner:.green} [{bar:24.cyan/blue}] {pos:>3}% {msg} ({elapsed})").progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Stages { bar, started: Instant::now(), last: String::new() }
    }

    /// Shows `stage` at `pct` percent.
    pub fn update(&mut self, stage: &str, pct: Option<f64>) {
        match &self.bar {
            Some(bar) => {
                if let Some(p) = pct {
                    bar.set_position(p.clamp(0.0, 100.0).round() as u64);
                }
                bar.set_message(stage.to_owned());
            }
            None => {
                let line = match pct {
                    Some(p) => format!("{stage} {p:.0}% ({})", crate::output::elapsed(self.started.elapsed())),
                    None => format!("{stage} ({})", crate::output::elapsed(self.started.elapsed())),
                };
                if stage != self.last {
                    eprintln!("{line}");
                }
            }
        }
        self.last = stage.to_owned();
    }

    /// Ends the display, leaving `done` as its last line.
    pub fn finish(&mut self, done: &str) {
        let took = crate::output::elapsed(self.started.elapsed());
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        eprintln!("{done} in {took}");
    }

    /// Removes the display (on an error).
    pub fn abandon(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Stages {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// A status spinner for a wait: `run_1: running (12.3s)`, redrawn in place; on a
/// pipe, one line per status change.
#[derive(Debug)]
pub struct Status {
    bar: Option<ProgressBar>,
    started: Instant,
    last: String,
}

impl Status {
    /// Starts the display.
    pub fn new() -> Self {
        let bar = interactive().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(style("{spinner:.green} {msg} ({elapsed})"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Status { bar, started: Instant::now(), last: String::new() }
    }

    /// Time since the display started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Shows `status`.
    pub fn update(&mut self, status: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(status.to_owned()),
            None if status != self.last => {
                eprintln!("{status} ({})", crate::output::elapsed(self.started.elapsed()));
            }
            None => {}
        }
        self.last = status.to_owned();
    }

    /// Removes the display.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Status {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A byte counter for an upload: bytes sent, total, rate and time left on a
/// terminal; a line per 25% otherwise.
#[derive(Clone, Debug)]
pub struct Bytes {
    bar: ProgressBar,
    interactive: bool,
}

impl Bytes {
    /// A counter labelled `what`.
    pub fn new(what: &str) -> Self {
        let interactive = interactive();
        let target = if interactive { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            style("{msg} [{bar:24.cyan/blue}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ({eta} left)")
                .progress_chars("=> "),
        );
        bar.set_message(what.to_owned());
        Bytes { bar, interactive }
    }

    /// `sent` of `total` bytes are out.
    pub fn update(&self, sent: u64, total: Option<u64>) {
        if let Some(t) = total
            && self.bar.length() != Some(t)
        {
            self.bar.set_length(t);
        }
        let before = self.bar.position();
        self.bar.set_position(sent);
        if !self.interactive
            && let Some(t) = total.filter(|t| *t > 0)
        {
            let quarter = |n: u64| n * 4 / t;
            if quarter(sent) > quarter(before) || (before == 0 && sent > 0) {
                let rate = sent as f64 / self.bar.elapsed().as_secs_f64().max(1e-3) / (1024.0 * 1024.0);
                eprintln!("uploaded {sent} of {t} bytes ({:.0}%, {rate:.1} MiB/s)", sent as f64 * 100.0 / t as f64);
            }
        }
    }

    /// Ends the display.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
