//! The JSON formats, keys in a fixed order: the decision (`claimgate.decision/v1`, see
//! docs/cli.md), the gate report (`claimgate.gate/v1`), the decision table (one canonical line
//! per cell), the diff, the invariant check and the receipt verification (pretty-printed).
//!
//! Gate report wire format, keys in this order:
//!
//! | field | meaning |
//! |---|---|
//! | `schema` | `claimgate.gate/v1` |
//! | `status` | `pass`, `fail` (a requirement not met) or `error` (a bundle could not be loaded or evaluated) |
//! | `summary` | `bundles`, `passed`, `failed`, `errors` |
//! | `requirements[]` | `name`, `kind` (`require`, `forbid_label`, `claimed`, `evaluates`), `subject`, `location` (`file`, `line`) of a claimed item, else `null` |
//! | `bundles[]` | sorted by `path`: `path`, `status`, `manifest`, `job_id`, `label`, `evaluated_at` (`null` when unknown), `checks[]`, `error` |
//! | `checks[]` | one per requirement, in its order: `requirement`, `kind`, `passed`, `message`, `reasons[]`, `safer` (`id`, `sentence`, `allowed`) or `null`, `location` |
//! | `error` | `null`, or `code`, `message`, `help`, `location` for a bundle that could not be loaded or evaluated (then `checks` is empty and `label` is `null`) |
//!
//! The other commands' objects, keys in this order:
//!
//! | command | fields |
//! |---|---|
//! | `table` | an array, one line per cell, each canonical (RFC 8785): `allowed[]` (claim ids), `cell` (feature → value), `label` |
//! | `diff` | `base`, `head` (the packs as named), `cells`, `widened[]`, `narrowed[]`, `labels[]` (each change: `kind` `widening`/`narrowing`/`label`, `claim`, `labels` `[from, to]`, `cells`, `description[]`, `example` cell index), `derived` (`paths[]`: `path`, `coverage` {`by`: `space`/`derived`/`collection`/`not_covered`, …}, `changed`, `places[]`; `changed_rules[]`; `bundles`; `changes[]`: `cell`, `set[]`, `base`, `head`, `widened[]`, `narrowed[]`), `corpus[]` (`bundle`, `base`, `head`), `examples[]` (bundle directories written) |
//! | `check` | `cells`, `ok`, `violations[]` (`invariant`, `count`, `examples[]`, `example_cell`) |
//! | `verify` | `ok`, `signature` (`unsigned`, `not_checked`, `verified` or `{"invalid": why}`), `replayed`, `mismatches[]` (`kind`, `field`, `receipt`, `found`) |

use crate::decision::Decision;
use crate::diff::DiffReport;
use crate::gate::GateReport;
use crate::invariant::CheckReport;
use crate::receipt::Verification;
use crate::table::Table;
use std::io::{self, Write};

pub(super) fn write(d: &Decision, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, d)?;
    writeln!(w)
}

pub(super) fn write_gate(r: &GateReport, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, r)?;
    writeln!(w)
}

/// One line per cell, each a canonical (RFC 8785) object: a table of 137,700 cells stays
/// greppable and diffable line by line.
pub(super) fn write_table(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "[")?;
    for (i, o) in t.outcomes.iter().enumerate() {
        let cell: serde_json::Map<String, serde_json::Value> = t
            .space
            .cell(i)
            .describe()
            .into_iter()
            .map(|(f, v)| (f.to_string(), v.into()))
            .collect();
        let row =
            serde_json::json!({"cell": cell, "label": o.label.name(), "allowed": t.allowed(o)});
        let sep = if i + 1 < t.outcomes.len() { "," } else { "" };
        writeln!(w, "  {}{sep}", crate::jcs::to_string(&row)?)?;
    }
    writeln!(w, "]")
}

pub(super) fn write_tests(
    r: &crate::policy::TestReport,
    threshold: Option<f64>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let (passed, failed, errors) = r.counts();
    let coverage = r.coverage.as_ref().map(|files| {
        serde_json::json!({
            "percent": r.coverage_percent(),
            "threshold": threshold,
            "files": files.iter().map(|f| serde_json::json!({
                "file": f.file, "percent": f.percent(),
                "covered": f.covered, "not_covered": f.not_covered,
            })).collect::<Vec<_>>(),
        })
    });
    let tests: Vec<serde_json::Value> = r
        .results
        .iter()
        .map(|t| {
            let (outcome, error) = match &t.outcome {
                crate::policy::TestOutcome::Pass => ("pass", None),
                crate::policy::TestOutcome::Fail => ("fail", None),
                crate::policy::TestOutcome::Error(e) => ("error", Some(e)),
            };
            serde_json::json!({"rule": t.rule, "file": t.file, "line": t.line,
                "outcome": outcome, "error": error, "prints": t.prints})
        })
        .collect();
    let report = serde_json::json!({
        "tests": tests, "passed": passed, "failed": failed, "errors": errors,
        "coverage": coverage,
    });
    serde_json::to_writer_pretty(&mut *w, &report)?;
    writeln!(w)
}

pub(super) fn write_check(r: &CheckReport, w: &mut dyn Write) -> io::Result<()> {
    let report = serde_json::json!({"cells": r.cells, "ok": r.ok(), "violations": r.violations});
    serde_json::to_writer_pretty(&mut *w, &report)?;
    writeln!(w)
}

pub(super) fn write_diff(r: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let d = &r.diff;
    let report = serde_json::json!({
        "base": r.base, "head": r.head, "cells": d.cells,
        "widened": d.widened, "narrowed": d.narrowed, "labels": d.labels,
        "catalog": r.catalog, "derived": r.derived, "corpus": r.corpus, "examples": r.examples,
    });
    serde_json::to_writer_pretty(&mut *w, &report)?;
    writeln!(w)
}

pub(super) fn write_verification(v: &Verification, w: &mut dyn Write) -> io::Result<()> {
    let report = serde_json::json!({
        "ok": v.ok(),
        "signature": v.signature,
        "replayed": v.replayed,
        "mismatches": v.mismatches,
    });
    serde_json::to_writer_pretty(&mut *w, &report)?;
    writeln!(w)
}

/// `claimgate audit`: the audit, and whether it passed.
pub(super) fn write_audit(a: &crate::Audit, w: &mut dyn Write) -> io::Result<()> {
    let mut report = serde_json::to_value(a)?;
    if let Some(o) = report.as_object_mut() {
        o.insert("ok".into(), serde_json::Value::Bool(a.ok()));
    }
    serde_json::to_writer_pretty(&mut *w, &report)?;
    writeln!(w)
}
