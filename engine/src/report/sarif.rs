//! SARIF 2.1.0 (OASIS), for code scanning. One run; the tool's rules are the three gate
//! requirement kinds plus the diagnostic code of every error that occurred. One result per
//! finding (a requirement not met, a bundle that could not be loaded or evaluated) and location:
//! the file to fix (the bundle manifest, at the offending field where known; a document; the
//! claimed file's line; the labelled line of a bundle error). The same finding at the same
//! location in many bundles (a claimed line) is one result naming them, so a run of 10,000
//! bundles stays within code scanning's limits; at most `--max-results` results are written
//! ([`SARIF_MAX_RESULTS`](super::SARIF_MAX_RESULTS) by default) and the run counts the rest.
//! Passing checks are not results.
//! URIs are the paths as given, relative, percent-encoded. Keys are written in a fixed order.
//! Message texts are [`printable`]: code-scanning pages show them to people.

use super::{printable, say_instead, SARIF_BUNDLES_NAMED};
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

pub(super) fn write(r: &GateReport, max_results: usize, w: &mut dyn Write) -> io::Result<()> {
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

    let findings = group(r);
    let total = findings.len();
    let results: Vec<Value> = findings
        .into_iter()
        .take(max_results)
        .map(|f| f.result(index(&f.rule)))
        .collect();
    let left_out = total.saturating_sub(results.len());
    write_log("claimgate", rules, results, left_out, w)
}

/// One result: a finding at one location, with every bundle it is found in.
struct Finding<'a> {
    rule: String,
    /// The finding's text without the bundle's path
    text: String,
    location: &'a Location,
    /// The manifest of the first bundle, when the finding is elsewhere
    manifest: Option<&'a str>,
    requirement: Option<&'a str>,
    status: &'static str,
    bundles: Vec<(&'a str, Option<&'static str>)>,
}

/// The gate's findings, one per rule, location and text, in report order: a claimed line that
/// fails in many bundles is one result naming them, a finding in each bundle's own file one
/// result each.
fn group<'a>(r: &'a GateReport) -> Vec<Finding<'a>> {
    let mut out: Vec<Finding<'a>> = Vec::new();
    let mut at: std::collections::HashMap<(String, String, Option<usize>, String), usize> =
        std::collections::HashMap::new();
    let mut add = |f: Finding<'a>, out: &mut Vec<Finding<'a>>| {
        let key = (
            f.rule.clone(),
            f.location.file.clone(),
            f.location.line,
            f.text.clone(),
        );
        match at.get(&key) {
            Some(&i) => {
                if let Some(g) = out.get_mut(i) {
                    g.bundles.extend(f.bundles);
                }
            }
            None => {
                at.insert(key, out.len());
                out.push(f);
            }
        }
    };
    for b in &r.bundles {
        let label = b.label.map(|l| l.name());
        if let Some(e) = &b.error {
            let mut text = printable(&e.message).into_owned();
            if let Some(h) = &e.help {
                text.push_str(&format!("\nhelp: {}", printable(h)));
            }
            let f = Finding {
                rule: e.code.clone(),
                text,
                location: &e.location,
                manifest: None,
                requirement: None,
                status: "error",
                bundles: vec![(b.path.as_str(), None)],
            };
            add(f, &mut out);
        }
        for c in b.failures() {
            let mut lines = vec![printable(&c.message).into_owned()];
            lines.extend(
                c.reasons
                    .iter()
                    .map(|r| format!("because {}", printable(r))),
            );
            lines.extend(c.safer.iter().map(say_instead));
            let f = Finding {
                rule: rule_id(c.kind).to_string(),
                text: lines.join("\n"),
                location: &c.location,
                manifest: b.manifest.as_deref().filter(|m| *m != c.location.file),
                requirement: Some(c.requirement.as_str()),
                status: "fail",
                bundles: vec![(b.path.as_str(), label)],
            };
            add(f, &mut out);
        }
    }
    out
}

