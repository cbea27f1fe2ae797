//! NVIDIA GPU attestation: NRAS and local-verifier claims, as the NVIDIA attestation SDK,
//! nvtrust and `nvattest` produce them.
//!
//! Each device's claims become one attestation fact. Read: `iss` (remote when the issuer is
//! NRAS, local otherwise: a local-only appraisal is never reported as remote), `iat`/`exp`,
//! `eat_nonce`, `measres`, `dbgstat`, `secboot`, the boolean `x-nvidia-*` results, and the
//! certificate-chain objects (status, OCSP status, OCSP nonce match, OCSP response validity).
//! A check the relying-party policy needs but the claims lack is **unknown**, never passed:
//! the SDK defaults missing OCSP fields to true; claimgate does not.
//! The overall result (`x-nvidia-overall-att-result`, `nvattest`'s `result_code`) is recorded as
//! the verifier's decision.

use super::{bool_check, epoch, recorded, Appraised, Context};
use crate::digest::Digest;
use crate::document::{Appraisal, PathStep, Status};
use crate::evidence::{Check, CheckState, Evidence, MeasurementResult, Signature};
use serde_json::Value;

/// Results every GPU claims version carries (NRAS v2/v3, SDK claims 3.0).
const GPU_CORE: [&str; 11] = [
    "x-nvidia-gpu-arch-check",
    "x-nvidia-gpu-attestation-report-parsed",
    "x-nvidia-gpu-attestation-report-nonce-match",
    "x-nvidia-gpu-attestation-report-signature-verified",
    "x-nvidia-gpu-driver-rim-fetched",
    "x-nvidia-gpu-driver-rim-signature-verified",
    "x-nvidia-gpu-driver-rim-measurements-available",
    "x-nvidia-gpu-vbios-rim-fetched",
    "x-nvidia-gpu-vbios-rim-signature-verified",
    "x-nvidia-gpu-vbios-rim-measurements-available",
    "x-nvidia-gpu-vbios-index-no-conflict",
];

/// Certificate chains per device type (claims v3 and the SDK format).
const GPU_CHAINS: [&str; 3] = [
    "x-nvidia-gpu-attestation-report-cert-chain",
    "x-nvidia-gpu-driver-rim-cert-chain",
    "x-nvidia-gpu-vbios-rim-cert-chain",
];
const SWITCH_CHAINS: [&str; 2] = [
    "x-nvidia-switch-attestation-report-cert-chain",
    "x-nvidia-switch-bios-rim-cert-chain",
];
/// Claims v2 states each chain as one boolean instead.
const GPU_V2_CHAINS: [&str; 3] = [
    "x-nvidia-gpu-attestation-report-cert-chain-validated",
    "x-nvidia-gpu-driver-rim-cert-validated",
    "x-nvidia-gpu-vbios-rim-cert-validated",
];

/// Where the claims came from, for facts the claims themselves do not carry.
#[derive(Default)]
struct Origin<'a> {
    /// Claims of an enclosing token (issuer, times) when the device claims lack them
    envelope: Option<&'a Value>,
    /// Digest of the device token, when there is one
    evidence_digest: Option<Digest>,
    signature: Option<Signature>,
}

/// Device claims: `{"GPU-0": {...}}`, one flat device, or the SDK's array of devices.
pub(super) fn add_claims(
    ev: &mut Evidence,
    cx: &mut Context,
    src: &str,
    claims: &Value,
    signature: Signature,
) {
    let origin = Origin {
        signature: Some(signature),
        ..Origin::default()
    };
    for (name, device) in devices(claims) {
        add_device(ev, cx, &format!("{src}#{name}"), device, &origin);
    }
}

