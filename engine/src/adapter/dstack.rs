//! dstack-verifier `/verify` responses for TDX quotes.
//!
//! Read: `is_valid` (the verifier's decision), `details.quote_verified`, `event_log_verified`,
//! `os_image_hash_verified`, `acpi_tables_verified`, `tcb_status`, `advisory_ids`,
//! `report_data`, `os_image_is_dev`, and `app_info` (compose hash, RTMRs) kept in the raw
//! document. The response has no issue time and no debug attribute: freshness and debug state
//! are unknown, and claimgate's policies hold on unknowns. Detected by `is_valid` beside
//! `details.quote_verified`. Knows nothing about policy.

use super::{bool_check, recorded, Adapter, Appraised, Context, Doc};
use crate::document::{Appraisal, Kind, PathStep, Status};
use crate::evidence::{Check, CheckState, Evidence, Signature};
use serde_json::Value;

const CHECKS: [&str; 4] = [
    "quote_verified",
    "event_log_verified",
    "os_image_hash_verified",
    "acpi_tables_verified",
];

/// dstack-verifier `/verify` responses.
pub(super) struct DstackVerify;

impl Adapter for DstackVerify {
    fn kind(&self) -> Kind {
        Kind::DstackVerify
    }

    fn detect(&self, value: &Value) -> bool {
        value.get("is_valid").is_some()
            && value
                .get("details")
                .is_some_and(|d| d.get("quote_verified").is_some())
    }

    fn source_keys(&self, fact: &str) -> &'static [&'static str] {
        match fact {
            "debug_enabled" => &["os_image_is_dev"],
            "checks" => &["quote_verified", "tcb_status"],
            "nonce" | "workload_digest" => &["report_data"],
            _ => &[],
        }
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let (src, resp) = (doc.src, doc.claims);
        let details = resp.get("details").unwrap_or(&Value::Null);
        let mut checks: Vec<Check> = CHECKS.iter().map(|c| bool_check(details, c)).collect();
        checks.push(Check {
            name: "tcb_status".into(),
            state: match details.get("tcb_status").and_then(Value::as_str) {
                Some("UpToDate") => CheckState::Passed,
                Some(_) => CheckState::Failed,
                None => CheckState::Unknown,
            },
        });
        let mut facts = Appraised::new(
            "dstack-verifier".into(),
            Appraisal::Remote,
            Signature::Absent,
        );
        facts.tee = Some("intel-tdx".into());
        facts.report_data = cx.hex(
            src,
            "details.report_data",
            details.get("report_data").and_then(Value::as_str),
        );
        facts.debug_enabled = details.get("os_image_is_dev").and_then(Value::as_bool);
        facts.checks = checks;
        let att = cx.attestation(src, facts);
        ev.runtime.attestations.push(att);

        let (status, reason) = match resp.get("is_valid").and_then(Value::as_bool) {
            Some(true) => (Status::Pass, "is_valid is true".to_string()),
            Some(false) => (
                Status::Reject,
                resp.get("reason").and_then(Value::as_str).map_or_else(
                    || "is_valid is false".to_string(),
                    |r| format!("is_valid is false: {r}"),
                ),
            ),
            None => {
                cx.problem(src, "is_valid", "missing or not a boolean".into());
                (Status::Hold, "no is_valid".to_string())
            }
        };
        ev.verifier.decisions.push(recorded(
            src,
            "dstack-verifier",
            status,
            reason,
            "dstack-verifier",
            &[PathStep::AttestationService, PathStep::Policy],
        ));
    }
}
