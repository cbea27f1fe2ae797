//! CSV: the decision table, one row per cell of the evidence space: its feature values (quoted),
//! its label and its allowed claim ids (space-separated). The values are the space's own names,
//! never bundle text.

use crate::space::FEATURES;
use crate::table::Table;
use std::io::{self, Write};

pub(super) fn write_table(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    let header: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    writeln!(w, "{},label,allowed", header.join(","))?;
    for (i, o) in t.outcomes.iter().enumerate() {
        let values: Vec<String> = t
            .space
            .cell(i)
            .describe()
            .iter()
            .map(|(_, v)| format!("\"{v}\""))
            .collect();
        writeln!(
            w,
            "{},{},{}",
            values.join(","),
            o.label.name(),
            t.allowed(o).join(" ")
        )?;
    }
    Ok(())
}
