//! The command-line interface: clap types and one file per subcommand. A subcommand parses its
//! arguments, builds the engine, calls the library for a result, hands it to the reporter its
//! `--format` picks, and maps it to an [`ExitStatus`]. It neither decides nor writes output of
//! its own: that is the library's and `report`'s.
//! Not a stable API; it is public so tests can run subcommands in-process.

mod args;
mod check;
mod diff;
mod eval;
mod evidence;
pub mod exit;
pub use crate::report::diagnostic::to_json as error_to_json;
mod audit;
mod explain;
mod gate;
mod lint;
mod receipt;
mod schema;
mod shell;
mod table;
mod test;
mod verify;

pub use args::{Globals, LimitArgs};
pub use diff::load_pack;
pub use exit::ExitStatus;
pub use schema::RECEIPT_SCHEMA;

use clap::{Parser, Subcommand};
use std::io::Write;

/// The exit-code table every command's help ends with, as a literal for `concat!`.
macro_rules! exit_codes {
    () => {
        "Exit codes (with many bundles the worst wins: errors outrank verdicts):\n  0  ok (every requirement met)\n  1  negative verdict (test failed, gate unmet, invariant broken, diff --fail-on hit, audit error)\n  2  usage error (bad flag or value, a --require id not in the catalog)\n  3  bad input (bundle, claimed file, receipt or key file)\n  4  policy error (pack does not load, compile or evaluate)\n  5  receipt verification failed (verify found a mismatch)"
    };
}

const EXIT_CODES: &str = exit_codes!();

/// claimgate: decide which claims about a compute job its evidence allows.
#[derive(Debug, Parser)]
#[command(name = "claimgate", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// How errors are printed on stderr
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "human",
        env = "CLAIMGATE_ERROR_FORMAT"
    )]
    pub error_format: ErrorFormat,
    /// Limits on what one bundle may cost to load
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Threads to decide bundles on (default: the machine's parallelism)
    #[arg(long, global = true, value_name = "N", env = "CLAIMGATE_THREADS")]
    pub threads: Option<std::num::NonZeroUsize>,
    /// The subcommand
    #[command(subcommand)]
    pub command: Command,
}

