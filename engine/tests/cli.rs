use crate::{run, Scratch};
use std::process::Command;

fn help(sub: &str) -> String {
    use clap::CommandFactory;
    let mut cmd = claimgate::cli::Cli::command()
        .version("0.0.0")
        .color(clap::ColorChoice::Never)
        .term_width(100);
    let sub = cmd.find_subcommand_mut(sub).unwrap();
    sub.render_long_help().to_string()
}

#[test]
fn help_texts() {
    for sub in [
        "eval", "evidence", "gate", "receipt", "verify", "schema", "table", "diff", "check", "test",
    ] {
        insta::assert_snapshot!(format!("help_{sub}"), help(sub));
    }
}

#[test]
fn exit_codes_follow_the_table() {
    assert_eq!(run(&["eval", "testdata/bundles/full_pass"]).0, 0);
    assert_eq!(run(&["eval", "testdata/bad/unknown_kind"]).0, 3);
    assert_eq!(
        run(&[
            "eval",
            "testdata/bundles/full_pass",
            "--policy-dir",
            "testdata/bundles"
        ])
        .0,
        4
    );
    assert_eq!(run(&["test"]).0, 0);
    use clap::Parser;
    let usage = claimgate::cli::Cli::try_parse_from(["claimgate", "eval", "x", "--format", "pdf"])
        .unwrap_err();
    assert_eq!(usage.exit_code(), 2);
}

#[test]
fn at_pins_the_evaluation_instant() {
    let (code, out, _) = run(&[
        "eval",
        "testdata/bundles/stale_attestation",
        "--at",
        "2026-11-24T09:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("\"label\": \"compute_receipt\""), "{out}");
    assert!(out.contains("\"evaluated_at\": \"2026-11-24T09:00:00Z\""));
}

fn binary(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("CLAIMGATE_ERROR_FORMAT")
        .output()
        .unwrap()
}