impl Finding<'_> {
    fn result(&self, rule_index: usize) -> Value {
        let n = self.bundles.len();
        let named: Vec<&str> = self
            .bundles
            .iter()
            .take(SARIF_BUNDLES_NAMED)
            .map(|(p, _)| *p)
            .collect();
        let mut text = match named.as_slice() {
            [one] => format!("{}: {}", printable(one), self.text),
            _ => format!("{n} bundles: {}", self.text),
        };
        if n > 1 {
            let more = n.saturating_sub(named.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let list: Vec<String> = named.iter().map(|p| printable(p).into_owned()).collect();
            text.push_str(&format!("\nin {}{tail}", list.join(", ")));
        }
        let first = named.first().copied().unwrap_or_default();
        let what = self.requirement.unwrap_or(&self.rule);
        let fingerprint = if n > 1 {
            fingerprint(
                &format!("{}:{:?}", self.location.file, self.location.line),
                what,
            )
        } else {
            fingerprint(first, what)
        };
        let mut props = serde_json::Map::new();
        if n == 1 {
            props.insert("bundle".into(), json!(first));
        } else {
            props.insert("bundles".into(), json!(named));
            props.insert("bundleCount".into(), json!(n));
        }
        props.insert("status".into(), json!(self.status));
        if let Some(req) = self.requirement {
            props.insert("requirement".into(), json!(req));
        }
        if let (1, Some((_, Some(label)))) = (n, self.bundles.first()) {
            props.insert("label".into(), json!(label));
        }
        let mut result = serde_json::Map::new();
        result.insert("ruleId".into(), json!(self.rule));
        result.insert("ruleIndex".into(), json!(rule_index));
        result.insert("level".into(), json!("error"));
        result.insert("message".into(), json!({ "text": text }));
        result.insert("locations".into(), json!([location(self.location)]));
        if let (Some(manifest), 1) = (self.manifest, n) {
            let bundle = Location::file(manifest);
            let mut related = location(&bundle);
            if let Some(o) = related.as_object_mut() {
                o.insert("id".into(), json!(1));
                o.insert("message".into(), json!({ "text": "the bundle manifest" }));
            }
            result.insert("relatedLocations".into(), json!([related]));
        }
        result.insert(
            "partialFingerprints".into(),
            json!({ "claimgateFinding/v1": fingerprint }),
        );
        result.insert("properties".into(), Value::Object(props));
        Value::Object(result)
    }
}

/// One SARIF log of one run: the tool, its rules and the results.
fn write_log(
    tool: &str,
    rules: Vec<Value>,
    results: Vec<Value>,
    left_out: usize,
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut run = json!({
        "tool": {
            "driver": {
                "name": tool,
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }
        },
        "results": results,
    });
    // Results past the limit are not dropped silently: the run says how many there were.
    if let (Some(obj), true) = (run.as_object_mut(), left_out > 0) {
        obj.insert(
            "invocations".into(),
            json!([{
                "executionSuccessful": true,
                "toolExecutionNotifications": [{
                    "level": "warning",
                    "message": { "text": format!(
                        "{left_out} more results were not written: this run holds at most {} (--max-results); the json output has them all",
                        obj.get("results").and_then(Value::as_array).map_or(0, Vec::len)
                    ) },
                }],
            }]),
        );
        obj.insert(
            "properties".into(),
            json!({ "resultsNotWritten": left_out }),
        );
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
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
                "locations": [location(&Location::line(f.file.clone(), line))],
            })
        })
        .collect();
    write_log("claimgate lint", rules, results, 0, w)
}

fn location(l: &Location) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri(&l.file) } });
    if let (Some(line), Some(obj)) = (l.line, physical.as_object_mut()) {
        let region = match l.column {
            Some(column) => json!({ "startLine": line, "startColumn": column }),
            None => json!({ "startLine": line }),
        };
        obj.insert("region".into(), region);
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
