//! Compile a pack once; evaluate it on evidence with a clone of the compiled engine.

use super::{first_line, locate, Pack, PolicyError};
use crate::catalog::Catalog;
use crate::digest::Digest;
use crate::document::Status;
use crate::evidence::{DecisionFact, Evidence, Origin};
use crate::source::Located;
use regorus::{Engine, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Package prefix of verifier policies.
pub const VERIFIER_PREFIX: &str = "data.claimgate.verifier.";
/// The claim rules package.
pub const CLAIMS_PACKAGE: &str = "data.claimgate.claims";
/// The requirements package: the rules catalog entries name in `requires`.
pub const REQUIREMENTS_PACKAGE: &str = "data.claimgate.requirements";
/// The rule of the engine's own module that reads, in one evaluation, every claim-rule output
/// and every requirement the catalog names, so the judgments they share are computed once per
/// bundle.
pub(super) const OUTCOME_RULE: &str = "data.claimgate_engine.outcome";
/// The requirements' descriptions, read once at compile time.
const DESCRIBE_RULE: &str = "data.claimgate_engine.describe";
/// Outputs of the claim rules package the engine reads (each may be undefined).
pub(super) const CLAIM_OUTPUTS: [&str; 5] = [
    "allow",
    "block",
    "appraised_by",
    "attestation_limit",
    "attestations",
];

/// The engine's module. Each rule is read by name (`data.claimgate.claims.allow`), never as a
/// whole package: regorus 0.14 drops the contributions of all but one file when a package
/// whose partial rules span files is read as one value. Names are checked rule names
/// (catalog validation), so the text is well formed.
fn outcome_module(catalog: &Catalog) -> String {
    let read = |key: &str, path: &str, default: &str| {
        format!("{key} := x if {{\n\tx := {path}\n}} else := {default}\n\n")
    };
    let mut m = String::from("package claimgate_engine\n\n");
    let mut claims = Vec::new();
    for out in CLAIM_OUTPUTS {
        m.push_str(&read(
            &format!("claims_{out}"),
            &format!("{CLAIMS_PACKAGE}.{out}"),
            "null",
        ));
        claims.push(format!("\"{out}\": claims_{out}"));
    }
    let mut reqs = vec!["\"unmet\": req_unmet".to_string()];
    m.push_str(&read(
        "req_unmet",
        &format!("{REQUIREMENTS_PACKAGE}.unmet"),
        "{}",
    ));
    for name in catalog.requirement_names() {
        m.push_str(&read(
            &format!("req_{name}"),
            &format!("{REQUIREMENTS_PACKAGE}.{name}"),
            "false",
        ));
        reqs.push(format!("\"{name}\": req_{name}"));
    }
    m.push_str(&read(
        "describe",
        &format!("{REQUIREMENTS_PACKAGE}.describe"),
        "{}",
    ));
    m.push_str(&format!(
        "outcome := {{\"claims\": {{{}}}, \"requirements\": {{{}}}}}\n",
        claims.join(", "),
        reqs.join(", ")
    ));
    m
}

/// Wall-clock budget for one rule evaluation.
pub const EVAL_TIME_LIMIT: Duration = Duration::from_secs(5);

/// Work units between two reads of the clock: reading it on every unit was 13% of evaluation
/// time, and 64 units are microseconds, nothing next to the budget.
const TIMER_CHECK_INTERVAL: std::num::NonZeroU32 = match std::num::NonZeroU32::new(64) {
    Some(n) => n,
    None => std::num::NonZeroU32::MIN,
};

/// A compiled policy pack, ready to evaluate many bundles.
#[derive(Debug, Clone)]
pub struct CompiledPack {
    /// `embedded` or the pack directory
    pub origin: String,
    /// sha256 of the pack's files
    pub digest: Digest,
    /// The validated catalog
    pub catalog: Catalog,
    /// sha256 of the catalog file
    pub catalog_digest: Digest,
    /// Each requirement the catalog names, with its one-line description
    /// (`data.claimgate.requirements.describe`)
    pub requirements: BTreeMap<String, String>,
    engine: Engine,
    verifiers: Vec<String>,
}

/// What the pack's Rego said about one evidence document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyOutcome {
    /// Decisions of the pack's verifier policies (those whose `decision` was defined)
    pub decisions: Vec<DecisionFact>,
    /// Claim ids the claim rules allowed
    pub allow: BTreeSet<String>,
    /// Reasons the claim rules gave for blocking, by claim id
    pub block: BTreeMap<String, Vec<String>>,
    /// Every requirement the catalog names: met, or what is missing (`unmet`, else its
    /// description)
    pub requirements: BTreeMap<String, Result<(), String>>,
    /// The attestation results (by source) each claim's `{appraised_by}` names
    pub appraised_by: BTreeMap<String, BTreeSet<String>>,
    /// The catalog claim limit the receipt states for attestation results
    pub attestation_limit: Option<String>,
    /// What the pack concluded about each attestation result, by source, for the receipt
    pub attestations: BTreeMap<String, serde_json::Value>,
}

