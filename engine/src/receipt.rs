//! Receipts: the canonical, digest-bound record of one decision, and its verification.
//!
//! A receipt keeps the seed's fields (job, digests, benchmark, attestation and policy decision
//! each with its claim limit, allowed and blocked claims) and what a replay needs: the sha256
//! of the canonical evidence document, of every source document and artifact, of the policy
//! pack and catalog, and the engine versions. It is written as canonical JSON (RFC 8785), so
//! the same inputs give the same bytes. `decision_id` is the sha256 of the canonical receipt
//! without that field: editing any field breaks it. Field reference: `docs/receipt.md`.
//!
//! [`compare`] names each difference between a receipt and its replay; reading and checking a
//! receipt file is [`verify`]'s.

mod verify;

pub(crate) use verify::read_json;
pub use verify::{ReceiptFile, Verification};

use crate::bundle::{Bundle, Role};
use crate::catalog::{ClaimLimits, Label};
use crate::decision::{Blocked, Decision};
use crate::digest::Digest;
use crate::document::{Appraisal, Kind, Status};
use crate::evidence::{DecisionFact, Evidence, Problem, Signature, StorageFact};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The receipt format marker.
pub const SCHEMA: &str = "claimgate.receipt/v1";
/// The regorus version claimgate is built with (checked against Cargo.lock by a test).
pub const REGORUS_VERSION: &str = "0.14.1";

/// The record of one decision (`claimgate.receipt/v1`): the job, its evidence with each
/// section's claim limit, the decision, and what a replay needs. Field by field in
/// `docs/receipt.md`; written as canonical JSON ([`Receipt::to_canonical_bytes`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Always `claimgate.receipt/v1`
    pub schema: String,
    /// As the manifest names it
    pub receipt_id: Option<String>,
    /// As the manifest names it
    pub job_id: String,
    /// The job's workload digest, when well formed
    pub workload_digest: Option<Digest>,
    /// The job's input commitment, when well formed
    pub input_commitment: Option<Digest>,
    /// Each runtime measurement document
    pub runtime_measurement: Vec<MeasurementEntry>,
    /// The benchmarks with their claim limit; `None` without benchmarks
    pub benchmark_result: Option<Section<BenchmarkEntry>>,
    /// The attestation results with the claim limit the claim rules chose; `None` without any
    pub attestation_result: Option<AttestationSection>,
    /// Every policy id that made a decision, sorted, each once
    pub verifier_policy_id: Vec<String>,
    /// Every verifier decision, their worst status and the claim limit
    pub policy_decision: PolicyDecisionSection,
    /// The job's output digest, when well formed
    pub output_digest: Option<Digest>,
    /// The storage facts with their claim limit; `None` without deployment facts
    pub provider_constraints: Option<ProviderConstraints>,
    /// The honest label
    pub label: Label,
    /// Each allowed claim, catalog order
    pub allowed_claim: Vec<AllowedClaim>,
    /// Each blocked claim: catalog order, then the blocklist
    pub blocked_claims: Vec<Blocked>,
    /// Malformed evidence that derived nothing
    pub problems: Vec<Problem>,
    /// The instant freshness was judged at
    pub evaluated_at: Instant,
    /// What a replay needs
    pub replay: Replay,
    /// sha256 of the canonical receipt without this field
    pub decision_id: String,
}

/// A runtime measurement, as the receipt records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementEntry {
    /// Document id
    pub source: String,
    /// What was measured
    pub target: String,
    /// The measurement, when well formed
    pub digest: Option<Digest>,
}

/// Entries of one kind of evidence with the catalog's limit on what they support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section<T> {
    /// The entries
    pub results: Vec<T>,
    /// What they support, from the catalog
    pub claim_limit: String,
}

/// A benchmark, as the receipt records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkEntry {
    /// Document id
    pub source: String,
    /// Benchmark name
    pub name: String,
    /// Hardware class
    pub hardware_class: String,
    /// Metric
    pub metric: String,
    /// Value
    pub value: f64,
    /// Unit
    pub unit: String,
    /// Digest of the full output, when well formed
    pub result_digest: Option<Digest>,
}

