//! `pareta models`.

use crate::cli::ModelsCmd;
use crate::output::{Align, Table, id_or_dash, opt};
use crate::{CliResult, Ctx};

/// Runs a `models` subcommand.
pub fn run(ctx: &Ctx, cmd: ModelsCmd) -> CliResult {
    match cmd {
        ModelsCmd::List => {
            let list = ctx.pa.models().list()?;
            if ctx.json {
                println!("{}", list.raw_json());
                return Ok(());
            }
            let mut t = Table::new(&[("id", Align::Left), ("owned by", Align::Left), ("created", Align::Right)]);
            for m in &list {
                t.row(vec![
                    id_or_dash(&m.id),
                    opt(m.owned_by.as_deref()),
                    m.created.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
                ]);
            }
            t.print();
            Ok(())
        }
    }
}
