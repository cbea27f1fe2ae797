//! Receipts providers publish in the author-model shape (`receipt_id`, `allowed_claim`,
//! `blocked_claims`, `policy_decision`, …; see `docs/formats/author-receipt.md`).
//!
//! Such a receipt is a record, not the evidence: it states a verifier policy's decision and
//! names the evidence by digest. What it can back is read as a third party's recorded decision
//! (the named policy, its status and reason) and the runtime measurement it names. Its
//! attestation result carries no appraisal, issue time or measurements, so it is not an
//! attestation claimgate can judge: only its evidence digest is checked. Every digest field is
//! checked for syntax: a name where a digest belongs (`sha256:result_bundle`) is a problem and
//! derives nothing. Detected by `allowed_claim` and `blocked_claims`, which only these
//! receipts carry. Knows nothing about policy.

use super::{recorded, Adapter, Context, Doc};
use crate::document::{Kind, PathStep, Status};
use crate::evidence::{Evidence, Measurement};
use serde_json::Value;

/// Author-model receipts.
pub(super) struct AuthorReceipt;

/// The receipt's digest fields, as dotted paths.
pub(crate) const DIGEST_FIELDS: [&str; 5] = [
    "workload_digest",
    "input_commitment",
    "runtime_measurement.measurement_digest",
    "attestation_result.evidence_digest",
    "output_digest",
];

/// The string at a dotted path of the receipt.
pub(crate) fn text<'a>(receipt: &'a Value, path: &str) -> Option<&'a str> {
    path.split('.')
        .try_fold(receipt, |v, k| v.get(k))
        .and_then(Value::as_str)
}

impl Adapter for AuthorReceipt {
    fn kind(&self) -> Kind {
        Kind::AuthorReceipt
    }

    fn detect(&self, value: &Value) -> bool {
        value.get("allowed_claim").is_some() && value.get("blocked_claims").is_some()
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let (src, r) = (doc.src, doc.claims);
        // Every digest field is checked; the manifest states the job's three again.
        let [_, _, measurement, _, _] = DIGEST_FIELDS.map(|f| cx.digest(src, f, text(r, f)));
        if let Some(kind) = text(r, "runtime_measurement.type") {
            ev.runtime.measurements.push(Measurement {
                source: src.to_string(),
                target: kind.to_string(),
                digest: measurement,
                measured_by: None,
            });
        }
        let Some(decision) = r.get("policy_decision") else {
            return;
        };
        let named = text(r, "verifier_policy_id");
        let policy_id = text(decision, "policy_id").or(named).unwrap_or_default();
        if let (Some(named), false) = (named, policy_id.is_empty()) {
            if named != policy_id {
                cx.problem(
                    src,
                    "policy_decision.policy_id",
                    format!("the decision is of policy `{policy_id}`, the receipt names `{named}`"),
                );
                return;
            }
        }
        let status = match text(decision, "status") {
            Some("pass") => Status::Pass,
            Some("hold") => Status::Hold,
            Some("reject") => Status::Reject,
            other => {
                cx.problem(
                    src,
                    "policy_decision.status",
                    format!(
                        "`{}` is not a verifier status (pass, hold or reject)",
                        other.unwrap_or("(missing)")
                    ),
                );
                return;
            }
        };
        if policy_id.is_empty() {
            cx.problem(
                src,
                "policy_decision.policy_id",
                "the decision names no policy".to_string(),
            );
            return;
        }
        let verifier = text(r, "attestation_result.verifier").unwrap_or("unnamed verifier");
        ev.verifier.decisions.push(recorded(
            src,
            policy_id,
            status,
            text(decision, "reason").unwrap_or_default().to_string(),
            verifier,
            &[PathStep::AttestationService, PathStep::Policy],
        ));
    }
}
