//! The Rust side of the side-by-side speed comparison (`bash bench/compare.sh`,
//! docs/performance.md): bare regorus (interpreter and RVM) and claimgate's whole pipeline, on
//! the same pack modules and the same evidence documents OPA and rego-cpp are given.
//!
//! `engines serve` prepares everything, writes one JSON line (the pack's modules, the queries
//! and every document's two inputs as JSON text), then answers commands on stdin, one JSON line
//! each, so that `bench/compare.py` can alternate the engines in rounds within one process:
//!
//! - `run ENGINE SECONDS`: evaluate every document over and over for at least SECONDS; answers
//!   `{"engine", "docs", "seconds", "results"}` (`results`: the first pass, one per document),
//!   or `{"engine", "error"}` when the engine cannot run the pack. ENGINE is `regorus`, `rvm`,
//!   `claimgate`; `regorus-verifiers`, `rvm-verifiers` (the verifier decision only); or
//!   `regorus-floor`, `rvm-floor` (a one-line policy on the same inputs: the cost of handing an
//!   input to the engine).
//! - `quit`.
//!
//! One document is what claimgate evaluates for one bundle: every verifier decision on the
//! evidence document, then the outcome rule on the evidence with `decisions` added.
#![allow(clippy::print_stdout, reason = "answers go to the driver on stdout")]

use claimgate::{At, Bundle, Engine, Instant, Pack};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::Value;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::error::Error;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant as Clock};

/// The allocator the `claimgate` binary uses, so the whole-pipeline figure is the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Result<T> = std::result::Result<T, Box<dyn Error>>;
/// A bundle's files by relative path.
type Files = BTreeMap<String, Vec<u8>>;

/// The rule claimgate reads every claim-rule output and requirement through, in one evaluation.
const OUTCOME: &str = "data.claimgate_engine.outcome";
/// The per-evaluation floor: a one-line policy that reads the input.
const FLOOR_MODULE: &str = "package bench_floor\n\nn := count(input)\n";
const FLOOR: &str = "data.bench_floor.n";
/// The instant bundles without their own `evaluated_at` are judged at (fixed: the same inputs
/// every run).
const AT: &str = "2026-11-25T12:00:00Z";

/// One evidence document: its bundle in memory, and the two inputs the pack's Rego sees.
struct Doc {
    name: String,
    manifest: String,
    manifest_bytes: Vec<u8>,
    files: Files,
    verifiers: String,
    claims: String,
}

