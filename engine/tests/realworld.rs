//! Real upstream documents (testdata/realworld): byte-identical copies, each with a bundle.
use crate::{relative, testdata};
use claimgate::Digest;
use claimgate::{Decision, Label};
fn pack() -> &'static claimgate::Engine {
    crate::embedded()
}

fn eval(rel: &str) -> Decision {
    crate::evaluate(&testdata(&format!("realworld/{rel}")), pack(), None).unwrap()
}

/// `sha256  path` lines of a PROVENANCE file.
pub fn provenance_hashes(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let (h, p) = l.split_once("  ")?;
            (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (h.to_string(), p.trim().to_string()))
        })
        .collect()
}

#[test]
fn copies_are_byte_identical_to_their_provenance() {
    let text = std::fs::read_to_string(testdata("realworld/PROVENANCE.md")).unwrap();
    let hashes = provenance_hashes(&text);
    // Every document here is listed, and only those.
    let mut documents = Vec::new();
    for dir in std::fs::read_dir(testdata("realworld")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().to_string();
            if !name.ends_with(".bundle.yaml") {
                let project = dir.file_name().unwrap().to_string_lossy().to_string();
                documents.push(format!("{project}/{name}"));
            }
        }
    }
    documents.sort();
    let mut listed: Vec<String> = hashes.iter().map(|(_, p)| p.clone()).collect();
    listed.sort();
    assert_eq!(listed, documents);
    for (want, path) in hashes {
        let got = Digest::sha256_file(&testdata(&format!("realworld/{path}"))).unwrap();
        assert_eq!(got.hex, want, "{path}");
    }
}

#[test]
fn every_document_has_a_bundle() {
    let text = std::fs::read_to_string(testdata("realworld/PROVENANCE.md")).unwrap();
    for (_, path) in provenance_hashes(&text) {
        let dir = testdata(&format!("realworld/{}", path.rsplit_once('/').unwrap().0));
        let file = path.rsplit('/').next().unwrap();
        let covered = std::fs::read_dir(&dir).unwrap().any(|e| {
            let p = e.unwrap().path();
            p.to_string_lossy().ends_with(".bundle.yaml")
                && std::fs::read_to_string(&p)
                    .unwrap()
                    .contains(&format!("path: {file}"))
        });
        assert!(covered, "no bundle reads {path}");
    }
}

/// One snapshot per real-world bundle; the manifest's comment gives the reasoning.
#[test]
fn snapshot_every_realworld_bundle() {
    insta::glob!("../../testdata", "realworld/*/*.bundle.yaml", |manifest| {
        let path = relative(manifest);
        let decision = crate::evaluate(&path, pack(), None).unwrap();
        insta::with_settings!({ sort_maps => true, omit_expression => true }, {
            insta::assert_yaml_snapshot!(decision);
        });
    });
}

#[test]
fn trustee_contraindicated_token_is_rejected() {
    let d = eval("trustee/example.token.bundle.yaml");
    let ear = d
        .verifier_decisions
        .iter()
        .find(|v| v.policy_id == "default")
        .unwrap();
    assert_eq!(ear.status.name(), "reject");
    assert!(ear.reason.contains("contraindicated"), "{}", ear.reason);
    assert!(!d.allows("runtime.environment_attested"));
    assert!(d.allows("verifier.path_exercised"));
}

#[test]
fn veraison_tiers_map_to_decisions() {
    let good = eval("veraison/results.psa.good.bundle.yaml");
    assert!(good
        .verifier_decisions
        .iter()
        .any(|v| v.policy_id == "policy:PSA_IOT" && v.status.name() == "pass"));
    let bad = eval("veraison/results.psa.freshness-fail.bundle.yaml");
    assert_eq!(bad.verifier_status.map(|s| s.name()), Some("reject"));
}

#[test]
fn absent_ocsp_fields_are_unknown_not_passed() {
    let d = eval("nvidia-attestation-sdk/hopperClaimsv3_decoded.bundle.yaml");
    let v = &d.verifier_decisions[0];
    assert_eq!(v.status.name(), "hold");
    assert!(
        v.reason
            .contains("x-nvidia-cert-ocsp-nonce-matches is absent"),
        "{}",
        v.reason
    );
    assert!(!d.allows("runtime.environment_attested"));
}