/// Most numbers one `numbers.range`/`numbers.range_step` call may make. regorus allocates the
/// whole array in one step that its time limit cannot interrupt (`numbers.range(1, 1e9)`
/// aborts on allocation failure), so claimgate puts its own bounded versions in their place.
pub const MAX_RANGE_ELEMENTS: u64 = 1_000_000;

/// The host functions [`new_engine`] adds, with their arities.
pub(super) const HOSTS: &[(&str, usize)] = &[("numbers.range", 2), ("numbers.range_step", 3)];

/// Engine settings shared by evaluation, upstream policies and `claimgate test`.
pub(super) fn new_engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_rego_v0(false);
    engine.set_strict_builtin_errors(true);
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: EVAL_TIME_LIMIT,
        check_interval: TIMER_CHECK_INTERVAL,
    });
    // Extensions are looked up before builtins: these replace regorus' unbounded ranges. A
    // fresh engine has no extension, so adding cannot fail; if it did, the builtins' names
    // would still be taken by nothing weaker than regorus' own.
    let _ = engine.add_extension("numbers.range".into(), 2, Box::new(bounded_range));
    let _ = engine.add_extension("numbers.range_step".into(), 3, Box::new(bounded_range_step));
    engine
}

fn integer(name: &str, v: &Value) -> anyhow::Result<i64> {
    v.as_i64()
        .map_err(|_| anyhow::anyhow!("{name}: operand must be an integer (at most 64 bits)"))
}

/// `numbers.range(a, b)`: the integers from `a` to `b`, both included, ascending or descending.
fn bounded_range(args: Vec<Value>) -> anyhow::Result<Value> {
    let [a, b] = args.as_slice() else {
        anyhow::bail!("numbers.range takes 2 arguments");
    };
    let (a, b) = (integer("numbers.range", a)?, integer("numbers.range", b)?);
    stepped("numbers.range", a, b, 1)
}

/// `numbers.range_step(a, b, step)`: from `a` towards `b` by a positive `step`, `b` included
/// when reached.
fn bounded_range_step(args: Vec<Value>) -> anyhow::Result<Value> {
    let name = "numbers.range_step";
    let [a, b, step] = args.as_slice() else {
        anyhow::bail!("{name} takes 3 arguments");
    };
    let (a, b, step) = (integer(name, a)?, integer(name, b)?, integer(name, step)?);
    if step <= 0 {
        anyhow::bail!("{name}: step must be a positive integer");
    }
    stepped(name, a, b, step.unsigned_abs())
}

fn stepped(name: &str, a: i64, b: i64, step: u64) -> anyhow::Result<Value> {
    let count = (a.abs_diff(b) / step).saturating_add(1);
    if count > MAX_RANGE_ELEMENTS {
        anyhow::bail!(
            "{name}({a}, {b}) would make {count} numbers; a pack may make at most {MAX_RANGE_ELEMENTS} in one call"
        );
    }
    let start = i128::from(a);
    let signed = if b >= a {
        i128::from(step)
    } else {
        -i128::from(step)
    };
    let values: Vec<Value> = (0..i128::from(count))
        .filter_map(|i| i64::try_from(start + i * signed).ok())
        .map(Value::from)
        .collect();
    Ok(Value::from(values))
}

/// Adds one Rego file, turning regorus' error into a located diagnostic.
pub(super) fn add_rego(
    engine: &mut Engine,
    file: &crate::source::SourceFile,
) -> Result<String, PolicyError> {
    engine
        .add_policy(file.name.clone(), file.text.clone())
        .map_err(|e| {
            let message = e.to_string();
            PolicyError::Compile {
                at: Located::at(file, locate(&message, file)),
                message: first_line(&message),
            }
        })
}