fn main() -> Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    if mode != "serve" {
        return Err("usage: engines serve   (driven by bench/compare.py)".into());
    }
    let at = At::BundleOr(Instant::parse(AT)?);
    let engine = Engine::builder(Pack::embedded()).build()?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bundles");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();

    let mut docs = Vec::new();
    let mut verifier_rules = Vec::new();
    for d in &dirs {
        let bundle = Bundle::load(d)?;
        let probes = engine.probe(&bundle, at)?;
        let input = |stage: &str| -> Result<String> {
            let p = probes
                .iter()
                .find(|p| p.stage == stage)
                .ok_or_else(|| format!("{}: no {stage} input", d.display()))?;
            Ok(serde_json::to_string(&p.input)?)
        };
        if verifier_rules.is_empty() {
            // The verifier decisions claimgate evaluates, found in the pack as probe lists them.
            verifier_rules = probes
                .iter()
                .flat_map(|p| p.rules.keys())
                .filter(|r| r.starts_with("data.claimgate.verifier.") && r.ends_with(".decision"))
                .cloned()
                .collect();
            verifier_rules.dedup();
        }
        let (manifest, manifest_bytes, files) = read_bundle(d)?;
        docs.push(Doc {
            name: d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            manifest,
            manifest_bytes,
            files,
            verifiers: input("verifiers")?,
            claims: input("claims")?,
        });
    }
    if verifier_rules.is_empty() {
        return Err("the pack has no verifier decision rule".into());
    }
    let modules = engine.modules()?;
    if !modules
        .iter()
        .any(|m| m.text.contains("package claimgate_engine"))
    {
        return Err("the pack's modules miss claimgate's outcome module".into());
    }

    let bare = |mods: &[(String, String)]| -> Result<regorus::Engine> {
        let mut e = regorus::Engine::new();
        e.set_rego_v0(false);
        e.set_strict_builtin_errors(true);
        for (file, text) in mods {
            e.add_policy(file.clone(), text.clone())?;
        }
        Ok(e)
    };
    let pack_modules: Vec<(String, String)> = modules
        .iter()
        .map(|m| (m.file.clone(), m.text.clone()))
        .collect();
    let floor_modules = vec![("floor.rego".to_string(), FLOOR_MODULE.to_string())];
    // The pack's modules as claimgate lists them for other engines; rego v1, strict builtin
    // errors, as claimgate sets them.
    let mut interp = bare(&pack_modules)?;
    // Prepared once: every clone starts ready, as in claimgate.
    interp.eval_rule(OUTCOME.to_string())?;
    let mut interp_floor = bare(&floor_modules)?;
    interp_floor.eval_rule(FLOOR.to_string())?;

    let mut queries: Vec<&str> = verifier_rules.iter().map(String::as_str).collect();
    queries.push(OUTCOME);
    // Each query compiled to its own program, where regorus' compiler takes it.
    let mut vms = BTreeMap::new();
    let mut rvm_failed = BTreeMap::new();
    for q in &queries {
        match vm(&interp, q) {
            Ok(v) => {
                vms.insert(q.to_string(), v);
            }
            Err(e) => {
                rvm_failed.insert(q.to_string(), compact(&e.to_string()));
            }
        }
    }
    let mut floor_vm = vm(&interp_floor, FLOOR)?;

    let header = json!({
        "modules": modules,
        "verifier_rules": verifier_rules,
        "outcome_rule": OUTCOME,
        "rvm_failed": rvm_failed,
        "floor": {"module": FLOOR_MODULE, "rule": FLOOR},
        "docs": docs.iter().map(|d| json!({
            "name": d.name, "verifiers": d.verifiers, "claims": d.claims,
        })).collect::<Vec<_>>(),
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{header}")?;
    out.flush()?;

    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let (name, seconds) = match words.as_slice() {
            ["quit"] | [] => break,
            ["run", name, seconds] => (*name, Duration::from_secs_f64(seconds.parse()?)),
            _ => return Err(format!("unknown command: {line}").into()),
        };
        let mut one = |d: &Doc| -> Result<Json> {
            Ok(match name {
                "regorus" => {
                    let mut e = interp.clone();
                    e.set_input(Value::from_json_str(&d.verifiers)?);
                    let mut decisions = Vec::new();
                    for r in &verifier_rules {
                        decisions.push(shown(e.eval_rule(r.clone()))?);
                    }
                    e.set_input(Value::from_json_str(&d.claims)?);
                    json!({"verifiers": decisions, "outcome": shown(e.eval_rule(OUTCOME.into()))?})
                }
                "regorus-floor" => {
                    let mut e = interp_floor.clone();
                    e.set_input(Value::from_json_str(&d.verifiers)?);
                    let a = shown(e.eval_rule(FLOOR.into()))?;
                    e.set_input(Value::from_json_str(&d.claims)?);
                    json!([a, shown(e.eval_rule(FLOOR.into()))?])
                }
                "regorus-verifiers" => {
                    let mut e = interp.clone();
                    e.set_input(Value::from_json_str(&d.verifiers)?);
                    let mut decisions = Vec::new();
                    for r in &verifier_rules {
                        decisions.push(shown(e.eval_rule(r.clone()))?);
                    }
                    json!({ "verifiers": decisions })
                }
                "rvm" | "rvm-verifiers" => {
                    let mut run = |rule: &str, input: &str| -> Result<Json> {
                        let (_, v) = vms.get_mut(rule).ok_or_else(|| {
                            let why = rvm_failed.get(rule).map_or("", String::as_str);
                            format!("RVM does not compile {rule} ({why})")
                        })?;
                        v.set_input(Value::from_json_str(input)?);
                        shown(v.execute_entry_point_by_name(rule))
                    };
                    // Each program runs on its own VM: the input is parsed for each.
                    let mut decisions = Vec::new();
                    for r in &verifier_rules {
                        decisions.push(run(r, &d.verifiers)?);
                    }
                    if name == "rvm-verifiers" {
                        json!({ "verifiers": decisions })
                    } else {
                        json!({"verifiers": decisions, "outcome": run(OUTCOME, &d.claims)?})
                    }
                }
                "rvm-floor" => {
                    let v = &mut floor_vm.1;
                    v.set_input(Value::from_json_str(&d.verifiers)?);
                    let a = shown(v.execute_entry_point_by_name(FLOOR))?;
                    v.set_input(Value::from_json_str(&d.claims)?);
                    json!([a, shown(v.execute_entry_point_by_name(FLOOR))?])
                }
                "claimgate" => {
                    let bundle =
                        Bundle::from_memory(&d.manifest, &d.manifest_bytes, d.files.clone())?;
                    let assessment = engine.decide(&bundle, at)?;
                    let receipt = assessment.receipt().to_canonical_bytes();
                    let decision = assessment.decision();
                    json!({
                        "label": decision.label.name(),
                        "allowed": decision.allowed.iter().map(|a| &a.id).collect::<Vec<_>>(),
                        "receipt_bytes": receipt.len(),
                    })
                }
                other => return Err(format!("unknown engine {other}").into()),
            })
        };
        let start = Clock::now();
        let first: Result<Vec<Json>> = docs.iter().map(&mut one).collect();
        let results = match first {
            Ok(r) => r,
            Err(e) => {
                // An engine that cannot evaluate the pack says why; the others still run.
                writeln!(out, "{}", json!({"engine": name, "error": e.to_string()}))?;
                out.flush()?;
                continue;
            }
        };
        let mut count = docs.len();
        while start.elapsed() < seconds {
            for d in &docs {
                std::hint::black_box(one(d)?);
            }
            count += docs.len();
        }
        let elapsed = start.elapsed().as_secs_f64();
        let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
        writeln!(
            out,
            "{}",
            json!({"engine": name, "docs": count, "seconds": elapsed, "names": names,
                   "results": results})
        )?;
        out.flush()?;
    }
    Ok(())
}

