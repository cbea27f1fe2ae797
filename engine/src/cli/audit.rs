//! `claimgate audit RECEIPT`: whether a receipt a provider published says no more than its own
//! fields support.

use super::args::{formats, Globals, PolicyArgs, TimeArgs, AUDIT_FORMATS};
use super::ExitStatus;
use crate::report::{self, Format};
use crate::Error;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `claimgate audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// A receipt: in the author-model shape (JSON: `allowed_claim`, `blocked_claims`, …), or one
    /// claimgate wrote (checked as `verify` checks it)
    pub receipt: PathBuf,
    /// The bundle the receipt summarizes: its digests must be the receipt's, and its evidence,
    /// decided again, must support the allowed claim
    #[arg(long, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    /// Published text around the receipt (markdown, HTML or plain text): each sentence set
    /// against the catalog and the evidence
    #[arg(long, value_name = "FILE")]
    pub text: Option<PathBuf>,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    time: TimeArgs,
    /// Output format
    #[arg(long, value_parser = formats(AUDIT_FORMATS), default_value = "human")]
    pub format: Format,
}

pub(super) fn run(args: &AuditArgs, g: &Globals, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    let engine = args.policy.engine(g)?;
    let audit = crate::audit(
        &engine,
        &args.receipt,
        args.bundle.as_deref(),
        args.text.as_deref(),
        args.time.at(),
    )?;
    report::render_audit(&audit, args.format, out)?;
    Ok(if audit.ok() {
        ExitStatus::Ok
    } else {
        ExitStatus::Verdict
    })
}
