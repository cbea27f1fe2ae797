//! Every command's output, byte for byte, in every format it offers: what `report/` writes for
//! `eval`, `table`, `diff`, `check`, `verify` and `test` (`gate` is in gate.rs). Scratch paths
//! are named (`PACK`, `EXAMPLES`, `DIR`); the decision table, too long to read, is pinned by its
//! size, sha256 and first lines.
use crate::{run, testdata, Scratch};
use std::path::Path;

/// `$ args`, the exit code, stdout and any error, with each scratch path replaced by its name.
fn shown(args: &[&str], names: &[(&Path, &str)]) -> String {
    let (code, out, err) = run(args);
    let mut s = format!("$ {}\nexit {code}\n{out}{err}", args.join(" "));
    for (path, name) in names {
        s = s.replace(path.to_str().unwrap(), name);
    }
    s
}

/// The formats a subcommand's `--format` offers: every one is snapshotted, so a format added
/// to a command without its reporter fails here.
fn offered(sub: &str) -> Vec<String> {
    use clap::CommandFactory;
    let cmd = claimgate::cli::Cli::command();
    let format = cmd
        .find_subcommand(sub)
        .and_then(|c| c.get_arguments().find(|a| a.get_id() == "format"))
        .unwrap_or_else(|| panic!("`{sub}` has no --format"));
    format
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect()
}

/// The same command in each format it offers.
fn each_format(name: &str, args: &[&str], names: &[(&Path, &str)]) {
    let sub = args[0];
    for format in offered(sub) {
        let mut argv = args.to_vec();
        argv.extend(["--format", &format]);
        let mut text = shown(&argv, names);
        if format == "html" {
            text = pin_script_data(&text);
        }
        insta::assert_snapshot!(format!("{name}_{format}"), text);
    }
}

/// The page with its data (one long line of JSON, drawn by the script) pinned by size and
/// digest, so the snapshot shows the words a reviewer reads.
fn pin_script_data(page: &str) -> String {
    use sha2::Digest;
    let open = "<script type=\"application/json\" id=\"data\">";
    let Some((before, rest)) = page.split_once(open) else {
        return page.to_string();
    };
    let (data, after) = rest.split_once("</script>").unwrap();
    serde_json::from_str::<serde_json::Value>(data).expect("the page's data is JSON");
    let script = after.split_once("<script>").map_or(after, |(_, s)| s);
    format!(
        "{before}{open}[{} bytes of JSON, sha256 {:x}]</script>\n<script>[{} bytes]</script>\n",
        data.len(),
        sha2::Sha256::digest(data.as_bytes()),
        script.len()
    )
}

#[test]
fn eval_in_every_format() {
    for bundle in ["full_pass", "verifier_denial"] {
        let path = format!("testdata/bundles/{bundle}");
        each_format(&format!("eval_{bundle}"), &["eval", &path], &[]);
    }
}

#[test]
fn table_in_every_format() {
    use sha2::Digest;
    for format in offered("table") {
        let (code, out, err) = run(&["table", "--space", "quick", "--format", &format]);
        assert_eq!(code, 0, "{err}");
        let head: Vec<&str> = out.lines().take(4).collect();
        let pinned = format!(
            "exit {code}\n{} bytes, {} lines, sha256 {:x}\n{}\n",
            out.len(),
            out.lines().count(),
            sha2::Sha256::digest(out.as_bytes()),
            head.join("\n")
        );
        insta::assert_snapshot!(format!("table_quick_{format}"), pinned);
    }
}

/// An irregular rule: the job's output is hidden when an odd number of these facts hold. Its
/// cells need more than eight cubes to describe, which markdown shortens.
const UNEVEN: &str = r#"package claimgate.claims

block contains {"id": "job.output_bound", "msg": "an odd number of facts"} if {
	facts := [
		input.job.workload_digest.state == "valid",
		input.job.input_commitment.state == "valid",
		count(input.runtime.attestations) > 0,
		count(input.capacity.benchmarks) > 0,
		count(input.storage.facts) > 0,
	]
	count([f | some f in facts; f]) % 2 == 1
}
"#;

#[test]
fn diff_in_every_format() {
    // A widening; narrowings with a label change and a long description; nothing at all.
    for case in [
        "bad_packs/job_claim_without_verifier",
        "author_packs/max_age_one_minute",
    ] {
        let name = case.rsplit('/').next().unwrap();
        let pack = crate::packs::build_in(&testdata(case), &format!("render-diff-pack-{name}"));
        if name == "max_age_one_minute" {
            std::fs::write(pack.0.join("claims/uneven.rego"), UNEVEN).unwrap();
        }
        let examples = Scratch::new(&format!("render-diff-{name}"));
        let (p, e) = (pack.0.to_str().unwrap(), examples.0.to_str().unwrap());
        let args = [
            "diff",
            "--base",
            "embedded",
            "--head",
            p,
            "--space",
            "quick",
            "--corpus",
            "testdata/bundles",
            "--write-examples",
            e,
        ];
        let names = [
            (pack.0.as_path(), "PACK"),
            (examples.0.as_path(), "EXAMPLES"),
        ];
        each_format(&format!("diff_{name}"), &args, &names);
    }
    let same = [
        "diff", "--base", "embedded", "--head", "embedded", "--space", "quick",
    ];
    each_format("diff_no_change", &same, &[]);
}

