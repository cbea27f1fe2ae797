//! The part of a diff's evidence space derived from the packs themselves: every input path
//! either pack reads ([`crate::Reads`]) that the fixed features leave alone is varied over the
//! constants the rules test it against, at each base cell ([`space::bases`]), and the bundles
//! both packs decide differently are reported with the bundle that shows it.
//!
//! A path is varied by setting the field that carries it ([`fields`]): an attestation's `tee`,
//! a `facts` entry, the nonce a nonce's state is derived from, an attestation's issue time. It
//! counts as varied only when the evidence document of the changed bundle holds the value. A
//! path no field carries, or a test no value can be built for (a general regular expression),
//! is **not covered**: the report lists it with the places that read it.
//!
//! Fields are varied one at a time, then combined per claim: the fields of the paths one
//! claim's decision depends on (its cone, [`crate::policy::Cones`]) take every combination of
//! their values, or every 3-way combination when there are too many ([`combine`]).

use super::combine::{self, STRENGTH};
use super::fields::{self, Field};
use super::summary;
use crate::engine::{At, Engine};
use crate::policy::{PathTest, Place, Reads};
use crate::space::{self, Documents, FEATURES};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How a path the packs read is covered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Coverage {
    /// A feature of the fixed space varies it
    Space {
        /// The feature
        feature: &'static str,
    },
    /// Varied here, over these values (`null`: absent)
    Derived {
        /// The values the evidence held
        values: Vec<Value>,
        /// `every combination` or `every 3-way combination`
        combined: &'static str,
    },
    /// A collection whose members' fields are varied
    Collection,
    /// Read but not varied
    NotCovered {
        /// Why
        reason: String,
    },
}

/// One path either pack reads, and how the diff covered it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathCoverage {
    /// `runtime.attestations[].tee`
    pub path: String,
    /// How it was covered
    pub coverage: Coverage,
    /// Whether a rule that changed between the packs reads it
    pub changed: bool,
    /// Where the packs read it
    pub places: Vec<Place>,
}

impl PathCoverage {
    /// Whether the path was left unvaried.
    pub fn uncovered(&self) -> bool {
        matches!(self.coverage, Coverage::NotCovered { .. })
    }
}

/// A bundle of the derived space that the packs decide differently.
#[derive(Debug, Clone, Serialize)]
pub struct DerivedChange {
    /// The base cell's full-space index
    pub cell: usize,
    /// What was set on it: `path = value` (`absent` when removed)
    pub set: Vec<String>,
    /// The base pack's decision, in one line
    pub base: String,
    /// The head pack's decision
    pub head: String,
    /// Claims the head pack newly allows
    pub widened: Vec<String>,
    /// Claims the head pack newly blocks
    pub narrowed: Vec<String>,
    /// The documents, for writing the bundle
    #[serde(skip)]
    pub documents: Documents,
}

/// Fields combined together because one or more claims depend on all of them.
#[derive(Debug, Clone, Serialize)]
pub struct Cone {
    /// The claims whose decisions depend on these fields
    pub claims: Vec<String>,
    /// The fields, by the evidence path each sets
    pub paths: Vec<String>,
    /// `every combination`, or `every 3-way combination` when there were too many
    pub combined: &'static str,
}

/// The derived part of a diff.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Derived {
    /// Every path either pack reads, in path order
    pub paths: Vec<PathCoverage>,
    /// Rules whose definitions differ between the packs
    pub changed_rules: Vec<String>,
    /// The fields combined together: one entry per distinct cone, with the claims it serves
    pub cones: Vec<Cone>,
    /// How many derived bundles both packs decided
    pub bundles: usize,
    /// The derived bundles decided differently
    pub changes: Vec<DerivedChange>,
}

impl Derived {
    /// The paths left unvaried: those a changed rule reads, then the others.
    pub fn uncovered(&self) -> (Vec<&PathCoverage>, Vec<&PathCoverage>) {
        self.paths
            .iter()
            .filter(|p| p.uncovered())
            .partition(|p| p.changed)
    }

