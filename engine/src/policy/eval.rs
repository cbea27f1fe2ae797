//! Compile a pack once; evaluate it on evidence with a clone of the compiled engine.

use super::{first_line, locate, PolicyError, PolicyPack};
use crate::catalog::Catalog;
use crate::digest::Digest;
use crate::document::Status;
use crate::evidence::{DecisionFact, Evidence, Origin};
use regorus::{Engine, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Package prefix of verifier policies.
pub const VERIFIER_PREFIX: &str = "data.claimgate.verifier.";
/// The claim rules package.
pub const CLAIMS_PACKAGE: &str = "data.claimgate.claims";
/// Wall-clock budget for one rule evaluation.
pub const EVAL_TIME_LIMIT: Duration = Duration::from_secs(5);

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
    engine: Engine,
    verifiers: Vec<String>,
    /// Upstream policies run unchanged next to the pack's own
    pub upstream: Vec<super::UpstreamPolicy>,
    /// Public keys trusted to sign attestation tokens (empty: signatures stay unverified)
    pub jws_keys: crate::jws::TrustedKeys,
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
}

/// Most numbers one `numbers.range`/`numbers.range_step` call may make. regorus allocates the
/// whole array in one step that its time limit cannot interrupt (`numbers.range(1, 1e9)`
/// aborts on allocation failure), so claimgate puts its own bounded versions in their place.
pub const MAX_RANGE_ELEMENTS: u64 = 1_000_000;

/// Engine settings shared by evaluation, upstream policies and `claimgate test`.
pub(super) fn new_engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_rego_v0(false);
    engine.set_strict_builtin_errors(true);
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: EVAL_TIME_LIMIT,
        check_interval: std::num::NonZeroU32::MIN,
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
                file: file.name.clone(),
                span: locate(&message, file),
                message: first_line(&message),
                src: file.named(),
            }
        })
}

impl CompiledPack {
    /// Parses the catalog and compiles every non-test Rego file of the pack.
    pub fn compile(pack: &PolicyPack) -> Result<CompiledPack, PolicyError> {
        let catalog = parse_catalog(pack)?;
        let catalog_digest = pack.catalog_file().map_or_else(
            || Digest::sha256_of(b""),
            |f| Digest::sha256_of(f.text.as_bytes()),
        );
        let mut engine = new_engine();
        let mut verifiers = BTreeSet::new();
        let mut has_claims = false;
        for file in pack.files.iter().filter(|f| is_policy(&f.name)) {
            let package = add_rego(&mut engine, file)?;
            if let Some(name) = package.strip_prefix(VERIFIER_PREFIX) {
                verifiers.insert(format!("{VERIFIER_PREFIX}{name}"));
            }
            has_claims |= package == CLAIMS_PACKAGE;
        }
        if !has_claims {
            return Err(PolicyError::Layout {
                dir: pack.origin.clone(),
                missing: "a claims rule file (package claimgate.claims)".to_string(),
            });
        }
        super::reject_recursion(&engine)?;
        // Surface whole-pack errors (conflicting rules, unknown functions) now, not per bundle.
        // Evaluating on the stored engine also prepares it once, so every clone starts ready
        // (a clone of an unprepared engine re-prepares on each evaluation: ~4x slower).
        engine
            .eval_rule(format!("{CLAIMS_PACKAGE}.allow"))
            .map_err(|e| PolicyError::Eval {
                rule: format!("{CLAIMS_PACKAGE}.allow"),
                message: first_line(&e.to_string()),
            })?;
        Ok(CompiledPack {
            origin: pack.origin.clone(),
            digest: pack.digest(),
            catalog,
            catalog_digest,
            engine,
            verifiers: verifiers.into_iter().collect(),
            upstream: Vec::new(),
            jws_keys: crate::jws::TrustedKeys::default(),
        })
    }

    /// Runs the verifier policies, then the claim rules, on one evidence document.
    pub fn evaluate(&self, evidence: &Evidence) -> Result<PolicyOutcome, PolicyError> {
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
        for policy in &self.upstream {
            decisions.extend(policy.evaluate(evidence)?);
        }

        engine.set_input(with_decisions(input, evidence, &decisions)?);

        let allow_rule = format!("{CLAIMS_PACKAGE}.allow");
        let allow = match eval(&mut engine, &allow_rule)? {
            None => BTreeSet::new(),
            Some(v) => read_ids(&allow_rule, &v)?,
        };
        let block_rule = format!("{CLAIMS_PACKAGE}.block");
        let block = match eval(&mut engine, &block_rule)? {
            None => BTreeMap::new(),
            Some(v) => read_blocks(&block_rule, &v)?,
        };
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
        })
    }
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

/// Parses and validates the pack's catalog.
pub(super) fn parse_catalog(pack: &PolicyPack) -> Result<Catalog, PolicyError> {
    let Some(file) = pack.catalog_file() else {
        return Err(PolicyError::Layout {
            dir: pack.origin.clone(),
            missing: super::CATALOG_PATH.to_string(),
        });
    };
    Catalog::parse(file).map_err(|p| PolicyError::Catalog {
        file: file.name.clone(),
        message: p.message,
        src: file.named(),
        span: p.span,
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
            message: first_line(&e.to_string()),
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
