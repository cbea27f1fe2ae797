//! Which claims each `allow` and `block` definition of the claim rules can decide: for
//! `claimgate lint` (a block that reaches some claims of a box and not others) and for
//! `claimgate diff` (the rules, hence the input paths, each claim depends on).
//!
//! A rule is written for some claims: one id (`allow contains "job.output_bound"`,
//! `"id": "job.output_bound"` in a block), or every id of a set the rule iterates (`some id in
//! claims_in("job")`, `some id in rests_on_attestations`). The set is evaluated on the pack
//! itself (with its catalog, without input), so a block written for a box or a requirement
//! reaches the claims added to it later, and one written as a list does not: that is what the
//! lint reports. A set that depends on the evidence cannot be told from here: its ids are
//! unknown (`None`), and a reader must assume the rule may decide any claim.

use super::ast::{line, object_field, span_text, variant, Scope};
use super::eval::CLAIMS_PACKAGE;
use super::recursion::flatten;
use regorus::Engine;
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// One `allow` or `block` definition and the claim ids it can decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The policy file
    pub file: String,
    /// The line of the rule's head
    pub line: u32,
    /// `allow` or `block`
    pub rule: &'static str,
    /// The ids it can allow or block; `None` when they depend on the evidence
    pub ids: Option<BTreeSet<String>>,
    /// Ids named by a `# lint:ignore block-reach <id> ...` comment just above the rule: claims
    /// the author has judged the block need not reach
    pub ignored: BTreeSet<String>,
}

/// The name of the probe rule added to a clone of the engine.
const PROBE: &str = "__claimgate_lint_reach";

/// Every `allow` and `block` definition of the claim rules, in file order.
pub fn reaches(engine: &Engine, modules: &[Json]) -> Vec<Reach> {
    let package = CLAIMS_PACKAGE.trim_start_matches("data.");
    let mut out = Vec::new();
    for m in modules {
        let scope = Scope::of(m);
        if scope.package != package {
            continue;
        }
        let imports: Vec<String> = m["ast"]["imports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| span_text(scope.text, &i["span"]))
            .collect();
        for rule in m["ast"]["rules"].as_array().into_iter().flatten() {
            let Some(spec) = rule.get("Spec") else {
                continue;
            };
            let Some((_, head)) = variant(&spec["head"]) else {
                continue;
            };
            let name: &'static str = match flatten(&head["refr"]).join(".").as_str() {
                "allow" => "allow",
                "block" => "block",
                _ => continue,
            };
            // The id: the head's key for `allow`, the key's `id` field for `block`.
            let id = match (name, variant(&head["key"])) {
                ("allow", key) => key,
                (_, Some(("Object", key))) => object_field(key, "id"),
                _ => None,
            };
            let ids = match id {
                Some(("String", s)) => s["value"].as_str().map(|s| BTreeSet::from([s.to_string()])),
                Some(("Var", v)) => v["value"]
                    .as_str()
                    .and_then(|name| domain(spec, name, &scope))
                    .and_then(|expr| evaluate(engine, &imports, &expr)),
                _ => None,
            };
            let at = line(&spec["span"]);
            out.push(Reach {
                file: scope.file.clone(),
                line: at,
                rule: name,
                ids,
                ignored: ignored_above(scope.text, at),
            });
        }
    }
    out
}

/// The text of the set a body draws `name` from: `some name in E`, `name in E`, or `{E}` for
/// `name := E`. Only a rule with one body is read.
fn domain(spec: &Json, name: &str, scope: &Scope<'_>) -> Option<String> {
    let bodies = spec["bodies"].as_array()?;
    let [body] = bodies.as_slice() else {
        return None;
    };
    let is_name =
        |e: &Json| matches!(variant(e), Some(("Var", v)) if v["value"].as_str() == Some(name));
    let text = |e: &Json| -> Option<String> {
        let (_, f) = variant(e)?;
        span_text(scope.text, &f["span"])
    };
    for stmt in body["query"]["stmts"].as_array()? {
        match variant(&stmt["literal"]) {
            Some(("SomeIn", f)) if is_name(&f["value"]) && f["key"].is_null() => {
                return text(&f["collection"]);
            }
            Some(("Expr", f)) => match variant(&f["expr"]) {
                Some(("Membership", m)) if is_name(&m["value"]) && m["key"].is_null() => {
                    return text(&m["collection"]);
                }
                Some(("AssignExpr", a)) if is_name(&a["lhs"]) => {
                    return text(&a["rhs"]).map(|t| format!("{{{t}}}"));
                }
                _ => {}
            },
            _ => {}
        }
    }
    None
}

/// Evaluates a set expression in the claims package, without input: the ids, or `None` when
/// it needs the evidence (undefined) or fails.
fn evaluate(engine: &Engine, imports: &[String], expr: &str) -> Option<BTreeSet<String>> {
    let package = CLAIMS_PACKAGE.trim_start_matches("data.");
    let module = format!(
        "package {package}\n{}\n{PROBE} := {{x | some x in ({expr})}}\n",
        imports.join("\n")
    );
    let mut e = engine.clone();
    e.add_policy("(lint)".into(), module).ok()?;
    e.set_input(regorus::Value::new_object());
    let v = e.eval_rule(format!("{CLAIMS_PACKAGE}.{PROBE}")).ok()?;
    let json: Json = serde_json::to_value(&v).ok()?;
    json.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// The ids a `# lint:ignore block-reach id ...` comment in the comment lines right above line
/// `at` names.
fn ignored_above(text: &str, at: u32) -> BTreeSet<String> {
    let lines: Vec<&str> = text.lines().collect();
    let head = usize::try_from(at).unwrap_or(0).saturating_sub(1);
    let mut out = BTreeSet::new();
    for l in lines.get(..head).unwrap_or_default().iter().rev() {
        let Some(comment) = l.trim_start().strip_prefix('#') else {
            break;
        };
        if let Some(rest) = comment.trim().strip_prefix("lint:ignore block-reach") {
            let ids = rest.split(':').next().unwrap_or_default();
            out.extend(
                ids.split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
    }
    out
}
