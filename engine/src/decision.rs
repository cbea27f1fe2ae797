//! The catalog guard and the final decision.
//!
//! A claim is allowed only when a claim rule allowed it, no rule blocked it, and every
//! requirement the catalog lists holds in the evidence (checked here, in Rust, independently of
//! Rego). Blocked sentences are never allowed. Anything undefined is not allowed.
//!
//! Sentences are the catalog's. A placeholder is filled only with a value from the bundle that
//! is an identifier ([`check_identifier`]); anything else is a problem of the decision and never
//! sentence text, and an attestation whose verifier is not named by one backs no claim.

use crate::catalog::{check_identifier, Catalog, Claim, ClaimBox, Requirement};
use crate::document::{Replay, Status};
use crate::evidence::{
    Attestation, CheckState, DecisionFact, DigestFact, Evidence, Freshness, MeasurementResult,
    NonceState, Origin, Problem,
};
use crate::policy::PolicyOutcome;
use crate::time::Instant;
use serde::Serialize;

/// The decision format marker.
pub const SCHEMA: &str = "claimgate.decision/v1";

/// The honest label for what the bundle is, first match wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// `job.ran_under_policy` allowed, with workload digest, passing verifier policy and output digest
    ComputeReceipt,
    /// A verifier decision is recorded, but no job claim
    VerifierPathRecord,
    /// Deployment/storage facts only
    DeploymentNote,
    /// Benchmark only
    Benchmark,
    /// Nothing can be said
    None,
}

impl Label {
    /// The label as written in reports.
    pub fn name(self) -> &'static str {
        match self {
            Label::ComputeReceipt => "compute_receipt",
            Label::VerifierPathRecord => "verifier_path_record",
            Label::DeploymentNote => "deployment_note",
            Label::Benchmark => "benchmark",
            Label::None => "none",
        }
    }
}

/// A claim that may be repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allowed {
    /// Claim id
    pub id: String,
    /// Its box
    #[serde(rename = "box")]
    pub claim_box: ClaimBox,
    /// The sentence, placeholders filled
    pub sentence: String,
}

/// A claim that must not be repeated, and what to say instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    /// Claim id
    pub id: String,
    /// `evidence` (the evidence falls short) or `blocklist` (never allowed)
    pub because: BlockKind,
    /// The sentence that must not be repeated
    pub sentence: String,
    /// Why, most specific first
    pub reasons: Vec<String>,
    /// An allowed claim to say instead, when there is one
    pub safer: Option<Rewrite>,
}

/// Why a claim is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// The evidence does not support it (yet)
    Evidence,
    /// The sentence overreaches whatever the evidence
    Blocklist,
}

/// The safer sentence for a blocked claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rewrite {
    /// Claim id
    pub id: String,
    /// Sentence
    pub sentence: String,
    /// Whether this bundle's evidence allows the safer claim
    pub allowed: bool,
}

/// The job as the bundle names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobView {
    /// Job id
    pub job_id: String,
    /// Receipt id
    pub receipt_id: Option<String>,
    /// Workload digest, when well formed
    pub workload_digest: Option<String>,
    /// Input commitment, when well formed
    pub input_commitment: Option<String>,
    /// Output digest, when well formed
    pub output_digest: Option<String>,
}

/// The decision about one bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Always [`SCHEMA`]
    pub schema: &'static str,
    /// The bundle path as given
    pub bundle: String,
    /// The job
    pub job: JobView,
    /// The instant freshness was judged at
    pub evaluated_at: Instant,
    /// The honest label
    pub label: Label,
    /// Claims that may be repeated, catalog order
    pub allowed: Vec<Allowed>,
    /// Claims that may not, catalog order, then the blocklist
    pub blocked: Vec<Blocked>,
    /// Every verifier decision (recorded and evaluated)
    pub verifier_decisions: Vec<DecisionFact>,
    /// The worst verifier status, when there is any decision
    pub verifier_status: Option<Status>,
    /// Malformed evidence that derived nothing, including bundle values that were not
    /// identifiers and so filled no placeholder
    pub problems: Vec<Problem>,
}

impl Decision {
    /// Whether the claim is allowed.
    pub fn allows(&self, id: &str) -> bool {
        self.allowed.iter().any(|a| a.id == id)
    }
}

