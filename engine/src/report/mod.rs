//! Reporters: render a decision, or a gate report. They know the decision and the gate's
//! findings, and nothing about Rego or files.
//!
//! One file per format. `eval` writes one decision (`human`, `json`); `gate` writes a
//! [`GateReport`] in every format CI systems read (`human`, `json`, `junit`, `sarif`,
//! `github`, `markdown`). Every format is deterministic: the same report gives the same bytes,
//! with paths as given (never made absolute).

mod github;
mod human;
mod json;
mod junit;
mod markdown;
mod sarif;

use crate::decision::{Decision, Rewrite};
use crate::gate::{GateReport, Location};
use std::io::{self, Write};

/// Output formats of `claimgate eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people
    Human,
    /// The decision as JSON (`claimgate.decision/v1`, keys in a fixed order)
    Json,
}

/// Output formats of `claimgate gate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GateFormat {
    /// Text for people; errors drawn with their source spans
    Human,
    /// The gate report as JSON (`claimgate.gate/v1`, keys in a fixed order)
    Json,
    /// JUnit XML: one testcase per bundle and requirement (GitLab, Jenkins, ...)
    Junit,
    /// SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, ...)
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...,line=...::...`)
    Github,
    /// Markdown for a pull-request comment
    Markdown,
}

/// Writes one decision in the chosen format.
pub fn render(decision: &Decision, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(decision, w),
        Format::Json => json::write(decision, w),
    }
}

/// Writes a gate report in the chosen format.
pub fn render_gate(report: &GateReport, format: GateFormat, w: &mut dyn Write) -> io::Result<()> {
    match format {
        GateFormat::Human => human::write_gate(report, w),
        GateFormat::Json => json::write_gate(report, w),
        GateFormat::Junit => junit::write(report, w),
        GateFormat::Sarif => sarif::write(report, w),
        GateFormat::Github => github::write(report, w),
        GateFormat::Markdown => markdown::write(report, w),
    }
}

/// `file` or `file:line`.
fn at(l: &Location) -> String {
    match l.line {
        Some(n) => format!("{}:{n}", l.file),
        None => l.file.clone(),
    }
}

/// "say instead" text for a safer rewrite, saying whether this bundle allows it.
fn say_instead(s: &Rewrite) -> String {
    let caveat = if s.allowed {
        ""
    } else {
        " (this bundle's evidence does not allow it either)"
    };
    format!("say instead (`{}`): \"{}\"{caveat}", s.id, s.sentence)
}

/// The one-line summary every format ends with.
fn summary_line(r: &GateReport) -> String {
    let verdict = match r.status {
        crate::gate::Status::Pass => "passed",
        crate::gate::Status::Fail => "failed",
        crate::gate::Status::Error => "failed with errors",
    };
    format!("claimgate gate {verdict}: {}", counts(r))
}

/// `3 bundles: 1 passed, 1 failed, 1 error`.
fn counts(r: &GateReport) -> String {
    let s = &r.summary;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}: {} passed, {} failed, {}",
        plural(s.bundles, "bundle"),
        s.passed,
        s.failed,
        plural(s.errors, "error")
    )
}

/// The requirements in one line; claimed items are counted, not repeated.
fn requirements_line(r: &GateReport) -> String {
    use crate::gate::RequirementKind;
    let mut parts: Vec<String> = r
        .requirements
        .iter()
        .filter(|q| q.kind != RequirementKind::Claimed)
        .map(|q| q.name.clone())
        .collect();
    let claimed: Vec<_> = r
        .requirements
        .iter()
        .filter(|q| q.kind == RequirementKind::Claimed)
        .collect();
    if let Some(first) = claimed.first() {
        let file = first
            .location
            .as_ref()
            .map(|l| format!(" from {}", l.file))
            .unwrap_or_default();
        let n = claimed.len();
        parts.push(format!(
            "claimed ({n} item{}{file})",
            if n == 1 { "" } else { "s" }
        ));
    }
    parts.join("; ")
}