/// The attestation results, with the claim limit the claim rules chose (the catalog's sentence
/// for `attestation_limit`; `None` when the rules chose none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationSection {
    /// The results
    pub results: Vec<AttestationEntry>,
    /// What they support
    pub claim_limit: Option<String>,
}

/// An attestation result: what the document states, and what the pack concluded about it
/// (`data.claimgate.claims.attestations`). The pack's conclusions are whatever values its
/// rules give (`null` where it gives none), so they are kept as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationEntry {
    /// Document id
    pub source: String,
    /// Verifier name
    pub verifier: String,
    /// local or remote
    pub appraisal: Appraisal,
    /// TEE type
    pub tee: Option<String>,
    /// Digest of the appraised evidence, when well formed
    pub evidence_digest: Option<Digest>,
    /// Issue time
    pub issued_at: Option<String>,
    /// Expiry
    pub expires_at: Option<String>,
    /// The pack's freshness judgment
    pub freshness: Value,
    /// Whether the pack found it fresh enough
    pub fresh: Value,
    /// The pack's nonce judgment
    pub nonce: Value,
    /// The pack's measurement judgment
    pub measurement_result: Value,
    /// Whether the pack found every check passed
    pub checks_passed: Value,
    /// Debug mode; `null` is unknown
    pub debug_enabled: Option<bool>,
    /// Whether the pack found it bound to this job
    pub bound_to_job: Value,
    /// Whether its signature was checked
    pub signature: Signature,
}

/// The verifier decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDecisionSection {
    /// The worst of all decisions (`reject` < `hold` < `pass`); `None` without decisions
    pub status: Option<Status>,
    /// Every decision
    pub decisions: Vec<DecisionFact>,
    /// What they support
    pub claim_limit: String,
}

/// The deployment and storage facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConstraints {
    /// The facts
    pub storage: Vec<StorageFact>,
    /// What they support
    pub claim_limit: String,
}

/// An allowed claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedClaim {
    /// Claim id
    pub id: String,
    /// The sentence, placeholders filled
    pub sentence: String,
}

/// What a re-run of the decision needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    /// sha256 of the canonical normalized evidence document
    pub evidence_digest: Digest,
    /// sha256 of the manifest bytes (covers inline documents)
    pub manifest_sha256: Digest,
    /// Each document
    pub documents: Vec<DocumentEntry>,
    /// Each artifact
    pub artifacts: Vec<ArtifactEntry>,
    /// The policy pack
    pub policy_pack: PackEntry,
    /// sha256 of the pack's catalog file
    pub catalog_sha256: Digest,
    /// Each upstream policy run next to the pack
    pub upstream_policies: Vec<UpstreamEntry>,
    /// sha256 of each trusted public key's PEM
    pub jws_keys: Vec<Digest>,
    /// Engine versions
    pub engine: EngineVersions,
}

/// A bundle document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentEntry {
    /// Document id
    pub id: String,
    /// Its kind
    pub kind: Kind,
    /// Its path in the bundle; `None` when inline in the manifest
    pub path: Option<String>,
    /// sha256 of the file's bytes; `None` when inline
    pub sha256: Option<Digest>,
}

/// An artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactEntry {
    /// Name
    pub name: String,
    /// Path in the bundle
    pub path: String,
    /// Role
    pub role: Role,
    /// Declared digest, when well formed
    pub declared: Option<Digest>,
    /// Digest of the file as hashed, when it could be read
    pub computed: Option<Digest>,
}

/// The policy pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackEntry {
    /// `embedded` or `directory`
    pub origin: String,
    /// sha256 over the pack's sorted files
    pub sha256: Digest,
}

/// An upstream policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamEntry {
    /// Its id in the upstream config
    pub id: String,
    /// The policy's file name
    pub file: String,
    /// sha256 of the policy
    pub sha256: Digest,
    /// sha256 of its reference values, when it has any
    pub reference_values_sha256: Option<Digest>,
    /// Its further modules, when it has more than one
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<ModuleEntry>,
    /// sha256 of its `data` document (JCS), when it has one
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_sha256: Option<Digest>,
}

