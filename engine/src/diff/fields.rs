//! How a path the packs read is set in a bundle: the field of the manifest or of a native
//! document that carries it, the values to try, and whether the evidence built from the
//! changed bundle holds the value.
//!
//! Most paths are a field of a collection whose elements come one per document
//! (`runtime.attestations[].tee` is an attestation's `tee`). A few are facts claimgate derives
//! from one field while normalizing ([`LEVERS`]): a nonce's `state` and `hex` from the
//! document's `nonce`, the expected nonce from the manifest's, an attestation's `issued_at`
//! from its own. Those are varied through that field.

use crate::document::Kind;
use crate::policy::PathTest;
use crate::space::{Documents, AT};
use crate::time::Instant;
use serde_json::{json, Value};

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

/// Where a varied field is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// A field of the manifest (`expected_nonce`)
    Manifest,
    /// A field of the first native document of the kind (for `facts`, a document is added)
    Document(Kind),
}

/// How the evidence writes what the field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// As written (`tee`, a fact's `key`)
    Plain,
    /// A hex fact, `{state, hex}` (nonces)
    Hex,
    /// An instant, `{unix, rfc3339}`, tried mostly on one side of the evaluation instant: an
    /// issue time before it (`-1`: how old), an expiry after it (`1`: how long still valid)
    Time(i64),
}

/// An evidence path claimgate derives from one field while normalizing: the path (and every
/// path under it), where the field is, its name there, and its shape.
struct Lever {
    path: &'static str,
    target: Target,
    field: &'static str,
    shape: Shape,
}

/// The derived facts a diff varies through the field they come from.
const LEVERS: &[Lever] = &[
    Lever {
        path: "expected_nonce",
        target: Target::Manifest,
        field: "expected_nonce",
        shape: Shape::Hex,
    },
    Lever {
        path: "runtime.attestations[].nonce",
        target: Target::Document(Kind::AttestationResult),
        field: "nonce",
        shape: Shape::Hex,
    },
    Lever {
        path: "runtime.attestations[].issued_at",
        target: Target::Document(Kind::AttestationResult),
        field: "issued_at",
        shape: Shape::Time(-1),
    },
    Lever {
        path: "runtime.attestations[].expires_at",
        target: Target::Document(Kind::AttestationResult),
        field: "expires_at",
        shape: Shape::Time(1),
    },
];

/// One field to vary, and its values (`None`: absent).
#[derive(Debug, Clone)]
pub(super) struct Field {
    /// The evidence path the field becomes (`runtime.attestations[].nonce`)
    pub path: String,
    /// Where it is set
    pub target: Target,
    /// Its name there
    pub name: String,
    /// How the evidence writes it
    pub shape: Shape,
    /// The values to try
    pub values: Vec<Option<Value>>,
    /// Values at this position and after must be held for the paths it sets to count as
    /// covered (before it: absent and a value no rule names, which a field's type may forbid)
    pub required_from: usize,
}

/// A string no rule compares with (namespaced, so a `facts` key may hold it too).
pub(super) const OTHER: &str = "claimgate.other";

/// Two nonces (32 bytes of hex) and text that is not hex: equal, different and malformed.
const NONCES: [&str; 3] = [
    "6e6f6e63652d6f662d74686520636c61696d676174652d6576696465e4ce2d31",
    "6e6f6e63652d6f662d74686520636c61696d676174652d6576696465e4ce2d32",
    "claimgate-not-hex",
];

/// The numbers a time is set either side of: a minute to ten years, in seconds. Smaller
/// numbers in a pack count bytes and items, not time; freshness windows are longer.
const SECONDS: std::ops::RangeInclusive<i64> = 60..=10 * 366 * 86_400;

/// The field that sets `path`, built for its tests, or why none can; `Ok(None)` when no
/// field carries the path (a feature of the space, or a collection, may).
///
/// `numbers` are the whole numbers the packs write: a time is set either side of each number of
/// seconds ([`SECONDS`]) before and after the evaluation instant.
pub(super) fn field_for(
    path: &str,
    tests: &[PathTest],
    numbers: &[i64],
) -> Result<Option<Field>, String> {
    if let Some(l) = lever_of(path) {
        let values = match l.shape {
            Shape::Hex => std::iter::once(None)
                .chain(NONCES.iter().map(|n| Some(json!(n))))
                .collect(),
            Shape::Time(side) => times(numbers, side),
            Shape::Plain => Vec::new(),
        };
        return Ok(Some(Field {
            path: l.path.to_string(),
            target: l.target,
            name: l.field.to_string(),
            shape: l.shape,
            values,
            // Every nonce state can be made; times are checked as held, never required (a
            // feature of the space varies them too).
            required_from: match l.shape {
                Shape::Time(_) => usize::MAX,
                _ => 0,
            },
        }));
    }
    let Some((kind, name)) = COLLECTIONS.iter().find_map(|(c, k)| {
        let field = path.strip_prefix(c)?.strip_prefix("[].")?;
        (!field.contains(['.', '[']) && !field.is_empty()).then_some((*k, field))
    }) else {
        return Ok(None);
    };
    let mut values = witnesses(tests)?;
    // And the values the evidence schema names for the path (its enums).
    for v in crate::policy::schema_values(path) {
        if !values.contains(&Some(v.clone())) {
            values.push(Some(v));
        }
    }
    Ok(Some(Field {
        path: path.to_string(),
        target: Target::Document(kind),
        name: name.to_string(),
        shape: Shape::Plain,
        values,
        required_from: 2,
    }))
}

