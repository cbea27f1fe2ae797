//! `claimgate verify RECEIPT`: recompute every digest and the decision, report each mismatch.

use super::args::{formats, Globals, PolicyArgs, VERIFY_FORMATS};
use super::ExitStatus;
use crate::receipt::ReceiptFile;
use crate::report::{self, Format};
use crate::Error;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `claimgate verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A receipt, in-toto Statement or DSSE envelope written by `claimgate receipt`/`eval --receipt`
    pub receipt: PathBuf,
    /// The bundle the receipt is about: replay the decision from it
    #[arg(long, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Ed25519 public key (PEM) to check the envelope's signature with
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Output format
    #[arg(long, value_parser = formats(VERIFY_FORMATS), default_value = "human")]
    pub format: Format,
}

pub(super) fn run(
    args: &VerifyArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let file = ReceiptFile::read(&args.receipt, args.key.as_deref())?;
    let found = match &args.bundle {
        None => file.verify(None),
        Some(bundle) => {
            let engine = args.policy.engine(g)?;
            engine.verify(&file, Some(&engine.load(bundle)?))?
        }
    };
    report::render_verification(&found, args.format, out)?;
    Ok(if found.ok() {
        ExitStatus::Ok
    } else {
        ExitStatus::Receipt
    })
}
