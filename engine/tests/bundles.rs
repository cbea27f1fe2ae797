use crate::{relative, testdata};
use claimgate::{BlockKind, Decision, Label};
fn pack() -> &'static claimgate::Engine {
    crate::embedded()
}

fn eval(name: &str) -> Decision {
    crate::evaluate(&testdata(&format!("bundles/{name}")), pack(), None).unwrap()
}

fn blocked<'a>(d: &'a Decision, id: &str) -> &'a claimgate::Blocked {
    d.blocked.iter().find(|b| b.id == id).unwrap()
}

fn ids(d: &Decision) -> Vec<&str> {
    d.allowed.iter().map(|a| a.id.as_str()).collect()
}

/// Every bundle directory gets a snapshot of its whole decision. Add a case by adding a directory.
#[test]
fn snapshot_every_bundle() {
    insta::glob!(
        "../../testdata",
        "bundles/*/bundle.{yaml,json}",
        |manifest| {
            let dir = relative(manifest.parent().unwrap());
            let readme = std::fs::read_to_string(dir.join("README.md")).unwrap_or_else(|_| {
                panic!("{} needs a README.md saying what it proves", dir.display())
            });
            let decision = crate::evaluate(&dir, pack(), None).unwrap();
            insta::with_settings!({ description => readme.trim(), sort_maps => true, omit_expression => true }, {
                insta::assert_yaml_snapshot!(decision);
            });
        }
    );
}

#[test]
fn there_are_at_least_twelve_bundles() {
    let n = std::fs::read_dir(testdata("bundles")).unwrap().count();
    assert!(n >= 12, "{n} bundles");
}

#[test]
fn full_pass_is_a_compute_receipt_with_the_seed_claim() {
    let d = eval("full_pass");
    assert_eq!(d.label, Label::ComputeReceipt);
    let job = d
        .allowed
        .iter()
        .find(|a| a.id == "job.ran_under_policy")
        .unwrap();
    assert_eq!(
        job.sentence,
        "This job ran under the named verifier policy and produced the output digest above."
    );
    assert!(d.problems.is_empty());
}

#[test]
fn denial_records_the_path_and_blocks_the_job_claim() {
    let d = eval("verifier_denial");
    assert_eq!(d.label, Label::VerifierPathRecord);
    let path = d
        .allowed
        .iter()
        .find(|a| a.id == "verifier.path_exercised")
        .unwrap();
    assert_eq!(
        path.sentence,
        "The verifier path was reached and policy rejected the evidence."
    );
    let job = blocked(&d, "job.ran_under_policy");
    assert!(
        job.reasons
            .iter()
            .any(|r| r.contains("kbs_resource_policy_v2")),
        "{job:?}"
    );
    assert!(!d.allows("runtime.environment_attested"));
}

#[test]
fn benchmark_only_is_a_benchmark() {
    let d = eval("benchmark_only");
    assert_eq!(d.label, Label::Benchmark);
    assert_eq!(ids(&d), ["capacity.benchmark_context"]);
}

#[test]
fn a_benchmark_changes_no_runtime_or_job_claim() {
    let with = eval("benchmark_plus_tee");
    let without = eval("full_pass");
    let non_capacity = |d: &Decision| -> Vec<String> {
        d.allowed
            .iter()
            .filter(|a| !a.id.starts_with("capacity."))
            .map(|a| a.sentence.clone())
            .collect()
    };
    assert_eq!(non_capacity(&with), non_capacity(&without));
    assert_eq!(with.label, without.label);
    assert!(with.allows("capacity.benchmark_context"));
}

#[test]
fn placeholder_digests_are_malformed_evidence() {
    let d = eval("seed_placeholders");
    assert_ne!(d.label, Label::ComputeReceipt);
    assert!(!d.allows("job.output_bound"));
    let out = d
        .problems
        .iter()
        .find(|p| p.field == "job.output_digest")
        .unwrap();
    assert!(out.msg.contains("sha256:result_bundle"), "{out:?}");
    assert_eq!(d.job.output_digest, None);
    let why = &blocked(&d, "job.output_bound").reasons;
    assert!(why.iter().any(|r| r.contains("malformed")), "{why:?}");
}

#[test]
fn no_output_digest_keeps_the_runtime_claim_only() {
    let d = eval("tee_pass_no_output_digest");
    assert_eq!(d.label, Label::VerifierPathRecord);
    assert!(d.allows("runtime.environment_attested"));
    assert!(!d.allows("job.ran_under_policy"));
    let safer = blocked(&d, "job.ran_under_policy").safer.clone().unwrap();
    assert_eq!(safer.id, "runtime.environment_attested");
    assert!(safer.allowed);
}

#[test]
fn failing_attestations_are_held_or_rejected() {
    for (name, status) in [
        ("stale_attestation", "hold"),
        ("debug_enabled", "reject"),
        ("measurement_mismatch", "reject"),
        ("nonce_mismatch", "reject"),
    ] {
        let d = eval(name);
        assert_eq!(d.verifier_status.map(|s| s.name()), Some(status), "{name}");
        assert!(!d.allows("runtime.environment_attested"), "{name}");
        assert!(!d.allows("job.ran_under_policy"), "{name}");
        assert_eq!(d.label, Label::VerifierPathRecord, "{name}");
    }
}

#[test]
fn stale_is_stale_only_at_the_evaluation_instant() {
    let early = claimgate::Instant::parse("2026-11-24T09:00:00Z").ok();
    let d = crate::evaluate(&testdata("bundles/stale_attestation"), pack(), early).unwrap();
    assert_eq!(
        d.label,
        Label::ComputeReceipt,
        "fresh at 09:00 the day before"
    );
}

