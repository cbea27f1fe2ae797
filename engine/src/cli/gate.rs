//! `claimgate gate BUNDLE...`: fail a pipeline when a requirement is not met.

use super::args::{formats, Globals, PolicyArgs, TimeArgs, GATE_FORMATS};
use super::ExitStatus;
use crate::decision::Label;
use crate::gate::{self, Requirements, Status};
use crate::report::{self, Format};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `claimgate gate`.
#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// Bundles: directories, manifest files, or quoted glob patterns; a directory without a
    /// manifest stands for its subdirectories that have one; `-` reads one manifest from
    /// standard input
    #[arg(value_name = "BUNDLE", required_unless_present = "from_file")]
    bundles: Vec<String>,
    /// Also gate the bundles this file lists, one path or pattern a line (blank lines and
    /// `#` comments skipped): for corpora longer than a command line takes
    #[arg(long, value_name = "LIST")]
    from_file: Option<PathBuf>,
    /// A claim id every bundle must allow (repeatable); an id not in the catalog is an error
    #[arg(long, value_name = "CLAIM_ID")]
    require: Vec<String>,
    /// Fail a bundle whose label is LABEL or weaker (compute_receipt > verifier_path_record >
    /// deployment_note > benchmark > none)
    #[arg(long, value_enum, value_name = "LABEL")]
    forbid_label: Option<ForbidLabel>,
    /// Sentences or claim ids someone intends to publish: plain text, one per line (`#`
    /// comments), or a YAML list (.yaml/.yml/.json); each must be a catalog claim every bundle
    /// allows
    #[arg(long, value_name = "FILE")]
    claimed: Option<PathBuf>,
    /// Published text (markdown, HTML or plain): each sentence that is a catalog claim, a
    /// blocked sentence or a paraphrase of one must be a claim every bundle allows; the rest
    /// is prose
    #[arg(long, value_name = "FILE", conflicts_with = "claimed")]
    text: Option<PathBuf>,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    time: TimeArgs,
    /// Output format
    #[arg(long, value_parser = formats(GATE_FORMATS), default_value = "human")]
    format: Format,
    /// Most results in the SARIF run (GitHub code scanning takes at most 25,000); the run
    /// counts the results left out
    #[arg(long, value_name = "N", default_value_t = report::SARIF_MAX_RESULTS)]
    max_results: usize,
    /// Also write the report in another format to a file, within the same limits (repeatable),
    /// e.g. `--write sarif=claimgate.sarif --write markdown=$GITHUB_STEP_SUMMARY`
    #[arg(long, value_name = "FORMAT=FILE", value_parser = also_write)]
    write: Vec<(Format, PathBuf)>,
    /// Also write the whole report, in the output format and without the markdown and GitHub
    /// caps (1 MiB, 10 annotations), to this file
    #[arg(long, value_name = "FILE")]
    full_report: Option<PathBuf>,
}

/// The bundle paths a list file names: one a line, blank lines and `#` comments skipped.
fn listed(list: &std::path::Path) -> Result<Vec<String>, crate::Error> {
    let name = list.display().to_string();
    let file = crate::source::SourceFile::read(list, name.clone()).map_err(|e| {
        crate::gate::GateError::List {
            path: name,
            reason: crate::source::io_reason(&e),
        }
    })?;
    Ok(file
        .text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// `FORMAT=FILE`, FORMAT one of the gate's formats.
fn also_write(s: &str) -> Result<(Format, PathBuf), String> {
    let (name, path) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not FORMAT=FILE"))?;
    let format = GATE_FORMATS
        .iter()
        .map(|(f, _)| *f)
        .find(|f| f.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = GATE_FORMATS.iter().map(|(f, _)| f.name()).collect();
            format!("`{name}` is not a gate format ({})", names.join(", "))
        })?;
    if path.is_empty() {
        return Err(format!("`{s}` names no file"));
    }
    Ok((format, PathBuf::from(path)))
}

/// Labels that can be forbidden. Forbidding `compute_receipt` would fail every bundle, so it is
/// not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
enum ForbidLabel {
    /// Demand a compute receipt
    VerifierPathRecord,
    /// Demand at least a verifier-path record
    DeploymentNote,
    /// Demand more than a benchmark (deployment note or stronger)
    Benchmark,
    /// Demand any label at all
    None,
}

impl From<ForbidLabel> for Label {
    fn from(l: ForbidLabel) -> Label {
        match l {
            ForbidLabel::VerifierPathRecord => Label::VerifierPathRecord,
            ForbidLabel::DeploymentNote => Label::DeploymentNote,
            ForbidLabel::Benchmark => Label::Benchmark,
            ForbidLabel::None => Label::None,
        }
    }
}

pub(super) fn run(
    args: &GateArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let engine = args.policy.engine(g)?;
    let reqs = Requirements::new(
        &engine,
        args.require.clone(),
        args.forbid_label.map(Label::from),
        args.claimed.as_deref(),
        args.text.as_deref(),
    )?;
    let mut named = args.bundles.clone();
    if let Some(list) = &args.from_file {
        named.extend(listed(list)?);
    }
    let stdin = named.iter().any(|b| b == "-");
    named.retain(|b| b != "-");
    let mut targets = gate::expand(&named)?;
    if stdin {
        let bytes = crate::bundle::read_stdin(&mut std::io::stdin().lock(), g.limits)?;
        targets.insert(0, gate::Target::Stdin(bytes.into()));
    }
    let result = gate::run(&targets, &engine, args.time.at(), &reqs);
    let limits = report::GateLimits {
        sarif_results: args.max_results,
        capped: true,
    };
    report::render_gate(&result, args.format, limits, out)?;
    for (format, path) in &args.write {
        let mut bytes = Vec::new();
        report::render_gate(&result, *format, limits, &mut bytes)?;
        crate::output::write_file(path, &bytes)?;
    }
    if let Some(path) = &args.full_report {
        let whole = report::GateLimits {
            capped: false,
            ..limits
        };
        let mut bytes = Vec::new();
        report::render_gate(&result, args.format, whole, &mut bytes)?;
        crate::output::write_file(path, &bytes)?;
    }
    Ok(ExitStatus::worst(result.bundles.iter().map(|b| {
        match (&b.error, b.status) {
            (Some(e), _) => ExitStatus::from(&e.error),
            (None, Status::Pass) => ExitStatus::Ok,
            (None, _) => ExitStatus::Verdict,
        }
    })))
}
