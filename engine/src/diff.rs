//! What a policy change newly allows or blocks, over every cell of the evidence space, and on
//! a corpus of real bundles.
//!
//! [`diff`] compares two tables; [`DiffReport::build`] is `claimgate diff`: both packs' tables,
//! their [`Diff`], the corpus bundles whose decision changed, and a counterexample bundle per
//! change when asked. It knows engines, tables and bundles on disk; how a report is written is
//! `report`'s business, and the command line (how a pack is named) is `cli`'s.

use crate::decision::{Decision, Label};
use crate::engine::{At, Engine};
use crate::space::Space;
use crate::table::Table;
use crate::time::Instant;
use serde::Serialize;
use std::path::{Path, PathBuf};

mod catalog;
mod combine;
pub(crate) mod derived;
pub(crate) mod fields;
pub use catalog::{CatalogChange, CatalogChangeKind};
pub use combine::STRENGTH_WORDS;
pub use derived::{Cone, Coverage, Derived, DerivedChange, PathCoverage};

/// What a [`Change`] changes; written `widening`, `narrowing` or `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A claim newly allowed
    Widening,
    /// A claim newly blocked
    Narrowing,
    /// A label changed
    Label,
}

impl ChangeKind {
    /// The kind as reports and counterexample directories write it.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Widening => "widening",
            ChangeKind::Narrowing => "narrowing",
            ChangeKind::Label => "label",
        }
    }
}

/// One kind of change and where it happens.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Newly allowed, newly blocked, or a label change
    pub kind: ChangeKind,
    /// The claim, for widening and narrowing
    pub claim: Option<String>,
    /// The label before and after, for label changes
    pub labels: Option<(Label, Label)>,
    /// How many cells
    pub cells: usize,
    /// Which cells: one line per cube of feature values
    pub description: Vec<String>,
    /// The first cell it happens in (its full-space index, [`Cell::at`](crate::Cell::at)), for a
    /// counterexample bundle
    pub example: usize,
}

impl Change {
    /// The name of its counterexample bundle: `widening-<claim>`, `narrowing-<claim>` or
    /// `label-<from>-to-<to>`.
    pub fn example_name(&self) -> String {
        match (&self.claim, self.labels) {
            (Some(id), _) => format!("{}-{id}", self.kind.name()),
            (None, Some((a, b))) => format!("label-{}-to-{}", a.name(), b.name()),
            _ => self.kind.name().to_string(),
        }
    }
}

/// Every change between two tables.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Cells compared
    pub cells: usize,
    /// Claims newly allowed
    pub widened: Vec<Change>,
    /// Claims newly blocked
    pub narrowed: Vec<Change>,
    /// Label changes
    pub labels: Vec<Change>,
}

impl Diff {
    /// What changes from `base` to `head`, cell by cell: claims newly allowed or blocked, and
    /// labels changed. Both tables range over the same space.
    pub fn between(base: &Table, head: &Table) -> Diff {
        diff(base, head)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.widened.is_empty() && self.narrowed.is_empty() && self.labels.is_empty()
    }

    /// Every change: widenings, then narrowings, then label changes.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.widened
            .iter()
            .chain(&self.narrowed)
            .chain(&self.labels)
    }
}

/// A real bundle whose decision differs between the packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorpusChange {
    /// The bundle's path, as found under the corpus directory
    pub bundle: String,
    /// The base pack's decision: `label: allowed ids`
    pub base: String,
    /// The head pack's decision, the same way
    pub head: String,
    /// Claims the head pack allows on this bundle and the base does not
    pub widened: Vec<String>,
    /// Claims the base pack allows on this bundle and the head does not
    pub narrowed: Vec<String>,
}

/// What `claimgate diff` found between two packs.
#[derive(Debug, Clone)]
pub struct DiffReport {
    /// The base pack, as named
    pub base: String,
    /// The head pack, as named
    pub head: String,
    /// What changes over the evidence space
    pub diff: Diff,
    /// Both tables, base then head, for reports that draw them; `None` in a report built
    /// without them
    pub tables: Option<[Table; 2]>,
    /// What changed in the catalog itself, entry by entry
    pub catalog: Vec<CatalogChange>,
    /// The paths the packs read and how each was covered, and the derived bundles the packs
    /// decide differently
    pub derived: Derived,
    /// The corpus bundles whose decision changed; empty when no corpus was compared
    pub corpus: Vec<CorpusChange>,
    /// The counterexample bundle directories written, one per change, in [`Diff::changes`]
    /// order; empty when none were asked for
    pub examples: Vec<String>,
}

