//! claimgate decides which sentences about a compute job its evidence allows.
//!
//! The pipeline runs one way: [`bundle::load`] → [`adapter::normalize`] →
//! [`policy::CompiledPack::evaluate`] → [`decision::decide`] → [`gate`] → [`report`]. Compile a
//! pack once and evaluate many bundles with it:
//!
//! ```
//! # fn main() -> Result<(), claimgate::Error> {
//! let pack = claimgate::policy::CompiledPack::compile(&claimgate::policy::PolicyPack::embedded())?;
//! let at = claimgate::time::Instant::parse("2026-11-25T12:00:00Z").ok();
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/bundles/benchmark_only");
//! let decision = claimgate::evaluate(std::path::Path::new(path), &pack, at)?;
//! assert_eq!(decision.label, claimgate::decision::Label::Benchmark);
//! assert!(decision.allows("capacity.benchmark_context"));
//! assert!(!decision.allows("job.ran_under_policy"));
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod adapter;
pub mod bundle;
pub mod catalog;
#[doc(hidden)]
pub mod cli;
pub mod cover;
pub mod decision;
pub mod diff;
pub mod digest;
pub mod document;
pub mod envelope;
pub mod evidence;
pub mod gate;
pub mod invariant;
pub mod jcs;
pub mod jws;
pub mod jwt;
pub mod output;
pub mod policy;
pub mod receipt;
pub mod report;
pub mod source;
pub mod space;
pub mod table;
pub mod time;

use miette::Diagnostic;
use std::path::Path;

/// Stack size of threads that evaluate policies: deeply nested Rego must not overflow a stack.
pub const EVAL_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Any error claimgate reports. Findings (blocked claims) are never errors.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum Error {
    /// The bundle could not be loaded
    #[error(transparent)]
    #[diagnostic(transparent)]
    Bundle(#[from] bundle::BundleError),
    /// The policy pack could not be loaded, compiled or evaluated
    #[error(transparent)]
    #[diagnostic(transparent)]
    Policy(#[from] policy::PolicyError),
    /// A receipt, key or schema name that cannot be used
    #[error("cannot use `{path}`: {message}")]
    #[diagnostic(code(claimgate::receipt::input))]
    ReceiptInput {
        /// The file (or argument)
        path: String,
        /// Why
        message: String,
    },
    /// The gate's command line or claimed file is wrong, or a bundle pattern matched nothing
    #[error(transparent)]
    #[diagnostic(transparent)]
    Gate(#[from] gate::GateError),
    /// Writing output failed
    #[error("cannot write output: {0}")]
    #[diagnostic(code(claimgate::io))]
    Io(#[from] std::io::Error),
}

/// Loads, normalizes and decides one bundle with a compiled pack.
///
/// `at` pins the evaluation instant; otherwise the bundle's `evaluated_at`, else now.
pub fn evaluate(
    path: &Path,
    pack: &policy::CompiledPack,
    at: Option<time::Instant>,
) -> Result<decision::Decision, Error> {
    Ok(assess(path, pack, at)?.decision)
}

/// Normalizes and decides one loaded bundle with a compiled pack.
///
/// `at` pins the evaluation instant; otherwise the bundle's `evaluated_at`, else now.
pub fn evaluate_bundle(
    bundle: &bundle::Bundle,
    pack: &policy::CompiledPack,
    at: Option<time::Instant>,
) -> Result<decision::Decision, Error> {
    Ok(run(bundle, pack, at)?.1)
}

/// Everything one evaluation produced: what a receipt is made from.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// The loaded bundle
    pub bundle: bundle::Bundle,
    /// Its normalized evidence
    pub evidence: evidence::Evidence,
    /// The decision
    pub decision: decision::Decision,
}

impl Assessment {
    /// The canonical receipt of this assessment.
    pub fn receipt(&self, pack: &policy::CompiledPack) -> serde_json::Value {
        receipt::seal(&self.bundle, &self.evidence, &self.decision, pack)
    }
}

/// Like [`evaluate`], keeping the bundle and evidence for a receipt.
pub fn assess(
    path: &Path,
    pack: &policy::CompiledPack,
    at: Option<time::Instant>,
) -> Result<Assessment, Error> {
    let bundle = bundle::load(path)?;
    let (evidence, decision) = run(&bundle, pack, at)?;
    Ok(Assessment {
        bundle,
        evidence,
        decision,
    })
}

/// For differential tests: what the pack's Rego sees and computes for one loaded bundle
/// ([`policy::CompiledPack::probe`]), with the evidence [`evaluate_bundle`] would decide on.
#[doc(hidden)]
pub fn probe(
    bundle: &bundle::Bundle,
    pack: &policy::CompiledPack,
    at: Option<time::Instant>,
) -> Result<Vec<policy::probe::Probe>, Error> {
    Ok(pack.probe(&normalize(bundle, pack, at), adapter::input_builder)?)
}

fn normalize(
    bundle: &bundle::Bundle,
    pack: &policy::CompiledPack,
    at: Option<time::Instant>,
) -> evidence::Evidence {
    let at = at
        .or(bundle.evaluated_at)
        .unwrap_or_else(time::Instant::now);
    adapter::normalize_with(bundle, at, &pack.jws_keys)
}

fn run(
    bundle: &bundle::Bundle,
    pack: &policy::CompiledPack,
    at: Option<time::Instant>,
) -> Result<(evidence::Evidence, decision::Decision), Error> {
    let evidence = normalize(bundle, pack, at);
    let outcome = pack.evaluate(&evidence, adapter::input_builder)?;
    let decision = decision::decide(&bundle.name, &evidence, &outcome, &pack.catalog);
    Ok((evidence, decision))
}