/// One further module of an upstream policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleEntry {
    /// The module's file name
    pub file: String,
    /// sha256 of the module
    pub sha256: Digest,
}

/// Versions of what decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineVersions {
    /// claimgate
    pub claimgate: String,
    /// regorus
    pub regorus: String,
}

/// What a receipt records about the engine that decided: made once per engine.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The pack as the receipt names it
    pub pack: PackEntry,
    /// sha256 of the catalog file
    pub catalog_sha256: Digest,
    /// The catalog's claim limits
    pub claim_limits: ClaimLimits,
    /// The upstream policies
    pub upstream: Vec<UpstreamEntry>,
    /// sha256 of each trusted key
    pub jws_keys: Vec<Digest>,
}

impl Receipt {
    /// Builds the receipt of a decision, `decision_id` included.
    pub fn seal(bundle: &Bundle, ev: &Evidence, d: &Decision, provenance: &Provenance) -> Receipt {
        let show = |f: &crate::evidence::DigestFact| f.valid().cloned();
        let limits = &provenance.claim_limits;
        let benchmarks: Vec<BenchmarkEntry> = ev
            .capacity
            .benchmarks
            .iter()
            .map(|b| BenchmarkEntry {
                source: b.source.clone(),
                name: b.name.clone(),
                hardware_class: b.hardware_class.clone(),
                metric: b.metric.clone(),
                value: b.value,
                unit: b.unit.clone(),
                result_digest: show(&b.result_digest),
            })
            .collect();
        let attestations: Vec<AttestationEntry> = ev
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
                AttestationEntry {
                    source: a.source.clone(),
                    verifier: a.verifier.clone(),
                    appraisal: a.appraisal,
                    tee: a.tee.clone(),
                    evidence_digest: show(&a.evidence_digest),
                    issued_at: a.issued_at.map(|w| w.rfc3339.to_string()),
                    expires_at: a.expires_at.map(|w| w.rfc3339.to_string()),
                    freshness: judged("freshness"),
                    fresh: judged("fresh"),
                    nonce: judged("nonce"),
                    measurement_result: judged("measurement_result"),
                    checks_passed: judged("checks_passed"),
                    debug_enabled: a.debug_enabled,
                    bound_to_job: judged("bound_to_job"),
                    signature: a.signature,
                }
            })
            .collect();
        let mut policy_ids: Vec<String> = d
            .verifier_decisions
            .iter()
            .map(|v| v.policy_id.clone())
            .collect();
        policy_ids.sort_unstable();
        policy_ids.dedup();
        let documents = bundle
            .documents
            .iter()
            .map(|e| DocumentEntry {
                id: e.id.clone(),
                kind: e.document.kind(),
                path: e.file.clone(),
                sha256: e.sha256.clone(),
            })
            .collect();
        let artifacts = ev
            .artifacts
            .iter()
            .map(|a| ArtifactEntry {
                name: a.name.clone(),
                path: a.path.clone(),
                role: a.role,
                declared: show(&a.declared),
                computed: a.computed.clone(),
            })
            .collect();
        let mut receipt = Receipt {
            schema: SCHEMA.to_string(),
            receipt_id: d.job.receipt_id.clone(),
            job_id: d.job.job_id.clone(),
            workload_digest: show(&ev.job.workload_digest),
            input_commitment: show(&ev.job.input_commitment),
            runtime_measurement: ev
                .runtime
                .measurements
                .iter()
                .map(|m| MeasurementEntry {
                    source: m.source.clone(),
                    target: m.target.clone(),
                    digest: show(&m.digest),
                })
                .collect(),
            benchmark_result: (!benchmarks.is_empty()).then(|| Section {
                results: benchmarks,
                claim_limit: limits.benchmark_result.clone(),
            }),
            attestation_result: (!attestations.is_empty()).then(|| AttestationSection {
                results: attestations,
                claim_limit: d.attestation_limit.clone(),
            }),
            verifier_policy_id: policy_ids,
            policy_decision: PolicyDecisionSection {
                status: d.verifier_status,
                decisions: d.verifier_decisions.clone(),
                claim_limit: limits.policy_decision.clone(),
            },
            output_digest: show(&ev.job.output_digest),
            provider_constraints: (!ev.storage.facts.is_empty()).then(|| ProviderConstraints {
                storage: ev.storage.facts.clone(),
                claim_limit: limits.provider_constraints.clone(),
            }),
            label: d.label,
            allowed_claim: d
                .allowed
                .iter()
                .map(|a| AllowedClaim {
                    id: a.id.clone(),
                    sentence: a.sentence.clone(),
                })
                .collect(),
            blocked_claims: d.blocked.clone(),
            problems: d.problems.clone(),
            evaluated_at: d.evaluated_at,
            replay: Replay {
                evidence_digest: Digest::sha256_of(&crate::jcs::to_vec(
                    &serde_json::to_value(ev).unwrap_or(Value::Null),
                )),
                manifest_sha256: Digest::sha256_of(bundle.manifest.text.as_bytes()),
                documents,
                artifacts,
                policy_pack: provenance.pack.clone(),
                catalog_sha256: provenance.catalog_sha256.clone(),
                upstream_policies: provenance.upstream.clone(),
                jws_keys: provenance.jws_keys.clone(),
                engine: EngineVersions {
                    claimgate: env!("CARGO_PKG_VERSION").to_string(),
                    regorus: REGORUS_VERSION.to_string(),
                },
            },
            decision_id: String::new(),
        };
        receipt.decision_id = receipt.compute_id();
        receipt
    }

    /// sha256 of the canonical receipt without `decision_id`: what `decision_id` must be.
    pub fn compute_id(&self) -> String {
        id_of(self.to_value())
    }

    /// The receipt as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The canonical bytes (RFC 8785): what is hashed, signed and written.
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        crate::jcs::to_vec(&self.to_value())
    }

    /// The receipt as `how` writes it: bare, in an in-toto Statement, or signed.
    pub fn wrap(&self, how: crate::envelope::Wrap<'_>) -> Result<Value, crate::Error> {
        crate::envelope::wrap(&self.to_value(), how)
    }

    /// sha256 of the canonical bytes: the digest of the receipt file claimgate writes
    /// (`claimgate receipt` prints these bytes and a newline).
    pub fn digest(&self) -> Digest {
        Digest::sha256_of(&self.to_canonical_bytes())
    }
}

