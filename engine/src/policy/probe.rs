//! What regorus computes for every rule of a compiled pack, for differential tests against
//! other Rego engines (`engine/tests/opa.rs`). Not part of claimgate's decisions.
//!
//! The rules are found by walking the pack's parsed modules, not by name: whatever packages and
//! rules the pack has, every rule under `data.claimgate` that is a value (not a function) is
//! listed, by the constant part of its name (`a.b.c := 1` as `a.b.c`, `r[k] := v` as `r`, the
//! whole object).

use super::eval::{to_value, with_decisions};
use super::recursion::flatten;
use super::{CompiledPack, PolicyError};
use crate::evidence::Evidence;
use regorus::Engine;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// The packages a probe covers: the pack's own.
pub const PROBED_ROOT: &str = "data.claimgate";

/// One input the pack's Rego is evaluated on, and what each rule is on it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Probe {
    /// Which evaluation step sees this input: `verifiers` (the evidence document) or `claims`
    /// (the evidence with `decisions` added)
    pub stage: &'static str,
    /// The `input` document, as regorus was given it
    pub input: Json,
    /// Every value rule (`data.claimgate.pkg.rule`) and what regorus made of it
    pub rules: BTreeMap<String, RuleValue>,
}

/// What evaluating one rule gave.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleValue {
    /// A value (sets become arrays, as in OPA's JSON output)
    Value(Json),
    /// Rego's undefined (no rule body held and no default)
    Undefined,
    /// An evaluation error, with the engine's message
    Error(String),
}

/// A Rego module the pack's engine holds: its file name and text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Module {
    /// The file, relative to the pack (`claims/claims.rego`)
    pub file: String,
    /// Its text
    pub text: String,
}

