//! The load-time checks over a pack's parsed policies: recursion, call depth, builtins a pack
//! must not call, and calls of functions that do not exist or with the wrong number of
//! arguments (regorus finds those only when evaluation reaches the call).
//!
//! regorus evaluates a recursive function until the thread's stack overflows, which aborts the
//! process (no timer or limit catches it). OPA rejects recursion at compile time; so does
//! claimgate, with a call graph over the parsed policies: every rule and function is a node,
//! every call or reference to another rule or function of the pack is an edge, and a cycle is
//! an error naming its members. An acyclic chain overflows the stack too when it is deep
//! enough, so the longest chain is bounded ([`MAX_CALL_DEPTH`]). The same walk finds calls of
//! builtins whose result is not a function of the policy's input ([`forbidden_builtin`]): a
//! pack is a function of its input, or its receipts would not replay.

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

/// The longest chain of rules and functions calling each other that a pack may have. Each
/// level costs regorus several stack frames; real packs stay far below this.
pub const MAX_CALL_DEPTH: usize = 200;

/// A call of a builtin a pack must not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForbiddenCall {
    /// The builtin, e.g. `time.now_ns`
    pub builtin: String,
    /// Why it is refused
    pub why: &'static str,
    /// The file of the call
    pub file: String,
    /// The file's text
    pub text: String,
    /// Byte offset and length of the call in the file
    pub span: (usize, usize),
    /// The rule or function making the call
    pub rule: String,
}

/// A call of a function that is neither the pack's, a builtin nor a host function, or with a
/// number of arguments the function does not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCall {
    /// The function as written, e.g. `endswithx`
    pub function: String,
    /// What is wrong: `is not a builtin …` or `takes 2 arguments, not 3`
    pub problem: String,
    /// The file of the call
    pub file: String,
    /// The file's text
    pub text: String,
    /// Byte offset and length of the call in the file
    pub span: (usize, usize),
}

/// A chain of calls deeper than [`MAX_CALL_DEPTH`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepChain {
    /// The rule or function at the top of the chain
    pub rule: String,
    /// The file defining it
    pub file: String,
    /// How many rules and functions the chain holds
    pub depth: usize,
    /// The first few members, in call order
    pub start: Vec<String>,
}

/// What the load-time walk found wrong, the first problem of each kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// A builtin that is not a function of the input
    pub forbidden: Option<ForbiddenCall>,
    /// Rules or functions calling each other in a cycle
    pub cycle: Option<Cycle>,
    /// A chain too deep to evaluate safely
    pub deep: Option<DeepChain>,
    /// A call of an unknown function, or with the wrong number of arguments
    pub bad_call: Option<BadCall>,
    /// Every rule and function the pack defines, `package.name` (without `data.`)
    pub defined: BTreeSet<String>,
    /// Every definition, in file order, with the rules and functions it refers to
    pub definitions: Vec<Definition>,
}

/// One definition of a rule or function (a rule may have several) and what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// Qualified name, `claimgate.claims.allow`
    pub name: String,
    /// The file defining it
    pub file: String,
    /// First and last line of the definition, 1-based
    pub lines: (u32, u32),
    /// The rules and functions of the pack it refers to, qualified
    pub refs: BTreeSet<String>,
}

/// Why a builtin may not be called by a pack, or `None` when it may.
///
/// Refused: whatever reads the clock, a random source, the process environment or the
/// network, and what expands without a bound regorus can interrupt. Pure builtins
/// (`uuid.parse`, `net.cidr_contains`, `time.parse_rfc3339_ns`, ...) are allowed. `numbers.range`
/// is allowed but bounded at run time (`super::eval`).
pub fn forbidden_builtin(name: &str) -> Option<&'static str> {
    const CLOCK: &str = "reads the clock: the result changes from run to run";
    const RANDOM: &str = "is random: the result changes from run to run";
    const OUTSIDE: &str =
        "reaches outside the policy's input (network, environment or system trust roots)";
    match name {
        "time.now_ns" => Some(CLOCK),
        "test.sleep" => Some("waits on the clock"),
        "rand.intn" | "uuid.rfc4122" => Some(RANDOM),
        "opa.runtime" => Some("reads the process environment and configuration"),
        "http.send" | "net.lookup_ip_addr" | "providers.aws.sign_req" => Some(OUTSIDE),
        "net.cidr_expand" => {
            Some("expands to up to 2^128 addresses in one call, past any time or memory limit")
        }
        // OPA checks these against the system's trust roots or the current time when no
        // constraint is given.
        "io.jwt.decode_verify" => Some(CLOCK),
        n if n.starts_with("crypto.x509.parse_and_verify") => Some(OUTSIDE),
        n if n.starts_with("rand.") => Some(RANDOM),
        n if n.starts_with("http.") => Some(OUTSIDE),
        _ => None,
    }
}

