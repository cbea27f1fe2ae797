//! Reporters: every command's output. Each reads a result type the library built and writes
//! it in one format: a [`Decision`] (`eval`), a [`GateReport`] (`gate`), a [`Table`] (`table`),
//! a [`DiffReport`] (`diff`), a [`CheckReport`] (`check`), a [`Verification`] (`verify`) and
//! [`TestReport`]s (`test`). Reporters never see Rego, never read or write a file, and know
//! nothing of the command line: `cli` parses `--format` into a [`Format`] and calls the
//! command's `render_*` function, which dispatches over the formats that command offers.
//!
//! One file per format, as conftest's outputters and ripgrep's printers are split:
//!
//! | format | file | commands |
//! |---|---|---|
//! | `human` | `human.rs` | eval, gate, diff, check, verify, test |
//! | `json` | `json.rs` | eval, gate, table, diff, check, verify |
//! | `markdown` | `markdown.rs` | gate, table, diff (`check` offers it and writes its human text) |
//! | `csv` | `csv.rs` | table |
//! | `junit`, `sarif`, `github` | `junit.rs`, `sarif.rs`, `github.rs` | gate |
//!
//! Every format is deterministic: the same result gives the same bytes, with paths as given
//! (never made absolute).
//!
//! Every byte of a bundle is untrusted, and so are paths and claimed files: the decision and
//! gate formats people read (`human`, `markdown`, `github`, and the message texts of `junit`
//! and `sarif`) pass all such text through [`printable`], so no input can start a line, move
//! the cursor, recolour a terminal or reorder what a reviewer reads. `json` keeps the exact
//! strings (JSON escapes control characters itself).

mod csv;
pub(crate) mod diagnostic;
mod github;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
mod sarif;

use crate::decision::{Decision, Rewrite};
use crate::diff::{Change, ChangeKind, DiffReport};
use crate::gate::{GateReport, Location};
use crate::invariant::CheckReport;
use crate::policy::TestReport;
use crate::receipt::Verification;
use crate::table::Table;
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

/// Every output format claimgate writes. Each command offers some of them: its reporter
/// says which, and the command line offers just those.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for people
    Human,
    /// JSON, keys in a fixed order
    Json,
    /// Markdown for a pull-request comment
    Markdown,
    /// Comma-separated values, one row per record
    Csv,
    /// JUnit XML
    Junit,
    /// SARIF 2.1.0
    Sarif,
    /// GitHub Actions workflow commands
    Github,
    /// A self-contained HTML page
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Json,
        Format::Markdown,
        Format::Csv,
        Format::Junit,
        Format::Sarif,
        Format::Github,
        Format::Html,
    ];

    /// The format's name on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Csv => "csv",
            Format::Junit => "junit",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Html => "html",
        }
    }

    /// The format of a name, when there is one.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The error of a reporter asked for a format its command does not offer. The command line
/// offers each command only its own formats, so no user sees it.
fn unsupported(command: &str, format: Format) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("`{command}` has no {} output", format.name()),
    )
}

/// Writes one decision in the chosen format.
pub fn render(decision: &Decision, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(decision, w),
        Format::Json => json::write(decision, w),
        other => Err(unsupported("eval", other)),
    }
}

/// Most results one SARIF run holds: GitHub code scanning accepts at most 25,000 results per
/// run. `gate --max-results` lowers it.
pub const SARIF_MAX_RESULTS: usize = 25_000;

/// Most bundles a grouped SARIF result names; it counts the rest.
pub const SARIF_BUNDLES_NAMED: usize = 100;

/// Most bytes of the markdown summary: GitHub's job summary takes at most 1 MiB per step.
pub const MARKDOWN_MAX_BYTES: usize = 1 << 20;

/// Most `::error` annotations `--format github` writes: GitHub shows at most 10 error
/// annotations per step. The last one says how many more there are; those are written as
/// plain log lines, so none is lost.
pub const GITHUB_MAX_ANNOTATIONS: usize = 10;

/// How a gate report is bounded for the systems that read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateLimits {
    /// Most SARIF results ([`SARIF_MAX_RESULTS`])
    pub sarif_results: usize,
    /// Whether the markdown and GitHub outputs are capped ([`MARKDOWN_MAX_BYTES`],
    /// [`GITHUB_MAX_ANNOTATIONS`]); `false` writes them whole (`--full-report`)
    pub capped: bool,
}

