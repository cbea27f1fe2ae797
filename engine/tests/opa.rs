//! Differential test: regorus, as claimgate runs it, against OPA (Go, through the PyPI package
//! `opa-golib-python-bindings`) on every testdata evidence document.
//!
//! For each bundle, `claimgate::probe` gives each `input` the pack's Rego sees (the verifiers'
//! evidence document, then the claim rules' with `decisions` added) and the value regorus
//! computes for every value rule under `data.claimgate` (found by walking the pack, not by
//! name). `tests/opa/differential.py` loads the same Rego modules into OPA and evaluates the
//! same rules on the same inputs, in one process for every input. The two must agree exactly:
//! same value, or both undefined, or both an error.
//!
//! Without python3 or the OPA package the test prints NOT RUN and passes, except under `CI`,
//! where it fails (.ci/run installs the package). `CLAIMGATE_OPA_DUMP=FILE` writes the request
//! sent to OPA with regorus' values beside each case, to rerun OPA by hand:
//! `python3 engine/tests/opa/differential.py < FILE` (docs/differential.md).

use crate::{relative, testdata};
use claimgate::probe::{Probe, RuleValue};
use claimgate::{At, Bundle, Engine, Instant, Pack, TrustedKeys};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SCRIPT: &str = "engine/tests/opa/differential.py";
const INSTALL: &str =
    "python3 -m pip install --user --ignore-requires-python opa-golib-python-bindings==0.4.4";

/// One evidence document to compare on: a bundle, and how claimgate is run on it.
struct Case {
    name: String,
    bundle: PathBuf,
    at: Option<Instant>,
    jws_key: Option<PathBuf>,
    /// A pack directory in place of the embedded pack
    pack: Option<PathBuf>,
}

/// Every bundle of testdata/bundles, every real-world bundle, and every hostile case that
/// evaluates a bundle (exit 0 or 1, nothing made at run time, no flag that changes the limits
/// or adds upstream policies), with the embedded pack or the case's own.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let glob = |pattern: &str| {
        let pattern = testdata(pattern);
        let mut paths: Vec<PathBuf> = glob::glob(&pattern.to_string_lossy())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        paths.sort();
        paths
    };
    for manifest in glob("bundles/*/bundle.*") {
        let dir = manifest.parent().unwrap();
        cases.push(plain(dir));
    }
    for manifest in glob("realworld/*/*.bundle.yaml") {
        cases.push(plain(&manifest));
    }
    for file in glob("hostile/*/case.yaml") {
        let dir = file.parent().unwrap();
        if let Some(case) = hostile(dir, &std::fs::read_to_string(&file).unwrap()) {
            cases.push(case);
        }
    }
    cases
}

fn plain(path: &Path) -> Case {
    Case {
        name: relative(path).display().to_string(),
        bundle: path.to_path_buf(),
        at: None,
        jws_key: None,
        pack: None,
    }
}

fn hostile(dir: &Path, case_yaml: &str) -> Option<Case> {
    let case: serde_yaml::Value = serde_yaml::from_str(case_yaml).unwrap();
    let exit = case["exit"].as_u64()?;
    // A pack made from the case's overlay is the one setup step this test makes itself.
    let overlay_pack = case_yaml.contains("setup: [!pack {path: pack, overlay: overlay}]");
    let setup = !overlay_pack && case["setup"].as_sequence().is_some_and(|s| !s.is_empty());
    let args: Vec<&str> = case["args"]
        .as_sequence()?
        .iter()
        .filter_map(serde_yaml::Value::as_str)
        .collect();
    let [command, bundle, flags @ ..] = args.as_slice() else {
        return None;
    };
    if *command != "eval" || setup || exit > 1 {
        return None;
    }
    let mut c = plain(&dir.join(bundle));
    c.name = format!("{} ({bundle})", relative(dir).display());
    for pair in flags.chunks(2) {
        match pair {
            ["--format", _] => {}
            ["--at", t] => c.at = Some(Instant::parse(t).ok()?),
            ["--jws-key", k] => c.jws_key = Some(dir.join(k)),
            ["--policy-dir", "pack"] if overlay_pack => {
                let to = std::env::temp_dir().join(format!(
                    "claimgate-opa-pack-{}-{}",
                    std::process::id(),
                    dir.file_name().unwrap().to_string_lossy()
                ));
                let _ = std::fs::remove_dir_all(&to);
                crate::policy::write_pack(&to, &dir.join("overlay"));
                c.pack = Some(to);
            }
            ["--policy-dir", p] => c.pack = Some(dir.join(p)),
            _ => return None,
        }
    }
    Some(c)
}

/// The value as compared: numbers by value (OPA may write `2.0` where regorus writes `2`),
/// errors by kind only (the engines word them differently).
fn normal(v: &RuleValue) -> Json {
    fn numbers(v: &Json) -> Json {
        match v {
            Json::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    json!(f as i64)
                }
                _ => v.clone(),
            },
            Json::Array(a) => Json::Array(a.iter().map(numbers).collect()),
            Json::Object(o) => {
                Json::Object(o.iter().map(|(k, v)| (k.clone(), numbers(v))).collect())
            }
            _ => v.clone(),
        }
    }
    match v {
        RuleValue::Value(v) => json!({ "value": numbers(v) }),
        RuleValue::Undefined => json!("undefined"),
        RuleValue::Error(_) => json!("error"),
    }
}

fn short(v: &RuleValue) -> String {
    let s = serde_json::to_string(v).unwrap();
    if s.len() > 600 {
        format!(
            "{}… ({} bytes)",
            s.chars().take(600).collect::<String>(),
            s.len()
        )
    } else {
        s
    }
}