/// sha256 of the canonical receipt without `decision_id` (and without a signature envelope).
pub fn decision_id(receipt: &Value) -> String {
    id_of(receipt.clone())
}

fn id_of(mut body: Value) -> String {
    if let Some(o) = body.as_object_mut() {
        o.remove("decision_id");
    }
    Digest::sha256_of(&crate::jcs::to_vec(&body)).to_string()
}

/// A receipt file that cannot be verified at all (a receipt that does not match is a finding,
/// [`Mismatch`], not an error).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The file cannot be read
    #[error("cannot read receipt `{path}`: {reason}")]
    #[diagnostic(code(claimgate::receipt::read))]
    Read {
        /// The path as given
        path: String,
        /// Why
        reason: String,
    },
    /// The file is not JSON
    #[error("receipt `{}` is not JSON: {message}", .at.file)]
    #[diagnostic(code(claimgate::receipt::json), forward(at))]
    Json {
        /// The parser's message
        message: String,
        /// Where
        at: crate::source::Located,
    },
    /// A DSSE envelope or in-toto Statement that cannot be opened
    #[error("cannot open receipt `{path}`: {message}")]
    #[diagnostic(code(claimgate::receipt::envelope))]
    Envelope {
        /// The path as given
        path: String,
        /// What is wrong
        message: String,
    },
    /// JSON, but not a claimgate receipt
    #[error("`{path}` is not a {SCHEMA} receipt")]
    #[diagnostic(
        code(claimgate::receipt::schema),
        help("`claimgate receipt` and `eval --receipt` write receipts; `verify` reads those")
    )]
    Schema {
        /// The path as given
        path: String,
    },
    /// The receipt gives no instant to replay it at
    #[error("receipt `{path}` has no valid `evaluated_at` to replay at")]
    #[diagnostic(code(claimgate::receipt::no_instant))]
    NoInstant {
        /// The path as given
        path: String,
    },
}