/// Writes a gate report in the chosen format, within `limits`.
pub fn render_gate(
    report: &GateReport,
    format: Format,
    limits: GateLimits,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write_gate(report, w),
        Format::Json => json::write_gate(report, w),
        Format::Junit => junit::write(report, w),
        Format::Sarif => sarif::write(report, limits.sarif_results, w),
        Format::Github if limits.capped => github::write(report, GITHUB_MAX_ANNOTATIONS, w),
        Format::Github => github::write(report, usize::MAX, w),
        Format::Markdown if limits.capped => markdown::write_capped(report, MARKDOWN_MAX_BYTES, w),
        Format::Markdown => markdown::write(report, w),
        other => Err(unsupported("gate", other)),
    }
}

/// Writes the decision table (`claimgate table`): `csv`, `json` or `markdown`.
pub fn render_table(table: &Table, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Csv => csv::write_table(table, w),
        Format::Json => json::write_table(table, w),
        Format::Markdown => markdown::write_table(table, w),
        other => Err(unsupported("table", other)),
    }
}

/// Writes what `claimgate diff` found: `human`, `json`, `markdown` or `html`.
pub fn render_diff(report: &DiffReport, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write_diff(report, w),
        Format::Json => json::write_diff(report, w),
        Format::Markdown => markdown::write_diff(report, w),
        Format::Html => html::write_diff(report, w),
        other => Err(unsupported("diff", other)),
    }
}

/// Writes what `claimgate check` found: `human` or `json`. `markdown` is offered too and
/// writes the human text, as it always has.
pub fn render_check(report: &CheckReport, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human | Format::Markdown => human::write_check(report, w),
        Format::Json => json::write_check(report, w),
        other => Err(unsupported("check", other)),
    }
}

/// Writes what verifying a receipt found (`claimgate verify`): `human` or `json`.
pub fn render_verification(
    verification: &Verification,
    format: Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write_verification(verification, w),
        Format::Json => json::write_verification(verification, w),
        other => Err(unsupported("verify", other)),
    }
}

/// Writes `claimgate audit`'s findings: `human` or `json`.
pub fn render_audit(audit: &crate::Audit, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write_audit(audit, w),
        Format::Json => json::write_audit(audit, w),
        other => Err(unsupported("audit", other)),
    }
}

/// Writes `claimgate lint`'s findings: `human` or `json`.
pub fn render_lint(
    findings: &[crate::policy::Finding],
    format: Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => {
            for f in findings {
                writeln!(
                    w,
                    "{}:{}: {}: {}",
                    printable(&f.file),
                    f.line,
                    f.code,
                    printable(&f.message)
                )?;
            }
            writeln!(
                w,
                "{} finding{}",
                findings.len(),
                if findings.len() == 1 { "" } else { "s" }
            )
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &serde_json::json!({"findings": findings}))?;
            writeln!(w)
        }
        Format::Sarif => sarif::write_lint(findings, w),
        other => Err(unsupported("lint", other)),
    }
}

/// Writes why a claim is allowed or blocked (`claimgate explain`): `human` or `json`.
pub fn render_explanation(
    e: &crate::Explanation,
    format: Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write_explanation(e, w),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, e)?;
            writeln!(w)
        }
        other => Err(unsupported("explain", other)),
    }
}

/// Writes the results of a pack's Rego unit tests (`claimgate test`): `human`, `json` or
/// `junit`.
pub fn render_tests(
    report: &TestReport,
    verbose: bool,
    threshold: Option<f64>,
    format: Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write_tests(report, verbose, threshold, w),
        Format::Json => json::write_tests(report, threshold, w),
        Format::Junit => junit::write_tests(report, w),
        other => Err(unsupported("test", other)),
    }
}