/// The claim limit a receipt states for its attestation results, worded like the runtime
/// claims: "this job's runtime" only when an attestation names this job's workload digest and
/// none names another's.
pub fn attestation_claim_limit(ev: &Evidence) -> &'static str {
    let job = &ev.job.workload_digest;
    let atts = &ev.runtime.attestations;
    if atts.iter().any(|a| contradicts_job(a, job)) {
        "none: an attestation result is bound to another workload, so these results back no runtime claim"
    } else if atts.iter().any(|a| a.bound_to_job) {
        "supports the runtime/environment claim for this job's runtime; not the correctness of its output"
    } else {
        "supports the runtime/environment claim for the attested environment, not for a particular job (no result names the workload digest of the job); not the correctness of its output"
    }
}

/// Applies the catalog guard to the rules' outcome and picks the label.
pub fn decide(bundle: &str, ev: &Evidence, outcome: &PolicyOutcome, catalog: &Catalog) -> Decision {
    let mut decisions = ev.verifier.decisions.clone();
    decisions.extend(outcome.decisions.iter().cloned());
    decisions.sort_by(|a, b| {
        (a.origin, &a.source, &a.policy_id).cmp(&(b.origin, &b.source, &b.policy_id))
    });
    let facts = Facts {
        ev,
        decisions: &decisions,
    };
    // Which attestations a claim's `{appraised_by}` names: the bound ones for a claim that
    // needs the binding, else every sound one.
    let bound_only = |c: &Claim| c.requires.contains(&Requirement::AttestationBoundToJob);

    let mut allowed = Vec::new();
    let mut short: Vec<(&Claim, Vec<String>)> = Vec::new();
    for claim in &catalog.claims {
        let mut reasons: Vec<String> = outcome.block.get(&claim.id).cloned().unwrap_or_default();
        let mut guard: Vec<String> = Vec::new();
        for req in &claim.requires {
            if let Err(why) = facts.check(*req) {
                guard.push(format!("requires {}: {why}", req_name(*req)));
            }
        }
        let rule_allowed = outcome.allow.contains(&claim.id);
        if rule_allowed && reasons.is_empty() && guard.is_empty() {
            allowed.push(Allowed {
                id: claim.id.clone(),
                claim_box: claim.claim_box,
                sentence: facts.fill(&claim.sentence, bound_only(claim)),
            });
            continue;
        }
        if rule_allowed && reasons.is_empty() {
            reasons.push("a claim rule allowed it, but the catalog guard failed closed".into());
        }
        if !rule_allowed && reasons.is_empty() && guard.is_empty() {
            reasons.push("no claim rule allowed it".into());
        }
        reasons.extend(guard);
        short.push((claim, reasons));
    }

    let rewrite = |id: &str| -> Option<Rewrite> {
        let c = catalog.claim(id)?;
        let hit = allowed.iter().find(|a| a.id == id);
        Some(Rewrite {
            id: c.id.clone(),
            sentence: hit.map_or_else(
                || facts.fill(&c.sentence, bound_only(c)),
                |a| a.sentence.clone(),
            ),
            allowed: hit.is_some(),
        })
    };
    let mut blocked: Vec<Blocked> = short
        .into_iter()
        .map(|(claim, reasons)| Blocked {
            id: claim.id.clone(),
            because: BlockKind::Evidence,
            sentence: facts.fill(&claim.sentence, bound_only(claim)),
            reasons,
            safer: claim
                .rewrite_to
                .iter()
                .filter_map(|id| rewrite(id))
                .find(|r| r.allowed),
        })
        .collect();
    for b in &catalog.blocked {
        let mut reasons = vec![b.why.clone()];
        if outcome.allow.contains(&b.id) {
            reasons.push("a claim rule allowed it; the blocklist overrides every rule".into());
        }
        blocked.push(Blocked {
            id: b.id.clone(),
            because: BlockKind::Blocklist,
            sentence: b.sentence.clone(),
            reasons,
            safer: rewrite(&b.safer),
        });
    }

    let has = |id: &str| allowed.iter().any(|a| a.id == id);
    // Label gate: a compute receipt needs the job claim AND its evidence, whatever the catalog says.
    let gate = facts.check(Requirement::WorkloadDigest).is_ok()
        && facts.check(Requirement::VerifierPass).is_ok()
        && facts.check(Requirement::OutputDigest).is_ok();
    let label = if has("job.ran_under_policy") && gate {
        Label::ComputeReceipt
    } else if has("verifier.path_exercised") {
        Label::VerifierPathRecord
    } else if has("storage.provider_local") {
        Label::DeploymentNote
    } else if has("capacity.benchmark_context") {
        Label::Benchmark
    } else {
        Label::None
    };

    let mut problems = ev.problems.clone();
    let uses_policy_id = catalog
        .claims
        .iter()
        .any(|c| c.sentence.contains("{policy_id}"));
    problems.extend(identifier_problems(ev, &decisions, uses_policy_id));
    let show = |d: &DigestFact| d.valid().map(ToString::to_string);
    Decision {
        schema: SCHEMA,
        bundle: bundle.to_string(),
        job: JobView {
            job_id: ev.job.job_id.clone(),
            receipt_id: ev.job.receipt_id.clone(),
            workload_digest: show(&ev.job.workload_digest),
            input_commitment: show(&ev.job.input_commitment),
            output_digest: show(&ev.job.output_digest),
        },
        evaluated_at: ev.evaluated_at.rfc3339,
        label,
        allowed,
        blocked,
        verifier_status: Evidence::combined_status(&decisions),
        verifier_decisions: decisions,
        problems,
    }
}

