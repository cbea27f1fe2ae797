//! Rejects recursive rules and functions at load time.
//!
//! regorus evaluates a recursive function until the thread's stack overflows, which aborts the
//! process (no timer or limit catches it). OPA rejects recursion at compile time; so does
//! claimgate, with a call graph over the parsed policies: every rule and function is a node,
//! every call or reference to another rule or function of the pack is an edge, and a cycle is
//! an error naming its members.

use regorus::Engine;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// A cycle found in the pack: the rule/function names in call order, and the first one's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// Qualified names, e.g. `claimgate.claims.f`, the first repeated at the end
    pub path: Vec<String>,
    /// The file that defines the first member
    pub file: String,
}

/// Finds a cycle among the rules and functions loaded in `engine`, if any.
pub fn find_cycle(engine: &Engine) -> Result<Option<Cycle>, String> {
    let ast: Json = serde_json::from_str(&engine.get_ast_as_json().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let modules = ast.as_array().ok_or("unexpected AST shape")?;

    // Pass 1: every defined rule/function, qualified by package.
    let mut defined: BTreeMap<String, String> = BTreeMap::new();
    struct Module<'a> {
        package: String,
        imports: BTreeMap<String, String>,
        rules: Vec<(String, &'a Json)>,
    }
    let mut parsed = Vec::new();
    for m in modules {
        let file = m["source"]["file"].as_str().unwrap_or_default().to_string();
        let package = flatten(&m["ast"]["package"]["refr"]).join(".");
        let mut imports = BTreeMap::new();
        for imp in m["ast"]["imports"].as_array().into_iter().flatten() {
            let target = flatten(&imp["refr"]);
            let alias = imp["as"]
                .get("start")
                .and_then(|_| alias_text(m, &imp["as"]))
                .or_else(|| target.last().cloned());
            if let (Some(alias), Some(first)) = (alias, target.first()) {
                if first == "data" {
                    imports.insert(alias, target.get(1..).unwrap_or_default().join("."));
                }
            }
        }
        let mut rules = Vec::new();
        for rule in m["ast"]["rules"].as_array().into_iter().flatten() {
            let head = &rule["Spec"]["head"];
            let Some((_, h)) = head.as_object().and_then(|o| o.iter().next()) else {
                continue;
            };
            let name = flatten(&h["refr"]);
            let Some(first) = name.first() else { continue };
            let qualified = format!("{package}.{first}");
            defined.insert(qualified.clone(), file.clone());
            rules.push((qualified, rule));
        }
        parsed.push(Module {
            package,
            imports,
            rules,
        });
    }

    // Pass 2: edges from every reference that names a defined rule/function.
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in &parsed {
        for (name, rule) in &m.rules {
            // The head's own name and a function's parameters are not references.
            let mut refs = Vec::new();
            if let Some(spec) = rule["Spec"].as_object() {
                for (key, part) in spec {
                    if key == "head" {
                        for h in part.as_object().into_iter().flat_map(|o| o.values()) {
                            for (hk, hv) in h.as_object().into_iter().flatten() {
                                if hk != "refr" && hk != "args" {
                                    collect_refs(hv, &mut refs);
                                }
                            }
                        }
                    } else {
                        collect_refs(part, &mut refs);
                    }
                }
            }
            let out = edges.entry(name.clone()).or_default();
            for r in refs {
                let Some(first) = r.first() else { continue };
                let candidates: Vec<String> = if first == "data" {
                    prefixes(r.get(1..).unwrap_or_default())
                } else if let Some(target) = m.imports.get(first) {
                    let mut full: Vec<String> = target.split('.').map(str::to_string).collect();
                    full.extend(r.iter().skip(1).cloned());
                    prefixes(&full)
                } else {
                    vec![format!("{}.{first}", m.package)]
                };
                out.extend(candidates.into_iter().filter(|c| defined.contains_key(c)));
            }
        }
    }

    // Depth-first search for a back edge.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new(); // 1 = on stack, 2 = done
    let mut stack: Vec<&str> = Vec::new();
    fn dfs<'a>(
        n: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(n, 1);
        stack.push(n);
        for next in edges.get(n).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = stack.iter().position(|s| *s == next)?;
                    let mut cycle: Vec<String> = stack
                        .get(start..)?
                        .iter()
                        .map(|s| (*s).to_string())
                        .collect();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = dfs(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    for n in edges.keys() {
        if state.contains_key(n.as_str()) {
            continue;
        }
        if let Some(path) = dfs(n, &edges, &mut state, &mut stack) {
            let file = path
                .first()
                .and_then(|p| defined.get(p))
                .cloned()
                .unwrap_or_default();
            return Ok(Some(Cycle { path, file }));
        }
    }
    Ok(None)
}

fn alias_text(module: &Json, span: &Json) -> Option<String> {
    let text = module["source"]["contents"].as_str()?;
    let start = usize::try_from(span["start"].as_u64()?).ok()?;
    let end = usize::try_from(span["end"].as_u64()?).ok()?;
    text.get(start..end).map(str::to_string)
}

/// `a.b.c` → [`a.b.c`, `a.b`, `a`]: a reference names a rule at one of its prefixes.
fn prefixes(parts: &[String]) -> Vec<String> {
    (1..=parts.len())
        .rev()
        .filter_map(|n| parts.get(..n).map(|p| p.join(".")))
        .collect()
}

/// A `Var` / `RefDot` / `RefBrack` chain as its dotted parts (brackets with string keys too).
fn flatten(refr: &Json) -> Vec<String> {
    if let Some(v) = refr.get("Var") {
        return v["value"]
            .as_str()
            .map(|s| vec![s.to_string()])
            .unwrap_or_default();
    }
    if let Some(d) = refr.get("RefDot") {
        let mut parts = flatten(&d["refr"]);
        if let Some(field) = d["field"].get(1).and_then(Json::as_str) {
            parts.push(field.to_string());
        }
        return parts;
    }
    if let Some(b) = refr.get("RefBrack") {
        let mut parts = flatten(&b["refr"]);
        if let Some(s) = b["index"].get("String").and_then(|s| s["value"].as_str()) {
            parts.push(s.to_string());
        }
        return parts;
    }
    Vec::new()
}

/// Every reference chain in a subtree (calls, variables, dotted refs), outermost chains only.
fn collect_refs(node: &Json, out: &mut Vec<Vec<String>>) {
    match node {
        Json::Object(o) => {
            for key in ["Var", "RefDot", "RefBrack"] {
                if o.contains_key(key) {
                    let parts = flatten(node);
                    if !parts.is_empty() {
                        out.push(parts);
                    }
                }
            }
            for v in o.values() {
                collect_refs(v, out);
            }
        }
        Json::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(src: &[(&str, &str)]) -> Option<Vec<String>> {
        let mut e = Engine::new();
        for (name, text) in src {
            e.add_policy((*name).to_string(), (*text).to_string())
                .unwrap();
        }
        find_cycle(&e).unwrap().map(|c| c.path)
    }

    #[test]
    fn finds_direct_and_mutual_recursion() {
        assert_eq!(
            cycle(&[("a.rego", "package a\nf(x) := f(x + 1)\n")]),
            Some(vec!["a.f".to_string(), "a.f".to_string()])
        );
        let c = cycle(&[(
            "a.rego",
            "package a\nf(x) := g(x)\ng(x) := y if { y := f(x) }\n",
        )])
        .unwrap();
        assert_eq!(c.len(), 3);
        let across = cycle(&[
            ("a.rego", "package a\nimport data.b\nf(x) := b.g(x)\n"),
            ("b.rego", "package b\ng(x) := data.a.f(x)\n"),
        ]);
        assert!(across.is_some());
        let via_alias = cycle(&[
            (
                "a.rego",
                "package a\nimport data.b.g as gg\nf(x) := gg(x)\n",
            ),
            ("b.rego", "package b\ng(x) := data.a.f(x)\n"),
        ]);
        assert!(via_alias.is_some());
        let via_rule = cycle(&[("a.rego", "package a\nr := f(1)\nf(x) := r + x\n")]);
        assert!(via_rule.is_some());
    }

    #[test]
    fn accepts_acyclic_policies() {
        assert_eq!(
            cycle(&[("a.rego", "package a\nf(x) := g(x) + 1\ng(x) := x * 2\nr := f(1)\ns if { some v in [1]; v == r }\n")]),
            None
        );
    }
}
