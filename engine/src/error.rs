//! `claimgate::Error`: every stage's error, one enum over them. Findings (a blocked claim, an
//! unmet gate requirement, a broken invariant) are never errors; errors are never decisions.
//!
//! Each stage has its own error type with its own codes (`claimgate::stage::kind`), listed
//! with what they mean in `docs/diagnostics.md`; an error that points into a file carries the
//! one located shape, [`crate::source::Located`].

use miette::Diagnostic;

/// Any error claimgate reports.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum Error {
    /// The bundle could not be loaded
    #[error(transparent)]
    #[diagnostic(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    /// The policy pack could not be loaded, compiled or evaluated
    #[error(transparent)]
    #[diagnostic(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// A key file cannot be read or is not a key
    #[error(transparent)]
    #[diagnostic(transparent)]
    Key(#[from] crate::jws::KeyError),
    /// A receipt file cannot be read or is not a receipt
    #[error(transparent)]
    #[diagnostic(transparent)]
    Receipt(#[from] crate::receipt::ReceiptError),
    /// The gate's command line or claimed file is wrong, or a bundle pattern matched nothing
    #[error(transparent)]
    #[diagnostic(transparent)]
    Gate(#[from] crate::gate::GateError),
    /// The pack's decisions cannot be tabulated over the evidence space
    #[error(transparent)]
    #[diagnostic(transparent)]
    Space(#[from] crate::space::SpaceError),
    /// Options that do not go together
    #[error(transparent)]
    #[diagnostic(transparent)]
    Usage(#[from] UsageError),
    /// Deciding a bundle that loaded failed: the error, with the bundle it concerns (shown
    /// as the error itself)
    #[error(transparent)]
    #[diagnostic(transparent)]
    InBundle(Box<crate::engine::InBundle>),
    /// Writing output failed
    #[error("cannot write output: {0}")]
    #[diagnostic(code(claimgate::io))]
    Io(#[from] std::io::Error),
}

/// Options that do not go together (clap checks the rest of the command line).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(claimgate::usage))]
pub struct UsageError {
    /// What is wrong
    pub message: String,
    /// What to do instead
    #[help]
    pub help: Option<String>,
}
