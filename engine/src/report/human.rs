//! The human format: what may be said first, then what may not and why.

use crate::decision::{BlockKind, Decision};
use std::io::{self, Write};

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
