//! Trustee attestation-service TEE claims: what the AS's verifiers parse out of evidence, as its
//! appraisal policies receive them (`attestation-service/src/ear_token/broker.rs`,
//! `transform_claims`): the claims under the TEE's name (`tdx`, `snp`, `sgx`, `nvidia`, …), with
//! `init_data` and `report_data` lifted beside them. A document is that object, or one
//! verifier's claims alone (a TDX, SNP or NVIDIA verifier's output), which is read as the AS
//! would wrap it.
//!
//! Two kinds, as the AS runs two classes of policy: CPU TEEs (`trustee_tee_claims`, policy
//! `default_cpu`) and GPUs (`trustee_gpu_claims`, `nvidia`, policy `default_gpu`).
//!
//! Read per TEE: report data, the debug attribute (TDX `td_attributes.debug`, SNP
//! `policy_debug_allowed`, SGX `attributes.flags` bit 1) and Intel DCAP's `tcb_status` as a check.
//! Parsed claims are the input of an appraisal, not its result: they carry no verdict, no times
//! and no reference values, so they record no decision, and the attestation they give is
//! neither fresh nor matched. Upstream policies read them as `ear_tee_claims`, the input the AS
//! hands its policies.

use super::{Adapter, Appraised, Context, Doc};
use crate::document::{Appraisal, Kind};
use crate::evidence::{Check, CheckState, Evidence, InputBuilder, InputShape, UpstreamInput};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The TEE names the AS keys CPU claims by (kbs-types `Tee`, as `to_variant_name` writes them).
const CPU_TEES: [&str; 12] = [
    "tdx",
    "snp",
    "sgx",
    "az-snp-vtpm",
    "az-tdx-vtpm",
    "se",
    "tpm",
    "cca",
    "csv",
    "hygon-dcu",
    "sample",
    "sampledevice",
];

/// What the AS lifts beside the TEE's claims.
const LIFTED: [&str; 4] = [
    "init_data",
    "init_data_claims",
    "report_data",
    "runtime_data_claims",
];

/// One class of Trustee TEE claims.
pub(super) struct TrusteeClaims {
    kind: Kind,
    /// The TEE names of this class
    tees: &'static [&'static str],
    /// A verifier's claims alone, and the TEE name the AS would put them under
    bare: fn(&Value) -> Option<&'static str>,
}

/// CPU TEE claims.
pub(super) static CPU: TrusteeClaims = TrusteeClaims {
    kind: Kind::TrusteeTeeClaims,
    tees: &CPU_TEES,
    bare: |v| {
        if v.pointer("/quote/body/mr_td").is_some() && v.get("td_attributes").is_some() {
            Some("tdx")
        } else if v.get("reported_tcb_bootloader").is_some()
            && v.get("measurement").is_some()
            && v.get("policy_debug_allowed").is_some()
        {
            Some("snp")
        } else {
            None
        }
    },
};

/// NVIDIA GPU claims: the local verifier's (`arch`, `uuid`, `measurements`, `config`).
pub(super) static GPU: TrusteeClaims = TrusteeClaims {
    kind: Kind::TrusteeGpuClaims,
    tees: &["nvidia"],
    bare: |v| {
        ["arch", "uuid", "measurements", "config"]
            .iter()
            .all(|k| v.get(k).is_some())
            .then_some("nvidia")
    },
};

impl TrusteeClaims {
    /// Whether `v` is this class's claims, and how: already wrapped (every key a TEE of this
    /// class or lifted beside one, at least one TEE: `None` inside), or one verifier's claims
    /// under the TEE named. Reads keys only: detection runs on every upstream document.
    fn shape(&self, v: &Value) -> Option<Option<&'static str>> {
        let o = v.as_object()?;
        let tees = o
            .iter()
            .filter(|(k, x)| self.tees.contains(&k.as_str()) && x.is_object())
            .count();
        let all_known = o
            .keys()
            .all(|k| self.tees.contains(&k.as_str()) || LIFTED.contains(&k.as_str()));
        if tees > 0 && all_known {
            return Some(None);
        }
        (self.bare)(v).map(Some)
    }

    /// The claims as the AS hands them to a policy: as they are when wrapped, else one
    /// verifier's claims wrapped here.
    fn wrapped<'v>(&self, v: &'v Value) -> Option<Cow<'v, Value>> {
        let Some(tee) = self.shape(v)? else {
            return Some(Cow::Borrowed(v));
        };
        let mut claims = v.as_object()?.clone();
        let mut out = Map::new();
        // As the AS's broker does: init data and report data beside the claims, each with its
        // structured form (none here: a verifier's output carries only the bytes).
        for (lifted, structured) in [
            ("init_data", "init_data_claims"),
            ("report_data", "runtime_data_claims"),
        ] {
            if let Some(x) = claims.remove(lifted) {
                out.insert(lifted.to_string(), x);
                out.insert(structured.to_string(), Value::Null);
            }
        }
        out.insert(tee.to_string(), Value::Object(claims));
        Some(Cow::Owned(Value::Object(out)))
    }
}

