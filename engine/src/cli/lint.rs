//! `claimgate lint [DIR]`: advice about a policy pack that loads.

use super::args::{formats, Globals, PackDirArgs, LINT_FORMATS};
use super::ExitStatus;
use crate::report::{self, Format};
use std::io::Write;

/// Arguments of `claimgate lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    #[command(flatten)]
    pack: PackDirArgs,
    /// Output format
    #[arg(long, value_parser = formats(LINT_FORMATS), default_value = "human")]
    format: Format,
}

pub(super) fn run(
    args: &LintArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let pack = args.pack.pack()?;
    let findings = g.builder(pack).build()?.lint()?;
    report::render_lint(&findings, args.format, out)?;
    Ok(if findings.is_empty() {
        ExitStatus::Ok
    } else {
        ExitStatus::Verdict
    })
}