/// One parsed module, with what its references resolve against.
struct Module<'a> {
    file: String,
    text: &'a str,
    package: String,
    /// Import alias → the package path it names, without `data`
    imports: BTreeMap<String, String>,
    rules: Vec<(String, &'a Json)>,
}

/// Walks every policy loaded in `engine` once: forbidden builtins, unknown functions and wrong
/// arities, cycles, call depth. `hosts` are the host functions the engine was given, with
/// their arities.
pub fn check(modules: &[Json], hosts: &[(&str, usize)]) -> Findings {
    // Pass 1: every defined rule/function, qualified by package.
    let mut defined: BTreeMap<String, String> = BTreeMap::new();
    // Functions (rules with parameters) and the argument counts their definitions take.
    let mut arities: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
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
            if let Some(args) = head.get("Func").and_then(|f| f["args"].as_array()) {
                arities
                    .entry(qualified.clone())
                    .or_default()
                    .insert(args.len());
            }
            defined
                .entry(qualified.clone())
                .or_insert_with(|| file.clone());
            rules.push((qualified, rule));
        }
        parsed.push(Module {
            text: m["source"]["contents"].as_str().unwrap_or_default(),
            file,
            package,
            imports,
            rules,
        });
    }

    // Pass 2: edges from every reference that names a defined rule/function.
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut findings = Findings::default();
    for m in &parsed {
        for (name, rule) in &m.rules {
            let mut calls = Vec::new();
            collect_calls(rule, &mut calls);
            if findings.bad_call.is_none() {
                findings.bad_call = calls.iter().find_map(|c| {
                    let args = c.args?;
                    let problem = call_problem(&c.path, args, m, &defined, &arities, hosts)?;
                    Some(BadCall {
                        function: c.path.join("."),
                        problem,
                        file: m.file.clone(),
                        text: m.text.to_string(),
                        span: c.span,
                    })
                });
            }
            if findings.forbidden.is_none() {
                findings.forbidden = calls.into_iter().find_map(|Called { path, span, .. }| {
                    let joined = path.join(".");
                    let why = forbidden_builtin(&joined)?;
                    // A pack function of the same name shadows the builtin.
                    let own = format!("{}.{joined}", m.package);
                    if defined.contains_key(&own)
                        || path.first().is_some_and(|f| m.imports.contains_key(f))
                    {
                        return None;
                    }
                    Some(ForbiddenCall {
                        builtin: joined,
                        why,
                        file: m.file.clone(),
                        text: m.text.to_string(),
                        span,
                        rule: name.clone(),
                    })
                });
            }
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
            let mut out = BTreeSet::new();
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
            edges
                .entry(name.clone())
                .or_default()
                .extend(out.iter().cloned());
            let span = &rule["Spec"]["span"];
            let first = super::ast::line(span);
            let (start, len) = span_of(span);
            let more = m
                .text
                .get(start..start.saturating_add(len))
                .map_or(0, |t| t.matches('\n').count());
            findings.definitions.push(Definition {
                name: name.clone(),
                file: m.file.clone(),
                lines: (
                    first,
                    first.saturating_add(u32::try_from(more).unwrap_or(u32::MAX)),
                ),
                refs: out,
            });
        }
    }

    findings.defined = defined.keys().cloned().collect();
    let (cycle, deep) = walk_graph(&edges);
    findings.cycle = cycle.map(|path| {
        let file = path
            .first()
            .and_then(|p| defined.get(p))
            .cloned()
            .unwrap_or_default();
        Cycle { path, file }
    });
    findings.deep = deep.map(|chain| DeepChain {
        rule: chain.first().cloned().unwrap_or_default(),
        file: chain
            .first()
            .and_then(|p| defined.get(p))
            .cloned()
            .unwrap_or_default(),
        depth: chain.len(),
        start: chain.into_iter().take(4).collect(),
    });
    findings
}

