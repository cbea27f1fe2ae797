//! `claimgate evidence BUNDLE`: print the normalized evidence document policies see as `input`.

use super::args::{BundleArgs, Globals, KeyArgs};
use super::ExitStatus;
use crate::Pack;
use std::io::Write;

/// Arguments of `claimgate evidence`.
#[derive(Debug, clap::Args)]
pub struct EvidenceArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    #[command(flatten)]
    keys: KeyArgs,
}

pub(super) fn run(
    args: &EvidenceArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    // Normalizing needs no pack, only the keys: with the keys `eval` is given, signatures read
    // as `eval` decided on them. The embedded pack only makes the engine.
    let engine = g
        .builder(Pack::embedded())
        .trust_keys(args.keys.keys()?)
        .build()?;
    let bundle = args.bundle.load(&engine)?;
    let evidence = engine.evidence(&bundle, args.bundle.time.at())?;
    serde_json::to_writer_pretty(&mut *out, &evidence).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(ExitStatus::Ok)
}
