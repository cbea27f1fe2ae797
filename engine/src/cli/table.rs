//! `claimgate table`: the decision of every cell of the evidence space.

use super::args::{formats, Globals, PolicyArgs, TABLE_FORMATS};
use super::ExitStatus;
use crate::report::{self, Format};
use std::io::Write;

/// Arguments of `claimgate table`.
#[derive(Debug, clap::Args)]
pub struct TableArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    space: super::args::SpaceArgs,
    /// Output format
    #[arg(long, value_parser = formats(TABLE_FORMATS), default_value = "markdown")]
    pub format: Format,
    /// Write cell N (its full-space index, as errors and reports give it) as a bundle directory
    /// DIR that `claimgate eval` decides as the table does, and build no table
    #[arg(long, num_args = 2, value_names = ["N", "DIR"])]
    pub write_cell: Option<Vec<String>>,
}

pub(super) fn run(
    args: &TableArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    if let Some([n, dir]) = args.write_cell.as_deref() {
        let index = n
            .parse::<usize>()
            .ok()
            .filter(|i| *i < crate::space::size())
            .ok_or_else(|| crate::UsageError {
                message: format!("--write-cell: `{n}` is not a cell of the evidence space"),
                help: Some(format!(
                    "cells are numbered 0 to {}",
                    crate::space::size() - 1
                )),
            })?;
        let dir = std::path::Path::new(dir);
        crate::space::write_bundle(&crate::space::cell(index), dir)
            .map_err(|e| crate::output::named(dir, &e))?;
        writeln!(out, "cell {index} written to {}", dir.display())?;
        return Ok(ExitStatus::Ok);
    }
    let engine = args.policy.engine(g)?;
    let t = crate::table::build(&engine, &args.space.space())?;
    report::render_table(&t, args.format, out)?;
    Ok(ExitStatus::Ok)
}
