//! Receipts: canonical bytes, schema, replay, and every kind of tampering caught by `verify`.
use crate::{run, testdata, Scratch};
use std::path::Path;
use std::process::Command;

fn receipt_bytes(bundle: &Path, threads: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args(["receipt", bundle.to_str().unwrap()])
        .env("CLAIMGATE_THREADS", threads)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Copies a bundle directory into a scratch directory (to tamper with it).
fn copy_bundle(name: &str, tag: &str) -> Scratch {
    let dir = Scratch::new(tag);
    for e in std::fs::read_dir(testdata(&format!("bundles/{name}"))).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.0.join(p.file_name().unwrap())).unwrap();
    }
    dir
}

fn write_receipt(bundle: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "eval",
        bundle.to_str().unwrap(),
        "--receipt",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
}

fn verify(args: &[&str]) -> (u8, serde_json::Value) {
    let mut a = vec!["verify"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = run(&a);
    assert!(code == 0 || code == 5, "{code}: {err}");
    (code, serde_json::from_str(&out).unwrap())
}

fn kinds(report: &serde_json::Value) -> Vec<(String, String)> {
    report["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_string(),
                m["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_same_bundle_gives_byte_identical_receipts_across_runs_and_threads() {
    let bundle = testdata("bundles/full_pass");
    let one = receipt_bytes(&bundle, "1");
    assert_eq!(one, receipt_bytes(&bundle, "1"));
    assert_eq!(one, receipt_bytes(&bundle, "4"));
    assert_eq!(one, receipt_bytes(&bundle, "16"));
    // Canonical JSON: parsing and re-canonicalizing changes nothing.
    // The typed receipt reads every field and writes the same bytes back.
    let text = String::from_utf8(one).unwrap();
    let r: claimgate::Receipt = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(r.to_canonical_bytes(), text.trim_end().as_bytes());
}

#[test]
fn every_receipt_matches_the_schema_and_its_decision_id() {
    let schema: serde_json::Value = serde_json::from_str(claimgate::cli::RECEIPT_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let pack = crate::embedded();
    let mut n = 0;
    for dir in ["bundles", "realworld"] {
        for e in std::fs::read_dir(testdata(dir)).unwrap() {
            let p = e.unwrap().path();
            let bundles: Vec<_> = if dir == "bundles" {
                vec![p]
            } else if p.is_dir() {
                std::fs::read_dir(&p)
                    .unwrap()
                    .map(|f| f.unwrap().path())
                    .filter(|f| f.to_string_lossy().ends_with(".bundle.yaml"))
                    .collect()
            } else {
                vec![]
            };
            for b in bundles {
                let bundle = claimgate::Bundle::load(&b).unwrap();
                let typed = pack
                    .decide(&bundle, claimgate::At::BundleOr(claimgate::Instant::now()))
                    .unwrap()
                    .receipt();
                let receipt = typed.to_value();
                let back: claimgate::Receipt = serde_json::from_value(receipt.clone()).unwrap();
                assert_eq!(back, typed, "{}: the typed receipt reads back", b.display());
                let errors: Vec<String> = validator
                    .iter_errors(&receipt)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                assert!(errors.is_empty(), "{}: {errors:#?}", b.display());
                assert_eq!(
                    receipt["decision_id"],
                    typed.compute_id(),
                    "{}",
                    b.display()
                );
                n += 1;
            }
        }
    }
    assert!(n >= 30, "{n} receipts");
}

#[test]
fn the_receipt_keeps_the_seed_fields_and_boxes_apart() {
    let receipt = |name: &str| {
        let bundle = claimgate::Bundle::load(&testdata(name)).unwrap();
        let at = claimgate::At::BundleOr(claimgate::Instant::now());
        crate::embedded()
            .decide(&bundle, at)
            .unwrap()
            .receipt()
            .to_value()
    };
    let r = receipt("bundles/benchmark_plus_tee");
    for f in [
        "receipt_id",
        "job_id",
        "workload_digest",
        "input_commitment",
        "runtime_measurement",
        "benchmark_result",
        "attestation_result",
        "verifier_policy_id",
        "policy_decision",
        "output_digest",
        "allowed_claim",
        "blocked_claims",
    ] {
        assert!(r.get(f).is_some_and(|v| !v.is_null()), "{f}");
    }
    for b in ["benchmark_result", "attestation_result", "policy_decision"] {
        assert!(
            r[b]["claim_limit"].as_str().is_some_and(|s| !s.is_empty()),
            "{b}"
        );
    }
    assert_eq!(
        r["verifier_policy_id"],
        serde_json::json!(["gpu_tee_policy_v3"])
    );
    let storage = receipt("bundles/akash_persistent_no_backup");
    assert_eq!(
        storage["provider_constraints"]["storage"][0]["provider_local"],
        true
    );
    assert!(!r.to_string().contains("/work/"), "no absolute paths");
}

#[test]
fn verify_passes_an_untouched_receipt_and_replay() {
    let dir = copy_bundle("full_pass", "verify-ok");
    let out = dir.0.join("receipt.json");
    write_receipt(&dir.0, &out, &[]);
    let (code, report) = verify(&[out.to_str().unwrap(), "--bundle", dir.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["signature"], "unsigned");
    assert_eq!(report["replayed"], true);
}

#[test]
fn one_byte_of_an_artifact_is_an_artifact_change() {
    let dir = copy_bundle("full_pass", "tamper-artifact");
    let out = dir.0.join("receipt.json");
    write_receipt(&dir.0, &out, &[]);
    let mut bytes = std::fs::read(dir.0.join("result.txt")).unwrap();
    bytes[0] ^= 1;
    std::fs::write(dir.0.join("result.txt"), bytes).unwrap();
    let (code, report) = verify(&[out.to_str().unwrap(), "--bundle", dir.0.to_str().unwrap()]);
    assert_eq!(code, 5);
    let k = kinds(&report);
    assert!(
        k.contains(&(
            "artifact changed".into(),
            "replay.artifacts[result_bundle]".into()
        )),
        "{k:?}"
    );
    assert!(
        k.iter()
            .any(|(kind, f)| kind == "decision changed" && f == "label"),
        "{k:?}"
    );
}

#[test]
fn an_evidence_field_is_an_evidence_change() {
    let dir = copy_bundle("full_pass", "tamper-evidence");
    let out = dir.0.join("receipt.json");
    write_receipt(&dir.0, &out, &[]);
    let att = dir.0.join("attestation.yaml");
    let text = std::fs::read_to_string(&att)
        .unwrap()
        .replace("debug_enabled: false", "debug_enabled: true");
    std::fs::write(&att, text).unwrap();
    let (code, report) = verify(&[out.to_str().unwrap(), "--bundle", dir.0.to_str().unwrap()]);
    assert_eq!(code, 5);
    let k = kinds(&report);
    assert!(
        k.contains(&(
            "evidence changed".into(),
            "replay.documents[attestation.yaml]".into()
        )),
        "{k:?}"
    );
    assert!(
        k.contains(&("evidence changed".into(), "replay.evidence_digest".into())),
        "{k:?}"
    );
}

#[test]
fn a_policy_rule_is_a_policy_change() {
    let dir = copy_bundle("full_pass", "tamper-policy");
    let out = dir.0.join("receipt.json");
    write_receipt(&dir.0, &out, &[]);
    // The max attestation age at a minute: a policy author's pack of testdata.
    let pack = crate::packs::build(&crate::testdata("author_packs/max_age_one_minute"));
    let (code, report) = verify(&[
        out.to_str().unwrap(),
        "--bundle",
        dir.0.to_str().unwrap(),
        "--policy-dir",
        pack.0.to_str().unwrap(),
    ]);
    assert_eq!(code, 5);
    let k = kinds(&report);
    assert!(
        k.contains(&("policy changed".into(), "replay.policy_pack.sha256".into())),
        "{k:?}"
    );
    assert!(
        k.iter()
            .any(|(kind, f)| kind == "decision changed" && f == "allowed_claim"),
        "stale at 60 s: {k:?}"
    );
}

#[test]
fn an_edited_allowed_claim_is_a_receipt_edit() {
    let dir = copy_bundle("tee_pass_no_output_digest", "tamper-receipt");
    let out = dir.0.join("receipt.json");
    write_receipt(&dir.0, &out, &[]);
    let text = std::fs::read_to_string(&out).unwrap();
    let edited = text.replace(
        "\"allowed_claim\":[",
        "\"allowed_claim\":[{\"id\":\"job.ran_under_policy\",\"sentence\":\"This job ran under the named verifier policy and produced the output digest above.\"},",
    );
    assert_ne!(text, edited);
    std::fs::write(&out, edited).unwrap();
    // Without the bundle, the receipt's own digest already shows the edit.
    let (code, report) = verify(&[out.to_str().unwrap()]);
    assert_eq!(code, 5);
    assert_eq!(
        kinds(&report),
        [("receipt edited".to_string(), "decision_id".to_string())]
    );
    let (_, report) = verify(&[out.to_str().unwrap(), "--bundle", dir.0.to_str().unwrap()]);
    assert!(kinds(&report).contains(&("decision changed".into(), "allowed_claim".into())));
}

fn keypair(dir: &Path, name: &str) -> Option<(String, String)> {
    let key = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub"));
    let gen = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&key)
        .status()
        .ok()?;
    let pubout = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .status()
        .ok()?;
    (gen.success() && pubout.success())
        .then(|| (key.display().to_string(), public.display().to_string()))
}

#[test]
fn a_signed_receipt_verifies_with_its_key_and_not_with_another_or_edited() {
    let dir = copy_bundle("full_pass", "signed");
    let Some((key, public)) = keypair(&dir.0, "k") else {
        panic!("openssl is needed to make test keys");
    };
    let (_, other) = keypair(&dir.0, "other").unwrap();
    let out = dir.0.join("receipt.dsse.json");
    write_receipt(&dir.0, &out, &["--sign", &key]);
    let (code, report) = verify(&[
        out.to_str().unwrap(),
        "--key",
        &public,
        "--bundle",
        dir.0.to_str().unwrap(),
    ]);
    assert_eq!(
        (code, &report["signature"]),
        (0, &serde_json::json!("verified")),
        "{report}"
    );
    let (code, report) = verify(&[out.to_str().unwrap()]);
    assert_eq!(
        (code, &report["signature"]),
        (0, &serde_json::json!("not_checked"))
    );
    let (code, report) = verify(&[out.to_str().unwrap(), "--key", &other]);
    assert_eq!(code, 5);
    assert_eq!(kinds(&report)[0].0, "signature");
    // Flip one signature byte.
    let mut env: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let sig = env["signatures"][0]["sig"].as_str().unwrap().to_string();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('A') { "B" } else { "A" },
        &sig[1..]
    );
    env["signatures"][0]["sig"] = flipped.into();
    std::fs::write(&out, env.to_string()).unwrap();
    let (code, report) = verify(&[out.to_str().unwrap(), "--key", &public]);
    assert_eq!(code, 5);
    assert_eq!(
        kinds(&report)[0],
        ("signature".to_string(), "signatures".to_string())
    );
}

#[test]
fn the_statement_names_the_output_as_its_subject() {
    let (code, out, _) = run(&["receipt", "testdata/bundles/full_pass", "--statement"]);
    assert_eq!(code, 0);
    let st: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(st["predicateType"], claimgate::PREDICATE_TYPE);
    assert_eq!(
        st["subject"][0]["digest"]["sha256"],
        "96191eeb7f187a1359b3f57ea3649938a556db3020adb55aa2af3782a7b5409c"
    );
    assert_eq!(st["predicate"]["schema"], "claimgate.receipt/v1");
}

#[test]
fn a_garbage_receipt_is_bad_input() {
    let dir = Scratch::new("garbage-receipt");
    let p = dir.0.join("r.json");
    std::fs::write(&p, "{not json").unwrap();
    let (code, _, err) = run(&["verify", p.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    std::fs::write(&p, "{\"schema\": \"something/else\"}").unwrap();
    let (code, _, err) = run(&["verify", p.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
}

#[test]
fn the_recorded_regorus_version_is_the_one_built() {
    let lock = std::fs::read_to_string("Cargo.lock").unwrap();
    let at = lock.find("name = \"regorus\"").unwrap();
    let version = lock[at..].lines().nth(1).unwrap();
    assert_eq!(
        version,
        format!("version = \"{}\"", claimgate::REGORUS_VERSION)
    );
}

#[test]
fn a_key_with_an_unsigned_receipt_fails_and_a_bad_key_is_named() {
    let dir = copy_bundle("full_pass", "unsigned-with-key");
    let Some((_, public)) = keypair(&dir.0, "k") else {
        panic!("openssl is needed to make test keys");
    };
    let out = dir.0.join("receipt.json");
    write_receipt(&dir.0, &out, &[]);
    let (code, report) = verify(&[out.to_str().unwrap(), "--key", &public]);
    assert_eq!(code, 5);
    assert_eq!(kinds(&report)[0].0, "signature");
    let bad = dir.0.join("bad.pub");
    std::fs::write(&bad, "not a key").unwrap();
    let (code, _, err) = run(&[
        "verify",
        out.to_str().unwrap(),
        "--key",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 3);
    assert!(err.contains("bad.pub"), "{err}");
}

#[test]
fn the_same_pack_from_a_directory_replays_an_embedded_receipt() {
    let dir = copy_bundle("full_pass", "pack-origin");
    let out = dir.0.join("receipt.json");
    write_receipt(&dir.0, &out, &[]);
    let (code, report) = verify(&[
        out.to_str().unwrap(),
        "--bundle",
        dir.0.to_str().unwrap(),
        "--policy-dir",
        ".",
    ]);
    assert_eq!(code, 0, "{report}");
}

/// A receipt is untrusted text: what `verify` prints for people from it (a document id in a
/// field name, an edited value) cannot start a line, fake the verdict or reorder what a
/// reviewer reads.
#[test]
fn verify_prints_no_receipt_text_raw() {
    let dir = copy_bundle("full_pass", "verify-hostile-text");
    let out = dir.0.join("receipt.json");
    write_receipt(&dir.0, &out, &[]);
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    r["replay"]["documents"][0]["id"] = "x]\nok: every checked field matches\n[".into();
    r["job_id"] = "job\u{202e}gnp.exe\u{2028}ok: every checked field matches".into();
    std::fs::write(&out, serde_json::to_vec(&r).unwrap()).unwrap();
    let (code, text, err) = run(&[
        "verify",
        out.to_str().unwrap(),
        "--bundle",
        dir.0.to_str().unwrap(),
    ]);
    assert_eq!(code, 5, "{err}");
    assert!(text.ends_with("FAILED\n"), "{text}");
    for line in text.lines() {
        assert!(
            !line.starts_with("ok:"),
            "a receipt forged a verdict line: {text}"
        );
    }
    for c in ['\u{202e}', '\u{2028}'] {
        assert!(!text.contains(c), "{c:?} printed raw: {text}");
    }
}
