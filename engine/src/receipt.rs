//! Receipts: the canonical, digest-bound record of one decision, and its verification.
//!
//! A receipt keeps the seed's fields (job, digests, benchmark, attestation and policy decision
//! each with its claim limit, allowed and blocked claims) and what a replay needs: the sha256
//! of the canonical evidence document, of every source document and artifact, of the policy
//! pack and catalog, and the engine versions. It is written as canonical JSON (RFC 8785), so
//! the same inputs give the same bytes. `decision_id` is the sha256 of the canonical receipt
//! without that field: editing any field breaks it. Field reference: `docs/receipt.md`.

use crate::bundle::Bundle;
use crate::decision::Decision;
use crate::digest::Digest;
use crate::evidence::Evidence;
use crate::policy::CompiledPack;
use serde_json::{json, Map, Value};

/// The receipt format marker.
pub const SCHEMA: &str = "claimgate.receipt/v1";
/// The regorus version claimgate is built with (checked against Cargo.lock by a test).
pub const REGORUS_VERSION: &str = "0.14.1";

/// Builds the receipt for a decision, `decision_id` included.
pub fn seal(
    bundle: &Bundle,
    evidence: &Evidence,
    decision: &Decision,
    pack: &CompiledPack,
) -> Value {
    let mut r = body(bundle, evidence, decision, pack);
    let id = decision_id(&r);
    if let Some(o) = r.as_object_mut() {
        o.insert("decision_id".into(), Value::String(id));
    }
    r
}

/// sha256 of the canonical receipt without `decision_id` (and without a signature envelope).
pub fn decision_id(receipt: &Value) -> String {
    let mut body = receipt.clone();
    if let Some(o) = body.as_object_mut() {
        o.remove("decision_id");
    }
    Digest::sha256_of(&crate::jcs::to_vec(&body)).to_string()
}

