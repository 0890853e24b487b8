//! `pareta endpoints`.

use crate::cli::{EndpointsCmd, MetricArg};
use crate::output::{Align, Table, id_or_dash, opt, print_json_array, progress_line};
use crate::{CliError, CliResult, Ctx};
use pareta_types::{DeployRequest, Endpoint, MetricKind};
use std::io::Write;

/// Runs an `endpoints` subcommand.
pub fn run(ctx: &Ctx, cmd: EndpointsCmd) -> CliResult {
    let eps = ctx.pa.endpoints();
    match cmd {
        EndpointsCmd::Deploy { task, model, name } => {
            let mut req = DeployRequest::new(task);
            if let Some(m) = model {
                req = req.model(m);
            }
            if let Some(n) = name {
                req = req.name(n);
            }
            let mut endpoint = None;
            let mut out = std::io::stdout().lock();
            for event in eps.deploy(&req)? {
                let event = event?;
                if ctx.json {
                    let _ = writeln!(out, "{}", serde_json::json!({"event": event.event, "data": event.data}));
                } else if let Some(ep) = event.endpoint() {
                    endpoint = Some(ep);
                } else {
                    let pct = event.pct().unwrap_or(0.0);
                    let stage = event.stage().unwrap_or(event.event.as_str());
                    let _ = writeln!(out, "{stage:<20} {pct:>3.0}%  {}", progress_line(pct));
                }
                let _ = out.flush();
                if event.is_complete() && endpoint.is_none() {
                    endpoint = event.endpoint();
                }
            }
            drop(out);
            if ctx.json {
                return Ok(());
            }
            let ep = endpoint.ok_or_else(|| {
                CliError::Sdk(pareta_blocking::Error::Protocol("the deploy ended without an endpoint".into()))
            })?;
            println!(
                "live: {} serving {} for {} (status {})",
                id_or_dash(&ep.id),
                opt(ep.model.as_deref()),
                opt(ep.task.as_deref()),
                opt(ep.status.as_deref())
            );
            if let Some(url) = &ep.url {
                println!("url:  {url}");
            }
        }
        EndpointsCmd::List => {
            let list = eps.list()?;
            if ctx.json {
                print_json_array(list.iter().map(Endpoint::raw_json));
                return Ok(());
            }
            let mut t = Table::new(&[
                ("id", Align::Left),
                ("task", Align::Left),
                ("model", Align::Left),
                ("status", Align::Left),
            ]);
            for ep in &list {
                t.row(vec![
                    id_or_dash(&ep.id),
                    opt(ep.task.as_deref()),
                    opt(ep.model.as_deref()),
                    opt(ep.status.as_deref()),
                ]);
            }
            t.print();
        }
        EndpointsCmd::Show { id } => {
            let ep = eps.retrieve(&id)?;
            if ctx.json {
                println!("{}", ep.raw_json());
                return Ok(());
            }
            println!("id      {}", id_or_dash(&ep.id));
            println!("name    {}", opt(ep.name.as_deref()));
            println!("task    {}", opt(ep.task.as_deref()));
            println!("model   {}", opt(ep.model.as_deref()));
            println!("status  {}", opt(ep.status.as_deref()));
            println!("url     {}", opt(ep.url.as_deref()));
        }
        EndpointsCmd::Start { id } => status_change(ctx, &id, eps.start(&id)?, "starting"),
        EndpointsCmd::Stop { id } => status_change(ctx, &id, eps.stop(&id)?, "stopping"),
        EndpointsCmd::Delete { id } => {
            eps.delete(&id)?;
            if ctx.json {
                println!("{}", serde_json::json!({"id": id, "deleted": true}));
            } else {
                println!("deleted {id}");
            }
        }
        EndpointsCmd::Metrics { id, kind, params } => {
            let pairs = parse_params(&params)?;
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let value = eps.metrics(&id).get(metric_kind(kind), &refs)?;
            if ctx.json {
                println!("{value}");
            } else {
                println!("{}", serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string()));
            }
        }
    }
    Ok(())
}

fn status_change(ctx: &Ctx, id: &str, value: serde_json::Value, verb: &str) {
    if ctx.json {
        println!("{value}");
        return;
    }
    match value.get("status").and_then(|s| s.as_str()) {
        Some(status) => println!("{id}: {status}"),
        None => println!("{id}: {verb} ({value})"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_need_an_equals_sign() {
        let ok = parse_params(&["window=7d".into(), "a=b=c".into()]).unwrap();
        assert_eq!(ok, [("window".into(), "7d".into()), ("a".into(), "b=c".into())]);
        assert!(matches!(parse_params(&["window".into()]), Err(CliError::Usage(_))));
        assert!(matches!(parse_params(&["=x".into()]), Err(CliError::Usage(_))));
    }
}
