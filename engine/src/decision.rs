//! The final decision, and the floor no pack can lower.
//!
//! A claim is allowed only when a claim rule allowed it, no rule blocked it, and every
//! requirement its catalog entry names is true in the pack's requirements package. What the
//! evidence means is the pack's judgment, in Rego; this module holds only what no pack may
//! change, each in one place:
//! - a blocklisted sentence is never allowed;
//! - `compute_receipt` only with the job claim, a well-formed workload and output digest and a
//!   passing verifier decision ([`label_floor`]);
//! - a recorded verifier decision always allows `verifier.path_exercised`;
//! - an error is never a decision (errors stop before this module);
//! - a placeholder is filled only with a value from the bundle that is an identifier
//!   ([`check_identifier`]); anything else is a problem of the decision, never sentence text.
//!
//! Malformed evidence derives nothing by construction: a malformed value carries no value a
//! rule could compare ([`crate::evidence::DigestFact`], [`crate::evidence::HexFact`]).

pub use crate::catalog::Label;
use crate::catalog::{check_identifier, Catalog, Claim, ClaimBox, JOB_CLAIM, PATH_CLAIM};
use crate::document::Status;
use crate::evidence::{DecisionFact, DigestFact, Evidence, Problem};
use crate::policy::PolicyOutcome;
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// The decision format marker.
pub const SCHEMA: &str = "claimgate.decision/v1";

/// A claim that may be repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// The evidence does not support it (yet)
    Evidence,
    /// The sentence overreaches whatever the evidence
    Blocklist,
}

/// The safer sentence for a blocked claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rewrite {
    /// Claim id
    pub id: String,
    /// Sentence
    pub sentence: String,
    /// Whether this bundle's evidence allows the safer claim
    pub allowed: bool,
}

/// The job as the bundle names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Decision {
    /// Always `claimgate.decision/v1`
    #[schemars(extend("const" = SCHEMA))]
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
    /// What the pack concluded about each attestation result, by source (for the receipt)
    #[serde(skip)]
    pub appraisals: std::collections::BTreeMap<String, serde_json::Value>,
    /// The catalog's claim limit for the attestation results, as the claim rules chose it
    #[serde(skip)]
    pub attestation_limit: Option<String>,
}

impl Decision {
    /// Whether the claim is allowed.
    pub fn allows(&self, id: &str) -> bool {
        self.allowed.iter().any(|a| a.id == id)
    }
}

/// Applies the floor to the rules' outcome and picks the label.
pub fn decide(bundle: &str, ev: &Evidence, outcome: &PolicyOutcome, catalog: &Catalog) -> Decision {
    let mut decisions = ev.verifier.decisions.clone();
    decisions.extend(outcome.decisions.iter().cloned());
    decisions.sort_by(|a, b| {
        (a.origin, &a.source, &a.policy_id).cmp(&(b.origin, &b.source, &b.policy_id))
    });
    let fill = Filler {
        ev,
        decisions: &decisions,
        appraised_by: &outcome.appraised_by,
    };

    let mut allowed = Vec::new();
    let mut short: Vec<(&Claim, Vec<String>)> = Vec::new();
    for claim in &catalog.claims {
        let mut reasons: Vec<String> = outcome.block.get(&claim.id).cloned().unwrap_or_default();
        let unmet: Vec<String> = claim
            .requires
            .iter()
            .filter_map(|r| match outcome.requirements.get(r) {
                Some(Ok(())) => None,
                Some(Err(why)) => Some(format!("requires {r}: {why}")),
                None => Some(format!("requires {r}: not evaluated")),
            })
            .collect();
        let rule_allowed = outcome.allow.contains(&claim.id);
        // The denial floor: any verifier decision shows the path was exercised.
        let floor = claim.id == PATH_CLAIM && !decisions.is_empty();
        if floor || (rule_allowed && reasons.is_empty() && unmet.is_empty()) {
            allowed.push(Allowed {
                id: claim.id.clone(),
                claim_box: claim.claim_box,
                sentence: fill.sentence(claim),
            });
            continue;
        }
        if rule_allowed && reasons.is_empty() {
            reasons.push("a claim rule allowed it, but a requirement is not met".into());
        }
        if !rule_allowed && reasons.is_empty() && unmet.is_empty() {
            reasons.push("no claim rule allowed it".into());
        }
        reasons.extend(unmet);
        short.push((claim, reasons));
    }

    let rewrite = |id: &str| -> Option<Rewrite> {
        let c = catalog.claim(id)?;
        let hit = allowed.iter().find(|a| a.id == id);
        Some(Rewrite {
            id: c.id.clone(),
            sentence: hit.map_or_else(|| fill.sentence(c), |a| a.sentence.clone()),
            allowed: hit.is_some(),
        })
    };
    let mut blocked: Vec<Blocked> = short
        .into_iter()
        .map(|(claim, reasons)| Blocked {
            id: claim.id.clone(),
            because: BlockKind::Evidence,
            sentence: fill.sentence(claim),
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
    let label = catalog
        .labels
        .iter()
        .filter(|l| has(&l.claim))
        .map(|l| l.label)
        .find(|l| *l != Label::ComputeReceipt || (has(JOB_CLAIM) && label_floor(ev, &decisions)))
        .unwrap_or(Label::None);

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
        appraisals: outcome.attestations.clone(),
        attestation_limit: outcome
            .attestation_limit
            .as_ref()
            .and_then(|k| catalog.claim_limits.attestation_result.get(k))
            .cloned(),
    }
}

/// The label floor: a compute receipt needs a well-formed workload digest, a well-formed
/// output digest that the delivered output (when given) hashes to, and verifier decisions whose
/// worst is a pass, whatever the pack says.
pub fn label_floor(ev: &Evidence, decisions: &[DecisionFact]) -> bool {
    ev.job.workload_digest.valid().is_some()
        && ev.job.output_digest.valid().is_some()
        && ev.job.output_verified != Some(false)
        && Evidence::combined_status(decisions) == Some(Status::Pass)
}

/// One problem per bundle value a placeholder would have used but that is not an identifier:
/// every attestation's verifier name, and, when a catalog sentence names policies, the policy
/// id of every passing decision.
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

/// Fills a catalog sentence's placeholders.
struct Filler<'a> {
    ev: &'a Evidence,
    decisions: &'a [DecisionFact],
    appraised_by: &'a std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
}

impl Filler<'_> {
    /// Fills `{outcome}`, `{appraised_by}` and `{policy_id}`; where there is no value (a
    /// blocked claim), a generic phrase stands in. `{appraised_by}` names the attestation
    /// results the claim rules list for this claim; names come only from identifiers.
    fn sentence(&self, claim: &Claim) -> String {
        let mut s = claim.sentence.clone();
        if s.contains("{outcome}") {
            let verb = Evidence::combined_status(self.decisions)
                .map_or("accepted, held or rejected", Status::verb);
            s = s.replace("{outcome}", verb);
        }
        if s.contains("{appraised_by}") {
            let sources = self.appraised_by.get(&claim.id);
            let mut who: Vec<String> = self
                .ev
                .runtime
                .attestations
                .iter()
                .filter(|a| sources.is_some_and(|s| s.contains(&a.source)))
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