    /// Paths read by a changed rule and left unvaried, except those `allowed` names.
    pub fn uncovered_changed<'a>(&'a self, allowed: &'a [String]) -> Vec<&'a PathCoverage> {
        self.paths
            .iter()
            .filter(|p| p.uncovered() && p.changed && !allowed.contains(&p.path))
            .collect()
    }
}

/// The feature of the fixed space that varies `path`, if one does: the path is one a feature
/// names, a parent of one, or under one that ends in `.*`.
fn space_feature(path: &str) -> Option<&'static str> {
    FEATURES.iter().find_map(|f| {
        f.varies
            .iter()
            .any(|v| {
                let exact = v.strip_suffix(".*").unwrap_or(v);
                let under = |p: &str, parent: &str| {
                    p == parent
                        || p.strip_prefix(parent)
                            .is_some_and(|r| r.starts_with('.') || r.starts_with("[]"))
                };
                under(exact, path) || (v.ends_with(".*") && under(path, exact))
            })
            .then_some(f.name)
    })
}

/// How two decisions of one bundle differ: claims newly allowed, newly blocked, and the labels
/// when they differ.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Change {
    widened: Vec<String>,
    narrowed: Vec<String>,
    labels: Option<(&'static str, &'static str)>,
}

fn change_of(db: &crate::Decision, dh: &crate::Decision) -> Change {
    let ids =
        |d: &crate::Decision| -> Vec<String> { d.allowed.iter().map(|a| a.id.clone()).collect() };
    let (ib, ih) = (ids(db), ids(dh));
    Change {
        widened: ih.iter().filter(|i| !ib.contains(i)).cloned().collect(),
        narrowed: ib.iter().filter(|i| !ih.contains(i)).cloned().collect(),
        labels: (db.label != dh.label).then(|| (db.label.name(), dh.label.name())),
    }
}

/// One bundle to decide: its base cell, what was set (`path = value` lines), its documents.
type Candidate = (usize, Vec<String>, Documents, crate::Bundle);

