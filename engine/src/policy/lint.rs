//! `claimgate lint`: advice about a pack that loads, from its parsed policies and catalog.
//! Each finding has a code (listed in docs/cli.md), a file and a line.

use super::ast::{line, modules, Scope};
use super::recursion::flatten;
use super::{CompiledPack, PolicyError};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// Every code `lint` reports, with what it means (SARIF rules and docs/cli.md list them).
pub const CODES: &[(&str, &str)] = &[
    ("unused-rule", "A rule or function no other rule uses and claimgate does not read."),
    ("claim-without-rule", "A catalog claim no `allow contains \"<id>\"` rule names."),
    ("block-reach", "A block rule reaches some claims of a box and not others: a claim added to the box later is not narrowed by it."),
    ("rego-version", "A file imports `rego.v1` or `future.keywords`: packs are Rego v1, so the import is a v0 leftover."),
    ("long-line", "A line over 120 columns of code, strings and comments aside."),
];

/// Longest line a policy file should have.
pub const MAX_LINE: usize = 120;

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Finding {
    /// The policy file (or `claims/catalog.yaml`)
    pub file: String,
    /// 1-based line (0 when the finding has none)
    pub line: u32,
    /// One of the codes `claimgate lint` lists (`unused-rule`, `block-reach`, …)
    pub code: &'static str,
    /// What was found
    pub message: String,
}

/// A line's width as code: a tab counts 4, and the text inside string literals is left out
/// (a sentence in a `describe` rule is not broken across lines).
fn code_width(line: &str) -> usize {
    let (mut width, mut in_string, mut escaped) = (0, false, false);
    for c in line.chars() {
        if in_string {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_string = false;
                    width += 1;
                }
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                width += 1;
            }
            '\t' => width += 4,
            '#' => break, // a comment is prose too
            _ => width += 1,
        }
    }
    width
}

/// Every reference in a JSON subtree, resolved to a qualified name (`claimgate.lib.x.f`).
fn references(node: &Json, scope: &Scope<'_>, out: &mut BTreeSet<String>) {
    match node {
        Json::Object(o) => {
            for (k, v) in o {
                if matches!(k.as_str(), "Var" | "RefDot" | "RefBrack") {
                    let wrapped = Json::Object([(k.clone(), v.clone())].into_iter().collect());
                    if let Some(name) = scope.resolve(flatten(&wrapped)) {
                        // Every prefix: `a.b.c` uses rule `a.b` when `c` is a key of its value.
                        let parts: Vec<&str> = name.split('.').collect();
                        for n in 1..=parts.len() {
                            out.insert(parts.iter().take(n).copied().collect::<Vec<_>>().join("."));
                        }
                    }
                }
                references(v, scope, out);
            }
        }
        Json::Array(a) => {
            for v in a {
                references(v, scope, out);
            }
        }
        _ => {}
    }
}