impl DiffReport {
    /// Decides every cell of `space` with both engines and compares the tables.
    pub fn build(
        base_name: &str,
        base: &Engine,
        head_name: &str,
        head: &Engine,
        space: &Space,
    ) -> Result<DiffReport, crate::Error> {
        let tb = crate::table::build(base, space)?;
        // The same pack decides every cell the same way: one table serves both sides.
        let th = if base.pack().digest == head.pack().digest {
            tb.clone()
        } else {
            crate::table::build(head, space)?
        };
        Ok(DiffReport {
            base: base_name.to_string(),
            head: head_name.to_string(),
            diff: diff(&tb, &th),
            tables: Some([tb, th]),
            catalog: catalog::changes(base.catalog(), head.catalog()),
            derived: derived::derive(base, head)?,
            corpus: Vec::new(),
            examples: Vec::new(),
        })
    }

    /// Whether nothing changed: over the space, its derived part, in the catalog, or on the
    /// corpus.
    pub fn is_empty(&self) -> bool {
        self.diff.is_empty()
            && self.catalog.is_empty()
            && self.derived.changes.is_empty()
            && self.corpus.is_empty()
    }

    /// Whether the head pack lets more be said anywhere: a claim newly allowed over the space,
    /// on a derived bundle or a corpus bundle, or a catalog change that widens.
    pub fn widens(&self) -> bool {
        !self.diff.widened.is_empty()
            || self.catalog.iter().any(|c| c.widens)
            || self.derived.changes.iter().any(|c| !c.widened.is_empty())
            || self.corpus.iter().any(|c| !c.widened.is_empty())
    }

    /// Whether the head pack newly blocks a claim anywhere: over the space, on a derived
    /// bundle or on a corpus bundle.
    pub fn narrows(&self) -> bool {
        !self.diff.narrowed.is_empty()
            || self.derived.changes.iter().any(|c| !c.narrowed.is_empty())
            || self.corpus.iter().any(|c| !c.narrowed.is_empty())
    }

    /// Decides every bundle under `dir` with both engines (at each bundle's own instant, else
    /// now) and records those whose label or allowed claims differ.
    pub fn compare_corpus(
        &mut self,
        base: &Engine,
        head: &Engine,
        dir: &Path,
    ) -> Result<(), crate::Error> {
        let mut bundles = Vec::new();
        corpus_bundles(dir, &mut bundles)?;
        let at = At::BundleOr(Instant::now());
        let decided = base
            .decide_many(bundles.iter().map(PathBuf::as_path), at)
            .zip(head.decide_many(bundles.iter().map(PathBuf::as_path), at))
            .zip(&bundles);
        for ((db, dh), b) in decided {
            let (db, dh) = (db?.into_decision(), dh?.into_decision());
            if db.label != dh.label || db.allowed != dh.allowed {
                let ids = |d: &Decision| -> Vec<String> {
                    d.allowed.iter().map(|a| a.id.clone()).collect()
                };
                let (ib, ih) = (ids(&db), ids(&dh));
                self.corpus.push(CorpusChange {
                    bundle: b.display().to_string(),
                    base: summary(&db),
                    head: summary(&dh),
                    widened: ih.iter().filter(|i| !ib.contains(i)).cloned().collect(),
                    narrowed: ib.iter().filter(|i| !ih.contains(i)).cloned().collect(),
                });
            }
        }
        Ok(())
    }

    /// Writes one counterexample bundle per change into `dir` ([`Change::example_name`]), so
    /// `claimgate eval` can show each change on a real bundle.
    pub fn write_examples(&mut self, dir: &Path) -> Result<(), crate::Error> {
        for c in self.diff.changes() {
            let d = dir.join(c.example_name());
            crate::space::write_bundle(&crate::space::cell(c.example), &d)
                .map_err(|e| crate::output::named(&d, &e))?;
            self.examples.push(d.display().to_string());
        }
        for (i, c) in self.derived.changes.iter().enumerate() {
            let d = dir.join(format!("derived-{}", i + 1));
            let title = format!(
                "Cell {} of the evidence space, varied: {}.",
                c.cell,
                c.set.join(", ")
            );
            let cell = crate::space::cell(c.cell);
            crate::space::write_documents(&d, &cell, &title, &c.set, c.documents.clone())
                .map_err(|e| crate::output::named(&d, &e))?;
            self.examples.push(d.display().to_string());
        }
        Ok(())
    }
}

