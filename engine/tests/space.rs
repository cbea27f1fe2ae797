//! The evidence space: the decision table, invariants over it, and semantic diffs.
//!
//! The debug tests range over the quick sub-space (`Space::quick`, about a thousand cells), each
//! table built once per test binary. The whole space (137,700 cells) is checked by the ignored
//! `full_space_*` tests, which CI runs once in release:
//! `cargo test --release --locked --test main -- --ignored full_space`.
use crate::{run, Scratch};
use claimgate::{Engine, Space, Table};
use std::sync::OnceLock;

fn default_pack() -> &'static Engine {
    crate::embedded()
}

fn quick() -> &'static Space {
    static SPACE: OnceLock<Space> = OnceLock::new();
    SPACE.get_or_init(Space::quick)
}

/// The default pack's table over the quick space.
fn default_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::build(default_pack(), quick()).unwrap())
}

/// The default pack's table over the whole space (the ignored `full_space_*` tests).
fn full_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::build(default_pack(), &Space::full()).unwrap())
}

fn summary(t: &Table) -> String {
    let mut lines: Vec<String> = t
        .groups()
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
    format!("{} cells\n{}", t.outcomes.len(), lines.join("\n"))
}

/// Which claims each evidence combination of the quick space allows: one line per distinct
/// outcome. Any rule change that moves a cell of it shows up here as a changed count.
#[test]
fn decision_table_summary_quick() {
    let t = default_table();
    assert_eq!(t.outcomes.len(), quick().len());
    insta::assert_snapshot!(summary(t));
}

/// The same over the whole space (release CI step).
#[test]
#[ignore = "the whole space: run in release, `-- --ignored full_space`"]
fn full_space_decision_table_summary() {
    let t = full_table();
    assert!(t.outcomes.len() >= 100_000, "{}", t.outcomes.len());
    insta::assert_snapshot!("decision_table_summary", summary(t));
}

#[test]
fn the_default_pack_keeps_every_invariant() {
    let v = claimgate::check_invariants(default_pack(), default_table()).unwrap();
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
#[ignore = "the whole space: run in release, `-- --ignored full_space`"]
fn full_space_the_default_pack_keeps_every_invariant() {
    let v = claimgate::check_invariants(default_pack(), full_table()).unwrap();
    assert!(v.is_empty(), "{v:#?}");
}

/// Cells written as bundle directories decide as the table says (positions in the table's space).
fn written_cells_decide_like_the_table(t: &Table, positions: impl Iterator<Item = usize>) {
    let dir = Scratch::new(&format!("cells-{}", t.space.name()));
    for p in positions {
        let cell = t.space.cell(p);
        let d = dir.0.join(p.to_string());
        cell.write_bundle(&d).unwrap();
        let decision = crate::evaluate(&d, default_pack(), None).unwrap();
        let o = &t.outcomes[p];
        let allowed: Vec<&str> = decision.allowed.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            (decision.label, allowed),
            (o.label, t.allowed(o)),
            "cell {}: {:?}",
            cell.index(),
            cell.describe()
        );
    }
}

#[test]
fn written_cells_decide_like_in_memory_cells() {
    let n = quick().len();
    written_cells_decide_like_the_table(default_table(), (0..n).step_by(37).chain([n - 1]));
}

#[test]
#[ignore = "the whole space: run in release, `-- --ignored full_space`"]
fn full_space_written_cells_decide_like_in_memory_cells() {
    let n = Space::full().len();
    written_cells_decide_like_the_table(full_table(), (0..n).step_by(4_999).chain([1620, n - 1]));
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
            "--space".into(),
            "quick".into(),
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
    assert_eq!(d["cells"], quick().len());
    assert_eq!(widened[0]["cells"], QUICK_LOOSENED_CELLS);
    assert!(d["narrowed"].as_array().unwrap().is_empty());
    assert!(
        d["labels"].as_array().unwrap().is_empty(),
        "the label gate holds the label"
    );
    // The counterexample is a real bundle: the head pack allows the claim, the base does not.
    let ex = examples.0.join("widening-job.ran_under_policy");
    let base = crate::evaluate(&ex, default_pack(), None).unwrap();
    let head = crate::evaluate(&ex, &crate::engine_for(&dir.0), None).unwrap();
    assert!(!base.allows("job.ran_under_policy") && head.allows("job.ran_under_policy"));
    let a = args("narrowing");
    assert_eq!(run(&a.iter().map(String::as_str).collect::<Vec<_>>()).0, 0);
}

/// Cells of the quick space where `bad_packs/job_claim_without_verifier` newly allows the job claim (4,128 of the whole).
const QUICK_LOOSENED_CELLS: usize = 286;

#[test]
#[ignore = "the whole space: run in release, `-- --ignored full_space`"]
fn full_space_diff_reports_exactly_the_loosened_claim() {
    let dir = crate::packs::build(&crate::testdata("bad_packs/job_claim_without_verifier"));
    let head = crate::engine_for(&dir.0);
    let d = claimgate::Diff::between(full_table(), &Table::build(&head, &Space::full()).unwrap());
    assert_eq!(d.cells, Space::full().len());
    let widened: Vec<_> = d
        .widened
        .iter()
        .map(|c| (c.claim.as_deref().unwrap(), c.cells))
        .collect();
    assert_eq!(widened, [("job.ran_under_policy", 4128)]);
    assert!(d.narrowed.is_empty() && d.labels.is_empty(), "{d:#?}");
}

#[test]
fn the_same_pack_diffs_to_nothing_and_git_revisions_load() {
    let (code, out, err) = run(&[
        "diff",
        "--base",
        "embedded",
        "--head",
        ".",
        "--fail-on",
        "any",
        "--space",
        "quick",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no change"), "{out}");
    assert!(
        out.contains(&format!("over {} cells", quick().len())),
        "{out}"
    );
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
