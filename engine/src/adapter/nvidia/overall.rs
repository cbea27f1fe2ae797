//! `nvidia_overall`: NRAS overall claims. The overall result (`x-nvidia-overall-att-result`) is
//! the verifier's decision, recorded with the token's signature state and `eat_nonce`. The
//! claims name device tokens by digest but carry no device claims, so upstream policies can
//! take only the document as it is. Knows nothing about policy.

use super::nvidia_nonce;
use crate::adapter::{recorded, Adapter, Context, Doc};
use crate::document::{Kind, PathStep, Status};
use crate::evidence::{Evidence, Signature, Token};
use serde_json::Value;

/// NRAS overall claims.
pub(in crate::adapter) struct NvidiaOverall;

impl Adapter for NvidiaOverall {
    fn kind(&self) -> Kind {
        Kind::NvidiaOverall
    }

    fn detect(&self, value: &Value) -> bool {
        value.get("x-nvidia-overall-att-result").is_some()
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        read(ev, cx, doc.src, doc.claims, doc.signature);
    }
}

/// Records the overall result as the verifier's decision (also for a detached EAT's overall
/// token).
pub(super) fn read(
    ev: &mut Evidence,
    cx: &mut Context,
    src: &str,
    claims: &Value,
    signature: Signature,
) {
    let verifier = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or("nvidia-nras")
        .to_string();
    let (status, reason) = match claims
        .get("x-nvidia-overall-att-result")
        .and_then(Value::as_bool)
    {
        Some(true) => (
            Status::Pass,
            "x-nvidia-overall-att-result is true".to_string(),
        ),
        Some(false) => (
            Status::Reject,
            "x-nvidia-overall-att-result is false".to_string(),
        ),
        None => {
            cx.problem(
                src,
                "x-nvidia-overall-att-result",
                "missing or not a boolean".into(),
            );
            (Status::Hold, "the overall result is missing".to_string())
        }
    };
    let mut decision = recorded(
        src,
        "nvidia-overall-att-result",
        status,
        reason,
        &verifier,
        &[PathStep::AttestationService, PathStep::Policy],
    );
    decision.token = Some(Token {
        signature,
        nonce: Some(nvidia_nonce(cx, src, claims.get("eat_nonce"))),
    });
    ev.verifier.decisions.push(decision);
}