impl CompiledPack {
    /// Parses the catalog and compiles every non-test Rego file of the pack; an error names
    /// its file under the pack directory as given.
    pub fn compile(pack: &Pack) -> Result<CompiledPack, PolicyError> {
        Self::compile_in(pack).map_err(|e| e.under(pack))
    }

    fn compile_in(pack: &Pack) -> Result<CompiledPack, PolicyError> {
        let catalog = parse_catalog(pack)?;
        let catalog_digest = pack.catalog_file().map_or_else(
            || Digest::sha256_of(b""),
            |f| Digest::sha256_of(f.text.as_bytes()),
        );
        let mut engine = new_engine();
        let mut verifiers = BTreeSet::new();
        let (mut has_claims, mut has_requirements) = (false, false);
        for file in pack.files.iter().filter(|f| is_policy(&f.name)) {
            let package = add_rego(&mut engine, file)?;
            if let Some(name) = package.strip_prefix(VERIFIER_PREFIX) {
                verifiers.insert(format!("{VERIFIER_PREFIX}{name}"));
            }
            has_claims |= package == CLAIMS_PACKAGE;
            has_requirements |= package == REQUIREMENTS_PACKAGE;
        }
        for (has, what) in [
            (has_claims, "a claims rule file (package claimgate.claims)"),
            (
                has_requirements,
                "a requirements rule file (package claimgate.requirements)",
            ),
        ] {
            if !has {
                return Err(PolicyError::Layout {
                    dir: pack.origin.clone(),
                    missing: what.to_string(),
                });
            }
        }
        let parsed = super::parsed(&mut engine)?;
        let defined = super::check_calls(&parsed, HOSTS)?;
        // The embedded pack's reads are checked by its tests (`names::tests`); walking them
        // again would add a fifth to every cold `eval` of the default pack.
        let reads = (pack.origin != "embedded").then(|| super::reads::reads_of(&parsed));
        let unknown = reads
            .as_ref()
            .and_then(|r| super::names::unknown_input(r, super::names::input_schema()));
        if let Some(u) = unknown {
            let file = pack.files.iter().find(|f| f.name == u.place.file);
            let span = file
                .and_then(|f| super::names::span_in_line(&f.text, u.place.line, &u.path))
                .map(|(at, len)| miette::SourceSpan::new(at.into(), len));
            return Err(PolicyError::UnknownInput {
                at: match file {
                    Some(f) => Located::at(f, span),
                    None => Located::named(u.place.file.clone()),
                }
                .label("not in the evidence document")
                .help("`claimgate schema evidence` lists every field; `claimgate evidence BUNDLE` shows a bundle's"),
                path: u.path,
            });
        }
        if let Some(u) = super::names::unknown_claim(&parsed, &catalog) {
            let span = miette::SourceSpan::new(u.span.0.into(), u.span.1);
            return Err(PolicyError::UnknownClaim {
                at: match pack.files.iter().find(|f| f.name == u.file) {
                    Some(f) => Located::at(f, Some(span)),
                    None => Located::named(u.file),
                }
                .label("not in claims/catalog.yaml")
                .help("add the claim to claims/catalog.yaml or fix the id"),
                id: u.id,
                rule: u.rule,
            });
        }
        engine
            .add_policy("(claimgate)".into(), outcome_module(&catalog))
            .map_err(|e| PolicyError::Eval {
                rule: OUTCOME_RULE.into(),
                message: first_line(&e.to_string()),
            })?;
        add_catalog_data(&mut engine, &catalog)?;
        let policies: Vec<&crate::source::SourceFile> =
            pack.files.iter().filter(|f| is_policy(&f.name)).collect();
        super::analyze(&mut engine, &policies)?;
        let requirements = describe_requirements(&mut engine, &catalog, &defined, pack)?;
        // Surface whole-pack errors (conflicting rules, unknown functions) now, not per bundle.
        // Evaluating on the stored engine also prepares it once, so every clone starts ready
        // (a clone of an unprepared engine re-prepares on each evaluation: ~4x slower).
        engine
            .eval_rule(format!("{CLAIMS_PACKAGE}.allow"))
            .map_err(|e| PolicyError::Eval {
                rule: format!("{CLAIMS_PACKAGE}.allow"),
                message: super::eval_message(&e.to_string()),
            })?;
        Ok(CompiledPack {
            origin: pack.origin.clone(),
            digest: pack.digest(),
            catalog,
            catalog_digest,
            requirements,
            engine,
            verifiers: verifiers.into_iter().collect(),
        })
    }

