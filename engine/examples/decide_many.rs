//! Decide many bundles on the engine's threads: results come back in input order, and a
//! bundle that fails to load is that bundle's error, not the end of the run.
//!
//! `cargo run --example decide_many [DIR]` (default: every bundle under `testdata/bundles`).
#![allow(clippy::print_stdout, reason = "an example prints what it decided")]

use claimgate::{At, Engine, Instant, Pack};
use std::path::PathBuf;

fn main() -> Result<(), claimgate::Error> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("testdata/bundles"), PathBuf::from);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    paths.sort();
    // A path that is not a bundle is decided too: it comes back as that bundle's error.
    paths.push(dir.join("no-such-bundle"));

    let engine = Engine::builder(Pack::embedded()).build()?;
    // Each bundle's own instant, else the time this run started (read once, here).
    let at = At::BundleOr(Instant::now());
    let (mut decided, mut failed) = (0, 0);
    for (path, result) in paths.iter().zip(engine.decide_many(paths.clone(), at)) {
        match result {
            Ok(a) => {
                decided += 1;
                let d = a.decision();
                println!("{:<28} {}", d.label.name(), path.display());
            }
            Err(e) => {
                failed += 1;
                println!("{:<28} {}: {e}", "error", path.display());
            }
        }
    }
    println!("{decided} decided, {failed} failed");
    assert_eq!(decided + failed, paths.len(), "one result per input");
    assert!(failed >= 1, "the missing bundle is an error, never skipped");
    Ok(())
}
