//! The invariants of DESIGN.md, checked over every cell of a table's evidence space (the full
//! space, or a sub-space: then each pair of cells an invariant compares is compared when both
//! cells are in the sub-space).
//!
//! 1. monotone: removing evidence or downgrading a status never allows a new claim;
//! 2. box isolation: benchmark facts never change runtime, job or verifier claims;
//! 3. label gate: `compute_receipt` exactly where the job claim stands with a workload digest,
//!    a passing verifier policy and an output digest (the job claim never stands without them);
//! 4. denial floor: a recorded rejection always allows `verifier.path_exercised`;
//! 5. blocklist: a blocked sentence is never allowed;
//! 6. determinism: the same cell and pack give byte-identical receipts.
//!
//! [`CheckReport::build`] is `claimgate check`: the table of a space, its violations, and a
//! counterexample bundle per violation when asked. It knows the engine and the evidence space;
//! how a report is written is `report`'s business, and the command line is `cli`'s.

use crate::decision::Label;
use crate::document::Status;
use crate::engine::Engine;
use crate::space::{Cell, Space, FEATURES};
use crate::table::{Outcome, Table};
use serde::Serialize;
use std::path::Path;

/// Most counterexamples reported per invariant (the count covers all of them).
pub const MAX_EXAMPLES: usize = 5;

/// A broken invariant, with counterexamples.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// The invariant's name
    pub invariant: &'static str,
    /// How many cells (or cell pairs) break it
    pub count: usize,
    /// Up to `MAX_EXAMPLES` explanations, each naming its cells
    pub examples: Vec<String>,
    /// The first cell that breaks it (its full-space index, [`Cell::at`](crate::Cell::at))
    pub example_cell: usize,
}

/// What `claimgate check` found over an evidence space.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Cells checked
    pub cells: usize,
    /// The broken invariants; none: the pack keeps every invariant on these cells
    pub violations: Vec<Violation>,
    /// The counterexample bundle directory written for each violation, in their order; empty
    /// when none were asked for
    pub examples: Vec<String>,
}

impl CheckReport {
    /// Decides every cell of `space` with the engine and checks the invariants on them.
    pub fn build(engine: &Engine, space: &Space) -> Result<CheckReport, crate::Error> {
        let table = crate::table::build(engine, space)?;
        let violations = check(engine, &table)?;
        Ok(CheckReport {
            cells: table.outcomes.len(),
            violations,
            examples: Vec::new(),
        })
    }

    /// Whether every invariant holds.
    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// Writes one counterexample bundle per violation into `dir`, each named after its
    /// invariant (`box-isolation`), so `claimgate eval` can show why.
    pub fn write_examples(&mut self, dir: &Path) -> Result<(), crate::Error> {
        for v in &self.violations {
            let d = dir.join(v.invariant.replace(' ', "-"));
            crate::space::write_bundle(&crate::space::cell(v.example_cell), &d)
                .map_err(|e| crate::output::named(&d, &e))?;
            self.examples.push(d.display().to_string());
        }
        Ok(())
    }
}

