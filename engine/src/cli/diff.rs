//! `claimgate diff --base A --head B`: what a policy change newly allows or blocks.

use super::args::{formats, Globals, DIFF_FORMATS};
use super::ExitStatus;
use crate::diff::DiffReport;
use crate::report::{self, Format};
use crate::{Engine, Error, Pack};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `claimgate diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The pack before: a pack directory, `embedded`, or a git revision of this repository
    #[arg(long, value_name = "PACK")]
    pub base: String,
    /// The pack after (same forms as --base)
    #[arg(long, value_name = "PACK")]
    pub head: String,
    #[command(flatten)]
    pub space: super::args::SpaceArgs,
    /// Upstream policies run next to both packs
    #[arg(long, value_name = "FILE")]
    pub upstream: Option<PathBuf>,
    /// Also compare the decisions on every bundle under this directory
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Write one counterexample bundle per change into this directory
    #[arg(long, value_name = "DIR")]
    pub write_examples: Option<PathBuf>,
    /// Exit 1 when the diff has changes of this kind
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// An input path a changed rule reads that the diff may leave unvaried without failing
    /// `--fail-on widening` (as the report writes it: `runtime.attestations[].region`)
    #[arg(long, value_name = "PATH")]
    pub allow_uncovered: Vec<String>,
    /// Output format
    #[arg(long, value_parser = formats(DIFF_FORMATS), default_value = "human")]
    pub format: Format,
}

/// Which changes fail a `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A claim newly allowed somewhere (over the space, its derived part or a `--corpus`
    /// bundle), a catalog change that widens (a claim added, a requirement dropped, a blocked
    /// sentence removed or reworded, labels or claim limits changed), or a path a changed rule
    /// reads that the diff could not vary (unless `--allow-uncovered` names it)
    Widening,
    /// A claim newly blocked somewhere (over the space, its derived part or a `--corpus`
    /// bundle)
    Narrowing,
    /// Any change, labels included
    Any,
}

/// A pack named on the command line: `embedded`, a pack directory, or a git revision of the
/// repository claimgate runs in (`origin/main`, a commit).
pub fn load_pack(spec: &str) -> Result<Pack, Error> {
    if spec == "embedded" {
        return Ok(Pack::embedded());
    }
    let path = Path::new(spec);
    if path.is_dir() {
        return Ok(Pack::from_dir(path)?);
    }
    Ok(Pack::from_git(spec)?)
}

pub(super) fn run(args: &DiffArgs, g: &Globals, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    let engine = |spec: &str| -> Result<Engine, Error> {
        let mut builder = g.builder(load_pack(spec)?);
        if let Some(u) = &args.upstream {
            builder = builder.upstream(u);
        }
        builder.build()
    };
    let (base, head) = (engine(&args.base)?, engine(&args.head)?);
    let space = args.space.space();
    let mut found = DiffReport::build(&args.base, &base, &args.head, &head, &space)?;
    if let Some(dir) = &args.corpus {
        found.compare_corpus(&base, &head, dir)?;
    }
    if let Some(dir) = &args.write_examples {
        found.write_examples(dir)?;
    }
    report::render_diff(&found, args.format, out)?;
    let failed = match args.fail_on {
        None => false,
        Some(FailOn::Widening) => {
            found.widens()
                || !found
                    .derived
                    .uncovered_changed(&args.allow_uncovered)
                    .is_empty()
        }
        Some(FailOn::Narrowing) => found.narrows(),
        Some(FailOn::Any) => !found.is_empty(),
    };
    Ok(if failed {
        ExitStatus::Verdict
    } else {
        ExitStatus::Ok
    })
}
