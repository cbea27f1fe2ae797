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
    let (code, _, err) = run(&["eval", "testdata/bundles/no-such-bundle"]);
    assert_eq!(code, 3);
    assert!(err.contains("no such file or directory"), "{err}");
}

#[test]
fn syntax_errors_point_at_the_line() {
    let (_, _, err) = run(&["eval", "testdata/bad/yaml_syntax"]);
    assert!(err.contains("bundle.yaml:4:"), "{err}");
    let (_, _, err) = run(&["eval", "testdata/bad/json_syntax"]);
    assert!(err.contains("bundle.json:3:"), "{err}");
}

#[test]
fn every_diagnostic_code_is_documented() {
    let doc = std::fs::read_to_string("docs/diagnostics.md").unwrap();
    // Every source file: a code is declared where its error type is.
    let mut files = vec![std::path::PathBuf::from("engine/src")];
    let mut src = String::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") {
            src.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
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
    for c in &codes {
        assert!(
            doc.contains(&format!("`{c}`")),
            "docs/diagnostics.md does not document `{c}`"
        );
    }
    // And the page documents no error code that no longer exists (gate findings, listed
    // last, are rule ids, not errors).
    let errors = &doc[..doc.find("## Gate findings").unwrap()];
    for (i, _) in errors.match_indices("| `claimgate::") {
        let code = &errors[i + 3..];
        let code = &code[..code.find('`').unwrap()];
        assert!(
            codes.contains(&code),
            "docs/diagnostics.md documents `{code}`, which no error has"
        );
    }
}
