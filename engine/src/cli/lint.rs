//! `claimgate lint [DIR]`: advice about a policy pack that loads.

use super::args::{formats, Globals, PackArgs, LINT_FORMATS};
use super::ExitStatus;
use crate::report::{self, Format};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `claimgate lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Policy pack directory (the same as --policy-dir)
    #[arg(value_name = "DIR", conflicts_with = "policy_dir")]
    dir: Option<PathBuf>,
    #[command(flatten)]
    policy: PackArgs,
    /// Output format
    #[arg(long, value_parser = formats(LINT_FORMATS), default_value = "human")]
    format: Format,
}

pub(super) fn run(
    args: &LintArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let pack = match &args.dir {
        Some(dir) => crate::Pack::from_dir(dir)?,
        None => args.policy.pack()?,
    };
    let findings = g.builder(pack).build()?.lint()?;
    report::render_lint(&findings, args.format, out)?;
    Ok(if findings.is_empty() {
        ExitStatus::Ok
    } else {
        ExitStatus::Verdict
    })
}
