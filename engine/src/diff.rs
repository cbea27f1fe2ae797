//! What a policy change newly allows or blocks, over every cell of the evidence space.

use crate::decision::Label;
use crate::space::Space;
use crate::table::Table;
use serde::Serialize;

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
