//! `claimgate schema receipt`: print the JSON Schema of a format.

use super::ExitStatus;
use std::io::Write;

/// Arguments of `claimgate schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which schema
    #[arg(value_enum)]
    pub which: Which,
}

/// The formats with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// claimgate.receipt/v1
    Receipt,
}

/// The receipt's JSON Schema (draft 2020-12).
pub const RECEIPT_SCHEMA: &str = include_str!("../../schemas/receipt.schema.json");

pub(super) fn run(args: &SchemaArgs, out: &mut dyn Write) -> Result<ExitStatus, crate::Error> {
    match args.which {
        Which::Receipt => out.write_all(RECEIPT_SCHEMA.as_bytes())?,
    }
    Ok(ExitStatus::Ok)
}
