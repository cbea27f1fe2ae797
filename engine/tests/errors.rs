use crate::{relative, run};

/// Every directory under testdata/bad is one bad bundle: a located error, exit code 3.
#[test]
fn every_bad_bundle_is_a_clear_error() {
    insta::glob!("../../testdata", "bad/*", |dir| {
        let dir = relative(dir);
        let (code, stdout, err) = run(&["eval", dir.to_str().unwrap()]);
        assert_eq!(code, 3, "{}: {err}", dir.display());
        assert!(stdout.is_empty(), "an error must not print a decision");
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(err);
        });
    });
}

#[test]
fn a_missing_bundle_is_bad_input() {
    let (code, _, err) = run(&["eval", "../testdata/bundles/no-such-bundle"]);
    assert_eq!(code, 3);
    assert!(err.contains("no such file or directory"), "{err}");
}

#[test]
fn syntax_errors_point_at_the_line() {
    let (_, _, err) = run(&["eval", "../testdata/bad/yaml_syntax"]);
    assert!(err.contains("bundle.yaml:4:"), "{err}");
    let (_, _, err) = run(&["eval", "../testdata/bad/json_syntax"]);
    assert!(err.contains("bundle.json:3:"), "{err}");
}

#[test]
fn every_diagnostic_code_is_documented() {
    let doc = std::fs::read_to_string("../docs/diagnostics.md").unwrap();
    let src: String = [
        "src/bundle.rs",
        "src/policy/mod.rs",
        "src/lib.rs",
        "src/gate/mod.rs",
        "src/gate/claimed.rs",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(f).unwrap())
    .collect();
    let mut codes: Vec<&str> = src
        .match_indices("code(claimgate::")
        .map(|(i, _)| {
            let rest = &src[i + 5..];
            &rest[..rest.find(')').unwrap()]
        })
        .collect();
    codes.sort_unstable();
    let before = codes.len();
    codes.dedup();
    assert_eq!(before, codes.len(), "diagnostic codes must be unique");
    for c in codes {
        assert!(
            doc.contains(&format!("`{c}`")),
            "docs/diagnostics.md does not document `{c}`"
        );
    }
}