/// Each device's claims in any NVIDIA document kind (device tokens decoded), for policies that
/// take device claims as their input.
pub fn nvidia_devices(doc: &Value) -> Vec<(String, Value)> {
    if doc.get("result_code").is_some() {
        return devices(doc.get("claims").unwrap_or(&Value::Null))
            .into_iter()
            .map(|(n, d)| (n, d.clone()))
            .collect();
    }
    if let Some(tokens) = doc.get(1).and_then(Value::as_object) {
        return tokens
            .iter()
            .filter_map(|(n, t)| Some((n.clone(), crate::jwt::decode(t.as_str()?).ok()?.payload)))
            .collect();
    }
    devices(doc)
        .into_iter()
        .map(|(n, d)| (n, d.clone()))
        .collect()
}

fn devices(claims: &Value) -> Vec<(String, &Value)> {
    if let Some(list) = claims.as_array() {
        return list
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("device{i}"), d))
            .collect();
    }
    if claims.get("measres").is_some() || claims.get("x-nvidia-gpu-arch-check").is_some() {
        return vec![("GPU-0".to_string(), claims)];
    }
    claims
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

fn add_device(ev: &mut Evidence, cx: &mut Context, here: &str, d: &Value, origin: &Origin<'_>) {
    let claim = |k: &str| d.get(k).or_else(|| origin.envelope.and_then(|e| e.get(k)));
    let issuer = claim("iss").and_then(Value::as_str);
    let appraisal = match issuer {
        Some(i) if i.contains("nras.attestation") => Appraisal::Remote,
        _ => Appraisal::Local,
    };
    let verifier = issuer.map_or_else(|| "nvidia-local-verifier".to_string(), str::to_string);
    let switch = d.get("x-nvidia-device-type").and_then(Value::as_str) == Some("nvswitch");

    let mut checks: Vec<Check> = Vec::new();
    let chains: &[&str] = if switch { &SWITCH_CHAINS } else { &GPU_CHAINS };
    if chains.iter().any(|c| d.get(*c).is_some()) {
        for chain in chains {
            checks.extend(chain_checks(d, chain));
        }
    } else if !switch {
        checks.extend(GPU_V2_CHAINS.iter().map(|c| bool_check(d, c)));
    }
    if !switch {
        checks.extend(GPU_CORE.iter().map(|c| bool_check(d, c)));
    }
    // Every other boolean result the verifier states counts too.
    if let Some(o) = d.as_object() {
        for (k, v) in o {
            if k.starts_with("x-nvidia-") && v.is_boolean() && !checks.iter().any(|c| &c.name == k)
            {
                checks.push(bool_check(d, k));
            }
        }
    }
    if let Some(w) = d.get("x-nvidia-attestation-warning") {
        checks.push(Check {
            name: "x-nvidia-attestation-warning".into(),
            state: if w.is_null() {
                CheckState::Passed
            } else {
                CheckState::Failed
            },
        });
    }
    checks.sort_by(|a, b| a.name.cmp(&b.name));

    let mismatch_records = d
        .get("x-nvidia-mismatch-measurement-records")
        .is_some_and(|r| !r.is_null() && r.as_array().is_none_or(|a| !a.is_empty()));
    let measurement_result = match d.get("measres").and_then(Value::as_str) {
        _ if mismatch_records => MeasurementResult::Mismatched,
        Some("success") => MeasurementResult::Matched,
        Some(_) => MeasurementResult::Mismatched,
        None => MeasurementResult::Unknown,
    };
    let mut facts = Appraised::new(
        verifier,
        appraisal,
        origin.signature.unwrap_or(Signature::Absent),
    );
    facts.tee = Some(
        d.get("hwmodel")
            .and_then(Value::as_str)
            .map_or_else(|| "nvidia-gpu".to_string(), |h| format!("nvidia {h}")),
    );
    facts.evidence_digest = origin
        .evidence_digest
        .clone()
        .map_or(crate::evidence::DigestFact::Absent, |value| {
            crate::evidence::DigestFact::Valid { value }
        });
    facts.issued_at = d
        .get("iat")
        .and_then(Value::as_i64)
        .or_else(|| origin.envelope.and_then(|e| epoch(e, "iat")));
    facts.expires_at = d
        .get("exp")
        .and_then(Value::as_i64)
        .or_else(|| origin.envelope.and_then(|e| epoch(e, "exp")));
    facts.nonce = claim("eat_nonce")
        .and_then(Value::as_str)
        .map(str::to_string);
    facts.measurement_result = measurement_result;
    facts.debug_enabled = match d.get("dbgstat").and_then(Value::as_str) {
        Some("disabled") => Some(false),
        Some("enabled") => Some(true),
        _ => None,
    };
    facts.secure_boot = d.get("secboot").and_then(Value::as_bool);
    facts.checks = checks;
    let att = cx.attestation(ev, here, facts);
    ev.runtime.attestations.push(att);
}

