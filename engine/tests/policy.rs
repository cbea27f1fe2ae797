use crate::{render_error, run, Scratch};
use claimgate::{Engine, Pack, TestOutcome};

/// Writes the embedded pack to `to`, then every file under `overlay` (relative paths kept).
pub(crate) fn write_pack(to: &std::path::Path, overlay: &std::path::Path) {
    for f in Pack::embedded().files {
        let p = to.join(&f.name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.text).unwrap();
    }
    let mut stack: Vec<std::path::PathBuf> = overlay
        .is_dir()
        .then(|| overlay.to_path_buf())
        .into_iter()
        .collect();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                stack.push(e);
            } else {
                let p = to.join(e.strip_prefix(overlay).unwrap());
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::copy(&e, p).unwrap();
            }
        }
    }
}

fn eval_with(dir: &Scratch, bundle: &str) -> (u8, String, String) {
    run(&[
        "eval",
        &format!("testdata/bundles/{bundle}"),
        "--policy-dir",
        dir.0.to_str().unwrap(),
        "--format",
        "json",
    ])
}

#[test]
fn the_embedded_pack_passes_its_rego_tests() {
    let results = crate::embedded().test().unwrap();
    assert!(results.len() >= 15, "{} tests", results.len());
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.outcome != TestOutcome::Pass)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn a_pack_on_disk_decides_like_the_embedded_one() {
    let dir = Scratch::new("same");
    write_pack(&dir.0, std::path::Path::new("no-overlay"));
    let (code, out, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 0, "{err}");
    let (_, embedded, _) = run(&["eval", "testdata/bundles/full_pass", "--format", "json"]);
    assert_eq!(out, embedded);
}

#[test]
fn a_pack_without_claims_is_a_layout_error() {
    let dir = Scratch::new("layout");
    std::fs::create_dir_all(dir.0.join("policies")).unwrap();
    let (code, _, err) = eval_with(&dir, "full_pass");
    assert_eq!(code, 4);
    assert!(err.contains("has no `claims/`"), "{err}");
}

#[test]
fn the_catalog_keeps_every_claim_of_the_design() {
    let catalog = crate::embedded().catalog();
    for id in [
        "capacity.benchmark_context",
        "runtime.environment_attested",
        "runtime.trace_reproducible",
        "job.output_bound",
        "job.ran_under_policy",
        "verifier.path_exercised",
        "verifier.secret_released",
        "storage.provider_local",
        "storage.backup_shown",
    ] {
        assert!(catalog.claim(id).is_some(), "{id}");
    }
    for s in [
        "The benchmark proves the job ran.",
        "TEE attestation proves the answer is true.",
        "The verifier denied the request, so nothing was learned.",
        "The provider has persistent storage, so the artifact is durable anywhere.",
        "This proves the model answer is true.",
        "This proves the provider is always faster.",
        "This benchmark proves this job completed.",
        "Every job on this network ships with a replayable proof.",
    ] {
        assert!(catalog.blocked.iter().any(|b| b.sentence == s), "{s}");
    }
}

#[test]
fn compile_error_rendering() {
    let dir = crate::packs::build(&crate::testdata("bad_packs/compile_error"));
    let pack = Pack::from_dir(&dir.0).unwrap();
    let err = Engine::builder(pack).build().unwrap_err();
    let text = render_error(&err);
    // Named under the pack directory as given; miette wraps the long message.
    let flat = text.replace("\n  │ ", " ");
    assert!(
        text.contains(&format!("{}/claims/broken.rego:3", dir.0.display())),
        "{text}"
    );
    assert!(flat.contains("does not compile"), "{text}");
}
