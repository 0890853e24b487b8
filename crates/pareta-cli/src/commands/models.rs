//! `pareta models`.

use crate::cli::ModelsCmd;
use crate::output::{Align, Table, items, text, timestamp};
use crate::{CliResult, Ctx};

/// Runs a `models` subcommand.
pub fn run(ctx: &Ctx, cmd: ModelsCmd) -> CliResult {
    match cmd {
        ModelsCmd::List => {
            ctx.pa.models().list()?;
            if ctx.print_json() {
                return Ok(());
            }
            let reply = ctx.last_json();
            let mut t = Table::new(&[("id", Align::Left), ("owned by", Align::Left), ("created", Align::Left)]);
            for m in items(&reply, "data") {
                t.row(vec![text(m, "id"), text(m, "owned_by"), timestamp(m, "created")]);
            }
            t.print();
            Ok(())
        }
    }
}