#[test]
fn check_in_every_format() {
    // `check` offers markdown and writes its human text for it.
    each_format("check_embedded", &["check", "--space", "quick"], &[]);
    let pack = crate::packs::build_in(
        &testdata("bad_packs/benchmark_moves_job_claim"),
        "render-check-pack",
    );
    let examples = Scratch::new("render-check");
    let args = [
        "check",
        "--space",
        "quick",
        "--policy-dir",
        pack.0.to_str().unwrap(),
        "--write-examples",
        examples.0.to_str().unwrap(),
    ];
    let names = [
        (pack.0.as_path(), "PACK"),
        (examples.0.as_path(), "EXAMPLES"),
    ];
    each_format("check_broken", &args, &names);
}

#[test]
fn test_results() {
    insta::assert_snapshot!("test_embedded", shown(&["test"], &[]));
    // A passing, a failing and an erroring test.
    let overlay = Scratch::new("render-test-overlay");
    std::fs::create_dir_all(overlay.0.join("claims")).unwrap();
    std::fs::write(
        overlay.0.join("claims/render_test.rego"),
        "package claimgate.render_test\n\n\
         test_passes if { 1 == 1 }\n\n\
         test_fails if { 1 == 2 }\n\n\
         test_errors if { to_number(\"not a number\") == 1 }\n",
    )
    .unwrap();
    let pack = Scratch::new("render-test-pack");
    crate::policy::write_pack(&pack.0, &overlay.0);
    let args = ["test", "--policy-dir", pack.0.to_str().unwrap()];
    let (_, out, _) = run(&args);
    let mine: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("render_test") || !l.starts_with("PASS "))
        .collect();
    insta::assert_snapshot!(
        "test_pass_fail_error",
        mine.join("\n").replace(pack.0.to_str().unwrap(), "PACK")
    );
}

/// A fixed Ed25519 key pair (private PKCS#8 PEM, public SPKI PEM) written into `dir`.
fn keypair(dir: &Path, name: &str, seed: u8) -> (String, String) {
    use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey, EncodePublicKey};
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let (private, public) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.pub")),
    );
    std::fs::write(
        &private,
        key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
    )
    .unwrap();
    let pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    std::fs::write(&public, pem).unwrap();
    (
        private.to_str().unwrap().to_string(),
        public.to_str().unwrap().to_string(),
    )
}

#[test]
fn verify_in_every_format() {
    let dir = Scratch::new("render-verify");
    let bundle = dir.0.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    for e in std::fs::read_dir(testdata("bundles/full_pass")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, bundle.join(p.file_name().unwrap())).unwrap();
    }
    let names = [(dir.0.as_path(), "DIR")];
    let b = bundle.to_str().unwrap();
    let receipt = |name: &str, extra: &[&str]| {
        let out = dir.0.join(name);
        let mut args = vec!["eval", b, "--receipt", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        assert_eq!(run(&args).0, 0);
        out.to_str().unwrap().to_string()
    };
    let (key, public) = keypair(&dir.0, "k", 7);
    let (_, other) = keypair(&dir.0, "other", 9);
    let plain = receipt("receipt.json", &[]);
    let signed = receipt("receipt.dsse.json", &["--sign", &key]);
    let statement = receipt("receipt.statement.json", &["--statement"]);

    each_format("verify_plain", &["verify", &plain], &names);
    each_format(
        "verify_replayed",
        &["verify", &plain, "--bundle", b],
        &names,
    );
    let signed_ok = ["verify", &signed, "--key", &public, "--bundle", b];
    each_format("verify_signed", &signed_ok, &names);
    each_format("verify_signed_unchecked", &["verify", &signed], &names);
    let wrong = ["verify", &signed, "--key", &other];
    each_format("verify_signed_other_key", &wrong, &names);
    let unsigned = ["verify", &plain, "--key", &public];
    each_format("verify_unsigned_with_key", &unsigned, &names);

    // A Statement naming another subject.
    let mut st: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&statement).unwrap()).unwrap();
    st["subject"][0]["digest"]["sha256"] = "00".into();
    std::fs::write(&statement, st.to_string()).unwrap();
    each_format("verify_statement_edited", &["verify", &statement], &names);

    // An edited receipt, not in canonical form, replayed from a changed bundle.
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plain).unwrap()).unwrap();
    r["label"] = "compute_receipt_plus".into();
    std::fs::write(&plain, serde_json::to_string_pretty(&r).unwrap()).unwrap();
    std::fs::write(bundle.join("result.txt"), "another answer\n").unwrap();
    let edited = ["verify", &plain, "--bundle", b];
    each_format("verify_edited_and_replayed", &edited, &names);
}