fn chain_checks(d: &Value, chain: &str) -> Vec<Check> {
    let c = d.get(chain);
    let text = |field: &str, want: &str| Check {
        name: format!("{chain}.{field}"),
        state: match c.and_then(|c| c.get(field)).and_then(Value::as_str) {
            Some(v) if v == want => CheckState::Passed,
            Some(_) => CheckState::Failed,
            None => CheckState::Unknown,
        },
    };
    let flag = |field: &str| Check {
        name: format!("{chain}.{field}"),
        state: match c.and_then(|c| c.get(field)).and_then(Value::as_bool) {
            Some(true) => CheckState::Passed,
            Some(false) => CheckState::Failed,
            None => CheckState::Unknown,
        },
    };
    vec![
        text("x-nvidia-cert-status", "valid"),
        text("x-nvidia-cert-ocsp-status", "good"),
        flag("x-nvidia-cert-ocsp-nonce-matches"),
        flag("x-nvidia-cert-ocsp-response-valid"),
    ]
}

/// NRAS overall claims: the overall result is the verifier's decision.
pub(super) fn add_overall(ev: &mut Evidence, cx: &mut Context, src: &str, claims: &Value) {
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
    ev.verifier.decisions.push(recorded(
        src,
        "nvidia-overall-att-result",
        status,
        reason,
        &verifier,
        &[PathStep::AttestationService, PathStep::Policy],
    ));
}

/// `[["JWT", overall], {"GPU-0": device token, …}]`: the overall token is the decision; each
/// device token is checked against the digest the overall token names for it.
pub(super) fn add_detached(ev: &mut Evidence, cx: &mut Context, src: &str, eat: &Value) {
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
    add_overall(ev, cx, &format!("{src}#overall"), &overall.payload);
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
                let sig = match (own, overall_signature) {
                    (Signature::Verified, Signature::Verified) => Signature::Verified,
                    (Signature::Invalid, _) | (_, Signature::Invalid) => Signature::Invalid,
                    (s, _) => s,
                };
                (jwt.payload, sig)
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
        add_device(ev, cx, &here, &device, &origin);
        if let Some(att) = ev.runtime.attestations.last_mut() {
            att.checks.push(Check {
                name: format!("submods.{name} digest"),
                state: match named {
                    Some(n) if n == digest.hex => CheckState::Passed,
                    Some(_) => CheckState::Failed,
                    None => CheckState::Unknown,
                },
            });
            att.checks_passed = att.checks.iter().all(|c| c.state == CheckState::Passed);
        }
    }
}

/// `nvattest attest --format json`: result code, the SDK claims array, and the detached EAT
/// (as the text of a list, with single quotes).
pub(super) fn add_nvattest(ev: &mut Evidence, cx: &mut Context, src: &str, out: &Value) {
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
    let signature = match (&overall, overall_token) {
        (Some(jwt), Some(token)) => cx.signature(jwt, token),
        _ => Signature::Absent,
    };
    let envelope = overall.as_ref().map(|j| &j.payload);
    let verifier = envelope
        .and_then(|e| e.get("iss"))
        .and_then(Value::as_str)
        .unwrap_or("nvattest")
        .to_string();
    let origin = Origin {
        envelope,
        evidence_digest: None,
        signature: Some(signature),
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
    ev.verifier.decisions.push(recorded(
        src,
        "nvattest",
        status,
        reason,
        &verifier,
        &[PathStep::AttestationService, PathStep::Policy],
    ));
}
