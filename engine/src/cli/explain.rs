//! `claimgate explain BUNDLE --claim ID`: why a claim is allowed or blocked.

use super::args::{formats, BundleArgs, Globals, PolicyArgs, EXPLAIN_FORMATS};
use super::ExitStatus;
use crate::report::{self, Format};
use std::io::Write;

/// Arguments of `claimgate explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// The claim id (`job.ran_under_policy`)
    #[arg(long, value_name = "ID")]
    claim: String,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Output format
    #[arg(long, value_parser = formats(EXPLAIN_FORMATS), default_value = "human")]
    format: Format,
}

pub(super) fn run(
    args: &ExplainArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let engine = args.policy.engine(g)?;
    let bundle = args.bundle.load(&engine)?;
    if !engine.catalog().claims.iter().any(|c| c.id == args.claim) {
        return Err(crate::UsageError {
            message: format!("`{}` is not a claim of the pack's catalog", args.claim),
            help: Some("the catalog's claim ids are in claims/catalog.yaml".into()),
        }
        .into());
    }
    let e = engine.explain(&bundle, args.bundle.time.at(), &args.claim)?;
    report::render_explanation(&e, args.format, out)?;
    Ok(ExitStatus::Ok)
}
