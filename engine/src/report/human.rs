//! The human format: text for a terminal. For a decision, what may be said first, then what
//! may not and why. For the gate, one line per bundle, the unmet requirements of a failing one,
//! and errors drawn with their source spans (no colour, fixed width, so the output is the same
//! everywhere). For `diff`, `check` and `verify`, each finding with its evidence and a verdict
//! line; for `test`, one line per test rule and the counts. Every text of a decision or gate
//! report that came from outside the pack is shown [`printable`]: one line stays one line.

use super::{at, change_title, printable, requirements_line, say_instead, summary_line};
use crate::decision::{BlockKind, Decision};
use crate::diff::DiffReport;
use crate::envelope::SignatureCheck;
use crate::evidence::{DecisionFact, Origin};
use crate::gate::{GateReport, Status};
use crate::invariant::CheckReport;
use crate::policy::{TestOutcome, TestReport};
use crate::receipt::Verification;
use std::io::{self, Write};

/// Width errors are drawn at.
const WIDTH: usize = 100;

pub(super) fn write(d: &Decision, w: &mut dyn Write) -> io::Result<()> {
    let p = |s: &str| printable(s).into_owned();
    writeln!(w, "bundle:  {}", p(&d.bundle))?;
    writeln!(w, "job:     {}", p(&d.job.job_id))?;
    writeln!(w, "at:      {}", d.evaluated_at)?;
    writeln!(w, "label:   {}", d.label.name())?;
    if !d.verifier_decisions.is_empty() {
        writeln!(w, "\nverifier decisions:")?;
        for v in &d.verifier_decisions {
            writeln!(
                w,
                "  {:<7} {}  ({})",
                v.status.name(),
                p(&v.policy_id),
                p(&v.reason)
            )?;
            writeln!(w, "          {}", provenance(v))?;
        }
    }
    writeln!(w, "\nallowed claims:")?;
    if d.allowed.is_empty() {
        writeln!(w, "  (none)")?;
    }
    for a in &d.allowed {
        writeln!(w, "  + {}\n      {}", p(&a.id), p(&a.sentence))?;
    }
    writeln!(w, "\nblocked (the evidence falls short):")?;
    for b in d
        .blocked
        .iter()
        .filter(|b| b.because == BlockKind::Evidence)
    {
        writeln!(w, "  - {}", p(&b.id))?;
        for r in &b.reasons {
            writeln!(w, "      because {}", p(r))?;
        }
        if let Some(s) = &b.safer {
            writeln!(w, "      say instead ({}): {}", p(&s.id), p(&s.sentence))?;
        }
    }
    writeln!(w, "\nnever allowed (blocklist):")?;
    for b in d
        .blocked
        .iter()
        .filter(|b| b.because == BlockKind::Blocklist)
    {
        writeln!(w, "  - \"{}\"", p(&b.sentence))?;
        if let Some(s) = b.safer.as_ref().filter(|s| s.allowed) {
            writeln!(w, "      say instead: \"{}\"", p(&s.sentence))?;
        }
    }
    if !d.problems.is_empty() {
        writeln!(w, "\nmalformed evidence (derived nothing):")?;
        for x in &d.problems {
            writeln!(w, "  ! {} {}: {}", p(&x.source), p(&x.field), p(&x.msg))?;
        }
    }
    Ok(())
}

/// Who made a verifier decision: the bundle (claimgate only read it) or a policy claimgate ran.
fn provenance(v: &DecisionFact) -> String {
    let source = printable(&v.source);
    match (v.origin, v.verifier.as_deref()) {
        (Origin::Document, Some(by)) => format!(
            "recorded by the bundle in `{source}` (verifier {}); not decided by claimgate",
            printable(by)
        ),
        (Origin::Document, None) => {
            format!("recorded by the bundle in `{source}`; not decided by claimgate")
        }
        (Origin::Policy, Some("claimgate") | None) => {
            format!("decided by pack policy `{source}`")
        }
        (Origin::Policy, Some(by)) => {
            format!(
                "decided by claimgate running {} on `{source}`",
                printable(by)
            )
        }
    }
}

