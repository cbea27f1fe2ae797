//! SARIF 2.1.0 (OASIS), for code scanning. One run; the tool's rules are the three gate
//! requirement kinds plus the diagnostic code of every error that occurred. One result per
//! requirement not met and per bundle that could not be loaded or evaluated, each located at
//! the file to fix (the bundle manifest, at the offending field where known; a document; the
//! claimed file's line; the labelled line of a bundle error). Passing checks are not results.
//! URIs are the paths as given, relative, percent-encoded. Keys are written in a fixed order.
//! Message texts are [`printable`]: code-scanning pages show them to people.

use super::{printable, say_instead};
use crate::digest::Digest;
use crate::gate::{GateReport, Location, RequirementKind};
use serde_json::{json, Value};
use std::io::{self, Write};

/// The schema URI of SARIF 2.1.0 (errata 01), as its `id` names it.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Rule ids of the gate's own findings, by requirement kind.
fn rule_id(kind: RequirementKind) -> &'static str {
    match kind {
        RequirementKind::Require => "claimgate::gate::require",
        RequirementKind::ForbidLabel => "claimgate::gate::forbid_label",
        RequirementKind::Claimed => "claimgate::gate::claimed",
        RequirementKind::Evaluates => "claimgate::gate::evaluates",
    }
}

const GATE_RULES: [(RequirementKind, &str, &str); 3] = [
    (
        RequirementKind::Require,
        "RequiredClaimNotAllowed",
        "A claim required by the gate (--require) is not allowed by the bundle's evidence.",
    ),
    (
        RequirementKind::ForbidLabel,
        "ForbiddenLabel",
        "The bundle's label is the forbidden label (--forbid-label) or a weaker one.",
    ),
    (
        RequirementKind::Claimed,
        "ClaimedSentenceNotAllowed",
        "A sentence or claim id someone intends to publish (--claimed) is blocked, not allowed for the bundle, or not in the claim catalog.",
    ),
];

pub(super) fn write(r: &GateReport, w: &mut dyn Write) -> io::Result<()> {
    let mut rules: Vec<Value> = GATE_RULES
        .iter()
        .map(|(kind, name, text)| {
            json!({
                "id": rule_id(*kind),
                "name": name,
                "shortDescription": { "text": text },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    let mut ids: Vec<String> = GATE_RULES
        .iter()
        .map(|(k, _, _)| rule_id(*k).to_string())
        .collect();
    let mut codes: Vec<&str> = r
        .bundles
        .iter()
        .filter_map(|b| b.error.as_ref().map(|e| e.code.as_str()))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        rules.push(json!({
            "id": code,
            "name": "BundleError",
            "shortDescription": { "text": "The bundle could not be loaded or evaluated (an error, not a verdict); see docs/diagnostics.md." },
            "defaultConfiguration": { "level": "error" },
        }));
        ids.push(code.to_string());
    }
    let index = |id: &str| ids.iter().position(|i| i == id).unwrap_or(0);

    let mut results = Vec::new();
    for b in &r.bundles {
        if let Some(e) = &b.error {
            let mut text = format!("{}: {}", printable(&b.path), printable(&e.message));
            if let Some(h) = &e.help {
                text.push_str(&format!("\nhelp: {}", printable(h)));
            }
            results.push(json!({
                "ruleId": e.code,
                "ruleIndex": index(&e.code),
                "level": "error",
                "message": { "text": text },
                "locations": [location(&e.location)],
                "partialFingerprints": { "claimgateFinding/v1": fingerprint(&b.path, &e.code) },
                "properties": { "bundle": b.path, "status": "error" },
            }));
        }
        for c in b.failures() {
            let id = rule_id(c.kind);
            let mut lines = vec![format!("{}: {}", printable(&b.path), printable(&c.message))];
            lines.extend(
                c.reasons
                    .iter()
                    .map(|r| format!("because {}", printable(r))),
            );
            lines.extend(c.safer.iter().map(say_instead));
            let mut result = json!({
                "ruleId": id,
                "ruleIndex": index(id),
                "level": "error",
                "message": { "text": lines.join("\n") },
                "locations": [location(&c.location)],
            });
            if let (Some(obj), Some(manifest)) = (result.as_object_mut(), &b.manifest) {
                if c.location.file != *manifest {
                    let bundle = Location {
                        file: manifest.clone(),
                        line: None,
                    };
                    let mut related = location(&bundle);
                    if let Some(o) = related.as_object_mut() {
                        o.insert("id".into(), json!(1));
                        o.insert("message".into(), json!({ "text": "the bundle manifest" }));
                    }
                    obj.insert("relatedLocations".into(), json!([related]));
                }
                obj.insert(
                    "partialFingerprints".into(),
                    json!({ "claimgateFinding/v1": fingerprint(&b.path, &c.requirement) }),
                );
                let mut props =
                    json!({ "bundle": b.path, "status": "fail", "requirement": c.requirement });
                if let (Some(p), Some(label)) = (props.as_object_mut(), b.label) {
                    p.insert("label".into(), json!(label.name()));
                }
                obj.insert("properties".into(), props);
            }
            results.push(result);
        }
    }

    write_log("claimgate", rules, results, w)
}

/// One SARIF log of one run: the tool, its rules and the results.
fn write_log(
    tool: &str,
    rules: Vec<Value>,
    results: Vec<Value>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": tool,
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

/// `claimgate lint` as SARIF: one run, a rule per lint code, a `warning` result per finding
/// located at its file (relative to the pack directory) and line.
pub(super) fn write_lint(findings: &[crate::policy::Finding], w: &mut dyn Write) -> io::Result<()> {
    let codes = crate::policy::LINT_CODES;
    let rules: Vec<Value> = codes
        .iter()
        .map(|(code, text)| {
            json!({
                "id": code,
                "shortDescription": { "text": text },
                "defaultConfiguration": { "level": "warning" },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let line = usize::try_from(f.line).ok().filter(|l| *l > 0);
            json!({
                "ruleId": f.code,
                "ruleIndex": codes.iter().position(|(c, _)| *c == f.code).unwrap_or(0),
                "level": "warning",
                "message": { "text": printable(&f.message) },
                "locations": [location(&Location { file: f.file.clone(), line })],
            })
        })
        .collect();
    write_log("claimgate lint", rules, results, w)
}

fn location(l: &Location) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri(&l.file) } });
    if let (Some(line), Some(obj)) = (l.line, physical.as_object_mut()) {
        obj.insert("region".into(), json!({ "startLine": line }));
    }
    json!({ "physicalLocation": physical })
}

/// A path as a relative URI reference: `/` separators, everything but unreserved characters
/// and `/` percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Stable identity of a finding across runs, so two bundles failing on the same line of a
/// claimed file stay two alerts.
fn fingerprint(bundle: &str, what: &str) -> String {
    Digest::sha256_of(format!("{bundle}\u{0}{what}").as_bytes()).hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            uri("../testdata/bundles/a b/bundle.yaml"),
            "../testdata/bundles/a%20b/bundle.yaml"
        );
        assert_eq!(uri("dir\\x%y.yaml"), "dir/x%25y.yaml");
        assert_eq!(uri("claims/é.txt"), "claims/%C3%A9.txt");
    }
}
