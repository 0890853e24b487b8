//! `pareta evals`: the frontier roster, eval sets, eval runs.

use crate::cli::{EvalsCmd, RunArgs, SetsCmd};
use crate::output::{Align, Progress, Table, dollars_rate, id_or_dash, opt, print_json_array, score};
use crate::{CliError, CliResult, Ctx};
use pareta_types::{Document, EvalRun, EvalRunCreate, EvalSet, EvalSetCreate, Frontier, UploadDocument};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long `--wait` waits when no `--timeout` is given.
const DEFAULT_WAIT: Duration = Duration::from_secs(900);

/// Runs an `evals` subcommand.
pub fn run(ctx: &Ctx, cmd: EvalsCmd) -> CliResult {
    match cmd {
        EvalsCmd::Frontier { task } => {
            let roster = ctx.pa.evals().frontier_models(task.as_deref())?;
            if ctx.json {
                print_json_array(roster.iter().map(|m| m.raw_json()));
                return Ok(());
            }
            let mut cols = vec![("id", Align::Left), ("vendor", Align::Left), ("vision", Align::Left)];
            if task.is_some() {
                cols.push(("benchmarked", Align::Left));
            }
            let mut t = Table::new(&cols);
            for m in &roster {
                let mut row = vec![id_or_dash(&m.id), opt(m.vendor.as_deref()), yes_no(m.vision)];
                if task.is_some() {
                    row.push(yes_no(m.benchmarked));
                }
                t.row(row);
            }
            t.print();
            Ok(())
        }
        EvalsCmd::Sets(cmd) => sets(ctx, cmd),
        EvalsCmd::Run(args) => run_eval(ctx, args),
        EvalsCmd::Show { id, wait, poll } => {
            let run = ctx.pa.evals().runs().retrieve(&id)?;
            finish_run(ctx, run, wait, poll)
        }
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn sets(ctx: &Ctx, cmd: SetsCmd) -> CliResult {
    let sets = ctx.pa.evals().sets();
    match cmd {
        SetsCmd::Create { task, file, name } => {
            let rows = read_jsonl(&file)?;
            let mut req = EvalSetCreate::new(task, rows);
            if let Some(n) = name {
                req = req.name(n);
            }
            let set = sets.create(&req)?;
            if ctx.json {
                println!("{}", set.raw_json());
            } else {
                print_sets(std::slice::from_ref(&set));
            }
        }
        SetsCmd::List => {
            let list = sets.list()?;
            if ctx.json {
                print_json_array(list.iter().map(EvalSet::raw_json));
            } else {
                print_sets(&list);
            }
        }
        SetsCmd::Show { id } => {
            let set = sets.retrieve(&id)?;
            if ctx.json {
                println!("{}", set.raw_json());
            } else {
                print_sets(std::slice::from_ref(&set));
            }
        }
        SetsCmd::Delete { id } => {
            sets.delete(&id)?;
            if ctx.json {
                println!("{}", serde_json::json!({"id": id, "deleted": true}));
            } else {
                println!("deleted {id}");
            }
        }
        SetsCmd::Upload { set, idx, field, file, mime } => {
            let mut req = UploadDocument::new(set, idx, field, Document::path(file));
            if let Some(m) = mime {
                req = req.mime(m);
            }
            let value = sets.upload_document(&req)?;
            if ctx.json {
                println!("{value}");
            } else {
                println!("uploaded {} to row {} field {}", req.document.file_name(), req.idx, req.field_name);
            }
        }
    }
    Ok(())
}

fn print_sets(list: &[EvalSet]) {
    let mut t = Table::new(&[
        ("id", Align::Left),
        ("task", Align::Left),
        ("name", Align::Left),
        ("items", Align::Right),
        ("scoring", Align::Left),
    ]);
    for s in list {
        t.row(vec![
            id_or_dash(&s.id),
            opt(s.task_id.as_deref()),
            opt(s.name.as_deref()),
            s.item_count.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
            opt(s.scoring_strategy.as_deref()),
        ]);
    }
    t.print();
}

/// Parses `--frontier`: a keyword, or comma-separated vendor ids. A single word
/// of letters only must be a keyword, so a typo (`best`) is caught here.
pub fn parse_frontier(s: &str) -> CliResult<Frontier> {
    let s = s.trim();
    if s.contains(',') {
        let ids: Vec<String> = s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect();
        if ids.is_empty() {
            return Err(CliError::Usage("--frontier: no ids given".into()));
        }
        return Ok(Frontier::Ids(ids));
    }
    match s.parse::<Frontier>() {
        Ok(f) => Ok(f),
        Err(_) if !s.is_empty() && !s.chars().all(|c| c.is_ascii_alphabetic()) => Ok(Frontier::Ids(vec![s.to_owned()])),
        Err(e) => Err(CliError::Usage(format!("--frontier: {e}"))),
    }
}

/// Reads a JSONL file: one JSON object per non-blank line.
pub fn read_jsonl(path: &Path) -> CliResult<Vec<Value>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("could not read {}: {e}", path.display())))?;
    parse_jsonl(&text, &path.display().to_string())
}

