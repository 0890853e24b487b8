//! `pareta evals`: the frontier roster, eval sets, eval runs.

use crate::cli::{EvalsCmd, RunArgs, SetsCmd, WaitArgs};
use crate::output::{Align, Table, dollars_rate, integer, items, number, score, text, timestamp, yes_no};
use crate::progress::{Bytes, Status};
use crate::{CliError, CliResult, Ctx};
use pareta_types::{Document, EvalRun, EvalRunCreate, EvalSetCreate, Frontier, UploadDocument, WaitOptions};
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Runs an `evals` subcommand.
pub fn run(ctx: &Ctx, cmd: EvalsCmd) -> CliResult {
    match cmd {
        EvalsCmd::Frontier { task } => {
            ctx.pa.evals().frontier_models(task.as_deref())?;
            if ctx.print_json() {
                return Ok(());
            }
            let reply = ctx.last_json();
            let mut cols =
                vec![("id", Align::Left), ("vendor", Align::Left), ("vision", Align::Left), ("context", Align::Right)];
            if task.is_some() {
                cols.push(("benchmarked", Align::Left));
            }
            let mut t = Table::new(&cols);
            for m in items(&reply, "frontier_models") {
                let mut row = vec![
                    text(m, "id"),
                    text(m, "vendor"),
                    yes_no(m, "vision"),
                    integer(m, "context_k").map(|k| format!("{k}k")).unwrap_or_else(|| "-".into()),
                ];
                if task.is_some() {
                    row.push(yes_no(m, "benchmarked"));
                }
                t.row(row);
            }
            t.print();
            Ok(())
        }
        EvalsCmd::Sets(cmd) => sets(ctx, cmd),
        EvalsCmd::Run(args) => run_eval(ctx, args),
        EvalsCmd::Show { id, wait } => {
            // With --wait, the watch's first poll is the retrieve.
            let run = if wait.wait { None } else { Some(ctx.pa.evals().runs().retrieve(&id)?) };
            finish_run(ctx, run, &id, &wait)
        }
    }
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
            sets.create(&req)?;
            if !ctx.print_json() {
                print_sets(std::slice::from_ref(ctx.last_json().get("eval_set").unwrap_or(&Value::Null)));
            }
        }
        SetsCmd::List => {
            sets.list()?;
            if !ctx.print_json() {
                print_sets(items(&ctx.last_json(), "eval_sets"));
            }
        }
        SetsCmd::Show { id } => {
            sets.retrieve(&id)?;
            if !ctx.print_json() {
                print_sets(std::slice::from_ref(ctx.last_json().get("eval_set").unwrap_or(&Value::Null)));
            }
        }
        SetsCmd::Delete { id } => {
            sets.delete(&id)?;
            if !ctx.print_json() {
                println!("deleted {id}");
            }
        }
        SetsCmd::Upload { set, idx, field, file, mime } => {
            if !file.is_file() {
                return Err(CliError::Usage(format!("{}: no such file", file.display())));
            }
            let mut req = UploadDocument::new(set, idx, field, Document::path(&file));
            if let Some(m) = mime {
                req = req.mime(m);
            }
            // Only the signed-URL PUT (files of 5 MiB or more) reports bytes.
            let bar = Bytes::new(&format!("uploading {}", req.document.file_name()));
            let observer = bar.clone();
            ctx.wire.on_upload(Some(Arc::new(move |sent, total| observer.update(sent, total))));
            let result = sets.upload_document(&req);
            ctx.wire.on_upload(None);
            bar.finish();
            result?;
            if !ctx.print_json() {
                println!("uploaded {} to row {} field {}", req.document.file_name(), req.idx, req.field_name);
            }
        }
    }
    Ok(())
}

