//! The decision table: a pack's decision for every cell of the evidence space.

use crate::decision::Label;
use crate::engine::{At, Engine};
use crate::space::{self, Cell, Space};

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

    /// The engine's decision on every cell of an evidence space ([`Space::full`], or the
    /// quick sub-space), decided on the engine's threads; the first error stops it.
    pub fn build(engine: &Engine, space: &Space) -> Result<Table, crate::Error> {
        build(engine, space)
    }

    /// The cells grouped by outcome, largest group first, each described by cubes.
    pub fn groups(&self) -> Vec<Group> {
        groups(self)
    }

    /// The bit of a claim id, when the catalog has it.
    pub fn bit(&self, id: &str) -> Option<u64> {
        self.ids.iter().position(|x| x == id).map(|i| 1u64 << i)
    }
}

/// The bundle of a cell.
fn cell_bundle(space: &Space, position: usize) -> Result<crate::Bundle, crate::Error> {
    let cell = space.cell(position);
    space::bundle(&cell).map_err(|message| {
        crate::space::SpaceError::Cell {
            cell: cell.index(),
            message,
        }
        .into()
    })
}

/// Decides one cell: the full pipeline, from native documents on; the decision and its
/// receipt.
pub fn decide_cell(
    cell: &Cell,
    engine: &Engine,
) -> Result<(crate::decision::Decision, crate::Receipt), crate::Error> {
    let bundle = space::bundle(cell).map_err(|message| crate::space::SpaceError::Cell {
        cell: cell.index(),
        message,
    })?;
    let a = engine.decide(&bundle, At::Bundle)?;
    let receipt = a.receipt();
    Ok((a.into_decision(), receipt))
}

/// Evaluates the pack on every cell of `space`, on the engine's threads; the first error
/// stops it.
pub fn build(engine: &Engine, space: &Space) -> Result<Table, crate::Error> {
    let catalog = engine.catalog();
    let mut ids: Vec<String> = catalog.claims.iter().map(|c| c.id.clone()).collect();
    ids.extend(catalog.blocked.iter().map(|b| b.id.clone()));
    if ids.len() > 64 {
        return Err(crate::space::SpaceError::TooManyClaims { claims: ids.len() }.into());
    }
    let cells = (0..space.len()).map(|p| cell_bundle(space, p));
    let mut outcomes = Vec::with_capacity(space.len());
    for (p, decided) in engine.decide_many(cells, At::Bundle).enumerate() {
        let d = decided.map_err(|error| {
            let cell = space.cell(p);
            crate::space::SpaceError::Decide {
                cell: cell.index(),
                description: cell.to_string(),
                error: Box::new(error),
            }
        })?;
        let d = d.decision();
        let mut allowed = 0u64;
        for a in &d.allowed {
            if let Some(p) = ids.iter().position(|x| x == &a.id) {
                allowed |= 1u64 << p;
            }
        }
        outcomes.push(Outcome {
            label: d.label,
            allowed,
            status: d.verifier_status,
        });
    }
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
