//! `pareta tasks`.

use crate::cli::TasksCmd;
use crate::output::{Align, Table, dollars_rate, id_or_dash, opt, print_json_array, score};
use crate::{CliResult, Ctx};

/// Runs a `tasks` subcommand.
pub fn run(ctx: &Ctx, cmd: TasksCmd) -> CliResult {
    let tasks = ctx.pa.tasks();
    match cmd {
        TasksCmd::List => {
            let list = tasks.list()?;
            if ctx.json {
                print_json_array(list.iter().map(|t| t.raw_json()));
                return Ok(());
            }
            let mut t = Table::new(&[
                ("id", Align::Left),
                ("name", Align::Left),
                ("scorer", Align::Left),
                ("blob input", Align::Left),
            ]);
            for task in &list {
                t.row(vec![
                    id_or_dash(&task.id),
                    opt(task.name.as_deref()),
                    opt(task.default_scorer.as_deref()),
                    if task.has_blob_input { "yes" } else { "no" }.to_owned(),
                ]);
            }
            t.print();
        }
        TasksCmd::Show { id, examples } => {
            let task = match examples {
                Some(n) => tasks.retrieve_with_examples(&id, n)?,
                None => tasks.retrieve(&id)?,
            };
            if ctx.json {
                println!("{}", task.raw_json());
                return Ok(());
            }
            println!("id           {}", id_or_dash(&task.id));
            println!("name         {}", opt(task.name.as_deref()));
            if let Some(d) = &task.description {
                println!("description  {d}");
            }
            println!("scorer       {}", opt(task.default_scorer.as_deref()));
            println!("blob input   {}", if task.has_blob_input { "yes" } else { "no" });
            if let Some(schema) = task.get("input_schema") {
                println!("input schema {schema}");
            }
            if !task.examples.is_empty() {
                println!("examples ({}):", task.examples.len());
                for (i, ex) in task.examples.iter().enumerate() {
                    println!("  [{i}] {ex}");
                }
            }
        }
        TasksCmd::Match { intent, top_k } => {
            let m = match top_k {
                Some(k) => tasks.match_intent_top_k(&intent, k)?,
                None => tasks.match_intent(&intent)?,
            };
            if ctx.json {
                println!("{}", m.raw_json());
                return Ok(());
            }
            let mut t = Table::new(&[("task", Align::Left), ("score", Align::Right), ("confidence", Align::Left)]);
            for c in &m.candidates {
                t.row(vec![id_or_dash(&c.task_id), score(c.score), opt(c.confidence.as_deref())]);
            }
            t.print();
            match m.chosen.as_ref().map(|c| c.task_id.as_str()).filter(|t| !t.is_empty()) {
                Some(task) if m.ambiguous => println!("chosen: {task} (ambiguous: check the alternates)"),
                Some(task) => println!("chosen: {task}"),
                None => println!("no confident match"),
            }
        }
        TasksCmd::Leaderboard { id } => {
            let lb = tasks.leaderboard(&id)?;
            if ctx.json {
                println!("{}", lb.raw_json());
                return Ok(());
            }
            let mut t = Table::new(&[
                ("model", Align::Left),
                ("kind", Align::Left),
                ("quality", Align::Right),
                ("$/request", Align::Right),
                ("context", Align::Right),
            ]);
            for e in lb.models.iter().chain(lb.frontier.iter()) {
                let mut name = opt(e.name.as_deref());
                if e.name.is_some() && e.name == lb.recommended {
                    name.push_str(" *");
                }
                t.row(vec![
                    name,
                    opt(e.kind.as_deref()),
                    score(e.quality),
                    dollars_rate(e.cost_per_request_micro_usd),
                    e.context_k.map(|k| format!("{k}k")).unwrap_or_else(|| "-".into()),
                ]);
            }
            t.print();
            if let Some(r) = &lb.recommended {
                println!("* recommended: {r}");
            }
        }
        TasksCmd::Recommended { id } => {
            let rec = tasks.recommended(&id)?;
            if ctx.json {
                println!("{}", serde_json::Value::from(rec));
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