pub(super) fn write_gate(r: &GateReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "requirements: {}", requirements_line(r))?;
    for b in &r.bundles {
        writeln!(w)?;
        let label = b
            .label
            .map(|l| format!("  (label {})", l.name()))
            .unwrap_or_default();
        let tag = match b.status {
            Status::Pass => "PASS ",
            Status::Fail => "FAIL ",
            Status::Error => "ERROR",
        };
        writeln!(w, "{tag} {}{label}", printable(&b.path))?;
        for c in b.failures() {
            writeln!(w, "  x {}", printable(&c.message))?;
            writeln!(w, "      at {}", at(&c.location))?;
            for reason in &c.reasons {
                writeln!(w, "      because {}", printable(reason))?;
            }
            if let Some(s) = &c.safer {
                writeln!(w, "      {}", say_instead(s))?;
            }
        }
        if let Some(e) = &b.error {
            let mut drawn = String::new();
            let handler = miette::GraphicalReportHandler::new_themed(
                miette::GraphicalTheme::unicode_nocolor(),
            )
            .with_width(WIDTH);
            if handler.render_report(&mut drawn, &e.error).is_err() {
                drawn = format!("{}: {}", e.code, e.message);
            }
            // The drawing quotes the bundle's own text: its lines stay lines, but nothing in
            // them may act on the terminal.
            for line in drawn.lines() {
                if line.trim().is_empty() {
                    writeln!(w)?;
                } else {
                    writeln!(w, "  {}", printable(line))?;
                }
            }
        }
    }
    writeln!(w)?;
    writeln!(w, "{}", summary_line(r))
}

/// One line per test rule, the failures with their file, then the counts.
pub(super) fn write_tests(
    r: &TestReport,
    verbose: bool,
    threshold: Option<f64>,
    w: &mut dyn Write,
) -> io::Result<()> {
    if r.results.is_empty() {
        return writeln!(
            w,
            "no tests found: a test is a `test_*` rule in a `*_test.rego` file (and --run, when given, matches its path)"
        );
    }
    for t in &r.results {
        let at = format!("{}:{}", printable(&t.file), t.line);
        match &t.outcome {
            TestOutcome::Pass if verbose => writeln!(w, "PASS {} ({at})", printable(&t.rule))?,
            TestOutcome::Pass => {}
            TestOutcome::Fail => writeln!(w, "FAIL {} ({at})", printable(&t.rule))?,
            TestOutcome::Error(e) => {
                writeln!(w, "ERROR {} ({at}): {}", printable(&t.rule), printable(e))?
            }
        }
        if verbose || t.outcome != TestOutcome::Pass {
            for p in &t.prints {
                writeln!(w, "  print: {}", printable(p))?;
            }
        }
    }
    let (passed, failed, errors) = r.counts();
    writeln!(
        w,
        "{passed} passed, {failed} failed, {errors} error{}",
        if errors == 1 { "" } else { "s" }
    )?;
    if let (Some(files), Some(total)) = (&r.coverage, r.coverage_percent()) {
        for f in files {
            let missing = if f.not_covered.is_empty() {
                String::new()
            } else {
                format!(" (not covered: {})", super::line_ranges(&f.not_covered))
            };
            writeln!(w, "  {:5.1}% {}{missing}", f.percent(), printable(&f.file))?;
        }
        let covered: usize = files.iter().map(|f| f.covered.len()).sum();
        let lines: usize = covered + files.iter().map(|f| f.not_covered.len()).sum::<usize>();
        write!(w, "coverage: {total:.1}% ({covered} of {lines} lines)")?;
        match threshold {
            Some(t) if total < t => writeln!(w, ", below the threshold of {t}%")?,
            Some(t) => writeln!(w, ", at or above the threshold of {t}%")?,
            None => writeln!(w)?,
        }
    }
    Ok(())
}

