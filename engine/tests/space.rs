//! The evidence space: the decision table, invariants over it, and semantic diffs.
use crate::{run, Scratch};
use claimgate::policy::{CompiledPack, PolicyPack};
use claimgate::space;
use claimgate::table::{self, Table};
use std::sync::OnceLock;

fn default_pack() -> &'static CompiledPack {
    static PACK: OnceLock<CompiledPack> = OnceLock::new();
    PACK.get_or_init(|| CompiledPack::compile(&PolicyPack::embedded()).unwrap())
}

fn default_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| table::build(default_pack()).unwrap())
}

/// The embedded pack with edits applied (see `policy::pack_with`), written and compiled.
/// Which claims each evidence combination allows: one line per distinct outcome. Any rule
/// change that moves a cell shows up here as a changed count.
#[test]
fn decision_table_summary() {
    let t = default_table();
    assert!(t.outcomes.len() >= 100_000, "{}", t.outcomes.len());
    let mut lines: Vec<String> = table::groups(t)
        .iter()
        .map(|g| {
            format!(
                "{:>6}  {:<21} {}",
                g.cells,
                g.label.name(),
                g.allowed.join(" ")
            )
        })
        .collect();
    lines.sort();
    insta::assert_snapshot!(format!("{} cells\n{}", t.outcomes.len(), lines.join("\n")));
}

#[test]
fn the_default_pack_keeps_every_invariant() {
    let v = claimgate::invariant::check(default_pack(), default_table()).unwrap();
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn written_cells_decide_like_in_memory_cells() {
    let t = default_table();
    let dir = Scratch::new("cells");
    for i in (0..space::size())
        .step_by(4_999)
        .chain([1620, space::size() - 1])
    {
        let cell = space::cell(i);
        let d = dir.0.join(i.to_string());
        space::write_bundle(&cell, &d).unwrap();
        let decision = claimgate::evaluate(&d, default_pack(), None).unwrap();
        let o = &t.outcomes[i];
        let allowed: Vec<&str> = decision.allowed.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            (decision.label, allowed),
            (o.label, t.allowed(o)),
            "cell {i}: {:?}",
            cell.describe()
        );
    }
}

#[test]
fn diff_reports_exactly_the_loosened_claim_with_a_working_counterexample() {
    // The job claim no longer needs a passing verifier decision: a broken pack of testdata.
    let dir = crate::packs::build(&crate::testdata("bad_packs/job_claim_without_verifier"));
    let examples = Scratch::new("diff-examples");
    let args = |fail_on: &str| {
        vec![
            "diff".to_string(),
            "--base".into(),
            "embedded".into(),
            "--head".into(),
            dir.0.display().to_string(),
            "--fail-on".into(),
            fail_on.into(),
            "--format".into(),
            "json".into(),
            "--write-examples".into(),
            examples.0.display().to_string(),
        ]
    };
    let a = args("widening");
    let (code, out, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{err}");
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    let widened = d["widened"].as_array().unwrap();
    assert_eq!(widened.len(), 1, "{widened:#?}");
    assert_eq!(widened[0]["claim"], "job.ran_under_policy");
    assert_eq!(widened[0]["cells"], 3840);
    assert!(d["narrowed"].as_array().unwrap().is_empty());
    assert!(
        d["labels"].as_array().unwrap().is_empty(),
        "the label gate holds the label"
    );
    // The counterexample is a real bundle: the head pack allows the claim, the base does not.
    let ex = examples.0.join("widening-job.ran_under_policy");
    let base = claimgate::evaluate(&ex, default_pack(), None).unwrap();
    let head = claimgate::evaluate(
        &ex,
        &CompiledPack::compile(&PolicyPack::from_dir(&dir.0).unwrap()).unwrap(),
        None,
    )
    .unwrap();
    assert!(!base.allows("job.ran_under_policy") && head.allows("job.ran_under_policy"));
    let a = args("narrowing");
    assert_eq!(run(&a.iter().map(String::as_str).collect::<Vec<_>>()).0, 0);
}

#[test]
fn the_same_pack_diffs_to_nothing_and_git_revisions_load() {
    let (code, out, err) = run(&[
        "diff",
        "--base",
        "embedded",
        "--head",
        "..",
        "--fail-on",
        "any",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no change"), "{out}");
    // A git revision of this repository is a pack too (CI runs in a clone).
    if std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let pack = claimgate::cli::load_pack("HEAD").unwrap();
        assert!(pack.files.iter().any(|f| f.name == "claims/catalog.yaml"));
    }
    assert_eq!(
        run(&["diff", "--base", "no-such-rev-or-dir", "--head", "embedded"]).0,
        3
    );
}
