//! The part of a diff's evidence space derived from the packs themselves: every input path
//! either pack reads ([`crate::Reads`]) that the fixed features leave alone is varied over the
//! constants the rules test it against, at each base cell ([`space::bases`]), and the bundles
//! both packs decide differently are reported with the bundle that shows it.
//!
//! A path is varied by setting the field of the native document that carries it (an
//! attestation's `tee`, a `facts` entry), and counts as varied only when the evidence document
//! of the changed bundle holds the value at that path. A path no document field carries, or a
//! test no value can be built for (a general regular expression), is **not covered**: the
//! report lists it with the places that read it.

use super::summary;
use crate::document::Kind;
use crate::engine::{At, Engine};
use crate::policy::{PathTest, Place, Reads};
use crate::space::{self, Documents, FEATURES};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Most value combinations tried for one collection's fields at one base cell: under it every
/// combination is tried, over it every combination of any [`STRENGTH`] fields (the report
/// says which).
pub const EXHAUSTIVE_LIMIT: usize = 256;

/// The evidence collections whose elements come one per native document, and their kind.
const COLLECTIONS: &[(&str, Kind)] = &[
    ("runtime.attestations", Kind::AttestationResult),
    ("verifier.decisions", Kind::VerifierDecision),
    ("verifier.releases", Kind::KeyRelease),
    ("capacity.benchmarks", Kind::BenchmarkResult),
    ("storage.facts", Kind::Deployment),
    ("runtime.traces", Kind::OperatorTrace),
    ("facts", Kind::Facts),
];

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

/// The derived part of a diff.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Derived {
    /// Every path either pack reads, in path order
    pub paths: Vec<PathCoverage>,
    /// Rules whose definitions differ between the packs
    pub changed_rules: Vec<String>,
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

/// The collection and field a path names directly (`runtime.attestations[].tee`).
fn field_of(path: &str) -> Option<(&'static str, Kind, &str)> {
    COLLECTIONS.iter().find_map(|(c, k)| {
        let field = path.strip_prefix(c)?.strip_prefix("[].")?;
        (!field.contains(['.', '[']) && !field.is_empty()).then_some((*c, *k, field))
    })
}

/// A string no rule compares with (namespaced, so a `facts` key may hold it too).
const OTHER: &str = "claimgate.other";

/// The values to try for a path with these tests (`None`: absent), or the test no value can
/// be built for.
pub(crate) fn witnesses(tests: &[PathTest]) -> Result<Vec<Option<Value>>, String> {
    let mut out: Vec<Option<Value>> = vec![None, Some(json!(OTHER))];
    let add = |v: Value, out: &mut Vec<Option<Value>>| {
        if !out.contains(&Some(v.clone())) {
            out.push(Some(v));
        }
    };
    for t in tests {
        match t {
            PathTest::Equals(v) => {
                add(v.clone(), &mut out);
                match v {
                    Value::Bool(b) => add(json!(!b), &mut out),
                    Value::Number(n) => {
                        if let Some(n) = n.as_i64().and_then(|n| n.checked_add(1)) {
                            add(json!(n), &mut out);
                        }
                    }
                    _ => {}
                }
            }
            PathTest::Compares(n) => {
                for d in [-1.0, 0.0, 1.0] {
                    let x = n + d;
                    if x.fract() == 0.0 && x.abs() < 9.0e15 {
                        add(json!(x as i64), &mut out);
                    } else {
                        add(json!(x), &mut out);
                    }
                }
            }
            PathTest::StartsWith(p) => add(json!(format!("{p}claimgate")), &mut out),
            PathTest::EndsWith(s) => add(json!(format!("claimgate{s}")), &mut out),
            PathTest::Contains(s) => add(json!(format!("claimgate{s}claimgate")), &mut out),
            PathTest::Regex(r) => match literal_regex(r) {
                Some(w) => add(json!(w), &mut out),
                None => {
                    return Err(format!(
                        "regex.match({r:?}) is tested and no value is built for a general pattern"
                    ))
                }
            },
        }
    }
    Ok(out)
}

/// The one string a pattern of plain characters matches (`^eu-west$` → `eu-west`).
fn literal_regex(pattern: &str) -> Option<String> {
    let inner = pattern.strip_prefix('^').unwrap_or(pattern);
    let inner = inner.strip_suffix('$').unwrap_or(inner);
    inner
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ' | ':' | '/'))
        .then(|| inner.to_string())
}

/// One field of a collection to vary, and its values.
struct Field {
    path: String,
    name: String,
    values: Vec<Option<Value>>,
}

