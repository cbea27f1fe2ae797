//! The native document kinds (see `docs/bundle-format.md`).

use super::Context;
use crate::bundle::Entry;
use crate::document::Document;
use crate::evidence::{
    Attestation, BackupFact, Benchmark, DecisionFact, DigestFact, Evidence, Freshness, Measurement,
    MeasurementMatch, NonceState, Origin, Release, StorageFact, Trace,
};

fn bound(fact: &DigestFact, job: &DigestFact) -> bool {
    matches!((fact.valid(), job.valid()), (Some(a), Some(b)) if a == b)
}

pub(super) fn add(
    ev: &mut Evidence,
    cx: &mut Context,
    entry: &Entry,
    expected_nonce: Option<&str>,
) {
    let src = entry.id.as_str();
    let now = ev.evaluated_at.unix;
    match &entry.document {
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
                    let matched =
                        matches!((value.valid(), reference.valid()), (Some(v), Some(r)) if v == r);
                    MeasurementMatch {
                        name: m.name.clone(),
                        value,
                        reference,
                        matched,
                    }
                })
                .collect();
            let freshness = match a.expires_at {
                _ if a.issued_at.unix > now => Freshness::NotYetValid,
                Some(exp) if now >= exp.unix => Freshness::Expired,
                Some(_) => Freshness::Fresh,
                None => Freshness::Unknown,
            };
            let nonce = match (expected_nonce, a.nonce.as_deref()) {
                (None, _) => NonceState::NotExpected,
                (Some(_), None) => NonceState::Missing,
                (Some(e), Some(n)) if e == n => NonceState::Matched,
                (Some(_), Some(_)) => NonceState::Mismatched,
            };
            let workload_digest = cx.digest(src, "workload_digest", a.workload_digest.as_deref());
            let bound_to_job = bound(&workload_digest, &ev.job.workload_digest);
            ev.runtime.attestations.push(Attestation {
                source: src.to_string(),
                verifier: a.verifier.clone(),
                appraisal: a.appraisal,
                tee: a.tee.clone(),
                evidence_digest: cx.digest(src, "evidence_digest", Some(&a.evidence_digest)),
                issued_at: a.issued_at.into(),
                expires_at: a.expires_at.map(Into::into),
                age_seconds: now - a.issued_at.unix,
                freshness,
                nonce,
                measurements_matched: !measurements.is_empty()
                    && measurements.iter().all(|m| m.matched),
                measurements,
                debug_enabled: a.debug_enabled,
                secure_boot: a.secure_boot,
                workload_digest,
                bound_to_job,
            });
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
        Document::OperatorTrace(t) => {
            let workload_digest = cx.digest(src, "workload_digest", t.workload_digest.as_deref());
            ev.runtime.traces.push(Trace {
                source: src.to_string(),
                trace_digest: cx.digest(src, "trace_digest", Some(&t.trace_digest)),
                replay: t.replay,
                replayed_by: t.replayed_by.clone(),
                bound_to_job: bound(&workload_digest, &ev.job.workload_digest),
                workload_digest,
            });
        }
    }
}
