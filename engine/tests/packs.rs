//! Packs as cases. Every directory under `testdata/bad_packs/` and `testdata/author_packs/` is
//! the embedded pack with that case's changes, run through the real command line:
//!
//! ```yaml
//! about: a claim rule divides by zero   # one line: what the pack does
//! catalog:                              # structured catalog edits (never text edits)
//!   add_claims: [{id: ..., box: ..., sentence: ..., requires: [...]}]
//!   add_claims_from: catalog_entry.yaml  # the same, from a file of the case
//!   requires: {job.ran_under_policy: [workload_digest, output_digest]}
//!   sentence: {job.output_bound: "This proves the model answer is true."}
//!   paraphrases: {blocked.tee_proves_answer: ['\bpattern\b']}  # a blocked entry's patterns
//! set:                                  # a complete rule's value, found by name, not by text
//!   - {file: policies/lib/attestation.rego, rule: max_age_seconds, value: "3600"}
//! runs:                                 # `PACK` stands for the pack directory, `SCRATCH` for
//!                                       # an empty directory the case's runs share
//!   - args: [eval, testdata/bundles/full_pass, --format, json, --policy-dir, PACK]
//!     exit: 0
//!     allows: [runtime.environment_attested]
//!     lacks: [job.ran_under_policy]
//!     has: ["text on stdout or stderr"]
//!     not_printed: ["text on neither"]
//! invariants: [monotone]                # what `claimgate check` finds broken, quick space
//! ```
//!
//! The files under the case's `overlay/` are added to the pack (a case adds rules in files of
//! its own). Each run's exit code and output are snapshotted.

use crate::{run, Scratch};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    #[serde(default)]
    catalog: CatalogEdit,
    #[serde(default)]
    set: Vec<SetRule>,
    #[serde(default)]
    runs: Vec<Run>,
    #[serde(default)]
    invariants: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogEdit {
    #[serde(default)]
    add_claims: Vec<serde_yaml::Value>,
    /// A file of the case holding claims to add, as list items (a page's `sed` adds the same
    /// file to a copy of the catalog)
    #[serde(default)]
    add_claims_from: Option<String>,
    #[serde(default)]
    requires: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    sentence: BTreeMap<String, String>,
    #[serde(default)]
    paraphrases: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetRule {
    file: String,
    rule: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Run {
    args: Vec<String>,
    exit: u8,
    #[serde(default)]
    allows: Vec<String>,
    #[serde(default)]
    lacks: Vec<String>,
    /// Text that must not be printed
    #[serde(default)]
    not_printed: Vec<String>,
    #[serde(default)]
    has: Vec<String>,
}

/// Writes the case's pack into a scratch directory.
pub(crate) fn build(case_dir: &Path) -> Scratch {
    let name = case_dir.file_name().unwrap().to_string_lossy().to_string();
    build_in(case_dir, &format!("pack-{name}"))
}

/// Writes the case's pack into a scratch directory of its own (`tag`), for tests that run
/// beside others building the same case.
pub(crate) fn build_in(case_dir: &Path, tag: &str) -> Scratch {
    let case = read(case_dir);
    let name = case_dir.file_name().unwrap().to_string_lossy().to_string();
    let dir = Scratch::new(tag);
    crate::policy::write_pack(&dir.0, &case_dir.join("overlay"));
    for s in &case.set {
        let p = dir.0.join(&s.file);
        let text = std::fs::read_to_string(&p).unwrap();
        let head = format!("{} :=", s.rule);
        let lines: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with(&head))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "{name}: `{head}` must start exactly one line of {}",
            s.file
        );
        let out: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == lines[0] {
                    format!("{head} {}", s.value)
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(&p, out.join("\n") + "\n").unwrap();
    }
    let cat_path = dir.0.join("claims/catalog.yaml");
    let mut cat: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cat_path).unwrap()).unwrap();
    let claims = cat["claims"].as_sequence_mut().unwrap();
    claims.extend(case.catalog.add_claims.iter().cloned());
    if let Some(file) = &case.catalog.add_claims_from {
        let text = std::fs::read_to_string(case_dir.join(file)).unwrap();
        let more: Vec<serde_yaml::Value> = serde_yaml::from_str(&text).unwrap();
        claims.extend(more);
    }
    for c in claims.iter_mut() {
        let id = c["id"].as_str().unwrap().to_string();
        if let Some(r) = case.catalog.requires.get(&id) {
            c["requires"] = serde_yaml::to_value(r).unwrap();
        }
        if let Some(s) = case.catalog.sentence.get(&id) {
            c["sentence"] = serde_yaml::Value::String(s.clone());
        }
    }
    for b in cat["blocked"].as_sequence_mut().unwrap() {
        let id = b["id"].as_str().unwrap().to_string();
        if let Some(p) = case.catalog.paraphrases.get(&id) {
            b["paraphrases"] = serde_yaml::to_value(p).unwrap();
        }
    }
    std::fs::write(&cat_path, serde_yaml::to_string(&cat).unwrap()).unwrap();
    dir
}

fn read(dir: &Path) -> Case {
    let text = std::fs::read_to_string(dir.join("case.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}/case.yaml: {e}", dir.display()))
}

