//! `claimgate check`: verify the design's invariants over the evidence space (the whole space
//! by default; `--space quick` for the quick sub-space).

use super::args::{formats, Globals, PolicyArgs, CHECK_FORMATS};
use super::ExitStatus;
use crate::invariant::CheckReport;
use crate::report::{self, Format};
use std::io::Write;

/// Arguments of `claimgate check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    space: super::args::SpaceArgs,
    /// Write one counterexample bundle per violated invariant into this directory
    #[arg(long, value_name = "DIR")]
    pub write_examples: Option<std::path::PathBuf>,
    /// Output format
    #[arg(long, value_parser = formats(CHECK_FORMATS), default_value = "human")]
    pub format: Format,
}

pub(super) fn run(
    args: &CheckArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let engine = args.policy.engine(g)?;
    let mut found = CheckReport::build(&engine, &args.space.space())?;
    if let Some(dir) = &args.write_examples {
        found.write_examples(dir)?;
    }
    report::render_check(&found, args.format, out)?;
    Ok(if found.ok() {
        ExitStatus::Ok
    } else {
        ExitStatus::Verdict
    })
}
