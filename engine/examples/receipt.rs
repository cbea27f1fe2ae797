//! The receipt of a decision: typed, canonical (RFC 8785) bytes, and a `decision_id` anyone
//! can recompute. Reading the bytes back gives the same receipt.
//!
//! `cargo run --example receipt [BUNDLE]` (default: `testdata/bundles/full_pass`); prints the
//! canonical receipt.
#![allow(clippy::print_stdout, reason = "an example prints the receipt")]

use claimgate::{At, Bundle, Engine, Pack, Receipt};
use std::path::PathBuf;

fn main() -> Result<(), claimgate::Error> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from("testdata/bundles/full_pass"),
        PathBuf::from,
    );
    let engine = Engine::builder(Pack::embedded()).build()?;
    let receipt = engine.decide(&Bundle::load(&path)?, At::Bundle)?.receipt();

    // What a reviewer checks first: the id is the hash of everything else.
    assert_eq!(receipt.decision_id, receipt.compute_id());
    let bytes = receipt.to_canonical_bytes();
    let back: Receipt = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
    assert_eq!(back, receipt);

    println!("{}", String::from_utf8_lossy(&bytes));
    println!(
        "label {}, {} allowed, decision_id {}",
        receipt.label.name(),
        receipt.allowed_claim.len(),
        receipt.decision_id
    );
    Ok(())
}
