//! Decide one bundle with the embedded policy pack: the label, what may be said, and why the
//! rest may not.
//!
//! `cargo run --example decide [BUNDLE]` (default: `testdata/bundles/full_pass`).
#![allow(clippy::print_stdout, reason = "an example prints what it decided")]

use claimgate::{At, Bundle, Engine, Label, Pack};
use std::path::PathBuf;

fn main() -> Result<(), claimgate::Error> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from("testdata/bundles/full_pass"),
        PathBuf::from,
    );
    // Compiled once; an engine is cheap to clone and can be shared between threads.
    let engine = Engine::builder(Pack::embedded()).build()?;
    let bundle = Bundle::load(&path)?;
    // The bundle pins the instant its freshness is judged at (`evaluated_at`).
    let assessment = engine.decide(&bundle, At::Bundle)?;
    let decision = assessment.decision();

    println!("{}: {}", decision.job.job_id, decision.label.name());
    for a in &decision.allowed {
        println!("  + {}: {}", a.id, a.sentence);
    }
    for b in &decision.blocked {
        println!("  - {}: {}", b.id, b.reasons.join("; "));
    }
    if path.ends_with("testdata/bundles/full_pass") {
        assert_eq!(decision.label, Label::ComputeReceipt);
        assert!(decision.allows("job.ran_under_policy"));
    }
    Ok(())
}