    /// Runs the verifier policies, then the claim rules, on one evidence document. `upstream`
    /// holds the decisions of upstream policies run next to the pack: the claim rules see them
    /// with the pack's own.
    pub fn evaluate(
        &self,
        evidence: &Evidence,
        upstream: &[DecisionFact],
    ) -> Result<PolicyOutcome, PolicyError> {
        let input = to_value(evidence)?;
        let mut engine = self.engine.clone();
        engine.set_input(input.clone());

        let mut decisions = Vec::new();
        for pkg in &self.verifiers {
            let rule = format!("{pkg}.decision");
            let v = eval(&mut engine, &rule)?;
            if let Some(v) = v {
                decisions.push(read_decision(&rule, pkg, &v)?);
            }
        }
        decisions.extend(upstream.iter().cloned());

        engine.set_input(with_decisions(input, evidence, &decisions)?);

        let outcome = eval(&mut engine, OUTCOME_RULE)?.unwrap_or_default();
        let claims = outcome.get("claims").cloned().unwrap_or_default();
        let part = |name: &str| claims.get(name).filter(|v| !v.is_null());
        let allow_rule = format!("{CLAIMS_PACKAGE}.allow");
        let allow = match part("allow") {
            None => BTreeSet::new(),
            Some(v) => read_ids(&allow_rule, v)?,
        };
        let block_rule = format!("{CLAIMS_PACKAGE}.block");
        let block = match part("block") {
            None => BTreeMap::new(),
            Some(v) => read_blocks(&block_rule, v)?,
        };
        let appraised_by = match part("appraised_by") {
            None => BTreeMap::new(),
            Some(v) => read_sources(&format!("{CLAIMS_PACKAGE}.appraised_by"), v)?,
        };
        let attestation_limit = match part("attestation_limit") {
            None => None,
            Some(serde_json::Value::String(k))
                if self.catalog.claim_limits.attestation_result.contains_key(k) =>
            {
                Some(k.clone())
            }
            Some(v) => {
                return Err(PolicyError::Output {
                    rule: format!("{CLAIMS_PACKAGE}.attestation_limit"),
                    found: shape(v),
                    expected: "a key of `claim_limits.attestation_result` in the catalog".into(),
                    help: None,
                })
            }
        };
        let attestations = match part("attestations") {
            Some(serde_json::Value::Object(o)) => o.clone().into_iter().collect(),
            _ => BTreeMap::new(),
        };
        let requirements = self.requirement_results(
            outcome
                .get("requirements")
                .unwrap_or(&serde_json::Value::Null),
        );
        for id in allow.iter().chain(block.keys()) {
            if !self.catalog.knows(id) {
                return Err(PolicyError::Output {
                    rule: if allow.contains(id) {
                        allow_rule.clone()
                    } else {
                        block_rule.clone()
                    },
                    found: format!("claim id `{id}`"),
                    expected: "an id from the claim catalog".into(),
                    help: Some("add the claim to claims/catalog.yaml or fix the id".into()),
                });
            }
        }
        Ok(PolicyOutcome {
            decisions,
            allow,
            block,
            requirements,
            appraised_by,
            attestation_limit,
            attestations,
        })
    }

    /// Evaluates the requirements package once: each requirement the catalog names is met when
    /// its rule is `true`; otherwise the reason is its `unmet` text, else its description.
    fn requirement_results(&self, v: &serde_json::Value) -> BTreeMap<String, Result<(), String>> {
        let unmet = v.get("unmet");
        let mut out = BTreeMap::new();
        for (name, description) in &self.requirements {
            let met = v.get(name.as_str()) == Some(&serde_json::Value::Bool(true));
            let result = if met {
                Ok(())
            } else {
                Err(unmet
                    .and_then(|u| u.get(name.as_str()))
                    .and_then(serde_json::Value::as_str)
                    .map_or_else(|| description.clone(), str::to_string))
            };
            out.insert(name.clone(), result);
        }
        out
    }
}

