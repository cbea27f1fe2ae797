//! Markdown for a pull-request comment. The gate: a verdict heading, a table with one row per
//! bundle, then the unmet requirements and errors of each bundle that did not pass; every text
//! is [`printable`] before Markdown escaping, so a bundle cannot break a line, a table row or
//! the comment's layout. The diff: each change with its first cubes of cells and a
//! counterexample, and the corpus bundles that changed. The decision table: its cells grouped
//! by decision.

use super::{at, change_title, counts, printable, requirements_line};
use crate::diff::DiffReport;
use crate::gate::{BundleResult, GateReport, Status};
use crate::table::Table;
use std::io::{self, Write};

pub(super) fn write(r: &GateReport, w: &mut dyn Write) -> io::Result<()> {
    head(r, w)?;
    writeln!(w, "| | bundle | label | result |")?;
    writeln!(w, "|---|---|---|---|")?;
    for b in &r.bundles {
        row(b, w)?;
    }
    for b in r.bundles.iter().filter(|b| b.status != Status::Pass) {
        details(b, w)?;
    }
    Ok(())
}

/// The summary within `cap` bytes. When the whole report is larger, passing bundles are counted
/// and not listed, and the bundles that did not pass are listed while they fit; a last line
/// says how many were left out and how to get everything.
pub(super) fn write_capped(r: &GateReport, cap: usize, w: &mut dyn Write) -> io::Result<()> {
    let mut whole = Vec::new();
    write(r, &mut whole)?;
    if whole.len() <= cap {
        return w.write_all(&whole);
    }
    // Room kept for the last line.
    const TAIL: usize = 512;
    let budget = cap.saturating_sub(TAIL);
    let mut out = Vec::new();
    head(r, &mut out)?;
    writeln!(
        out,
        "The whole summary is larger than GitHub takes ({} bytes): passing bundles are counted above, not listed.\n",
        super::MARKDOWN_MAX_BYTES
    )?;
    let failing: Vec<&BundleResult> = r
        .bundles
        .iter()
        .filter(|b| b.status != Status::Pass)
        .collect();
    let mut chunk = Vec::new();
    writeln!(chunk, "| | bundle | label | result |")?;
    writeln!(chunk, "|---|---|---|---|")?;
    let mut listed = 0;
    for b in &failing {
        let mut one = Vec::new();
        row(b, &mut one)?;
        if out.len() + chunk.len() + one.len() > budget / 2 {
            break;
        }
        chunk.extend(one);
        listed += 1;
    }
    out.extend(chunk);
    let mut detailed = 0;
    for b in failing.iter().take(listed) {
        let mut one = Vec::new();
        details(b, &mut one)?;
        if out.len() + one.len() > budget {
            break;
        }
        out.extend(one);
        detailed += 1;
    }
    writeln!(
        out,
        "\n… {} of {} bundles that did not pass are in the table and {detailed} in detail: the summary is capped at {} bytes. `claimgate gate --full-report FILE` writes all of it, and the json, junit and sarif outputs hold every finding.",
        listed,
        failing.len(),
        super::MARKDOWN_MAX_BYTES
    )?;
    w.write_all(&out)
}

fn head(r: &GateReport, w: &mut dyn Write) -> io::Result<()> {
    let heading = match r.status {
        Status::Pass => "✅ claimgate gate passed",
        Status::Fail => "❌ claimgate gate failed",
        Status::Error => "⚠️ claimgate gate failed with errors",
    };
    writeln!(w, "## {heading}\n")?;
    writeln!(w, "{}.\n", escape(&counts(r)))?;
    writeln!(
        w,
        "Requirements: {}.\n",
        escape_plain(&requirements_line(r))
    )
}

fn row(b: &BundleResult, w: &mut dyn Write) -> io::Result<()> {
    let label = b.label.map_or_else(|| "—".to_string(), |l| code(l.name()));
    let (mark, result) = match (&b.error, b.status) {
        (Some(e), _) => ("⚠️", format!("error {}", code(&e.code))),
        (None, Status::Pass) => ("✅", "passed".to_string()),
        (None, _) => (
            "❌",
            format!(
                "{} of {} requirements not met",
                b.failures().count(),
                b.checks.len()
            ),
        ),
    };
    writeln!(
        w,
        "| {mark} | {} | {label} | {} |",
        code(&b.path),
        cell(&result)
    )
}

fn details(b: &BundleResult, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w)?;
    if let Some(e) = &b.error {
        writeln!(w, "### ⚠️ {}\n", code(&b.path))?;
        writeln!(
            w,
            "{} at {}: {}",
            code(&e.code),
            code(&at(&e.location)),
            escape(&e.message)
        )?;
        if let Some(h) = &e.help {
            writeln!(w, "\nhelp: {}", escape(h))?;
        }
        return Ok(());
    }
    writeln!(w, "### ❌ {}\n", code(&b.path))?;
    for c in b.failures() {
        writeln!(
            w,
            "- **{}** at {}",
            escape(&c.message),
            code(&at(&c.location))
        )?;
        for reason in &c.reasons {
            writeln!(w, "  - because {}", escape(reason))?;
        }
        if let Some(s) = &c.safer {
            let caveat = if s.allowed {
                ""
            } else {
                " (this bundle's evidence does not allow it either)"
            };
            writeln!(
                w,
                "  - say instead ({}): \"{}\"{caveat}",
                code(&s.id),
                escape(&s.sentence)
            )?;
        }
    }
    Ok(())
}

