//! `claimgate test`

use super::args::PackArgs;
use super::ExitStatus;
use crate::policy::{run_tests, TestOutcome};
use std::io::Write;

/// Arguments of `claimgate test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    #[command(flatten)]
    policy: PackArgs,
}

pub(super) fn run(args: &TestArgs, out: &mut dyn Write) -> Result<ExitStatus, crate::Error> {
    let results = run_tests(&args.policy.pack()?)?;
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
