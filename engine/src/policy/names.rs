//! Load-time checks that what a pack names exists. Claim ids: `allow contains "<id>"` and
//! `block contains {"id": "<id>", …}` with a literal id must be in the catalog; a typo would
//! otherwise surface only when a bundle makes the rule true, or never (a block of an unknown
//! id blocks nothing). Input paths: every `input` path the pack reads must be one the
//! evidence schema has (`claimgate schema evidence`); a misspelt field is undefined on every
//! bundle, so its rule would silently never hold.

use super::ast::{object_field, variant, Scope};
use super::eval::CLAIMS_PACKAGE;
use super::recursion::{flatten, span_of};
use crate::catalog::Catalog;
use serde_json::Value as Json;

/// A claim id named by a claim rule and absent from the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownClaim {
    /// The id as written
    pub id: String,
    /// `allow` or `block`
    pub rule: String,
    /// The policy file
    pub file: String,
    /// Byte offset and length of the id's string literal
    pub span: (usize, usize),
}

/// An input path a policy reads that the evidence document does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownInput {
    /// `runtime.attestations[].debug`
    pub path: String,
    /// Where it is read first
    pub place: super::Place,
}

/// Most `$ref`/`anyOf` steps one path may take through the schema without consuming a
/// segment (the evidence schema's types nest a few levels; this only bounds a cycle).
const MAX_SCHEMA_STEPS: usize = 64;

/// The schema of what the pack's policies see as `input`: the evidence document, and the
/// verifier decisions the claim rules see as `input.decisions`.
pub fn input_schema() -> &'static Json {
    static SCHEMA: std::sync::OnceLock<Json> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut s = crate::schema::Format::Evidence.schema();
        if let Some(p) = s["properties"].as_object_mut() {
            p.insert(
                "decisions".into(),
                serde_json::json!({"type": "array", "items": {"$ref": "#/$defs/DecisionFact"}}),
            );
        }
        s
    })
}

/// The span of a read in its line: the path's last field name where the line has it, else
/// the line.
pub fn span_in_line(text: &str, line: u32, path: &str) -> Option<(usize, usize)> {
    let line = usize::try_from(line).ok().filter(|l| *l > 0)?;
    let start = miette::SourceOffset::from_location(text, line, 1).offset();
    let row = text.get(start..)?.lines().next()?;
    let field = path.rsplit(['.', '[', ']']).find(|s| !s.is_empty())?;
    // `.field` or `["field"]` before a bare match (`debug` in `debug_off(a)` is no read).
    let dotted = row.find(&format!(".{field}")).map(|at| at + 1);
    let quoted = || row.find(&format!("\"{field}\"")).map(|at| at + 1);
    match dotted.or_else(quoted).or_else(|| row.find(field)) {
        Some(at) => Some((start + at, field.len())),
        None => {
            let lead = row.len() - row.trim_start().len();
            Some((start + lead, row.trim().len().max(1)))
        }
    }
}

/// The first path of `reads` the `schema` (the evidence document's, with `decisions` added
/// for the claim rules) does not have.
pub fn unknown_input(reads: &super::Reads, schema: &Json) -> Option<UnknownInput> {
    reads.paths.iter().find_map(|r| {
        let segs = segments(&r.path);
        let known = r.path.is_empty() || has_path(schema, schema, &segs, 0);
        let place = r.places.iter().next()?.clone();
        (!known).then(|| UnknownInput {
            path: r.path.clone(),
            place,
        })
    })
}

/// `runtime.attestations[].tee` → [`runtime`, `attestations`, `[]`, `tee`].
fn segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        while let Some(name) = rest.strip_suffix("[]") {
            rest = name;
        }
        if !rest.is_empty() {
            out.push(rest);
        }
        out.extend(std::iter::repeat_n("[]", (part.len() - rest.len()) / 2));
    }
    out
}

