//! `nvidia_detached_eat`: `[["JWT", overall], {"GPU-0": device token, …}]`, as NRAS and the
//! attestation SDK return it. The overall token is the verifier's decision; each device token
//! is an attestation fact, checked against the digest the overall token names for it, and its
//! decoded claims are what upstream policies take. Knows nothing about policy.

use super::{add_device, device_type, Device, Devices, Origin};
use crate::adapter::{both_signed, Adapter, Context, Doc};
use crate::digest::Digest;
use crate::document::Kind;
use crate::evidence::{Check, CheckState, Evidence, InputBuilder, InputShape};
use serde_json::Value;

/// NVIDIA detached EATs.
pub(in crate::adapter) struct NvidiaDetachedEat;

impl Adapter for NvidiaDetachedEat {
    fn kind(&self) -> Kind {
        Kind::NvidiaDetachedEat
    }

    /// The first element is a list whose first element is `"JWT"`.
    fn detect(&self, value: &Value) -> bool {
        value
            .as_array()
            .and_then(|a| a.first())
            .and_then(|f| f.get(0))
            .and_then(Value::as_str)
            == Some("JWT")
    }

    /// The overall token is the decision; each device token is checked against the digest the
    /// overall token names for it. The array itself is plain JSON: only the tokens in it are
    /// signed, each checked on its own.
    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let (src, eat) = (doc.src, doc.claims);
        let overall = eat
            .get(0)
            .and_then(|p| p.get(1))
            .and_then(Value::as_str)
            .map(crate::jwt::decode);
        let overall = match overall {
            Some(Ok(jwt)) => jwt,
            Some(Err(e)) => {
                cx.problem(
                    src,
                    "[0][1]",
                    format!("the overall token does not decode: {e}"),
                );
                return;
            }
            None => {
                cx.problem(src, "[0]", "no overall token".into());
                return;
            }
        };
        let overall_token = eat
            .pointer("/0/1")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let overall_signature = cx.signature(&overall, overall_token);
        super::overall::read(
            ev,
            cx,
            &format!("{src}#overall"),
            &overall.payload,
            overall_signature,
        );
        let tokens = eat.get(1).and_then(Value::as_object);
        for (name, token) in tokens.into_iter().flatten() {
            let here = format!("{src}#{name}");
            let Some(token) = token.as_str() else {
                cx.problem(&here, name, "device token is not a string".into());
                continue;
            };
            let (device, signature) = match crate::jwt::decode(token) {
                Ok(jwt) => {
                    // A device token counts as verified only when the overall token verifies too.
                    let own = cx.signature(&jwt, token);
                    (jwt.payload, both_signed(own, overall_signature))
                }
                Err(e) => {
                    cx.problem(&here, name, format!("device token does not decode: {e}"));
                    continue;
                }
            };
            let digest = Digest::sha256_of(token.as_bytes());
            // The overall token binds each device token by its SHA-256.
            let named = overall
                .payload
                .pointer(&format!("/submods/{name}/1/1"))
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase);
            let origin = Origin {
                envelope: Some(&overall.payload),
                evidence_digest: Some(digest.clone()),
                signature: Some(signature),
            };
            let switch = device_type(&device).0 == Device::Switch;
            let count = |ev: &Evidence| {
                if switch {
                    ev.runtime.switches.len()
                } else {
                    ev.runtime.attestations.len()
                }
            };
            let before = count(ev);
            add_device(ev, cx, &here, &device, &origin);
            let target = if switch {
                &mut ev.runtime.switches
            } else {
                &mut ev.runtime.attestations
            };
            if let Some(att) = target.get_mut(before) {
                att.checks.push(Check {
                    name: format!("submods.{name} digest"),
                    state: match named {
                        Some(n) if n == digest.hex => CheckState::Passed,
                        Some(_) => CheckState::Failed,
                        None => CheckState::Unknown,
                    },
                });
            }
        }
    }

    fn inputs(&self, shape: InputShape) -> Option<InputBuilder> {
        super::device_inputs::<Self>(shape)
    }
}

/// The device tokens, decoded; one that does not decode gives no input.
impl Devices for NvidiaDetachedEat {
    fn devices(doc: &Value) -> Vec<(String, Value)> {
        doc.get(1)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(n, t)| Some((n.clone(), crate::jwt::decode(t.as_str()?).ok()?.payload)))
            .collect()
    }
}