impl Adapter for TrusteeClaims {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn detect(&self, value: &Value) -> bool {
        self.shape(value).is_some()
    }

    fn source_keys(&self, fact: &str) -> &'static [&'static str] {
        match fact {
            "debug_enabled" => &["debug", "policy_debug_allowed", "attributes.flags"],
            "checks" => &["tcb_status"],
            "nonce" | "workload_digest" => &["report_data"],
            _ => &[],
        }
    }

    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context) {
        let Some(wrapped) = self.wrapped(doc.claims) else {
            cx.problem(
                doc.src,
                "(document)",
                format!("not {} claims", self.kind.name()),
            );
            return;
        };
        let lifted_report_data = wrapped.get("report_data").and_then(Value::as_str);
        for (tee, claims) in wrapped.as_object().into_iter().flatten() {
            if !self.tees.contains(&tee.as_str()) || !claims.is_object() {
                continue;
            }
            let here = format!("{}#{tee}", doc.src);
            let mut facts = Appraised::new("trustee-as".into(), Appraisal::Remote, doc.signature);
            facts.tee = Some(tee.clone());
            let report_data = lifted_report_data
                .or_else(|| claims.get("report_data").and_then(Value::as_str))
                .or_else(|| {
                    claims
                        .pointer("/quote/body/report_data")
                        .and_then(Value::as_str)
                })
                .or_else(|| claims.pointer("/body/report_data").and_then(Value::as_str));
            facts.report_data = cx.hex(&here, "report_data", report_data);
            facts.debug_enabled = debug(tee, claims);
            if let Some(status) = claims.get("tcb_status") {
                facts.checks.push(Check {
                    name: "tcb_status".into(),
                    state: match status.as_str() {
                        Some("UpToDate") => CheckState::Passed,
                        _ => CheckState::Failed,
                    },
                });
            }
            let att = cx.attestation(&here, facts);
            ev.runtime.attestations.push(att);
        }
    }

    /// `ear_tee_claims`: the claims wrapped as the AS hands them to its policy.
    fn inputs(&self, shape: InputShape) -> Option<InputBuilder> {
        let build: InputBuilder = match self.kind {
            Kind::TrusteeGpuClaims => |v| as_input(&GPU, v),
            _ => |v| as_input(&CPU, v),
        };
        (shape == InputShape::EarTeeClaims).then_some(build)
    }
}

fn as_input(class: &TrusteeClaims, v: &Value) -> Vec<UpstreamInput> {
    class
        .wrapped(v)
        .map(|input| UpstreamInput {
            subject: None,
            input: input.into_owned(),
        })
        .into_iter()
        .collect()
}

/// The debug attribute a TEE's claims state, as a boolean or as the text `true`/`false` (Azure's
/// vTPM verifiers write every value as text); `None` when they state none.
fn debug(tee: &str, claims: &Value) -> Option<bool> {
    let flag = |v: &Value| match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    match tee {
        "tdx" | "az-tdx-vtpm" => claims.pointer("/td_attributes/debug").and_then(flag),
        "snp" | "az-snp-vtpm" => claims.get("policy_debug_allowed").and_then(flag),
        "sgx" => super::ear::sgx_debug(claims),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_verifier_output_is_wrapped_as_the_broker_wraps_it() {
        let tdx = json!({"quote": {"body": {"mr_td": "aa"}}, "td_attributes": {"debug": false},
                         "report_data": "01", "init_data": "02"});
        assert_eq!(
            CPU.wrapped(&tdx).map(Cow::into_owned),
            Some(
                json!({"init_data": "02", "init_data_claims": null, "report_data": "01",
                        "runtime_data_claims": null,
                        "tdx": {"quote": {"body": {"mr_td": "aa"}}, "td_attributes": {"debug": false}}})
            )
        );
        // Wrapped claims stay as they are; a key the AS would not write is no such object.
        let wrapped = json!({"snp": {"measurement": "aa"}, "report_data": "01"});
        assert!(matches!(CPU.wrapped(&wrapped), Some(Cow::Borrowed(w)) if *w == wrapped));
        assert_eq!(CPU.wrapped(&json!({"snp": {}, "extra": 1})), None);
        // The classes do not claim each other's documents.
        assert_eq!(GPU.wrapped(&json!({"tdx": {}})), None);
        assert_eq!(CPU.wrapped(&json!({"nvidia": {}})), None);
    }

    #[test]
    fn debug_as_each_tee_states_it() {
        assert_eq!(
            debug("tdx", &json!({"td_attributes": {"debug": true}})),
            Some(true)
        );
        assert_eq!(
            debug("az-snp-vtpm", &json!({"policy_debug_allowed": "false"})),
            Some(false)
        );
        assert_eq!(
            debug(
                "sgx",
                &json!({"body": {"attributes.flags": "0700000000000000"}})
            ),
            Some(true)
        );
        assert_eq!(debug("snp", &json!({})), None);
    }
}
