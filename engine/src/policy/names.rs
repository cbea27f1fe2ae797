//! Load-time check that the claim rules name claims the catalog has: `allow contains "<id>"`
//! and `block contains {"id": "<id>", …}` with a literal id. A typo would otherwise surface
//! only when a bundle makes the rule true, or never (a block of an unknown id blocks nothing).

use super::ast::{variant, Scope};
use super::eval::CLAIMS_PACKAGE;
use super::recursion::flatten;
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
    /// The file's text
    pub text: String,
    /// Byte offset and length of the id's string literal
    pub span: (usize, usize),
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
                ("block", Some(("Object", o))) => block_id(o),
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
                    text: scope.text.to_string(),
                    span: span(&lit["span"]),
                });
            }
        }
    }
    None
}

/// The literal `"id"` field of a `block` object, if its key and value are both strings.
fn block_id(object: &Json) -> Option<&Json> {
    object["fields"].as_array()?.iter().find_map(|f| {
        let (_, key) = variant(f.get(1)?)?;
        let (kind, value) = variant(f.get(2)?)?;
        (key["value"].as_str() == Some("id") && kind == "String").then_some(value)
    })
}

fn span(s: &Json) -> (usize, usize) {
    let at = |k: &str| {
        s[k].as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    (at("start"), at("end").saturating_sub(at("start")).max(1))
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
            (u.id, u.text[at..at + len].to_string())
        })
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
