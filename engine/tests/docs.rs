//! The documentation's examples are run and compared, so a page cannot drift from the program.
//!
//! In the pages of [`PAGES`] (`docs/policy-authoring.md`, `docs/audit.md`, `docs/review.md`),
//! every `rego` and `yaml` snippet is (a part of) a file of the
//! repository under test, and every `console` block is run: each `$ command` line in a shell at
//! the repository root (`target/release/claimgate` is the binary under test, `/tmp/` a scratch
//! directory), its standard output and error compared with the lines below it. A `…` line
//! stands for any lines. `sh` blocks are the page's set-up steps, run in order.
//!
//! The pages' `diff` and `check` examples use `--space quick`, so the test takes seconds.

use crate::{repo, Scratch};
use std::path::Path;
use std::process::Command;

/// The pages whose examples are checked.
const PAGES: &[&str] = &[
    "docs/policy-authoring.md",
    "docs/audit.md",
    "docs/review.md",
];

struct Block {
    lang: String,
    line: usize,
    text: String,
}

fn blocks(page: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, l) in page.lines().enumerate() {
        match (&mut open, l.strip_prefix("```")) {
            (None, Some(lang)) => {
                open = Some(Block {
                    lang: lang.trim().to_string(),
                    line: i + 1,
                    text: String::new(),
                })
            }
            (Some(_), Some("")) => out.extend(open.take()),
            (Some(b), _) => {
                b.text.push_str(l);
                b.text.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// Every text file the snippets may come from.
fn sources() -> Vec<String> {
    let mut out = Vec::new();
    for pattern in [
        "policies/**/*",
        "claims/**/*",
        "testdata/**/*.rego",
        "testdata/**/*.yaml",
        "engine/tests/*.rs",
    ] {
        let pattern = repo().join(pattern).display().to_string();
        for p in glob::glob(&pattern).unwrap().map(Result::unwrap) {
            if let Ok(text) = std::fs::read_to_string(&p) {
                out.push(text);
            }
        }
    }
    out
}

/// `a` with each line's trailing space and the tabs a page shows as spaces evened out.
fn even(a: &str) -> String {
    a.lines()
        .map(|l| l.replace('\t', "    ").trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn shell(script: &str, scratch: &Path) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CG", env!("CARGO_BIN_EXE_claimgate"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("CLAIMGATE_UPSTREAM_DIR")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(&scratch.display().to_string(), "/tmp")
}

fn localize(cmd: &str, scratch: &Path) -> String {
    cmd.replace("target/release/claimgate", "\"$CG\"")
        .replace("/tmp/", &format!("{}/", scratch.display()))
}

/// Whether `got` reads as `expected`, where a `…` line of `expected` stands for any lines.
fn matches(expected: &[&str], got: &[&str]) -> bool {
    match expected.split_first() {
        None => got.iter().all(|g| g.trim().is_empty()),
        Some((e, rest)) if e.trim() == "…" => {
            (0..=got.len()).any(|n| matches(rest, got.get(n..).unwrap_or_default()))
        }
        Some((e, rest)) => got
            .split_first()
            .is_some_and(|(g, more)| g.trim_end() == e.trim_end() && matches(rest, more)),
    }
}

#[test]
fn docs_examples_snippets_are_files_and_console_blocks_run_as_shown() {
    if Command::new("jq").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "jq is missing (.ci/run installs it)"
        );
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: the pages' examples pipe through jq, which is not installed"
        );
        return;
    }
    let files: Vec<String> = sources().iter().map(|t| even(t)).collect();
    let scratch = Scratch::new("docs");
    let mut failures = Vec::new();
    let mut counted = (0, 0);
    for page in PAGES {
        let text = std::fs::read_to_string(repo().join(page)).unwrap();
        for b in blocks(&text) {
            let at = format!("{page}:{}", b.line);
            match b.lang.as_str() {
                "rego" | "yaml" => {
                    counted.0 += 1;
                    let snippet = even(&b.text);
                    if !files.iter().any(|f| f.contains(&snippet)) {
                        failures.push(format!(
                            "{at}: this {} snippet is in no file of the repository",
                            b.lang
                        ));
                    }
                }
                "sh" => {
                    shell(&localize(&b.text, &scratch.0), &scratch.0);
                }
                "console" => {
                    counted.1 += 1;
                    // Each `$ command` and the lines it prints.
                    // `$?` of each command is kept across the echoed prompt line.
                    let mut script = String::from("s=0\n");
                    for l in b.text.lines() {
                        if let Some(cmd) = l.strip_prefix("$ ") {
                            script.push_str(&format!(
                                "printf '%s\\n' {}\n(exit $s); {} 2>&1; s=$?\n",
                                shell_quote(l),
                                localize(cmd, &scratch.0)
                            ));
                        }
                    }
                    let got = shell(&script, &scratch.0);
                    let expected: Vec<&str> = b.text.lines().collect();
                    let got_lines: Vec<&str> = got.lines().collect();
                    if !matches(&expected, &got_lines) {
                        failures.push(format!("{at}: expected\n{}\ngot\n{got}", b.text));
                    }
                }
                _ => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the pages' examples differ:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(counted.0 >= 10 && counted.1 >= 10, "{counted:?}");
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
