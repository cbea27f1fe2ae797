//! `claimgate explain`: why a claim is allowed or blocked for one bundle, as a chain through
//! the pack's rules.
//!
//! The decision gives the claim's status and the reasons it records. Then, from one evaluation
//! with line coverage ([`crate::policy::CompiledPack::reached`]), each rule body that could
//! allow the claim is followed: a body whose every statement was reached held; otherwise the
//! last statement reached is where it stopped. A statement that is a reference to another rule
//! of the pack (`req.verifier_pass`) is followed into that rule, a few levels deep. Each
//! stopping statement lists the input paths it reads (from [`crate::Reads`]) and their values
//! in this bundle's evidence document.

use crate::policy::{Bodies, Body, Reached, Reads, Tracer};
use serde::Serialize;
use serde_json::Value;

/// How deep references to other rules are followed.
const MAX_DEPTH: usize = 4;

/// Why a claim is what it is for one bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The claim id
    pub claim: String,
    /// `allowed`, `blocked` or `not in the catalog`
    pub status: &'static str,
    /// The reasons the decision records for it
    pub reasons: Vec<String>,
    /// Each claim rule body for it, followed through the rules it refers to
    pub rules: Vec<Step>,
}

/// One rule body, and where it stopped.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The rule (`claimgate.requirements.verifier_pass`)
    pub rule: String,
    /// `file:line` of its head
    pub at: String,
    /// Whether every statement was reached
    pub held: bool,
    /// The statement it stopped at, when it did not hold
    pub stopped_at: Option<Stop>,
    /// The rules that statement refers to, followed
    pub because: Vec<Step>,
}

/// A statement a body stopped at.
#[derive(Debug, Clone, Serialize)]
pub struct Stop {
    /// `file:line`
    pub at: String,
    /// The statement's text
    pub text: String,
    /// Input paths it reads, with their values in this bundle's evidence (`[]` paths: every
    /// element's)
    pub reads: Vec<(String, Value)>,
}

/// The values of a path like `runtime.attestations[].tee` in the evidence document.
fn values_at(evidence: &Value, path: &str) -> Value {
    let mut nodes = vec![evidence];
    let mut rest = path;
    while !rest.is_empty() {
        let (seg, iterate, next) = match rest.find(['.', '[']) {
            Some(i) if rest[i..].starts_with("[]") => {
                let after = rest.get(i + 2..).unwrap_or("");
                (&rest[..i], true, after.strip_prefix('.').unwrap_or(after))
            }
            Some(i) => (&rest[..i], false, rest.get(i + 1..).unwrap_or("")),
            None => (rest, false, ""),
        };
        nodes = nodes
            .into_iter()
            .map(|n| if seg.is_empty() { n } else { &n[seg] })
            .flat_map(|n| -> Vec<&Value> {
                if iterate {
                    n.as_array().map(|a| a.iter().collect()).unwrap_or_default()
                } else {
                    vec![n]
                }
            })
            .collect();
        rest = next;
    }
    if path.contains("[]") {
        Value::Array(nodes.into_iter().cloned().collect())
    } else {
        nodes.first().map_or(Value::Null, |v| (*v).clone())
    }
}

struct Walk<'a> {
    tracer: Tracer,
    bodies: &'a Bodies,
    reached: &'a Reached,
    reads: &'a Reads,
    evidence: &'a Value,
}

impl Walk<'_> {
    fn steps(&mut self, rule: &str, depth: usize) -> Vec<Step> {
        let holds = self.tracer.holds(rule);
        let bodies = self.bodies;
        bodies
            .get(rule)
            .into_iter()
            .flatten()
            .map(|b| self.step(rule, b, holds, depth))
            .collect()
    }

    /// A body of a rule that `holds` or not. When the rule does not hold, no body did: each
    /// stopped at the last statement reached (coverage cannot tell a statement that was true
    /// from one that was false, only whether it was evaluated).
    fn step(&mut self, rule: &str, body: &Body, holds: bool, depth: usize) -> Step {
        let lines = self.reached.get(&body.file);
        let hit = |l: u32| lines.is_some_and(|s| s.contains(&l));
        let first_missed = body.statements.iter().position(|s| !hit(s.line));
        let held = holds && first_missed.is_none();
        let stopped = if held {
            None
        } else {
            match first_missed {
                None => body.statements.last(),
                // Nothing reached: the body was not entered (its head failed to unify, say).
                Some(0) => body.statements.first(),
                Some(i) => body.statements.get(i - 1),
            }
        };
        let stopped_at = stopped.map(|s| Stop {
            at: format!("{}:{}", body.file, s.line),
            text: s.text.clone(),
            reads: self
                .reads
                .paths
                .iter()
                .filter(|r| {
                    r.places
                        .iter()
                        .any(|p| p.file == body.file && (s.line..=s.end_line).contains(&p.line))
                })
                .map(|r| (r.path.clone(), values_at(self.evidence, &r.path)))
                .collect(),
        });
        let because = match stopped.and_then(|s| s.rule.as_deref()) {
            Some(next) if depth < MAX_DEPTH && self.bodies.contains_key(next) => {
                self.steps(next, depth + 1)
            }
            _ => Vec::new(),
        };
        Step {
            rule: rule.to_string(),
            at: format!("{}:{}", body.file, body.line),
            held,
            stopped_at,
            because,
        }
    }
}

impl crate::Engine {
    /// Why `claim` is allowed or blocked for this bundle.
    pub fn explain(
        &self,
        bundle: &crate::Bundle,
        at: crate::At,
        claim: &str,
    ) -> Result<Explanation, crate::Error> {
        let assessed = self.decide(bundle, at)?;
        let (evidence, decision) = (assessed.evidence(), assessed.decision());
        let pack = self.pack();
        let own: Vec<_> = decision
            .verifier_decisions
            .iter()
            .filter(|d| !evidence.verifier.decisions.contains(d))
            .cloned()
            .collect();
        let mut tracer = pack.tracer(evidence, &own)?;
        let reached = tracer.reached()?;
        let bodies = pack.bodies()?;
        let reads = pack.reads()?;
        let evidence_json = serde_json::to_value(evidence).unwrap_or_default();
        let (status, reasons) = if decision.allowed.iter().any(|a| a.id == claim) {
            ("allowed", Vec::new())
        } else if let Some(b) = decision.blocked.iter().find(|b| b.id == claim) {
            ("blocked", b.reasons.clone())
        } else {
            ("not in the catalog", Vec::new())
        };
        let mut walk = Walk {
            tracer,
            bodies: &bodies,
            reached: &reached,
            reads: &reads,
            evidence: &evidence_json,
        };
        let rule = format!("claimgate.claims.allow[{}]", serde_json::Value::from(claim));
        Ok(Explanation {
            claim: claim.to_string(),
            status,
            reasons,
            rules: walk.steps(&rule, 0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_found_through_elements() {
        let e = json!({"runtime": {"attestations": [{"tee": "a"}, {"tee": null}]}, "job": {"d": {"state": "valid"}}});
        assert_eq!(
            values_at(&e, "runtime.attestations[].tee"),
            json!(["a", null])
        );
        assert_eq!(values_at(&e, "job.d.state"), json!("valid"));
        assert_eq!(values_at(&e, "job.missing"), Value::Null);
    }
}
