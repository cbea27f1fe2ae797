//! The JSON documents the command line prints with `--format json` and `--error-format json`,
//! as strings: for bindings and services that must give the same bytes as the command line.

use crate::report::{self, Format, GateLimits};
use std::io;

/// `claimgate eval --format json`: one decision (`claimgate.decision/v1`).
pub fn decision(decision: &crate::Decision) -> io::Result<String> {
    written(|w| report::render(decision, Format::Json, w))
}

/// `claimgate gate --format json`: the gate report (`claimgate.gate/v1`).
pub fn gate(report: &crate::gate::GateReport) -> io::Result<String> {
    let limits = GateLimits {
        sarif_results: report::SARIF_MAX_RESULTS,
        capped: true,
    };
    written(|w| report::render_gate(report, Format::Json, limits, w))
}

/// `claimgate verify --format json`: what verifying a receipt found.
pub fn verification(found: &crate::Verification) -> io::Result<String> {
    written(|w| report::render_verification(found, Format::Json, w))
}

/// `--error-format json`: an error as one object (`message`, `code`, `help`, `causes[]`,
/// `labels[]` with `file`, `line`, `column` and the text they point at, `related[]`).
pub fn error(error: &crate::Error) -> serde_json::Value {
    report::diagnostic::to_json(error)
}

/// A JSON value in canonical form (RFC 8785): how receipts are written, hashed and signed.
pub fn canonical(value: &serde_json::Value) -> Vec<u8> {
    crate::jcs::to_vec(value)
}

fn written(render: impl FnOnce(&mut dyn io::Write) -> io::Result<()>) -> io::Result<String> {
    let mut bytes = Vec::new();
    render(&mut bytes)?;
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
