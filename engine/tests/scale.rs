//! The gate at the scale of a real repository: 10,000 generated bundles with a claimed file and
//! three required claims none of them allows (60,000 findings), gated once by the real command
//! line, every output written in the same run. Each output must stay within what its consumer
//! accepts: SARIF schema-valid with at most 25,000 results, the markdown summary under 1 MiB,
//! at most 10 GitHub annotations with none lost from the log, JUnit valid against its XSD.

use crate::{run, Scratch};
use serde_json::Value;

const BUNDLES: usize = 10_000;

/// One manifest file per bundle, its evidence inline: an attestation of a job whose output
/// nobody digested, so no requirement below is met.
fn manifest(i: usize) -> String {
    format!(
        r#"schema: claimgate.bundle/v1
evaluated_at: "2026-11-25T12:00:00Z"
job:
  job_id: "job-{i:05}"
  workload_digest: "sha256:41b543ab74e661d45bee12bece160a52fff521548459cc319ed97f1d85de6756"
documents:
  - id: attestation
    kind: attestation_result
    data:
      verifier: nvidia-nras
      appraisal: remote
      tee: nvidia-h100-cc
      evidence_digest: "sha256:53898fba8462e98855ac21e7270e5f63cbc4367e401e9a9a479309f81adbce39"
      issued_at: "2026-11-25T11:50:00Z"
      expires_at: "2026-11-25T13:50:00Z"
      measurements: []
      debug_enabled: false
      secure_boot: true
      workload_digest: "sha256:41b543ab74e661d45bee12bece160a52fff521548459cc319ed97f1d85de6756"
"#
    )
}

#[test]
fn ten_thousand_bundles_stay_within_every_consumers_limits() {
    let scratch = Scratch::new("scale");
    let corpus = scratch.0.join("bundles");
    std::fs::create_dir_all(&corpus).unwrap();
    for i in 0..BUNDLES {
        std::fs::write(corpus.join(format!("b{i:05}.yaml")), manifest(i)).unwrap();
    }
    let claimed = scratch.0.join("claimed.txt");
    std::fs::write(
        &claimed,
        "This proves the model answer is true.\nThe benchmark proves the job ran.\nThe artifact has a backup path outside the provider.\n",
    )
    .unwrap();
    let out = |name: &str| scratch.0.join(name).to_str().unwrap().to_string();
    let pattern = format!("{}/*.yaml", corpus.display());
    let (code, github, err) = run(&[
        "gate",
        &pattern,
        "--claimed",
        claimed.to_str().unwrap(),
        "--require",
        "storage.provider_local",
        "--require",
        "capacity.benchmark_context",
        "--require",
        "storage.backup_shown",
        "--format",
        "github",
        "--write",
        &format!("sarif={}", out("gate.sarif")),
        "--write",
        &format!("markdown={}", out("summary.md")),
        "--write",
        &format!("junit={}", out("gate.xml")),
        "--write",
        &format!("json={}", out("gate.json")),
        "--full-report",
        &out("github-full.txt"),
    ]);
    assert_eq!(code, 1, "{err}");

    // Every finding is in the JSON report: 3 per bundle, plus 3 claimed sentences each.
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out("gate.json")).unwrap()).unwrap();
    let bundles = json["bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), BUNDLES);
    let failures: usize = bundles
        .iter()
        .map(|b| {
            b["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["passed"] == false)
                .count()
        })
        .sum();
    assert_eq!(failures, 6 * BUNDLES);

    // SARIF: the claimed lines grouped (3 results naming 10,000 bundles each), the required
    // claims one result per manifest (30,000), capped at 25,000 with the rest counted.
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out("gate.sarif")).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string("testdata/schemas/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .take(5)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let run0 = &sarif["runs"][0];
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), claimgate::SARIF_MAX_RESULTS);
    assert_eq!(run0["properties"]["resultsNotWritten"], 30_003 - 25_000);
    let grouped: Vec<&Value> = results
        .iter()
        .filter(|r| r["properties"]["bundleCount"] == BUNDLES)
        .collect();
    assert_eq!(grouped.len(), 3);
    assert!(
        run0["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("5003 more results were not written")
    );

    // Markdown: under GitHub's 1 MiB, saying what it left out.
    let md = std::fs::read_to_string(out("summary.md")).unwrap();
    assert!(md.len() <= claimgate::MARKDOWN_MAX_BYTES, "{}", md.len());
    assert!(
        md.contains("the summary is capped at 1048576 bytes"),
        "{}",
        &md[md.len().saturating_sub(400)..]
    );

    // GitHub: at most 10 annotations, the last counting the rest, which follow in the log.
    let annotations: Vec<&str> = github.lines().filter(|l| l.starts_with("::")).collect();
    // Each is a workflow command: `::error file=F[,line=N],title=T::message`, its properties
    // and message escaped (no raw `,` or `:` in a property value, no line break anywhere).
    for a in &annotations {
        let (props, message) = a
            .strip_prefix("::error ")
            .and_then(|r| r.split_once("::"))
            .unwrap_or_else(|| panic!("not a workflow command: {a}"));
        assert!(!message.is_empty(), "{a}");
        let keys: Vec<&str> = props
            .split(',')
            .map(|p| p.split_once('=').map_or("", |(k, _)| k))
            .collect();
        assert!(
            keys == ["file", "line", "col", "title"]
                || keys == ["file", "line", "title"]
                || keys == ["file", "title"],
            "{a}"
        );
    }
    assert_eq!(annotations.len(), claimgate::GITHUB_MAX_ANNOTATIONS);
    assert!(
        annotations[9].contains(&format!(
            "{} more findings are not annotated",
            6 * BUNDLES - 9
        )),
        "{}",
        annotations[9]
    );
    let log_lines = github.lines().filter(|l| !l.starts_with("::")).count();
    assert_eq!(
        log_lines,
        6 * BUNDLES - 9 + 1,
        "every finding but the annotated ones, and the summary line"
    );
    let full = std::fs::read_to_string(out("github-full.txt")).unwrap();
    assert_eq!(
        full.lines().filter(|l| l.starts_with("::error")).count(),
        6 * BUNDLES
    );

    // JUnit: valid against the JUnit XSD (when xmllint is installed; CI installs it).
    let xml = std::fs::read_to_string(out("gate.xml")).unwrap();
    if let Some(e) = crate::junit::xsd_errors(&xml, &scratch.0, "check.xml") {
        assert!(e.is_empty(), "{}", &e[..e.len().min(2000)]);
    }
}
