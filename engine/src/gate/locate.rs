//! Where a finding is: the file a person would fix and, where known, the line.

use super::Location;
use crate::bundle::Bundle;
use crate::catalog::Catalog;
use crate::decision::Decision;
use crate::evidence::{Evidence, Problem};
use miette::{Diagnostic, SourceSpan};

/// The document id adapters use for fields of the manifest itself.
const MANIFEST_SOURCE: &str = "manifest";

/// Locates findings in one loaded bundle.
pub(super) struct Locator<'a> {
    bundle: &'a Bundle,
    evidence: &'a Evidence,
}

/// Requirements of the default pack that judge an attestation result's values.
const ATTESTATION_REQUIREMENTS: [&str; 3] = [
    "attestation_sound",
    "attestation_bound_to_job",
    "runtime_bound_to_job",
];

impl<'a> Locator<'a> {
    pub(super) fn new(bundle: &'a Bundle, evidence: &'a Evidence) -> Locator<'a> {
        Locator { bundle, evidence }
    }

    /// The manifest file, no line.
    pub(super) fn manifest(&self) -> Location {
        Location::file(self.bundle.manifest.name.clone())
    }

    /// Where a claim that is not allowed should be fixed: the first malformed field one of its
    /// catalog requirements reads (in the order the catalog lists them); else, for a claim that
    /// needs a sound attestation, the value of the first attestation result the pack did not
    /// find sound (its document, at the field's line); else the manifest.
    pub(super) fn claim(&self, id: &str, d: &Decision, catalog: &Catalog) -> Location {
        let Some(claim) = catalog.claim(id) else {
            return self.manifest();
        };
        if let Some(p) = claim
            .requires
            .iter()
            .find_map(|req| d.problems.iter().find(|p| reads(req, p)))
        {
            return self.problem(p);
        }
        let judged = claim
            .requires
            .iter()
            .any(|r| ATTESTATION_REQUIREMENTS.contains(&r.as_str()));
        if judged {
            if let Some(at) = self.unsound(d) {
                return at;
            }
        }
        self.manifest()
    }

    /// The value that keeps the first attestation result from being sound, as the pack
    /// summarized it (`attestations`): debug on, not fresh, measurements mismatched, a check
    /// failed, the nonce, or the binding to the job; at its line in a document of the bundle.
    fn unsound(&self, d: &Decision) -> Option<Location> {
        for a in &self.evidence.runtime.attestations {
            let Some(summary) = d.appraisals.get(&a.source) else {
                continue;
            };
            let is = |key: &str, value: serde_json::Value| summary.get(key) == Some(&value);
            let field = if a.debug_enabled == Some(true) {
                "debug_enabled"
            } else if is("freshness", "not_yet_valid".into()) {
                "issued_at"
            } else if is("fresh", false.into()) {
                "expires_at"
            } else if is("measurement_result", "mismatched".into()) {
                "measurements"
            } else if is("checks_passed", false.into()) {
                "checks"
            } else if matches!(
                summary.get("nonce").and_then(|n| n.as_str()),
                Some("mismatched" | "malformed" | "missing")
            ) {
                "nonce"
            } else if is("bound_to_job", false.into()) {
                "workload_digest"
            } else {
                continue;
            };
            // `doc.json#cpu0` is a part of the document `doc.json`.
            let id = a.source.split('#').next().unwrap_or(&a.source);
            let entry = self.bundle.documents.iter().find(|e| e.id == id)?;
            let file = entry.text.as_ref()?;
            // The key the document states the fact under: its own name in a native document,
            // the format's (NVIDIA's `dbgstat`) in an upstream one; a JWT has no such line.
            let keys = match &entry.document {
                crate::document::Document::Upstream(kind, _) => {
                    crate::adapter::source_keys(*kind, field)
                }
                _ => vec![field],
            };
            return Some(at_key(&file.name, &file.text, &keys));
        }
        None
    }

    /// The line of a malformed field: in the manifest, or in the document it came from.
    fn problem(&self, p: &Problem) -> Location {
        if p.source == MANIFEST_SOURCE {
            let m = &self.bundle.manifest;
            return at_key(&m.name, &m.text, &[p.field.as_str()]);
        }
        match self.bundle.documents.iter().find(|e| e.id == p.source) {
            Some(entry) => match &entry.text {
                Some(f) => at_key(&f.name, &f.text, &[p.field.as_str()]),
                // Inline data: the manifest, without guessing a line.
                None => self.manifest(),
            },
            None => self.manifest(),
        }
    }
}

