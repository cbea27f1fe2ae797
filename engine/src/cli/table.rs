//! `claimgate table`: the decision of every cell of the evidence space.

use super::args::{Globals, PolicyArgs};
use super::ExitStatus;
use crate::space::FEATURES;
use crate::table;
use std::io::Write;

/// Arguments of `claimgate table`.
#[derive(Debug, clap::Args)]
pub struct TableArgs {
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    space: super::args::SpaceArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: TableFormat,
}

/// Output formats of `claimgate table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// One row per cell: the features, the label, the allowed claim ids
    Csv,
    /// One object per cell
    Json,
    /// Cells grouped by decision, each group described by its feature values
    Markdown,
}

pub(super) fn run(
    args: &TableArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, crate::Error> {
    let engine = args.policy.engine(g)?;
    let t = table::build(&engine, &args.space.space())?;
    match args.format {
        TableFormat::Csv => {
            let header: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
            writeln!(out, "{},label,allowed", header.join(","))?;
            for (i, o) in t.outcomes.iter().enumerate() {
                let cell = t.space.cell(i);
                let values: Vec<String> = cell
                    .describe()
                    .iter()
                    .map(|(_, v)| format!("\"{v}\""))
                    .collect();
                writeln!(
                    out,
                    "{},{},{}",
                    values.join(","),
                    o.label.name(),
                    t.allowed(o).join(" ")
                )?;
            }
        }
        TableFormat::Json => {
            writeln!(out, "[")?;
            for (i, o) in t.outcomes.iter().enumerate() {
                let cell: serde_json::Map<String, serde_json::Value> = t
                    .space
                    .cell(i)
                    .describe()
                    .into_iter()
                    .map(|(f, v)| (f.to_string(), v.into()))
                    .collect();
                let row = serde_json::json!({"cell": cell, "label": o.label.name(), "allowed": t.allowed(o)});
                let sep = if i + 1 < t.outcomes.len() { "," } else { "" };
                writeln!(
                    out,
                    "  {}{sep}",
                    crate::jcs::to_string(&row).map_err(std::io::Error::from)?
                )?;
            }
            writeln!(out, "]")?;
        }
        TableFormat::Markdown => {
            writeln!(out, "# Decision table ({} cells)\n", t.outcomes.len())?;
            for g in table::groups(&t) {
                writeln!(
                    out,
                    "## {} cells → `{}`: {}\n",
                    g.cells,
                    g.label.name(),
                    if g.allowed.is_empty() {
                        "no claim".to_string()
                    } else {
                        g.allowed.join(", ")
                    }
                )?;
                for d in &g.description {
                    writeln!(out, "- {d}")?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(ExitStatus::Ok)
}
