//! `claimgate evidence BUNDLE`: print the normalized evidence document policies see as `input`.

use super::args::{BundleArgs, Globals, PolicyArgs};
use super::ExitStatus;
use std::io::Write;

/// Arguments of `claimgate evidence`.
#[derive(Debug, clap::Args)]
pub struct EvidenceArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    #[command(flatten)]
    policy: PolicyArgs,
}

pub(super) fn run(
    args: &EvidenceArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    // The same engine `eval` decides with: the same keys verify the same signatures.
    let engine = args.policy.engine(g)?;
    let bundle = engine.load(&args.bundle.bundle)?;
    let evidence = engine.evidence(&bundle, args.bundle.time.at())?;
    serde_json::to_writer_pretty(&mut *out, &evidence).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(ExitStatus::Ok)
}
