use crate::{run, Scratch};
use serde_json::Value;

/// A mix of passing, failing and invalid bundles, with every kind of requirement.
const MIX: &[&str] = &[
    "gate",
    "testdata/bundles/verifier_denial",
    "testdata/bundles/full_pass",
    "testdata/bad/yaml_syntax",
    "testdata/bundles/benchmark_only",
    "testdata/bundles/reproducible_trace",
    "testdata/bad/no_manifest",
    "testdata/bundles/seed_placeholders",
    "--require",
    "job.ran_under_policy",
    "--forbid-label",
    "benchmark",
    "--claimed",
    "testdata/claimed/receipt.yaml",
];

const FORMATS: [&str; 6] = ["human", "json", "junit", "sarif", "github", "markdown"];

fn gate(args: &[&str], format: &str) -> (u8, String, String) {
    let mut argv = args.to_vec();
    argv.extend(["--format", format]);
    run(&argv)
}

fn json(args: &[&str]) -> (u8, Value) {
    let (code, out, err) = gate(args, "json");
    assert!(err.is_empty(), "{err}");
    (code, serde_json::from_str(&out).unwrap())
}

fn bundle<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["path"] == path)
        .unwrap_or_else(|| panic!("no bundle {path} in {report:#}"))
}

fn failed(b: &Value) -> Vec<&Value> {
    b["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .collect()
}

/// The version is the only thing that changes between releases.
fn stable(out: &str) -> String {
    out.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn every_format_on_a_mix_of_passing_failing_and_invalid_bundles() {
    for format in FORMATS {
        let (code, out, err) = gate(MIX, format);
        assert_eq!(code, 3, "{format}: errors outrank verdicts\n{out}{err}");
        assert!(err.is_empty(), "{format}: {err}");
        insta::with_settings!({ omit_expression => true, description => format!("claimgate {} --format {format}", MIX.join(" ")) }, {
            insta::assert_snapshot!(format!("gate_mix_{format}"), stable(&out));
        });
    }
}

#[test]
fn output_is_deterministic_and_has_no_absolute_paths() {
    let here = std::env::current_dir().unwrap();
    let root = here.parent().unwrap().display().to_string();
    for format in FORMATS {
        let first = gate(MIX, format).1;
        for _ in 0..3 {
            assert_eq!(first, gate(MIX, format).1, "{format} changed between runs");
        }
        assert!(!first.contains(&root), "{format} names an absolute path");
    }
}

#[test]
fn bundles_come_out_sorted_by_path() {
    let (_, r) = json(MIX);
    let paths: Vec<&str> = r["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), 7);
}

#[test]
fn exit_0_when_every_requirement_is_met() {
    let (code, out, err) = run(&[
        "gate",
        "testdata/bundles/full_pass",
        "testdata/bundles/reproducible_trace",
        "--require",
        "job.ran_under_policy",
        "--forbid-label",
        "verifier_path_record",
        "--claimed",
        "testdata/claimed/receipt.yaml",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.ends_with("claimgate gate passed: 2 bundles: 2 passed, 0 failed, 0 errors\n"),
        "{out}"
    );
}

#[test]
fn exit_1_when_a_required_claim_is_not_allowed() {
    let (code, r) = json(&[
        "gate",
        "testdata/bundles/full_pass",
        "testdata/bundles/benchmark_only",
        "--require",
        "job.ran_under_policy",
    ]);
    assert_eq!(code, 1);
    assert_eq!(r["status"], "fail");
    assert_eq!(bundle(&r, "testdata/bundles/full_pass")["status"], "pass");
    let b = bundle(&r, "testdata/bundles/benchmark_only");
    assert_eq!(b["status"], "fail");
    assert_eq!(
        failed(b)[0]["message"],
        "required claim `job.ran_under_policy` is not allowed"
    );
}

#[test]
fn exit_3_when_a_bundle_is_invalid_even_if_others_fail() {
    let (code, r) = json(&[
        "gate",
        "testdata/bundles/benchmark_only",
        "testdata/bad/unknown_kind",
        "--require",
        "job.ran_under_policy",
    ]);
    assert_eq!(code, 3, "errors outrank verdicts");
    let bad = bundle(&r, "testdata/bad/unknown_kind");
    assert_eq!(bad["status"], "error", "an error is never a verdict");
    assert_eq!(bad["label"], Value::Null);
    assert!(bad["checks"].as_array().unwrap().is_empty());
    assert_eq!(bad["error"]["code"], "claimgate::bundle::parse");
    assert_eq!(r["summary"]["errors"], 1);
    assert_eq!(r["summary"]["failed"], 1);
}

#[test]
fn exit_4_when_the_pack_fails_on_a_bundle_and_it_outranks_bad_input() {
    // A claim rule that divides by zero on a bundle with exactly one benchmark.
    let pack = crate::packs::build(&crate::testdata("bad_packs/divide_by_zero"));
    let dir = pack.0.to_str().unwrap();
    let (code, r) = json(&[
        "gate",
        "testdata/bundles/benchmark_only",
        "testdata/bundles/full_pass",
        "testdata/bad/yaml_syntax",
        "--policy-dir",
        dir,
        "--require",
        "job.ran_under_policy",
    ]);
    assert_eq!(code, 4);
    let b = bundle(&r, "testdata/bundles/benchmark_only");
    assert_eq!(b["status"], "error");
    assert_eq!(b["error"]["code"], "claimgate::policy::eval");
    assert_eq!(b["manifest"], "testdata/bundles/benchmark_only/bundle.yaml");
    assert_eq!(bundle(&r, "testdata/bundles/full_pass")["status"], "pass");
    // A pack that does not compile stops the gate before any bundle: exit 4, no report.
    let broken = crate::packs::build(&crate::testdata("bad_packs/compile_error"));
    let (code, out, err) = run(&[
        "gate",
        "testdata/bundles/full_pass",
        "--policy-dir",
        broken.0.to_str().unwrap(),
    ]);
    assert_eq!(code, 4);
    assert!(out.is_empty());
    assert!(err.contains("claimgate::policy::compile"), "{err}");
}

#[test]
fn exit_2_for_a_required_id_the_catalog_lacks() {
    let (code, out, err) = run(&[
        "gate",
        "testdata/bundles/full_pass",
        "--require",
        "job.ran_under_polcy",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "no report for a wrong command line");
    insta::assert_snapshot!(err, @r"
    claimgate::gate::unknown_claim

      × cannot require `job.ran_under_polcy`: it is not a claim id of the policy pack's catalog
      help: did you mean `job.ran_under_policy`? claim ids: capacity.benchmark_context,
            runtime.environment_attested, runtime.environment_appraised, runtime.trace_reproducible,
            job.output_bound, job.ran_under_policy, verifier.path_exercised, verifier.secret_released,
            storage.provider_local, storage.backup_shown
    ");
    let (code, _, err) = run(&[
        "gate",
        "testdata/bundles/full_pass",
        "--require",
        "blocked.tee_proves_answer",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("it names a blocked sentence"), "{err}");
    assert!(err.contains("`runtime.environment_attested`"), "{err}");
}

#[test]
fn exit_2_for_a_label_that_cannot_be_forbidden_or_a_bad_pattern() {
    use clap::Parser;
    let e = claimgate::cli::Cli::try_parse_from([
        "claimgate",
        "gate",
        "x",
        "--forbid-label",
        "compute_receipt",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(claimgate::cli::Cli::try_parse_from(["claimgate", "gate"]).is_err());
    let (code, _, err) = run(&["gate", "testdata/bundles/[unclosed"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("claimgate::gate::pattern"), "{err}");
}

#[test]
fn the_three_seed_sentences_fail_with_their_safer_rewrites() {
    let (code, r) = json(&[
        "gate",
        "testdata/bundles/full_pass",
        "--claimed",
        "testdata/claimed/seed_bad.txt",
    ]);
    assert_eq!(code, 1);
    let checks = failed(bundle(&r, "testdata/bundles/full_pass"));
    let got: Vec<(&str, &str, Value)> = checks
        .iter()
        .map(|c| {
            (
                c["requirement"].as_str().unwrap(),
                c["safer"]["id"].as_str().unwrap(),
                c["location"]["line"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "claimed \"The benchmark proves the job ran.\"",
                "capacity.benchmark_context",
                Value::from(2)
            ),
            (
                "claimed \"TEE attestation proves the answer is true.\"",
                "runtime.environment_attested",
                Value::from(3)
            ),
            (
                "claimed \"The verifier denied the request, so nothing was learned.\"",
                "verifier.path_exercised",
                Value::from(4)
            ),
        ]
    );
    let sentences: Vec<&str> = checks
        .iter()
        .map(|c| c["safer"]["sentence"].as_str().unwrap())
        .collect();
    assert_eq!(
        sentences,
        [
            "The benchmark gives capacity context for this hardware class; it is not proof that this job ran.",
            "TEE attestation supports the runtime/environment claim for this job's runtime, as appraised by nvidia-nras (a remote verifier).",
            "The verifier path was reached and policy accepted the evidence.",
        ]
    );
    let (_, human, _) = run(&[
        "gate",
        "testdata/bundles/full_pass",
        "--claimed",
        "testdata/claimed/seed_bad.txt",
    ]);
    insta::assert_snapshot!("gate_seed_sentences_human", human);
}

#[test]
fn claimed_items_match_ids_exactly_and_sentences_loosely() {
    let (code, r) = json(&[
        "gate",
        "testdata/bundles/full_pass",
        "--claimed",
        "testdata/claimed/mixed.txt",
    ]);
    assert_eq!(code, 1);
    let b = bundle(&r, "testdata/bundles/full_pass");
    let passed: Vec<&str> = b["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["passed"].as_bool().unwrap())
        .zip(["id", "sentence", "other wording", "unknown", "blocked"])
        .filter(|(p, _)| *p)
        .map(|(_, what)| what)
        .collect();
    assert_eq!(passed, ["id", "sentence"]);
    let f = failed(b);
    // `rejected` where the evidence says `accepted`: the bundle's own sentence is offered.
    assert_eq!(
        f[0]["safer"]["sentence"],
        "The verifier path was reached and policy accepted the evidence."
    );
    assert!(f[1]["message"]
        .as_str()
        .unwrap()
        .contains("is not a claim of the catalog"));
    assert_eq!(f[2]["safer"]["id"], "job.output_bound");
    // On the denial, the same wording is exactly right.
    let (_, r) = json(&[
        "gate",
        "testdata/bundles/verifier_denial",
        "--claimed",
        "testdata/claimed/mixed.txt",
    ]);
    let b = bundle(&r, "testdata/bundles/verifier_denial");
    assert_eq!(b["checks"][2]["passed"], true, "{:#}", b["checks"][2]);
    assert_eq!(
        b["checks"][0]["passed"], true,
        "the denial has an output digest"
    );
}

#[test]
fn a_claimed_file_that_is_missing_empty_or_not_a_list_is_bad_input() {
    let dir = Scratch::new("gate-claimed");
    let empty = dir.0.join("empty.txt");
    std::fs::write(&empty, "# nothing yet\n\n").unwrap();
    let mapping = dir.0.join("claims.yaml");
    std::fs::write(&mapping, "claims:\n  - job.output_bound\n").unwrap();
    for (file, expect) in [
        (dir.0.join("missing.txt"), "no such file"),
        (empty, "lists no claims"),
        (mapping, "invalid type"),
    ] {
        let (code, out, err) = run(&[
            "gate",
            "testdata/bundles/full_pass",
            "--claimed",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 3, "{err}");
        assert!(out.is_empty());
        // miette wraps the message where the path makes it long.
        let flat = err.replace("\n  │ ", " ");
        assert!(
            flat.contains("claimgate::gate::claimed_file") && flat.contains(expect),
            "{err}"
        );
    }
}

#[test]
fn forbidding_a_label_fails_it_and_every_weaker_one() {
    let dir = Scratch::new("gate-none");
    std::fs::write(
        dir.0.join("bundle.yaml"),
        "schema: claimgate.bundle/v1\nevaluated_at: \"2026-11-25T12:00:00Z\"\njob:\n  job_id: job-empty\n",
    )
    .unwrap();
    let none = dir.0.to_str().unwrap();
    let (code, r) = json(&[
        "gate",
        none,
        "testdata/bundles/benchmark_only",
        "testdata/bundles/inline_json",
        "--forbid-label",
        "benchmark",
    ]);
    assert_eq!(code, 1);
    assert_eq!(bundle(&r, none)["label"], "none");
    assert_eq!(
        bundle(&r, none)["status"],
        "fail",
        "none is weaker than benchmark"
    );
    assert_eq!(
        bundle(&r, "testdata/bundles/benchmark_only")["status"],
        "fail"
    );
    assert_eq!(bundle(&r, "testdata/bundles/inline_json")["status"], "pass");
}

#[test]
fn with_no_requirement_every_bundle_must_evaluate() {
    let (code, r) = json(&["gate", "testdata/bundles/benchmark_only"]);
    assert_eq!(code, 0);
    assert_eq!(r["requirements"][0]["name"], "evaluates");
    let (code, _) = json(&[
        "gate",
        "testdata/bundles/benchmark_only",
        "testdata/bad/bad_time",
    ]);
    assert_eq!(code, 3);
}

#[test]
fn a_directory_of_bundles_expands_one_level() {
    let (code, r) = json(&["gate", "testdata/bundles"]);
    assert_eq!(code, 0);
    let n = std::fs::read_dir("testdata/bundles").unwrap().count();
    assert_eq!(r["summary"]["bundles"], n);
    assert_eq!(
        r["bundles"][0]["path"],
        "testdata/bundles/akash_persistent_no_backup"
    );
    // In testdata/bad, `no_manifest` has no manifest and is not taken as a bundle.
    let (code, r) = json(&["gate", "testdata/bad"]);
    assert_eq!(code, 3);
    let paths = r["bundles"].to_string();
    assert!(!paths.contains("no_manifest"), "{paths}");
    assert!(r["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["status"] == "error"));
}

#[test]
fn glob_patterns_expand_and_an_empty_match_is_an_error() {
    let (code, r) = json(&[
        "gate",
        "testdata/bundles/*_pass",
        "testdata/bundles/full_pass",
        "testdata/bundles/inline_json/*.json",
        "--require",
        "job.ran_under_policy",
    ]);
    let paths: Vec<&str> = r["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "testdata/bundles/full_pass",
            "testdata/bundles/inline_json/bundle.json"
        ],
        "duplicates are gated once"
    );
    assert_eq!(code, 1, "inline_json is a deployment note");
    let (code, r) = json(&["gate", "testdata/bundles/full_pass", "testdata/nowhere/*"]);
    assert_eq!(code, 3, "a pattern that matches nothing never passes");
    let e = &bundle(&r, "testdata/nowhere/*")["error"];
    assert_eq!(e["code"], "claimgate::gate::no_match");
}

#[test]
fn sarif_points_at_the_offending_line() {
    let (_, out, _) = gate(
        &[
            "gate",
            "testdata/bundles/seed_placeholders",
            "testdata/bad/yaml_syntax",
            "--require",
            "job.output_bound",
        ],
        "sarif",
    );
    let log: Value = serde_json::from_str(&out).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let at = |rule: &str| {
        let r = results.iter().find(|r| r["ruleId"] == rule).unwrap();
        let p = &r["locations"][0]["physicalLocation"];
        (
            p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            p["region"]["startLine"].as_u64().unwrap(),
        )
    };
    let manifest =
        std::fs::read_to_string("testdata/bundles/seed_placeholders/bundle.yaml").unwrap();
    let line = manifest
        .lines()
        .position(|l| l.trim_start().starts_with("output_digest:"))
        .unwrap()
        + 1;
    assert_eq!(
        at("claimgate::gate::require"),
        (
            "testdata/bundles/seed_placeholders/bundle.yaml".to_string(),
            line as u64
        ),
        "the malformed output digest's line"
    );
    assert_eq!(
        at("claimgate::bundle::parse"),
        ("testdata/bad/yaml_syntax/bundle.yaml".to_string(), 4),
        "the located bundle error's line"
    );
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string("testdata/schemas/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let runs: [&[&str]; 3] = [
        MIX,
        &["gate", "testdata/bundles/full_pass"],
        &[
            "gate",
            "testdata/bundles",
            "--claimed",
            "testdata/claimed/mixed.txt",
            "--require",
            "storage.backup_shown",
        ],
    ];
    for args in runs {
        let (_, out, _) = gate(args, "sarif");
        let log: Value = serde_json::from_str(&out).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }
    // The validator does reject what the schema forbids.
    let bad = serde_json::json!({ "version": "2.1.0", "runs": [{ "tool": {} }] });
    assert!(!validator.is_valid(&bad));
}

#[test]
fn junit_has_one_testcase_per_bundle_and_requirement() {
    let (_, out, _) = gate(MIX, "junit");
    let (_, r) = json(MIX);
    let bundles = r["bundles"].as_array().unwrap().len();
    let reqs = r["requirements"].as_array().unwrap().len();
    assert_eq!(out.matches("<testcase ").count(), bundles * reqs);
    assert_eq!(out.matches("<testsuite ").count(), bundles);
    assert!(out.contains(&format!(r#"tests="{}""#, bundles * reqs)));
    // Errors are errors, not failures.
    assert_eq!(out.matches("<error ").count(), 2 * reqs);
}

#[test]
fn the_binary_prints_github_annotations() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args([
            "gate",
            "testdata/bundles/benchmark_only",
            "--require",
            "job.output_bound",
            "--format",
            "github",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("::error file=testdata/bundles/benchmark_only/bundle.yaml,title=claimgate%3A require job.output_bound::testdata/bundles/benchmark_only: required claim `job.output_bound` is not allowed%0Abecause "),
        "{text}"
    );
}

#[test]
fn unknown_claim_renders_with_help() {
    let (code, _, err) = run(&[
        "gate",
        "testdata/bundles/full_pass",
        "--require",
        "storage.backup",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("did you mean `storage.backup_shown`?"),
        "{err}"
    );
}

#[test]
fn the_sarif_schema_is_the_official_file() {
    let bytes = std::fs::read("testdata/schemas/sarif-schema-2.1.0.json").unwrap();
    let digest = claimgate::Digest::sha256_of(&bytes);
    let provenance = std::fs::read_to_string("testdata/schemas/PROVENANCE.md").unwrap();
    assert!(
        provenance.contains(&digest.hex),
        "PROVENANCE.md must state sha256 {}",
        digest.hex
    );
}

#[test]
fn the_action_documents_and_passes_every_input() {
    let action: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string("action.yml").unwrap()).unwrap();
    let docs = std::fs::read_to_string("docs/ci.md").unwrap();
    let steps = serde_yaml::to_string(&action["runs"]["steps"]).unwrap();
    // The build installs the package at the action's root (engine/ holds its sources, not a
    // package: installing from there fails).
    assert!(steps.contains("cargo install --path \"$GITHUB_ACTION_PATH\" --locked"));
    let manifest = std::fs::read_to_string("Cargo.toml").unwrap();
    assert!(manifest.contains("[package]\nname = \"claimgate\""));
    assert!(!std::path::Path::new("engine/Cargo.toml").exists());
    let inputs = action["inputs"].as_mapping().unwrap();
    for name in [
        "bundles",
        "require",
        "forbid-label",
        "claimed",
        "format",
        "policy-dir",
    ] {
        assert!(inputs.contains_key(name), "action.yml lacks input `{name}`");
    }
    for (name, _) in inputs {
        let name = name.as_str().unwrap();
        assert!(
            docs.contains(&format!("| `{name}` |")),
            "docs/ci.md does not document `{name}`"
        );
        assert!(
            steps.contains(&format!("inputs.{name} }}}}")),
            "action.yml does not pass `{name}`"
        );
    }
}

#[test]
fn the_readme_gate_example_fails_with_the_safer_rewrites() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args([
            "gate",
            "testdata/bundles/full_pass",
            "--claimed",
            "testdata/claimed/seed_bad.txt",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("say instead").count(), 3, "{text}");
}

#[test]
fn absolute_paths_under_the_working_directory_are_shown_relative() {
    let root = std::env::current_dir().unwrap();
    let abs = |rel: &str| root.join(rel).to_str().unwrap().to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args([
            "gate",
            &abs("testdata/bundles/benchmark_only"),
            &abs("testdata/bundles/*_pass"),
            "--claimed",
            &abs("testdata/claimed/seed_bad.txt"),
            "--format",
            "sarif",
        ])
        .current_dir(&root)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(root.to_str().unwrap()), "{text}");
    assert!(
        text.contains("\"uri\": \"testdata/claimed/seed_bad.txt\""),
        "{text}"
    );
    assert!(
        text.contains("\"bundle\": \"testdata/bundles/full_pass\""),
        "{text}"
    );
}

/// `--text`: an article's claim sentences become requirements, each at its line; paraphrases of
/// blocked sentences fail as such; prose, code and the disclaimer are no requirement.
#[test]
fn gate_text_checks_the_claims_of_an_article() {
    let article = "testdata/review/article.md";
    let (code, r) = json(&["gate", "testdata/bundles/full_pass", "--text", article]);
    assert_eq!(code, 1);
    let b = bundle(&r, "testdata/bundles/full_pass");
    let checks = b["checks"].as_array().unwrap();
    let line = |c: &Value| c["location"]["line"].as_u64().unwrap();
    let verdicts: Vec<(u64, bool)> = checks
        .iter()
        .map(|c| (line(c), c["passed"].as_bool().unwrap()))
        .collect();
    // The catalog claim this bundle allows (line 4) passes. The table's four bad claims fail
    // (lines 10-13), and two of its safer claims as well: the article words one otherwise
    // than this evidence (policy "rejected" where it accepted), and the bundle has no storage
    // facts for the other. Then the three always-blocked claims (15, 16) and two paraphrases
    // (15: "This proves the model answer is true." after a lead-in; 18: marketing).
    assert_eq!(
        verdicts,
        [
            (4, true),
            (10, false),
            (11, false),
            (12, false),
            (12, false),
            (13, false),
            (13, false),
            (15, false),
            (15, false),
            (16, false),
            (18, false)
        ],
        "{r:#}"
    );
    let near: Vec<&str> = checks
        .iter()
        .filter(|c| {
            c["message"]
                .as_str()
                .unwrap()
                .contains("says in other words")
        })
        .map(|c| c["safer"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        near,
        ["job.output_bound", "runtime.environment_attested"],
        "{r:#}"
    );
    let all = serde_json::to_string(&r).unwrap();
    assert!(!all.contains("does not prove the job ran"), "{all}");
    assert!(!all.contains("not a sentence the audit reads"), "{all}");
    // --claimed and --text are one or the other.
    use clap::Parser;
    let e = claimgate::cli::Cli::try_parse_from([
        "claimgate",
        "gate",
        "testdata/bundles/full_pass",
        "--text",
        article,
        "--claimed",
        "testdata/claimed/seed_bad.txt",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code(), 2);
}

/// A finding caused by a value in a document points at that document and the value's line:
/// `debug_enabled: true` at attestation.yaml:14, not the manifest.
#[test]
fn annotations_point_at_the_value_in_the_evidence() {
    for (bundle, file, line) in [
        ("debug_enabled", "attestation.yaml", 14),
        ("stale_attestation", "attestation.yaml", 6),
        ("measurement_mismatch", "attestation.yaml", 7),
        ("nonce_mismatch", "attestation.yaml", 7),
    ] {
        let dir = format!("testdata/bundles/{bundle}");
        let (code, out, err) = run(&[
            "gate",
            &dir,
            "--require",
            "runtime.environment_attested",
            "--format",
            "github",
        ]);
        assert_eq!(code, 1, "{err}");
        let first = out.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("::error file={dir}/{file},line={line},")),
            "{bundle}: {first}"
        );
        // The value itself is on that line.
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let value = text.lines().nth(line - 1).unwrap();
        assert!(
            ["debug_enabled:", "expires_at:", "measurements:", "nonce:"]
                .iter()
                .any(|k| value.starts_with(k)),
            "{bundle}: line {line} is {value:?}"
        );
    }
}

/// The real binary with `stdin` on its standard input, run in `dir`.
fn piped(dir: &str, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `eval -` and `gate -` read the manifest from standard input, its documents from the working
/// directory; `gate --from-file LIST` gates the bundles a file lists.
#[test]
fn bundles_from_stdin_and_from_a_list() {
    let dir = "testdata/bundles/full_pass";
    let manifest = std::fs::read(format!("{dir}/bundle.yaml")).unwrap();
    let (code, out, err) = piped(dir, &["eval", "-", "--format", "json"], &manifest);
    assert_eq!(code, 0, "{err}");
    let piped_decision: Value = serde_json::from_str(&out).unwrap();
    let (_, out, _) = run(&["eval", dir, "--format", "json"]);
    let direct: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(piped_decision["bundle"], "(stdin)");
    assert_eq!(piped_decision["allowed"], direct["allowed"]);
    assert_eq!(piped_decision["label"], "compute_receipt");

    let scratch = Scratch::new("bundle-list");
    let list = scratch.0.join("bundles.txt");
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::write(
        &list,
        format!("# the corpus\n{root}/testdata/bundles/benchmark_only\n\n{root}/testdata/bundles/debug_enabled\n"),
    )
    .unwrap();
    let (code, out, err) = piped(
        dir,
        &[
            "gate",
            "-",
            "--from-file",
            list.to_str().unwrap(),
            "--format",
            "json",
        ],
        &manifest,
    );
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = report["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert_eq!(paths[0], "(stdin)");
    // A list that cannot be read is bad input, named.
    let (code, _, err) = run(&["gate", "--from-file", "testdata/no/such/list.txt"]);
    assert_eq!(code, 3);
    assert!(err.contains("claimgate::gate::list"), "{err}");
}

/// The action's gate step (`.github/run-gate.sh`, what `action.yml` runs): annotations reach the
/// log while the `output` file, the SARIF file and the job summary are written in the same run,
/// and the step outputs carry the exit code and the counts.
#[test]
fn the_action_writes_annotations_and_every_file_in_one_run() {
    let scratch = Scratch::new("action-step");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_claimgate"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let file = |n: &str| scratch.0.join(n).to_str().unwrap().to_string();
    let out = std::process::Command::new("bash")
        .arg(".github/run-gate.sh")
        .env("PATH", path)
        .env("GITHUB_OUTPUT", file("outputs"))
        .env("GITHUB_STEP_SUMMARY", file("summary.md"))
        .env("RUNNER_TEMP", scratch.0.to_str().unwrap())
        .env(
            "CLAIMGATE_BUNDLES",
            "testdata/bundles/full_pass testdata/bundles/debug_enabled",
        )
        .env("CLAIMGATE_REQUIRE", "runtime.environment_attested")
        .env("CLAIMGATE_FORBID_LABEL", "")
        .env("CLAIMGATE_CLAIMED", "")
        .env("CLAIMGATE_TEXT", "")
        .env("CLAIMGATE_FORMAT", "github")
        .env("CLAIMGATE_POLICY_DIR", "")
        .env("CLAIMGATE_AT", "")
        .env("CLAIMGATE_OUTPUT", file("annotations.txt"))
        .env("CLAIMGATE_SARIF", file("gate.sarif"))
        .env("CLAIMGATE_SUMMARY", "true")
        .env("CLAIMGATE_MAX_RESULTS", "25000")
        .output()
        .unwrap();
    let log = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "the step ends 0; the action's last step fails the job"
    );
    assert!(
        log.starts_with("::error file=testdata/bundles/debug_enabled/attestation.yaml,line=14,"),
        "{log}"
    );
    let written = std::fs::read_to_string(file("annotations.txt")).unwrap();
    assert_eq!(written, log);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(file("gate.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
    assert!(std::fs::read_to_string(file("summary.md"))
        .unwrap()
        .starts_with("## ❌ claimgate gate failed"));
    let outputs = std::fs::read_to_string(file("outputs")).unwrap();
    for line in [
        "exit-code=1",
        "bundles=2",
        "passed=1",
        "failed=1",
        "errors=0",
    ] {
        assert!(outputs.lines().any(|l| l == line), "{line} in {outputs}");
    }
}

/// Upstream documents state facts under their own keys: the finding points at that key's line
/// (Trustee's SGX `attributes.flags`, the TDX verifier's `debug`), or at the document alone
/// when no key states the fact (dstack's response has no time).
#[test]
fn upstream_annotations_point_at_the_formats_own_key() {
    for (bundle, doc, key) in [
        (
            "trustee/example.token.bundle.yaml",
            "trustee/example.token.json",
            Some("\"attributes.flags\""),
        ),
        (
            "trustee/parse_tdx_claims_expected.bundle.yaml",
            "trustee/parse_tdx_claims_expected.json",
            Some("\"debug\": true"),
        ),
        (
            "dstack/verifier-readme-verify-response.bundle.yaml",
            "dstack/verifier-readme-verify-response.json",
            None,
        ),
    ] {
        let (code, out, err) = run(&[
            "gate",
            &format!("testdata/realworld/{bundle}"),
            "--require",
            "runtime.environment_appraised",
            "--format",
            "github",
        ]);
        assert_eq!(code, 1, "{err}");
        let first = out.lines().next().unwrap();
        let file = format!("testdata/realworld/{doc}");
        let rest = first
            .strip_prefix(&format!("::error file={file},"))
            .unwrap_or_else(|| panic!("{bundle}: {first}"));
        match key {
            Some(key) => {
                let line: usize = rest
                    .strip_prefix("line=")
                    .and_then(|r| r.split(',').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{bundle}: no line in {first}"));
                let text = std::fs::read_to_string(&file).unwrap();
                let at = text.lines().nth(line - 1).unwrap();
                assert!(at.contains(key), "{bundle}: line {line} is {at:?}");
            }
            None => assert!(rest.starts_with("title="), "{bundle}: {first}"),
        }
    }
}