/// Checks that every requirement the catalog names is a rule of the requirements package with
/// a description, and returns the descriptions.
fn describe_requirements(
    engine: &mut Engine,
    catalog: &Catalog,
    defined: &BTreeSet<String>,
    pack: &Pack,
) -> Result<BTreeMap<String, String>, PolicyError> {
    let rule = format!("{REQUIREMENTS_PACKAGE}.describe");
    let described = eval(engine, DESCRIBE_RULE)?.unwrap_or_default();
    let package = REQUIREMENTS_PACKAGE.trim_start_matches("data.");
    let mut out = BTreeMap::new();
    for name in catalog.requirement_names() {
        let missing = if !defined.contains(&format!("{package}.{name}")) {
            Some(format!(
                "requirement `{name}` is not a rule of package {package}"
            ))
        } else {
            match described.get(name).and_then(serde_json::Value::as_str) {
                Some(d) => {
                    out.insert(name.to_string(), d.to_string());
                    None
                }
                None => Some(format!(
                    "requirement `{name}` has no one-line description in `{rule}`"
                )),
            }
        };
        if let Some(message) = missing {
            let file = pack.catalog_file();
            return Err(match file {
                Some(f) => PolicyError::Catalog {
                    at: Located::at(f, f.span_of(name)),
                    message,
                },
                None => PolicyError::Layout {
                    dir: pack.origin.clone(),
                    missing: message,
                },
            });
        }
    }
    Ok(out)
}

/// `{claim id: [attestation source, …]}`.
fn read_sources(
    rule: &str,
    v: &serde_json::Value,
) -> Result<BTreeMap<String, BTreeSet<String>>, PolicyError> {
    let bad = || PolicyError::Output {
        rule: rule.to_string(),
        found: shape(v),
        expected: "an object of claim id → set of attestation sources".into(),
        help: None,
    };
    let mut out = BTreeMap::new();
    for (id, sources) in v.as_object().ok_or_else(bad)? {
        let set = sources
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|s| s.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<BTreeSet<_>, _>>()?;
        out.insert(id.clone(), set);
    }
    Ok(out)
}

/// Lets rules see the catalog as `data.claimgate.catalog` (each claim's id, box and
/// requirements), so a rule written for a box or a requirement covers every claim of it, new
/// ones too.
pub(super) fn add_catalog_data(engine: &mut Engine, catalog: &Catalog) -> Result<(), PolicyError> {
    let data = serde_json::json!({"claimgate": {"catalog": {"claims": catalog_claims(catalog)}}});
    engine
        .add_data(to_value(&data)?)
        .map_err(|e| PolicyError::Eval {
            rule: "data.claimgate.catalog".into(),
            message: first_line(&e.to_string()),
        })
}

impl CompiledPack {
    /// The compiled engine, for the differential-test probe (`super::probe`).
    pub(super) fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// The `input` claim rules see: the evidence with every decision, the recorded ones and the
/// pack's.
pub(super) fn with_decisions(
    mut input: Value,
    evidence: &Evidence,
    decisions: &[DecisionFact],
) -> Result<Value, PolicyError> {
    let mut all = evidence.verifier.decisions.clone();
    all.extend(decisions.iter().cloned());
    let all = to_value(&all)?;
    input
        .as_object_mut()
        .map(|o| o.insert(Value::from("decisions"), all))
        .map_err(|e| PolicyError::Eval {
            rule: "input.decisions".into(),
            message: e.to_string(),
        })?;
    Ok(input)
}

/// What rules see of the catalog: each claim's id, box and requirements.
pub(super) fn catalog_claims(catalog: &Catalog) -> serde_json::Value {
    catalog
        .claims
        .iter()
        .map(|c| serde_json::json!({"id": c.id, "box": c.claim_box.name(), "requires": c.requires}))
        .collect()
}

/// Parses and validates the pack's catalog.
pub(super) fn parse_catalog(pack: &Pack) -> Result<Catalog, PolicyError> {
    let Some(file) = pack.catalog_file() else {
        return Err(PolicyError::Layout {
            dir: pack.origin.clone(),
            missing: super::CATALOG_PATH.to_string(),
        });
    };
    Catalog::parse(file).map_err(|p| PolicyError::Catalog {
        message: p.message,
        at: Located::at(file, p.span),
    })
}

fn is_policy(name: &str) -> bool {
    name.ends_with(".rego") && !name.ends_with("_test.rego")
}

/// Converts to a regorus value directly, without printing JSON text in between.
pub(super) fn to_value<T: serde::Serialize>(x: &T) -> Result<Value, PolicyError> {
    use serde::Deserialize as _;
    let bad = |e: serde_json::Error| PolicyError::Eval {
        rule: "input".into(),
        message: e.to_string(),
    };
    let json = serde_json::to_value(x).map_err(bad)?;
    Value::deserialize(json).map_err(bad)
}

/// Evaluates a rule; `None` is Rego's undefined. Errors are errors, never "not allowed".
fn eval(engine: &mut Engine, rule: &str) -> Result<Option<serde_json::Value>, PolicyError> {
    let v = engine
        .eval_rule(rule.to_string())
        .map_err(|e| PolicyError::Eval {
            rule: rule.to_string(),
            message: super::eval_message(&e.to_string()),
        })?;
    if v == Value::Undefined {
        return Ok(None);
    }
    serde_json::to_value(&v)
        .map(Some)
        .map_err(|e| PolicyError::Eval {
            rule: rule.to_string(),
            message: e.to_string(),
        })
}

fn shape(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!("`{}…`", s.chars().take(80).collect::<String>())
    } else {
        format!("`{s}`")
    }
}

