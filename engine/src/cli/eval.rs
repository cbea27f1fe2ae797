//! `claimgate eval BUNDLE`

use super::args::{BundleArgs, PolicyArgs};
use super::ExitStatus;
use crate::report::{self, Format};
use std::io::Write;

/// Arguments of `claimgate eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub(super) fn run(args: &EvalArgs, out: &mut dyn Write) -> Result<ExitStatus, crate::Error> {
    let pack = args.policy.compile()?;
    let decision = crate::evaluate(&args.bundle.bundle, &pack, args.bundle.time.at)?;
    report::render(&decision, args.format, out)?;
    Ok(ExitStatus::Ok)
}
