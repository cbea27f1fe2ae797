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

/// Parses `--at`.
pub fn parse_instant(s: &str) -> Result<Instant, String> {
    Instant::parse(s)
}
