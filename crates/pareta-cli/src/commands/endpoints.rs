//! `pareta endpoints`.

use crate::cli::{EndpointsCmd, MetricArg};
use crate::output::{Align, Table, first, items, text, timestamp};
use crate::progress::Stages;
use crate::wire::SseEvents;
use crate::{CliError, CliResult, Ctx};
use pareta_types::{DeployRequest, MetricKind};
use serde_json::Value;
use std::io::Write;

/// Runs an `endpoints` subcommand.
pub fn run(ctx: &Ctx, cmd: EndpointsCmd) -> CliResult {
    let eps = ctx.pa.endpoints();
    match cmd {
        EndpointsCmd::Deploy { task, model, name, params } => {
            let mut req = DeployRequest::new(task);
            if let Some(m) = model {
                req = req.model(m);
            }
            if let Some(n) = name {
                req = req.name(n);
            }
            for (k, v) in json_params(&params, &["task", "model", "name"])? {
                req = req.extra(k, v);
            }
            deploy(ctx, &req)?;
        }
        EndpointsCmd::List => {
            eps.list()?;
            if ctx.print_json() {
                return Ok(());
            }
            let reply = ctx.last_json();
            let mut t = Table::new(&[
                ("id", Align::Left),
                ("task", Align::Left),
                ("model", Align::Left),
                ("status", Align::Left),
                ("created", Align::Left),
            ]);
            for ep in items(&reply, "endpoints") {
                t.row(vec![
                    first(ep, &["id", "name"]),
                    first(ep, &["taskName", "task"]),
                    text(ep, "model"),
                    text(ep, "status"),
                    timestamp(ep, "created"),
                ]);
            }
            t.print();
        }
        EndpointsCmd::Show { id } => {
            eps.retrieve(&id)?;
            if ctx.print_json() {
                return Ok(());
            }
            print_endpoint(&ctx.last_json());
        }
        EndpointsCmd::Start { id } => {
            eps.start(&id)?;
            status_change(ctx, &id, "starting");
        }
        EndpointsCmd::Stop { id } => {
            eps.stop(&id)?;
            status_change(ctx, &id, "stopping");
        }
        EndpointsCmd::Delete { id } => {
            eps.delete(&id)?;
            if !ctx.print_json() {
                println!("deleted {id}");
            }
        }
        EndpointsCmd::Metrics { id, kind, params } => {
            let pairs = parse_params(&params)?;
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let value = eps.metrics(&id).get(metric_kind(kind), &refs)?;
            if !ctx.print_json() {
                println!("{}", serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string()));
            }
        }
    }
    Ok(())
}

fn print_endpoint(ep: &Value) {
    println!("id       {}", first(ep, &["id", "name"]));
    println!("name     {}", text(ep, "name"));
    println!("task     {}", first(ep, &["taskName", "task"]));
    println!("model    {}", text(ep, "model"));
    println!("status   {}", text(ep, "status"));
    println!("url      {}", text(ep, "url"));
    if ep.get("created").is_some() {
        println!("created  {}", timestamp(ep, "created"));
    }
}