fn read_decision(
    rule: &str,
    pkg: &str,
    v: &serde_json::Value,
) -> Result<DecisionFact, PolicyError> {
    let bad = |help: &str| PolicyError::Output {
        rule: rule.to_string(),
        found: shape(v),
        expected: "an object {\"status\": \"pass\"|\"hold\"|\"reject\", \"reason\": string}".into(),
        help: Some(help.to_string()),
    };
    let obj = v
        .as_object()
        .ok_or_else(|| bad("`decision` must be an object"))?;
    if let Some(extra) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "status" | "reason" | "policy_id"))
    {
        return Err(bad(&format!(
            "`decision` has the key `{extra}`; it may hold only status, reason and policy_id"
        )));
    }
    let status = match obj.get("status").and_then(|s| s.as_str()) {
        Some("pass") => Status::Pass,
        Some("hold") => Status::Hold,
        Some("reject") => Status::Reject,
        _ => return Err(bad("`status` must be one of pass, hold, reject")),
    };
    let reason = obj
        .get("reason")
        .and_then(|r| r.as_str())
        .ok_or_else(|| bad("`reason` must be a string"))?
        .to_string();
    let package = pkg.trim_start_matches("data.");
    let policy_id = match obj.get("policy_id") {
        None => package.rsplit('.').next().unwrap_or(package).to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("`policy_id` must be a string")),
    };
    Ok(DecisionFact {
        source: package.to_string(),
        origin: Origin::Policy,
        policy_id,
        status,
        reason,
        verifier: Some("claimgate".into()),
        reached: vec![crate::document::PathStep::Policy],
        token: None,
    })
}

fn read_ids(rule: &str, v: &serde_json::Value) -> Result<BTreeSet<String>, PolicyError> {
    let bad = || PolicyError::Output {
        rule: rule.to_string(),
        found: shape(v),
        expected: "a set of claim id strings".into(),
        help: Some("write `allow contains \"box.name\" if { ... }`".into()),
    };
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|x| x.as_str().map(str::to_string).ok_or_else(bad))
        .collect()
}

fn read_blocks(
    rule: &str,
    v: &serde_json::Value,
) -> Result<BTreeMap<String, Vec<String>>, PolicyError> {
    let bad = || PolicyError::Output {
        rule: rule.to_string(),
        found: shape(v),
        expected: "a set of {\"id\": claim id, \"msg\": reason} objects".into(),
        help: Some(
            "write `block contains {\"id\": \"box.name\", \"msg\": \"why\"} if { ... }`".into(),
        ),
    };
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in v.as_array().ok_or_else(bad)? {
        let obj = item.as_object().ok_or_else(bad)?;
        let id = obj.get("id").and_then(|x| x.as_str()).ok_or_else(bad)?;
        let msg = obj.get("msg").and_then(|x| x.as_str()).ok_or_else(bad)?;
        if obj.len() != 2 {
            return Err(bad());
        }
        out.entry(id.to_string()).or_default().push(msg.to_string());
    }
    for msgs in out.values_mut() {
        msgs.sort();
        msgs.dedup();
    }
    Ok(out)
}
