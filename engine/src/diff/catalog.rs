//! What changed between two catalogs, entry by entry: claims, their requirements and sentences,
//! the blocklist and its safer rewrites, labels and claim limits. A catalog edit can widen
//! without any rule changing (a requirement dropped, a blocked sentence removed), so the diff
//! reports these apart from what the evidence space shows.

use crate::catalog::Catalog;
use serde::Serialize;
use std::collections::BTreeMap;

/// One change to the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogChange {
    /// What kind of entry changed, and how
    pub kind: CatalogChangeKind,
    /// The claim id, blocked id, label or claim-limit key it concerns
    pub subject: String,
    /// Before and after, in words
    pub detail: String,
    /// Whether it can let more be said: a claim added, a requirement dropped, a blocked
    /// sentence removed or reworded
    pub widens: bool,
}

/// The kinds of catalog change; written in snake case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogChangeKind {
    /// A claim the head catalog has and the base does not
    ClaimAdded,
    /// A claim the base catalog has and the head does not
    ClaimRemoved,
    /// A requirement a claim no longer names
    RequirementRemoved,
    /// A requirement a claim now names
    RequirementAdded,
    /// A claim's sentence, box, louder sentences or rewrites changed
    ClaimChanged,
    /// A blocked sentence the head catalog has and the base does not
    BlockedAdded,
    /// A blocked sentence the base catalog has and the head does not
    BlockedRemoved,
    /// A blocked entry's sentence, safer claim or reason changed
    BlockedChanged,
    /// Which claims make which label, or their order
    LabelsChanged,
    /// What receipts say each kind of evidence can back
    ClaimLimitsChanged,
}

impl CatalogChangeKind {
    /// The kind in words, for reports.
    pub fn words(self) -> &'static str {
        match self {
            CatalogChangeKind::ClaimAdded => "claim added",
            CatalogChangeKind::ClaimRemoved => "claim removed",
            CatalogChangeKind::RequirementRemoved => "requirement removed",
            CatalogChangeKind::RequirementAdded => "requirement added",
            CatalogChangeKind::ClaimChanged => "claim changed",
            CatalogChangeKind::BlockedAdded => "blocked sentence added",
            CatalogChangeKind::BlockedRemoved => "blocked sentence removed",
            CatalogChangeKind::BlockedChanged => "blocked sentence changed",
            CatalogChangeKind::LabelsChanged => "labels changed",
            CatalogChangeKind::ClaimLimitsChanged => "claim limit changed",
        }
    }
}

