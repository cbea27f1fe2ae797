//! The registry against the kinds, the docs and every testdata document: each upstream kind has
//! one adapter, a docs entry and a `testdata/formats/<kind>/` folder, and each document is
//! detected as exactly the kind it is read as.
#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use super::detect;
use super::{input_builder, REGISTRY};
use crate::document::{Document, Kind};
use crate::evidence::{InputShape, UpstreamInput};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn manifests(pattern: &str) -> Vec<PathBuf> {
    let pattern = testdata().join(pattern);
    let mut paths: Vec<PathBuf> = glob::glob(&pattern.to_string_lossy())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no manifest matches {}",
        pattern.display()
    );
    paths
}

/// An upstream document as a bundle read it: where, which kind, what value.
struct Read {
    path: String,
    kind: Kind,
    value: Value,
}

/// The upstream documents of a bundle, with their paths relative to `testdata/`.
fn upstream_documents(manifest: &Path) -> Result<Vec<Read>, crate::bundle::BundleError> {
    let bundle = crate::Bundle::load(manifest)?;
    let root = match &bundle.files {
        crate::bundle::Files::Dir(root) => root.clone(),
        crate::bundle::Files::Memory(_) => std::path::PathBuf::new(),
    };
    Ok(bundle
        .documents
        .iter()
        .filter_map(|e| match &e.document {
            Document::Upstream(kind, value) => Some(Read {
                path: e.file.as_ref().map_or_else(
                    || format!("{} ({})", manifest.display(), e.id),
                    |f| {
                        let p = root.join(f);
                        p.strip_prefix(testdata())
                            .unwrap_or(&p)
                            .display()
                            .to_string()
                    },
                ),
                kind: *kind,
                value: value.clone(),
            }),
            _ => None,
        })
        .collect())
}

fn upstream_kinds() -> Vec<Kind> {
    Kind::ALL.into_iter().filter(|k| k.is_upstream()).collect()
}

#[test]
fn the_registry_lists_every_upstream_kind_once_in_documented_order() {
    let listed: Vec<Kind> = REGISTRY.iter().map(|a| a.kind()).collect();
    assert_eq!(listed, upstream_kinds());
}

#[test]
fn every_upstream_kind_is_documented() {
    let readme = std::fs::read_to_string(testdata().join("../docs/formats/README.md")).unwrap();
    for kind in upstream_kinds() {
        let row = format!("| `{}` |", kind.name());
        // One row in the kinds table (with its page), one in the detection table.
        assert_eq!(
            readme.matches(&row).count(),
            2,
            "{row} in docs/formats/README.md"
        );
        let page = readme
            .lines()
            .find(|l| l.starts_with(&row))
            .and_then(|l| l.rsplit("](").next())
            .and_then(|l| l.split(['#', ')']).next())
            .unwrap();
        assert!(
            testdata().join("../docs/formats").join(page).is_file(),
            "{} names the page {page}, which does not exist",
            kind.name()
        );
    }
}

#[test]
fn every_kind_has_a_testdata_folder_of_its_own_documents() {
    for kind in upstream_kinds() {
        let manifest = testdata().join(format!("formats/{}/bundle.yaml", kind.name()));
        let docs = upstream_documents(&manifest).unwrap();
        assert!(!docs.is_empty(), "{} has no document", manifest.display());
        for d in docs {
            assert_eq!(d.kind, kind, "{} is read as `{}`", d.path, d.kind.name());
        }
    }
    for dir in std::fs::read_dir(testdata().join("formats")).unwrap() {
        let name = dir.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            Kind::from_name(&name).is_some_and(Kind::is_upstream),
            "testdata/formats/{name} is not an upstream kind"
        );
    }
}

