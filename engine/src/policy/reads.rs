//! What a pack reads of its input: every `input` path any rule or function reads, and the
//! constants each path is tested against. `claimgate diff` varies these paths (see
//! `diff/derived.rs`), so a rule that reads evidence the fixed space does not vary still shows.
//!
//! The walk is over regorus' parsed modules. Variables bound to input paths are followed
//! (`some a in input.x`, `a := input.x[_]`, `every a in input.x`), and a function's parameters
//! are resolved at its call sites, so `att.sound(a)` reading `a.tee` is a read of
//! `runtime.attestations[].tee` where `a` iterates the attestations. Paths are written
//! `runtime.attestations[].tee`: `[]` is any element.

use super::ast::{line, modules, span_text, variant, Scope};
use super::recursion::flatten;
use regorus::Engine;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// A test a rule applies to an input path with a constant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "test", content = "constant")]
pub enum PathTest {
    /// `==`, `!=`, or membership in a literal set: the path is (or is not) this value
    Equals(Json),
    /// `<`, `<=`, `>`, `>=` against a number
    Compares(f64),
    /// `startswith(path, c)`
    StartsWith(String),
    /// `endswith(path, c)`
    EndsWith(String),
    /// `contains(path, c)`
    Contains(String),
    /// `regex.match(c, path)`
    Regex(String),
}

/// Where a path is read: file, line and the rule or function reading it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Place {
    /// The policy file
    pub file: String,
    /// 1-based line
    pub line: u32,
    /// The qualified rule or function (`claimgate.claims.allow`)
    pub rule: String,
}

/// One input path a pack reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Read {
    /// `runtime.attestations[].tee`
    pub path: String,
    /// The constants it is tested against, each once
    pub tests: Vec<PathTest>,
    /// Where it is read
    pub places: BTreeSet<Place>,
    /// Every rule whose value may depend on the read: the reading rule and, for a read inside
    /// a function, the rules calling it
    pub rules: BTreeSet<String>,
}

/// What a pack reads, path by path, and the text of each of its rules (to tell which changed).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Reads {
    /// Every path read, in path order
    pub paths: Vec<Read>,
    /// Qualified rule name → the texts of its definitions, in file order
    pub rules: BTreeMap<String, Vec<String>>,
    /// Every whole number written in the policies (a time window, a count): `diff` sets times
    /// either side of them
    pub numbers: BTreeSet<i64>,
}

/// Most resolved reads a pack may produce; past it the walk stops (a pack that large reads
/// more than a diff can vary anyway).
const MAX_READS: usize = 100_000;
/// Most rounds of resolving function parameters through call sites (call chains are acyclic
/// and bounded by the recursion check, so this is a backstop).
const MAX_ROUNDS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Root {
    Input,
    Param(usize),
}

/// A value known to be a path under the input or under a function's parameter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Sym {
    root: Root,
    path: Vec<String>,
}

impl Sym {
    fn then(&self, seg: &str) -> Sym {
        let mut s = self.clone();
        s.path.push(seg.to_string());
        s
    }
}

#[derive(Debug, Clone)]
struct Raw {
    sym: Sym,
    test: Option<PathTest>,
    place: Place,
    /// The rule whose body holds the read (a function's for a parameter read), then callers
    rules: BTreeSet<String>,
    /// The function holding a parameter read
    func: String,
}

#[derive(Debug, Clone)]
struct Call {
    caller: String,
    callee: String,
    args: Vec<Option<Sym>>,
}

type Env = BTreeMap<String, Sym>;

/// Walks one module, collecting reads and calls.
struct Walker<'a> {
    scope: Scope<'a>,
    rule: String,
    raws: &'a mut Vec<Raw>,
    calls: &'a mut Vec<Call>,
}

/// A literal scalar, if the expression is one.
fn literal(e: &Json) -> Option<Json> {
    match variant(e)? {
        ("String" | "RawString" | "Number" | "Bool" | "Null", f) => Some(f["value"].clone()),
        _ => None,
    }
}

/// The line an expression starts on.
fn line_of(e: &Json) -> u32 {
    variant(e).map_or(0, |(_, f)| line(&f["span"]))
}

