//! Trustee KBS error responses (`{"type": ".../kbs/errors/<Kind>", "detail": …}`).
//!
//! A denial is evidence: it says how far the request got. `PolicyDeny` (HTTP 403) means the
//! key broker received the request, the attestation service accepted the token, and the
//! resource policy rejected it. `AttestationError` means the attestation service rejected the
//! evidence. Any other error (a missing token, an unknown plugin or resource) is no verifier
//! decision at all: it is reported as a problem and derives nothing. Detected by its `type`
//! URL, which only KBS errors carry. Knows nothing about policy.

use super::{recorded, Adapter, Context, Doc};
use crate::document::{Kind, PathStep, Status};
use crate::evidence::Evidence;
use serde_json::Value;

/// The URL every KBS error type starts with.
const ERRORS: &str = "https://github.com/confidential-containers/kbs/errors/";

/// Trustee KBS error responses.
pub(super) struct KbsError;

impl Adapter for KbsError {
    fn kind(&self) -> Kind {
        Kind::KbsError
    }

    fn detect(&self, value: &Value) -> bool {
        value
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with(ERRORS))
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let (src, resp) = (doc.src, doc.claims);
        let kind = resp
            .get("type")
            .and_then(Value::as_str)
            .and_then(|t| t.rsplit('/').next())
            .unwrap_or("");
        let detail = resp.get("detail").and_then(Value::as_str).unwrap_or("");
        let reached: &[PathStep] = match kind {
            "PolicyDeny" => &[
                PathStep::KeyBroker,
                PathStep::AttestationService,
                PathStep::Policy,
            ],
            "AttestationError" => &[PathStep::KeyBroker, PathStep::AttestationService],
            other => {
                cx.problem(
                    src,
                    "type",
                    format!(
                        "KBS error `{other}` ({detail}) is not a verifier decision: no policy ran"
                    ),
                );
                return;
            }
        };
        ev.verifier.decisions.push(recorded(
            src,
            "kbs-resource-policy",
            Status::Reject,
            format!("{kind}: {detail}"),
            "trustee-kbs",
            reached,
        ));
    }
}