/// Whether a value described by `node` can hold `path` below it.
fn has_path(root: &Json, node: &Json, path: &[&str], steps: usize) -> bool {
    if steps > MAX_SCHEMA_STEPS {
        return true; // cannot tell: do not refuse
    }
    let Some(o) = node.as_object() else {
        return node.as_bool() != Some(false);
    };
    if let Some(r) = o.get("$ref").and_then(Json::as_str) {
        let target = r
            .strip_prefix("#/$defs/")
            .and_then(|name| root["$defs"].get(name));
        return target.is_none_or(|t| has_path(root, t, path, steps + 1));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = o.get(key).and_then(Json::as_array) {
            return branches.iter().any(|b| has_path(root, b, path, steps + 1));
        }
    }
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    let types: Vec<&str> = match o.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        // No type: any value, so any path below it.
        _ => return true,
    };
    let props = o.get("properties").and_then(Json::as_object);
    let extra = o.get("additionalProperties");
    types.iter().any(|t| match *t {
        "array" if *first == "[]" => o
            .get("items")
            .is_none_or(|i| has_path(root, i, rest, steps)),
        "object" => {
            if let Some(p) = props.and_then(|p| p.get(*first)) {
                return has_path(root, p, rest, steps);
            }
            if *first == "[]"
                && props.is_some_and(|p| p.values().any(|v| has_path(root, v, rest, steps)))
            {
                return true;
            }
            match extra {
                Some(Json::Bool(false)) => false,
                Some(e) => has_path(root, e, rest, steps),
                None => props.is_none(),
            }
        }
        _ => false,
    })
}

/// The values the schema names for `path`: its `enum` and `const` values, and both booleans
/// for a boolean (what `claimgate diff` tries beside the constants the rules compare with).
pub fn schema_values(schema: &Json, path: &str) -> Vec<Json> {
    let mut out = Vec::new();
    leaves(schema, schema, &segments(path), 0, &mut out);
    out
}

fn leaves(root: &Json, node: &Json, path: &[&str], steps: usize, out: &mut Vec<Json>) {
    if steps > MAX_SCHEMA_STEPS {
        return;
    }
    let Some(o) = node.as_object() else { return };
    if let Some(r) = o.get("$ref").and_then(Json::as_str) {
        if let Some(t) = r
            .strip_prefix("#/$defs/")
            .and_then(|n| root["$defs"].get(n))
        {
            leaves(root, t, path, steps + 1, out);
        }
        return;
    }
    for key in ["anyOf", "oneOf"] {
        for b in o.get(key).and_then(Json::as_array).into_iter().flatten() {
            leaves(root, b, path, steps + 1, out);
        }
    }
    let Some((first, rest)) = path.split_first() else {
        let mut add = |v: &Json| {
            if !out.contains(v) {
                out.push(v.clone());
            }
        };
        o.get("enum")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .for_each(&mut add);
        o.get("const").into_iter().for_each(&mut add);
        let boolean = match o.get("type") {
            Some(Json::String(t)) => t == "boolean",
            Some(Json::Array(ts)) => ts.iter().any(|t| t == "boolean"),
            _ => false,
        };
        if boolean {
            add(&Json::Bool(true));
            add(&Json::Bool(false));
        }
        return;
    };
    if *first == "[]" {
        if let Some(items) = o.get("items") {
            leaves(root, items, rest, steps, out);
        }
    } else if let Some(p) = o.get("properties").and_then(|p| p.get(*first)) {
        leaves(root, p, rest, steps, out);
    }
}