/// One problem per bundle value a placeholder would have used but that is not an identifier:
/// every attestation's verifier name (such an attestation backs no claim), and, when a catalog
/// sentence names policies, the policy id of every passing decision.
fn identifier_problems(
    ev: &Evidence,
    decisions: &[DecisionFact],
    policy_ids: bool,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for a in &ev.runtime.attestations {
        if let Err(why) = check_identifier(&a.verifier) {
            out.push(Problem {
                source: a.source.clone(),
                field: "verifier".into(),
                msg: format!(
                    "the verifier name is not an identifier ({why}): no sentence names it, and this attestation backs no claim"
                ),
            });
        }
    }
    if policy_ids {
        for d in decisions.iter().filter(|d| d.status == Status::Pass) {
            if let Err(why) = check_identifier(&d.policy_id) {
                out.push(Problem {
                    source: d.source.clone(),
                    field: "policy_id".into(),
                    msg: format!(
                        "the policy id is not an identifier ({why}): no sentence names it"
                    ),
                });
            }
        }
    }
    out
}

/// Who made a verifier decision, for reasons: the bundle (claimgate only read it) or a policy
/// claimgate ran.
fn decided_by(d: &DecisionFact) -> &'static str {
    match d.origin {
        Origin::Document => "recorded by the bundle",
        Origin::Policy => "decided by claimgate",
    }
}

/// Whether an attestation names a workload digest that is not this job's (or the job names
/// none): it is about a workload the bundle does not show to be this job's. Not depending on
/// the job's digest being present keeps the decision monotone: removing the job's digest never
/// lifts the block.
fn contradicts_job(a: &Attestation, _job: &DigestFact) -> bool {
    matches!(a.workload_digest, DigestFact::Valid { .. }) && !a.bound_to_job
}

fn req_name(r: Requirement) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

struct Facts<'a> {
    ev: &'a Evidence,
    decisions: &'a [DecisionFact],
}

