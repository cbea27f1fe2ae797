//! `claimgate eval BUNDLE`

use super::args::{formats, BundleArgs, Globals, PolicyArgs, EVAL_FORMATS};
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
    #[arg(long, value_parser = formats(EVAL_FORMATS), default_value = "human")]
    pub format: Format,
    /// Also write the decision's canonical receipt to this file
    #[arg(long, value_name = "OUT.json")]
    pub receipt: Option<std::path::PathBuf>,
    #[command(flatten)]
    receipt_out: super::receipt::ReceiptOut,
}

pub(super) fn run(
    args: &EvalArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let engine = args.policy.engine(g)?;
    let a = engine.decide(&args.bundle.load(&engine)?, args.bundle.time.at())?;
    if let Some(path) = &args.receipt {
        let doc = args.receipt_out.wrap(&a.receipt().to_value())?;
        crate::output::write_file(path, &crate::jcs::to_vec(&doc))?;
    } else if args.receipt_out.sign.is_some() || args.receipt_out.statement {
        return Err(crate::UsageError {
            message: "--sign and --statement shape the receipt file, and no --receipt was given"
                .into(),
            help: Some("give --receipt OUT.json too, or use `claimgate receipt`".into()),
        }
        .into());
    }
    report::render(a.decision(), args.format, out)?;
    Ok(ExitStatus::Ok)
}