/// The first claim id a claim rule names that the catalog lacks, in file order.
pub fn unknown_claim(modules: &[Json], catalog: &Catalog) -> Option<UnknownClaim> {
    for m in modules {
        let scope = Scope::of(m);
        if Some(scope.package.as_str()) != CLAIMS_PACKAGE.strip_prefix("data.") {
            continue;
        }
        for rule in m["ast"]["rules"].as_array().into_iter().flatten() {
            let Some((_, head)) = rule.get("Spec").and_then(|s| variant(&s["head"])) else {
                continue;
            };
            let name = flatten(&head["refr"]).join(".");
            let literal = match (name.as_str(), variant(&head["key"])) {
                ("allow", Some(("String", s))) => Some(s),
                ("block", Some(("Object", o))) => match object_field(o, "id") {
                    Some(("String", s)) => Some(s),
                    _ => None,
                },
                _ => None,
            };
            let Some(lit) = literal else { continue };
            let Some(id) = lit["value"].as_str() else {
                continue;
            };
            if !catalog.knows(id) {
                return Some(UnknownClaim {
                    id: id.to_string(),
                    rule: name,
                    file: scope.file.clone(),
                    span: span_of(&lit["span"]),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_unknown(rego: &str) -> Option<(String, String)> {
        let mut e = regorus::Engine::new();
        e.add_policy("claims/x.rego".into(), rego.into()).unwrap();
        let modules = super::super::ast::json(&mut e).unwrap();
        let pack = super::super::Pack::embedded();
        let catalog = Catalog::parse(pack.catalog_file().unwrap()).unwrap();
        unknown_claim(&modules, &catalog).map(|u| {
            let (at, len) = u.span;
            (u.id, rego[at..at + len].to_string())
        })
    }

    #[test]
    fn input_paths_are_checked_against_the_evidence_schema() {
        let mut schema = crate::schema::Format::Evidence.schema();
        let known = |p: &str| has_path(&schema, &schema, &segments(p), 0);
        for ok in [
            "runtime.attestations[].tee",
            "runtime.attestations[].issued_at.unix",
            "job.output_digest.hex",
            "facts[].value",
            "documents[].claims.anything.below[]",
            "runtime.attestations[]",
        ] {
            assert!(known(ok), "{ok}");
        }
        for bad in [
            "runtime.attestation[].tee",
            "runtime.attestations[].tee.inner",
            "job.output_digest.hexx",
            "signatures_checked.x",
            "decisions[].status",
        ] {
            assert!(!known(bad), "{bad}");
        }
        assert_eq!(segments("a[][].b"), vec!["a", "[]", "[]", "b"]);
        if let Some(p) = schema["properties"].as_object_mut() {
            p.insert("decisions".into(), serde_json::json!({"type": "array"}));
        }
        assert!(has_path(
            &schema,
            &schema,
            &segments("decisions[].status"),
            0
        ));
    }

    #[test]
    fn schema_values_are_the_enums_consts_and_booleans_of_a_path() {
        let schema = input_schema();
        let v = schema_values(schema, "runtime.attestations[].measurement_result");
        assert!(v.contains(&Json::from("matched")), "{v:?}");
        let b = schema_values(schema, "runtime.attestations[].debug_enabled");
        assert!(
            b.contains(&Json::Bool(true)) && b.contains(&Json::Bool(false)),
            "{b:?}"
        );
        assert!(schema_values(schema, "runtime.attestations[].tee").is_empty());
        assert_eq!(schema_values(schema, "job.output_digest.state").len(), 3);
    }

    #[test]
    fn the_embedded_pack_reads_only_what_the_evidence_has() {
        // `CompiledPack::compile` skips this walk for the embedded pack: this test is its check.
        let pack = super::super::Pack::embedded();
        let compiled = super::super::CompiledPack::compile(&pack).unwrap();
        let reads = compiled.reads().unwrap();
        assert!(reads.paths.len() > 40);
        assert_eq!(unknown_input(&reads, input_schema()), None);
    }

    #[test]
    fn finds_unknown_ids_in_allow_and_block_heads() {
        let allow = "package claimgate.claims\nallow contains \"job.output_bund\" if true\n";
        assert_eq!(
            first_unknown(allow),
            Some(("job.output_bund".into(), "job.output_bund".into()))
        );
        let block =
            "package claimgate.claims\nblock contains {\"msg\": \"m\", \"id\": \"x.y\"} if true\n";
        assert_eq!(first_unknown(block).map(|u| u.0), Some("x.y".into()));
        let known = "package claimgate.claims\nallow contains \"job.output_bound\" if true\nblock contains {\"id\": id, \"msg\": \"m\"} if { id := \"q\" }\n";
        assert_eq!(first_unknown(known), None);
        let other = "package claimgate.other\nallow contains \"x.y\" if true\n";
        assert_eq!(first_unknown(other), None);
    }
}