/// A VM with one rule compiled from a prepared engine's policy, loaded once.
fn vm(engine: &regorus::Engine, rule: &str) -> Result<(Arc<Program>, RegoVM)> {
    let compiled = engine.clone().compile_with_entrypoint(&rule.into())?;
    let program = Compiler::compile_from_policy(&compiled, &[rule])?;
    let mut vm = RegoVM::new();
    vm.load_program(Arc::clone(&program));
    vm.set_data(Value::new_object())?;
    vm.set_strict_builtin_errors(true);
    Ok((program, vm))
}

/// A compiler diagnostic on one line: `file:line:col: message`.
fn compact(message: &str) -> String {
    let at = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("--> "))
        .unwrap_or_default();
    let what = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or(message);
    format!("{at}: {what}")
}

/// A rule's value as the driver compares it: `{"value": v}`, `"undefined"` or `"error"`.
fn shown<E>(v: std::result::Result<Value, E>) -> Result<Json> {
    Ok(match v {
        Err(_) => json!("error"),
        Ok(Value::Undefined) => json!("undefined"),
        Ok(v) => json!({ "value": serde_json::to_value(&v)? }),
    })
}

/// A bundle directory in memory: the manifest's name and bytes, and every other file by its
/// path relative to the directory.
fn read_bundle(dir: &Path) -> Result<(String, Vec<u8>, Files)> {
    let mut manifest = None;
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
            let bytes = std::fs::read(&path)?;
            if d == dir && (rel == "bundle.yaml" || rel == "bundle.json") {
                manifest = Some((rel, bytes));
            } else {
                files.insert(rel, bytes);
            }
        }
    }
    let (name, bytes) = manifest.ok_or_else(|| format!("{}: no manifest", dir.display()))?;
    Ok((name, bytes, files))
}