fn body(bundle: &Bundle, ev: &Evidence, d: &Decision, pack: &CompiledPack) -> Value {
    let val = |x: &dyn erased::Ser| x.value();
    let show = |f: &crate::evidence::DigestFact| f.valid().map(ToString::to_string);
    let benchmarks: Vec<Value> = ev
        .capacity
        .benchmarks
        .iter()
        .map(|b| {
            json!({"source": b.source, "name": b.name, "hardware_class": b.hardware_class,
                   "metric": b.metric, "value": b.value, "unit": b.unit,
                   "result_digest": show(&b.result_digest)})
        })
        .collect();
    let attestations: Vec<Value> = ev
        .runtime
        .attestations
        .iter()
        .map(|a| {
            // The pack's judgments of this result (`data.claimgate.claims.attestations`).
            let judged = |k: &str| {
                d.appraisals
                    .get(&a.source)
                    .and_then(|j| j.get(k))
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            json!({"source": a.source, "verifier": a.verifier, "appraisal": val(&a.appraisal),
                   "tee": a.tee, "evidence_digest": show(&a.evidence_digest),
                   "issued_at": a.issued_at.map(|w| w.rfc3339.to_string()),
                   "expires_at": a.expires_at.map(|w| w.rfc3339.to_string()),
                   "freshness": judged("freshness"), "fresh": judged("fresh"), "nonce": judged("nonce"),
                   "measurement_result": judged("measurement_result"),
                   "checks_passed": judged("checks_passed"), "debug_enabled": a.debug_enabled,
                   "bound_to_job": judged("bound_to_job"), "signature": val(&a.signature)})
        })
        .collect();
    let mut policy_ids: Vec<&str> = d
        .verifier_decisions
        .iter()
        .map(|v| v.policy_id.as_str())
        .collect();
    policy_ids.sort_unstable();
    policy_ids.dedup();
    let documents: Vec<Value> = bundle
        .documents
        .iter()
        .map(|e| {
            let digest = match &e.file {
                Some(rel) => crate::bundle::confine(&bundle.root, rel)
                    .ok()
                    .and_then(|p| Digest::sha256_file(&p).ok())
                    .map(|d| d.to_string()),
                None => None,
            };
            json!({"id": e.id, "kind": val(&e.document.kind()), "path": e.file, "sha256": digest})
        })
        .collect();
    let artifacts: Vec<Value> = ev
        .artifacts
        .iter()
        .map(|a| json!({"name": a.name, "path": a.path, "role": val(&a.role),
                        "declared": show(&a.declared), "computed": a.computed.as_ref().map(ToString::to_string)}))
        .collect();
    let upstream: Vec<Value> = pack
        .upstream
        .iter()
        .map(|u| json!({"id": u.id, "file": u.file.rsplit('/').next().unwrap_or(&u.file), "sha256": u.digest.to_string(),
                        "reference_values_sha256": u.reference_digest.as_ref().map(ToString::to_string)}))
        .collect();
    let limits = &pack.catalog.claim_limits;
    json!({
        "schema": SCHEMA,
        "receipt_id": d.job.receipt_id,
        "job_id": d.job.job_id,
        "workload_digest": d.job.workload_digest,
        "input_commitment": d.job.input_commitment,
        "runtime_measurement": ev.runtime.measurements.iter()
            .map(|m| json!({"source": m.source, "target": m.target, "digest": show(&m.digest)}))
            .collect::<Vec<_>>(),
        "benchmark_result": (!benchmarks.is_empty())
            .then(|| json!({"results": benchmarks, "claim_limit": limits.benchmark_result})),
        "attestation_result": (!attestations.is_empty())
            .then(|| json!({"results": attestations, "claim_limit": d.attestation_limit})),
        "verifier_policy_id": policy_ids,
        "policy_decision": {
            "status": d.verifier_status.map(|s| s.name()),
            "decisions": val(&d.verifier_decisions),
            "claim_limit": limits.policy_decision,
        },
        "output_digest": d.job.output_digest,
        "provider_constraints": (!ev.storage.facts.is_empty())
            .then(|| json!({"storage": val(&ev.storage.facts), "claim_limit": limits.provider_constraints})),
        "label": d.label.name(),
        "allowed_claim": d.allowed.iter().map(|a| json!({"id": a.id, "sentence": a.sentence})).collect::<Vec<_>>(),
        "blocked_claims": val(&d.blocked),
        "problems": val(&d.problems),
        "evaluated_at": d.evaluated_at.to_string(),
        "replay": {
            "evidence_digest": Digest::sha256_of(&crate::jcs::to_vec(&val(ev))).to_string(),
            "manifest_sha256": Digest::sha256_of(bundle.manifest.text.as_bytes()).to_string(),
            "documents": documents,
            "artifacts": artifacts,
            "policy_pack": {
                "origin": if pack.origin == "embedded" { "embedded" } else { "directory" },
                "sha256": pack.digest.to_string(),
            },
            "catalog_sha256": pack.catalog_digest.to_string(),
            "upstream_policies": upstream,
            "jws_keys": pack.jws_keys.digests(),
            "engine": {"claimgate": env!("CARGO_PKG_VERSION"), "regorus": REGORUS_VERSION},
        },
    })
}

/// Serialization to a JSON value for anything `Serialize`, without a `Result` in every field.
mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

/// One difference between a receipt and its replay.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    /// `not canonical`, `statement`, `receipt edited`, `evidence changed`, `artifact
    /// changed`, `policy changed`, `engine changed`, `decision changed` or `signature`
    pub kind: &'static str,
    /// The field, e.g. `replay.documents[attestation.yaml].sha256` or `allowed_claim`
    pub field: String,
    /// What the receipt says
    pub receipt: String,
    /// What the replay (or check) found
    pub found: String,
}

