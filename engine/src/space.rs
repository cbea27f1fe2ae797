//! The finite evidence space: every combination of a few evidence features, each turned into a
//! concrete bundle of native documents.
//!
//! This is what makes decision tables, semantic diffs and invariant checks exhaustive rather
//! than sampled. The features live in [`FEATURES`]; adding one is one entry there and one arm
//! in [`documents`]. Each cell is evaluated in memory; the same documents can be written out
//! as a bundle directory ([`write_bundle`]) that `claimgate eval` decides identically.

use crate::bundle::{Artifact, Bundle, Entry, Job, KindSeed, Role};
use crate::digest::Digest;
use crate::document::Kind;
use crate::source::SourceFile;
use crate::time::Instant;
use serde::de::DeserializeSeed;
use serde_json::{json, Value};
use std::path::Path;

/// Why a pack's decisions cannot be tabulated over the space.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum SpaceError {
    /// The catalog has more claims than a table's bitmask holds
    #[error(
        "the catalog has {claims} claims and blocked sentences; a decision table holds at most 64"
    )]
    #[diagnostic(
        code(claimgate::space::too_many_claims),
        help("split the catalog, or tabulate a pack with fewer claims")
    )]
    TooManyClaims {
        /// How many the catalog has
        claims: usize,
    },
    /// Deciding a cell failed (the pack raised an error on its evidence)
    #[error("deciding cell {cell} of the evidence space ({description}) failed: {error}")]
    #[diagnostic(
        code(claimgate::space::decide),
        help("write the cell out as a bundle with `claimgate table --write-cell {cell} DIR`, then run it with `claimgate eval DIR --policy-dir PACK`")
    )]
    Decide {
        /// The cell's full-space index
        cell: usize,
        /// Its feature values
        description: String,
        /// What failed
        error: Box<crate::Error>,
    },
    /// A cell's documents do not make a bundle (a defect of the space, not of the pack)
    #[error("cell {cell} of the evidence space does not make a bundle: {message}")]
    #[diagnostic(code(claimgate::space::cell))]
    Cell {
        /// The cell's index in the full space
        cell: usize,
        /// What failed
        message: String,
    },
}

/// One evidence feature and the values it ranges over.
#[derive(Debug, Clone, Copy)]
pub struct Feature {
    /// Name, e.g. `attestation`
    pub name: &'static str,
    /// What its values mean, for a report's legend
    pub about: &'static str,
    /// Its values, most favorable first
    pub values: &'static [&'static str],
    /// The evidence paths its values vary (`a.*`: the path and everything under it), so a
    /// diff knows which paths a pack reads that the space leaves alone
    pub varies: &'static [&'static str],
}

