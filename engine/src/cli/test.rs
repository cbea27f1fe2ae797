//! `claimgate test`

use super::args::{Globals, PackArgs};
use super::ExitStatus;
use crate::policy::TestOutcome;
use crate::report::{self, Format};
use std::io::Write;

/// Arguments of `claimgate test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    #[command(flatten)]
    policy: PackArgs,
}

pub(super) fn run(
    args: &TestArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let results = g.builder(args.policy.pack()?).build()?.test()?;
    report::render_tests(&results, Format::Human, out)?;
    // A pack without tests proves nothing: that is not a pass.
    let passed = results.iter().all(|r| r.outcome == TestOutcome::Pass);
    Ok(if passed && !results.is_empty() {
        ExitStatus::Ok
    } else {
        ExitStatus::Verdict
    })
}
