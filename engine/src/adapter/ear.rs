//! EAR attestation results (AR4SI trust vectors), as Trustee's attestation service and Veraison
//! issue them. Each submod is one appraisal: an attestation fact, and the verifier's verdict
//! recorded as a decision (affirming → pass, warning/none → hold, contraindicated → reject).
//!
//! Read: `iat`/`exp`, `ear.verifier-id`, and per submod `ear.status`,
//! `ear.trustworthiness-vector`, `ear.appraisal-policy-id`, `ear.veraison.annotated-evidence`
//! (report data, SGX attributes, PSA nonce). Not trusted: anything a signature would protect,
//! unless the token's signature was verified (the fact records `signature`).

use super::{recorded, Appraised, Context};
use crate::document::{Appraisal, Kind, PathStep, Status};
use crate::evidence::{
    Check, CheckState, Evidence, HexFact, MeasurementResult, Signature, Tier, Token,
};
use serde_json::Value;

/// AR4SI tier of one trust-vector value (draft-ietf-rats-ar4si): 0 none, 2–31 affirming,
/// 32–95 warning, 96–127 contraindicated, others (1, negative) the verifier's own failure.
pub fn tier_of(v: i64) -> Tier {
    match v {
        2..=31 => Tier::Affirming,
        32..=95 => Tier::Warning,
        96..=127 => Tier::Contraindicated,
        _ => Tier::None,
    }
}

fn tier_name(s: &str) -> Option<Tier> {
    match s {
        "affirming" => Some(Tier::Affirming),
        "warning" => Some(Tier::Warning),
        "contraindicated" => Some(Tier::Contraindicated),
        "none" => Some(Tier::None),
        _ => None,
    }
}

/// The decision status an EAR tier stands for.
pub fn status_of(t: Tier) -> Status {
    match t {
        Tier::Affirming => Status::Pass,
        Tier::Warning | Tier::None => Status::Hold,
        Tier::Contraindicated => Status::Reject,
    }
}

pub(super) fn add(
    ev: &mut Evidence,
    cx: &mut Context,
    src: &str,
    kind: Kind,
    claims: &Value,
    signature: Signature,
) {
    let default_verifier = if kind == Kind::TrusteeEar {
        "trustee-as"
    } else {
        "veraison"
    };
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
            .and_then(tier_name)
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
                state: if tier_of(*v) == Tier::Affirming {
                    CheckState::Passed
                } else {
                    CheckState::Failed
                },
            })
            .collect();
        let executables = vector
            .iter()
            .find(|(k, _)| k == "executables")
            .map(|(_, v)| tier_of(*v));
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
            facts.debug_enabled = sgx_debug(a);
        }
        let att = cx.attestation(&here, facts);
        ev.runtime.attestations.push(att);

        let stated: Vec<String> = vector
            .iter()
            .filter(|(_, v)| tier_of(*v) != Tier::Affirming && *v != 0)
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let tier_word = serde_json::to_value(tier)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
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
            status_of(tier),
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

/// SGX enclaves record DEBUG as bit 1 of `attributes.flags` (little-endian hex).
fn sgx_debug(annotated: &Value) -> Option<bool> {
    let flags = annotated.pointer("/sgx/body/attributes.flags")?.as_str()?;
    let first = u8::from_str_radix(flags.get(0..2)?, 16).ok()?;
    Some(first & 0x02 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar4si_tiers() {
        assert_eq!(tier_of(0), Tier::None);
        assert_eq!(tier_of(2), Tier::Affirming);
        assert_eq!(tier_of(33), Tier::Warning);
        assert_eq!(tier_of(97), Tier::Contraindicated);
        assert_eq!(tier_of(99), Tier::Contraindicated);
        assert_eq!(tier_of(-1), Tier::None);
    }

    #[test]
    fn sgx_debug_bit() {
        let v = serde_json::json!({"sgx": {"body": {"attributes.flags": "0700000000000000"}}});
        assert_eq!(sgx_debug(&v), Some(true));
        let v = serde_json::json!({"sgx": {"body": {"attributes.flags": "0500000000000000"}}});
        assert_eq!(sgx_debug(&v), Some(false));
    }
}