/// The evidence abstraction. Attestation values are `absent` or four flags:
/// fresh|stale, matched|mismatched, debug off|on, bound|unbound.
pub const FEATURES: [Feature; 9] = [
    Feature {
        name: "benchmark",
        about: "a `benchmark_result` document (present) or none (absent)",
        values: &["present", "absent"],
        varies: &["capacity.benchmarks"],
    },
    Feature {
        name: "attestation",
        about: "no attestation (absent), or one with four flags: fresh or stale (issued ten minutes before the evaluation instant and unexpired, or a day before and expired), matched or mismatched (measurements against their references), debug off or on, bound or unbound (its workload digest is the job's)",
        values: &[
            "fresh,matched,off,bound",
            "fresh,matched,off,unbound",
            "fresh,matched,on,bound",
            "fresh,matched,on,unbound",
            "fresh,mismatched,off,bound",
            "fresh,mismatched,off,unbound",
            "fresh,mismatched,on,bound",
            "fresh,mismatched,on,unbound",
            "stale,matched,off,bound",
            "stale,matched,off,unbound",
            "stale,matched,on,bound",
            "stale,matched,on,unbound",
            "stale,mismatched,off,bound",
            "stale,mismatched,off,unbound",
            "stale,mismatched,on,bound",
            "stale,mismatched,on,unbound",
            "absent",
        ],
        varies: &[
            "runtime.attestations",
            "runtime.attestations[].issued_at.*",
            "runtime.attestations[].expires_at.*",
            "runtime.attestations[].measurements.*",
            "runtime.attestations[].debug_enabled",
            "runtime.attestations[].workload_digest.*",
            "evaluated_at.*",
        ],
    },
    Feature {
        name: "verifier_decision",
        about: "the verifier decision the bundle records: pass, none recorded, hold, reject by the policy, reject at the key broker",
        values: &[
            "pass",
            "none",
            "hold",
            "reject_at_policy",
            "reject_at_key_broker",
        ],
        varies: &["verifier.decisions.*", "decisions.*"],
    },
    Feature {
        name: "workload_digest",
        about: "the job's workload digest: a valid sha256, absent, or malformed",
        values: &["valid", "absent", "malformed"],
        varies: &["job.workload_digest.*"],
    },
    Feature {
        name: "input_commitment",
        about: "the job's input commitment: a valid sha256, absent, or malformed",
        values: &["valid", "absent", "malformed"],
        varies: &["job.input_commitment.*"],
    },
    Feature {
        name: "output_digest",
        about: "the job's output digest: verified (an output artifact hashes to it), declared (no artifact), absent, mismatched (the artifact hashes to something else), malformed",
        values: &["verified", "declared", "absent", "mismatched", "malformed"],
        varies: &["job.output_digest.*", "job.output_verified", "artifacts.*"],
    },
    Feature {
        name: "storage",
        about: "deployment facts: persistent storage with a backup, provider-local storage only, none",
        values: &["with_backup", "provider_local", "none"],
        varies: &["storage.facts.*"],
    },
    Feature {
        name: "trace",
        about: "an operator trace whose replay matched, none, or one whose replay mismatched",
        values: &["matched", "absent", "mismatched"],
        varies: &["runtime.traces.*"],
    },
    Feature {
        name: "key_release",
        about: "a key the key broker released, or none",
        values: &["released", "none"],
        varies: &["verifier.releases.*"],
    },
];

/// The instant every cell is judged at.
pub const AT: &str = "2026-11-25T12:00:00Z";
/// The delivered result every output artifact holds.
pub const RESULT: &[u8] = b"claimgate evidence-space result\n";

/// A cell: one value index per feature.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell(pub Vec<u8>);

impl Cell {
    /// The value of a feature, by name.
    pub fn get(&self, feature: &str) -> &'static str {
        FEATURES
            .iter()
            .position(|f| f.name == feature)
            .and_then(|i| FEATURES.get(i).zip(self.0.get(i)))
            .and_then(|(f, v)| f.values.get(usize::from(*v)))
            .copied()
            .unwrap_or("")
    }

    /// `feature=value` pairs, in feature order.
    pub fn describe(&self) -> Vec<(&'static str, &'static str)> {
        FEATURES
            .iter()
            .zip(&self.0)
            .map(|(f, v)| (f.name, f.values.get(usize::from(*v)).copied().unwrap_or("")))
            .collect()
    }

    /// The cell's position in `cells`.
    pub fn index(&self) -> usize {
        FEATURES
            .iter()
            .zip(&self.0)
            .fold(0, |acc, (f, v)| acc * f.values.len() + usize::from(*v))
    }

    /// The cell at a full-space index ([`Cell::index`]).
    pub fn at(index: usize) -> Cell {
        cell(index)
    }

    /// Writes the cell as a bundle directory that `claimgate eval` decides as the table does.
    pub fn write_bundle(&self, dir: &Path) -> std::io::Result<()> {
        write_bundle(self, dir)
    }

    /// The cell with one feature set to another value.
    pub fn with(&self, feature: usize, value: u8) -> Cell {
        let mut c = self.clone();
        if let Some(v) = c.0.get_mut(feature) {
            *v = value;
        }
        c
    }
}

/// `feature=value …`, space-separated, in feature order.
impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, value)) in self.describe().into_iter().enumerate() {
            write!(f, "{}{name}={value}", if i > 0 { " " } else { "" })?;
        }
        Ok(())
    }
}