/// What kind of difference a [`Mismatch`] is, as reports write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MismatchKind {
    /// The bytes are not the canonical form of what they parse to
    #[serde(rename = "not canonical")]
    NotCanonical,
    /// The in-toto Statement around the receipt is not the one claimgate writes
    #[serde(rename = "statement")]
    Statement,
    /// The receipt's content does not hash to its `decision_id`
    #[serde(rename = "receipt edited")]
    ReceiptEdited,
    /// A document, the manifest or the normalized evidence differs
    #[serde(rename = "evidence changed")]
    EvidenceChanged,
    /// An artifact's digest differs
    #[serde(rename = "artifact changed")]
    ArtifactChanged,
    /// The pack, catalog, upstream policies or trusted keys differ
    #[serde(rename = "policy changed")]
    PolicyChanged,
    /// The engine versions differ
    #[serde(rename = "engine changed")]
    EngineChanged,
    /// A field of the decision differs
    #[serde(rename = "decision changed")]
    DecisionChanged,
    /// The signature is missing or does not verify
    #[serde(rename = "signature")]
    Signature,
}

impl MismatchKind {
    /// The kind as reports write it.
    pub fn name(self) -> &'static str {
        match self {
            MismatchKind::NotCanonical => "not canonical",
            MismatchKind::Statement => "statement",
            MismatchKind::ReceiptEdited => "receipt edited",
            MismatchKind::EvidenceChanged => "evidence changed",
            MismatchKind::ArtifactChanged => "artifact changed",
            MismatchKind::PolicyChanged => "policy changed",
            MismatchKind::EngineChanged => "engine changed",
            MismatchKind::DecisionChanged => "decision changed",
            MismatchKind::Signature => "signature",
        }
    }
}

/// One difference between a receipt and its replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// What kind of difference
    pub kind: MismatchKind,
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
            kind: MismatchKind::ReceiptEdited,
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
    let mut push = |kind: MismatchKind, field: String, a: Option<&Value>, b: Option<&Value>| {
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
            MismatchKind::EvidenceChanged,
            format!("replay.documents[{id}]"),
            Some(doc),
            now,
        );
    }
    for (id, doc) in &fd {
        if !rd.iter().any(|(i, _)| i == id) {
            push(
                MismatchKind::EvidenceChanged,
                format!("replay.documents[{id}]"),
                None,
                Some(doc),
            );
        }
    }
    push(
        MismatchKind::EvidenceChanged,
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
            MismatchKind::ArtifactChanged,
            format!("replay.artifacts[{name}]"),
            Some(a),
            now,
        );
    }
    push(
        MismatchKind::EvidenceChanged,
        "replay.evidence_digest".into(),
        rr.get("evidence_digest"),
        fr.get("evidence_digest"),
    );
    push(
        MismatchKind::PolicyChanged,
        "replay.policy_pack.sha256".into(),
        // The pack is its content: the same files embedded or in a directory are the same pack.
        rr.get("policy_pack").and_then(|p| p.get("sha256")),
        fr.get("policy_pack").and_then(|p| p.get("sha256")),
    );
    push(
        MismatchKind::PolicyChanged,
        "replay.catalog_sha256".into(),
        rr.get("catalog_sha256"),
        fr.get("catalog_sha256"),
    );
    push(
        MismatchKind::PolicyChanged,
        "replay.upstream_policies".into(),
        rr.get("upstream_policies"),
        fr.get("upstream_policies"),
    );
    push(
        MismatchKind::PolicyChanged,
        "replay.jws_keys".into(),
        rr.get("jws_keys"),
        fr.get("jws_keys"),
    );
    push(
        MismatchKind::EngineChanged,
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
        push(MismatchKind::DecisionChanged, k.clone(), r.get(k), f.get(k));
    }
    out
}
