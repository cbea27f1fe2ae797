//! `nvattest attest --format json` output: `result_code` (the verifier's decision), the SDK
//! claims array (one attestation fact per device, and what upstream policies take), and the
//! detached EAT (as the text of a list, with single quotes) for the overall token's issuer,
//! times and nonce. Knows nothing about policy.

use super::{add_device, devices, nvidia_nonce, owned, Devices, Origin};
use crate::adapter::{recorded, Adapter, Context, Doc};
use crate::document::{Kind, PathStep, Status};
use crate::evidence::{Evidence, InputBuilder, InputShape, Signature, Token};
use serde_json::Value;

/// `nvattest` output.
pub(in crate::adapter) struct Nvattest;

impl Adapter for Nvattest {
    fn kind(&self) -> Kind {
        Kind::Nvattest
    }

    fn detect(&self, value: &Value) -> bool {
        value.get("result_code").is_some() && value.get("claims").is_some()
    }

    /// The output is plain JSON: whatever signs the detached EAT inside it does not cover it.
    fn source_keys(&self, fact: &str) -> &'static [&'static str] {
        super::source_keys(fact)
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let (src, out) = (doc.src, doc.claims);
        let eat: Option<Value> = match out.get("detached_eat") {
            Some(Value::String(s)) => serde_json::from_str(&s.replace('\'', "\"")).ok(),
            Some(v @ Value::Array(_)) => Some(v.clone()),
            _ => None,
        };
        let overall_token = eat
            .as_ref()
            .and_then(|e| e.pointer("/0/1"))
            .and_then(Value::as_str);
        let overall = overall_token.and_then(|t| crate::jwt::decode(t).ok());
        let envelope = overall.as_ref().map(|j| &j.payload);
        let verifier = envelope
            .and_then(|e| e.get("iss"))
            .and_then(Value::as_str)
            .unwrap_or("nvattest")
            .to_string();
        // The SDK claims array is plain JSON beside the tokens: no signature covers it, whatever
        // signs the detached EAT (give the detached EAT itself to have its tokens verified).
        let origin = Origin {
            envelope,
            evidence_digest: None,
            signature: Some(Signature::Absent),
        };
        for (name, device) in devices(out.get("claims").unwrap_or(&Value::Null)) {
            add_device(ev, cx, &format!("{src}#{name}"), device, &origin);
        }
        let code = out.get("result_code").and_then(Value::as_i64);
        let message = out
            .get("result_message")
            .and_then(Value::as_str)
            .unwrap_or("");
        let (status, reason) = match code {
            Some(0) => (Status::Pass, format!("result_code 0 ({message})")),
            Some(c) => (Status::Reject, format!("result_code {c} ({message})")),
            None => (Status::Hold, "no result_code".to_string()),
        };
        let nonce =
            envelope.map(|e| nvidia_nonce(cx, &format!("{src}#overall"), e.get("eat_nonce")));
        let mut decision = recorded(
            src,
            "nvattest",
            status,
            reason,
            &verifier,
            &[PathStep::AttestationService, PathStep::Policy],
        );
        // The result code is plain JSON beside the tokens: no signature covers it.
        decision.token = Some(Token {
            signature: Signature::Absent,
            nonce,
        });
        ev.verifier.decisions.push(decision);
    }

    fn inputs(&self, shape: InputShape) -> Option<InputBuilder> {
        super::device_inputs::<Self>(shape)
    }
}

/// The devices of the SDK claims array.
impl Devices for Nvattest {
    fn devices(doc: &Value) -> Vec<(String, Value)> {
        owned(devices(doc.get("claims").unwrap_or(&Value::Null)))
    }
}
