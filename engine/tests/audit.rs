//! `claimgate audit`: every case under `testdata/audit/` (a receipt and what it shows, in
//! `about.txt`, in `bundle.txt` the bundle it summarizes, in `article.md` the text published
//! around it) audited by the real binary, human and JSON, and against its bundle and text, with
//! the exit code.

use crate::binary;
use std::path::Path;

fn audit_case(dir: &Path) {
    // Paths as the repository names them: the binary runs at its root.
    let relative = |name: &str| {
        dir.join(name)
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    let rel = relative("receipt.json");
    let about = std::fs::read_to_string(dir.join("about.txt")).unwrap();
    // `bundle.txt`, when there is one, names the bundle the receipt summarizes; `article.md`,
    // when there is one, is the text published around it. Both go in one more run.
    let bundle = std::fs::read_to_string(dir.join("bundle.txt")).ok();
    let article = relative("article.md");
    let mut record = String::new();
    let mut runs: Vec<Vec<&str>> = vec![vec![], vec!["--format", "json"]];
    let mut with: Vec<&str> = Vec::new();
    if let Some(b) = &bundle {
        with.extend(["--bundle", b.trim()]);
    }
    if dir.join("article.md").is_file() {
        with.extend(["--text", article.as_str()]);
    }
    if !with.is_empty() {
        runs.push(with);
    }
    for extra in runs {
        let format = if extra.contains(&"json") {
            "json"
        } else {
            "human"
        };
        let mut args = vec!["audit", rel.as_str()];
        args.extend(&extra);
        let (code, out, err) = binary(&args);
        assert!(err.is_empty(), "{rel}: {err}");
        record.push_str(&format!("$ {}\nexit {code}\n{out}", args.join(" ")));
        if format == "json" {
            // The JSON says what the exit code says.
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["ok"].as_bool(), Some(code == 0), "{rel}");
        }
    }
    insta::with_settings!({ omit_expression => true, description => about.trim() }, {
        insta::assert_snapshot!(record);
    });
}

#[test]
fn every_audit_case_reports_as_its_snapshot_says() {
    // `testdata/review/` is the runnable example of docs/review.md, audited like the cases.
    insta::glob!("../../testdata", "audit/*", audit_case);
    insta::glob!("../../testdata", "review", audit_case);
}

#[test]
fn the_placeholder_receipt_names_each_of_its_five_digests_and_exits_1() {
    let (code, out, _) = binary(&["audit", "testdata/audit/placeholders/receipt.json"]);
    assert_eq!(code, 1);
    for field in [
        "workload_digest",
        "input_commitment",
        "runtime_measurement.measurement_digest",
        "attestation_result.evidence_digest",
        "output_digest",
    ] {
        assert!(
            out.lines().any(|l| l
                .starts_with("error[malformed-digest] testdata/audit/placeholders/receipt.json:")
                && l.contains(&format!(" {field}: "))),
            "{field} not reported:\n{out}"
        );
    }
    assert!(out.contains("label:     verifier_path_record"), "{out}");
    assert!(out.contains("error[claim-unsupported]"), "{out}");
}

#[test]
fn a_file_that_is_not_a_receipt_is_bad_input() {
    let (code, _, err) = binary(&["audit", "testdata/bundles/full_pass/bundle.yaml"]);
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = binary(&["audit", "testdata/formats/kbs_error/policy-deny.json"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("author_receipt"), "{err}");
}