/// The claim's status and recorded reasons, then each claim rule body and where it stopped,
/// indented through the rules it refers to.
pub(super) fn write_explanation(e: &crate::Explanation, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "{}: {}", printable(&e.claim), e.status)?;
    for r in &e.reasons {
        writeln!(w, "  because {}", printable(r))?;
    }
    if e.rules.is_empty() {
        return writeln!(w, "  no claim rule allows it");
    }
    fn step(s: &crate::Step, depth: usize, w: &mut dyn Write) -> io::Result<()> {
        let pad = "  ".repeat(depth + 1);
        let verdict = if s.held { "held" } else { "did not hold" };
        writeln!(
            w,
            "{pad}{} ({}) {verdict}",
            printable(&s.rule),
            printable(&s.at)
        )?;
        if let Some(stop) = &s.stopped_at {
            writeln!(
                w,
                "{pad}  stopped at {}: {}",
                printable(&stop.at),
                printable(&stop.text)
            )?;
            for (path, value) in &stop.reads {
                writeln!(w, "{pad}    input.{} = {}", printable(path), value)?;
            }
        }
        for b in &s.because {
            step(b, depth + 2, w)?;
        }
        Ok(())
    }
    writeln!(w, "rules:")?;
    for s in &e.rules {
        step(s, 0, w)?;
    }
    match &e.counterfactual {
        Some(changes) => {
            writeln!(w, "it would be allowed if the evidence had:")?;
            for c in changes {
                let value = if c.value.is_null() {
                    "(absent)".to_string()
                } else {
                    c.value.to_string()
                };
                writeln!(w, "  input.{} = {value}", printable(&c.path))?;
            }
        }
        None if e.status == "blocked" => {
            writeln!(
                w,
                "no change of one or two of the fields read above allows it"
            )?;
        }
        None => {}
    }
    Ok(())
}

/// The broken invariants, each with its examples and counterexample bundle, or the ones that hold.
pub(super) fn write_check(r: &CheckReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "checked {} cells against 6 invariants", r.cells)?;
    for (i, v) in r.violations.iter().enumerate() {
        writeln!(w, "\nVIOLATED {} ({} cases)", v.invariant, v.count)?;
        for e in &v.examples {
            writeln!(w, "  - {e}")?;
        }
        if let Some(bundle) = r.examples.get(i) {
            writeln!(w, "  counterexample bundle: {}", printable(bundle))?;
        }
    }
    if r.ok() {
        writeln!(
            w,
            "ok: monotone, box isolation, label gate, denial floor, blocklist, determinism"
        )?;
    }
    Ok(())
}

/// A bundle the two packs decide apart: both decisions, then the claims newly allowed and
/// blocked.
fn decided_apart(
    title: &str,
    (base, head): (&str, &str),
    (widened, narrowed): (&[String], &[String]),
    w: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        w,
        "\n{}:\n  base: {}\n  head: {}",
        printable(title),
        printable(base),
        printable(head)
    )?;
    if !widened.is_empty() {
        writeln!(w, "  newly allowed: {}", printable(&widened.join(", ")))?;
    }
    if !narrowed.is_empty() {
        writeln!(w, "  newly blocked: {}", printable(&narrowed.join(", ")))?;
    }
    Ok(())
}

/// Each change with every cube of cells it happens in and an example cell, then the corpus
/// bundles that changed and the counterexample bundles written.
pub(super) fn write_diff(r: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "diff {} → {} over {} cells",
        printable(&r.base),
        printable(&r.head),
        r.diff.cells
    )?;
    writeln!(w, "{}", super::diff_coverage(r))?;
    if r.is_empty() {
        writeln!(w, "no change: every cell decides the same")?;
    } else {
        writeln!(w, "{}", printable(&super::diff_summary(r)))?;
    }
    // Paths a changed rule reads first: those are what `--fail-on widening` weighs.
    let (changed, unchanged) = r.derived.uncovered();
    for p in changed.into_iter().chain(unchanged) {
        if let crate::diff::Coverage::NotCovered { reason } = &p.coverage {
            writeln!(
                w,
                "  not covered: {} ({}){}: {}",
                printable(&p.path),
                printable(&super::read_at(p)),
                if p.changed {
                    ", read by a changed rule"
                } else {
                    ""
                },
                printable(reason)
            )?;
        }
    }
    if r.is_empty() {
        return Ok(());
    }
    for c in &r.catalog {
        writeln!(
            w,
            "\ncatalog: {} {}{}\n  {}",
            c.kind.words(),
            printable(&c.subject),
            if c.widens { " (widens)" } else { "" },
            printable(&c.detail)
        )?;
    }
    for c in r.diff.changes() {
        writeln!(w, "\n{} in {} cells:", change_title(c), c.cells)?;
        for d in &c.description {
            writeln!(w, "  where {d}")?;
        }
        writeln!(w, "  e.g. {}", crate::space::cell(c.example))?;
    }
    for c in &r.derived.changes {
        let title = format!("derived {}", super::derived_title(c));
        decided_apart(&title, (&c.base, &c.head), (&c.widened, &c.narrowed), w)?;
    }
    for c in &r.corpus {
        let title = format!("corpus {}", c.bundle);
        decided_apart(&title, (&c.base, &c.head), (&c.widened, &c.narrowed), w)?;
    }
    for e in &r.examples {
        let e = printable(e);
        writeln!(
            w,
            "\ncounterexample bundle written: {e}  (claimgate eval {e})"
        )?;
    }
    Ok(())
}

