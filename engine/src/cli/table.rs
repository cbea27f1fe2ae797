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
}

pub(super) fn run(
    args: &TableArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let engine = args.policy.engine(g)?;
    let t = crate::table::build(&engine, &args.space.space())?;
    report::render_table(&t, args.format, out)?;
    Ok(ExitStatus::Ok)
}
