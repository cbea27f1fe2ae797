//! `claimgate diff --base A --head B`: what a policy change newly allows or blocks.

use super::args::Globals;
use super::ExitStatus;
use crate::diff::{Change, ChangeKind, Diff};
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
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: DiffFormat,
}

/// Which changes fail a `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A claim newly allowed somewhere
    Widening,
    /// A claim newly blocked somewhere
    Narrowing,
    /// Any change, labels included
    Any,
}

/// Output formats of `diff` and `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Text for people
    Human,
    /// JSON
    Json,
    /// Markdown for a pull-request comment
    Markdown,
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

/// A real bundle whose decision differs between the packs.
#[derive(Debug, serde::Serialize)]
struct CorpusChange {
    bundle: String,
    base: String,
    head: String,
}

fn corpus_bundles(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    if crate::bundle::MANIFEST_NAMES
        .iter()
        .any(|m| dir.join(m).is_file())
    {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for p in entries {
        if p.is_dir() {
            corpus_bundles(&p, out)?;
        } else if p.to_string_lossy().ends_with(".bundle.yaml") {
            out.push(p);
        }
    }
    Ok(())
}

fn summary(d: &crate::decision::Decision) -> String {
    let ids: Vec<&str> = d.allowed.iter().map(|a| a.id.as_str()).collect();
    format!("{}: {}", d.label.name(), ids.join(", "))
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
    let tb = crate::table::build(&base, &space)?;
    // The same pack decides every cell the same way: one table serves both sides.
    let th = if base.pack().digest == head.pack().digest {
        tb.clone()
    } else {
        crate::table::build(&head, &space)?
    };
    let diff = crate::diff::diff(&tb, &th);
    let mut corpus = Vec::new();
    if let Some(dir) = &args.corpus {
        let mut bundles = Vec::new();
        corpus_bundles(dir, &mut bundles)?;
        let at = crate::At::BundleOr(crate::Instant::now());
        let decided = base
            .decide_many(bundles.iter().map(PathBuf::as_path), at)
            .zip(head.decide_many(bundles.iter().map(PathBuf::as_path), at))
            .zip(&bundles);
        for ((db, dh), b) in decided {
            let (db, dh) = (db?.into_decision(), dh?.into_decision());
            if db.label != dh.label || db.allowed != dh.allowed {
                corpus.push(CorpusChange {
                    bundle: b.display().to_string(),
                    base: summary(&db),
                    head: summary(&dh),
                });
            }
        }
    }
    let all: Vec<&Change> = diff
        .widened
        .iter()
        .chain(&diff.narrowed)
        .chain(&diff.labels)
        .collect();
    let mut examples = Vec::new();
    if let Some(dir) = &args.write_examples {
        for c in &all {
            let name = match (&c.claim, c.labels) {
                (Some(id), _) => format!("{}-{id}", c.kind.name()),
                (None, Some((a, b))) => format!("label-{}-to-{}", a.name(), b.name()),
                _ => c.kind.name().to_string(),
            };
            let d = dir.join(name);
            crate::space::write_bundle(&crate::space::cell(c.example), &d)
                .map_err(|e| crate::output::named(&d, &e))?;
            examples.push(d.display().to_string());
        }
    }
    render(args, &diff, &corpus, &examples, out)?;
    let failed = match args.fail_on {
        None => false,
        Some(FailOn::Widening) => !diff.widened.is_empty(),
        Some(FailOn::Narrowing) => !diff.narrowed.is_empty(),
        Some(FailOn::Any) => !diff.is_empty() || !corpus.is_empty(),
    };
    Ok(if failed {
        ExitStatus::Verdict
    } else {
        ExitStatus::Ok
    })
}

fn title(c: &Change) -> String {
    match (&c.claim, c.labels) {
        (Some(id), _) if c.kind == ChangeKind::Widening => format!("newly ALLOWED `{id}`"),
        (Some(id), _) => format!("newly BLOCKED `{id}`"),
        (None, Some((a, b))) => format!("label `{}` → `{}`", a.name(), b.name()),
        _ => c.kind.name().to_string(),
    }
}

fn render(
    args: &DiffArgs,
    diff: &Diff,
    corpus: &[CorpusChange],
    examples: &[String],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let all: Vec<&Change> = diff
        .widened
        .iter()
        .chain(&diff.narrowed)
        .chain(&diff.labels)
        .collect();
    match args.format {
        DiffFormat::Json => {
            let report = serde_json::json!({
                "base": args.base, "head": args.head, "cells": diff.cells,
                "widened": diff.widened, "narrowed": diff.narrowed, "labels": diff.labels,
                "corpus": corpus, "examples": examples,
            });
            serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::from)?;
            writeln!(out)
        }
        DiffFormat::Markdown => {
            writeln!(
                out,
                "### claimgate diff `{}` → `{}`\n",
                args.base, args.head
            )?;
            writeln!(
                out,
                "{} evidence combinations compared: {} widened, {} narrowed, {} label changes.\n",
                diff.cells,
                diff.widened.len(),
                diff.narrowed.len(),
                diff.labels.len()
            )?;
            for c in &all {
                writeln!(out, "#### {} ({} cells)\n", title(c), c.cells)?;
                for d in c.description.iter().take(8) {
                    writeln!(out, "- {d}")?;
                }
                if c.description.len() > 8 {
                    writeln!(out, "- … {} more groups", c.description.len() - 8)?;
                }
                writeln!(
                    out,
                    "\nCounterexample: `{}`\n",
                    crate::space::cell(c.example)
                )?;
            }
            for c in corpus {
                writeln!(out, "- corpus `{}`: {} → {}", c.bundle, c.base, c.head)?;
            }
            Ok(())
        }
        DiffFormat::Human => {
            writeln!(
                out,
                "diff {} → {} over {} cells",
                args.base, args.head, diff.cells
            )?;
            if diff.is_empty() && corpus.is_empty() {
                return writeln!(out, "no change: every cell decides the same");
            }
            for c in &all {
                writeln!(out, "\n{} in {} cells:", title(c), c.cells)?;
                for d in &c.description {
                    writeln!(out, "  where {d}")?;
                }
                writeln!(out, "  e.g. {}", crate::space::cell(c.example))?;
            }
            for c in corpus {
                writeln!(
                    out,
                    "\ncorpus {}:\n  base: {}\n  head: {}",
                    c.bundle, c.base, c.head
                )?;
            }
            for e in examples {
                writeln!(
                    out,
                    "\ncounterexample bundle written: {e}  (claimgate eval {e})"
                )?;
            }
            Ok(())
        }
    }
}
