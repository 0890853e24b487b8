//! Output: tables (comfy-table, display widths, the terminal's width), the
//! server's JSON as received, and readers over that JSON for table cells.
//!
//! Tables are drawn from the reply's JSON rather than from typed records, so
//! a cell shows what the server sent (a `null`, an integral float, a field the
//! SDK has no name for yet) instead of failing or hiding it.

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table as Comfy};
use serde_json::Value;
use std::io::{IsTerminal, Write};

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A borderless table: headers, then one line per row.
#[derive(Debug)]
pub struct Table {
    inner: Comfy,
}

impl Table {
    /// A table with these `(header, alignment)` columns, as wide as the
    /// terminal when stdout is one (long cells wrap), unbounded otherwise.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table::with_width(columns, terminal_width())
    }

    /// A table wrapped to `width` columns (`None`: never wrap).
    pub fn with_width(columns: &[(&str, Align)], width: Option<u16>) -> Self {
        let mut inner = Comfy::new();
        inner.load_style(comfy_table::presets::NOTHING);
        match width {
            Some(w) => {
                inner.set_content_arrangement(ContentArrangement::Dynamic);
                inner.set_width(w);
            }
            None => {
                inner.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        inner.set_header(columns.iter().map(|c| c.0));
        for (i, (_, align)) in columns.iter().enumerate() {
            if let Some(col) = inner.column_mut(i) {
                col.set_padding((0, 2));
                if *align == Align::Right {
                    col.set_cell_alignment(CellAlignment::Right);
                }
                // Ids and numbers never wrap; long text does.
                if i == 0 || *align == Align::Right {
                    col.set_constraint(ColumnConstraint::ContentWidth);
                }
            }
        }
        Table { inner }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.inner.add_row(cells);
    }

    /// The table's lines, trailing spaces trimmed.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in self.inner.lines() {
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

/// The terminal's width when stdout is a terminal.
pub fn terminal_width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let (_, cols) = console::Term::stdout().size_checked()?;
    (cols > 0).then_some(cols)
}

/// Prints a reply body exactly as received (plus a newline); nothing for an
/// empty body.
pub fn print_raw(body: &[u8]) {
    if body.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(body);
    if !body.ends_with(b"\n") {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// Parses a reply body (an empty body reads as `{}`).
pub fn parse(body: &[u8]) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Value::Object(serde_json::Map::new());
    }
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// The items of `v[key]`, or of `v` itself when it is an array; `null`,
/// absent or anything else reads as no items.
pub fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    match v.get(key).unwrap_or(v) {
        Value::Array(a) => a,
        _ => &[],
    }
}

/// A text cell: strings as they are, numbers and booleans printed, `-` for
/// absent or null.
pub fn text(v: &Value, key: &str) -> String {
    cell(v.get(key))
}

/// The first present, non-null key among `keys`, as a text cell.
pub fn first(v: &Value, keys: &[&str]) -> String {
    cell(keys.iter().filter_map(|k| v.get(*k)).find(|x| !x.is_null()))
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => match n.as_f64() {
            // An integral float (420715.0) prints as the integer it is.
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Some(other) => other.to_string(),
    }
}

/// A number field, integral floats included.
pub fn number(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// An integer field, integral floats included.
pub fn integer(v: &Value, key: &str) -> Option<i64> {
    let n = v.get(key)?;
    n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
}

/// `yes` / `no`, reading absent or null as no.
pub fn yes_no(v: &Value, key: &str) -> String {
    if v.get(key).and_then(Value::as_bool).unwrap_or(false) { "yes" } else { "no" }.to_owned()
}

/// A score with three decimals, `-` when absent.
pub fn score(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".to_owned())
}

/// A unit rate in dollars (exact, micro-USD precision), `-` when absent.
pub fn dollars_rate(micro_usd: Option<i64>) -> String {
    micro_usd.map(|m| format!("${}", pareta_types::money::micro_usd_to_dollars(m))).unwrap_or_else(|| "-".to_owned())
}

/// A Unix timestamp (seconds) as `YYYY-MM-DD HH:MM:SS UTC`, `-` when absent.
pub fn timestamp(v: &Value, key: &str) -> String {
    match integer(v, key) {
        Some(secs) => utc(secs),
        None => text(v, key),
    }
}

/// `secs` since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A duration as `4.2s` or `2m05s`.
pub fn elapsed(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 { format!("{s:.1}s") } else { format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_align_by_display_width() {
        let mut t = Table::with_width(&[("model", Align::Left), ("quality", Align::Right)], None);
        t.row(vec!["contract-1".into(), "0.9".into()]);
        t.row(vec!["a".into(), "0.875".into()]);
        assert_eq!(t.render(), "model       quality\ncontract-1      0.9\na             0.875\n");
        // Wide characters take two columns each: the next column still lines up.
        let mut t = Table::with_width(&[("name", Align::Left), ("n", Align::Right)], None);
        t.row(vec!["契約書".into(), "1".into()]);
        t.row(vec!["abcdef".into(), "22".into()]);
        t.row(vec!["é́x".into(), "3".into()]);
        let out = t.render();
        let widths: Vec<usize> = out.lines().map(console::measure_text_width).collect();
        assert_eq!(widths[1], widths[2], "{out}");
        assert!(out.contains("契約書   1\nabcdef  22\n"), "{out}");
    }

    #[test]
    fn long_cells_wrap_to_the_width() {
        let mut t = Table::with_width(&[("id", Align::Left), ("description", Align::Left)], Some(40));
        t.row(vec!["contract-key-fields".into(), "a long description that cannot fit on one forty column line".into()]);
        let out = t.render();
        assert!(out.lines().count() > 2, "{out}");
        assert!(out.lines().all(|l| console::measure_text_width(l) <= 40), "{out}");
        assert!(out.contains("contract-key-fields"), "the id column never wraps: {out}");
    }

    #[test]
    fn cells_read_quirky_json() {
        let v = json!({"a": null, "n": 420715.0, "f": 0.5, "s": "x", "b": null});
        assert_eq!(text(&v, "a"), "-");
        assert_eq!(text(&v, "missing"), "-");
        assert_eq!(text(&v, "n"), "420715");
        assert_eq!(text(&v, "f"), "0.5");
        assert_eq!(integer(&v, "n"), Some(420_715));
        assert_eq!(yes_no(&v, "b"), "no");
        assert_eq!(first(&v, &["a", "s"]), "x");
        assert!(items(&json!({"tasks": null}), "tasks").is_empty());
        assert!(items(&json!({}), "tasks").is_empty());
        assert_eq!(items(&json!([1, 2]), "x").len(), 2);
        assert_eq!(parse(b""), json!({}));
    }

    #[test]
    fn timestamps_are_readable() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_767_225_601), "2026-01-01 00:00:01 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(timestamp(&json!({"created": 1_767_225_601.0}), "created"), "2026-01-01 00:00:01 UTC");
        assert_eq!(timestamp(&json!({"created": "yesterday"}), "created"), "yesterday");
        assert_eq!(elapsed(std::time::Duration::from_millis(4_250)), "4.2s");
        assert_eq!(elapsed(std::time::Duration::from_secs(125)), "2m05s");
    }
}
