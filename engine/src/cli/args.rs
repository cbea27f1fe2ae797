//! Argument groups shared by subcommands, and their conversion to domain values.

use crate::policy::{CompiledPack, PolicyPack};
use crate::time::Instant;
use std::path::PathBuf;

/// Which policy pack to use.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyArgs {
    /// Policy pack directory (with policies/ and claims/); default: the embedded pack
    #[arg(long, value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,
}

impl PolicyArgs {
    /// Reads the pack's files.
    pub fn pack(&self) -> Result<PolicyPack, crate::Error> {
        Ok(match &self.policy_dir {
            Some(dir) => PolicyPack::from_dir(dir)?,
            None => PolicyPack::embedded(),
        })
    }

    /// Reads and compiles the pack.
    pub fn compile(&self) -> Result<CompiledPack, crate::Error> {
        Ok(CompiledPack::compile(&self.pack()?)?)
    }
}

/// The instant bundles are judged at.
#[derive(Debug, Clone, clap::Args)]
pub struct TimeArgs {
    /// Evaluation instant for freshness (RFC 3339); default: the bundle's evaluated_at, else now
    #[arg(long, value_parser = Instant::parse)]
    pub at: Option<Instant>,
}

/// One bundle and the instant it is judged at.
#[derive(Debug, Clone, clap::Args)]
pub struct BundleArgs {
    /// Bundle directory (with bundle.yaml or bundle.json) or a single bundle file
    pub bundle: PathBuf,
    #[command(flatten)]
    pub time: TimeArgs,
}