/// Streams a deploy: a stage line redrawn in place (plain lines when not a
/// terminal), then the live endpoint; with `--json`, one line per event.
fn deploy(ctx: &Ctx, req: &DeployRequest) -> CliResult {
    let stream = ctx.pa.endpoints().deploy(req)?;
    if ctx.json {
        let mut sse = SseEvents::default();
        let mut out = std::io::stdout().lock();
        let mut print = |bytes: &[u8]| -> bool {
            for (event, data) in sse.feed(bytes) {
                let line = format!("{{\"event\":{},\"data\":{data}}}", Value::from(event));
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    return false;
                }
            }
            true
        };
        for event in stream {
            if !print(&ctx.wire.take_stream()) {
                return Ok(());
            }
            event?;
        }
        print(&ctx.wire.take_stream());
        return Ok(());
    }
    let mut stages = Stages::new();
    let mut endpoint = None;
    for event in stream {
        let event = match event {
            Ok(e) => e,
            Err(e) => {
                stages.abandon();
                return Err(e.into());
            }
        };
        if event.is_complete() {
            endpoint = event.data.get("endpoint").cloned();
        } else {
            let stage = event.data.get("stage").and_then(Value::as_str).unwrap_or(event.event.as_str()).to_owned();
            let pct = event.data.get("pct").and_then(Value::as_f64);
            stages.update(&stage, pct);
        }
    }
    let Some(ep) = endpoint else {
        stages.abandon();
        return Err(CliError::Sdk(pareta_blocking::Error::Protocol("the deploy ended without an endpoint".into())));
    };
    stages.finish(&format!("deployed {}", first(&ep, &["id", "name"])));
    println!(
        "live: {} serving {} for {} (status {})",
        first(&ep, &["id", "name"]),
        text(&ep, "model"),
        first(&ep, &["taskName", "task"]),
        text(&ep, "status")
    );
    if ep.get("url").is_some_and(|u| !u.is_null()) {
        println!("url:  {}", text(&ep, "url"));
    }
    Ok(())
}

fn status_change(ctx: &Ctx, id: &str, verb: &str) {
    if ctx.print_json() {
        return;
    }
    let value = ctx.last_json();
    match value.get("status").and_then(|s| s.as_str()) {
        Some(status) => println!("{id}: {status}"),
        None => println!("{id}: {verb}"),
    }
    if verb == "starting" && value.get("status").and_then(Value::as_str) != Some("live") {
        println!("follow it with: pareta endpoints show {id}");
    }
}

fn metric_kind(k: MetricArg) -> MetricKind {
    match k {
        MetricArg::Performance => MetricKind::Performance,
        MetricArg::Uptime => MetricKind::Uptime,
        MetricArg::Cost => MetricKind::Cost,
        MetricArg::Quality => MetricKind::Quality,
        MetricArg::Activity => MetricKind::Activity,
    }
}

/// Splits `key=value` pairs; a pair without `=` (or with an empty key) is a usage error.
pub fn parse_params(params: &[String]) -> CliResult<Vec<(String, String)>> {
    params
        .iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
            _ => Err(CliError::Usage(format!("--param {p:?} is not key=value"))),
        })
        .collect()
}

/// `key=value` pairs whose value is JSON (`top_p=0.9`, `stop=["\n"]`,
/// `seed=7`); a value that is not JSON is sent as a string (`region=eu`).
/// Keys in `reserved` have their own flags and are refused.
pub fn json_params(params: &[String], reserved: &[&str]) -> CliResult<Vec<(String, Value)>> {
    parse_params(params)?
        .into_iter()
        .map(|(k, v)| {
            if reserved.contains(&k.as_str()) {
                return Err(CliError::Usage(format!("--param {k}=...: {k} has its own flag or is set by pareta")));
            }
            let value = serde_json::from_str(&v).unwrap_or(Value::String(v));
            Ok((k, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_need_an_equals_sign() {
        let ok = parse_params(&["window=7d".into(), "a=b=c".into()]).unwrap();
        assert_eq!(ok, [("window".into(), "7d".into()), ("a".into(), "b=c".into())]);
        assert!(matches!(parse_params(&["window".into()]), Err(CliError::Usage(_))));
        assert!(matches!(parse_params(&["=x".into()]), Err(CliError::Usage(_))));
    }

    #[test]
    fn param_values_are_json_else_strings() {
        let got = json_params(
            &["top_p=0.9".into(), "stop=[\"\\n\"]".into(), "seed=7".into(), "region=eu".into(), "x=\"7\"".into()],
            &["model"],
        )
        .unwrap();
        let want: Vec<(String, Value)> = vec![
            ("top_p".into(), json!(0.9)),
            ("stop".into(), json!(["\n"])),
            ("seed".into(), json!(7)),
            ("region".into(), json!("eu")),
            ("x".into(), json!("7")),
        ];
        assert_eq!(got, want);
        assert!(matches!(json_params(&["model=x".into()], &["model"]), Err(CliError::Usage(_))));
    }
}
