//! `pareta tasks`.

use crate::cli::TasksCmd;
use crate::output::{Align, Table, dollars_rate, integer, items, number, score, text, yes_no};
use crate::{CliResult, Ctx};
use serde_json::Value;

/// Runs a `tasks` subcommand.
pub fn run(ctx: &Ctx, cmd: TasksCmd) -> CliResult {
    let tasks = ctx.pa.tasks();
    match cmd {
        TasksCmd::List => {
            tasks.list()?;
            if ctx.print_json() {
                return Ok(());
            }
            let reply = ctx.last_json();
            let mut t = Table::new(&[
                ("id", Align::Left),
                ("name", Align::Left),
                ("scorer", Align::Left),
                ("blob input", Align::Left),
            ]);
            for task in items(&reply, "tasks") {
                t.row(vec![
                    text(task, "id"),
                    text(task, "name"),
                    text(task, "default_scorer"),
                    yes_no(task, "has_blob_input"),
                ]);
            }
            t.print();
        }
        TasksCmd::Show { id, examples } => {
            match examples {
                Some(n) => tasks.retrieve_with_examples(&id, n)?,
                None => tasks.retrieve(&id)?,
            };
            if ctx.print_json() {
                return Ok(());
            }
            let task = ctx.last_json();
            println!("id           {}", text(&task, "id"));
            println!("name         {}", text(&task, "name"));
            if task.get("description").is_some_and(|d| !d.is_null()) {
                println!("description  {}", text(&task, "description"));
            }
            println!("scorer       {}", text(&task, "default_scorer"));
            println!("blob input   {}", yes_no(&task, "has_blob_input"));
            if let Some(schema) = task.get("input_schema").filter(|s| !s.is_null()) {
                println!("input schema {schema}");
            }
            let examples = items(&task, "examples");
            if !examples.is_empty() {
                println!("examples ({}):", examples.len());
                for (i, ex) in examples.iter().enumerate() {
                    println!("  [{i}] {ex}");
                }
            }
        }
        TasksCmd::Match { intent, top_k } => {
            match top_k {
                Some(k) => tasks.match_intent_top_k(&intent, k)?,
                None => tasks.match_intent(&intent)?,
            };
            if ctx.print_json() {
                return Ok(());
            }
            let m = ctx.last_json();
            let mut t = Table::new(&[("task", Align::Left), ("score", Align::Right), ("confidence", Align::Left)]);
            for c in items(&m, "candidates") {
                t.row(vec![text(c, "task_id"), score(number(c, "score")), text(c, "confidence")]);
            }
            t.print();
            let chosen = m.get("chosen").and_then(|c| c.get("task_id")).and_then(Value::as_str);
            let ambiguous = m.get("ambiguous").and_then(Value::as_bool).unwrap_or(false);
            match chosen {
                Some(task) if ambiguous => println!("chosen: {task} (ambiguous: check the alternates)"),
                Some(task) => println!("chosen: {task}"),
                None => println!("no confident match"),
            }
        }
        TasksCmd::Leaderboard { id } => {
            tasks.leaderboard(&id)?;
            if ctx.print_json() {
                return Ok(());
            }
            let lb = ctx.last_json();
            let recommended = lb.get("recommended").and_then(Value::as_str).map(str::to_owned);
            let mut t = Table::new(&[
                ("model", Align::Left),
                ("kind", Align::Left),
                ("quality", Align::Right),
                ("$/request", Align::Right),
                ("context", Align::Right),
                ("run mode", Align::Left),
            ]);
            let frontier = lb.get("frontier").filter(|f| f.is_object());
            for e in items(&lb, "models").iter().chain(frontier) {
                let mut name = text(e, "name");
                if recommended.as_deref() == Some(name.as_str()) {
                    name.push_str(" *");
                }
                t.row(vec![
                    name,
                    text(e, "kind"),
                    score(number(e, "quality")),
                    dollars_rate(integer(e, "cost_per_request_micro_usd")),
                    integer(e, "context_k").map(|k| format!("{k}k")).unwrap_or_else(|| "-".into()),
                    text(e, "run_mode"),
                ]);
            }
            t.print();
            if let Some(r) = &recommended {
                println!("* recommended: {r}");
            }
        }
        TasksCmd::Recommended { id } => {
            let rec = tasks.recommended(&id)?;
            if ctx.print_json() {
                return Ok(());
            }
            match rec {
                Some(r) => println!("{r}"),
                None => println!("(no recommended model)"),
            }
        }
    }
    Ok(())
}