#[test]
fn a_nonce_mismatch_names_both_values() {
    let d = eval("nvidia-attestation-sdk/hopperClaimsv3_decoded.wrong-nonce.bundle.yaml");
    let rt = d
        .blocked
        .iter()
        .find(|b| b.id == "runtime.environment_attested")
        .unwrap();
    let why = rt.reasons.join(" ");
    assert!(
        why.contains("expected `0000000000000000000000000000000000000000000000000000000000000000`"),
        "{why}"
    );
    assert!(
        why.contains("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"),
        "{why}"
    );
}

#[test]
fn a_local_nvattest_appraisal_stays_local() {
    let d = eval("dstack/gpu_attestation_h100.bundle.yaml");
    // No workload digest binds it: the runtime claim is for the attested environment.
    assert!(!d.allows("runtime.environment_attested"));
    let rt = d
        .allowed
        .iter()
        .find(|a| a.id == "runtime.environment_appraised")
        .unwrap();
    assert!(
        rt.sentence
            .contains("NVAT-LOCAL-VERIFIER (a local verifier)"),
        "{}",
        rt.sentence
    );
    assert_eq!(
        d.label,
        Label::VerifierPathRecord,
        "no job digests: never a compute receipt"
    );
}

#[test]
fn akash_persistent_storage_is_provider_local() {
    let d = eval("akash/Llama-3.1-8B.bundle.yaml");
    assert_eq!(d.label, Label::DeploymentNote);
    assert!(d.allows("storage.provider_local"));
    assert!(!d.allows("storage.backup_shown"));
}

fn scratch_bundle(tag: &str, doc_name: &str, doc: &str, entry: &str) -> crate::Scratch {
    let dir = crate::Scratch::new(tag);
    std::fs::write(dir.0.join(doc_name), doc).unwrap();
    std::fs::write(
        dir.0.join("bundle.yaml"),
        format!("schema: claimgate.bundle/v1\nevaluated_at: \"2026-11-25T12:00:00Z\"\njob:\n  job_id: j\ndocuments:\n{entry}"),
    )
    .unwrap();
    dir
}