fn print_sets(list: &[Value]) {
    let mut t = Table::new(&[
        ("id", Align::Left),
        ("task", Align::Left),
        ("name", Align::Left),
        ("items", Align::Right),
        ("scoring", Align::Left),
        ("created", Align::Left),
    ]);
    for s in list.iter().filter(|s| s.is_object()) {
        t.row(vec![
            text(s, "id"),
            text(s, "task_id"),
            text(s, "name"),
            text(s, "item_count"),
            text(s, "scoring_strategy"),
            timestamp(s, "created"),
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

/// Reads a JSONL file (`-`: stdin): one JSON object per non-blank line.
pub fn read_jsonl(path: &Path) -> CliResult<Vec<Value>> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::Usage(format!("could not read stdin: {e}")))?;
        return parse_jsonl(&text, "<stdin>");
    }
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
    if a.models.is_empty() && frontier == Frontier::None {
        return Err(CliError::Usage(
            "nothing to evaluate: give --models, --frontier (all, benchmarked or ids), or both".into(),
        ));
    }
    check_wait(&a.wait)?;
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
    let id = ctx.last_json().get("run_id").and_then(Value::as_str).map(str::to_owned).unwrap_or_default();
    finish_run(ctx, Some(run), &id, &a.wait)
}

fn check_wait(w: &WaitArgs) -> CliResult<(Duration, Duration)> {
    let poll = Duration::try_from_secs_f64(w.poll)
        .map_err(|_| CliError::Usage(format!("--poll {} is not a number of seconds", w.poll)))?;
    let deadline = Duration::try_from_secs_f64(w.wait_timeout)
        .map_err(|_| CliError::Usage(format!("--wait-timeout {} is not a number of seconds", w.wait_timeout)))?;
    Ok((poll, deadline))
}

/// Prints a run; with `--wait`, polls it to a terminal status first, showing
/// the status and the elapsed time.
fn finish_run(ctx: &Ctx, run: Option<EvalRun>, id: &str, w: &WaitArgs) -> CliResult {
    let (poll, deadline) = check_wait(w)?;
    let runs = ctx.pa.evals().runs();
    let terminal = run.as_ref().is_some_and(EvalRun::is_terminal);
    if !w.wait && !terminal {
        if !ctx.print_json() {
            let status = run_status(&ctx.last_json());
            println!("run {id} is {status}");
            println!("follow it with: pareta evals show {id} --wait");
        }
        return Ok(());
    }
    // `watch` yields every polled snapshot, so the status line follows each change.
    let mut status = Status::new();
    if !terminal {
        if run.is_some() {
            status.update(&format!("run {id}: {}", run_status(&ctx.last_json())));
        }
        let options = WaitOptions::default().poll_interval(poll).timeout(deadline);
        for snapshot in runs.watch(id, options) {
            match snapshot {
                Ok(_) => status.update(&format!("run {id}: {}", run_status(&ctx.last_json()))),
                Err(pareta_blocking::Error::WaitTimeout { last_status, .. }) => {
                    status.finish();
                    return Err(CliError::Failed(format!(
                        "run {id} is still {} after waiting {} (--wait-timeout); it goes on server-side: \
                         pareta evals show {id} --wait",
                        last_status.as_deref().unwrap_or("unknown"),
                        crate::output::elapsed(status.elapsed())
                    )));
                }
                Err(e) => {
                    status.finish();
                    return Err(e.into());
                }
            }
        }
    }
    status.finish();
    if ctx.print_json() {
        return fail_if_failed(&ctx.last_json(), id);
    }
    let reply = ctx.last_json();
    print_run(&reply);
    fail_if_failed(&reply, id)
}

fn run_status(reply: &Value) -> String {
    let run = reply.get("run").unwrap_or(reply);
    text(run, "status")
}

fn fail_if_failed(reply: &Value, id: &str) -> CliResult {
    let run = reply.get("run").unwrap_or(reply);
    if run.get("status").and_then(Value::as_str) == Some("failed") {
        let detail = run.get("error_detail").and_then(Value::as_str).unwrap_or("no detail");
        return Err(CliError::Failed(format!("eval run {id} failed: {detail}")));
    }
    Ok(())
}

fn print_run(reply: &Value) {
    let r = reply.get("run").unwrap_or(&Value::Null);
    println!("run {} is {}", text(r, "id"), text(r, "status"));
    let mut t = Table::new(&[
        ("model", Align::Left),
        ("kind", Align::Left),
        ("quality", Align::Right),
        ("95% CI", Align::Right),
        ("$/item", Align::Right),
        ("ok", Align::Right),
        ("errors", Align::Right),
    ]);
    for res in items(reply, "results") {
        let ci = match (number(res, "quality_ci_low"), number(res, "quality_ci_high")) {
            (Some(lo), Some(hi)) => format!("[{lo:.3}, {hi:.3}]"),
            _ => "-".into(),
        };
        t.row(vec![
            text(res, "model_id"),
            text(res, "kind"),
            score(number(res, "quality_mean")),
            ci,
            dollars_rate(integer(res, "mean_cost_micro_usd")),
            text(res, "n_succeeded"),
            text(res, "error_count"),
        ]);
    }
    t.print();
    // The money convention: absent reads 0; dollars floored to whole cents.
    let micro = integer(r, "total_cost_micro_usd").unwrap_or(0);
    println!("billed: ${} ({micro} µUSD, floored to whole cents)", pareta_types::money::floor_to_cents(micro));
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