/// Number of cells.
pub fn size() -> usize {
    FEATURES.iter().map(|f| f.values.len()).product()
}

/// The cell at a full-space index.
pub fn cell(mut index: usize) -> Cell {
    let mut v = vec![0u8; FEATURES.len()];
    for (i, f) in FEATURES.iter().enumerate().rev() {
        let n = f.values.len();
        if let Some(slot) = v.get_mut(i) {
            *slot = u8::try_from(index % n).unwrap_or(0);
        }
        index /= n;
    }
    Cell(v)
}

/// A set of cells of the evidence space that tables, invariant checks and diffs range over:
/// the [`full`](Space::full) space, or the [`quick`](Space::quick) sub-space the debug tests use.
///
/// Cells keep their full-space identity ([`Cell::index`]); a table's outcomes are in the order
/// of [`Space::cell`], and [`Space::position`] finds a cell's place (or `None` outside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    name: &'static str,
    /// Full-space indices in increasing order; `None`: every cell.
    cells: Option<Vec<usize>>,
}

/// A box of the quick space: per feature, the values it takes (empty: every value).
type Block = [&'static [&'static str]; 9];

/// The favorable attestation and the single-flag downgrades of it, plus none at all.
const ATTESTATIONS: &[&str] = &[
    "fresh,matched,off,bound",
    "fresh,matched,off,unbound",
    "fresh,matched,on,bound",
    "fresh,mismatched,off,bound",
    "stale,matched,off,bound",
    "absent",
];

/// The quick space's dense box: how attestation, the verifier's decision, the workload and
/// output digests and a key release combine (the label gate, the job and runtime claims), with
/// and without a benchmark; the other features at their most favorable value.
const QUICK_CORE: Block = [
    &[],
    ATTESTATIONS,
    &[],
    &["valid", "absent"],
    &["valid"],
    &["verified", "declared", "absent"],
    &["with_backup"],
    &["matched"],
    &[],
];

/// The bases of the quick space's lines: every value of each feature is taken with the other
/// features at one of these (each with and without a benchmark, so box isolation compares
/// every benchmark cell of the space with its partner).
const QUICK_BASES: [Block; 6] = [
    [
        &[],
        &["fresh,matched,off,bound"],
        &["pass"],
        &["valid"],
        &["valid"],
        &["verified"],
        &["with_backup"],
        &["matched"],
        &["released"],
    ],
    [
        &[],
        &["fresh,matched,off,bound"],
        &["hold"],
        &["valid"],
        &["valid"],
        &["verified"],
        &["with_backup"],
        &["matched"],
        &["released"],
    ],
    [
        &[],
        &["fresh,matched,off,bound"],
        &["reject_at_policy"],
        &["valid"],
        &["valid"],
        &["verified"],
        &["with_backup"],
        &["matched"],
        &["none"],
    ],
    [
        &[],
        &["absent"],
        &["pass"],
        &["valid"],
        &["valid"],
        &["verified"],
        &["with_backup"],
        &["matched"],
        &["released"],
    ],
    [
        &[],
        &["fresh,matched,off,bound"],
        &["none"],
        &["absent"],
        &["absent"],
        &["absent"],
        &["none"],
        &["absent"],
        &["none"],
    ],
    [
        &[],
        &["stale,mismatched,on,unbound"],
        &["reject_at_key_broker"],
        &["malformed"],
        &["malformed"],
        &["malformed"],
        &["provider_local"],
        &["mismatched"],
        &["none"],
    ],
];

impl Space {
    /// Every cell: `size` of them, in index order.
    pub fn full() -> Space {
        Space {
            name: "full",
            cells: None,
        }
    }