/// The evidence-lessening steps of each feature: (from value, to value).
fn downgrades(feature: &str) -> Vec<(&'static str, &'static str)> {
    match feature {
        "benchmark" => vec![("present", "absent")],
        "verifier_decision" => vec![
            ("pass", "hold"),
            ("hold", "reject_at_policy"),
            ("hold", "reject_at_key_broker"),
            ("pass", "none"),
        ],
        "workload_digest" | "input_commitment" => vec![("valid", "absent"), ("valid", "malformed")],
        "output_digest" => vec![
            ("verified", "declared"),
            ("declared", "absent"),
            ("verified", "mismatched"),
            ("declared", "malformed"),
        ],
        "storage" => vec![
            ("with_backup", "provider_local"),
            ("provider_local", "none"),
        ],
        "trace" => vec![("matched", "mismatched"), ("matched", "absent")],
        "key_release" => vec![("released", "none")],
        "attestation" => {
            let mut out = Vec::new();
            let values = FEATURES
                .iter()
                .find(|f| f.name == "attestation")
                .map_or(&[][..], |f| f.values);
            for v in values.iter().filter(|v| **v != "absent") {
                for (good, bad) in [
                    ("fresh", "stale"),
                    ("matched", "mismatched"),
                    ("off", "on"),
                    ("bound", "unbound"),
                ] {
                    let flags: Vec<&str> = v.split(',').collect();
                    if flags.contains(&good) {
                        let to: Vec<&str> = flags
                            .iter()
                            .map(|f| if *f == good { bad } else { f })
                            .collect();
                        let to = to.join(",");
                        if let Some(t) = values.iter().find(|x| **x == to) {
                            out.push((*v, *t));
                        }
                    }
                }
                // Removing a sound attestation (bound or not) is removing positive evidence.
                if v.starts_with("fresh,matched,off") {
                    out.push((*v, "absent"));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

fn value_index(feature: usize, value: &str) -> Option<u8> {
    FEATURES
        .get(feature)
        .and_then(|f| f.values.iter().position(|v| *v == value))
        .and_then(|i| u8::try_from(i).ok())
}

fn show(cell: &Cell) -> String {
    cell.to_string()
}

struct Found {
    invariant: &'static str,
    count: usize,
    examples: Vec<String>,
    first: Option<usize>,
}

impl Found {
    fn new(invariant: &'static str) -> Found {
        Found {
            invariant,
            count: 0,
            examples: Vec::new(),
            first: None,
        }
    }
    fn add(&mut self, cell: usize, example: impl FnOnce() -> String) {
        self.count += 1;
        self.first.get_or_insert(cell);
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(example());
        }
    }
    fn into_violation(self) -> Option<Violation> {
        Some(Violation {
            invariant: self.invariant,
            count: self.count,
            examples: self.examples,
            example_cell: self.first?,
        })
    }
}

/// Checks the six invariants on a table of `engine`'s decisions (determinism re-decides a
/// sample of cells with it): each broken one with counterexamples, none when the pack keeps
/// them all.
pub fn check(engine: &Engine, table: &Table) -> Result<Vec<Violation>, crate::Error> {
    let names = |bits: u64| {
        table
            .allowed(&Outcome {
                label: Label::None,
                allowed: bits,
                status: None,
            })
            .join(", ")
    };
    let mut found = vec![
        monotone(table, &names),
        box_isolation(table, &names),
        label_gate(table),
        denial_floor(table),
        blocklist(table, &names),
        determinism(engine, table)?,
    ];
    Ok(found.drain(..).filter_map(Found::into_violation).collect())
}

fn monotone(table: &Table, names: &dyn Fn(u64) -> String) -> Found {
    let mut f = Found::new("monotone");
    for (fi, feature) in FEATURES.iter().enumerate() {
        let steps: Vec<(u8, u8, &str, &str)> = downgrades(feature.name)
            .into_iter()
            .filter_map(|(a, b)| Some((value_index(fi, a)?, value_index(fi, b)?, a, b)))
            .collect();
        for (i, o) in table.outcomes.iter().enumerate() {
            let cell = table.space.cell(i);
            for (from, to, a, b) in &steps {
                if cell.0.get(fi) != Some(from) {
                    continue;
                }
                let to_cell = cell.with(fi, *to);
                let Some(weaker) = table
                    .space
                    .position(&to_cell)
                    .and_then(|j| table.outcomes.get(j))
                else {
                    continue;
                };
                let new = weaker.allowed & !o.allowed;
                if new != 0 {
                    f.add(to_cell.index(), || {
                        format!(
                            "{} {a} → {b} newly allows {}; from: {}",
                            feature.name,
                            names(new),
                            show(&cell)
                        )
                    });
                }
            }
        }
    }
    f
}

fn box_isolation(table: &Table, names: &dyn Fn(u64) -> String) -> Found {
    let mut f = Found::new("box isolation");
    let mask: u64 = table
        .ids
        .iter()
        .enumerate()
        .filter(|(_, id)| {
            ["runtime.", "job.", "verifier."]
                .iter()
                .any(|p| id.starts_with(p))
        })
        .fold(0, |m, (i, _)| m | (1u64 << i));
    let Some(bi) = FEATURES.iter().position(|f| f.name == "benchmark") else {
        return f;
    };
    let (Some(present), Some(absent)) = (value_index(bi, "present"), value_index(bi, "absent"))
    else {
        return f;
    };
    for (i, o) in table.outcomes.iter().enumerate() {
        let cell = table.space.cell(i);
        if cell.0.get(bi) != Some(&present) {
            continue;
        }
        let partner = table.space.position(&cell.with(bi, absent));
        if let Some(other) = partner.and_then(|j| table.outcomes.get(j)) {
            let delta = (o.allowed ^ other.allowed) & mask;
            if delta != 0 {
                f.add(cell.index(), || {
                    format!("a benchmark changes {}; at: {}", names(delta), show(&cell))
                });
            }
        }
    }
    f
}

fn label_gate(table: &Table) -> Found {
    let mut f = Found::new("label gate");
    let job = table.bit("job.ran_under_policy").unwrap_or(0);
    for (i, o) in table.outcomes.iter().enumerate() {
        let cell = table.space.cell(i);
        let gate = cell.get("workload_digest") == "valid"
            && matches!(cell.get("output_digest"), "verified" | "declared")
            && o.status == Some(Status::Pass);
        let job_allowed = o.allowed & job != 0;
        let receipt = o.label == Label::ComputeReceipt;
        if receipt && !(gate && job_allowed) {
            f.add(cell.index(), || {
                format!("compute_receipt without its gate at: {}", show(&cell))
            });
        } else if job_allowed && !gate {
            let mut missing = Vec::new();
            if cell.get("workload_digest") != "valid" {
                missing.push("a workload digest".to_string());
            }
            if !matches!(cell.get("output_digest"), "verified" | "declared") {
                missing.push("an output digest".to_string());
            }
            if o.status != Some(Status::Pass) {
                missing.push(format!(
                    "a passing verifier policy (status {})",
                    o.status.map_or("none", Status::name)
                ));
            }
            f.add(cell.index(), || {
                format!(
                    "job.ran_under_policy is allowed without {} at: {}",
                    missing.join(" and "),
                    show(&cell)
                )
            });
        }
    }
    f
}

fn denial_floor(table: &Table) -> Found {
    let mut f = Found::new("denial floor");
    let path = table.bit("verifier.path_exercised").unwrap_or(0);
    for (i, o) in table.outcomes.iter().enumerate() {
        if o.status == Some(Status::Reject) && o.allowed & path == 0 {
            let cell = table.space.cell(i);
            f.add(cell.index(), || {
                format!(
                    "a rejection is recorded but verifier.path_exercised is not allowed at: {}",
                    show(&cell)
                )
            });
        }
    }
    f
}

fn blocklist(table: &Table, names: &dyn Fn(u64) -> String) -> Found {
    let mut f = Found::new("blocklist");
    let mask: u64 = table
        .ids
        .iter()
        .enumerate()
        .filter(|(_, id)| id.starts_with("blocked."))
        .fold(0, |m, (i, _)| m | (1u64 << i));
    for (i, o) in table.outcomes.iter().enumerate() {
        if o.allowed & mask != 0 {
            let cell = table.space.cell(i);
            f.add(cell.index(), || {
                format!("{} allowed at: {}", names(o.allowed & mask), show(&cell))
            });
        }
    }
    f
}

/// Every 97th cell is decided twice more; the receipts must be byte-identical and the
/// decisions match the table.
fn determinism(engine: &Engine, table: &Table) -> Result<Found, crate::Error> {
    let mut f = Found::new("determinism");
    for i in (0..table.outcomes.len()).step_by(97) {
        let cell = table.space.cell(i);
        let (a, ra) = crate::table::decide_cell(&cell, engine)?;
        let (_, rb) = crate::table::decide_cell(&cell, engine)?;
        let (ja, jb) = (ra.to_canonical_bytes(), rb.to_canonical_bytes());
        let same_as_table = table.outcomes.get(i).is_some_and(|o| {
            o.label == a.label && a.allowed.iter().map(|x| x.id.as_str()).eq(table.allowed(o))
        });
        if ja != jb || !same_as_table {
            f.add(cell.index(), || {
                format!("two evaluations differ at: {}", show(&cell))
            });
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{self, Space};

    fn fake(outcome: impl Fn(&Cell) -> Outcome) -> Table {
        fake_in(Space::full(), outcome)
    }

    fn fake_in(space: Space, outcome: impl Fn(&Cell) -> Outcome) -> Table {
        let ids = vec![
            "job.ran_under_policy".to_string(),
            "verifier.path_exercised".into(),
            "blocked.x".into(),
        ];
        Table {
            ids,
            outcomes: space.cells().map(|c| outcome(&c)).collect(),
            space,
        }
    }

    #[test]
    fn a_compute_receipt_without_its_gate_is_caught() {
        let t = fake(|c| Outcome {
            label: if c.get("trace") == "matched" {
                Label::ComputeReceipt
            } else {
                Label::None
            },
            allowed: if c.get("trace") == "matched" { 1 } else { 0 },
            status: Some(Status::Pass),
        });
        assert!(label_gate(&t).count > 0);
    }

    #[test]
    fn an_allowed_blocked_sentence_is_caught() {
        let t = fake(|c| Outcome {
            label: Label::None,
            allowed: if c.get("benchmark") == "present" {
                4
            } else {
                0
            },
            status: None,
        });
        let names = |b: u64| format!("{b}");
        assert_eq!(blocklist(&t, &names).count, space::size() / 2);
        assert_eq!(
            monotone(&t, &names).count,
            0,
            "removing the benchmark removes the claim: monotone"
        );
    }

    #[test]
    fn the_quick_space_still_catches_a_widening_and_a_moved_job_claim() {
        let names = |b: u64| format!("{b}");
        for space in [Space::full(), Space::quick()] {
            // Removing storage evidence allows a claim: not monotone.
            let t = fake_in(space.clone(), |c| Outcome {
                label: Label::None,
                allowed: if c.get("storage") == "none" { 2 } else { 0 },
                status: None,
            });
            assert!(monotone(&t, &names).count > 0, "{}", space.name());
            // A benchmark moves the job claim: box isolation.
            let t = fake_in(space.clone(), |c| Outcome {
                label: Label::None,
                allowed: if c.get("benchmark") == "present" {
                    1
                } else {
                    0
                },
                status: None,
            });
            assert!(box_isolation(&t, &names).count > 0, "{}", space.name());
        }
    }
}
