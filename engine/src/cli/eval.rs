//! `claimgate eval BUNDLE`

use super::args::{parse_instant, PolicyArgs};
use super::ExitStatus;
use crate::report::{self, Format};
use crate::time::Instant;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `claimgate eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Bundle directory (with bundle.yaml or bundle.json) or a single bundle file
    pub bundle: PathBuf,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Evaluation instant for freshness (RFC 3339); default: the bundle's evaluated_at, else now
    #[arg(long, value_parser = parse_instant)]
    pub at: Option<Instant>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub(super) fn run(args: &EvalArgs, out: &mut dyn Write) -> Result<ExitStatus, crate::Error> {
    let pack = args.policy.compile()?;
    let decision = crate::evaluate(&args.bundle, &pack, args.at)?;
    report::render(&decision, args.format, out)?;
    Ok(ExitStatus::Ok)
}
