//! `claimgate evidence BUNDLE`: print the normalized evidence document policies see as `input`.

use super::args::BundleArgs;
use super::ExitStatus;
use crate::time::Instant;
use std::io::Write;

/// Arguments of `claimgate evidence`.
#[derive(Debug, clap::Args)]
pub struct EvidenceArgs {
    #[command(flatten)]
    bundle: BundleArgs,
}

pub(super) fn run(args: &EvidenceArgs, out: &mut dyn Write) -> Result<ExitStatus, crate::Error> {
    let bundle = crate::bundle::load(&args.bundle.bundle)?;
    let at = args
        .bundle
        .time
        .at
        .or(bundle.evaluated_at)
        .unwrap_or_else(Instant::now);
    let evidence = crate::adapter::normalize(&bundle, at);
    serde_json::to_writer_pretty(&mut *out, &evidence).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(ExitStatus::Ok)
}