#[test]
fn a_named_upstream_kind_must_have_that_shape() {
    let dir = scratch_bundle(
        "wrong-kind",
        "x.json",
        "{\"hello\": \"world\"}",
        "  - kind: kbs_error\n    path: x.json\n",
    );
    let (code, _, err) = crate::run(&["eval", dir.0.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert!(err.contains("does not have that format's shape"), "{err}");
}

#[test]
fn a_kbs_error_that_ran_no_policy_is_no_decision() {
    let doc = "{\"type\":\"https://github.com/confidential-containers/kbs/errors/TokenNotFound\",\"detail\":\"Attestation Token not found\"}";
    let dir = scratch_bundle("kbs-token", "kbs.json", doc, "  - path: kbs.json\n");
    let d = crate::evaluate(&dir.0, pack(), None).unwrap();
    assert!(
        d.verifier_decisions.is_empty(),
        "{:?}",
        d.verifier_decisions
    );
    assert!(!d.allows("verifier.path_exercised"));
    assert!(
        d.problems
            .iter()
            .any(|p| p.msg.contains("not a verifier decision")),
        "{:?}",
        d.problems
    );
}

#[test]
fn a_short_expected_nonce_does_not_match_by_report_data_prefix() {
    // The Trustee token's report data starts with 74 ("t" of "test"): two hex digits prove nothing.
    let token = std::fs::read_to_string(testdata("realworld/trustee/example.token.json")).unwrap();
    let dir = crate::Scratch::new("short-nonce");
    std::fs::write(dir.0.join("t.json"), token).unwrap();
    std::fs::write(
        dir.0.join("bundle.yaml"),
        "schema: claimgate.bundle/v1\nevaluated_at: \"2025-10-14T07:16:00Z\"\nexpected_nonce: \"74\"\njob:\n  job_id: j\ndocuments:\n  - path: t.json\n",
    )
    .unwrap();
    let (code, out, err) = crate::run(&["receipt", dir.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        r["attestation_result"]["results"][0]["nonce"], "missing",
        "{out}"
    );
}

fn b64url(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64UrlUnpadded::encode_string(bytes)
}

/// The Trustee example claims as an ES384-signed JWT, with the signer's public key.
fn signed_token(seed: u8) -> (String, String) {
    use p384::ecdsa::signature::Signer;
    use p384::pkcs8::{EncodePublicKey, LineEnding};
    let key = p384::ecdsa::SigningKey::from_slice(&[seed; 48]).unwrap();
    let claims = std::fs::read(testdata("realworld/trustee/example.token.json")).unwrap();
    let input = format!(
        "{}.{}",
        b64url(br#"{"alg":"ES384","typ":"JWT"}"#),
        b64url(&claims)
    );
    let sig: p384::ecdsa::Signature = key.sign(input.as_bytes());
    let pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    (format!("{input}.{}", b64url(&sig.to_bytes())), pem)
}

fn signature_state(dir: &std::path::Path, keys: &[&std::path::Path]) -> (String, String) {
    let mut args = vec!["receipt".to_string(), dir.display().to_string()];
    for k in keys {
        args.push("--jws-key".into());
        args.push(k.display().to_string());
    }
    let (code, out, err) = crate::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let att = &r["attestation_result"]["results"][0];
    let gpu = r["policy_decision"]["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["policy_id"] == "gpu_tee_policy_v3")
        .map(|d| d["reason"].as_str().unwrap().to_string())
        .unwrap_or_default();
    (att["signature"].as_str().unwrap().to_string(), gpu)
}

#[test]
fn jws_signatures_are_verified_only_when_asked_and_only_with_a_trusted_key() {
    let (token, pem) = signed_token(7);
    let (_, other_pem) = signed_token(9);
    let dir = crate::Scratch::new("jws");
    std::fs::write(dir.0.join("token.jwt"), &token).unwrap();
    std::fs::write(dir.0.join("key.pem"), &pem).unwrap();
    std::fs::write(dir.0.join("other.pem"), &other_pem).unwrap();
    std::fs::write(
        dir.0.join("bundle.yaml"),
        "schema: claimgate.bundle/v1\nevaluated_at: \"2025-10-14T07:16:00Z\"\njob:\n  job_id: j\ndocuments:\n  - path: token.jwt\n",
    )
    .unwrap();
    assert_eq!(signature_state(&dir.0, &[]).0, "unverified");
    assert_eq!(
        signature_state(&dir.0, &[&dir.0.join("key.pem")]).0,
        "verified"
    );
    let (state, reason) = signature_state(&dir.0, &[&dir.0.join("other.pem")]);
    assert_eq!(state, "invalid");
    assert!(
        reason.contains("verifier check jws signature failed"),
        "{reason}"
    );
    // `evidence` reads signatures with the same keys as `eval`: what the pack saw.
    let evidence = |keys: &[&str]| {
        let mut args = vec!["evidence", dir.0.to_str().unwrap()];
        args.extend_from_slice(keys);
        let (code, out, err) = crate::run(&args);
        assert_eq!(code, 0, "{err}");
        let ev: serde_json::Value = serde_json::from_str(&out).unwrap();
        ev["runtime"]["attestations"][0]["signature"].clone()
    };
    let key = dir.0.join("key.pem");
    assert_eq!(evidence(&[]), "unverified");
    assert_eq!(evidence(&["--jws-key", key.to_str().unwrap()]), "verified");
    // Any trusted key may verify: the right one among others is enough.
    assert_eq!(
        signature_state(&dir.0, &[&dir.0.join("other.pem"), &dir.0.join("key.pem")]).0,
        "verified"
    );
    // A token altered after signing does not verify.
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged =
        b64url(&std::fs::read(testdata("realworld/veraison/results.psa.good.json")).unwrap());
    parts[1] = &forged;
    std::fs::write(dir.0.join("token.jwt"), parts.join(".")).unwrap();
    std::fs::write(
        dir.0.join("bundle.yaml"),
        "schema: claimgate.bundle/v1\nevaluated_at: \"2025-10-14T07:16:00Z\"\njob:\n  job_id: j\ndocuments:\n  - kind: veraison_ear\n    path: token.jwt\n",
    )
    .unwrap();
    assert_eq!(
        signature_state(&dir.0, &[&dir.0.join("key.pem")]).0,
        "invalid"
    );
}
