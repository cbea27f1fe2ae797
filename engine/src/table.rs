//! The decision table: a pack's decision for every cell of the evidence space.

use crate::decision::Label;
use crate::policy::CompiledPack;
use crate::space::{self, Cell, Space};
use rayon::prelude::*;

/// What one cell decided: its label and the allowed claim ids (a bitmask over [`Table::ids`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The label
    pub label: Label,
    /// Bit i set: `ids[i]` allowed
    pub allowed: u64,
    /// The worst verifier status, when any decision was made
    pub status: Option<crate::document::Status>,
}

/// A pack's decision for every cell of a space, in the space's order.
#[derive(Debug, Clone)]
pub struct Table {
    /// Claim ids of the pack's catalog (claims, then blocked sentences), the bitmask's order
    pub ids: Vec<String>,
    /// One outcome per cell: `outcomes[p]` is the decision of `space.cell(p)`
    pub outcomes: Vec<Outcome>,
    /// The cells the table ranges over
    pub space: Space,
}

impl Table {
    /// The allowed claim ids of an outcome.
    pub fn allowed(&self, o: &Outcome) -> Vec<&str> {
        self.ids
            .iter()
            .enumerate()
            .filter(|(i, _)| o.allowed & (1u64 << i) != 0)
            .map(|(_, id)| id.as_str())
            .collect()
    }

    /// The bit of a claim id, when the catalog has it.
    pub fn bit(&self, id: &str) -> Option<u64> {
        self.ids.iter().position(|x| x == id).map(|i| 1u64 << i)
    }
}

/// A scratch directory holding the result file cells' artifacts point at.
pub(crate) struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub(crate) fn new() -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "claimgate-space-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("result.txt"), space::RESULT)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Decides one cell: the full pipeline, from native documents on.
pub fn decide_cell(
    cell: &Cell,
    pack: &CompiledPack,
    root: &std::path::Path,
) -> Result<crate::decision::Decision, crate::Error> {
    let bundle = space::bundle(cell, root).map_err(|message| crate::Error::ReceiptInput {
        path: format!("cell {}", cell.index()),
        message,
    })?;
    crate::evaluate_bundle(&bundle, pack, None)
}

/// Evaluates the pack on every cell of the full space, in parallel; the first policy error stops it.
pub fn build(pack: &CompiledPack) -> Result<Table, crate::Error> {
    build_in(pack, &Space::full())
}

/// Evaluates the pack on every cell of `space`, in parallel; the first policy error stops it.
pub fn build_in(pack: &CompiledPack, space: &Space) -> Result<Table, crate::Error> {
    let mut ids: Vec<String> = pack.catalog.claims.iter().map(|c| c.id.clone()).collect();
    ids.extend(pack.catalog.blocked.iter().map(|b| b.id.clone()));
    if ids.len() > 64 {
        return Err(crate::Error::ReceiptInput {
            path: "claims/catalog.yaml".into(),
            message: format!(
                "{} claims; the decision table handles at most 64",
                ids.len()
            ),
        });
    }
    let scratch = Scratch::new()?;
    let one = |i: usize| -> Result<Outcome, crate::Error> {
        let d = decide_cell(&space.cell(i), pack, &scratch.0)?;
        let mut allowed = 0u64;
        for a in &d.allowed {
            if let Some(p) = ids.iter().position(|x| x == &a.id) {
                allowed |= 1u64 << p;
            }
        }
        Ok(Outcome {
            label: d.label,
            allowed,
            status: d.verifier_status,
        })
    };
    // Policies are evaluated on threads with the large stack, as everywhere else; rayon's
    // default worker stack is small enough for a deep (but allowed) pack to overflow.
    let outcomes = match rayon::ThreadPoolBuilder::new()
        .stack_size(crate::EVAL_STACK_BYTES)
        .build()
    {
        Ok(pool) => pool.install(|| {
            (0..space.len())
                .into_par_iter()
                .map(one)
                .collect::<Result<Vec<_>, crate::Error>>()
        })?,
        // No threads to be had: the same table, one cell after another, on this thread.
        Err(_) => (0..space.len())
            .map(one)
            .collect::<Result<Vec<_>, crate::Error>>()?,
    };
    Ok(Table {
        ids,
        outcomes,
        space: space.clone(),
    })
}

/// Cells that decided the same way, described by cubes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Group {
    /// The label
    pub label: Label,
    /// The allowed claim ids
    pub allowed: Vec<String>,
    /// How many cells
    pub cells: usize,
    /// A minimal description of those cells (one line per cube; empty terms: every cell)
    pub description: Vec<String>,
}

/// Groups the table by outcome, largest group first (ties by label and claims).
pub fn groups(table: &Table) -> Vec<Group> {
    let mut keys: Vec<Outcome> = Vec::new();
    for o in &table.outcomes {
        if !keys.contains(o) {
            keys.push(*o);
        }
    }
    let mut out: Vec<Group> = keys
        .iter()
        .map(|k| {
            let members: Vec<bool> = table.outcomes.iter().map(|o| o == k).collect();
            Group {
                label: k.label,
                allowed: table.allowed(k).into_iter().map(str::to_string).collect(),
                cells: members.iter().filter(|m| **m).count(),
                description: crate::cover::describe(&members, &table.space),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.cells
            .cmp(&a.cells)
            .then(a.label.cmp(&b.label))
            .then(a.allowed.cmp(&b.allowed))
    });
    out
}