/// Whether claimgate derives `path` from a field ([`LEVERS`]): such a path is varied through
/// the field even when a feature of the space varies it too.
pub(super) fn derived_fact(path: &str) -> bool {
    lever_of(path).is_some()
}

/// The lever deriving `path`, when one does.
fn lever_of(path: &str) -> Option<&'static Lever> {
    LEVERS.iter().find(|l| {
        path.strip_prefix(l.path)
            .is_some_and(|r| r.is_empty() || r.starts_with('.'))
    })
}

/// The evaluation instant, a minute past it on the other side, and on `side` of it the instants
/// each number of seconds away, with one second either side: results issued exactly a day
/// ago and a second either way, expiring in exactly an hour and a second either way.
fn times(numbers: &[i64], side: i64) -> Vec<Option<Value>> {
    let Ok(at) = Instant::parse(AT) else {
        return Vec::new();
    };
    let mut offsets = vec![0i64, -60 * side];
    for n in numbers.iter().filter(|n| SECONDS.contains(*n)) {
        offsets.extend([n - 1, *n, n + 1].map(|d| d * side));
    }
    offsets.sort_unstable();
    offsets.dedup();
    offsets
        .into_iter()
        .filter_map(|d| Instant::from_unix(at.unix.checked_add(d)?).ok())
        .map(|i| Some(json!(i.to_string())))
        .collect()
}

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

/// Sets the fields on the documents: the manifest, the first document of each kind (a `facts`
/// document is added, with the `key` and `value` set). `None` when the documents have no
/// document of a kind to change.
pub(super) fn apply(docs: &Documents, set: &[(&Field, &Option<Value>)]) -> Option<Documents> {
    let mut d = docs.clone();
    let facts: Vec<&(&Field, &Option<Value>)> = set
        .iter()
        .filter(|(f, _)| f.target == Target::Document(Kind::Facts))
        .collect();
    if !facts.is_empty() {
        let get = |n: &str| {
            facts
                .iter()
                .find(|(f, _)| f.name == n)
                .map(|(_, v)| (*v).clone())
        };
        let key = get("key").unwrap_or(Some(json!("claimgate.probe")))?;
        let value = get("value").unwrap_or(Some(json!(OTHER)))?;
        let key = key.as_str()?.to_string();
        d.1.push((Kind::Facts, json!({"facts": {key: value}})));
    }
    for (field, value) in set {
        let o = match field.target {
            Target::Document(Kind::Facts) => continue,
            Target::Manifest => d.0.as_object_mut()?,
            Target::Document(kind) => {
                d.1.iter_mut()
                    .find(|(k, _)| *k == kind)?
                    .1
                    .as_object_mut()?
            }
        };
        match value {
            Some(v) => o.insert(field.name.clone(), v.clone()),
            None => o.remove(&field.name),
        };
    }
    Some(d)
}

/// Whether the evidence holds `value` for the field (in some element, for a collection).
pub(super) fn held(evidence: &Value, field: &Field, value: &Option<Value>) -> bool {
    let (outer, inner) = match field.path.split_once("[].") {
        Some((collection, name)) => (collection, Some(name)),
        None => (field.path.as_str(), None),
    };
    let mut node = evidence;
    for seg in outer.split('.') {
        node = &node[seg];
    }
    let nodes: Vec<&Value> = match inner {
        Some(name) => node
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e[name])
            .collect(),
        None => vec![node],
    };
    nodes.into_iter().any(|n| match (field.shape, value) {
        (Shape::Hex, None) => n["state"] == "absent",
        (_, None) => n.is_null(),
        (Shape::Plain, Some(v)) => n == v,
        (Shape::Hex, Some(v)) => match v.as_str().and_then(crate::adapter::hex_lower) {
            Some(hex) => n["state"] == "valid" && n["hex"] == hex.as_str(),
            None => n["state"] == "malformed",
        },
        (Shape::Time(_), Some(v)) => v
            .as_str()
            .and_then(|s| Instant::parse(s).ok())
            .is_some_and(|i| n["unix"] == i.unix),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn derived_facts_are_set_through_the_field_they_come_from() {
        let nonce = field_for("runtime.attestations[].nonce.state", &[], &[])
            .unwrap()
            .unwrap();
        assert_eq!((nonce.name.as_str(), nonce.shape), ("nonce", Shape::Hex));
        assert_eq!(nonce.values.len(), 4);
        let expected = field_for("expected_nonce.hex", &[], &[]).unwrap().unwrap();
        assert_eq!(expected.target, Target::Manifest);
        // An issue time at the instant, a minute after it, and a day before it with a second
        // either side (32 is not a number of seconds).
        let issued = field_for("runtime.attestations[].issued_at.unix", &[], &[86_400, 32])
            .unwrap()
            .unwrap();
        let got: Vec<&str> = issued
            .values
            .iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            got,
            [
                "2026-11-24T11:59:59Z",
                "2026-11-24T12:00:00Z",
                "2026-11-24T12:00:01Z",
                "2026-11-25T12:00:00Z",
                "2026-11-25T12:01:00Z"
            ]
        );
        assert!(field_for("job.workload_digest.state", &[], &[])
            .unwrap()
            .is_none());
    }
}
