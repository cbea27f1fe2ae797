//! `claimgate check`: verify the design's invariants over the evidence space (the whole space
//! by default; `--space quick` for the quick sub-space).

use super::args::{Globals, PolicyArgs};
use super::ExitStatus;
use std::io::Write;

/// Arguments of `claimgate check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    space: super::args::SpaceArgs,
    /// Write one counterexample bundle per violated invariant into this directory
    #[arg(long, value_name = "DIR")]
    pub write_examples: Option<std::path::PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::diff::DiffFormat,
}

pub(super) fn run(
    args: &CheckArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let engine = args.policy.engine(g)?;
    let table = crate::table::build(&engine, &args.space.space())?;
    let violations = crate::invariant::check(&engine, &table)?;
    if let Some(dir) = &args.write_examples {
        for v in &violations {
            let d = dir.join(v.invariant.replace(' ', "-"));
            crate::space::write_bundle(&crate::space::cell(v.example_cell), &d)
                .map_err(|e| crate::output::named(&d, &e))?;
        }
    }
    match args.format {
        super::diff::DiffFormat::Json => {
            let report = serde_json::json!({"cells": table.outcomes.len(), "ok": violations.is_empty(), "violations": violations});
            serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        _ => {
            writeln!(
                out,
                "checked {} cells against 6 invariants",
                table.outcomes.len()
            )?;
            for v in &violations {
                writeln!(out, "\nVIOLATED {} ({} cases)", v.invariant, v.count)?;
                for e in &v.examples {
                    writeln!(out, "  - {e}")?;
                }
                if let Some(dir) = &args.write_examples {
                    writeln!(
                        out,
                        "  counterexample bundle: {}",
                        dir.join(v.invariant.replace(' ', "-")).display()
                    )?;
                }
            }
            if violations.is_empty() {
                writeln!(
                    out,
                    "ok: monotone, box isolation, label gate, denial floor, blocklist, determinism"
                )?;
            }
        }
    }
    Ok(if violations.is_empty() {
        ExitStatus::Ok
    } else {
        ExitStatus::Verdict
    })
}