/// The modules an engine holds, as it parsed them (test files are never added to it).
fn modules(engine: &Engine) -> Result<Vec<Module>, String> {
    Ok(super::ast::modules(engine)?
        .iter()
        .map(|m| Module {
            file: m["source"]["file"].as_str().unwrap_or_default().to_string(),
            text: m["source"]["contents"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        })
        .collect())
}

/// Every rule path under [`PROBED_ROOT`] that holds a value: functions (rules with arguments,
/// including `default f(_) := ...`) are left out, since they have no value of their own.
fn value_rules(engine: &Engine) -> Result<Vec<String>, String> {
    let mut values = BTreeSet::new();
    let mut functions = BTreeSet::new();
    for m in &super::ast::modules(engine)? {
        let package = flatten(&m["ast"]["package"]["refr"]).join(".");
        let path = format!("data.{package}");
        if path != PROBED_ROOT && !path.starts_with(&format!("{PROBED_ROOT}.")) {
            continue;
        }
        for rule in m["ast"]["rules"].as_array().into_iter().flatten() {
            let (refr, is_function) = if let Some(d) = rule.get("Default") {
                (
                    &d["refr"],
                    d["args"].as_array().is_some_and(|a| !a.is_empty()),
                )
            } else if let Some((kind, h)) = rule["Spec"]["head"]
                .as_object()
                .and_then(|o| o.iter().next())
            {
                (&h["refr"], kind == "Func")
            } else {
                continue;
            };
            let parts = flatten(refr);
            if parts.is_empty() {
                continue;
            }
            // A key that is not an identifier (`appraised_by["runtime.x"]`) in brackets.
            let ident = |p: &str| {
                p.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            };
            let tail: String = parts
                .iter()
                .map(|p| {
                    if ident(p) {
                        format!(".{p}")
                    } else {
                        format!("[{}]", serde_json::Value::from(p.as_str()))
                    }
                })
                .collect();
            let name = format!("{path}{tail}");
            if is_function {
                functions.insert(name);
            } else {
                values.insert(name);
            }
        }
    }
    Ok(values.difference(&functions).cloned().collect())
}

/// Evaluates every rule of `rules` on the engine's current input.
fn evaluate(engine: &mut Engine, rules: &[String]) -> BTreeMap<String, RuleValue> {
    rules
        .iter()
        .map(|rule| {
            let v = match engine.eval_rule(rule.clone()) {
                Err(e) => RuleValue::Error(e.to_string()),
                Ok(regorus::Value::Undefined) => RuleValue::Undefined,
                Ok(v) => serde_json::to_value(&v)
                    .map_or_else(|e| RuleValue::Error(e.to_string()), RuleValue::Value),
            };
            (rule.clone(), v)
        })
        .collect()
}

impl CompiledPack {
    /// For differential tests: each `input` the pack's Rego sees for this evidence (the
    /// verifiers' and the claim rules'), with the value of every rule under `data.claimgate`.
    #[doc(hidden)]
    pub fn probe(&self, evidence: &Evidence) -> Result<Vec<Probe>, PolicyError> {
        let rules = value_rules(self.engine()).map_err(failed)?;
        let decisions = self.evaluate(evidence, &[])?.decisions;
        let verifiers = to_value(evidence)?;
        let claims = with_decisions(verifiers.clone(), evidence, &decisions)?;
        let mut engine = self.engine().clone();
        [("verifiers", verifiers), ("claims", claims)]
            .into_iter()
            .map(|(stage, input)| {
                engine.set_input(input.clone());
                Ok(Probe {
                    stage,
                    input: serde_json::to_value(&input).map_err(|e| failed(e.to_string()))?,
                    rules: evaluate(&mut engine, &rules),
                })
            })
            .collect()
    }

    /// For differential tests: the Rego modules the pack's engine holds, and the catalog data
    /// the engine adds (`data.claimgate.catalog`) written as one more module, so another engine
    /// sees the same data.
    #[doc(hidden)]
    pub fn modules(&self) -> Result<Vec<Module>, PolicyError> {
        let mut out = modules(self.engine()).map_err(failed)?;
        let claims = super::eval::catalog_claims(&self.catalog);
        out.push(Module {
            file: "(catalog data)".into(),
            text: format!("package claimgate.catalog\n\nclaims := {claims}\n"),
        });
        Ok(out)
    }
}

fn failed(message: String) -> PolicyError {
    PolicyError::Eval {
        rule: "(probe)".into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(src: &[(&str, &str)]) -> Engine {
        let mut e = super::super::eval::new_engine();
        for (name, text) in src {
            e.add_policy((*name).to_string(), (*text).to_string())
                .unwrap();
        }
        e
    }

    #[test]
    fn lists_value_rules_of_the_pack_and_skips_functions() {
        let e = engine(&[
            (
                "a.rego",
                "package claimgate.a\nx := 1\ns contains 2\nt.u.v := 3\ndefault d := false\n\
                 f(q) := q\ndefault g(_) := 1\ng(q) := q\nr[k] := 1 if some k in [\"k\"]\n",
            ),
            ("b.rego", "package other\ny := 1\n"),
            ("c.rego", "package claimgateway\nz := 1\n"),
        ]);
        assert_eq!(
            value_rules(&e).unwrap(),
            ["d", "r", "s", "t.u.v", "x"].map(|r| format!("data.claimgate.a.{r}"))
        );
    }

    #[test]
    fn evaluates_to_a_value_undefined_or_an_error() {
        let mut e = engine(&[(
            "a.rego",
            "package claimgate.a\nx := input.n + 1\nu if input.n == 2\nbad := to_number(\"abc\")\n\
             t.u.v := 3\nt.u.w := 4\nr[k] := 1 if some k in [\"k\"]\n\
             o.p[k] := 2 if some k in [\"q\"]\n",
        )]);
        e.set_input(regorus::Value::from_json_str(r#"{"n": 1}"#).unwrap());
        let rules = value_rules(&e).unwrap();
        let got = evaluate(&mut e, &rules);
        assert_eq!(
            got["data.claimgate.a.x"],
            RuleValue::Value(serde_json::json!(2))
        );
        assert_eq!(got["data.claimgate.a.u"], RuleValue::Undefined);
        assert!(matches!(got["data.claimgate.a.bad"], RuleValue::Error(_)));
        // A rule with a dotted head by its whole name, one with a variable key as its object.
        let value = |j| RuleValue::Value(serde_json::from_str(j).unwrap());
        assert_eq!(got["data.claimgate.a.t.u.v"], value("3"));
        assert_eq!(got["data.claimgate.a.t.u.w"], value("4"));
        assert_eq!(got["data.claimgate.a.r"], value(r#"{"k": 1}"#));
        assert_eq!(got["data.claimgate.a.o.p"], value(r#"{"q": 2}"#));
    }
}
