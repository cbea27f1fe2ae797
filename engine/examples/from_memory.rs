//! Decide a bundle held in memory (a service receiving bundles, a Spark row): the manifest's
//! bytes and the files it names, by relative path. Nothing is read from disk.
//!
//! `cargo run --example from_memory`
#![allow(clippy::print_stdout, reason = "an example prints what it decided")]

use claimgate::{At, Bundle, Engine, Label, Pack};
use std::collections::BTreeMap;

const MANIFEST: &str = r#"schema: claimgate.bundle/v1
evaluated_at: "2026-11-25T12:00:00Z"
job:
  job_id: "in-memory-job"
  output_digest: "sha256:572ec7f554c7f756470a2fcd54ae7d70cefc21d2fc7e24fcb2eb5e1c5833d88c"
documents:
  - kind: benchmark_result
    path: benchmark.yaml
artifacts:
  - name: result_bundle
    path: result.txt
    role: output
"#;

const BENCHMARK: &str = "name: mlperf-inference\nhardware_class: h100-80gb\nmetric: tokens_per_second\nvalue: 1234.5\nunit: tokens/s\n";

fn main() -> Result<(), claimgate::Error> {
    let files = BTreeMap::from([
        ("benchmark.yaml".to_string(), BENCHMARK.as_bytes().to_vec()),
        ("result.txt".to_string(), b"the delivered result\n".to_vec()),
    ]);
    let bundle = Bundle::from_memory("bundle.yaml", MANIFEST.as_bytes(), files)?;
    let engine = Engine::builder(Pack::embedded()).build()?;
    let decision = engine.decide(&bundle, At::Bundle)?.into_decision();

    println!("label: {}", decision.label.name());
    for a in &decision.allowed {
        println!("  + {}", a.id);
    }
    for p in &decision.problems {
        println!("  ! {} {}: {}", p.source, p.field, p.msg);
    }
    // A benchmark is capacity context, not proof that this job ran; the delivered file does
    // hash to the output digest, and that is all the bundle binds.
    assert_eq!(decision.label, Label::Benchmark);
    assert!(decision.allows("capacity.benchmark_context"));
    assert!(decision.allows("job.output_bound"));
    assert!(!decision.allows("job.ran_under_policy"));
    assert!(decision.problems.is_empty());
    Ok(())
}
