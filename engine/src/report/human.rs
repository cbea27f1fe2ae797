//! The human format: what may be said first, then what may not and why. For the gate, one
//! line per bundle, the unmet requirements of a failing one, and errors drawn with their
//! source spans (no colour, fixed width, so the output is the same everywhere).

use super::{at, requirements_line, say_instead, summary_line};
use crate::decision::{BlockKind, Decision};
use crate::gate::{GateReport, Status};
use std::io::{self, Write};

/// Width errors are drawn at.
const WIDTH: usize = 100;

pub(super) fn write(d: &Decision, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "bundle:  {}", d.bundle)?;
    writeln!(w, "job:     {}", d.job.job_id)?;
    writeln!(w, "at:      {}", d.evaluated_at)?;
    writeln!(w, "label:   {}", d.label.name())?;
    if !d.verifier_decisions.is_empty() {
        writeln!(w, "\nverifier decisions:")?;
        for v in &d.verifier_decisions {
            writeln!(
                w,
                "  {:<7} {}  ({})",
                v.status.name(),
                v.policy_id,
                v.reason
            )?;
        }
    }
    writeln!(w, "\nallowed claims:")?;
    if d.allowed.is_empty() {
        writeln!(w, "  (none)")?;
    }
    for a in &d.allowed {
        writeln!(w, "  + {}\n      {}", a.id, a.sentence)?;
    }
    writeln!(w, "\nblocked (the evidence falls short):")?;
    for b in d
        .blocked
        .iter()
        .filter(|b| b.because == BlockKind::Evidence)
    {
        writeln!(w, "  - {}", b.id)?;
        for r in &b.reasons {
            writeln!(w, "      because {r}")?;
        }
        if let Some(s) = &b.safer {
            writeln!(w, "      say instead ({}): {}", s.id, s.sentence)?;
        }
    }
    writeln!(w, "\nnever allowed (blocklist):")?;
    for b in d
        .blocked
        .iter()
        .filter(|b| b.because == BlockKind::Blocklist)
    {
        writeln!(w, "  - \"{}\"", b.sentence)?;
        if let Some(s) = b.safer.as_ref().filter(|s| s.allowed) {
            writeln!(w, "      say instead: \"{}\"", s.sentence)?;
        }
    }
    if !d.problems.is_empty() {
        writeln!(w, "\nmalformed evidence (derived nothing):")?;
        for p in &d.problems {
            writeln!(w, "  ! {} {}: {}", p.source, p.field, p.msg)?;
        }
    }
    Ok(())
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
        writeln!(w, "{tag} {}{label}", b.path)?;
        for c in b.failures() {
            writeln!(w, "  x {}", c.message)?;
            writeln!(w, "      at {}", at(&c.location))?;
            for reason in &c.reasons {
                writeln!(w, "      because {reason}")?;
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
            for line in drawn.lines() {
                if line.trim().is_empty() {
                    writeln!(w)?;
                } else {
                    writeln!(w, "  {line}")?;
                }
            }
        }
    }
    writeln!(w)?;
    writeln!(w, "{}", summary_line(r))
}