fn allowed(stdout: &str) -> Vec<String> {
    let d: serde_json::Value = serde_json::from_str(stdout).unwrap_or_default();
    d["allowed"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["id"].as_str().map(str::to_string))
        .collect()
}

fn check_case(case_dir: &Path) {
    let case = read(case_dir);
    let what = format!("{} ({})", case_dir.display(), case.about);
    let pack = build(case_dir);
    let pack_arg = pack.0.display().to_string();
    let scratch = crate::Scratch::new(&format!(
        "case-{}",
        case_dir.file_name().unwrap().to_string_lossy()
    ));
    let scratch_arg = scratch.0.display().to_string();
    let mut record = String::new();
    for r in &case.runs {
        let args: Vec<String> = r
            .args
            .iter()
            .map(|a| {
                if a == "PACK" {
                    pack_arg.clone()
                } else {
                    a.replace("SCRATCH", &scratch_arg)
                }
            })
            .collect();
        let (code, out, err) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let both = format!("{out}{err}").replace(&scratch_arg, "SCRATCH");
        assert_eq!(code, r.exit, "{what}: {:?}\n{both}", r.args);
        let ids = allowed(&out);
        for id in &r.allows {
            assert!(
                ids.contains(id),
                "{what}: {:?} must allow {id}\n{out}",
                r.args
            );
        }
        for id in &r.lacks {
            assert!(
                !ids.contains(id),
                "{what}: {:?} must not allow {id}\n{out}",
                r.args
            );
        }
        for h in &r.has {
            assert!(
                both.contains(h),
                "{what}: {:?} must print {h:?}\n{both}",
                r.args
            );
        }
        for h in &r.not_printed {
            assert!(
                !both.contains(h),
                "{what}: {:?} must not print {h:?}\n{both}",
                r.args
            );
        }
        let shown = if !err.is_empty() {
            err.replace(&pack_arg, "PACK")
                .replace(&scratch_arg, "SCRATCH")
        } else if r.args.first().is_some_and(|a| a == "test") {
            // The failures and the count, not every passing test.
            let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with("PASS ")).collect();
            lines.join("\n")
        } else {
            format!("allowed: {ids:?}")
        };
        record.push_str(&format!("$ {}\nexit {code}\n{shown}\n", r.args.join(" ")));
    }
    if let Some(expected) = &case.invariants {
        let engine = crate::engine_for(&pack.0);
        // Over the quick sub-space: every feature value, every lessening step (see space.rs).
        let table = claimgate::Table::build(&engine, &claimgate::Space::quick()).unwrap();
        let found: Vec<String> = claimgate::check_invariants(&engine, &table)
            .unwrap()
            .iter()
            .map(|v| v.invariant.to_string())
            .collect();
        assert_eq!(&found, expected, "{what}: invariants broken");
        record.push_str(&format!("invariants broken: {found:?}\n"));
    }
    insta::with_settings!({ omit_expression => true, description => case.about.clone() }, {
        insta::assert_snapshot!(record);
    });
}

/// Broken packs: each fails as its case says (an error with a code, or a broken invariant).
#[test]
fn every_bad_pack_fails_as_its_case_says() {
    insta::glob!("../../testdata", "bad_packs/*", check_case);
}

/// The policy author's changes: a new claim, a new meaning of "fresh", made in Rego and the
/// catalog alone.
#[test]
fn every_author_pack_decides_as_its_case_says() {
    insta::glob!("../../testdata", "author_packs/*", check_case);
}

/// Each judgment of the default pack is defined in exactly one file, and nowhere else: not in
/// another Rego file of the pack, and not in the engine's Rust (which only reads formats).
#[test]
fn each_judgment_is_defined_in_exactly_one_place() {
    const JUDGMENTS: &[&str] = &[
        "freshness",
        "too_old",
        "fresh",
        "max_age_seconds",
        "nonce_state",
        "measurements",
        "debug_state",
        "bound_to_job",
        "other_workload",
        "trace_bound",
        "unvouched",
        "sound",
        "flaws",
    ];
    let mut rego = Vec::new();
    for dir in ["policies", "claims"] {
        collect(Path::new(dir), "rego", &mut rego);
    }
    rego.retain(|p| !p.to_string_lossy().ends_with("_test.rego"));
    let mut rust = Vec::new();
    collect(Path::new("engine/src"), "rs", &mut rust);
    for name in JUDGMENTS {
        // A definition starts a line: `name(`, `name :=`, `name if`, `name contains`.
        let defines = |line: &str| {
            line.strip_prefix(name).is_some_and(|rest| {
                rest.starts_with('(')
                    || rest.starts_with(" :=")
                    || rest.starts_with(" if")
                    || rest.starts_with(" contains")
            })
        };
        let files: Vec<String> = rego
            .iter()
            .filter(|p| {
                std::fs::read_to_string(p)
                    .unwrap_or_default()
                    .lines()
                    .any(defines)
            })
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            files,
            ["policies/lib/attestation.rego"],
            "`{name}` must be defined in exactly one file"
        );
        for p in &rust {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            for (i, line) in text.lines().enumerate() {
                let code = line.trim_start();
                assert!(
                    code.starts_with("//") || !code.contains(&format!("fn {name}(")),
                    "{}:{}: Rust defines the judgment `{name}`",
                    p.display(),
                    i + 1
                );
            }
        }
    }
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}
