//! The native document kinds (see `docs/bundle-format.md`).

use super::{Appraised, Context};
use crate::document::Document;
use crate::evidence::{
    BackupFact, Benchmark, DecisionFact, Evidence, Measurement, MeasurementMatch, Origin, Release,
    Signature, StorageFact, Trace,
};

pub(super) fn add(ev: &mut Evidence, cx: &mut Context, src: &str, document: &Document) {
    match document {
        Document::RuntimeMeasurement(m) => ev.runtime.measurements.push(Measurement {
            source: src.to_string(),
            target: m.target.clone(),
            digest: cx.digest(src, "digest", Some(&m.digest)),
            measured_by: m.measured_by.clone(),
        }),
        Document::AttestationResult(a) => {
            let measurements: Vec<MeasurementMatch> = a
                .measurements
                .iter()
                .map(|m| {
                    let value = cx.digest(
                        src,
                        &format!("measurements.{}.value", m.name),
                        Some(&m.value),
                    );
                    let reference = cx.digest(
                        src,
                        &format!("measurements.{}.reference", m.name),
                        m.reference.as_deref(),
                    );
                    MeasurementMatch {
                        name: m.name.clone(),
                        value,
                        reference,
                    }
                })
                .collect();
            let mut facts = Appraised::new(a.verifier.clone(), a.appraisal, Signature::Absent);
            facts.tee = a.tee.clone();
            facts.evidence_digest = cx.digest(src, "evidence_digest", Some(&a.evidence_digest));
            facts.issued_at = Some(a.issued_at.unix);
            facts.expires_at = a.expires_at.map(|e| e.unix);
            facts.nonce = cx.hex(src, "nonce", a.nonce.as_deref());
            facts.measurements = measurements;
            facts.debug_enabled = a.debug_enabled;
            facts.secure_boot = a.secure_boot;
            facts.workload_digest = cx.digest(src, "workload_digest", a.workload_digest.as_deref());
            let att = cx.attestation(src, facts);
            ev.runtime.attestations.push(att);
        }
        Document::VerifierDecision(d) => ev.verifier.decisions.push(DecisionFact {
            source: src.to_string(),
            origin: Origin::Document,
            policy_id: d.policy_id.clone(),
            status: d.status,
            reason: d.reason.clone(),
            verifier: d.verifier.clone(),
            reached: {
                let mut r = d.reached.clone();
                r.sort();
                r.dedup();
                r
            },
            token: None,
        }),
        Document::KeyRelease(k) => ev.verifier.releases.push(Release {
            source: src.to_string(),
            resource: k.resource.clone(),
            released: k.released,
            policy_id: k.policy_id.clone(),
        }),
        Document::BenchmarkResult(b) => {
            let result_digest = cx.digest(src, "result_digest", b.result_digest.as_deref());
            ev.capacity.benchmarks.push(Benchmark {
                source: src.to_string(),
                name: b.name.clone(),
                hardware_class: b.hardware_class.clone(),
                metric: b.metric.clone(),
                value: b.value,
                unit: b.unit.clone(),
                result_digest,
            });
        }
        Document::Deployment(d) => {
            let backup = d.backup.as_ref().map(|b| BackupFact {
                location: b.location.clone(),
                digest: cx.digest(src, "backup.digest", Some(&b.digest)),
            });
            ev.storage.facts.push(StorageFact {
                source: src.to_string(),
                provider: d.provider.clone(),
                storage: d.storage,
                storage_class: d.storage_class.clone(),
                // Unknown is the narrower reading: provider-local.
                provider_local: d.provider_local.unwrap_or(true),
                backup,
            });
        }
        Document::Facts(f) => {
            for (key, value) in &f.facts {
                ev.facts.push(crate::evidence::AssertedFact {
                    source: src.to_string(),
                    key: key.clone(),
                    value: serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
                    asserted_by: "provider",
                });
            }
        }
        Document::Upstream(..) => {}
        Document::OperatorTrace(t) => {
            let workload_digest = cx.digest(src, "workload_digest", t.workload_digest.as_deref());
            ev.runtime.traces.push(Trace {
                source: src.to_string(),
                trace_digest: cx.digest(src, "trace_digest", Some(&t.trace_digest)),
                replay: t.replay,
                replayed_by: t.replayed_by.clone(),
                workload_digest,
            });
        }
    }
}