impl Walker<'_> {
    fn sym(&self, e: &Json, env: &Env) -> Option<Sym> {
        match variant(e)? {
            ("Var", f) => {
                let name = f["value"].as_str()?;
                if name == "input" {
                    return Some(Sym {
                        root: Root::Input,
                        path: Vec::new(),
                    });
                }
                env.get(name).cloned()
            }
            ("RefDot", f) => {
                let base = self.sym(&f["refr"], env)?;
                Some(base.then(f["field"].get(1)?.as_str()?))
            }
            ("RefBrack", f) => {
                let base = self.sym(&f["refr"], env)?;
                match variant(&f["index"]) {
                    Some(("String", s)) => Some(base.then(s["value"].as_str()?)),
                    _ => Some(base.then("[]")),
                }
            }
            _ => None,
        }
    }

    fn record(&mut self, sym: Sym, test: Option<PathTest>, at: &Json) {
        self.raws.push(Raw {
            sym,
            test,
            place: Place {
                file: self.scope.file.clone(),
                line: line_of(at),
                rule: self.rule.clone(),
            },
            rules: BTreeSet::from([self.rule.clone()]),
            func: self.rule.clone(),
        });
    }

    /// The pack function a call names, qualified (`claimgate.lib.attestation.sound`).
    fn callee(&self, fcn: &Json) -> Option<String> {
        self.scope.resolve(flatten(fcn))
    }

    fn expr(&mut self, e: &Json, env: &mut Env) {
        let Some((kind, f)) = variant(e) else { return };
        match kind {
            "Var" | "RefDot" | "RefBrack" => {
                if let Some(s) = self.sym(e, env) {
                    if s.root != Root::Input || !s.path.is_empty() {
                        self.record(s, None, e);
                    }
                    self.indexes(e, env);
                } else if kind != "Var" {
                    self.expr(&f["refr"], env);
                    self.expr(&f["index"], env);
                }
            }
            "BoolExpr" => {
                let (l, r) = (&f["lhs"], &f["rhs"]);
                let numeric = !matches!(f["op"].as_str(), Some("Eq" | "Ne"));
                for (a, b) in [(l, r), (r, l)] {
                    if let (Some(s), Some(c)) = (self.sym(a, env), literal(b)) {
                        let test = if numeric {
                            c.as_f64().map(PathTest::Compares)
                        } else {
                            Some(PathTest::Equals(c))
                        };
                        self.record(s, test, e);
                    }
                }
                self.expr(l, env);
                self.expr(r, env);
            }
            "Membership" => {
                let (value, coll) = (&f["value"], &f["collection"]);
                if let Some(s) = self.sym(value, env) {
                    if let Some(("Set" | "Array", items)) = variant(coll) {
                        for item in items["items"].as_array().into_iter().flatten() {
                            if let Some(c) = literal(item) {
                                self.record(s.clone(), Some(PathTest::Equals(c)), e);
                            }
                        }
                    }
                }
                if let (Some(s), Some(c)) = (self.sym(coll, env), literal(value)) {
                    self.record(s.then("[]"), Some(PathTest::Equals(c)), e);
                }
                self.expr(value, env);
                self.expr(coll, env);
                if !f["key"].is_null() {
                    self.expr(&f["key"], env);
                }
            }
            "Call" => {
                let params: Vec<&Json> = f["params"].as_array().into_iter().flatten().collect();
                let name = flatten(&f["fcn"]).join(".");
                let arg = |i: usize| params.get(i).copied();
                let (subject, constant, make): (_, _, fn(String) -> PathTest) = match name.as_str()
                {
                    "startswith" => (arg(0), arg(1), PathTest::StartsWith),
                    "endswith" => (arg(0), arg(1), PathTest::EndsWith),
                    "contains" => (arg(0), arg(1), PathTest::Contains),
                    "regex.match" => (arg(1), arg(0), PathTest::Regex),
                    _ => (None, None, PathTest::Contains),
                };
                if let (Some(s), Some(c)) = (
                    subject.and_then(|p| self.sym(p, env)),
                    constant.and_then(literal),
                ) {
                    if let Some(c) = c.as_str() {
                        self.record(s, Some(make(c.to_string())), e);
                    }
                }
                if let Some(callee) = self.callee(&f["fcn"]) {
                    let args = params.iter().map(|p| self.sym(p, env)).collect();
                    self.calls.push(Call {
                        caller: self.rule.clone(),
                        callee,
                        args,
                    });
                }
                for p in params {
                    self.expr(p, env);
                }
            }
            "AssignExpr" => {
                let (l, r) = (&f["lhs"], &f["rhs"]);
                self.expr(r, env);
                match (variant(l), self.sym(r, env)) {
                    (Some(("Var", v)), Some(s)) => {
                        if let Some(name) = v["value"].as_str() {
                            env.insert(name.to_string(), s);
                        }
                    }
                    _ => self.expr(l, env),
                }
            }
            "ArrayCompr" | "SetCompr" | "ObjectCompr" => {
                let mut inner = env.clone();
                self.query(&f["query"], &mut inner);
                for k in ["term", "key", "value"] {
                    if !f[k].is_null() {
                        self.expr(&f[k], &mut inner);
                    }
                }
            }
            "Array" | "Set" => {
                for item in f["items"].as_array().into_iter().flatten() {
                    self.expr(item, env);
                }
            }
            "Object" => {
                for field in f["fields"].as_array().into_iter().flatten() {
                    for part in field.as_array().into_iter().flatten().skip(1) {
                        self.expr(part, env);
                    }
                }
            }
            "UnaryExpr" => self.expr(&f["expr"], env),
            "ArithExpr" | "BinExpr" => {
                self.expr(&f["lhs"], env);
                self.expr(&f["rhs"], env);
            }
            _ => {}
        }
    }

    /// Walks the index expressions of a reference chain (`x[f(i)]`), not its prefixes.
    fn indexes(&mut self, e: &Json, env: &mut Env) {
        match variant(e) {
            Some(("RefDot", f)) => self.indexes(&f["refr"], env),
            Some(("RefBrack", f)) => {
                self.indexes(&f["refr"], env);
                if literal(&f["index"]).is_none() {
                    self.expr(&f["index"], env);
                }
            }
            _ => {}
        }
    }

    fn query(&mut self, q: &Json, env: &mut Env) {
        for stmt in q["stmts"].as_array().into_iter().flatten() {
            let Some((kind, f)) = variant(&stmt["literal"]) else {
                continue;
            };
            match kind {
                "SomeIn" => {
                    self.expr(&f["collection"], env);
                    if let (Some(s), Some(("Var", v))) =
                        (self.sym(&f["collection"], env), variant(&f["value"]))
                    {
                        if let Some(name) = v["value"].as_str() {
                            env.insert(name.to_string(), s.then("[]"));
                        }
                    }
                }
                "Expr" | "NotExpr" => self.expr(&f["expr"], env),
                "Every" => {
                    self.expr(&f["domain"], env);
                    let mut inner = env.clone();
                    if let (Some(s), Some(name)) =
                        (self.sym(&f["domain"], env), self.span_text(&f["value"]))
                    {
                        inner.insert(name, s.then("[]"));
                    }
                    self.query(&f["query"], &mut inner);
                }
                _ => {}
            }
        }
    }

    fn span_text(&self, span: &Json) -> Option<String> {
        span_text(self.scope.text, span)
    }

    fn rule(&mut self, rule: &Json, texts: &mut BTreeMap<String, Vec<String>>) {
        let Some((kind, f)) = variant(rule) else {
            return;
        };
        let (head_refr, mut env) = match kind {
            "Spec" => {
                let Some((_, h)) = variant(&f["head"]) else {
                    return;
                };
                let mut env = Env::new();
                for (i, a) in h["args"].as_array().into_iter().flatten().enumerate() {
                    if let Some(("Var", v)) = variant(a) {
                        if let Some(name) = v["value"].as_str() {
                            env.insert(
                                name.to_string(),
                                Sym {
                                    root: Root::Param(i),
                                    path: Vec::new(),
                                },
                            );
                        }
                    }
                }
                (&h["refr"], env)
            }
            _ => (&f["refr"], Env::new()),
        };
        let name: Vec<String> = std::iter::once(self.scope.package.clone())
            .chain(flatten(head_refr))
            .collect();
        self.rule = name.join(".");
        if let Some(t) = self.span_text(&f["span"]) {
            texts.entry(self.rule.clone()).or_default().push(t);
        }
        if kind == "Default" {
            self.expr(&f["value"], &mut env);
            return;
        }
        let head = variant(&f["head"]).map(|(_, h)| h);
        for body in f["bodies"].as_array().into_iter().flatten() {
            let mut benv = env.clone();
            self.query(&body["query"], &mut benv);
            if !body["assign"].is_null() {
                self.expr(&body["assign"]["value"], &mut benv);
            }
            if let Some(h) = head {
                for k in ["key"] {
                    if !h[k].is_null() {
                        self.expr(&h[k], &mut benv);
                    }
                }
                if !h["assign"].is_null() && body["assign"].is_null() {
                    self.expr(&h["assign"]["value"], &mut benv);
                }
            }
        }
        if f["bodies"].as_array().is_none_or(Vec::is_empty) {
            if let Some(h) = head {
                if !h["assign"].is_null() {
                    self.expr(&h["assign"]["value"], &mut env);
                }
                if !h["key"].is_null() {
                    self.expr(&h["key"], &mut env);
                }
            }
        }
    }
}