/// Lines as ranges: `3, 7-9, 12`.
fn line_ranges(lines: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(&start) = lines.get(i) {
        let mut end = start;
        while lines
            .get(i + 1)
            .is_some_and(|n| Some(*n) == end.checked_add(1))
        {
            i += 1;
            end = lines.get(i).copied().unwrap_or(end);
        }
        out.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}

/// What a change does, for a heading: `newly ALLOWED `id``, `newly BLOCKED `id`` or
/// `label `a` → `b``.
fn change_title(c: &Change) -> String {
    match (&c.claim, c.labels) {
        (Some(id), _) if c.kind == ChangeKind::Widening => format!("newly ALLOWED `{id}`"),
        (Some(id), _) => format!("newly BLOCKED `{id}`"),
        (None, Some((a, b))) => format!("label `{}` → `{}`", a.name(), b.name()),
        _ => c.kind.name().to_string(),
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

/// What a diff covered, in one line: the features the evidence space varies, and how the
/// input paths the packs read were covered.
fn diff_coverage(r: &DiffReport) -> String {
    use crate::diff::Coverage;
    let features: Vec<&str> = crate::space::FEATURES.iter().map(|f| f.name).collect();
    let d = &r.derived;
    let count = |f: fn(&Coverage) -> bool| d.paths.iter().filter(|p| f(&p.coverage)).count();
    let by_space = count(|c| matches!(c, Coverage::Space { .. } | Coverage::Collection));
    let derived = count(|c| matches!(c, Coverage::Derived { .. }));
    let uncovered = count(|c| matches!(c, Coverage::NotCovered { .. }));
    // How the derived fields were combined: per claim cone, every combination or a covering
    // array.
    let cones = match d.cones.as_slice() {
        [] => String::new(),
        [c] => format!(
            " (one cone: the {} fields {} claims depend on, in {})",
            c.paths.len(),
            c.claims.len(),
            c.combined
        ),
        many => {
            let fields: Vec<usize> = many.iter().map(|c| c.paths.len()).collect();
            let exhaustive = many
                .iter()
                .filter(|c| c.combined == "every combination")
                .count();
            // How the others were combined, as they were (a wide cone falls back to 2-way).
            let others: std::collections::BTreeSet<&str> = many
                .iter()
                .map(|c| c.combined)
                .filter(|w| *w != "every combination")
                .collect();
            let others = match others.len() {
                0 => crate::diff::STRENGTH_WORDS.to_string(),
                _ => others.into_iter().collect::<Vec<_>>().join(" or "),
            };
            format!(
                " ({} claim cones of {} to {} fields: {exhaustive} in every combination, {} in {others})",
                many.len(),
                fields.iter().min().unwrap_or(&0),
                fields.iter().max().unwrap_or(&0),
                many.len() - exhaustive,
            )
        }
    };
    format!(
        "covered: {} cells varying {}; of the {} input paths the packs read, {by_space} are varied by those features, {derived} by {} derived bundles{cones}, {uncovered} not covered",
        r.diff.cells,
        features.join(", "),
        d.paths.len(),
        d.bundles,
    )
}

/// A derived bundle in words: its base cell and what was set on it.
fn derived_title(c: &crate::diff::DerivedChange) -> String {
    format!("cell {} with {}", c.cell, c.set.join(", "))
}

/// Where a path is first read, `file:line`, and how many other places read it.
fn read_at(p: &crate::diff::PathCoverage) -> String {
    let first = p
        .places
        .first()
        .map(|x| format!("{}:{}", x.file, x.line))
        .unwrap_or_default();
    match p.places.len() {
        0 | 1 => first,
        n => format!("{first} and {} more", n - 1),
    }
}

/// The diff in plain words: which claims it newly allows and blocks (over the space or on a
/// corpus bundle), and how many catalog changes widen.
fn diff_summary(r: &DiffReport) -> String {
    fn ids<'a>(
        space: impl Iterator<Item = &'a Change>,
        corpus: impl Iterator<Item = &'a String>,
    ) -> Vec<&'a str> {
        let mut v: Vec<&str> = space
            .filter_map(|c| c.claim.as_deref())
            .chain(corpus.map(String::as_str))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
    let allows = ids(
        r.diff.widened.iter(),
        r.corpus
            .iter()
            .flat_map(|c| &c.widened)
            .chain(r.derived.changes.iter().flat_map(|c| &c.widened)),
    );
    let blocks = ids(
        r.diff.narrowed.iter(),
        r.corpus
            .iter()
            .flat_map(|c| &c.narrowed)
            .chain(r.derived.changes.iter().flat_map(|c| &c.narrowed)),
    );
    let list = |v: &[&str]| {
        if v.is_empty() {
            "nothing".to_string()
        } else {
            v.join(", ")
        }
    };
    let widening = r.catalog.iter().filter(|c| c.widens).count();
    format!(
        "this change newly allows {}; newly blocks {}; {} label change{}; {} catalog change{} ({} that widen{})",
        list(&allows),
        list(&blocks),
        r.diff.labels.len(),
        if r.diff.labels.len() == 1 { "" } else { "s" },
        r.catalog.len(),
        if r.catalog.len() == 1 { "" } else { "s" },
        widening,
        if widening == 1 { "s" } else { "" },
    )
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
    fn every_format_has_its_own_name() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(Format::from_name("pdf"), None);
    }

    #[test]
    fn nothing_unprintable_survives() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!printable(&all).chars().any(unprintable));
    }
}
