//! JUnit XML as CI servers read it: `claimgate test --format junit` and `claimgate gate
//! --format junit`, passing and failing, validated with `xmllint` against the Jenkins xUnit
//! plugin's JUnit schema (testdata/schemas/junit-10.xsd, see its PROVENANCE.md).

use crate::{binary, packs, testdata, Scratch};
use std::path::Path;
use std::process::Command;

/// `xmllint --schema` on the document: its complaints, or `None` when xmllint is missing.
pub fn xsd_errors(xml: &str, scratch: &Path, name: &str) -> Option<String> {
    let file = scratch.join(name);
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(testdata("schemas/junit-10.xsd"))
        .arg(&file)
        .output()
        .ok()?;
    Some(if out.status.success() {
        String::new()
    } else {
        String::from_utf8_lossy(&out.stderr).into_owned()
    })
}

#[test]
fn test_and_gate_junit_are_valid_against_the_junit_schema() {
    if Command::new("xmllint").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "xmllint is missing (.ci/run installs libxml2-utils)"
        );
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "NOT RUN: xmllint is not installed");
        return;
    }
    let scratch = Scratch::new("junit");
    let failing = packs::build(&testdata("bad_packs/tests_failing_erroring_and_indented"));
    let failing = failing.0.display().to_string();
    let bundles = testdata("bundles").display().to_string();
    let full_pass = testdata("bundles/full_pass").display().to_string();
    let cases: [(&str, Vec<&str>, i32, &[&str]); 4] = [
        (
            "test-pass.xml",
            vec!["test", "--format", "junit"],
            0,
            &["failures=\"0\""],
        ),
        (
            "test-fail.xml",
            vec!["test", &failing, "--format", "junit"],
            1,
            &["<failure ", "<error "],
        ),
        (
            "gate-pass.xml",
            vec![
                "gate",
                &full_pass,
                "--require",
                "job.ran_under_policy",
                "--format",
                "junit",
            ],
            0,
            &["<testcase "],
        ),
        (
            "gate-fail.xml",
            vec![
                "gate",
                &bundles,
                "--require",
                "job.ran_under_policy",
                "--format",
                "junit",
            ],
            1,
            &["<failure "],
        ),
    ];
    let mut problems = Vec::new();
    for (name, args, code, has) in cases {
        let (got, xml, _) = binary(&args);
        assert_eq!(got, code, "{args:?}\n{xml}");
        for h in has {
            assert!(xml.contains(h), "{name} lacks {h}\n{xml}");
        }
        if let Some(e) = xsd_errors(&xml, &scratch.0, name) {
            if !e.is_empty() {
                problems.push(format!("{name} ({args:?}):\n{e}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