fn display(path: &[String]) -> String {
    let mut s = String::new();
    for seg in path {
        if seg == "[]" {
            s.push_str("[]");
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(seg);
        }
    }
    s
}

/// What the modules of a compiled engine read of their input.
pub fn reads(engine: &Engine) -> Result<Reads, String> {
    Ok(reads_of(&modules(engine)?))
}

/// What parsed modules ([`super::ast::json`]) read of their input.
pub(super) fn reads_of(modules: &[Json]) -> Reads {
    let mut raws = Vec::new();
    let mut calls = Vec::new();
    let mut texts = BTreeMap::new();
    for m in modules {
        let mut w = Walker {
            scope: Scope::of(m),
            rule: String::new(),
            raws: &mut raws,
            calls: &mut calls,
        };
        for rule in m["ast"]["rules"].as_array().into_iter().flatten() {
            w.rule(rule, &mut texts);
        }
    }
    resolve(&mut raws, &calls);
    let mut numbers = BTreeSet::new();
    for m in modules {
        numbers_in(&m["ast"]["rules"], &mut numbers);
    }
    Reads {
        paths: group(&raws),
        rules: texts,
        numbers,
    }
}

/// Most numbers [`Reads::numbers`] holds: a pack writing more is not timing anything by them.
const MAX_NUMBERS: usize = 256;

