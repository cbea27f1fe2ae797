//! The one exit-code table. Every subcommand returns an [`ExitStatus`]; errors map here.

use std::process::{ExitCode, Termination};

/// How claimgate ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: the command completed and every requirement was met
    Ok,
    /// 1: the command completed with a negative verdict (a test failed, a gate requirement was
    /// not met)
    Verdict,
    /// 2: the command line was wrong (clap's own code; also a `--require` id the catalog lacks)
    Usage,
    /// 3: a bundle (or a claimed file) could not be read, parsed or validated
    BadInput,
    /// 4: the policy pack could not be loaded, compiled or evaluated
    Policy,
    /// 5: a receipt did not verify
    Receipt,
    /// 6: `test` found no test to run (a pack without tests proves nothing, and is no failure
    /// of one either)
    NoTests,
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
            ExitStatus::NoTests => 6,
        }
    }

    /// How bad an outcome is when many are combined. Errors outrank verdicts and verdicts
    /// outrank success, so an error is never hidden behind a verdict. Among errors, a policy
    /// error (it concerns every bundle) outranks bad input, and a failed receipt (tampering)
    /// outranks everything. The exit codes are numbered in that order, so the code is the rank.
    fn severity(self) -> u8 {
        match self {
            // Nothing ran: no worse than a verdict.
            ExitStatus::NoTests => 1,
            other => other.code(),
        }
    }

    /// The worst of many outcomes (one per bundle, say); [`ExitStatus::Ok`] when there are none.
    pub fn worst(statuses: impl IntoIterator<Item = ExitStatus>) -> ExitStatus {
        statuses
            .into_iter()
            .max_by_key(|s| s.severity())
            .unwrap_or(ExitStatus::Ok)
    }
}

impl From<&crate::Error> for ExitStatus {
    fn from(e: &crate::Error) -> ExitStatus {
        use crate::gate::GateError;
        match e.inner() {
            crate::Error::Bundle(_) => ExitStatus::BadInput,
            // A pack the command line names that cannot be found is the user's input.
            crate::Error::Policy(crate::PolicyError::Git { .. }) => ExitStatus::BadInput,
            crate::Error::Policy(_) => ExitStatus::Policy,
            crate::Error::Key(_) | crate::Error::Receipt(_) => ExitStatus::BadInput,
            crate::Error::Usage(_) => ExitStatus::Usage,
            crate::Error::Gate(g) => match g {
                GateError::UnknownClaim { .. } | GateError::Pattern { .. } => ExitStatus::Usage,
                GateError::NoMatch { .. } | GateError::Claimed { .. } | GateError::List { .. } => {
                    ExitStatus::BadInput
                }
            },
            crate::Error::Space(_) => ExitStatus::Policy,
            // Output could not be written: not a verdict; report as bad input/output.
            crate::Error::Io(_) => ExitStatus::BadInput,
            // `inner` never returns it.
            crate::Error::InBundle(_) => ExitStatus::Policy,
        }
    }
}

impl Termination for ExitStatus {
    fn report(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::{self, BadInput, Ok, Policy, Receipt, Usage, Verdict};

    #[test]
    fn errors_outrank_verdicts_and_verdicts_outrank_success() {
        assert_eq!(ExitStatus::worst([]), Ok);
        assert_eq!(ExitStatus::worst([Ok, Ok]), Ok);
        assert_eq!(ExitStatus::worst([Ok, Verdict, Ok]), Verdict);
        assert_eq!(ExitStatus::worst([Verdict, BadInput, Ok]), BadInput);
        assert_eq!(ExitStatus::worst([BadInput, Verdict]), BadInput);
        assert_eq!(ExitStatus::worst([Policy, BadInput, Verdict]), Policy);
        assert_eq!(ExitStatus::worst([BadInput, Policy]), Policy);
        assert_eq!(ExitStatus::worst([Usage, Verdict]), Usage);
        assert_eq!(ExitStatus::worst([Receipt, Policy]), Receipt);
    }

    #[test]
    fn order_does_not_matter() {
        let all = [Ok, Verdict, Usage, BadInput, Policy, Receipt];
        for a in all {
            for b in all {
                assert_eq!(ExitStatus::worst([a, b]), ExitStatus::worst([b, a]));
            }
        }
    }
}