impl Facts<'_> {
    fn sound_attestations(&self) -> impl Iterator<Item = &Attestation> {
        self.ev
            .runtime
            .attestations
            .iter()
            .filter(|a| attestation_flaws(a, self.ev).is_empty())
    }

    /// Checks one requirement; the error says what is missing or wrong.
    fn check(&self, req: Requirement) -> Result<(), String> {
        let ev = self.ev;
        match req {
            Requirement::BenchmarkResult => {
                if ev.capacity.benchmarks.is_empty() {
                    return Err("no benchmark result in the bundle".into());
                }
            }
            Requirement::AttestationSound => {
                if ev.runtime.attestations.is_empty() {
                    return Err("no attestation result in the bundle".into());
                }
                if self.sound_attestations().next().is_none() {
                    let why: Vec<String> = ev
                        .runtime
                        .attestations
                        .iter()
                        .map(|a| {
                            let flaws = attestation_flaws(a, ev);
                            format!("`{}`: {}", a.source, flaws.join(", "))
                        })
                        .collect();
                    return Err(format!("no sound attestation ({})", why.join("; ")));
                }
            }
            Requirement::TraceReplayMatched => {
                if !ev
                    .runtime
                    .traces
                    .iter()
                    .any(|t| t.replay == Replay::Matched)
                {
                    return Err(if ev.runtime.traces.is_empty() {
                        "no operator trace in the bundle".into()
                    } else {
                        "no trace replay matched".into()
                    });
                }
            }
            Requirement::VerifierPass => match Evidence::combined_status(self.decisions) {
                None => return Err("no verifier decision".into()),
                Some(Status::Pass) => {}
                Some(s) => {
                    let worst: Vec<String> = self
                        .decisions
                        .iter()
                        .filter(|d| d.status == s)
                        .map(|d| {
                            format!(
                                "`{}` {} ({}): {}",
                                d.policy_id,
                                s.verb(),
                                decided_by(d),
                                d.reason
                            )
                        })
                        .collect();
                    return Err(format!(
                        "the worst verifier status is {} ({})",
                        s.name(),
                        worst.join("; ")
                    ));
                }
            },
            Requirement::VerifierDecision => {
                if self.decisions.is_empty() {
                    return Err("no verifier decision recorded".into());
                }
            }
            Requirement::WorkloadDigest => digest_ok("workload digest", &ev.job.workload_digest)?,
            Requirement::OutputDigest => {
                digest_ok("output digest", &ev.job.output_digest)?;
                if ev.job.output_verified == Some(false) {
                    return Err(
                        "the output artifact in the bundle does not hash to the output digest"
                            .into(),
                    );
                }
            }
            Requirement::RuntimeBoundToJob => {
                digest_ok("workload digest", &ev.job.workload_digest)?;
                let attested = self.sound_attestations().any(|a| a.bound_to_job);
                let traced = ev
                    .runtime
                    .traces
                    .iter()
                    .any(|t| t.replay == Replay::Matched && t.bound_to_job);
                if !attested && !traced {
                    return Err("no sound attestation or matched trace is bound to this job's workload digest".into());
                }
            }
            Requirement::AttestationBoundToJob => {
                digest_ok("workload digest", &ev.job.workload_digest)?;
                if !self.sound_attestations().any(|a| a.bound_to_job) {
                    return Err(
                        "no sound attestation names this job's workload digest (an unbound attestation speaks for its environment, not for this job)"
                            .into(),
                    );
                }
            }
            Requirement::KeyReleaseAfterPass => {
                let ok = ev.verifier.releases.iter().any(|r| {
                    r.released
                        && self
                            .decisions
                            .iter()
                            .any(|d| d.policy_id == r.policy_id && d.status == Status::Pass)
                });
                if !ok {
                    return Err(if ev.verifier.releases.iter().any(|r| r.released) {
                        "no release followed a passing decision of the same policy".into()
                    } else {
                        "no key release recorded".into()
                    });
                }
            }
            Requirement::StorageFacts => {
                if ev.storage.facts.is_empty() {
                    return Err("no deployment/storage facts in the bundle".into());
                }
            }
            Requirement::BackupWithDigest => {
                let ok = ev.storage.facts.iter().any(|s| {
                    s.backup
                        .as_ref()
                        .is_some_and(|b| b.digest.valid().is_some())
                });
                if !ok {
                    return Err(if ev.storage.facts.iter().any(|s| s.backup.is_some()) {
                        "the backup path has no well-formed digest".into()
                    } else {
                        "no backup path outside the provider is shown".into()
                    });
                }
            }
        }
        Ok(())
    }

    /// Fills `{outcome}`, `{appraised_by}` and `{policy_id}` from the evidence; where the
    /// evidence has no value (a blocked claim), a generic phrase stands in. Names come only
    /// from identifiers: an attestation whose verifier is not one is not sound, and a policy id
    /// that is not one is left out. With `bound_only`, only attestations bound to this job are
    /// named.
    fn fill(&self, sentence: &str, bound_only: bool) -> String {
        let mut s = sentence.to_string();
        if s.contains("{outcome}") {
            let verb = Evidence::combined_status(self.decisions)
                .map_or("accepted, held or rejected", Status::verb);
            s = s.replace("{outcome}", verb);
        }
        if s.contains("{appraised_by}") {
            let mut who: Vec<String> = self
                .sound_attestations()
                .filter(|a| !bound_only || a.bound_to_job)
                .filter(|a| check_identifier(&a.verifier).is_ok())
                .map(|a| {
                    let place = match a.appraisal {
                        crate::document::Appraisal::Local => "a local verifier",
                        crate::document::Appraisal::Remote => "a remote verifier",
                    };
                    format!("{} ({place})", a.verifier)
                })
                .collect();
            who.sort();
            who.dedup();
            let who = if who.is_empty() {
                "the named verifier".to_string()
            } else {
                who.join(" and ")
            };
            s = s.replace("{appraised_by}", &who);
        }
        if s.contains("{policy_id}") {
            let mut ids: Vec<&str> = self
                .decisions
                .iter()
                .filter(|d| d.status == Status::Pass)
                .map(|d| d.policy_id.as_str())
                .filter(|id| check_identifier(id).is_ok())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let ids = if ids.is_empty() {
                "the named policy".to_string()
            } else {
                ids.join(", ")
            };
            s = s.replace("{policy_id}", &ids);
        }
        s
    }
}