/// The receipt, its signature and whether it was replayed, then each mismatch and the verdict.
pub(super) fn write_verification(v: &Verification, w: &mut dyn Write) -> io::Result<()> {
    let sig = match &v.signature {
        SignatureCheck::Unsigned => "unsigned (nothing signs this receipt)".to_string(),
        SignatureCheck::NotChecked => "signed, not checked (give --key PUB)".to_string(),
        SignatureCheck::Verified => "verified".to_string(),
        SignatureCheck::Invalid(why) => format!("INVALID: {}", printable(why)),
    };
    // Everything below but the verdict comes from the receipt file: untrusted text.
    writeln!(w, "receipt:   {}", printable(&v.receipt))?;
    writeln!(w, "signature: {sig}")?;
    writeln!(
        w,
        "replay:    {}",
        if v.replayed {
            "recomputed from the bundle"
        } else {
            "not run (give --bundle DIR)"
        }
    )?;
    for m in &v.mismatches {
        writeln!(
            w,
            "MISMATCH  {}: {}\n    receipt: {}\n    found:   {}",
            m.kind.name(),
            printable(&m.field),
            printable(&m.receipt),
            printable(&m.found)
        )?;
    }
    writeln!(
        w,
        "{}",
        if v.ok() {
            "ok: every checked field matches"
        } else {
            "FAILED"
        }
    )
}

/// `claimgate audit`: what the receipt's own fields support, then each finding.
pub(super) fn write_audit(a: &crate::Audit, w: &mut dyn Write) -> io::Result<()> {
    // Messages quote the receipt: untrusted text.
    let listed = |ids: &[String]| {
        if ids.is_empty() {
            "nothing".to_string()
        } else {
            ids.join(", ")
        }
    };
    writeln!(w, "receipt:   {}", printable(&a.receipt))?;
    match a.shape {
        crate::audit::Shape::AuthorModel => {
            writeln!(
                w,
                "claims:    {}",
                a.claim
                    .as_deref()
                    .map_or("no catalog claim".to_string(), |c| format!("`{c}`"))
            )?;
            writeln!(w, "supports:  {}", listed(&a.supported))?;
            writeln!(w, "label:     {}", a.label.name())?;
        }
        crate::audit::Shape::Claimgate => {
            writeln!(
                w,
                "written:   by claimgate (its decision is recorded, and verified)"
            )?;
            writeln!(w, "records:   {}", listed(&a.supported))?;
            writeln!(w, "label:     {} (recorded)", a.label.name())?;
        }
    }
    if let Some(b) = &a.bundle {
        writeln!(w, "bundle:    {}", printable(&b.path))?;
        writeln!(w, "  supports: {}", listed(&b.supported))?;
        writeln!(w, "  label:    {}", b.label.name())?;
    }
    if let Some((t, n)) = &a.text {
        writeln!(w, "text:      {} ({n} sentences)", printable(t))?;
    }
    writeln!(w)?;
    for f in &a.findings {
        let at = f.line.map(|l| format!(":{l}")).unwrap_or_default();
        writeln!(
            w,
            "{}[{}] {}{at} {}: {}",
            f.severity.name(),
            f.code,
            printable(f.file.as_deref().unwrap_or(&a.receipt)),
            f.field,
            printable(&f.message)
        )?;
        if let Some(i) = &f.instead {
            writeln!(w, "    instead: {}", printable(i))?;
        }
    }
    let (e, warn) = (
        a.count(crate::AuditSeverity::Error),
        a.count(crate::AuditSeverity::Warning),
    );
    writeln!(w)?;
    if a.ok() {
        let what = if a.bundle.is_some() {
            "its fields and its bundle support"
        } else {
            "its fields support"
        };
        writeln!(
            w,
            "result: the receipt says no more than {what} ({warn} warnings)"
        )
    } else {
        writeln!(
            w,
            "result: the receipt claims more than it supports ({e} errors, {warn} warnings)"
        )
    }
}
