//! What `explain` needs from the Rego: every rule body with its statements, and which lines one
//! evaluation reached (regorus' coverage, cleared before it). A body whose statements were all
//! reached held; otherwise the last statement reached is the one that stopped it.

use super::ast::{line, modules, span_text, variant, Scope};
use super::eval::{to_value, with_decisions, OUTCOME_RULE};
use super::recursion::flatten;
use super::{CompiledPack, PolicyError};
use crate::evidence::{DecisionFact, Evidence};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// One statement of a rule body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Statement {
    /// 1-based line
    pub line: u32,
    /// The line it ends on
    pub end_line: u32,
    /// Its text
    pub text: String,
    /// The pack rule it is, when it is a bare reference to one (`req.verifier_pass`)
    pub rule: Option<String>,
}

/// One body of a rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Body {
    /// The policy file
    pub file: String,
    /// The line of the rule's head
    pub line: u32,
    /// Its statements, in order
    pub statements: Vec<Statement>,
}

/// Every rule body of a pack, by rule: `claimgate.requirements.verifier_pass`, and a claim
/// rule by its key: `claimgate.claims.allow["job.output_bound"]`.
pub type Bodies = BTreeMap<String, Vec<Body>>;

/// The lines one evaluation reached, per file.
pub type Reached = BTreeMap<String, BTreeSet<u32>>;

/// One statement of a body: its lines, its source line, and the rule it names when it is a
/// bare reference to one.
fn statement(scope: &Scope<'_>, s: &Json) -> Statement {
    let rule = match variant(&s["literal"]) {
        Some(("Expr", f)) => match variant(&f["expr"]) {
            Some(("Var" | "RefDot", _)) => scope.resolve(flatten(&f["expr"])),
            _ => None,
        },
        _ => None,
    };
    let line = line(&s["span"]);
    let spanned = span_text(scope.text, &s["span"]).unwrap_or_default();
    let extra = u32::try_from(spanned.matches('\n').count()).unwrap_or(0);
    // The source line itself (a span may stop short of a closing quote), marked when the
    // statement goes on.
    let first = scope
        .text
        .lines()
        .nth(usize::try_from(line).unwrap_or(0).saturating_sub(1))
        .unwrap_or_default()
        .trim();
    Statement {
        line,
        end_line: line.saturating_add(extra),
        text: if extra > 0 {
            format!("{first} …")
        } else {
            first.to_string()
        },
        rule,
    }
}

impl CompiledPack {
    /// Every rule body of the pack ([`Bodies`]).
    pub fn bodies(&self) -> Result<Bodies, PolicyError> {
        let modules = modules(self.engine()).map_err(|message| PolicyError::Eval {
            rule: "(explain)".into(),
            message,
        })?;
        Ok(bodies_of(&modules))
    }
}