#[test]
fn storage_claims_follow_the_backup_path() {
    let no = eval("akash_persistent_no_backup");
    let yes = eval("akash_persistent_with_backup");
    assert_eq!(no.label, Label::DeploymentNote);
    assert_eq!(ids(&no), ["storage.provider_local"]);
    assert_eq!(
        ids(&yes),
        ["storage.provider_local", "storage.backup_shown"]
    );
}

#[test]
fn local_appraisal_is_never_reported_as_remote() {
    let d = eval("local_verifier");
    let rt = d
        .allowed
        .iter()
        .find(|a| a.id == "runtime.environment_attested")
        .unwrap();
    assert!(
        rt.sentence.contains("(a local verifier)"),
        "{}",
        rt.sentence
    );
    assert!(!rt.sentence.contains("remote"));
}

#[test]
fn a_tampered_output_artifact_blocks_output_claims() {
    let d = eval("output_artifact_mismatch");
    assert!(!d.allows("job.output_bound"));
    assert!(!d.allows("job.ran_under_policy"));
    assert!(d.problems.iter().any(|p| p.msg.contains("hashes to")));
}

#[test]
fn a_matched_trace_backs_a_compute_receipt_and_a_diverged_one_does_not() {
    let ok = eval("reproducible_trace");
    assert_eq!(ok.label, Label::ComputeReceipt);
    assert!(ok.allows("runtime.trace_reproducible"));
    assert!(!ok.allows("runtime.environment_attested"));
    let bad = eval("trace_mismatch");
    assert!(!bad.allows("runtime.trace_reproducible"));
    assert!(!bad.allows("job.ran_under_policy"));
}

#[test]
fn blocklist_is_never_allowed_and_always_listed() {
    for entry in std::fs::read_dir(testdata("bundles")).unwrap() {
        let d = crate::evaluate(&entry.unwrap().path(), pack(), None).unwrap();
        let never: Vec<_> = d
            .blocked
            .iter()
            .filter(|b| b.because == BlockKind::Blocklist)
            .collect();
        assert_eq!(never.len(), pack().catalog().blocked.len());
        for b in never {
            assert!(!d.allows(&b.id));
        }
    }
}

#[test]
fn a_single_file_bundle_loads_from_its_path() {
    let d = crate::evaluate(&testdata("bundles/inline_json/bundle.json"), pack(), None).unwrap();
    assert_eq!(d.label, Label::DeploymentNote);
    assert!(d.allows("capacity.benchmark_context"));
}

#[test]
fn the_same_bundle_gives_the_same_decision_bytes() {
    let a = serde_json::to_string(&eval("full_pass")).unwrap();
    let b = serde_json::to_string(&eval("full_pass")).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_sha384_output_digest_is_checked_with_sha384() {
    let dir = crate::Scratch::new("sha384");
    std::fs::write(dir.0.join("result.txt"), b"abc").unwrap();
    let sha384 = "sha384:cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7";
    let manifest = |digest: &str| {
        format!("schema: claimgate.bundle/v1\nevaluated_at: \"2026-11-25T12:00:00Z\"\njob:\n  job_id: j\n  output_digest: \"{digest}\"\nartifacts:\n  - name: result\n    path: result.txt\n    role: output\n")
    };
    std::fs::write(dir.0.join("bundle.yaml"), manifest(sha384)).unwrap();
    let d = crate::evaluate(&dir.0, pack(), None).unwrap();
    assert!(d.allows("job.output_bound"), "{:?}", d.problems);
    std::fs::write(
        dir.0.join("bundle.yaml"),
        manifest(&sha384.replace("cb00", "cb01")),
    )
    .unwrap();
    let d = crate::evaluate(&dir.0, pack(), None).unwrap();
    assert!(!d.allows("job.output_bound"));
}

/// A bundle held in memory decides exactly as the same files on disk: the same receipt bytes.
/// A file the manifest names that the memory does not hold, or a path out of the bundle, is the
/// same located error as on disk.
#[test]
fn a_bundle_in_memory_decides_like_the_same_files_on_disk() {
    use claimgate::{At, Bundle};
    for name in ["full_pass", "output_artifact_mismatch", "verifier_denial"] {
        let dir = testdata(&format!("bundles/{name}"));
        let mut files = std::collections::BTreeMap::new();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(rel, std::fs::read(&p).unwrap());
        }
        let manifest = files.remove("bundle.yaml").unwrap();
        let memory = Bundle::from_memory("bundle.yaml", &manifest, files).unwrap();
        let disk = Bundle::load(&dir).unwrap();
        let receipt = |b: &Bundle| {
            pack()
                .decide(b, At::Bundle)
                .unwrap()
                .receipt()
                .to_canonical_bytes()
        };
        assert_eq!(receipt(&memory), receipt(&disk), "{name}");
    }
    let manifest = std::fs::read(testdata("bundles/full_pass/bundle.yaml")).unwrap();
    let missing = Bundle::from_memory("bundle.yaml", &manifest, Default::default()).unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("cannot read document `runtime.yaml`: no such file in the bundle"),
        "{missing}"
    );
    let escape = b"schema: claimgate.bundle/v1\njob: {job_id: j}\ndocuments:\n  - {kind: facts, path: ../x.yaml}\n";
    let err = Bundle::from_memory("bundle.yaml", escape, Default::default()).unwrap_err();
    assert!(
        err.to_string().contains("leaves the bundle directory"),
        "{err}"
    );
}
