//! `claimgate schema FORMAT`: print the JSON Schema of a format.

use super::ExitStatus;
use crate::schema::Format;
use std::io::Write;

/// Arguments of `claimgate schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which format
    #[arg(value_enum)]
    pub which: Format,
}

/// The receipt's JSON Schema (draft 2020-12), as published.
pub const RECEIPT_SCHEMA: &str = crate::schema::RECEIPT;

pub(super) fn run(args: &SchemaArgs, out: &mut dyn Write) -> Result<ExitStatus, crate::Error> {
    match args.which {
        // The published text, byte for byte.
        Format::Receipt => out.write_all(RECEIPT_SCHEMA.as_bytes())?,
        f => {
            let text = serde_json::to_string_pretty(&f.schema()).map_err(std::io::Error::other)?;
            writeln!(out, "{text}")?;
        }
    }
    Ok(ExitStatus::Ok)
}