/// [`Bodies`] of parsed modules.
pub(super) fn bodies_of(modules: &[Json]) -> Bodies {
    let mut out = Bodies::new();
    for m in modules {
        let scope = Scope::of(m);
        for rule in m["ast"]["rules"].as_array().into_iter().flatten() {
            let Some(spec) = rule.get("Spec") else {
                continue;
            };
            let Some((_, head)) = variant(&spec["head"]) else {
                continue;
            };
            let mut name = std::iter::once(scope.package.clone())
                .chain(flatten(&head["refr"]))
                .collect::<Vec<_>>()
                .join(".");
            if let Some(("String", k)) = variant(&head["key"]) {
                name = format!("{name}[{}]", k["value"]);
            }
            for body in spec["bodies"].as_array().into_iter().flatten() {
                let statements = body["query"]["stmts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| statement(&scope, s))
                    .collect();
                out.entry(name.clone()).or_default().push(Body {
                    file: scope.file.clone(),
                    line: line(&spec["span"]),
                    statements,
                });
            }
        }
    }
    out
}

impl CompiledPack {
    /// The pack's engine with this evidence (and these verifier decisions) as the claim
    /// rules' input, for [`Tracer::reached`] and [`Tracer::holds`].
    pub fn tracer(
        &self,
        evidence: &Evidence,
        decisions: &[DecisionFact],
    ) -> Result<Tracer, PolicyError> {
        let mut engine = self.engine().clone();
        engine.set_input(with_decisions(to_value(evidence)?, evidence, decisions)?);
        Ok(Tracer { engine })
    }
}

/// The pack's engine set to one input.
#[allow(missing_debug_implementations)]
pub struct Tracer {
    engine: regorus::Engine,
}

impl Tracer {
    /// The lines of the pack's policies the claim rules' evaluation reached.
    pub fn reached(&mut self) -> Result<Reached, PolicyError> {
        self.engine.set_enable_coverage(true);
        self.engine.clear_coverage_data();
        self.engine
            .eval_rule(OUTCOME_RULE.to_string())
            .map_err(|e| PolicyError::Eval {
                rule: OUTCOME_RULE.into(),
                message: super::eval_message(&e.to_string()),
            })?;
        let report = self
            .engine
            .get_coverage_report()
            .map_err(|e| PolicyError::Eval {
                rule: "(coverage)".into(),
                message: e.to_string(),
            })?;
        self.engine.set_enable_coverage(false);
        Ok(report
            .files
            .into_iter()
            .map(|f| (f.path, f.covered))
            .collect())
    }

    /// Replaces the input (the claim rules' input: evidence and `decisions`).
    pub fn set_input(&mut self, input: &Json) -> Result<(), PolicyError> {
        let v =
            regorus::Value::from_json_str(&input.to_string()).map_err(|e| PolicyError::Eval {
                rule: "(input)".into(),
                message: e.to_string(),
            })?;
        self.engine.set_input(v);
        Ok(())
    }

    /// The input as it is now.
    pub fn input(
        &self,
        evidence: &Evidence,
        decisions: &[DecisionFact],
    ) -> Result<Json, PolicyError> {
        let v = with_decisions(to_value(evidence)?, evidence, decisions)?;
        serde_json::to_value(&v).map_err(|e| PolicyError::Eval {
            rule: "(input)".into(),
            message: e.to_string(),
        })
    }

    /// Whether the pack's Rego allows `claim` on this input: a claim rule allows it, every
    /// requirement it names holds, and no `block` names it. (claimgate's floor in Rust is not
    /// applied here: `explain` uses this to search for evidence changes.)
    pub fn allows(&mut self, claim: &str, requires: &[String]) -> bool {
        let blocked = self
            .engine
            .eval_rule("data.claimgate.claims.block".to_string())
            .ok()
            .and_then(|v| v.as_set().ok().cloned())
            .is_some_and(|set| {
                set.iter().any(|b| {
                    b.as_object()
                        .ok()
                        .and_then(|o| o.get(&regorus::Value::from("id")).cloned())
                        == Some(regorus::Value::from(claim))
                })
            });
        !blocked
            && self.holds(&format!(
                "claimgate.claims.allow[{}]",
                serde_json::Value::from(claim)
            ))
            && requires
                .iter()
                .all(|r| self.holds(&format!("claimgate.requirements.{r}")))
    }

    /// Whether a rule ([`Bodies`]' names) is true on this input: `true`, or for a claim rule
    /// `allow["id"]`, the id in the set. Undefined and errors are not true.
    pub fn holds(&mut self, rule: &str) -> bool {
        let (path, key) = match rule.split_once('[') {
            Some((p, k)) => (
                p,
                serde_json::from_str::<String>(k.trim_end_matches(']')).ok(),
            ),
            None => (rule, None),
        };
        match self.engine.eval_rule(format!("data.{path}")) {
            Ok(v) => match key {
                Some(k) => v
                    .as_set()
                    .is_ok_and(|set| set.contains(&regorus::Value::from(k.as_str()))),
                None => v == regorus::Value::Bool(true),
            },
            Err(_) => false,
        }
    }
}
