use crate::{render_error, run, Scratch};
use claimgate::policy::{run_tests, CompiledPack, PolicyPack, TestOutcome};

/// Writes the embedded pack into a scratch directory with `edits` (path, old, new) applied.
pub(crate) fn pack_with(name: &str, edits: &[(&str, &str, &str)]) -> Scratch {
    let dir = Scratch::new(name);
    for f in PolicyPack::embedded().files {
        let mut text = f.text.clone();
        for (path, old, new) in edits {
            if *path == f.name {
                assert!(text.contains(old), "edit target `{old}` not in {path}");
                text = text.replacen(old, new, 1);
            }
        }
        let p = dir.0.join(&f.name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn eval_with(dir: &Scratch, bundle: &str) -> (u8, String, String) {
    run(&[
        "eval",
        &format!("../testdata/bundles/{bundle}"),
        "--policy-dir",
        dir.0.to_str().unwrap(),
        "--format",
        "json",
    ])
}

#[test]
fn the_embedded_pack_passes_its_rego_tests() {
    let results = run_tests(&PolicyPack::embedded()).unwrap();
    assert!(results.len() >= 15, "{} tests", results.len());
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.outcome != TestOutcome::Pass)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn claimgate_test_reports_a_failing_rego_test() {
    let dir = pack_with(
        "failing-test",
        &[(
            "claims/claims_test.rego",
            "claims.allow == {\"capacity.benchmark_context\"}",
            "claims.allow == {\"job.output_bound\"}",
        )],
    );
    let (code, out, _) = run(&["test", "--policy-dir", dir.0.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "FAIL data.claimgate.claims_test.test_benchmark_alone_is_capacity_context_only"
        ),
        "{out}"
    );
}

#[test]
fn a_pack_on_disk_decides_like_the_embedded_one() {
    let dir = pack_with("same", &[]);
    let (code, out, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 0, "{err}");
    let (_, embedded, _) = run(&["eval", "../testdata/bundles/full_pass", "--format", "json"]);
    assert_eq!(out, embedded);
}

#[test]
fn the_guard_fails_closed_when_a_rule_overreaches() {
    // A rule that allows the job claim whatever the evidence.
    let dir = pack_with(
        "overreach",
        &[(
            "claims/claims.rego",
            "allow contains \"job.ran_under_policy\" if {",
            "allow contains \"job.ran_under_policy\" if { true }\n\nunused_job_rule if {",
        )],
    );
    let (code, out, err) = eval_with(&dir, "tee_pass_no_output_digest");
    assert_eq!(code, 0, "{err}");
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["label"], "verifier_path_record");
    let job = d["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "job.ran_under_policy")
        .unwrap();
    let reasons = job["reasons"].to_string();
    assert!(reasons.contains("catalog guard failed closed"), "{reasons}");
    assert!(
        reasons.contains("requires output_digest: no output digest"),
        "{reasons}"
    );
}

#[test]
fn a_rule_cannot_allow_a_blocklisted_sentence() {
    let dir = pack_with(
        "blocklist",
        &[("claims/claims.rego", "allow contains \"capacity.benchmark_context\"", "allow contains \"blocked.model_answer_true\"\n\nallow contains \"capacity.benchmark_context\"")],
    );
    let (code, out, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 0, "{err}");
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!out.contains("\"id\": \"blocked.model_answer_true\",\n      \"box\""));
    let b = d["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "blocked.model_answer_true")
        .unwrap();
    assert!(b["reasons"]
        .to_string()
        .contains("the blocklist overrides every rule"));
}

#[test]
fn a_compile_error_points_at_the_policy_text() {
    let dir = pack_with(
        "compile",
        &[(
            "claims/claims.rego",
            "allow contains \"runtime.trace_reproducible\" if trace_matched",
            "allow contains \"runtime.trace_reproducible\" if trace_matched +",
        )],
    );
    let (code, _, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("claimgate::policy::compile"), "{err}");
    assert!(err.contains("claims/claims.rego:"), "{err}");
}

#[test]
fn an_unknown_claim_id_is_a_policy_error() {
    let dir = pack_with(
        "unknown-id",
        &[(
            "claims/claims.rego",
            "allow contains \"runtime.trace_reproducible\"",
            "allow contains \"runtime.trace_reproducable\"",
        )],
    );
    let (code, _, err) = eval_with(&dir, "reproducible_trace");
    assert_eq!(code, 4);
    assert!(err.contains("runtime.trace_reproducable"), "{err}");
}

#[test]
fn a_malformed_verifier_decision_is_a_policy_error() {
    let dir = pack_with(
        "bad-status",
        &[(
            "policies/gpu_tee_policy_v3.rego",
            "{\"status\": \"pass\"",
            "{\"status\": \"ok\"",
        )],
    );
    let (code, _, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 4);
    assert!(
        err.contains("status") && err.contains("pass, hold, reject"),
        "{err}"
    );
}

#[test]
fn a_runtime_error_is_a_policy_error_not_a_decision() {
    let dir = pack_with("divide", &[("claims/claims.rego", "allow contains \"capacity.benchmark_context\" if count(input.capacity.benchmarks) > 0", "allow contains \"capacity.benchmark_context\" if 1 / (count(input.capacity.benchmarks) - 1) > 0")]);
    let (code, out, err) = eval_with(&dir, "benchmark_only");
    assert_eq!(code, 4, "{out}");
    assert!(out.is_empty());
    assert!(err.contains("claimgate::policy::eval"), "{err}");
}

#[test]
fn a_broken_catalog_is_a_policy_error() {
    let dir = pack_with(
        "catalog",
        &[(
            "claims/catalog.yaml",
            "requires: [trace_replay_matched]",
            "requires: [trace_looks_fine]",
        )],
    );
    let (code, _, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 4);
    assert!(
        err.contains("trace_looks_fine") && err.contains("catalog.yaml"),
        "{err}"
    );
}

#[test]
fn a_pack_without_claims_is_a_layout_error() {
    let dir = Scratch::new("layout");
    std::fs::create_dir_all(dir.0.join("policies")).unwrap();
    let (code, _, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 4);
    assert!(err.contains("has no `claims/`"), "{err}");
}

#[test]
fn the_catalog_keeps_every_claim_of_the_design() {
    let pack = CompiledPack::compile(&PolicyPack::embedded()).unwrap();
    for id in [
        "capacity.benchmark_context",
        "runtime.environment_attested",
        "runtime.trace_reproducible",
        "job.output_bound",
        "job.ran_under_policy",
        "verifier.path_exercised",
        "verifier.secret_released",
        "storage.provider_local",
        "storage.backup_shown",
    ] {
        assert!(pack.catalog.claim(id).is_some(), "{id}");
    }
    for s in [
        "The benchmark proves the job ran.",
        "TEE attestation proves the answer is true.",
        "The verifier denied the request, so nothing was learned.",
        "The provider has persistent storage, so the artifact is durable anywhere.",
        "This proves the model answer is true.",
        "This proves the provider is always faster.",
        "This benchmark proves this job completed.",
        "Every job on this network ships with a replayable proof.",
    ] {
        assert!(pack.catalog.blocked.iter().any(|b| b.sentence == s), "{s}");
    }
}

#[test]
fn compile_error_rendering() {
    let dir = pack_with(
        "render",
        &[(
            "policies/gpu_tee_policy_v3.rego",
            "max_age_seconds := 86400",
            "max_age_seconds := ",
        )],
    );
    let pack = PolicyPack::from_dir(&dir.0).unwrap();
    let err = CompiledPack::compile(&pack).unwrap_err();
    let text = render_error(&err);
    assert!(text.contains("policies/gpu_tee_policy_v3.rego:"), "{text}");
    assert!(text.contains("does not compile"), "{text}");
}

#[test]
fn a_recursive_function_is_rejected_before_it_can_overflow_the_stack() {
    let dir = pack_with(
        "recursion",
        &[(
            "claims/claims.rego",
            "allow contains \"job.output_bound\" if output_ok",
            "f(x) := f(x + 1)\n\nallow contains \"job.output_bound\" if f(1) > 0",
        )],
    );
    let (code, out, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 4, "{out}");
    assert!(
        err.contains("claimgate.claims.f → claimgate.claims.f"),
        "{err}"
    );
    let (code, _, err) = run(&["test", "--policy-dir", dir.0.to_str().unwrap()]);
    assert_eq!(code, 4, "{err}");
}

#[test]
fn claimgate_test_refuses_a_broken_catalog() {
    let dir = pack_with(
        "test-catalog",
        &[(
            "claims/catalog.yaml",
            "requires: [trace_replay_matched]",
            "requires: [trace_looks_fine]",
        )],
    );
    let (code, out, err) = run(&["test", "--policy-dir", dir.0.to_str().unwrap()]);
    assert_eq!(code, 4, "{out}");
    assert!(err.contains("trace_looks_fine"), "{err}");
}

#[test]
fn a_decision_with_unknown_keys_is_a_policy_error() {
    let dir = pack_with(
        "decision-keys",
        &[(
            "policies/gpu_tee_policy_v3.rego",
            "{\"status\": \"pass\", \"reason\":",
            "{\"status\": \"pass\", \"confidence\": 1, \"reason\":",
        )],
    );
    let (code, _, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 4);
    assert!(err.contains("`confidence`"), "{err}");
}

#[test]
fn a_claim_cannot_take_a_blocked_sentence_as_its_wording() {
    let dir = pack_with(
        "wording",
        &[(
            "claims/catalog.yaml",
            "sentence: \"The output digest is the digest of the delivered result.\"",
            "sentence: \"This proves the model answer is true.\"",
        )],
    );
    let (code, _, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 4);
    assert!(
        err.contains("inflated sentence") && err.contains("job.output_bound"),
        "{err}"
    );
}