/// Parses JSONL text; `origin` names the file in messages.
pub fn parse_jsonl(text: &str, origin: &str) -> CliResult<Vec<Value>> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        let value: Value =
            serde_json::from_str(line).map_err(|e| CliError::Usage(format!("{origin}:{n}: not valid JSON: {e}")))?;
        if !value.is_object() {
            return Err(CliError::Usage(format!(
                "{origin}:{n}: each row must be a JSON object, found {}",
                kind(&value)
            )));
        }
        rows.push(value);
    }
    if rows.is_empty() {
        return Err(CliError::Usage(format!("{origin}: no rows (expected one JSON object per line)")));
    }
    Ok(rows)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn run_eval(ctx: &Ctx, a: RunArgs) -> CliResult {
    let frontier = parse_frontier(&a.frontier)?;
    let mut req = match (&a.set, &a.file) {
        (Some(set), _) => {
            let mut r = EvalRunCreate::on_set(set, &a.models);
            if let Some(t) = &a.task {
                r = r.task(t);
            }
            r
        }
        (None, Some(file)) => {
            let rows = read_jsonl(file)?;
            let task = a.task.clone().ok_or_else(|| CliError::Usage("--file needs --task".into()))?;
            EvalRunCreate::inline(task, rows, &a.models)
        }
        (None, None) => return Err(CliError::Usage("give --set, or --task with --file".into())),
    }
    .frontier(frontier);
    if let Some(n) = a.name {
        req = req.name(n);
    }
    let run = ctx.pa.evals().runs().create(&req)?;
    finish_run(ctx, run, a.wait, a.poll)
}

/// Prints a run; with `wait`, polls it to a terminal status first.
fn finish_run(ctx: &Ctx, mut run: EvalRun, wait: bool, poll_secs: f64) -> CliResult {
    if !(poll_secs.is_finite() && poll_secs >= 0.0) {
        return Err(CliError::Usage(format!("--poll {poll_secs} is not a number of seconds")));
    }
    let runs = ctx.pa.evals().runs();
    let id = run.id.clone();
    if !wait && !run.is_terminal() {
        if ctx.json {
            println!("{}", run.raw_json());
        } else {
            println!("run {id} is {}", opt(run.status.as_deref()));
            println!("follow it with: pareta evals show {id} --wait");
        }
        return Ok(());
    }
    // Poll here (rather than with `WaitOptions`) to show each status as it changes.
    let deadline = ctx.timeout.unwrap_or(DEFAULT_WAIT);
    let poll = Duration::from_secs_f64(poll_secs);
    let started = Instant::now();
    let mut progress = Progress::new();
    let mut last = String::new();
    while !run.is_terminal() {
        if started.elapsed() >= deadline {
            progress.finish();
            return Err(CliError::Sdk(pareta_blocking::Error::WaitTimeout {
                run_id: id,
                last_status: run.status.as_deref().map(str::to_owned),
                waited: started.elapsed(),
            }));
        }
        std::thread::sleep(poll);
        run = runs.retrieve(&id)?;
        let status = opt(run.status.as_deref());
        let line = format!("run {id}: {status} ({:.1}s)", started.elapsed().as_secs_f64());
        if progress.is_enabled() {
            progress.draw(&line);
        } else if status != last {
            eprintln!("{line}");
        }
        last = status;
    }
    progress.finish();
    if ctx.json {
        println!("{}", run.raw_json());
    } else {
        print_run(&run);
    }
    if run.status.as_deref() == Some("failed") {
        return Err(CliError::Failed(format!(
            "eval run {id} failed: {}",
            run.error_detail.as_deref().unwrap_or("no detail")
        )));
    }
    Ok(())
}

fn print_run(run: &EvalRun) {
    println!("run {} is {}", id_or_dash(&run.id), opt(run.status.as_deref()));
    let mut t = Table::new(&[
        ("model", Align::Left),
        ("kind", Align::Left),
        ("quality", Align::Right),
        ("95% CI", Align::Right),
        ("$/item", Align::Right),
        ("ok", Align::Right),
        ("errors", Align::Right),
    ]);
    for r in &run.results {
        let ci = match (r.quality_ci_low, r.quality_ci_high) {
            (Some(lo), Some(hi)) => format!("[{lo:.3}, {hi:.3}]"),
            _ => "-".into(),
        };
        t.row(vec![
            id_or_dash(&r.model_id),
            opt(r.kind.as_deref()),
            score(r.quality_mean),
            ci,
            dollars_rate(r.mean_cost_micro_usd),
            r.n_succeeded.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
            r.error_count.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
        ]);
    }
    t.print();
    println!("billed: ${} ({} µUSD, floored to whole cents)", run.cost(), run.cost_micro_usd);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontier_keywords_ids_and_typos() {
        assert_eq!(parse_frontier("benchmarked").unwrap(), Frontier::Benchmarked);
        assert_eq!(parse_frontier("none").unwrap(), Frontier::None);
        assert_eq!(parse_frontier("gpt-4o").unwrap(), Frontier::Ids(vec!["gpt-4o".into()]));
        assert_eq!(parse_frontier("a,b").unwrap(), Frontier::Ids(vec!["a".into(), "b".into()]));
        assert_eq!(parse_frontier("sonnet,").unwrap(), Frontier::Ids(vec!["sonnet".into()]));
        assert!(matches!(parse_frontier("best"), Err(CliError::Usage(m)) if m.contains("best")));
        assert!(matches!(parse_frontier(","), Err(CliError::Usage(_))));
    }

    #[test]
    fn jsonl_names_the_bad_line() {
        let rows = parse_jsonl("{\"a\":1}\n\n{\"b\":2}\n", "f").unwrap();
        assert_eq!(rows.len(), 2);
        assert!(matches!(parse_jsonl("{\"a\":1}\n[1]\n", "f"), Err(CliError::Usage(m)) if m.starts_with("f:2:")));
        assert!(matches!(parse_jsonl("{\"a\":1}\n{oops\n", "f"), Err(CliError::Usage(m)) if m.starts_with("f:2:")));
        assert!(matches!(parse_jsonl("\n", "f"), Err(CliError::Usage(_))));
    }
}
