//! EAR attestation results (AR4SI trust vectors), as Trustee's attestation service and Veraison
//! issue them. Each submod is one appraisal: an attestation fact, and the verifier's verdict
//! recorded as a decision (affirming → pass, warning/none → hold, contraindicated → reject).
//!
//! Read: `iat`/`exp`, `ear.verifier-id`, and per submod `ear.status`,
//! `ear.trustworthiness-vector`, `ear.appraisal-policy-id`, `ear.veraison.annotated-evidence`
//! (report data, SGX attributes, PSA nonce). Not trusted: anything a signature would protect,
//! unless the token's signature was verified (the fact records `signature`).
//!
//! Two adapters, one per issuer, told apart by `eat_profile`. Both give upstream policies each
//! submod's TEE claims (`ear_tee_claims`). Like every adapter, this one knows nothing about
//! policy: whether a tier suffices is the pack's judgment.

use super::{recorded, Adapter, Appraised, Context, Doc};
use crate::document::{Appraisal, Kind, PathStep};
use crate::evidence::{
    Check, CheckState, Evidence, HexFact, InputBuilder, InputShape, MeasurementResult, Tier, Token,
    UpstreamInput,
};
use serde_json::Value;

/// One EAR issuer: the kind its results are, its name as a verifier, and how its results are
/// told apart from the other issuer's.
pub(super) struct Ear {
    kind: Kind,
    verifier: &'static str,
    detect: fn(&Value) -> bool,
}

/// EAR tokens from Trustee's attestation service.
pub(super) static TRUSTEE: Ear = Ear {
    kind: Kind::TrusteeEar,
    verifier: "trustee-as",
    detect: |value| profile(value).is_some_and(|p| p.contains("confidential-containers/Trustee")),
};

/// Veraison's EAR results: a full EAR, or its `submods` map alone (as its fixtures are).
pub(super) static VERAISON: Ear = Ear {
    kind: Kind::VeraisonEar,
    verifier: "veraison",
    detect: |value| match profile(value) {
        Some(p) => p.contains("veraison/ear"),
        None => {
            value.get("eat_profile").is_none()
                && super::every_value(value, |v| v.get("ear.status").is_some())
        }
    },
};

impl Adapter for Ear {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn detect(&self, value: &Value) -> bool {
        (self.detect)(value)
    }

    fn source_keys(&self, fact: &str) -> &'static [&'static str] {
        match fact {
            "issued_at" => &["iat"],
            "expires_at" => &["exp"],
            "debug_enabled" => &["attributes.flags"],
            "measurements" => &["executables"],
            "checks" => &["ear.trustworthiness-vector"],
            "nonce" => &["psa-nonce", "report_data"],
            _ => &[],
        }
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        read(ev, cx, doc, self.verifier);
    }

    /// `ear_tee_claims`: each submod's annotated evidence (the TEE claims keyed by TEE name), as
    /// Trustee's attestation service passes them to its policy. `veraison_appraisal`: each
    /// submod as Veraison's policy agent passes it.
    fn inputs(&self, shape: InputShape) -> Option<InputBuilder> {
        match shape {
            InputShape::EarTeeClaims => Some(tee_claims),
            InputShape::VeraisonAppraisal => Some(veraison_appraisal),
            _ => None,
        }
    }
}

/// The EAR profile a token names, when it names one as a string.
fn profile(value: &Value) -> Option<&str> {
    value.get("eat_profile").and_then(Value::as_str)
}

/// Each submod's TEE claims, `null` when it has none; a bare submods map has no `submods` key
/// and gives none.
fn tee_claims(claims: &Value) -> Vec<UpstreamInput> {
    claims
        .get("submods")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, sub)| UpstreamInput {
            subject: Some(name.clone()),
            input: sub
                .get("ear.veraison.annotated-evidence")
                .cloned()
                .unwrap_or(Value::Null),
        })
        .collect()
}

/// The submods of a full EAR, or of a bare submods map.
fn submods(claims: &Value) -> impl Iterator<Item = (&String, &Value)> {
    let map = match claims.get("submods") {
        Some(s) => s.as_object(),
        None if claims.get("eat_profile").is_none() => claims.as_object(),
        None => None,
    };
    map.into_iter().flatten()
}

/// Each submod as Veraison's policy agent builds a policy's input: the scheme (the submod's
/// name), the session nonce (the EAR's `eat_nonce`, when it has one), the submod's appraisal,
/// its annotated evidence, and no endorsements (an EAR does not carry them).
fn veraison_appraisal(claims: &Value) -> Vec<UpstreamInput> {
    let session = match claims.get("eat_nonce") {
        Some(n) => serde_json::json!({ "nonce": n }),
        None => serde_json::json!({}),
    };
    submods(claims)
        .map(|(name, sub)| UpstreamInput {
            subject: Some(name.clone()),
            input: serde_json::json!({
                "scheme": name,
                "session": session,
                "result": sub,
                "evidence": sub
                    .get("ear.veraison.annotated-evidence")
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({})),
                "endorsements": [],
            }),
        })
        .collect()
}