/// One iterative depth-first search (no recursion: the graph may be as deep as the pack is
/// long): the first cycle, if any, else the longest chain when it is deeper than
/// [`MAX_CALL_DEPTH`].
fn walk_graph(
    edges: &BTreeMap<String, BTreeSet<String>>,
) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let names: Vec<&str> = edges
        .keys()
        .map(String::as_str)
        .chain(edges.values().flatten().map(String::as_str))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let children: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            edges
                .get(*n)
                .into_iter()
                .flatten()
                .filter_map(|c| index.get(c.as_str()).copied())
                .collect()
        })
        .collect();
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; names.len()];
    // Longest chain below each finished node: its length and the next member.
    let mut depth = vec![0usize; names.len()];
    let mut next: Vec<Option<usize>> = vec![None; names.len()];
    for root in 0..names.len() {
        if state.get(root) != Some(&NEW) {
            continue;
        }
        // (node, how many of its children were looked at)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        if let Some(s) = state.get_mut(root) {
            *s = OPEN;
        }
        while let Some(&mut (node, ref mut seen)) = stack.last_mut() {
            let kids = children.get(node).map_or(&[][..], Vec::as_slice);
            if let Some(&child) = kids.get(*seen) {
                *seen += 1;
                match state.get(child).copied() {
                    Some(OPEN) => {
                        let from = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                        let mut cycle: Vec<String> = stack
                            .get(from..)
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|(n, _)| names.get(*n).map(|s| (*s).to_string()))
                            .collect();
                        cycle.extend(names.get(child).map(|s| (*s).to_string()));
                        return (Some(cycle), None);
                    }
                    Some(NEW) => {
                        if let Some(s) = state.get_mut(child) {
                            *s = OPEN;
                        }
                        stack.push((child, 0));
                    }
                    _ => {}
                }
                continue;
            }
            // Every child is done: this node's longest chain is one more than theirs.
            let best = kids
                .iter()
                .copied()
                .max_by_key(|c| (depth.get(*c).copied().unwrap_or(0), std::cmp::Reverse(*c)));
            let below = best.and_then(|c| depth.get(c).copied()).unwrap_or(0);
            if let Some(d) = depth.get_mut(node) {
                *d = 1 + below;
            }
            if let Some(n) = next.get_mut(node) {
                *n = best;
            }
            if let Some(s) = state.get_mut(node) {
                *s = DONE;
            }
            stack.pop();
        }
    }
    let deepest = (0..names.len())
        .max_by_key(|n| (depth.get(*n).copied().unwrap_or(0), std::cmp::Reverse(*n)));
    let deep = deepest
        .filter(|n| depth.get(*n).copied().unwrap_or(0) > MAX_CALL_DEPTH)
        .map(|top| {
            let mut chain = Vec::new();
            let mut at = Some(top);
            while let Some(n) = at {
                chain.extend(names.get(n).map(|s| (*s).to_string()));
                at = next.get(n).copied().flatten();
            }
            chain
        });
    (None, deep)
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
pub(super) fn flatten(refr: &Json) -> Vec<String> {
    if let Some(v) = refr.get("Var") {
        return v["value"]
            .as_str()
            .map(|s| vec![s.to_string()])
            .unwrap_or_default();
    }
    if let Some(d) = refr.get("RefDot") {
        let mut parts = flatten(&d["refr"]);
        // `f(x).field`: a field of a value, not a name.
        if parts.is_empty() {
            return parts;
        }
        if let Some(field) = d["field"].get(1).and_then(Json::as_str) {
            parts.push(field.to_string());
        }
        return parts;
    }
    if let Some(b) = refr.get("RefBrack") {
        let mut parts = flatten(&b["refr"]);
        if parts.is_empty() {
            return parts;
        }
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

/// A function named in a policy: called (with its argument count) or named as a `with`
/// replacement (`with f as time.now_ns`, no count).
struct Called {
    path: Vec<String>,
    span: (usize, usize),
    args: Option<usize>,
}

/// Every function call in a subtree, and every function named as a `with` replacement.
fn collect_calls(node: &Json, out: &mut Vec<Called>) {
    match node {
        Json::Object(o) => {
            if let Some(call) = o.get("Call") {
                let path = flatten(&call["fcn"]);
                if !path.is_empty() {
                    out.push(Called {
                        path,
                        span: span_of(&call["span"]),
                        args: Some(call["params"].as_array().map_or(0, Vec::len)),
                    });
                }
            }
            if let Some(with) = o.get("as").filter(|_| o.contains_key("refr")) {
                let path = flatten(with);
                if !path.is_empty() {
                    out.push(Called {
                        path,
                        span: span_of(&o["span"]),
                        args: None,
                    });
                }
            }
            for v in o.values() {
                collect_calls(v, out);
            }
        }
        Json::Array(a) => a.iter().for_each(|v| collect_calls(v, out)),
        _ => {}
    }
}

/// What is wrong with calling `path` with `args` arguments from module `m`, if anything. The
/// lookup is regorus': an import alias or `data.` path naming a pack function, the module's
/// own function, then host functions, `print`, and builtins.
fn call_problem(
    path: &[String],
    args: usize,
    m: &Module<'_>,
    defined: &BTreeMap<String, String>,
    arities: &BTreeMap<String, BTreeSet<usize>>,
    hosts: &[(&str, usize)],
) -> Option<String> {
    let joined = path.join(".");
    let first = path.first()?;
    let qualified = if first == "data" {
        Some(path.get(1..).unwrap_or_default().join("."))
    } else if let Some(target) = m.imports.get(first) {
        let rest = path.get(1..).unwrap_or_default();
        Some(
            std::iter::once(target.clone())
                .chain(rest.iter().cloned())
                .collect::<Vec<_>>()
                .join("."),
        )
    } else {
        let own = format!("{}.{joined}", m.package);
        defined.contains_key(&own).then_some(own)
    };
    let takes = |n: &BTreeSet<usize>| {
        n.iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(" or ")
    };
    if let Some(q) = qualified {
        return match arities.get(&q) {
            Some(n) if !n.contains(&args) => Some(format!(
                "it takes {} argument{}, not {args}",
                takes(n),
                if n.len() == 1 && n.contains(&1) {
                    ""
                } else {
                    "s"
                }
            )),
            Some(_) => None,
            None if defined.contains_key(&q) => None,
            None => Some(format!("no rule or function `{q}` is defined")),
        };
    }
    if joined == "print" {
        return None;
    }
    let arity = hosts
        .iter()
        .find(|(h, _)| *h == joined)
        .map(|(_, n)| *n)
        .or_else(|| {
            regorus::unstable::BUILTINS
                .get(joined.as_str())
                .map(|(_, n)| usize::from(*n))
        });
    match arity {
        None => Some("no builtin, host function or function of the pack has this name".into()),
        Some(n) if n != args => Some(format!(
            "it takes {n} argument{}, not {args}",
            if n == 1 { "" } else { "s" }
        )),
        Some(_) => None,
    }
}

/// A span's byte offset and length (at least 1).
pub(super) fn span_of(span: &Json) -> (usize, usize) {
    let at = |k: &str| {
        span[k]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    let (start, end) = (at("start"), at("end"));
    (start, end.saturating_sub(start).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use regorus::Engine;

    fn cycle(src: &[(&str, &str)]) -> Option<Vec<String>> {
        let mut e = Engine::new();
        for (name, text) in src {
            e.add_policy((*name).to_string(), (*text).to_string())
                .unwrap();
        }
        let modules = crate::policy::ast::modules(&e).unwrap();
        check(&modules, &[]).cycle.map(|c| c.path)
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
