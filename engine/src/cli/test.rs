//! `claimgate test`

use super::args::{Globals, PackArgs};
use super::ExitStatus;
use crate::policy::TestOutcome;
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
    let (mut passed, mut failed) = (0, 0);
    for r in &results {
        match &r.outcome {
            TestOutcome::Pass => {
                passed += 1;
                writeln!(out, "PASS {}", r.rule)?;
            }
            TestOutcome::Fail => {
                failed += 1;
                writeln!(out, "FAIL {} ({})", r.rule, r.file)?;
            }
            TestOutcome::Error(e) => {
                failed += 1;
                writeln!(out, "ERROR {} ({}): {e}", r.rule, r.file)?;
            }
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    Ok(if failed == 0 && passed > 0 {
        ExitStatus::Ok
    } else {
        ExitStatus::Verdict
    })
}