#[test]
fn the_readme_command_prints_a_compute_receipt() {
    let out = binary(&["eval", "testdata/bundles/full_pass"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("label:   compute_receipt"), "{text}");
    assert!(text.contains(
        "This job ran under the named verifier policy and produced the output digest above."
    ));
}

#[test]
fn the_denial_as_json_from_the_binary() {
    let out = binary(&[
        "eval",
        "testdata/bundles/verifier_denial",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["label"], "verifier_path_record");
    assert!(d["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == "verifier.path_exercised"));
    let job = d["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "job.ran_under_policy")
        .unwrap();
    assert!(!job["reasons"].as_array().unwrap().is_empty());
}

#[test]
fn errors_go_to_stderr_with_a_code_and_json_on_request() {
    let out = binary(&["eval", "testdata/bad/wrong_type"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("claimgate::bundle::parse"), "{err}");
    let out = binary(&["--error-format", "json", "eval", "testdata/bad/wrong_type"]);
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "claimgate::bundle::parse");
    // The label says where in the file, as line and column as well as a byte offset.
    let label = &err["labels"][0];
    assert_eq!(label["file"], "testdata/bad/wrong_type/attestation.yaml");
    assert_eq!(
        (label["line"].as_u64(), label["column"].as_u64()),
        (Some(5), Some(16))
    );
    let text = std::fs::read_to_string("testdata/bad/wrong_type/attestation.yaml").unwrap();
    let offset = usize::try_from(label["offset"].as_u64().unwrap()).unwrap();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    assert_eq!(text[..offset].matches('\n').count() + 1, 5);
    assert_eq!(offset - line_start + 1, 16);
}

#[test]
fn evidence_prints_the_policy_input() {
    let (code, out, _) = run(&["evidence", "testdata/bundles/seed_placeholders"]);
    assert_eq!(code, 0);
    let ev: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ev["schema"], "claimgate.evidence/v2");
    assert_eq!(ev["job"]["output_digest"]["state"], "malformed");
    assert_eq!(ev["job"]["output_digest"]["raw"], "sha256:result_bundle");
    assert!(ev["job"]["output_digest"].get("hex").is_none());
    // Facts as the documents state them; what they mean is the pack's judgment.
    let att = &ev["runtime"]["attestations"][0];
    assert!(att["issued_at"]["unix"].is_i64(), "{att}");
    assert!(att.get("freshness").is_none(), "{att}");
}

#[cfg(unix)]
#[test]
fn a_bare_file_name_bundle_still_refuses_symlinks_out() {
    let dir = crate::Scratch::new("bare-symlink");
    let outside = crate::Scratch::new("bare-symlink-outside");
    std::fs::write(
        outside.0.join("secret.yaml"),
        "target: x\ndigest: \"sha256:00\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.0.join("secret.yaml"), dir.0.join("link.yaml")).unwrap();
    std::fs::write(
        dir.0.join("sym.yaml"),
        "schema: claimgate.bundle/v1\njob:\n  job_id: j\ndocuments:\n  - kind: runtime_measurement\n    path: link.yaml\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args(["eval", "sym.yaml"])
        .current_dir(&dir.0)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symlink"));
}

/// The published crate carries the default pack it embeds (policies/ and claims/ at the
/// repository root), so a build from crates.io decides like this checkout.
#[test]
fn the_package_ships_the_default_pack() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8(out.stdout).unwrap();
    let listed: Vec<&str> = listed.lines().collect();
    for f in claimgate::Pack::embedded().files {
        assert!(
            listed.contains(&f.name.as_str()),
            "{} is not packaged",
            f.name
        );
    }
    assert!(listed.contains(&"engine/build.rs"));
    assert!(
        !listed.iter().any(|f| f.starts_with("testdata/")),
        "{listed:?}"
    );
}

/// Every example runs and its assertions hold (`cargo test` builds them next to this binary).
#[test]
fn the_examples_run() {
    let examples = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples");
    for name in ["decide", "decide_many", "from_memory", "receipt"] {
        let out = Command::new(examples.join(name))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap_or_else(|e| panic!("{name}: {e} (cargo test builds the examples)"));
        assert!(
            out.status.success(),
            "{name}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The long commands count their decisions on stderr when a person watches a terminal, and
/// write nothing extra into a pipe or a log.
#[test]
fn progress_shows_on_a_terminal_only() {
    let piped = binary(&["table", "--space", "quick", "--format", "csv"]);
    assert!(piped.status.success());
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    // `script` (util-linux, in every Debian) runs the command on a pseudo-terminal.
    let Ok(on_tty) = Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "{} table --space quick --format csv >/dev/null",
            env!("CARGO_BIN_EXE_claimgate")
        ))
        .arg("/dev/null")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
    else {
        assert!(std::env::var_os("CI").is_none(), "`script` is missing");
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: no `script` command to make a terminal"
        );
        return;
    };
    let shown = String::from_utf8_lossy(&on_tty.stdout);
    assert!(on_tty.status.success(), "{shown}");
    assert!(shown.contains(" cells decided ("), "{shown}");
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line() {
    let subcommands = [
        "eval", "evidence", "gate", "receipt", "verify", "schema", "table", "diff", "check", "test",
    ];
    let bash = binary(&["completions", "bash"]);
    assert!(bash.status.success());
    let script = String::from_utf8(bash.stdout).unwrap();
    for sub in subcommands {
        assert!(script.contains(sub), "bash completion lacks {sub}");
    }
    assert!(script.contains("--allow-uncovered") && script.contains("--threshold"));
    // The script is bash: `bash -n` parses it without running it.
    let dir = Scratch::new("completions");
    let file = dir.0.join("claimgate.bash");
    std::fs::write(&file, &script).unwrap();
    let parsed = Command::new("bash").arg("-n").arg(&file).status().unwrap();
    assert!(parsed.success(), "bash -n rejects the completion script");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = binary(&["completions", shell]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
    assert_eq!(binary(&["completions", "tcsh"]).status.code(), Some(2));

    let man = String::from_utf8(binary(&["man"]).stdout).unwrap();
    assert!(
        man.starts_with(".ie"),
        "roff: {}",
        &man[..40.min(man.len())]
    );
    assert!(man.contains(".TH claimgate 1"));
    for sub in subcommands {
        assert!(
            man.contains(&format!(".TH claimgate-{sub} 1")),
            "man lacks {sub}"
        );
    }
}

#[test]
fn explain_follows_a_blocked_claim_to_the_condition_and_the_field() {
    let (code, out, err) = run(&[
        "explain",
        "testdata/bundles/benchmark_only",
        "--claim",
        "runtime.environment_attested",
    ]);
    assert_eq!(code, 0, "{err}");
    // The decision's reasons, then the chain: the claim rule stops at the binding requirement,
    // which stops at the workload digest, which reads a field this bundle leaves absent.
    assert!(
        out.starts_with("runtime.environment_attested: blocked\n"),
        "{out}"
    );
    assert!(out.contains("because requires attestation_bound_to_job: no workload digest"));
    assert!(out.contains("stopped at claims/claims.rego:19: req.attestation_bound_to_job"));
    assert!(out.contains(
        "claimgate.requirements.workload_digest (claims/requirements.rego:93) did not hold"
    ));
    assert!(
        out.contains("input.job.workload_digest.state = \"absent\""),
        "{out}"
    );

    let (code, out, _) = run(&[
        "explain",
        "testdata/bundles/full_pass",
        "--claim",
        "job.ran_under_policy",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "allowed");
    assert_eq!(v["rules"][0]["held"], true);

    // A counterfactual: the job claim needs only the output digest this bundle lacks.
    let (code, out, _) = run(&[
        "explain",
        "testdata/bundles/tee_pass_no_output_digest",
        "--claim",
        "job.ran_under_policy",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.ends_with("it would be allowed if the evidence had:\n  input.job.output_digest.state = \"valid\"\n"),
        "{out}"
    );

    let (code, _, err) = run(&[
        "explain",
        "testdata/bundles/full_pass",
        "--claim",
        "no.such_claim",
    ]);
    assert_eq!(code, 2, "{err}");
}