/// Most cubes shown per change; the rest are counted.
const SHOWN_CUBES: usize = 8;

/// A heading and counts, then each change with its first cubes and a counterexample cell, then
/// the corpus bundles that changed.
pub(super) fn write_diff(r: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let d = &r.diff;
    writeln!(w, "### claimgate diff `{}` → `{}`\n", r.base, r.head)?;
    writeln!(
        w,
        "{} evidence combinations compared: {} widened, {} narrowed, {} label changes.\n",
        d.cells,
        d.widened.len(),
        d.narrowed.len(),
        d.labels.len()
    )?;
    writeln!(w, "{}.\n", super::diff_summary(r))?;
    writeln!(w, "{}.\n", super::diff_coverage(r))?;
    // Paths a changed rule reads and the diff could not vary are shown; the rest folded.
    let (changed, unchanged) = r.derived.uncovered();
    if !changed.is_empty() {
        writeln!(w, "#### Not covered, read by a changed rule\n")?;
        uncovered_table(&changed, w)?;
    }
    if !unchanged.is_empty() {
        writeln!(
            w,
            "<details><summary>{} paths read only by unchanged rules, not covered</summary>\n",
            unchanged.len()
        )?;
        uncovered_table(&unchanged, w)?;
        writeln!(w, "</details>\n")?;
    }
    if !r.catalog.is_empty() {
        writeln!(w, "#### Catalog\n")?;
        for c in &r.catalog {
            writeln!(
                w,
                "- {} `{}`{}: {}",
                c.kind.words(),
                c.subject,
                if c.widens { " (widens)" } else { "" },
                c.detail
            )?;
        }
        writeln!(w)?;
    }
    for c in d.changes() {
        writeln!(w, "#### {} ({} cells)\n", change_title(c), c.cells)?;
        for cube in c.description.iter().take(SHOWN_CUBES) {
            writeln!(w, "- {cube}")?;
        }
        if c.description.len() > SHOWN_CUBES {
            writeln!(w, "- … {} more groups", c.description.len() - SHOWN_CUBES)?;
        }
        writeln!(w, "\nCounterexample: `{}`\n", crate::space::cell(c.example))?;
    }
    for c in &r.derived.changes {
        writeln!(
            w,
            "- derived {}: {} → {}",
            super::derived_title(c),
            c.base,
            c.head
        )?;
    }
    for c in &r.corpus {
        writeln!(w, "- corpus `{}`: {} → {}", c.bundle, c.base, c.head)?;
    }
    writeln!(w)?;
    legend(w)?;
    Ok(())
}

/// What each feature's values mean, folded.
fn legend(w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "<details><summary>Legend: the features of the space</summary>\n"
    )?;
    for f in crate::space::FEATURES {
        writeln!(w, "- `{}` ({}): {}", f.name, f.values.join(" · "), f.about)?;
    }
    writeln!(w, "\n</details>\n")
}

/// A table of paths the diff did not vary: where each is read and why.
fn uncovered_table(paths: &[&crate::diff::PathCoverage], w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "| path | read at | why |")?;
    writeln!(w, "|---|---|---|")?;
    for p in paths {
        if let crate::diff::Coverage::NotCovered { reason } = &p.coverage {
            writeln!(
                w,
                "| `{}` | {} | {} |",
                p.path,
                super::read_at(p),
                reason.replace('|', "\\|")
            )?;
        }
    }
    writeln!(w)
}

/// The decision table: its cells grouped by decision, largest group first, each group
/// described by its feature values.
pub(super) fn write_table(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "# Decision table ({} cells)\n", t.outcomes.len())?;
    for g in t.groups() {
        writeln!(
            w,
            "## {} cells → `{}`: {}\n",
            g.cells,
            g.label.name(),
            if g.allowed.is_empty() {
                "no claim".to_string()
            } else {
                g.allowed.join(", ")
            }
        )?;
        for d in &g.description {
            writeln!(w, "- {d}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Inline code that survives any backticks in `s`.
fn code(s: &str) -> String {
    let s = printable(s);
    let s = s.as_ref();
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Text whose `backtick` spans are code: those are kept, Markdown punctuation elsewhere is
/// escaped. With unbalanced backticks everything is escaped.
fn escape(s: &str) -> String {
    let s = printable(s);
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return escape_plain(&s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                format!("`{p}`")
            } else {
                escape_plain(p)
            }
        })
        .collect()
}

fn escape_plain(s: &str) -> String {
    let s = printable(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A table cell: pipes escaped even inside code spans, no line breaks.
fn cell(s: &str) -> String {
    printable(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_escapes() {
        assert_eq!(code("a.b"), "`a.b`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(escape("a_b *c* | d"), "a\\_b \\*c\\* \\| d");
        assert_eq!(
            escape("claim `job.output_bound` _x_"),
            "claim `job.output_bound` \\_x\\_"
        );
        assert_eq!(escape("odd ` tick"), "odd \\` tick");
    }

    #[test]
    fn nothing_breaks_a_line_or_acts_on_a_terminal() {
        assert_eq!(escape("a\n## b"), "a\\\\n\\#\\# b");
        assert_eq!(escape("`x\ny`"), "`x\\ny`");
        assert_eq!(code("p\u{1b}[2K"), "`p\\u{1b}[2K`");
        assert_eq!(cell("a\r|b"), "a\\r\\|b");
        assert_eq!(escape_plain("\u{202e}x"), "\\\\u{202e}x");
    }
}