/// Reads every submod: an attestation fact and the verifier's verdict as a decision.
fn read(ev: &mut Evidence, cx: &mut Context, doc: &Doc, default_verifier: &str) {
    let Doc {
        src,
        claims,
        signature,
    } = *doc;
    let verifier = claims
        .get("ear.verifier-id")
        .and_then(|v| v.get("build"))
        .and_then(Value::as_str)
        .map_or_else(
            || default_verifier.to_string(),
            |b| format!("{default_verifier} ({b})"),
        );
    // A full EAR has `submods`; Veraison's appraisal fixtures are the submods map alone.
    let Some(submods) = claims
        .get("submods")
        .or_else(|| claims.get("eat_profile").is_none().then_some(claims))
        .and_then(Value::as_object)
    else {
        cx.problem(
            src,
            "submods",
            "no `submods` object: nothing was appraised".into(),
        );
        return;
    };
    let issued_at = cx.epoch(src, "iat", claims.get("iat"));
    let expires_at = cx.epoch(src, "exp", claims.get("exp"));
    for (name, sub) in submods {
        let here = format!("{src}#{name}");
        let Some(tier) = sub
            .get("ear.status")
            .and_then(Value::as_str)
            .and_then(Tier::from_name)
        else {
            cx.problem(&here, "ear.status", "missing or not an AR4SI tier".into());
            continue;
        };
        let vector: Vec<(String, i64)> = sub
            .get("ear.trustworthiness-vector")
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| v.as_i64().map(|n| (k.clone(), n)))
                    .collect()
            })
            .unwrap_or_default();
        // A claim of 0 makes no statement; only stated claims are checks.
        let checks: Vec<Check> = vector
            .iter()
            .filter(|(_, v)| *v != 0)
            .map(|(k, v)| Check {
                name: format!("ear.trustworthiness-vector.{k}"),
                state: if Tier::of(*v) == Tier::Affirming {
                    CheckState::Passed
                } else {
                    CheckState::Failed
                },
            })
            .collect();
        let executables = vector
            .iter()
            .find(|(k, _)| k == "executables")
            .map(|(_, v)| Tier::of(*v));
        let annotated = sub.get("ear.veraison.annotated-evidence");
        let policy_id = sub
            .get("ear.appraisal-policy-id")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)");

        let mut facts = Appraised::signed(verifier.clone(), Appraisal::Remote, signature);
        facts.tee = Some(tee_name(annotated).unwrap_or_else(|| name.clone()));
        facts.issued_at = issued_at;
        facts.expires_at = expires_at;
        facts.measurement_result = match executables {
            Some(Tier::Affirming) => MeasurementResult::Matched,
            Some(Tier::Contraindicated | Tier::Warning) => MeasurementResult::Mismatched,
            _ => MeasurementResult::Unknown,
        };
        facts.checks = checks;
        facts.tier = Some(tier);
        if let Some(a) = annotated {
            let report_data = a
                .get("report_data")
                .or_else(|| a.pointer("/sgx/body/report_data"))
                .and_then(Value::as_str);
            facts.report_data = cx.hex(&here, "report_data", report_data);
            facts.nonce = match a.get("psa-nonce").and_then(Value::as_str) {
                None => HexFact::Absent,
                Some(raw) => match crate::jwt::base64(raw) {
                    Some(b) => HexFact::Valid {
                        hex: crate::digest::to_hex(&b),
                    },
                    None => {
                        cx.problem(&here, "psa-nonce", format!("`{raw}` is not base64"));
                        HexFact::Malformed {
                            raw: raw.to_string(),
                        }
                    }
                },
            };
            facts.debug_enabled = a.get("sgx").and_then(sgx_debug);
        }
        let att = cx.attestation(&here, facts);
        ev.runtime.attestations.push(att);

        let stated: Vec<String> = vector
            .iter()
            .filter(|(_, v)| Tier::of(*v) != Tier::Affirming && *v != 0)
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let tier_word = tier.name();
        let reason = if stated.is_empty() {
            format!("EAR status {tier_word} for submod {name}")
        } else {
            format!(
                "EAR status {tier_word} for submod {name} ({})",
                stated.join(", ")
            )
        };
        let mut decision = recorded(
            &here,
            policy_id,
            tier.status(),
            reason,
            &verifier,
            &[PathStep::AttestationService, PathStep::Policy],
        );
        decision.token = Some(Token {
            signature,
            nonce: None,
        });
        ev.verifier.decisions.push(decision);
    }
}

/// The TEE named in the annotated evidence (`sgx`, `tdx`, `snp`, `nvidia`, …).
fn tee_name(annotated: Option<&Value>) -> Option<String> {
    const TEES: [&str; 8] = [
        "sgx",
        "tdx",
        "snp",
        "sev",
        "cca",
        "csv",
        "nvidia",
        "az-snp-vtpm",
    ];
    let o = annotated?.as_object()?;
    TEES.iter()
        .find(|t| o.contains_key(**t))
        .map(|t| (*t).to_string())
}

/// SGX enclaves record DEBUG as bit 1 of `attributes.flags` (little-endian hex), in the SGX
/// claims Trustee's verifier parses (`body`).
pub(super) fn sgx_debug(sgx: &Value) -> Option<bool> {
    let flags = sgx.pointer("/body/attributes.flags")?.as_str()?;
    let first = u8::from_str_radix(flags.get(0..2)?, 16).ok()?;
    Some(first & 0x02 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgx_debug_bit() {
        let v = serde_json::json!({"body": {"attributes.flags": "0700000000000000"}});
        assert_eq!(sgx_debug(&v), Some(true));
        let v = serde_json::json!({"body": {"attributes.flags": "0500000000000000"}});
        assert_eq!(sgx_debug(&v), Some(false));
    }
}