/// OPA's answer, or why it cannot be had (no python3, no package).
fn run_opa(request: &Json) -> Result<Json, String> {
    let mut child = Command::new("python3")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run python3 ({e}); install Python 3, then: {INSTALL}"))?;
    let mut stdin = child.stdin.take().unwrap();
    let body = serde_json::to_vec(request).unwrap();
    // The script reads all of its input before it writes: no deadlock writing first.
    // A script that ends early (no package) says why in its answer: a broken pipe is no error.
    let _ = stdin.write_all(&body);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let answer: Json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{SCRIPT} exited with {} and printed no answer ({e}): {}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        )
    });
    if let Some(missing) = answer["missing"].as_str() {
        return Err(missing.to_string());
    }
    assert!(out.status.success(), "{SCRIPT} exited with {}", out.status);
    Ok(answer)
}

#[test]
fn regorus_and_opa_agree_on_every_testdata_evidence_document() {
    let start = std::time::Instant::now();
    let cases = cases();
    // The packs, each compiled once: the embedded one first, then each case's own.
    let mut packs: Vec<(Option<PathBuf>, Pack)> = vec![(None, Pack::embedded())];
    for dir in cases.iter().filter_map(|c| c.pack.clone()) {
        if !packs.iter().any(|(d, _)| d.as_ref() == Some(&dir)) {
            let pack = Pack::from_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            packs.push((Some(dir), pack));
        }
    }
    let engine = |pack: &Pack, keys: TrustedKeys| -> Engine {
        Engine::builder(pack.clone())
            .trust_keys(keys)
            .build()
            .unwrap_or_else(|e| panic!("{}: {e}", pack.origin))
    };
    let engines: Vec<Engine> = packs
        .iter()
        .map(|(_, p)| engine(p, TrustedKeys::default()))
        .collect();
    assert!(
        cases.len() >= 40,
        "only {} evidence documents found",
        cases.len()
    );

    // What regorus sees and computes, as claimgate runs it.
    let mut probes: Vec<(String, usize, Probe)> = Vec::new();
    for case in &cases {
        let index = packs.iter().position(|(d, _)| *d == case.pack).unwrap();
        let keyed;
        let engine = match &case.jws_key {
            None => &engines[index],
            Some(key) => {
                let mut keys = TrustedKeys::default();
                keys.add_pem(&std::fs::read_to_string(key).unwrap())
                    .unwrap();
                keyed = engine(&packs[index].1, keys);
                &keyed
            }
        };
        let bundle = Bundle::load(&case.bundle).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let at = case.at.map_or(At::BundleOr(Instant::now()), At::Pinned);
        let stages = engine
            .probe(&bundle, at)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        for p in stages {
            probes.push((format!("{}#{}", case.name, p.stage), index, p));
        }
    }
    let rules = probes[0].2.rules.len();
    assert!(rules > 0, "the pack has no value rule under data.claimgate");
    let compared: usize = probes.iter().map(|(_, _, p)| p.rules.len()).sum();
    let regorus_time = start.elapsed();

    let request = json!({
        "packs": engines.iter().map(|e| e.modules().unwrap()).collect::<Vec<_>>(),
        "cases": probes.iter().map(|(name, pack, p)| json!({
            "name": name,
            "pack": pack,
            "input": p.input,
            "rules": p.rules.keys().collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    if let Ok(path) = std::env::var("CLAIMGATE_OPA_DUMP") {
        // The request, and beside each case what regorus made of it.
        let mut dump = request.clone();
        for (case, (_, _, p)) in dump["cases"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .zip(&probes)
        {
            case["regorus"] = serde_json::to_value(&p.rules).unwrap();
        }
        std::fs::write(&path, serde_json::to_vec_pretty(&dump).unwrap()).unwrap();
    }
    let answer = match run_opa(&request) {
        Ok(a) => a,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("the OPA differential test cannot run under CI: {why}")
        }
        Err(why) => {
            let _ = writeln!(std::io::stderr(), "NOT RUN: opa::differential: {why}");
            return;
        }
    };

    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), probes.len(), "OPA answered for other inputs");
    // Each rule that differs: on how many inputs, and the first of them.
    let mut differences: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    for ((name, _, probe), result) in probes.iter().zip(results) {
        assert_eq!(result["name"].as_str(), Some(name.as_str()));
        let opa: BTreeMap<String, RuleValue> =
            serde_json::from_value(result["rules"].clone()).unwrap();
        for (rule, ours) in &probe.rules {
            let theirs = opa.get(rule).cloned().unwrap_or(RuleValue::Undefined);
            if normal(ours) != normal(&theirs) {
                let first = || {
                    format!(
                        "    input:   {name}\n    regorus: {}\n    OPA:     {}",
                        short(ours),
                        short(&theirs)
                    )
                };
                differences.entry(rule).or_insert_with(|| (0, first())).0 += 1;
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "opa::differential: {} evidence documents ({} inputs, {} packs; the embedded pack has \
         {rules} value rules): {compared} rule values compared with {}; regorus {:.1?}, total \
         {:.1?}; {} differences",
        cases.len(),
        probes.len(),
        packs.len(),
        answer["engine"].as_str().unwrap_or("OPA"),
        regorus_time,
        start.elapsed(),
        differences.values().map(|(n, _)| n).sum::<usize>()
    );
    assert!(
        differences.is_empty(),
        "regorus and OPA disagree on {} rules; for each, the first input:\n{}\n\
         (CLAIMGATE_OPA_DUMP=FILE writes the request to rerun OPA by hand)",
        differences.len(),
        differences
            .iter()
            .map(|(rule, (n, first))| format!("{rule}: differs on {n} inputs\n{first}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
