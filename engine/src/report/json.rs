//! The JSON formats: the decision (`claimgate.decision/v1`, see docs/cli.md) and the gate
//! report (`claimgate.gate/v1`).
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

use crate::decision::Decision;
use crate::gate::GateReport;
use std::io::{self, Write};

pub(super) fn write(d: &Decision, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, d)?;
    writeln!(w)
}

pub(super) fn write_gate(r: &GateReport, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, r)?;
    writeln!(w)
}
