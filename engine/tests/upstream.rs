//! Upstream policies run unchanged from CLAIMGATE_UPSTREAM_DIR (CI: shared/realworld).
//! Without that variable these tests print that they were not run, and pass.
use crate::{realworld::provenance_hashes, run, testdata, Scratch};
use claimgate::Digest;
use std::path::PathBuf;

const CONFIG: &str = "testdata/upstream/upstream.yaml";

fn upstream_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("CLAIMGATE_UPSTREAM_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            // Written to the handle, not through eprintln!, so the test harness does not
            // swallow it: a skipped test must say so.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "NOT RUN: upstream::{test}: CLAIMGATE_UPSTREAM_DIR is not set (.ci/run sets it to shared/realworld)"
            );
            None
        }
    }
}

fn eval(bundle: &str) -> serde_json::Value {
    let (code, out, err) = run(&[
        "eval",
        &format!("testdata/realworld/{bundle}"),
        "--upstream",
        CONFIG,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn decision<'a>(d: &'a serde_json::Value, policy: &str) -> Vec<&'a serde_json::Value> {
    d["verifier_decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["policy_id"] == policy)
        .collect()
}

#[test]
fn upstream_files_are_unchanged() {
    let Some(dir) = upstream_dir("upstream_files_are_unchanged") else {
        return;
    };
    let provenance = std::fs::read_to_string(dir.join("PROVENANCE.md")).unwrap();
    let config = std::fs::read_to_string(CONFIG).unwrap();
    let mut checked = 0;
    for (want, path) in provenance_hashes(&provenance)
        .into_iter()
        .filter(|(_, p)| p.ends_with(".rego"))
    {
        let got = Digest::sha256_file(&dir.join(&path)).unwrap();
        assert_eq!(got.hex, want, "{path} differs from its provenance record");
        assert!(config.contains(&want), "upstream.yaml does not pin {path}");
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn trustee_cpu_policy_reproduces_the_tokens_own_trust_vector() {
    if upstream_dir("trustee_cpu_policy_reproduces_the_tokens_own_trust_vector").is_none() {
        return;
    }
    let d = eval("trustee/example.token.bundle.yaml");
    let cpu = decision(&d, "trustee_ear_default_cpu");
    assert_eq!(cpu.len(), 1);
    assert_eq!(cpu[0]["status"], "reject");
    // The token says: configuration 36, executables 33, hardware 97 (the rest 0).
    let token: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("realworld/trustee/example.token.json")).unwrap(),
    )
    .unwrap();
    let tv = &token["submods"]["cpu0"]["ear.trustworthiness-vector"];
    for claim in ["configuration", "executables", "hardware"] {
        let want = format!("{claim} {}", tv[claim]);
        assert!(
            cpu[0]["reason"].as_str().unwrap().contains(&want),
            "{} lacks {want}",
            cpu[0]["reason"]
        );
    }
    assert_eq!(decision(&d, "trustee_kbs_affirming")[0]["status"], "reject");
}

#[test]
fn nv_match_passes_the_sdk_claims_dstack_evaluated() {
    if upstream_dir("nv_match_passes_the_sdk_claims_dstack_evaluated").is_none() {
        return;
    }
    let d = eval("dstack/gpu_attestation_h100.bundle.yaml");
    assert_eq!(decision(&d, "nvidia_nv_match")[0]["status"], "pass");
    assert_eq!(decision(&d, "nvattest")[0]["status"], "pass");
}

#[test]
fn nv_match_fails_where_ocsp_fields_are_absent_and_passes_when_stated() {
    if upstream_dir("nv_match_fails_where_ocsp_fields_are_absent_and_passes_when_stated").is_none()
    {
        return;
    }
    let d = eval("nvidia-attestation-sdk/hopperClaimsv3_decoded.bundle.yaml");
    assert_eq!(decision(&d, "nvidia_nv_match")[0]["status"], "reject");
    // State the two OCSP results the NRAS v3 claims leave out (the SDK assumes them true):
    // nothing else differs, and nv_match passes.
    let scratch = Scratch::new("ocsp-stated");
    let mut claims: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata(
            "realworld/nvidia-attestation-sdk/hopperClaimsv3_decoded.json",
        ))
        .unwrap(),
    )
    .unwrap();
    for chain in [
        "x-nvidia-gpu-attestation-report-cert-chain",
        "x-nvidia-gpu-driver-rim-cert-chain",
        "x-nvidia-gpu-vbios-rim-cert-chain",
    ] {
        let c = claims["GPU-0"][chain].as_object_mut().unwrap();
        c.insert("x-nvidia-cert-ocsp-nonce-matches".into(), true.into());
        c.insert("x-nvidia-cert-ocsp-response-valid".into(), true.into());
    }
    std::fs::write(scratch.0.join("claims.json"), claims.to_string()).unwrap();
    std::fs::write(
        scratch.0.join("bundle.yaml"),
        "schema: claimgate.bundle/v1\nevaluated_at: \"2025-06-11T00:31:00Z\"\njob:\n  job_id: stated\ndocuments:\n  - path: claims.json\n",
    )
    .unwrap();
    let (code, out, err) = run(&[
        "eval",
        scratch.0.to_str().unwrap(),
        "--upstream",
        CONFIG,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(decision(&d, "nvidia_nv_match")[0]["status"], "pass");
    assert_eq!(decision(&d, "gpu_tee_policy_v3")[0]["status"], "pass");
}

#[test]
fn a_changed_upstream_file_is_refused() {
    let Some(dir) = upstream_dir("a_changed_upstream_file_is_refused") else {
        return;
    };
    let scratch = Scratch::new("tampered-upstream");
    let sub = scratch.0.join("trustee");
    std::fs::create_dir_all(&sub).unwrap();
    let mut text =
        std::fs::read_to_string(dir.join("trustee/kbs_sample_policy_affirming.rego")).unwrap();
    text = text.replace("count(input.submods) > 0", "count(input.submods) >= 0");
    std::fs::write(sub.join("kbs_sample_policy_affirming.rego"), text).unwrap();
    let config = std::fs::read_to_string(CONFIG).unwrap();
    let start = config.find("  - id: trustee_kbs_affirming").unwrap();
    let end = config[start..]
        .find("\n\n")
        .map_or(config.len(), |e| start + e);
    let one = format!(
        "schema: claimgate.upstream/v1\npolicies:\n{}\n",
        config[start..end].replace("${CLAIMGATE_UPSTREAM_DIR}", scratch.0.to_str().unwrap())
    );
    let cfg = scratch.0.join("upstream.yaml");
    std::fs::write(&cfg, one).unwrap();
    let (code, _, err) = run(&[
        "eval",
        "testdata/realworld/trustee/example.token.bundle.yaml",
        "--upstream",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, 4);
    assert!(err.contains("the config pins"), "{err}");
}

#[test]
fn the_v0_policy_needs_v0_mode() {
    let Some(dir) = upstream_dir("the_v0_policy_needs_v0_mode") else {
        return;
    };
    let scratch = Scratch::new("v0-as-v1");
    let config = format!(
        "schema: claimgate.upstream/v1\npolicies:\n  - id: nv\n    file: {}\n    rego: v1\n    entrypoint: data.policy.nv_match\n    applies_to: [nvattest]\n    input: nvidia_claims_array\n    result: boolean\n",
        dir.join("nvidia-attestation-sdk/builtin_overall_result_policy.rego").display()
    );
    let cfg = scratch.0.join("upstream.yaml");
    std::fs::write(&cfg, config).unwrap();
    let (code, _, err) = run(&[
        "eval",
        "testdata/realworld/dstack/gpu_attestation_h100.bundle.yaml",
        "--upstream",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, 4);
    assert!(
        err.contains("claimgate::policy::compile") && err.contains("`if` keyword is required"),
        "{err}"
    );
}

#[test]
fn a_missing_variable_is_a_clear_error() {
    let scratch = Scratch::new("no-var");
    let cfg = scratch.0.join("upstream.yaml");
    std::fs::write(
        &cfg,
        "schema: claimgate.upstream/v1\npolicies:\n  - id: x\n    file: ${CLAIMGATE_SURELY_UNSET_VAR}/x.rego\n    rego: v1\n    entrypoint: data.policy.allow\n    applies_to: [trustee_ear]\n    input: document\n    result: boolean\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "eval",
        "testdata/bundles/full_pass",
        "--upstream",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, 4);
    assert!(
        err.contains("CLAIMGATE_SURELY_UNSET_VAR, which is not set"),
        "{err}"
    );
}

/// A policy whose input a kind it applies to cannot build is an unusable config: an error on
/// every evaluation (exit 4), also of a bundle without such a document, never a skipped policy.
#[test]
fn an_input_a_kind_cannot_build_is_an_error() {
    let scratch = Scratch::new("unbuildable-input");
    std::fs::write(
        scratch.0.join("allow.rego"),
        "package policy\n\nallow := true\n",
    )
    .unwrap();
    let cfg = scratch.0.join("upstream.yaml");
    std::fs::write(
        &cfg,
        "schema: claimgate.upstream/v1\npolicies:\n  - id: devices\n    file: allow.rego\n    rego: v1\n    entrypoint: data.policy.allow\n    applies_to: [nvidia_claims, nvidia_overall]\n    input: nvidia_device_as_tee\n    result: boolean\n",
    )
    .unwrap();
    for bundle in [
        "testdata/realworld/nvtrust/gpu_remote.bundle.yaml",
        "testdata/bundles/benchmark_only",
    ] {
        let (code, _, err) = run(&["eval", bundle, "--upstream", cfg.to_str().unwrap()]);
        assert_eq!(code, 4, "{bundle}: {err}");
        // The message as one line, whatever the renderer's wrapping.
        let flat = err
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.starts_with("claimgate::policy::upstream")
                && flat.contains("policy `devices` applies to `nvidia_overall` documents, which cannot build the `nvidia_device_as_tee` input"),
            "{err}"
        );
    }
}

/// Every real-world bundle under the upstream policies too: one snapshot each.
#[test]
fn snapshot_realworld_bundles_with_upstream_policies() {
    if upstream_dir("snapshot_realworld_bundles_with_upstream_policies").is_none() {
        return;
    }
    insta::glob!("../../testdata", "realworld/*/*.bundle.yaml", |manifest| {
        let path = crate::relative(manifest);
        let (code, out, err) = run(&[
            "eval",
            path.to_str().unwrap(),
            "--upstream",
            CONFIG,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let d: serde_json::Value = serde_json::from_str(&out).unwrap();
        // The decisions are what the upstream policies add; the rest is in the realworld snapshots.
        insta::with_settings!({ sort_maps => true, omit_expression => true }, {
            insta::assert_yaml_snapshot!(serde_json::json!({
                "label": d["label"],
                "allowed": d["allowed"].as_array().unwrap().iter().map(|a| a["id"].clone()).collect::<Vec<_>>(),
                "verifier_decisions": d["verifier_decisions"],
            }));
        });
    });
}

/// A config case: `testdata/upstream/cases/<name>/` holds `upstream.yaml`, the policy files it
/// names (written for the case) and `case.yaml`:
///
/// ```yaml
/// about: one line
/// runs:
///   - args: [eval, BUNDLE, --upstream, CONFIG, --format, json]   # CONFIG: the case's config
///     exit: 0
///     decisions: {policy_id: [pass]}   # the statuses of that policy's decisions (json output)
///     has: ["text on stdout or stderr"]
/// ```
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigCase {
    about: String,
    runs: Vec<ConfigRun>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigRun {
    args: Vec<String>,
    exit: u8,
    #[serde(default)]
    decisions: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    has: Vec<String>,
}

/// Every upstream config case runs as its case says; the record of its runs is snapshotted.
#[test]
fn upstream_config_cases() {
    insta::glob!("../../testdata", "upstream/cases/*", |dir| {
        let case: ConfigCase =
            serde_yaml::from_str(&std::fs::read_to_string(dir.join("case.yaml")).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let config = crate::relative(&dir.join("upstream.yaml"));
        let config = config.to_str().unwrap();
        let mut record = format!("{}\n", case.about);
        for r in &case.runs {
            let args: Vec<&str> = r
                .args
                .iter()
                .map(|a| if a == "CONFIG" { config } else { a.as_str() })
                .collect();
            let (code, out, err) = run(&args);
            let what = format!("{}: {:?}", dir.display(), r.args);
            assert_eq!(code, r.exit, "{what}\n{out}\n{err}");
            // The message as one line, whatever the renderer's wrapping.
            let flat = format!("{out}\n{err}")
                .replace('│', " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            for h in &r.has {
                assert!(
                    flat.contains(h.as_str()),
                    "{what} must print {h:?}\n{out}\n{err}"
                );
            }
            record.push_str(&format!("$ {}\nexit {code}\n", r.args.join(" ")));
            if !r.decisions.is_empty() {
                let d: serde_json::Value = serde_json::from_str(&out).unwrap();
                for (policy, want) in &r.decisions {
                    let got: Vec<&str> = decision(&d, policy)
                        .iter()
                        .map(|v| v["status"].as_str().unwrap())
                        .collect();
                    assert_eq!(&got, want, "{what}: decisions of {policy}");
                }
                for v in d["verifier_decisions"].as_array().unwrap() {
                    let upstream = v["verifier"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("upstream policy"));
                    if upstream {
                        record.push_str(&format!(
                            "{} {} {}: {}\n",
                            v["policy_id"].as_str().unwrap_or(""),
                            v["source"].as_str().unwrap_or(""),
                            v["status"].as_str().unwrap_or(""),
                            v["reason"].as_str().unwrap_or("")
                        ));
                    }
                }
            } else if code != 0 {
                record.push_str(&err);
            }
        }
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(record);
        });
    });
}

/// Trustee's CPU policy, run by claimgate on the claims the AS copied into its example token,
/// gives the trust vector the AS wrote beside them: the parsed-claims kind is read as the AS
/// hands it to its policy.
#[test]
fn trustee_policy_on_the_tokens_own_claims_gives_its_vector() {
    if upstream_dir("trustee_policy_on_the_tokens_own_claims_gives_its_vector").is_none() {
        return;
    }
    let token: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("realworld/trustee/example.token.json")).unwrap(),
    )
    .unwrap();
    let vector = token["submods"]["cpu0"]["ear.trustworthiness-vector"]
        .as_object()
        .unwrap();
    let stated: Vec<String> = vector
        .iter()
        .filter(|(_, v)| v.as_i64() != Some(0))
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let d = eval("trustee/example.token.annotated-evidence.bundle.yaml");
    let cpu = decision(&d, "trustee_ear_default_cpu");
    assert_eq!(cpu.len(), 1);
    assert_eq!(
        cpu[0]["reason"],
        format!(
            "data.policy.trust_claims: {} → contraindicated",
            stated.join(", ")
        )
    );
    assert_eq!(cpu[0]["status"], "reject");
}