/// Error rendering on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ErrorFormat {
    /// Graphical, with source snippets
    Human,
    /// Plain text, no drawing characters (screen readers, logs)
    Plain,
    /// One JSON object per error
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decide which claims an evidence bundle allows
    #[command(after_help = concat!(
        "Examples:\n",
        "  claimgate eval testdata/bundles/full_pass\n",
        "  claimgate eval bundle.yaml --format json --receipt receipt.json\n",
        "  cat bundle.yaml | claimgate eval -        # documents read from the working directory\n",
        "  claimgate eval BUNDLE --policy-dir my-pack --at 2026-11-25T12:00:00Z\n\n",
        exit_codes!()
    ))]
    Eval(eval::EvalArgs),
    /// Why a claim is allowed or blocked for a bundle: the rule conditions that held or stopped
    /// it, and the evidence they read
    #[command(after_help = EXIT_CODES)]
    Explain(explain::ExplainArgs),
    /// Print the normalized evidence document (`claimgate.evidence/v2`) that policies see as `input`
    #[command(after_help = EXIT_CODES)]
    Evidence(evidence::EvidenceArgs),
    /// Fail a CI pipeline when bundles do not allow the required or claimed claims
    #[command(after_help = concat!(
        "Examples:\n",
        "  claimgate gate 'bundles/*' --require job.ran_under_policy\n",
        "  claimgate gate bundles --claimed release-notes.txt --format github\n",
        "  claimgate gate bundles --text article.md --write sarif=claimgate.sarif\n",
        "  find . -name bundle.yaml > list.txt && claimgate gate --from-file list.txt\n\n",
        exit_codes!()
    ))]
    Gate(gate::GateArgs),
    /// Print the canonical receipt of a bundle's decision (optionally as a signed in-toto Statement)
    #[command(after_help = concat!(
        "Examples:\n",
        "  claimgate receipt testdata/bundles/full_pass > receipt.json\n",
        "  claimgate receipt BUNDLE --sign key.pem > receipt.dsse.json\n\n",
        exit_codes!()
    ))]
    Receipt(receipt::ReceiptArgs),
    /// Verify a receipt: its own digest, its signature, and a replay from the bundle
    #[command(after_help = concat!(
        "Examples:\n",
        "  claimgate verify receipt.json --bundle testdata/bundles/full_pass\n",
        "  claimgate verify receipt.dsse.json --key key.pub\n\n",
        exit_codes!()
    ))]
    Verify(verify::VerifyArgs),
    /// Audit a receipt a provider published (author-model shape): what its own fields support
    #[command(after_help = concat!(
        "Examples:\n",
        "  claimgate audit testdata/review/receipt.json\n",
        "  claimgate audit testdata/review/receipt.json --bundle testdata/review/bundle \\\n",
        "      --text testdata/review/article.md\n\n",
        exit_codes!()
    ))]
    Audit(audit::AuditArgs),
    /// Print a JSON Schema (bundle, evidence, decision, receipt, catalog, upstream)
    #[command(after_help = EXIT_CODES)]
    Schema(schema::SchemaArgs),
    /// The decision of every cell of the evidence space (CSV, JSON, or grouped markdown)
    #[command(after_help = EXIT_CODES)]
    Table(table::TableArgs),
    /// What a policy change newly allows or blocks, over every evidence combination
    #[command(after_help = concat!(
        "Examples:\n",
        "  claimgate diff --base embedded --head my-pack\n",
        "  claimgate diff --base main --head my-pack --fail-on widening --format markdown\n\n",
        exit_codes!()
    ))]
    Diff(diff::DiffArgs),
    /// Check the design's invariants over every evidence combination
    #[command(after_help = EXIT_CODES)]
    Check(check::CheckArgs),
    /// Run the `test_*` rules of a policy pack's `*_test.rego` files
    #[command(after_help = EXIT_CODES)]
    Test(test::TestArgs),
    /// Advice about a policy pack: unused rules, catalog claims no rule allows, long lines
    #[command(after_help = EXIT_CODES)]
    Lint(lint::LintArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(shell::CompletionsArgs),
    /// Print the man page (roff), every subcommand included
    Man,
}

/// Runs a parsed command, writing results to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitStatus, crate::Error> {
    let g = &Globals {
        limits: cli.limits.limits(),
        threads: cli.threads,
        progress: progress(&cli.command),
    };
    let result = match &cli.command {
        Command::Eval(a) => eval::run(a, g, out),
        Command::Evidence(a) => evidence::run(a, g, out),
        Command::Explain(a) => explain::run(a, g, out),
        Command::Receipt(a) => receipt::run(a, g, out),
        Command::Verify(a) => verify::run(a, g, out),
        Command::Audit(a) => audit::run(a, g, out),
        Command::Schema(a) => schema::run(a, out),
        Command::Gate(a) => gate::run(a, g, out),
        Command::Table(a) => table::run(a, g, out),
        Command::Diff(a) => diff::run(a, g, out),
        Command::Check(a) => check::run(a, g, out),
        Command::Test(a) => test::run(a, g, out),
        Command::Lint(a) => lint::run(a, g, out),
        Command::Completions(a) => shell::completions(a, out),
        Command::Man => shell::man(out),
    };
    if let Some(bar) = &g.progress {
        bar.finish_and_clear();
    }
    result
}

/// A running count of decisions on stderr for the commands that decide many bundles or cells,
/// when a person is watching (stderr is a terminal); nothing otherwise, so logs and pipes stay
/// clean.
fn progress(command: &Command) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal as _;
    let what = match command {
        Command::Gate(_) => "bundles",
        Command::Table(_) | Command::Check(_) => "cells",
        Command::Diff(_) => "cells and bundles",
        _ => return None,
    };
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let style = indicatif::ProgressStyle::with_template(&format!(
        "{{spinner}} {{human_pos}} {what} decided ({{elapsed}})"
    ))
    .ok()?;
    let bar = indicatif::ProgressBar::new_spinner().with_style(style);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}
