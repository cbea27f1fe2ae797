//! The parsed policies as JSON (regorus' AST with the `ast` feature), and the readings of it
//! every walker needs: a node's one variant, a span's line and text, and the names a module's
//! package and imports give its references.

use super::recursion::flatten;
use regorus::Engine;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The parsed policies of `engine` as JSON, module by module: `source` (`file`, `contents`)
/// and `ast`, the shape of regorus' `get_ast_as_json`, built as values directly (printing the
/// text and parsing it back was half of a cold `eval`).
pub(super) fn json(engine: &mut Engine) -> Result<Vec<Json>, String> {
    #[derive(serde::Serialize)]
    struct Policy<'a> {
        source: &'a regorus::Source,
        ast: &'a regorus::unstable::Module,
    }
    engine
        .get_modules()
        .iter()
        .map(|m| {
            serde_json::to_value(Policy {
                source: &m.package.span.source,
                ast: m,
            })
            .map_err(|e| e.to_string())
        })
        .collect()
}

/// [`json`] of a compiled engine (on a clone: compiled engines are shared).
pub(super) fn modules(engine: &Engine) -> Result<Vec<Json>, String> {
    json(&mut engine.clone())
}

/// The one variant of an externally tagged enum (`{"Var": {…}}`) and its fields.
pub(super) fn variant(v: &Json) -> Option<(&str, &Json)> {
    let o = v.as_object()?;
    (o.len() == 1)
        .then(|| o.iter().next().map(|(k, v)| (k.as_str(), v)))
        .flatten()
}

/// The value of a literal string key of an object expression (`{"id": x}` → `x`'s variant and
/// fields): how the claim rules' `block` objects name their claim.
pub(super) fn object_field<'a>(object: &'a Json, key: &str) -> Option<(&'a str, &'a Json)> {
    object["fields"].as_array()?.iter().find_map(|f| {
        let (_, k) = variant(f.get(1)?)?;
        (k["value"].as_str() == Some(key))
            .then(|| variant(f.get(2)?))
            .flatten()
    })
}

/// A span's 1-based line (0 when it has none).
pub(super) fn line(span: &Json) -> u32 {
    span["line"]
        .as_u64()
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(0)
}

/// The text a span covers.
pub(super) fn span_text(text: &str, span: &Json) -> Option<String> {
    let start = usize::try_from(span["start"].as_u64()?).ok()?;
    let end = usize::try_from(span["end"].as_u64()?).ok()?;
    text.get(start..end).map(str::to_string)
}

/// A module's file, text, package and imports: what its references are resolved against.
pub(super) struct Scope<'a> {
    /// The policy file
    pub file: String,
    /// Its text
    pub text: &'a str,
    /// `claimgate.claims`
    pub package: String,
    /// Import alias → the package path it names, without `data`
    imports: BTreeMap<String, Vec<String>>,
}

impl<'a> Scope<'a> {
    /// The scope of one module of [`modules`].
    pub(super) fn of(module: &'a Json) -> Scope<'a> {
        let text = module["source"]["contents"].as_str().unwrap_or_default();
        let mut imports = BTreeMap::new();
        for imp in module["ast"]["imports"].as_array().into_iter().flatten() {
            let target: Vec<String> = flatten(&imp["refr"]).into_iter().skip(1).collect();
            let alias = span_text(text, &imp["as"]).or_else(|| target.last().cloned());
            if let Some(a) = alias {
                imports.insert(a, target);
            }
        }
        Scope {
            file: module["source"]["file"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            text,
            package: flatten(&module["ast"]["package"]["refr"]).join("."),
            imports,
        }
    }

    /// The qualified name a reference's parts give (`att.sound` → `claimgate.lib.attestation.sound`):
    /// through `data`, an import alias, or else the module's own package.
    pub(super) fn resolve(&self, parts: Vec<String>) -> Option<String> {
        let first = parts.first()?;
        let q: Vec<String> = if first == "data" {
            parts.iter().skip(1).cloned().collect()
        } else if let Some(t) = self.imports.get(first) {
            t.iter().chain(parts.iter().skip(1)).cloned().collect()
        } else {
            std::iter::once(self.package.clone()).chain(parts).collect()
        };
        Some(q.join("."))
    }
}