    /// The quick sub-space: a dense box of the features that combine into the job and runtime
    /// claims (`QUICK_CORE`), and, through each of a few base cells, a line taking every value
    /// of each feature in turn (`QUICK_BASES`). Every value of every feature occurs, and every
    /// evidence-lessening step of every feature is taken at each base. A few thousand cells
    /// instead of `size`: what the debug tests build; `--space quick` on the command line.
    pub fn quick() -> Space {
        let mut cells = Vec::new();
        add_block(&QUICK_CORE, &mut cells);
        for base in &QUICK_BASES {
            for f in 0..FEATURES.len() {
                let mut line = *base;
                if let Some(slot) = line.get_mut(f) {
                    *slot = &[];
                }
                add_block(&line, &mut cells);
            }
        }
        cells.sort_unstable();
        cells.dedup();
        Space {
            name: "quick",
            cells: Some(cells),
        }
    }

    /// `full` or `quick`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.as_ref().map_or_else(size, Vec::len)
    }

    /// Whether the space has no cell.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell at a position (`0..len()`).
    pub fn cell(&self, position: usize) -> Cell {
        match &self.cells {
            None => cell(position),
            Some(v) => cell(v.get(position).copied().unwrap_or(usize::MAX)),
        }
    }

    /// The position of a cell in this space, if it is one of its cells.
    pub fn position(&self, c: &Cell) -> Option<usize> {
        let i = c.index();
        match &self.cells {
            None => (i < size()).then_some(i),
            Some(v) => v.binary_search(&i).ok(),
        }
    }

    /// Every cell, in position order.
    pub fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        (0..self.len()).map(|p| self.cell(p))
    }
}

/// Adds the full-space index of every cell of a block.
fn add_block(block: &Block, out: &mut Vec<usize>) {
    let values: Vec<Vec<u8>> = FEATURES
        .iter()
        .zip(block)
        .map(|(f, names)| {
            (0..f.values.len())
                .filter(|v| names.is_empty() || f.values.get(*v).is_some_and(|n| names.contains(n)))
                .filter_map(|v| u8::try_from(v).ok())
                .collect()
        })
        .collect();
    let total: usize = values.iter().map(Vec::len).product();
    for mut k in 0..total {
        let mut v = vec![0u8; values.len()];
        for (i, vals) in values.iter().enumerate().rev() {
            if let Some(slot) = v.get_mut(i) {
                *slot = vals.get(k % vals.len().max(1)).copied().unwrap_or(0);
            }
            k /= vals.len().max(1);
        }
        out.push(Cell(v).index());
    }
}

fn sha(s: &str) -> String {
    Digest::sha256_of(s.as_bytes()).to_string()
}

