//! `claimgate receipt BUNDLE`: print the canonical receipt (or its Statement or signed envelope).

use super::args::{BundleArgs, Globals, PolicyArgs};
use super::ExitStatus;
use crate::envelope::Wrap;
use crate::Error;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `claimgate receipt`.
#[derive(Debug, clap::Args)]
pub struct ReceiptArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    out: ReceiptOut,
}

/// How a receipt is written.
#[derive(Debug, Clone, clap::Args)]
pub struct ReceiptOut {
    /// Sign the receipt: wrap it in an in-toto Statement inside a DSSE envelope signed with
    /// this Ed25519 private key (PKCS#8 PEM)
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// Wrap the receipt in an (unsigned) in-toto Statement
    #[arg(long, conflicts_with = "sign")]
    pub statement: bool,
}

impl ReceiptOut {
    /// The receipt as written: bare, as a Statement, or as a signed envelope.
    pub fn wrap(&self, receipt: &serde_json::Value) -> Result<serde_json::Value, Error> {
        crate::envelope::wrap(receipt, Wrap::of(self.sign.as_deref(), self.statement))
    }
}

pub(super) fn run(
    args: &ReceiptArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let engine = args.policy.engine(g)?;
    let a = engine.decide(&args.bundle.load(&engine)?, args.bundle.time.at())?;
    let doc = args.out.wrap(&a.receipt().to_value())?;
    out.write_all(&crate::jcs::to_vec(&doc))?;
    writeln!(out)?;
    Ok(ExitStatus::Ok)
}