/// Sets the fields on the documents: the first document of the kind is changed (a `facts`
/// document is added). `None` when the base cell has no such document.
fn apply(docs: &Documents, kind: Kind, set: &[(&str, &Option<Value>)]) -> Option<Documents> {
    let mut d = docs.clone();
    if kind == Kind::Facts {
        let get = |n: &str| set.iter().find(|(f, _)| *f == n).map(|(_, v)| (*v).clone());
        let key = get("key").unwrap_or(Some(json!("claimgate.probe")))?;
        let value = get("value").unwrap_or(Some(json!(OTHER)))?;
        let key = key.as_str()?.to_string();
        d.1.push((Kind::Facts, json!({"facts": {key: value}})));
        return Some(d);
    }
    let (_, doc) = d.1.iter_mut().find(|(k, _)| *k == kind)?;
    let o = doc.as_object_mut()?;
    for (name, value) in set {
        match value {
            Some(v) => o.insert((*name).to_string(), v.clone()),
            None => o.remove(*name),
        };
    }
    Some(d)
}

/// Whether the evidence holds each value at its field in some element of the collection.
fn realized(evidence: &Value, collection: &str, set: &[(&str, &Option<Value>)]) -> bool {
    let mut node = evidence;
    for seg in collection.split('.') {
        node = &node[seg];
    }
    node.as_array().into_iter().flatten().any(|e| {
        set.iter().all(|(f, v)| match v {
            Some(v) => e.get(*f) == Some(v),
            None => e.get(*f).is_none_or(Value::is_null),
        })
    })
}

/// Each field varied alone, the others left as the base cell has them.
fn one_at_a_time(fields: &[Field]) -> Vec<Vec<(usize, usize)>> {
    fields
        .iter()
        .enumerate()
        .flat_map(|(i, f)| (0..f.values.len()).map(move |v| vec![(i, v)]))
        .collect()
}

/// How many fields' values a covering array combines when every combination is too many:
/// every value of any three fields appears together in some bundle.
pub const STRENGTH: usize = 3;

/// Most value tuples a covering array is built for (see [`covering`]).
const MAX_TUPLES: usize = 20_000;

/// A covering array of strength `t` over the fields `which`: rows such that, for any `t` of
/// the fields, every combination of their values is in some row. Built greedily (each row
/// starts from a combination not yet covered and picks each other field's value to cover the
/// most new ones), so it is small but not minimal.
fn covering(
    fields: &[Field],
    which: &[usize],
    t: usize,
) -> (Vec<Vec<(usize, usize)>>, &'static str) {
    let sizes: Vec<usize> = which
        .iter()
        .map(|i| fields.get(*i).map_or(1, |f| f.values.len().max(1)))
        .collect();
    // The greedy search costs about (value tuples) × (fields × values) per row: past
    // MAX_TUPLES tuples, combine fewer fields at a time.
    let tuples = |t: usize| -> usize {
        let n = sizes.len();
        let most = sizes.iter().copied().max().unwrap_or(1);
        (0..t)
            .try_fold(1usize, |acc, i| {
                acc.checked_mul(n.saturating_sub(i))?
                    .checked_mul(most)
                    .map(|x| x / (i + 1))
            })
            .unwrap_or(usize::MAX)
    };
    let mut t = t.min(sizes.len());
    while t > 1 && tuples(t) > MAX_TUPLES {
        t -= 1;
    }
    // Every `t`-subset of field positions, and every value tuple of each.
    let mut subsets: Vec<Vec<usize>> = Vec::new();
    let mut pick = Vec::new();
    fn choose(n: usize, t: usize, from: usize, pick: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if pick.len() == t {
            out.push(pick.clone());
            return;
        }
        for i in from..n {
            pick.push(i);
            choose(n, t, i + 1, pick, out);
            pick.pop();
        }
    }
    choose(sizes.len(), t, 0, &mut pick, &mut subsets);
    let mut uncovered: BTreeSet<(usize, Vec<usize>)> = BTreeSet::new();
    for (s, sub) in subsets.iter().enumerate() {
        let n: usize = sub
            .iter()
            .map(|i| sizes.get(*i).copied().unwrap_or(1))
            .product();
        for mut k in 0..n {
            let vals = sub
                .iter()
                .map(|i| {
                    let m = sizes.get(*i).copied().unwrap_or(1);
                    let v = k % m;
                    k /= m;
                    v
                })
                .collect();
            uncovered.insert((s, vals));
        }
    }
    let covers = |row: &[Option<usize>], s: usize, vals: &[usize]| {
        subsets.get(s).is_some_and(|sub| {
            sub.iter()
                .zip(vals)
                .all(|(i, v)| row.get(*i).copied().flatten() == Some(*v))
        })
    };
    let mut rows = Vec::new();
    while let Some((s, vals)) = uncovered.iter().next().cloned() {
        let mut row: Vec<Option<usize>> = vec![None; sizes.len()];
        for (i, v) in subsets.get(s).into_iter().flatten().zip(&vals) {
            if let Some(slot) = row.get_mut(*i) {
                *slot = Some(*v);
            }
        }
        for f in 0..sizes.len() {
            if row.get(f).copied().flatten().is_some() {
                continue;
            }
            let best = (0..sizes.get(f).copied().unwrap_or(1))
                .max_by_key(|v| {
                    let mut trial = row.clone();
                    if let Some(slot) = trial.get_mut(f) {
                        *slot = Some(*v);
                    }
                    // Prefer the lowest value on a tie: max_by_key keeps the last maximum.
                    let gained = uncovered
                        .iter()
                        .filter(|(s, vals)| covers(&trial, *s, vals))
                        .count();
                    (gained, std::cmp::Reverse(*v))
                })
                .unwrap_or(0);
            if let Some(slot) = row.get_mut(f) {
                *slot = Some(best);
            }
        }
        uncovered.retain(|(s, vals)| !covers(&row, *s, vals));
        rows.push(
            which
                .iter()
                .zip(&row)
                .map(|(i, v)| (*i, v.unwrap_or(0)))
                .collect(),
        );
    }
    let how = match t {
        3.. => "every 3-way combination",
        2 => "every 2-way combination",
        _ => "one field at a time",
    };
    (rows, how)
}

