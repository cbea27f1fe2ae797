//! One bundle through the pipeline, warm, split by stage, with criterion.
//!
//! `cargo bench --bench pipeline` times, on a few testdata bundles with one compiled engine:
//! `load` (read and parse the bundle, hash its artifacts), `evidence` (normalize), `decide`
//! (normalize, the pack's Rego, the guard: the policy stage is `decide` minus `evidence`),
//! `receipt` (the typed receipt and its canonical bytes), `render` (the decision as JSON), and
//! `cold_eval`, the `claimgate eval` process from start to exit (compiling the pack included).
//! docs/performance.md holds the figures and how they compare with other Rego engines.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly on a broken fixture"
)]

use claimgate::{At, Engine, Pack};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::Path;
use std::process::Command;

const BUNDLES: &[&str] = &[
    "full_pass",
    "verifier_denial",
    "akash_persistent_with_backup",
];

fn stages(c: &mut Criterion) {
    let engine = Engine::builder(Pack::embedded()).build().unwrap();
    let at = At::Bundle;
    for name in BUNDLES {
        let path = Path::new("testdata/bundles").join(name);
        let bundle = engine.load(&path).unwrap();
        let assessment = engine.decide(&bundle, at).unwrap();
        let mut g = c.benchmark_group(*name);
        g.bench_function("load", |b| {
            b.iter(|| engine.load(black_box(&path)).unwrap())
        });
        g.bench_function("evidence", |b| {
            b.iter(|| engine.evidence(black_box(&bundle), at).unwrap())
        });
        g.bench_function("decide", |b| {
            b.iter(|| engine.decide(black_box(&bundle), at).unwrap())
        });
        g.bench_function("receipt", |b| {
            b.iter(|| black_box(&assessment).receipt().to_canonical_bytes())
        });
        g.bench_function("render", |b| {
            b.iter(|| serde_json::to_vec(black_box(assessment.decision())).unwrap())
        });
        g.finish();
    }
}

fn cold(c: &mut Criterion) {
    let exe = env!("CARGO_BIN_EXE_claimgate");
    let mut g = c.benchmark_group("process");
    g.sample_size(20);
    g.bench_function("cold_eval", |b| {
        b.iter(|| {
            let out = Command::new(exe)
                .args(["eval", "testdata/bundles/full_pass", "--format", "json"])
                .output()
                .unwrap();
            assert!(out.status.success());
        })
    });
    g.finish();
}

criterion_group!(benches, stages, cold);
criterion_main!(benches);