/// Derives the paths both packs read, varies those the fixed space leaves alone (one at a time,
/// then combined per claim cone), and decides each varied bundle with both packs.
pub fn derive(base: &Engine, head: &Engine) -> Result<Derived, crate::Error> {
    let ((rb, cb), (rh, ch)) = (base.reads_and_cones()?, head.reads_and_cones()?);
    let changed = Reads::changed_rules(&rb, &rh);
    // Every path either pack reads, with its tests, places and readers merged.
    let mut merged: BTreeMap<String, (Vec<PathTest>, BTreeSet<Place>, bool)> = BTreeMap::new();
    for r in rb.paths.iter().chain(&rh.paths) {
        let e = merged.entry(r.path.clone()).or_default();
        for t in &r.tests {
            if !e.0.contains(t) {
                e.0.push(t.clone());
            }
        }
        e.1.extend(r.places.iter().cloned());
        e.2 |= r.rules.iter().any(|x| changed.contains(x));
    }
    let numbers: Vec<i64> = rb.numbers.union(&rh.numbers).copied().collect();

    // The fields to vary, and which field sets each path read.
    let mut coverage: BTreeMap<String, Coverage> = BTreeMap::new();
    let mut fields: Vec<Field> = Vec::new();
    let mut set_by: BTreeMap<String, usize> = BTreeMap::new();
    for (path, (tests, _, _)) in &merged {
        let feature = space_feature(path);
        if let Some(feature) = feature.filter(|_| !fields::derived_fact(path)) {
            coverage.insert(path.clone(), Coverage::Space { feature });
            continue;
        }
        match fields::field_for(path, tests, &numbers) {
            Ok(Some(f)) => {
                let i = match fields.iter().position(|g| g.path == f.path) {
                    Some(i) => i,
                    None => {
                        fields.push(f);
                        fields.len() - 1
                    }
                };
                set_by.insert(path.clone(), i);
            }
            Ok(None) => {}
            Err(reason) => {
                coverage.insert(path.clone(), Coverage::NotCovered { reason });
            }
        }
    }
    let sizes: Vec<usize> = fields.iter().map(|f| f.values.len()).collect();

    // The cones: per claim, the fields of the paths its decision depends on in either pack.
    let mut cones: BTreeMap<Vec<usize>, Vec<String>> = BTreeMap::new();
    for claim in cb.keys().chain(ch.keys()).collect::<BTreeSet<_>>() {
        let of: BTreeSet<usize> = [&cb, &ch]
            .into_iter()
            .filter_map(|c| c.get(claim))
            .flatten()
            .filter_map(|p| set_by.get(p).copied())
            .collect();
        if of.len() > 1 {
            cones
                .entry(of.into_iter().collect())
                .or_default()
                .push(claim.clone());
        }
    }

    let mut out = Derived {
        changed_rules: changed.iter().cloned().collect(),
        ..Derived::default()
    };
    let bases = space::bases();
    let documents: Vec<Documents> = bases.iter().map(space::documents).collect();
    let mut held: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); fields.len()];
    let mut how: Vec<&'static str> = vec!["every combination"; fields.len()];
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut tried = BTreeSet::new();
    // Builds the bundle of each combination at each base cell, keeping those whose evidence
    // holds every value set.
    let mut vary = |combos: &[combine::Combination],
                    at: usize,
                    held: &mut Vec<BTreeSet<usize>>,
                    candidates: &mut Vec<Candidate>| {
        for (cell, docs) in bases.iter().zip(&documents).take(at) {
            for combo in combos {
                if !tried.insert((cell.index(), combo.clone())) {
                    continue;
                }
                let set: Vec<(&Field, &Option<Value>)> = combo
                    .iter()
                    .filter_map(|(f, v)| {
                        let field = fields.get(*f)?;
                        Some((field, field.values.get(*v)?))
                    })
                    .collect();
                let Some(d) = fields::apply(docs, &set) else {
                    continue;
                };
                let name = format!("cell {} varied", cell.index());
                let Ok(bundle) = space::bundle_of(name, d.clone()) else {
                    continue;
                };
                let Ok(evidence) = head.evidence(&bundle, At::Bundle) else {
                    continue;
                };
                let evidence = serde_json::to_value(&evidence).unwrap_or_default();
                if !set.iter().all(|(f, v)| fields::held(&evidence, f, v)) {
                    continue;
                }
                for (f, v) in combo {
                    if let Some(h) = held.get_mut(*f) {
                        h.insert(*v);
                    }
                }
                let said = set
                    .iter()
                    .map(|(f, v)| {
                        let value = v.as_ref().map_or("absent".into(), Value::to_string);
                        format!("{} = {value}", f.path)
                    })
                    .collect();
                candidates.push((cell.index(), said, d, bundle));
            }
        }
    };
    // Each field alone at every base cell first, to learn which values a document can carry;
    // then, per cone, every combination of those fields (or every 3-way one when there are too
    // many), the rest left alone, at the most favorable cell: there a claim is allowed unless
    // a value set stops it.
    vary(
        &combine::one_at_a_time(&sizes),
        bases.len(),
        &mut held,
        &mut candidates,
    );
    for (members, claims) in &cones {
        let carried: Vec<usize> = members
            .iter()
            .copied()
            .filter(|i| held.get(*i).is_some_and(|h| !h.is_empty()))
            .collect();
        if carried.len() < 2 {
            continue;
        }
        let (combos, combined) = match combine::every_combination(&sizes, &carried) {
            Some(c) => (c, "every combination"),
            None => combine::t_way(&sizes, &carried, STRENGTH),
        };
        for i in &carried {
            if let Some(h) = how.get_mut(*i) {
                if combined != "every combination" {
                    *h = combined;
                }
            }
        }
        out.cones.push(Cone {
            claims: claims.clone(),
            paths: carried
                .iter()
                .filter_map(|i| Some(fields.get(*i)?.path.clone()))
                .collect(),
            combined,
        });
        vary(&combos, 1, &mut held, &mut candidates);
    }

    // How each field's paths are covered.
    for (path, i) in &set_by {
        let Some(f) = fields.get(*i) else { continue };
        let h = held.get(*i).cloned().unwrap_or_default();
        // Every value a test names must have been held; absent and `other` may be impossible
        // for the field's type.
        let missing: Vec<String> = f
            .values
            .iter()
            .enumerate()
            .skip(f.required_from)
            .filter(|(v, _)| !h.contains(v))
            .map(|(_, v)| v.as_ref().map_or("absent".into(), Value::to_string))
            .collect();
        let what = match f.target {
            fields::Target::Manifest => "manifest".to_string(),
            fields::Target::Document(kind) => format!("`{}` document", kind.name()),
        };
        let c = if h.is_empty() {
            match space_feature(path) {
                Some(feature) => Coverage::Space { feature },
                None => Coverage::NotCovered {
                    reason: format!("claimgate derives it: no field of the {what} sets it"),
                },
            }
        } else if !missing.is_empty() {
            Coverage::NotCovered {
                reason: format!("the {what} cannot make it {}", missing.join(" or ")),
            }
        } else {
            Coverage::Derived {
                values: h
                    .iter()
                    .filter_map(|v| f.values.get(*v).cloned())
                    .map(|v| v.unwrap_or(Value::Null))
                    .collect(),
                combined: how.get(*i).copied().unwrap_or("every combination"),
            }
        };
        coverage.insert(path.clone(), c);
    }

    // What already changes on each base cell as it is: the fixed space reports that, so a
    // varied bundle shows something new only when its change differs.
    let mut own = BTreeMap::new();
    let plain: Vec<crate::Bundle> = bases.iter().filter_map(|c| space::bundle(c).ok()).collect();
    for ((db, dh), cell) in base
        .decide_many(plain.iter().cloned(), At::Bundle)
        .zip(head.decide_many(plain.iter().cloned(), At::Bundle))
        .zip(&bases)
    {
        own.insert(
            cell.index(),
            change_of(&db?.into_decision(), &dh?.into_decision()),
        );
    }
    out.bundles = candidates.len();
    let (meta, inputs): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .map(|(cell, set, documents, bundle)| ((cell, set, documents), bundle))
        .unzip();
    let decided = base
        .decide_many(inputs.iter().cloned(), At::Bundle)
        .zip(head.decide_many(inputs.iter().cloned(), At::Bundle))
        .zip(meta);
    let mut seen = BTreeSet::new();
    for ((db, dh), (cell, set, documents)) in decided {
        let (db, dh) = (db?.into_decision(), dh?.into_decision());
        let change = change_of(&db, &dh);
        // Unchanged, or changed as the base cell already is, or a change already shown.
        if change == Change::default()
            || own.get(&cell) == Some(&change)
            || !seen.insert(change.clone())
        {
            continue;
        }
        let Change {
            widened, narrowed, ..
        } = change;
        out.changes.push(DerivedChange {
            cell,
            set,
            base: summary(&db),
            head: summary(&dh),
            widened,
            narrowed,
            documents,
        });
    }

    // Paths that hold varied ones (`runtime.attestations`) are covered through them.
    for path in merged.keys() {
        if coverage.contains_key(path) {
            continue;
        }
        let parent_of_varied = coverage.iter().any(|(p, c)| {
            !matches!(c, Coverage::NotCovered { .. })
                && p.strip_prefix(path.as_str())
                    .is_some_and(|r| r.starts_with('.') || r.starts_with("[]"))
        });
        let c = if parent_of_varied {
            Coverage::Collection
        } else {
            Coverage::NotCovered {
                reason: "no feature of the space and no document field sets it".into(),
            }
        };
        coverage.insert(path.clone(), c);
    }
    out.paths = merged
        .into_iter()
        .map(|(path, (_, places, changed))| PathCoverage {
            coverage: coverage.remove(&path).unwrap_or(Coverage::Collection),
            path,
            changed,
            places: places.into_iter().collect(),
        })
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_space_covers_what_its_features_name() {
        assert_eq!(
            space_feature("job.workload_digest.state"),
            Some("workload_digest")
        );
        assert_eq!(space_feature("runtime.attestations"), Some("attestation"));
        assert_eq!(space_feature("runtime"), Some("attestation"));
        assert_eq!(space_feature("runtime.attestations[].tee"), None);
        assert_eq!(space_feature("capacity.benchmarks[].value"), None);
        assert_eq!(
            space_feature("runtime.attestations[].issued_at.unix"),
            Some("attestation")
        );
    }
}
