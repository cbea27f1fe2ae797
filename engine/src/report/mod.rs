//! Reporters: render a decision. They know the decision and nothing about Rego or files.

mod human;

use crate::decision::Decision;
use std::io::{self, Write};

/// Output formats of `claimgate eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people
    Human,
    /// The decision as JSON (`claimgate.decision/v1`, keys in a fixed order)
    Json,
}

/// Writes one decision in the chosen format.
pub fn render(decision: &Decision, format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(decision, w),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, decision)?;
            writeln!(w)
        }
    }
}