/// Compares a receipt with one rebuilt from the bundle and pack; the receipt's own
/// `decision_id` is checked first.
pub fn compare(receipt: &Value, replay: Option<&Value>) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let text = |v: Option<&Value>| {
        v.map_or_else(
            || "(absent)".to_string(),
            |v| crate::jcs::to_string(v).unwrap_or_default(),
        )
    };
    let recomputed = decision_id(receipt);
    if receipt.get("decision_id").and_then(Value::as_str) != Some(recomputed.as_str()) {
        out.push(Mismatch {
            kind: "receipt edited",
            field: "decision_id".into(),
            receipt: text(receipt.get("decision_id")),
            found: format!("\"{recomputed}\" (recomputed over the receipt's content)"),
        });
    }
    let Some(fresh) = replay else { return out };
    let empty = Map::new();
    let (r, f) = (
        receipt.as_object().unwrap_or(&empty),
        fresh.as_object().unwrap_or(&empty),
    );
    let rr = r.get("replay").and_then(Value::as_object).unwrap_or(&empty);
    let fr = f.get("replay").and_then(Value::as_object).unwrap_or(&empty);
    let mut push = |kind: &'static str, field: String, a: Option<&Value>, b: Option<&Value>| {
        if a != b {
            out.push(Mismatch {
                kind,
                field,
                receipt: text(a),
                found: text(b),
            });
        }
    };
    // Inputs first: what changed explains any decision change below.
    let by_id = |v: Option<&Value>, key: &str| -> Vec<(String, Value)> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|x| {
                (
                    x.get(key).and_then(Value::as_str).unwrap_or("").to_string(),
                    x.clone(),
                )
            })
            .collect()
    };
    let (rd, fd) = (
        by_id(rr.get("documents"), "id"),
        by_id(fr.get("documents"), "id"),
    );
    for (id, doc) in &rd {
        let now = fd.iter().find(|(i, _)| i == id).map(|(_, d)| d);
        push(
            "evidence changed",
            format!("replay.documents[{id}]"),
            Some(doc),
            now,
        );
    }
    for (id, doc) in &fd {
        if !rd.iter().any(|(i, _)| i == id) {
            push(
                "evidence changed",
                format!("replay.documents[{id}]"),
                None,
                Some(doc),
            );
        }
    }
    push(
        "evidence changed",
        "replay.manifest_sha256".into(),
        rr.get("manifest_sha256"),
        fr.get("manifest_sha256"),
    );
    let (ra, fa) = (
        by_id(rr.get("artifacts"), "name"),
        by_id(fr.get("artifacts"), "name"),
    );
    for (name, a) in &ra {
        let now = fa.iter().find(|(n, _)| n == name).map(|(_, x)| x);
        push(
            "artifact changed",
            format!("replay.artifacts[{name}]"),
            Some(a),
            now,
        );
    }
    push(
        "evidence changed",
        "replay.evidence_digest".into(),
        rr.get("evidence_digest"),
        fr.get("evidence_digest"),
    );
    push(
        "policy changed",
        "replay.policy_pack.sha256".into(),
        // The pack is its content: the same files embedded or in a directory are the same pack.
        rr.get("policy_pack").and_then(|p| p.get("sha256")),
        fr.get("policy_pack").and_then(|p| p.get("sha256")),
    );
    push(
        "policy changed",
        "replay.catalog_sha256".into(),
        rr.get("catalog_sha256"),
        fr.get("catalog_sha256"),
    );
    push(
        "policy changed",
        "replay.upstream_policies".into(),
        rr.get("upstream_policies"),
        fr.get("upstream_policies"),
    );
    push(
        "policy changed",
        "replay.jws_keys".into(),
        rr.get("jws_keys"),
        fr.get("jws_keys"),
    );
    push(
        "engine changed",
        "replay.engine".into(),
        rr.get("engine"),
        fr.get("engine"),
    );
    let mut keys: Vec<&String> = r
        .keys()
        .chain(f.keys())
        .filter(|k| !matches!(k.as_str(), "replay" | "decision_id"))
        .collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        push("decision changed", k.clone(), r.get(k), f.get(k));
    }
    out
}
