//! Hand-rolled output helpers: aligned tables, money, a one-line progress bar.

use std::io::{IsTerminal, Write};

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Pad on the right.
    Left,
    /// Pad on the left (numbers).
    Right,
}

/// A table printed with every column as wide as its widest cell.
#[derive(Debug)]
pub struct Table {
    headers: Vec<&'static str>,
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these `(header, alignment)` columns.
    pub fn new(columns: &[(&'static str, Align)]) -> Self {
        Table {
            headers: columns.iter().map(|c| c.0).collect(),
            aligns: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (missing cells print empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders the table, one line per row, headers first, no trailing spaces.
    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|h| (*h).to_owned()).collect();
        for row in std::iter::once(&header).chain(self.rows.iter()) {
            let mut line = String::new();
            for (i, (&width, &align)) in widths.iter().zip(&self.aligns).enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                let pad = width.saturating_sub(cell.chars().count());
                if i > 0 {
                    line.push_str("  ");
                }
                match align {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Prints the table to stdout.
    pub fn print(&self) {
        print!("{}", self.render());
    }
}

/// `"-"` for an absent value.
pub fn opt(v: Option<&str>) -> String {
    v.unwrap_or("-").to_owned()
}

/// An id, `"-"` when the server sent none (the SDK reads that as `""`).
pub fn id_or_dash(v: &str) -> String {
    if v.is_empty() { "-".to_owned() } else { v.to_owned() }
}

/// A score with three decimals, `"-"` when absent.
pub fn score(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".to_owned())
}

/// A unit rate in dollars (exact, micro-USD precision), `"-"` when absent.
pub fn dollars_rate(micro_usd: Option<i64>) -> String {
    micro_usd.map(|m| format!("${}", pareta_types::money::micro_usd_to_dollars(m))).unwrap_or_else(|| "-".to_owned())
}

/// Prints a JSON array of records' raw JSON texts, exactly as received.
pub fn print_json_array<'a>(items: impl IntoIterator<Item = &'a str>) {
    let parts: Vec<&str> = items.into_iter().collect();
    println!("[{}]", parts.join(","));
}

/// A textual progress bar of 20 cells: `[##########          ]` for 50%.
pub fn progress_line(pct: f64) -> String {
    let filled = (pct.clamp(0.0, 100.0) / 5.0).round() as usize;
    format!("[{:<20}]", "#".repeat(filled))
}

/// A one-line progress bar on stderr, redrawn in place with `\r`, shown only when
/// stderr is a terminal (so pipes and logs stay clean).
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    drawn: bool,
}

impl Progress {
    /// A bar that draws only on a terminal.
    pub fn new() -> Self {
        Progress { enabled: std::io::stderr().is_terminal(), drawn: false }
    }

    /// True when the bar draws (stderr is a terminal).
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Redraws the bar.
    pub fn draw(&mut self, line: &str) {
        if !self.enabled {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.drawn = true;
    }

    /// Erases the bar.
    pub fn finish(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let mut t = Table::new(&[("model", Align::Left), ("quality", Align::Right)]);
        t.row(vec!["contract-1".into(), "0.9".into()]);
        t.row(vec!["a".into(), "0.875".into()]);
        assert_eq!(t.render(), "model       quality\ncontract-1      0.9\na             0.875\n");
    }

    #[test]
    fn progress_line_fills() {
        assert_eq!(progress_line(50.0), "[##########          ]");
        assert_eq!(progress_line(150.0), "[####################]");
    }
}