/// Whether a requirement of the default pack reads the field a problem is about (only to point
/// at a line: a requirement this does not know points at the manifest).
fn reads(req: &str, p: &Problem) -> bool {
    let field = p.field.as_str();
    let manifest = p.source == MANIFEST_SOURCE;
    match req {
        "workload_digest" => manifest && field == "job.workload_digest",
        "runtime_bound_to_job" | "attestation_bound_to_job" => {
            (manifest && field == "job.workload_digest")
                || (!manifest && field == "workload_digest")
        }
        "output_digest" => {
            manifest
                && (field == "job.output_digest"
                    || (field.starts_with("artifacts.") && field.ends_with(".digest")))
        }
        "attestation_sound" => {
            !manifest && matches!(field, "evidence_digest" | "digest" | "workload_digest")
        }
        "trace_replay_matched" => !manifest && field == "trace_digest",
        "benchmark_result" => !manifest && field == "result_digest",
        "backup_with_digest" => !manifest && field == "backup.digest",
        _ => false,
    }
}

/// The first of `keys` found in a file's text, as a location (line and column of the key); the
/// file alone when none is.
fn at_key(file: &str, text: &str, keys: &[&str]) -> Location {
    match keys.iter().find_map(|k| key_offset(text, k)) {
        Some(i) => Location {
            file: file.to_string(),
            line: Some(line_of(text, i)),
            column: Some(column_of(text, i)),
        },
        None => Location::file(file),
    }
}

/// The line of a dotted field (`job.output_digest`, `artifacts.result_bundle.digest`) in YAML
/// or JSON text: each part is found as a whole word after the previous one, outside `#`
/// comment lines. When a later part is missing, the line of the last part found.
#[cfg(test)]
fn key_line(text: &str, field: &str) -> Option<usize> {
    key_offset(text, field).map(|i| line_of(text, i))
}

/// The byte offset [`key_line`] finds.
fn key_offset(text: &str, field: &str) -> Option<usize> {
    let mut from = 0;
    let mut found = None;
    for part in field.split('.') {
        match find_word(text, part, from) {
            Some(i) => {
                from = i + part.len();
                found = Some(i);
            }
            None => break,
        }
    }
    found
}

/// The 1-based column, in characters, of a byte offset on its line.
fn column_of(text: &str, offset: usize) -> usize {
    let before = text.get(..offset).unwrap_or_default();
    let start = before.rfind('\n').map_or(0, |n| n + 1);
    before.get(start..).map_or(0, |l| l.chars().count()) + 1
}

fn find_word(text: &str, word: &str, from: usize) -> Option<usize> {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    let mut start = from;
    loop {
        let i = start + text.get(start..)?.find(word)?;
        let before = text.get(..i)?;
        let after = text.get(i + word.len()..)?;
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let comment = before
            .get(line_start..)
            .is_some_and(|l| l.trim_start().starts_with('#'));
        if !is_word(before.chars().next_back()) && !is_word(after.chars().next()) && !comment {
            return Some(i);
        }
        start = i + word.len();
    }
}

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

/// The file and line a diagnostic labels, when it carries its source.
pub(super) fn of_diagnostic(e: &dyn Diagnostic) -> Option<Location> {
    let src = e.source_code()?;
    let span = e.labels().and_then(|mut l| l.next()).map(|l| *l.inner());
    let at = span.unwrap_or_else(|| SourceSpan::new(0.into(), 0));
    let contents = src.read_span(&at, 0, 0).ok()?;
    Some(Location {
        file: contents.name()?.to_string(),
        line: span.map(|_| contents.line() + 1),
        column: span.map(|_| contents.column() + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "# no output or job claim\nschema: claimgate.bundle/v1\njob:\n  job_id: \"job-1\"\n  output_digest: \"sha256:x\"\nartifacts:\n  - name: result_bundle\n    path: result.txt\n    role: output\n";

    #[test]
    fn dotted_fields_find_their_line() {
        assert_eq!(key_line(MANIFEST, "job.output_digest"), Some(5));
        assert_eq!(key_line(MANIFEST, "job"), Some(3));
        // No `digest` key under the artifact: the line of its name.
        assert_eq!(
            key_line(MANIFEST, "artifacts.result_bundle.digest"),
            Some(7)
        );
        assert_eq!(key_line(MANIFEST, "nothing.here"), None);
    }

    #[test]
    fn json_fields_find_their_line() {
        let json =
            "{\n  \"job\": {\n    \"job_id\": \"j\",\n    \"output_digest\": \"x\"\n  }\n}\n";
        assert_eq!(key_line(json, "job.output_digest"), Some(4));
    }

    #[test]
    fn a_key_is_located_at_its_line_and_column() {
        let at = at_key("m.yaml", MANIFEST, &["nothing", "job.output_digest"]);
        assert_eq!((at.line, at.column), (Some(5), Some(3)));
        let json = "{\n  \"gpu\": {\"dbgstat\": \"enabled\"}\n}";
        let at = at_key("g.json", json, &["dbgstat"]);
        assert_eq!((at.line, at.column), (Some(2), Some(12)));
        assert_eq!(at_key("x", "é: 1\né: 2", &["nope"]), Location::file("x"));
        assert_eq!(column_of("aé b", 4), 4);
    }

    #[test]
    fn lines_are_one_based() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
