//! `claimgate schema FORMAT`: each schema, printed by the real binary, is a valid JSON Schema,
//! and what claimgate reads and writes validates against it: every testdata bundle manifest and
//! native document, the evidence and decision of every bundle, the catalog, the upstream config.
//! Bundles that claimgate refuses for their shape fail the schema too.

use crate::{embedded, testdata};
use claimgate::schema::Format;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn printed(format: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args(["schema", format])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "schema {format}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// Every bundle manifest under testdata that claimgate loads.
fn manifests() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["bundles", "formats"] {
        for e in std::fs::read_dir(testdata(dir)).unwrap() {
            let p = e.unwrap().path().join("bundle.yaml");
            if p.is_file() {
                out.push(p);
            }
        }
    }
    for pattern in [
        "realworld/*/*.bundle.yaml",
        "author_packs/*/bundles/*/bundle.yaml",
    ] {
        let pattern = testdata(pattern).display().to_string();
        out.extend(glob::glob(&pattern).unwrap().map(Result::unwrap));
    }
    out.sort();
    out
}

#[test]
fn every_schema_the_binary_prints_compiles_and_names_its_format() {
    for f in Format::ALL {
        let schema = printed(f.name());
        validator(&schema);
        assert_eq!(schema, f.schema(), "{}", f.name());
        let id = schema["$id"].as_str().unwrap();
        assert!(id.starts_with("https://claimgate.dev/schemas/"), "{id}");
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
}

#[test]
fn every_testdata_manifest_and_native_document_matches_the_bundle_schema() {
    let schema = printed("bundle");
    let manifest = validator(&schema);
    let mut checked = (0, 0);
    for path in manifests() {
        let doc = yaml(&path);
        let errs = errors(&manifest, &doc);
        assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
        checked.0 += 1;
        // Each native document file against its kind's shape.
        for entry in doc["documents"].as_array().into_iter().flatten() {
            let (Some(kind), Some(rel)) = (entry["kind"].as_str(), entry["path"].as_str()) else {
                continue;
            };
            let def = schema["$defs"]
                .as_object()
                .unwrap()
                .keys()
                .find(|k| k.to_lowercase() == kind.replace('_', ""));
            let Some(def) = def else { continue }; // an upstream kind: read as it is
            let one =
                serde_json::json!({"$defs": schema["$defs"], "$ref": format!("#/$defs/{def}")});
            let file = path.parent().unwrap().join(rel);
            let errs = errors(&validator(&one), &yaml(&file));
            assert!(errs.is_empty(), "{}: {errs:#?}", file.display());
            checked.1 += 1;
        }
    }
    assert!(checked.0 >= 30 && checked.1 >= 30, "{checked:?}");

    // A field no reader knows fails the document's shape, inline as in a file.
    let mut doc = yaml(&testdata("bundles/full_pass/bundle.yaml"));
    let attestation = yaml(&testdata("bundles/full_pass/attestation.yaml"));
    doc["documents"][1] = serde_json::json!({"kind": "attestation_result", "data": attestation});
    assert!(errors(&manifest, &doc).is_empty());
    doc["documents"][1]["data"]["debug_enabled_maybe"] = true.into();
    assert!(!errors(&manifest, &doc).is_empty());
}

#[test]
fn manifests_claimgate_refuses_for_their_shape_fail_the_schema() {
    let manifest = validator(&printed("bundle"));
    for case in [
        "unknown_field",
        "unknown_kind",
        "wrong_schema",
        "missing_job_id",
    ] {
        let dir = testdata("bad").join(case);
        let file = ["bundle.yaml", "bundle.json"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .unwrap();
        let doc = yaml(&file);
        assert!(
            !errors(&manifest, &doc).is_empty(),
            "{case} passes the schema"
        );
    }
}

#[test]
fn the_evidence_and_decision_of_every_bundle_match_their_schemas() {
    let evidence = validator(&printed("evidence"));
    let decision = validator(&printed("decision"));
    let engine = embedded();
    let mut n = 0;
    for path in manifests() {
        let bundle = claimgate::Bundle::load(&path).unwrap();
        let at = claimgate::At::BundleOr(claimgate::Instant::from_unix(1_795_608_000).unwrap());
        let ev = engine.evidence(&bundle, at).unwrap();
        let ev = serde_json::to_value(&ev).unwrap();
        let errs = errors(&evidence, &ev);
        assert!(errs.is_empty(), "evidence of {}: {errs:#?}", path.display());
        let d = crate::evaluate(&path, engine, None).unwrap();
        let d = serde_json::to_value(&d).unwrap();
        let errs = errors(&decision, &d);
        assert!(errs.is_empty(), "decision of {}: {errs:#?}", path.display());
        n += 1;
    }
    assert!(n >= 30, "{n}");
}

#[test]
fn the_catalog_and_the_upstream_config_match_their_schemas() {
    let catalog = validator(&printed("catalog"));
    let doc = yaml(&crate::repo().join("claims/catalog.yaml"));
    let errs = errors(&catalog, &doc);
    assert!(errs.is_empty(), "{errs:#?}");
    let mut broken = doc.clone();
    broken["claims"][0]["box"] = "somewhere".into();
    assert!(!errors(&catalog, &broken).is_empty());

    let upstream = validator(&printed("upstream"));
    let doc = yaml(&testdata("upstream/upstream.yaml"));
    let errs = errors(&upstream, &doc);
    assert!(errs.is_empty(), "{errs:#?}");
    let mut broken = doc.clone();
    broken["policies"][0]["rego"] = "v2".into();
    assert!(!errors(&upstream, &broken).is_empty());
}

#[test]
fn lint_sarif_is_valid_against_the_official_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(testdata("schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let sarif = validator(&schema);
    let pack = crate::packs::build(&testdata("author_packs/lint_advice"));
    let out = Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args(["lint", &pack.0.display().to_string(), "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errs = errors(&sarif, &log);
    assert!(errs.is_empty(), "{errs:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    for code in [
        "unused-rule",
        "claim-without-rule",
        "block-reach",
        "long-line",
    ] {
        assert!(rules.contains(&code), "{code} missing: {rules:?}");
    }
    // The catalog finding has no line: no region, as SARIF's startLine must be at least 1.
    let catalog = results
        .iter()
        .find(|r| r["ruleId"] == "claim-without-rule")
        .unwrap();
    assert!(catalog["locations"][0]["physicalLocation"]["region"].is_null());
}
