//! JSON Schemas (draft 2020-12) of the formats claimgate reads and writes, for editors and for
//! the tools around it. Those of the evidence, the decision, the catalog, the bundle manifest
//! and the upstream-policy config are derived from the types that read or write them, so they
//! cannot drift; the receipt's is written by hand (it is the published contract) and the tests
//! hold every receipt they make against it.

use schemars::generate::SchemaSettings;
use serde_json::Value;

/// A format with a schema (`claimgate schema FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The bundle manifest, `claimgate.bundle/v1`, with the native documents' shapes
    Bundle,
    /// The normalized evidence document, `claimgate.evidence/v2` (`claimgate evidence`)
    Evidence,
    /// The decision, `claimgate.decision/v1` (`eval --format json`)
    Decision,
    /// The receipt, `claimgate.receipt/v1`
    Receipt,
    /// The claim catalog, `claimgate.catalog/v2` (`claims/catalog.yaml`)
    Catalog,
    /// The upstream-policy config, `claimgate.upstream/v1` (`--upstream`)
    Upstream,
}

/// The receipt's schema, as published.
pub const RECEIPT: &str = include_str!("../schemas/receipt.schema.json");

impl Format {
    /// Every format, in the order `claimgate schema` lists them.
    pub const ALL: [Format; 6] = [
        Format::Bundle,
        Format::Evidence,
        Format::Decision,
        Format::Receipt,
        Format::Catalog,
        Format::Upstream,
    ];

    /// The name on the command line and in the schema's `$id`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Bundle => "bundle",
            Format::Evidence => "evidence",
            Format::Decision => "decision",
            Format::Receipt => "receipt",
            Format::Catalog => "catalog",
            Format::Upstream => "upstream",
        }
    }

    /// The schema as a JSON value.
    pub fn schema(self) -> Value {
        // What claimgate writes is described as it is written; what it reads, as it is read.
        let settings = match self {
            Format::Evidence | Format::Decision => SchemaSettings::draft2020_12().for_serialize(),
            _ => SchemaSettings::draft2020_12().for_deserialize(),
        };
        let mut g = settings.into_generator();
        let (schema, title) = match self {
            Format::Bundle => (
                crate::bundle::manifest_schema(&mut g),
                crate::bundle::SCHEMA,
            ),
            Format::Evidence => (
                g.root_schema_for::<crate::evidence::Evidence>(),
                crate::evidence::SCHEMA,
            ),
            Format::Decision => (
                g.root_schema_for::<crate::decision::Decision>(),
                crate::decision::SCHEMA,
            ),
            Format::Catalog => (
                g.root_schema_for::<crate::catalog::Catalog>(),
                crate::catalog::SCHEMA,
            ),
            Format::Upstream => (
                crate::policy::upstream_schema(&mut g),
                crate::policy::UPSTREAM_SCHEMA,
            ),
            // The file is part of the binary and parsed by a test; a parse failure here is
            // unreachable, and an empty object would still be a (permissive) schema.
            Format::Receipt => return serde_json::from_str(RECEIPT).unwrap_or_default(),
        };
        let id = format!(
            "https://claimgate.dev/schemas/{}",
            title.trim_start_matches("claimgate.")
        );
        // `$schema`, `$id` and `title` first, for the reader.
        let mut out = serde_json::Map::new();
        let mut rest = match schema.to_value() {
            Value::Object(o) => o,
            other => return other,
        };
        out.extend(rest.remove("$schema").map(|v| ("$schema".to_string(), v)));
        rest.remove("title");
        out.insert("$id".into(), Value::from(id));
        out.insert(
            "title".into(),
            Value::from(format!("claimgate {} ({title})", self.name())),
        );
        out.extend(rest);
        Value::Object(out)
    }
}
