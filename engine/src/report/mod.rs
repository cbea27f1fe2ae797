//! Reporters: render a decision, or a gate report. They know the decision and the gate's
//! findings, and nothing about Rego or files.
//!
//! One file per format. `eval` writes one decision (`human`, `json`); `gate` writes a
//! [`GateReport`] in every format CI systems read (`human`, `json`, `junit`, `sarif`,
//! `github`, `markdown`). Every format is deterministic: the same report gives the same bytes,
//! with paths as given (never made absolute).
//!
//! Every byte of a bundle is untrusted, and so are paths and claimed files: the formats people
//! read (`human`, `markdown`, `github`, and the message texts of `junit` and `sarif`) pass all
//! such text through [`printable`], so no input can start a line, move the cursor, recolour a
//! terminal or reorder what a reviewer reads. `json` keeps the exact strings (JSON escapes
//! control characters itself).

mod github;
mod human;
mod json;
mod junit;
mod markdown;
mod sarif;

use crate::decision::{Decision, Rewrite};
use crate::gate::{GateReport, Location};
use std::borrow::Cow;
use std::io::{self, Write};

/// Whether a character must not reach a terminal, a log line or a rendered comment as itself:
/// C0 and C1 control characters and DEL (newlines, carriage returns, ANSI escapes, next-line),
/// the bidirectional formatting characters (embeddings, overrides, isolates, marks), the line
/// and paragraph separators, and invisible characters that hide text (zero-width space, word
/// joiner, byte-order mark).
fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Text as it may be shown to a person: every control, bidirectional-formatting, separator or
/// invisible character written as a visible escape (`\n`, `\r`, `\t`, else e.g. `\u{1b}`),
/// everything else as it is. Text without such characters is returned as it is, uncopied.
/// A backslash is kept as it is: an escape only ever makes text longer, never a line break.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unprintable) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unprintable(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

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
        Some(n) => format!("{}:{n}", printable(&l.file)),
        None => printable(&l.file).into_owned(),
    }
}

/// "say instead" text for a safer rewrite, saying whether this bundle allows it.
fn say_instead(s: &Rewrite) -> String {
    let caveat = if s.allowed {
        ""
    } else {
        " (this bundle's evidence does not allow it either)"
    };
    format!(
        "say instead (`{}`): \"{}\"{caveat}",
        printable(&s.id),
        printable(&s.sentence)
    )
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
        .map(|q| printable(&q.name).into_owned())
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
            .map(|l| format!(" from {}", printable(&l.file)))
            .unwrap_or_default();
        let n = claimed.len();
        parts.push(format!(
            "claimed ({n} item{}{file})",
            if n == 1 { "" } else { "s" }
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprintable_characters_become_visible_escapes() {
        assert_eq!(printable("nvidia-nras"), "nvidia-nras");
        assert!(matches!(printable("plain text: a, b."), Cow::Borrowed(_)));
        assert_eq!(printable("a\nlabel: x"), "a\\nlabel: x");
        assert_eq!(printable("a\rb\tc"), "a\\rb\\tc");
        assert_eq!(printable("\u{1b}[2Kx"), "\\u{1b}[2Kx");
        assert_eq!(printable("a\u{85}b\u{7f}"), "a\\u{85}b\\u{7f}");
        assert_eq!(
            printable("x\u{202E}y\u{2066}z\u{2028}"),
            "x\\u{202e}y\\u{2066}z\\u{2028}"
        );
        assert_eq!(printable("caf\u{e9} \u{2713}"), "caf\u{e9} \u{2713}");
    }

    #[test]
    fn nothing_unprintable_survives() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!printable(&all).chars().any(unprintable));
    }
}