/// The cells a diff varies the paths the space leaves alone at: the most favorable cell and
/// the first cell of each of the quick space's lines.
pub fn bases() -> Vec<Cell> {
    let mut out = vec![cell(0)];
    for base in &QUICK_BASES {
        let values = FEATURES
            .iter()
            .zip(base)
            .map(|(f, names)| {
                let first = names
                    .first()
                    .and_then(|n| f.values.iter().position(|v| v == n));
                u8::try_from(first.unwrap_or(0)).unwrap_or(0)
            })
            .collect();
        let c = Cell(values);
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// A cell's documents: the manifest (`schema`, `evaluated_at`, `job`), the native documents,
/// and whether the result file is declared as an output artifact.
pub type Documents = (Value, Vec<(Kind, Value)>, bool);

/// The manifest fields and native documents of a cell, as JSON.
pub fn documents(cell: &Cell) -> Documents {
    let workload = sha("space workload");
    let result_digest = Digest::sha256_of(RESULT).to_string();
    let mut job = json!({"job_id": "space-cell", "receipt_id": format!("space-{}", cell.index())});
    let digest_field = |state: &str, valid: &str| match state {
        "valid" | "verified" | "declared" => Some(valid.to_string()),
        "mismatched" => Some(sha("some other result")),
        "malformed" => Some("sha256:placeholder".to_string()),
        _ => None,
    };
    let mut set = |k: &str, v: Option<String>| {
        if let (Some(v), Some(o)) = (v, job.as_object_mut()) {
            o.insert(k.into(), Value::String(v));
        }
    };
    set(
        "workload_digest",
        digest_field(cell.get("workload_digest"), &workload),
    );
    set(
        "input_commitment",
        digest_field(cell.get("input_commitment"), &sha("space input")),
    );
    set(
        "output_digest",
        digest_field(cell.get("output_digest"), &result_digest),
    );
    let artifact = matches!(cell.get("output_digest"), "verified" | "mismatched");

    let mut docs = Vec::new();
    if cell.get("benchmark") == "present" {
        docs.push((
            Kind::BenchmarkResult,
            json!({"name": "decode-throughput", "hardware_class": "1x H100",
            "metric": "tokens_per_second", "value": 2950.5, "unit": "tokens/s"}),
        ));
    }
    let att = cell.get("attestation");
    if att != "absent" {
        let flags: Vec<&str> = att.split(',').collect();
        let has = |f: &str| flags.contains(&f);
        let (issued, expires) = if has("fresh") {
            ("2026-11-25T11:50:00Z", "2026-11-25T13:50:00Z")
        } else {
            ("2026-11-24T08:00:00Z", "2026-11-24T10:00:00Z")
        };
        let value = sha("space vbios");
        let reference = if has("matched") {
            value.clone()
        } else {
            sha("space vbios reference")
        };
        docs.push((Kind::AttestationResult, json!({
            "verifier": "space-verifier", "appraisal": "remote", "evidence_digest": sha("space evidence"),
            "issued_at": issued, "expires_at": expires,
            "measurements": [{"name": "vbios", "value": value, "reference": reference}],
            "debug_enabled": has("on"),
            "workload_digest": if has("bound") { workload.clone() } else { sha("another workload") },
        })));
    }
    match cell.get("verifier_decision") {
        "none" => {}
        d => {
            let (status, reached) = match d {
                "pass" => ("pass", json!(["attestation_service", "policy"])),
                "hold" => ("hold", json!(["attestation_service", "policy"])),
                "reject_at_policy" => (
                    "reject",
                    json!(["key_broker", "attestation_service", "policy"]),
                ),
                _ => ("reject", json!(["key_broker"])),
            };
            docs.push((Kind::VerifierDecision, json!({"policy_id": "space_policy", "status": status,
                "reason": format!("recorded {d}"), "verifier": "space-verifier", "reached": reached})));
        }
    }
    if cell.get("key_release") == "released" {
        docs.push((
            Kind::KeyRelease,
            json!({"resource": "default/key/1", "released": true, "policy_id": "space_policy"}),
        ));
    }
    match cell.get("storage") {
        "none" => {}
        s => {
            let mut d =
                json!({"provider": "akash", "storage": "persistent", "provider_local": true});
            if s == "with_backup" {
                if let Some(o) = d.as_object_mut() {
                    o.insert(
                        "backup".into(),
                        json!({"location": "s3://space/result", "digest": result_digest}),
                    );
                }
            }
            docs.push((Kind::Deployment, d));
        }
    }
    match cell.get("trace") {
        "absent" => {}
        t => docs.push((
            Kind::OperatorTrace,
            json!({"trace_digest": sha("space trace"), "replay": t,
            "replayed_by": "space-replayer", "workload_digest": workload}),
        )),
    }
    let manifest = json!({"schema": crate::bundle::SCHEMA, "evaluated_at": AT, "job": job});
    (manifest, docs, artifact)
}

/// The cell as an in-memory bundle rooted at `root` (which must hold `result.txt`).
pub fn bundle(cell: &Cell) -> Result<Bundle, String> {
    bundle_of(format!("cell {}", cell.index()), documents(cell))
}

/// Documents (a cell's, or a cell's changed by a diff) as an in-memory bundle.
pub fn bundle_of(name: String, (manifest, docs, artifact): Documents) -> Result<Bundle, String> {
    let job: Job = serde_json::from_value(manifest["job"].clone()).map_err(|e| e.to_string())?;
    let mut documents = Vec::new();
    for (i, (kind, v)) in docs.into_iter().enumerate() {
        let document = KindSeed(kind).deserialize(v).map_err(|e| e.to_string())?;
        documents.push(Entry {
            id: format!("documents[{i}]"),
            source: "bundle.yaml".into(),
            file: None,
            document,
            text: None,
            sha256: None,
        });
    }
    let files = std::collections::BTreeMap::from([("result.txt".to_string(), RESULT.to_vec())]);
    Ok(Bundle {
        name,
        files: crate::bundle::Files::Memory(std::sync::Arc::new(files)),
        limits: crate::bundle::Limits::default(),
        manifest: SourceFile {
            name: "bundle.yaml".into(),
            text: String::new(),
        },
        job,
        evaluated_at: Instant::parse(AT).ok(),
        expected_nonce: manifest
            .get("expected_nonce")
            .and_then(Value::as_str)
            .map(str::to_string),
        documents,
        artifacts: if artifact {
            vec![Artifact {
                name: "result".into(),
                path: "result.txt".into(),
                role: Role::Output,
                digest: None,
            }]
        } else {
            Vec::new()
        },
    })
}

/// Writes the cell as a bundle directory (`bundle.yaml` with inline documents, `result.txt`).
pub fn write_bundle(cell: &Cell, dir: &Path) -> std::io::Result<()> {
    write_documents(
        dir,
        cell,
        &format!("Cell {} of the evidence space: {cell}.", cell.index()),
        &[],
        documents(cell),
    )
}

/// Writes documents made from `cell` as a bundle directory: `bundle.yaml` (its header comment
/// lists the cell's feature values, then `changes`), `result.txt` and a `README.md` holding
/// `title`.
pub fn write_documents(
    dir: &Path,
    cell: &Cell,
    title: &str,
    changes: &[String],
    (mut manifest, docs, artifact): Documents,
) -> std::io::Result<()> {
    if let Some(o) = manifest.as_object_mut() {
        let entries: Vec<Value> = docs
            .into_iter()
            .map(|(k, v)| json!({"kind": k.name(), "data": v}))
            .collect();
        o.insert("documents".into(), Value::Array(entries));
        if artifact {
            o.insert(
                "artifacts".into(),
                json!([{"name": "result", "path": "result.txt", "role": "output"}]),
            );
        }
    }
    std::fs::create_dir_all(dir)?;
    let mut text = String::from("# A cell of claimgate's evidence space:\n");
    for (f, v) in cell.describe() {
        text.push_str(&format!("#   {f} = {v}\n"));
    }
    for line in changes {
        text.push_str(&format!("#   {line}\n"));
    }
    // `kind` must precede `data`: write keys in that order (serde_json keeps insertion order).
    text.push_str(&serde_yaml::to_string(&manifest).map_err(std::io::Error::other)?);
    // Each file whole or not at all: the artifact first, the manifest that names it last.
    let write = crate::output::write_atomic;
    write(&dir.join("result.txt"), RESULT)?;
    write(&dir.join("README.md"), format!("{title}\n").as_bytes())?;
    write(&dir.join("bundle.yaml"), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_through_their_index() {
        assert!(size() >= 100_000, "{}", size());
        for i in [0, 1, 7, 12_345, size() - 1] {
            assert_eq!(cell(i).index(), i);
        }
        assert_eq!(cell(0).get("attestation"), "fresh,matched,off,bound");
    }

    #[test]
    fn the_quick_space_takes_every_value_of_every_feature() {
        let q = Space::quick();
        assert!((500..5_000).contains(&q.len()), "{}", q.len());
        for (f, feature) in FEATURES.iter().enumerate() {
            for v in 0..feature.values.len() {
                assert!(
                    q.cells()
                        .any(|c| c.0.get(f) == u8::try_from(v).ok().as_ref()),
                    "{} = {} is in no cell",
                    feature.name,
                    feature.values[v]
                );
            }
        }
        for (p, c) in q.cells().enumerate() {
            assert_eq!(q.position(&c), Some(p));
        }
        assert_eq!(q.position(&cell(size() - 1)), None);
        assert_eq!(Space::full().len(), size());
    }
}