fn digest_ok(what: &str, d: &DigestFact) -> Result<(), String> {
    match d {
        DigestFact::Valid { .. } => Ok(()),
        DigestFact::Absent => Err(format!("no {what}")),
        DigestFact::Malformed { raw, problem } => {
            Err(format!("{what} `{raw}` is malformed ({problem})"))
        }
    }
}

/// Everything that keeps an attestation from backing a runtime claim.
fn attestation_flaws(a: &Attestation, ev: &Evidence) -> Vec<String> {
    let expected_nonce = ev.expected_nonce.as_deref();
    let mut flaws = Vec::new();
    if check_identifier(&a.verifier).is_err() {
        flaws.push("its verifier is not named by an identifier".into());
    }
    if contradicts_job(a, &ev.job.workload_digest) {
        flaws.push(format!(
            "bound to another workload (`{}`)",
            a.workload_digest
                .valid()
                .map(ToString::to_string)
                .unwrap_or_default()
        ));
    }
    match a.freshness {
        Freshness::Fresh => {}
        Freshness::Expired => flaws.push(format!(
            "stale (expired {})",
            a.expires_at
                .map(|e| e.rfc3339.to_string())
                .unwrap_or_default()
        )),
        Freshness::NotYetValid => flaws.push(format!(
            "issued in the future ({})",
            a.issued_at
                .map(|i| i.rfc3339.to_string())
                .unwrap_or_default()
        )),
        Freshness::Unknown => flaws.push("freshness unknown (no expiry)".into()),
    }
    match a.measurement_result {
        MeasurementResult::Matched => {}
        MeasurementResult::Mismatched => {
            let bad: Vec<&str> = a
                .measurements
                .iter()
                .filter(|m| !m.matched)
                .map(|m| m.name.as_str())
                .collect();
            if bad.is_empty() {
                flaws.push("the verifier reports measurements not matched".into());
            } else {
                flaws.push(format!("measurements not matched: {}", bad.join(", ")));
            }
        }
        MeasurementResult::Unknown => {
            flaws.push("measurements not compared with reference values".into())
        }
    }
    let failed: Vec<&str> = a
        .checks
        .iter()
        .filter(|c| c.state == CheckState::Failed)
        .map(|c| c.name.as_str())
        .collect();
    if !failed.is_empty() {
        flaws.push(format!("failed checks: {}", failed.join(", ")));
    }
    let unknown: Vec<&str> = a
        .checks
        .iter()
        .filter(|c| c.state == CheckState::Unknown)
        .map(|c| c.name.as_str())
        .collect();
    if !unknown.is_empty() {
        flaws.push(format!("unknown (absent) checks: {}", unknown.join(", ")));
    }
    match a.debug_enabled {
        Some(false) => {}
        Some(true) => flaws.push("debug enabled".into()),
        None => flaws.push("debug state unknown".into()),
    }
    match a.nonce {
        NonceState::NotExpected | NonceState::Matched => {}
        NonceState::Mismatched => flaws.push(format!(
            "nonce differs: expected `{}`, the evidence carries `{}`",
            expected_nonce.unwrap_or_default(),
            a.nonce_value.as_deref().unwrap_or_default()
        )),
        NonceState::Missing => flaws.push("the expected nonce is missing from the evidence".into()),
        NonceState::Malformed => flaws.push("a nonce is malformed (not hex)".into()),
    }
    flaws
}