/// The whole-number literals of a subtree.
fn numbers_in(node: &Json, out: &mut BTreeSet<i64>) {
    match node {
        Json::Object(o) => {
            if let Some(n) = o.get("Number").and_then(|n| n["value"].as_f64()) {
                if n.fract() == 0.0 && n.abs() < 9.0e15 && out.len() < MAX_NUMBERS {
                    out.insert(n as i64);
                }
            }
            o.values().for_each(|v| numbers_in(v, out));
        }
        Json::Array(a) => a.iter().for_each(|v| numbers_in(v, out)),
        _ => {}
    }
}

/// Carries each parameter read through the calls that bind the parameter, round by round,
/// until nothing new appears.
fn resolve(raws: &mut Vec<Raw>, calls: &[Call]) {
    let key = |r: &Raw| format!("{:?}|{:?}|{:?}|{:?}", r.sym, r.test, r.place, r.rules);
    let mut seen: BTreeSet<String> = raws.iter().map(key).collect();
    let mut frontier: Vec<Raw> = raws.clone();
    for _ in 0..MAX_ROUNDS {
        let mut next = Vec::new();
        for r in &frontier {
            let Root::Param(i) = r.sym.root else { continue };
            for c in calls.iter().filter(|c| c.callee == r.func) {
                let Some(Some(arg)) = c.args.get(i) else {
                    continue;
                };
                let mut rules = r.rules.clone();
                rules.insert(c.caller.clone());
                let n = Raw {
                    sym: Sym {
                        root: arg.root.clone(),
                        path: arg.path.iter().chain(&r.sym.path).cloned().collect(),
                    },
                    test: r.test.clone(),
                    place: r.place.clone(),
                    rules,
                    func: c.caller.clone(),
                };
                if raws.len() < MAX_READS && seen.insert(key(&n)) {
                    raws.push(n.clone());
                    next.push(n);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
}

fn group(raws: &[Raw]) -> Vec<Read> {
    let mut by: BTreeMap<String, Read> = BTreeMap::new();
    for r in raws.iter().filter(|r| r.sym.root == Root::Input) {
        let path = display(&r.sym.path);
        let e = by.entry(path.clone()).or_insert_with(|| Read {
            path,
            tests: Vec::new(),
            places: BTreeSet::new(),
            rules: BTreeSet::new(),
        });
        if let Some(t) = &r.test {
            if !e.tests.contains(t) {
                e.tests.push(t.clone());
            }
        }
        e.places.insert(r.place.clone());
        e.rules.extend(r.rules.iter().cloned());
    }
    by.into_values().collect()
}

impl super::CompiledPack {
    /// What the pack's policies read of their input ([`reads`]).
    pub fn reads(&self) -> Result<Reads, super::PolicyError> {
        reads(self.engine()).map_err(|message| super::PolicyError::Eval {
            rule: "(reads)".into(),
            message,
        })
    }

    /// What the pack reads, and each claim's dependency cone over those paths
    /// ([`super::cone`]).
    pub fn reads_and_cones(&self) -> Result<(Reads, super::Cones), super::PolicyError> {
        let failed = |message| super::PolicyError::Eval {
            rule: "(reads)".into(),
            message,
        };
        let modules = modules(self.engine()).map_err(failed)?;
        let reads = reads_of(&modules);
        let defs = super::recursion::check(&modules, &[]).definitions;
        let reaches = super::reach::reaches(self.engine(), &modules);
        let cones = super::cone::cones(&defs, &reaches, &self.catalog, &reads);
        Ok((reads, cones))
    }
}

impl Reads {
    /// The rules whose definitions differ between two packs (added, removed or edited).
    pub fn changed_rules(base: &Reads, head: &Reads) -> BTreeSet<String> {
        let names: BTreeSet<&String> = base.rules.keys().chain(head.rules.keys()).collect();
        names
            .into_iter()
            .filter(|n| base.rules.get(*n) != head.rules.get(*n))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_of(src: &[(&str, &str)]) -> Reads {
        let mut e = super::super::eval::new_engine();
        for (name, text) in src {
            e.add_policy((*name).to_string(), (*text).to_string())
                .unwrap();
        }
        reads(&e).unwrap()
    }

    fn path<'a>(r: &'a Reads, p: &str) -> &'a Read {
        r.paths.iter().find(|x| x.path == p).unwrap_or_else(|| {
            panic!(
                "{p} not read: {:?}",
                r.paths.iter().map(|x| &x.path).collect::<Vec<_>>()
            )
        })
    }

    #[test]
    fn element_bindings_and_tests_are_followed() {
        let r = reads_of(&[(
            "c.rego",
            r#"package claimgate.claims
allow contains "x" if {
	some a in input.runtime.attestations
	endswith(a.tee, "-cc")
	a.appraisal in {"remote", "local"}
	input.evaluated_at.unix > 5
	regex.match("^eu-.*$", a.region)
}
"#,
        )]);
        let tee = path(&r, "runtime.attestations[].tee");
        assert_eq!(tee.tests, vec![PathTest::EndsWith("-cc".into())]);
        assert_eq!(tee.places.iter().next().map(|p| p.line), Some(4));
        assert!(tee.rules.contains("claimgate.claims.allow"));
        let app = path(&r, "runtime.attestations[].appraisal");
        assert_eq!(app.tests.len(), 2);
        assert_eq!(
            path(&r, "evaluated_at.unix").tests,
            vec![PathTest::Compares(5.0)]
        );
        assert_eq!(
            path(&r, "runtime.attestations[].region").tests,
            vec![PathTest::Regex("^eu-.*$".into())]
        );
    }

    #[test]
    fn function_parameters_resolve_at_call_sites() {
        let r = reads_of(&[
            (
                "lib.rego",
                "package claimgate.lib.att\nok(a) if a.mode == \"on\"\n",
            ),
            (
                "c.rego",
                "package claimgate.claims\nimport data.claimgate.lib.att\nallow contains \"x\" if {\n\tsome f in input.facts\n\tatt.ok(f)\n}\n",
            ),
        ]);
        let mode = path(&r, "facts[].mode");
        assert_eq!(mode.tests, vec![PathTest::Equals(Json::from("on"))]);
        assert!(
            mode.rules.contains("claimgate.claims.allow"),
            "{:?}",
            mode.rules
        );
        assert!(mode.rules.contains("claimgate.lib.att.ok"));
    }

    #[test]
    fn whole_numbers_are_collected() {
        let r = reads_of(&[(
            "c.rego",
            "package claimgate.claims\nmax_age := 86400\nx if input.n > 2.5\ny := [1, -3]\n",
        )]);
        assert_eq!(r.numbers.into_iter().collect::<Vec<_>>(), [-3, 1, 86400]);
    }

    #[test]
    fn changed_rules_are_those_whose_text_differs() {
        let base = reads_of(&[("c.rego", "package claimgate.claims\na := 1\nb := 2\n")]);
        let head = reads_of(&[(
            "c.rego",
            "package claimgate.claims\na := 1\nb := 3\nc := 4\n",
        )]);
        let changed: Vec<String> = Reads::changed_rules(&base, &head).into_iter().collect();
        assert_eq!(changed, ["claimgate.claims.b", "claimgate.claims.c"]);
    }
}