impl CompiledPack {
    /// The pack's findings, in file and line order.
    pub fn lint(&self) -> Result<Vec<Finding>, PolicyError> {
        let modules = modules(self.engine()).map_err(|message| PolicyError::Eval {
            rule: "(lint)".into(),
            message,
        })?;
        let mut defined: BTreeMap<String, (String, u32)> = BTreeMap::new();
        let mut used = BTreeSet::new();
        let mut findings = Vec::new();
        for m in &modules {
            let scope = Scope::of(m);
            if scope.file.starts_with('(') {
                continue; // claimgate's own module
            }
            for (i, text) in scope.text.lines().enumerate() {
                let width = code_width(text);
                if width > MAX_LINE {
                    findings.push(Finding {
                        file: scope.file.clone(),
                        line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        code: "long-line",
                        message: format!(
                            "line is {width} columns of code wide, strings and comments aside (at most {MAX_LINE})"
                        ),
                    });
                }
            }
            for imp in m["ast"]["imports"].as_array().into_iter().flatten() {
                let target = flatten(&imp["refr"]).join(".");
                if target == "rego.v1" || target.starts_with("future.keywords") {
                    findings.push(Finding {
                        file: scope.file.clone(),
                        line: line(&imp["span"]),
                        code: "rego-version",
                        message: format!(
                            "`import {target}` is a Rego v0 leftover: packs are Rego v1, where `if`, `contains`, `in` and `every` are keywords; remove it"
                        ),
                    });
                }
            }
            for rule in m["ast"]["rules"].as_array().into_iter().flatten() {
                let (refr, span) = match rule.get("Spec") {
                    Some(spec) => {
                        let head = spec["head"].as_object().and_then(|h| h.values().next());
                        (head.map(|h| &h["refr"]), &spec["span"])
                    }
                    None => (
                        rule.get("Default").map(|d| &d["refr"]),
                        &rule["Default"]["span"],
                    ),
                };
                let Some(first) = refr.and_then(|r| flatten(r).into_iter().next()) else {
                    continue;
                };
                defined
                    .entry(format!("{}.{first}", scope.package))
                    .or_insert((scope.file.clone(), line(span)));
                // A rule's own head is not a use of it; its body and value are.
                let mut body = rule.clone();
                if let Some(head) = body
                    .pointer_mut("/Spec/head")
                    .and_then(Json::as_object_mut)
                    .and_then(|h| h.values_mut().next())
                    .and_then(Json::as_object_mut)
                {
                    head.remove("refr");
                }
                if let Some(default) = body.get_mut("Default").and_then(Json::as_object_mut) {
                    default.remove("refr");
                }
                references(&body, &scope, &mut used);
            }
        }
        // What claimgate itself reads of a pack.
        let requirements = self.catalog.requirement_names();
        let entry = |name: &str| {
            let (package, rule) = name.rsplit_once('.').unwrap_or(("", name));
            (package == "claimgate.claims" && super::eval::CLAIM_OUTPUTS.contains(&rule))
                || (package.starts_with("claimgate.verifier.") && rule == "decision")
                || (package == "claimgate.requirements"
                    && (matches!(rule, "describe" | "unmet") || requirements.contains(rule)))
        };
        for (name, (file, line)) in &defined {
            if !entry(name) && !used.contains(name) {
                findings.push(Finding {
                    file: file.clone(),
                    line: *line,
                    code: "unused-rule",
                    message: format!("`{name}` is defined and never used"),
                });
            }
        }
        // A catalog claim no `allow contains "<id>"` rule names, in a pack whose claim rules all
        // name their claim (a rule with a computed key could allow any).
        let bodies = super::trace::bodies_of(&modules);
        let computed = bodies.contains_key("claimgate.claims.allow");
        if !computed {
            for c in &self.catalog.claims {
                let key = format!("claimgate.claims.allow[{}]", Json::from(c.id.as_str()));
                if !bodies.contains_key(&key) {
                    findings.push(Finding {
                        file: "claims/catalog.yaml".into(),
                        line: 0,
                        code: "claim-without-rule",
                        message: format!(
                            "claim `{}` is in the catalog and no `allow contains \"{}\"` rule allows it",
                            c.id, c.id
                        ),
                    });
                }
            }
        }
        // A block that reaches some claims of a box and not others: a claim added to the box
        // later is not narrowed by it unless the block is written for the box.
        for r in super::reach::reaches(self.engine(), &modules) {
            let Some(ids) = r.ids.as_ref().filter(|_| r.rule == "block") else {
                continue;
            };
            let boxes: BTreeSet<_> = self
                .catalog
                .claims
                .iter()
                .filter(|c| ids.contains(&c.id))
                .map(|c| c.claim_box)
                .collect();
            for b in boxes {
                let of_box = || self.catalog.claims.iter().filter(|c| c.claim_box == b);
                let quoted = |ids: Vec<&String>| {
                    ids.iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let reached: Vec<&String> = of_box()
                    .map(|c| &c.id)
                    .filter(|i| ids.contains(*i))
                    .collect();
                let missed: Vec<&String> = of_box()
                    .map(|c| &c.id)
                    .filter(|i| !ids.contains(*i) && !r.ignored.contains(*i))
                    .collect();
                if !missed.is_empty() {
                    findings.push(Finding {
                        file: r.file.clone(),
                        line: r.line,
                        code: "block-reach",
                        message: format!(
                            "this block reaches {} of box `{}` but not {}; write it for the box or the requirement, or name the claims it need not reach in `# lint:ignore block-reach <id>...` above it",
                            quoted(reached),
                            b.name(),
                            quoted(missed)
                        ),
                    });
                }
            }
        }
        findings.sort();
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_comments_do_not_count_as_width() {
        assert_eq!(code_width("\tx := 1"), 10);
        assert_eq!(code_width(r#"d := "a long sentence \" still""#), 7);
        assert_eq!(code_width("x := 1 # a comment"), 7);
    }
}
