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
    /// For a blocked claim, the fewest changes to the evidence document (one or two fields
    /// the stopping statements read) under which the pack's Rego would allow it, when the
    /// search finds some; verifier decisions are held as they were
    pub counterfactual: Option<Vec<Change>>,
}

/// One change to the evidence document: a path and its new value (`null`: removed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `job.workload_digest.state`; `[]` sets every element
    pub path: String,
    /// The value
    pub value: Value,
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

/// Most candidate evidence changes tried (singles, then pairs).
const MAX_TRIES: usize = 400;

/// Sets `path` to `value` in the document (`[]`: in every element; `null`: removes the key).
fn set_path(doc: &mut Value, path: &str, value: &Value) {
    let (head, rest) = match path.find(['.', '[']) {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    };
    if rest.is_empty() {
        if let Some(o) = doc.as_object_mut() {
            if value.is_null() {
                o.remove(head);
            } else {
                o.insert(head.to_string(), value.clone());
            }
        }
        return;
    }
    let Some(child) = doc.get_mut(head) else {
        return;
    };
    if let Some(after) = rest.strip_prefix("[]") {
        let after = after.strip_prefix('.').unwrap_or(after);
        for e in child.as_array_mut().into_iter().flatten() {
            set_path(e, after, value);
        }
    } else if let Some(after) = rest.strip_prefix('.') {
        set_path(child, after, value);
    }
}

/// The changes to try: each path a stopping statement reads, with the values its tests name
/// (and `valid` for a fact's `state`, the other boolean for a boolean).
fn candidates(steps: &[Step], reads: &Reads, out: &mut Vec<Change>) {
    for s in steps {
        if let Some(stop) = &s.stopped_at {
            for (path, now) in &stop.reads {
                let tests = reads
                    .paths
                    .iter()
                    .find(|r| &r.path == path)
                    .map(|r| r.tests.clone())
                    .unwrap_or_default();
                let mut values: Vec<Value> = crate::diff::fields::witnesses(&tests)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| v.unwrap_or(Value::Null))
                    .collect();
                if path.ends_with(".state") {
                    values.push(Value::from("valid"));
                }
                // For a `[]` path, the value of one element (the first) stands for them all.
                let now = if path.contains("[]") {
                    now.as_array()
                        .and_then(|a| a.first())
                        .unwrap_or(&Value::Null)
                } else {
                    now
                };
                if let Some(b) = now.as_bool() {
                    values.push(Value::from(!b));
                }
                // Only values of the field's own type (or none at all): normalization gives a
                // boolean field a boolean, a state a string.
                let same_type = |v: &Value| {
                    now.is_null()
                        || v.is_null()
                        || std::mem::discriminant(v) == std::mem::discriminant(now)
                };
                for value in values.into_iter().filter(same_type) {
                    let c = Change {
                        path: path.clone(),
                        value,
                    };
                    if c.value != *now && !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
        candidates(&s.because, reads, out);
    }
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
        let input = tracer.input(evidence, &own)?;
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
        let rules = walk.steps(&rule, 0);
        let mut tracer = walk.tracer;
        let counterfactual = if status == "blocked" {
            let requires = self
                .catalog()
                .claims
                .iter()
                .find(|c| c.id == claim)
                .map(|c| c.requires.clone())
                .unwrap_or_default();
            let mut changes = Vec::new();
            candidates(&rules, &reads, &mut changes);
            let singles = changes.iter().map(|c| vec![c.clone()]);
            let pairs = changes.iter().enumerate().flat_map(|(i, a)| {
                changes
                    .iter()
                    .skip(i + 1)
                    .filter(move |b| b.path != a.path)
                    .map(move |b| vec![a.clone(), b.clone()])
            });
            let mut found = None;
            for set in singles.chain(pairs).take(MAX_TRIES) {
                let mut doc = input.clone();
                for c in &set {
                    set_path(&mut doc, &c.path, &c.value);
                }
                tracer.set_input(&doc)?;
                if tracer.allows(claim, &requires) {
                    found = Some(set);
                    break;
                }
            }
            found
        } else {
            None
        };
        Ok(Explanation {
            claim: claim.to_string(),
            status,
            reasons,
            rules,
            counterfactual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_are_set_through_elements_and_removed_by_null() {
        let mut e = json!({"runtime": {"attestations": [{"tee": "a"}, {"tee": "b"}]}, "job": {"d": {"state": "absent"}}});
        set_path(&mut e, "runtime.attestations[].tee", &json!("x-cc"));
        set_path(&mut e, "job.d.state", &json!("valid"));
        assert_eq!(
            values_at(&e, "runtime.attestations[].tee"),
            json!(["x-cc", "x-cc"])
        );
        assert_eq!(values_at(&e, "job.d.state"), json!("valid"));
        set_path(&mut e, "job.d.state", &Value::Null);
        assert_eq!(e["job"]["d"], json!({}));
    }

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