/// The bundles under a corpus directory, in path order: a directory with a manifest is one
/// bundle, else its subdirectories and `*.bundle.yaml` files are searched.
fn corpus_bundles(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    if crate::bundle::MANIFEST_NAMES
        .iter()
        .any(|m| dir.join(m).is_file())
    {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for p in entries {
        if p.is_dir() {
            corpus_bundles(&p, out)?;
        } else if p.to_string_lossy().ends_with(".bundle.yaml") {
            out.push(p);
        }
    }
    Ok(())
}

/// A decision in one line: `label: allowed ids`.
fn summary(d: &Decision) -> String {
    let ids: Vec<&str> = d.allowed.iter().map(|a| a.id.as_str()).collect();
    format!("{}: {}", d.label.name(), ids.join(", "))
}

fn change(
    kind: ChangeKind,
    claim: Option<String>,
    labels: Option<(Label, Label)>,
    members: &[bool],
    space: &Space,
) -> Option<Change> {
    let example = space.cell(members.iter().position(|m| *m)?).index();
    let description = crate::cover::describe(members, space);
    Some(Change {
        kind,
        claim,
        labels,
        cells: members.iter().filter(|m| **m).count(),
        description,
        example,
    })
}

/// Compares two tables of the same evidence space, claim by claim and label by label.
pub fn diff(base: &Table, head: &Table) -> Diff {
    let space = &base.space;
    let mut ids: Vec<&String> = base.ids.iter().chain(&head.ids).collect();
    ids.sort();
    ids.dedup();
    let (mut widened, mut narrowed) = (Vec::new(), Vec::new());
    for id in ids {
        let (b, h) = (base.bit(id), head.bit(id));
        let has = |t: &Table, bit: Option<u64>, i: usize| {
            bit.is_some_and(|bit| t.outcomes.get(i).is_some_and(|o| o.allowed & bit != 0))
        };
        let n = base.outcomes.len();
        let wide: Vec<bool> = (0..n)
            .map(|i| has(head, h, i) && !has(base, b, i))
            .collect();
        let narrow: Vec<bool> = (0..n)
            .map(|i| has(base, b, i) && !has(head, h, i))
            .collect();
        widened.extend(change(
            ChangeKind::Widening,
            Some(id.clone()),
            None,
            &wide,
            space,
        ));
        narrowed.extend(change(
            ChangeKind::Narrowing,
            Some(id.clone()),
            None,
            &narrow,
            space,
        ));
    }
    let mut pairs: Vec<(Label, Label)> = base
        .outcomes
        .iter()
        .zip(&head.outcomes)
        .filter(|(a, b)| a.label != b.label)
        .map(|(a, b)| (a.label, b.label))
        .collect();
    pairs.sort();
    pairs.dedup();
    let labels = pairs
        .into_iter()
        .filter_map(|(from, to)| {
            let members: Vec<bool> = base
                .outcomes
                .iter()
                .zip(&head.outcomes)
                .map(|(a, b)| a.label == from && b.label == to)
                .collect();
            change(ChangeKind::Label, None, Some((from, to)), &members, space)
        })
        .collect();
    Diff {
        cells: base.outcomes.len(),
        widened,
        narrowed,
        labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(corpus: Vec<CorpusChange>) -> DiffReport {
        DiffReport {
            base: "a".into(),
            head: "b".into(),
            diff: Diff {
                cells: 0,
                widened: Vec::new(),
                narrowed: Vec::new(),
                labels: Vec::new(),
            },
            tables: None,
            catalog: Vec::new(),
            derived: Derived::default(),
            corpus,
            examples: Vec::new(),
        }
    }

    fn bundle(widened: &[&str], narrowed: &[&str]) -> CorpusChange {
        CorpusChange {
            bundle: "testdata/bundles/x".into(),
            base: String::new(),
            head: String::new(),
            widened: widened.iter().map(|s| (*s).to_string()).collect(),
            narrowed: narrowed.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    /// A claim newly allowed on one corpus bundle is a widening even when no cell of the
    /// space changed: `--fail-on widening` must not read only the space.
    #[test]
    fn a_widening_on_the_corpus_alone_is_a_widening() {
        let r = report(vec![bundle(&["runtime.gpu_cc_mode_on"], &[])]);
        assert!(r.widens());
        assert!(!r.narrows());
        let r = report(vec![bundle(&[], &["job.output_bound"])]);
        assert!(!r.widens());
        assert!(r.narrows());
        assert!(!report(Vec::new()).widens());
    }
}
