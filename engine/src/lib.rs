//! claimgate decides which sentences about a compute job its evidence allows.
//!
//! An [`Engine`] is a policy pack compiled once, with the upstream policies, trusted keys and
//! limits it decides with. It decides a [`Bundle`] at an instant ([`At`]) and gives an
//! [`Assessment`]: the normalized [`Evidence`], the [`Decision`] (allowed and blocked claims,
//! the honest [`Label`]) and its [`Receipt`]. The pipeline runs one way: bundle → adapters →
//! evidence → the pack's Rego (on regorus) → the floor no pack can lower.
//!
//! ```
//! # fn main() -> Result<(), claimgate::Error> {
//! use claimgate::{At, Bundle, Engine, Pack};
//! let engine = Engine::builder(Pack::embedded()).build()?;
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/bundles/full_pass");
//! let bundle = Bundle::load(std::path::Path::new(path))?;
//! // Judged at the instant the bundle pins (`evaluated_at`).
//! let assessment = engine.decide(&bundle, At::Bundle)?;
//! assert_eq!(assessment.decision().label, claimgate::Label::ComputeReceipt);
//! assert!(assessment.decision().allows("job.ran_under_policy"));
//! let receipt = assessment.receipt();
//! assert_eq!(receipt.job_id, "job-0042");
//! # Ok(())
//! # }
//! ```
//!
//! Many bundles: [`Engine::decide_many`] decides them on the engine's threads, in input
//! order. Errors are never decisions: a bundle that does not load or a pack that does not
//! compile is an [`Error`], with a diagnostic code and, where there is one, a span.
//!
//! [`gate`] checks requirements over many bundles as `claimgate gate` does, and [`json`]
//! prints the documents the command line prints with `--format json`: what the Python
//! package (`bindings/python/`) gives back, so that it and the command line agree byte for
//! byte.
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod adapter;
mod audit;
mod bundle;
mod catalog;
#[doc(hidden)]
pub mod cli;
mod cover;
mod decision;
mod diff;
mod digest;
mod document;
mod engine;
mod envelope;
mod error;
mod evidence;
mod explain;
pub mod gate;
mod invariant;
mod jcs;
pub mod json;
mod jws;
mod jwt;
mod normalize;
mod output;
mod policy;
mod receipt;
mod report;
pub mod schema;
mod source;
mod space;
mod table;
mod text;
mod time;

// The engine and what it decides.
pub use audit::{audit, Audit, AuditFinding, Severity as AuditSeverity, CODES as AUDIT_CODES};
pub use bundle::{Bundle, BundleError, Files, Limits};
pub use engine::{
    Assessment, At, BundleSource, DecideMany, Engine, EngineBuilder, InBundle, EVAL_STACK_BYTES,
};
pub use gate::GateError;
pub use jws::TrustedKeys;
pub use policy::{
    FileCoverage, Finding, Pack, PathTest, Place, PolicyError, Read, Reads, TestOptions,
    TestOutcome, TestReport, TestResult,
};
pub use time::Instant;

// What the outputs of `gate` are bounded by.
pub use report::{GITHUB_MAX_ANNOTATIONS, MARKDOWN_MAX_BYTES, SARIF_MAX_RESULTS};

// The decision.
pub use catalog::{Catalog, Claim, ClaimBox, Label};
pub use decision::{Allowed, BlockKind, Blocked, Decision, JobView, Rewrite};
pub use digest::{Algorithm, Digest};
pub use document::{Kind, PathStep, Status};
pub use evidence::{DecisionFact, Evidence, HexFact, Origin, Problem, Signature, Token};

// The receipt.
/// The in-toto predicate type of a receipt wrapped in a Statement.
pub use envelope::PREDICATE_TYPE;
pub use envelope::{SignatureCheck, Wrap};
pub use receipt::{
    AllowedClaim, ArtifactEntry, AttestationEntry, AttestationSection, BenchmarkEntry,
    DocumentEntry, EngineVersions, MeasurementEntry, Mismatch, MismatchKind, PackEntry,
    PolicyDecisionSection, ProviderConstraints, Receipt, ReceiptFile, Replay, Section,
    UpstreamEntry, Verification, REGORUS_VERSION,
};

// For differential tests against other Rego engines: not API.
#[doc(hidden)]
pub use policy::probe;

// Decision tables, policy diffs and invariants over the evidence space.
pub use diff::{
    CatalogChange, CatalogChangeKind, Change, ChangeKind, Cone, CorpusChange, Coverage, Derived,
    DerivedChange, Diff, DiffReport, PathCoverage,
};
pub use explain::{Change as EvidenceChange, Explanation, Step, Stop};
pub use invariant::{check as check_invariants, CheckReport, Violation};
pub use space::{Cell, Feature, Space, SpaceError};
pub use table::{Group, Outcome, Table};

pub use error::{Error, UsageError};
pub use jws::KeyError;
pub use receipt::ReceiptError;