/// Every change from `base` to `head`, in catalog order (claims, blocklist, labels, limits).
pub fn changes(base: &Catalog, head: &Catalog) -> Vec<CatalogChange> {
    let mut out = Vec::new();
    let mut push = |kind, subject: &str, detail: String, widens| {
        out.push(CatalogChange {
            kind,
            subject: subject.to_string(),
            detail,
            widens,
        });
    };
    for pair in by_id(&base.claims, &head.claims, |c| &c.id) {
        let (b, h) = match pair {
            (Some(b), None) => {
                let detail = quote(&b.sentence);
                push(CatalogChangeKind::ClaimRemoved, &b.id, detail, false);
                continue;
            }
            (None, Some(h)) => {
                let detail = format!(
                    "{} (requires {})",
                    quote(&h.sentence),
                    h.requires.join(", ")
                );
                push(CatalogChangeKind::ClaimAdded, &h.id, detail, true);
                continue;
            }
            (Some(b), Some(h)) => (b, h),
            (None, None) => continue,
        };
        for r in b.requires.iter().filter(|r| !h.requires.contains(r)) {
            push(
                CatalogChangeKind::RequirementRemoved,
                &h.id,
                r.clone(),
                true,
            );
        }
        for r in h.requires.iter().filter(|r| !b.requires.contains(r)) {
            push(CatalogChangeKind::RequirementAdded, &h.id, r.clone(), false);
        }
        let mut changed: Vec<String> = reworded(&b.sentence, &h.sentence).into_iter().collect();
        if b.claim_box != h.claim_box {
            changed.push(format!(
                "box {} → {}",
                b.claim_box.name(),
                h.claim_box.name()
            ));
        }
        if b.never_inflate_to != h.never_inflate_to {
            changed.push("louder sentences (never_inflate_to)".to_string());
        }
        if b.rewrite_to != h.rewrite_to {
            changed.push(format!(
                "rewrites [{}] → [{}]",
                b.rewrite_to.join(", "),
                h.rewrite_to.join(", ")
            ));
        }
        if !changed.is_empty() {
            // A new sentence says something new: reviewers read it as a widening.
            let widens = b.sentence != h.sentence || b.claim_box != h.claim_box;
            push(
                CatalogChangeKind::ClaimChanged,
                &h.id,
                changed.join("; "),
                widens,
            );
        }
    }
    for pair in by_id(&base.blocked, &head.blocked, |b| &b.id) {
        match pair {
            (Some(b), None) => {
                push(
                    CatalogChangeKind::BlockedRemoved,
                    &b.id,
                    quote(&b.sentence),
                    true,
                );
            }
            (None, Some(h)) => {
                push(
                    CatalogChangeKind::BlockedAdded,
                    &h.id,
                    quote(&h.sentence),
                    false,
                );
            }
            (Some(b), Some(h))
                if b.sentence != h.sentence || b.safer != h.safer || b.why != h.why =>
            {
                let mut changed: Vec<String> =
                    reworded(&b.sentence, &h.sentence).into_iter().collect();
                if b.safer != h.safer {
                    changed.push(format!("say instead {} → {}", b.safer, h.safer));
                }
                if b.why != h.why {
                    changed.push("reason".to_string());
                }
                // The old wording is no longer blocked.
                let widens = b.sentence != h.sentence;
                push(
                    CatalogChangeKind::BlockedChanged,
                    &h.id,
                    changed.join("; "),
                    widens,
                );
            }
            _ => {}
        }
    }
    let labels = |c: &Catalog| {
        c.labels
            .iter()
            .map(|l| format!("{} ← {}", l.label.name(), l.claim))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if labels(base) != labels(head) {
        push(
            CatalogChangeKind::LabelsChanged,
            "labels",
            format!("[{}] → [{}]", labels(base), labels(head)),
            true,
        );
    }
    let limits = |c: &Catalog| serde_json::to_value(&c.claim_limits).unwrap_or_default();
    let (lb, lh) = (limits(base), limits(head));
    if lb != lh {
        for key in [
            "benchmark_result",
            "attestation_result",
            "policy_decision",
            "provider_constraints",
        ] {
            if lb.get(key) != lh.get(key) {
                push(
                    CatalogChangeKind::ClaimLimitsChanged,
                    key,
                    format!("{} → {}", text(lb.get(key)), text(lh.get(key))),
                    true,
                );
            }
        }
    }
    out
}

/// The entries of two lists paired by id: those only `base` has (in its order), then each of
/// `head`'s with its `base` entry if there is one (in `head`'s order).
fn by_id<'a, T>(
    base: &'a [T],
    head: &'a [T],
    id: impl Fn(&T) -> &String,
) -> Vec<(Option<&'a T>, Option<&'a T>)> {
    let before: BTreeMap<&String, &T> = base.iter().map(|x| (id(x), x)).collect();
    let after: BTreeMap<&String, &T> = head.iter().map(|x| (id(x), x)).collect();
    let removed = base
        .iter()
        .filter(|x| !after.contains_key(id(x)))
        .map(|x| (Some(x), None));
    let kept = head.iter().map(|h| (before.get(id(h)).copied(), Some(h)));
    removed.chain(kept).collect()
}

/// `sentence "before" → "after"`, when the sentence changed.
fn reworded(before: &str, after: &str) -> Option<String> {
    (before != after).then(|| format!("sentence {} → {}", quote(before), quote(after)))
}

fn quote(s: &str) -> String {
    format!("\"{s}\"")
}

fn text(v: Option<&serde_json::Value>) -> String {
    v.map(ToString::to_string).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(base: &Catalog, head: &Catalog) -> Vec<(CatalogChangeKind, String, bool)> {
        changes(base, head)
            .into_iter()
            .map(|c| (c.kind, c.subject, c.widens))
            .collect()
    }

    /// Each kind of edit is found once, removals first, and only loosening ones widen.
    #[test]
    fn each_catalog_edit_is_reported_and_loosening_ones_widen() {
        let engine = crate::Engine::builder(crate::Pack::embedded())
            .build()
            .unwrap();
        let base = engine.catalog().clone();
        assert!(changes(&base, &base).is_empty());

        let mut head = base.clone();
        let dropped = head.blocked.remove(0);
        let mut claim = head.claims[0].clone();
        claim.id = "capacity.new".into();
        head.claims.push(claim);
        head.claims[1].requires.pop();
        head.blocked[0].safer = head.claims[2].id.clone();
        let first = head.claims[1].id.clone();
        assert_eq!(
            kinds(&base, &head),
            [
                (CatalogChangeKind::RequirementRemoved, first, true),
                (CatalogChangeKind::ClaimAdded, "capacity.new".into(), true),
                (CatalogChangeKind::BlockedRemoved, dropped.id, true),
                (
                    CatalogChangeKind::BlockedChanged,
                    head.blocked[0].id.clone(),
                    false
                ),
            ]
        );
        // The other way round, the same edits narrow.
        assert!(kinds(&head, &base)
            .iter()
            .all(|(k, _, widens)| !widens || *k == CatalogChangeKind::ClaimChanged));
    }
}
