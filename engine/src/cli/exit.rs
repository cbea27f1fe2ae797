//! The one exit-code table. Every subcommand returns an [`ExitStatus`]; errors map here.

use std::process::{ExitCode, Termination};

/// How claimgate ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: the command completed and every requirement was met
    Ok,
    /// 1: the command completed with a negative verdict (a test failed)
    Verdict,
    /// 2: the command line was wrong (clap's own code)
    Usage,
    /// 3: a bundle could not be read, parsed or validated
    BadInput,
    /// 4: the policy pack could not be loaded, compiled or evaluated
    Policy,
    /// 5: a receipt did not verify
    Receipt,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Verdict => 1,
            ExitStatus::Usage => 2,
            ExitStatus::BadInput => 3,
            ExitStatus::Policy => 4,
            ExitStatus::Receipt => 5,
        }
    }
}

impl From<&crate::Error> for ExitStatus {
    fn from(e: &crate::Error) -> ExitStatus {
        match e {
            crate::Error::Bundle(_) => ExitStatus::BadInput,
            crate::Error::Policy(_) => ExitStatus::Policy,
            crate::Error::ReceiptInput { .. } => ExitStatus::BadInput,
            // Output could not be written: not a verdict; report as bad input/output.
            crate::Error::Io(_) => ExitStatus::BadInput,
        }
    }
}

impl Termination for ExitStatus {
    fn report(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}