/// Every combination of the values of the fields `which` (indices into `fields`), or `None`
/// when there are more than [`EXHAUSTIVE_LIMIT`].
fn every_combination(fields: &[Field], which: &[usize]) -> Option<Vec<Vec<(usize, usize)>>> {
    let sizes: Vec<(usize, usize)> = which
        .iter()
        .filter_map(|i| Some((*i, fields.get(*i)?.values.len().max(1))))
        .collect();
    let total = sizes
        .iter()
        .try_fold(1usize, |acc, (_, n)| acc.checked_mul(*n))?;
    (total <= EXHAUSTIVE_LIMIT).then(|| {
        (0..total)
            .map(|mut k| {
                sizes
                    .iter()
                    .map(|(i, n)| {
                        let v = k % n;
                        k /= n;
                        (*i, v)
                    })
                    .collect()
            })
            .collect()
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

/// Derives the paths both packs read, varies those the fixed space leaves alone, and decides
/// each varied bundle with both packs.
pub fn derive(base: &Engine, head: &Engine) -> Result<Derived, crate::Error> {
    let (rb, rh) = (base.reads()?, head.reads()?);
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

    let mut coverage: BTreeMap<String, Coverage> = BTreeMap::new();
    let mut by_collection: BTreeMap<&'static str, (Kind, Vec<Field>)> = BTreeMap::new();
    for (path, (tests, _, _)) in &merged {
        if let Some(feature) = space_feature(path) {
            coverage.insert(path.clone(), Coverage::Space { feature });
            continue;
        }
        let Some((collection, kind, name)) = field_of(path) else {
            continue;
        };
        match witnesses(tests) {
            Ok(mut values) => {
                // And the values the evidence schema names for the path (its enums).
                for v in crate::policy::schema_values(path) {
                    if !values.contains(&Some(v.clone())) {
                        values.push(Some(v));
                    }
                }
                by_collection
                    .entry(collection)
                    .or_insert_with(|| (kind, Vec::new()))
                    .1
                    .push(Field {
                        path: path.clone(),
                        name: name.to_string(),
                        values,
                    });
            }
            Err(reason) => {
                coverage.insert(path.clone(), Coverage::NotCovered { reason });
            }
        }
    }

    let mut out = Derived {
        changed_rules: changed.iter().cloned().collect(),
        ..Derived::default()
    };
    let bases = space::bases();
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
    for (collection, (kind, fields)) in &by_collection {
        let mut held: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); fields.len()];
        let mut meta = Vec::new();
        let mut inputs = Vec::new();
        let mut tried = BTreeSet::new();
        // Each field alone first, to learn which fields a document can carry; then every
        // combination of those, while there are few enough.
        let mut combined = "every combination";
        for round in 0..2 {
            let combos = if round == 0 {
                one_at_a_time(fields)
            } else {
                let carried: Vec<usize> = (0..fields.len())
                    .filter(|i| held.get(*i).is_some_and(|h| !h.is_empty()))
                    .collect();
                if carried.len() < 2 {
                    break;
                }
                match every_combination(fields, &carried) {
                    Some(c) => c,
                    None => {
                        let (rows, how) = covering(fields, &carried, STRENGTH);
                        combined = how;
                        rows
                    }
                }
            };
            for cell in &bases {
                let docs = space::documents(cell);
                for combo in &combos {
                    if !tried.insert((cell.index(), combo.clone())) {
                        continue;
                    }
                    let set: Vec<(&str, &Option<Value>)> = combo
                        .iter()
                        .filter_map(|(f, v)| {
                            let field = fields.get(*f)?;
                            Some((field.name.as_str(), field.values.get(*v)?))
                        })
                        .collect();
                    let Some(d) = apply(&docs, *kind, &set) else {
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
                    if !realized(&evidence, collection, &set) {
                        continue;
                    }
                    for (f, v) in combo {
                        if let Some(h) = held.get_mut(*f) {
                            h.insert(*v);
                        }
                    }
                    let said: Vec<String> = combo
                        .iter()
                        .filter_map(|(f, v)| {
                            let field = fields.get(*f)?;
                            let value = match field.values.get(*v)? {
                                Some(x) => x.to_string(),
                                None => "absent".to_string(),
                            };
                            Some(format!("{} = {value}", field.path))
                        })
                        .collect();
                    meta.push((cell.index(), said, d));
                    inputs.push(bundle);
                }
            }
        }
        for (i, f) in fields.iter().enumerate() {
            let h = held.get(i).cloned().unwrap_or_default();
            // Every value a test names must have been held; `other` and absent may be
            // impossible for the field's type.
            let missing: Vec<String> = f
                .values
                .iter()
                .enumerate()
                .skip(2)
                .filter(|(v, _)| !h.contains(v))
                .filter_map(|(_, v)| v.as_ref().map(Value::to_string))
                .collect();
            let c = if h.is_empty() {
                Coverage::NotCovered {
                    reason: format!(
                        "claimgate derives it: no field of the `{}` document sets it",
                        kind.name()
                    ),
                }
            } else if !missing.is_empty() {
                Coverage::NotCovered {
                    reason: format!(
                        "the `{}` document cannot make it {}",
                        kind.name(),
                        missing.join(" or ")
                    ),
                }
            } else {
                Coverage::Derived {
                    values: h
                        .iter()
                        .filter_map(|v| f.values.get(*v).cloned())
                        .map(|v| v.unwrap_or(Value::Null))
                        .collect(),
                    combined,
                }
            };
            coverage.insert(f.path.clone(), c);
        }
        out.bundles += inputs.len();
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

    #[test]
    fn witnesses_satisfy_the_tests_or_say_why_not() {
        let w = witnesses(&[PathTest::EndsWith("-cc".into())]).unwrap();
        assert!(w.contains(&Some(json!("claimgate-cc"))));
        assert!(w.contains(&None));
        assert_eq!(literal_regex("^eu-west$").as_deref(), Some("eu-west"));
        assert!(witnesses(&[PathTest::Regex("^eu-[a-z]+$".into())]).is_err());
        let n = witnesses(&[PathTest::Compares(3.0)]).unwrap();
        for x in [2, 3, 4] {
            assert!(n.contains(&Some(json!(x))), "{n:?}");
        }
    }

    #[test]
    fn fields_combine_while_the_product_is_small() {
        let f = |n: usize| Field {
            path: String::new(),
            name: String::new(),
            values: vec![None; n],
        };
        let two = [f(4), f(4)];
        assert_eq!(every_combination(&two, &[0, 1]).map(|c| c.len()), Some(16));
        assert_eq!(one_at_a_time(&two).len(), 8);
        let many: Vec<Field> = (0..6).map(|_| f(4)).collect();
        let all: Vec<usize> = (0..6).collect();
        assert_eq!(every_combination(&many, &all), None);
        // Over the limit: a covering array, far fewer rows than 4^6 = 4096, in which any three
        // fields take every one of their 64 value combinations.
        let (rows, how) = covering(&many, &all, STRENGTH);
        assert_eq!(how, "every 3-way combination");
        assert!(rows.len() < 200, "{}", rows.len());
        for a in 0..6 {
            for b in a + 1..6 {
                for c in b + 1..6 {
                    for k in 0..64 {
                        let want = [(a, k % 4), (b, k / 4 % 4), (c, k / 16)];
                        assert!(
                            rows.iter().any(|r| want.iter().all(|w| r.contains(w))),
                            "{want:?} is in no row"
                        );
                    }
                }
            }
        }
    }
}