/// Exactly one adapter claims each document: the bundles that name its kind, and the ones
/// that let it be detected, agree with the registry.
#[test]
fn every_testdata_document_is_detected_as_exactly_its_kind() {
    let mut checked = 0;
    for pattern in [
        "formats/*/bundle.yaml",
        "bundles/*/bundle.*",
        "realworld/*/*.bundle.yaml",
    ] {
        for manifest in manifests(pattern) {
            for d in upstream_documents(&manifest).unwrap() {
                assert_eq!(detect(&d.value), vec![d.kind], "{}", d.path);
                checked += 1;
            }
        }
    }
    // Hostile cases name kinds on crafted documents; those that load must still be unambiguous.
    for pattern in ["hostile/*/bundle/bundle.yaml", "hostile/*/bundle.yaml"] {
        for manifest in manifests(pattern) {
            for d in upstream_documents(&manifest).unwrap_or_default() {
                assert_eq!(detect(&d.value), vec![d.kind], "{}", d.path);
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} documents");
}

/// `testdata/formats/<kind>/README.md` lists the real documents of its kind (`- realworld/…`);
/// each real document is listed once, under the kind it is read as.
#[test]
fn every_real_document_is_listed_under_its_kind() {
    let mut listed = BTreeMap::new();
    for kind in upstream_kinds() {
        let readme = testdata().join(format!("formats/{}/README.md", kind.name()));
        for line in std::fs::read_to_string(&readme).unwrap().lines() {
            if let Some(path) = line.strip_prefix("- realworld/") {
                let before = listed.insert(format!("realworld/{path}"), kind);
                assert!(before.is_none(), "realworld/{path} is listed twice");
            }
        }
    }
    let mut read = BTreeMap::new();
    for manifest in manifests("realworld/*/*.bundle.yaml") {
        for d in upstream_documents(&manifest).unwrap() {
            read.insert(d.path, d.kind);
        }
    }
    assert_eq!(listed, read);
}

#[test]
fn a_document_two_adapters_claim_is_ambiguous() {
    let both = json!({"result_code": 0, "claims": [], "x-nvidia-overall-att-result": true});
    assert_eq!(detect(&both), vec![Kind::NvidiaOverall, Kind::Nvattest]);
    assert_eq!(detect(&json!({"hello": "world"})), Vec::<Kind>::new());
}

fn built(kind: Kind, shape: InputShape, claims: &Value) -> Option<Vec<UpstreamInput>> {
    input_builder(kind, shape).map(|build| build(claims))
}

#[test]
fn each_format_builds_the_inputs_it_can_and_no_other() {
    let device_kinds = [Kind::NvidiaClaims, Kind::NvidiaDetachedEat, Kind::Nvattest];
    for kind in Kind::ALL {
        let upstream = kind.is_upstream();
        assert_eq!(
            input_builder(kind, InputShape::Document).is_some(),
            upstream,
            "{}",
            kind.name()
        );
        assert_eq!(
            input_builder(kind, InputShape::EarTeeClaims).is_some(),
            matches!(
                kind,
                Kind::TrusteeEar
                    | Kind::VeraisonEar
                    | Kind::TrusteeTeeClaims
                    | Kind::TrusteeGpuClaims
            ),
            "{}",
            kind.name()
        );
        assert_eq!(
            input_builder(kind, InputShape::VeraisonAppraisal).is_some(),
            matches!(kind, Kind::TrusteeEar | Kind::VeraisonEar),
            "{}",
            kind.name()
        );
        for shape in [InputShape::NvidiaDeviceAsTee, InputShape::NvidiaClaimsArray] {
            assert_eq!(
                input_builder(kind, shape).is_some(),
                device_kinds.contains(&kind),
                "{} {}",
                kind.name(),
                shape.name()
            );
        }
    }
}

#[test]
fn device_inputs_are_each_formats_devices() {
    let gpu = json!({"measres": "success", "x-nvidia-gpu-arch-check": true});
    let switch = json!({"x-nvidia-switch-arch-check": true});
    let typed = |d: &Value, t: &str| {
        let mut d = d.clone();
        d["x-nvidia-device-type"] = json!(t);
        d
    };
    let array = |docs: &[Value]| {
        Some(vec![UpstreamInput {
            subject: None,
            input: Value::Array(docs.to_vec()),
        }])
    };
    // Keyed NRAS claims: the device type is filled in from the claim names.
    let keyed = json!({"GPU-0": gpu, "SWITCH-0": switch});
    assert_eq!(
        built(Kind::NvidiaClaims, InputShape::NvidiaClaimsArray, &keyed),
        array(&[typed(&gpu, "gpu"), typed(&switch, "nvswitch")])
    );
    // The SDK array of two devices is two devices (not a detached EAT's token map).
    let sdk = json!([typed(&gpu, "gpu"), typed(&switch, "nvswitch")]);
    assert_eq!(
        built(Kind::NvidiaClaims, InputShape::NvidiaClaimsArray, &sdk),
        array(&[typed(&gpu, "gpu"), typed(&switch, "nvswitch")])
    );
    let out = json!({"result_code": 0, "claims": [typed(&gpu, "gpu")]});
    assert_eq!(
        built(Kind::Nvattest, InputShape::NvidiaDeviceAsTee, &out),
        Some(vec![UpstreamInput {
            subject: Some("device0".into()),
            input: json!({"nvidia": typed(&gpu, "gpu")}),
        }])
    );
    // A detached EAT's device tokens are decoded; one that does not decode gives no input.
    let token = |claims: &Value| {
        let b64 = |s: &str| {
            crate::jwt::base64_encode(s.as_bytes())
                .trim_end_matches('=')
                .replace('+', "-")
                .replace('/', "_")
        };
        format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(&claims.to_string()))
    };
    let eat = json!([["JWT", token(&json!({}))], {"GPU-0": token(&gpu), "GPU-1": "not a token"}]);
    assert_eq!(
        built(Kind::NvidiaDetachedEat, InputShape::NvidiaDeviceAsTee, &eat),
        Some(vec![UpstreamInput {
            subject: Some("GPU-0".into()),
            input: json!({ "nvidia": gpu }),
        }])
    );
}

#[test]
fn ear_inputs_are_each_submods_tee_claims() {
    let ear =
        json!({"submods": {"cpu0": {"ear.veraison.annotated-evidence": {"tdx": {}}}, "gpu0": {}}});
    assert_eq!(
        built(Kind::TrusteeEar, InputShape::EarTeeClaims, &ear),
        Some(vec![
            UpstreamInput {
                subject: Some("cpu0".into()),
                input: json!({"tdx": {}}),
            },
            UpstreamInput {
                subject: Some("gpu0".into()),
                input: Value::Null,
            },
        ])
    );
    // A bare submods map has no `submods` key: no input.
    let bare = json!({"PSA_IOT": {"ear.status": "affirming"}});
    assert_eq!(
        built(Kind::VeraisonEar, InputShape::EarTeeClaims, &bare),
        Some(Vec::new())
    );
    assert_eq!(
        built(Kind::VeraisonEar, InputShape::Document, &bare),
        Some(vec![UpstreamInput {
            subject: None,
            input: bare.clone(),
        }])
    );
}

#[test]
fn veraison_inputs_are_each_submod_as_its_agent_builds_them() {
    let sub = json!({"ear.status": "affirming", "ear.veraison.annotated-evidence": {"psa-nonce": "AA=="}});
    let bare = json!({"PSA_IOT": sub});
    assert_eq!(
        built(Kind::VeraisonEar, InputShape::VeraisonAppraisal, &bare),
        Some(vec![UpstreamInput {
            subject: Some("PSA_IOT".into()),
            input: json!({"scheme": "PSA_IOT", "session": {}, "result": sub,
                          "evidence": {"psa-nonce": "AA=="}, "endorsements": []}),
        }])
    );
    // A full EAR: its submods, and its nonce as the session's.
    let full = json!({"eat_profile": "tag:github.com,2023:veraison/ear", "eat_nonce": "bm9uY2U",
                      "submods": {"CCA_REALM": {"ear.status": "warning"}}});
    assert_eq!(
        built(Kind::VeraisonEar, InputShape::VeraisonAppraisal, &full),
        Some(vec![UpstreamInput {
            subject: Some("CCA_REALM".into()),
            input: json!({"scheme": "CCA_REALM", "session": {"nonce": "bm9uY2U"},
                          "result": {"ear.status": "warning"}, "evidence": {}, "endorsements": []}),
        }])
    );
}
