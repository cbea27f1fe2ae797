//! `claimgate test [DIR]`: the pack's Rego unit tests, as `opa test` runs them.

use super::args::{formats, Globals, PackDirArgs, TEST_FORMATS};
use super::ExitStatus;
use crate::policy::TestOptions;
use crate::report::{self, Format};
use std::io::Write;

/// Arguments of `claimgate test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    #[command(flatten)]
    pack: PackDirArgs,
    /// Every test with its file and line, and what its `print()` calls wrote
    #[arg(short, long)]
    verbose: bool,
    /// Run only the tests whose rule path (`data.claimgate.claims.test_x`) matches this
    /// regular expression
    #[arg(long, value_name = "REGEX", value_parser = pattern)]
    run: Option<regex::Regex>,
    /// Report the lines of each policy file the tests reached
    #[arg(long)]
    coverage: bool,
    /// Fail (exit 1) when line coverage over the pack's policy files is below N percent
    /// (implies --coverage)
    #[arg(long, value_name = "N", value_parser = percent)]
    threshold: Option<f64>,
    /// Output format
    #[arg(long, value_parser = formats(TEST_FORMATS), default_value = "human")]
    format: Format,
}

fn pattern(s: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(s).map_err(|e| {
        format!(
            "`{s}` is not a regular expression: {}",
            e.to_string().lines().last().unwrap_or_default().trim()
        )
    })
}

fn percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(n) if (0.0..=100.0).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

pub(super) fn run(
    args: &TestArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let pack = args.pack.pack()?;
    let options = TestOptions {
        run: args.run.clone(),
        coverage: args.coverage || args.threshold.is_some(),
    };
    let tested = g.builder(pack).build()?.test_with(&options)?;
    report::render_tests(&tested, args.verbose, args.threshold, args.format, out)?;
    let (_, failed, errors) = tested.counts();
    let below = match (args.threshold, tested.coverage_percent()) {
        (Some(t), Some(p)) => p < t,
        _ => false,
    };
    Ok(if tested.results.is_empty() {
        ExitStatus::NoTests
    } else if failed > 0 || errors > 0 || below {
        ExitStatus::Verdict
    } else {
        ExitStatus::Ok
    })
}
