//! Upstream policies, run unchanged next to the pack's own.
//!
//! A config file (`claimgate eval --upstream FILE`) names each upstream policy file as it is,
//! its Rego version, its entrypoint, the documents it applies to, how its input is built from
//! those documents, the host functions it needs, and how its result becomes a decision. Each
//! policy gets its own engine (upstream policies often share `package policy`). Files can be
//! pinned by sha256, so "unchanged" is checked, not assumed.
//!
//! Which inputs a document can give is its format's business: the caller passes the adapters'
//! input builders in, and this module knows no format.

use super::eval::new_engine;
use super::{analyze, check_calls, first_line, PolicyError};
use crate::digest::Digest;
use crate::document::{Kind, PathStep, Status};
use crate::evidence::{
    DecisionFact, Evidence, InputBuilder, InputBuilders, InputShape, Origin, Tier, UpstreamInput,
};
use crate::source::{Located, SourceFile, Syntax};
use regorus::{Engine, Value};
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod veraison;

/// The config format marker.
pub const SCHEMA: &str = "claimgate.upstream/v1";

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Always `claimgate.upstream/v1`
    #[schemars(extend("const" = SCHEMA))]
    schema: String,
    /// The upstream policies, each run next to the pack on the documents it applies to
    policies: Vec<RawPolicy>,
}

/// One upstream policy, loaded from the user's path unchanged.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    /// The `policy_id` of the decisions this policy produces
    id: String,
    /// The `.rego` file; `${VAR}` is an environment variable, a relative path is relative to
    /// the config file's directory
    file: String,
    /// The file's sha256 in hex; loading stops if the file hashes to anything else
    #[serde(default)]
    sha256: Option<String>,
    /// Further Rego files compiled with `file` in the same engine, for a policy that comes in
    /// more than one module
    #[serde(default)]
    modules: Vec<RawModule>,
    /// The policy's `data` document: a mapping written here, or a YAML or JSON file holding
    /// one (`${VAR}` and relative paths as for `file`)
    #[serde(default)]
    data: Option<RawData>,
    /// The dialect the files are written in
    rego: RegoVersion,
    /// The rule evaluated, e.g. `data.policy.allow`
    entrypoint: String,
    /// The upstream document kinds it runs on
    applies_to: Vec<String>,
    /// How each input is built from a document
    input: InputShape,
    /// How the rule's value becomes a decision
    result: ResultMapping,
    /// A YAML or JSON file (id → value) served through `query_reference_value`
    #[serde(default)]
    reference_values: Option<String>,
}

/// One more module of a policy.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawModule {
    /// The `.rego` file, named as `file` is
    file: String,
    /// Its sha256 in hex, checked as `sha256` is
    #[serde(default)]
    sha256: Option<String>,
}

/// A policy's `data`: written in the config, or named.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum RawData {
    /// A YAML or JSON file holding a mapping
    File(String),
    /// The mapping itself
    Inline(serde_json::Map<String, Json>),
}

/// The config's JSON Schema.
pub(crate) fn config_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    g.root_schema_for::<RawConfig>()
}

/// Which Rego dialect a file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegoVersion {
    /// `if`/`contains` keywords optional, `future.keywords` imports
    V0,
    /// Current Rego
    V1,
}

/// How a policy's result becomes a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultMapping {
    /// `true` is pass; `false` or undefined is reject
    Boolean,
    /// An AR4SI trust vector: its worst stated tier (affirming → pass, warning/none → hold,
    /// contraindicated → reject), as Trustee derives `ear.status`
    Ar4siTrustVector,
    /// Veraison's `outcome` (`{status, trust-vector, added-claims}`), applied to the appraisal
    /// in the input's `result` as Veraison's policy agent applies it: the status replaced,
    /// each non-zero claim replacing the appraisal's, then the status raised to the worst
    /// tier among the claims
    VeraisonOutcome,
}

/// A compiled upstream policy.
#[derive(Debug, Clone)]
pub struct UpstreamPolicy {
    /// Config id, used as the decision's policy id
    pub id: String,
    /// The file as named (after `${VAR}` expansion)
    pub file: String,
    /// sha256 of the file as read
    pub digest: Digest,
    /// sha256 of the reference-value file it is served from, when it has one
    pub reference_digest: Option<Digest>,
    /// Its further modules: each file as named, with its sha256
    pub modules: Vec<(String, Digest)>,
    /// sha256 of its `data` document (JCS), when it has one
    pub data_digest: Option<Digest>,
    entrypoint: String,
    applies_to: Vec<Kind>,
    input: InputShape,
    result: ResultMapping,
    engine: Engine,
}

/// Reads a config file and compiles every policy it names.
pub fn load(config: &Path) -> Result<Vec<UpstreamPolicy>, PolicyError> {
    let shown = config.display().to_string();
    let text = SourceFile::read(config, shown.clone()).map_err(|e| PolicyError::Io {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let raw: RawConfig = text
        .parse(Syntax::of(config))
        .map_err(|e| PolicyError::Upstream {
            message: e.message,
            at: Located::at(&text, e.span),
        })?;
    let bad = |message: String, needle: &str| PolicyError::Upstream {
        message,
        at: Located::at(&text, text.span_of(needle)),
    };
    if raw.schema != SCHEMA {
        return Err(bad(
            format!("unknown schema `{}` (expected `{SCHEMA}`)", raw.schema),
            &raw.schema,
        ));
    }
    let base = config.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for p in raw.policies {
        // Each module read as named and checked against its pin.
        let read = |named: &str,
                    pin: &Option<String>|
         -> Result<(SourceFile, Digest), PolicyError> {
            let path = expand(named, base).map_err(|m| bad(m, named))?;
            let file_name = path.display().to_string();
            let file = SourceFile::read(&path, file_name.clone())
                .map_err(|e| bad(format!("cannot read `{file_name}`: {e}"), named))?;
            let digest = Digest::sha256_of(file.text.as_bytes());
            if let Some(want) = pin {
                if want.to_ascii_lowercase() != digest.hex {
                    return Err(bad(
                        format!("`{file_name}` has sha256 {}, the config pins {want}: the file is not the one named", digest.hex),
                        want,
                    ));
                }
            }
            Ok((file, digest))
        };
        let (file, digest) = read(&p.file, &p.sha256)?;
        let file_name = file.name.clone();
        let modules = p
            .modules
            .iter()
            .map(|m| read(&m.file, &m.sha256))
            .collect::<Result<Vec<_>, _>>()?;
        let mut applies_to = Vec::new();
        for k in &p.applies_to {
            match Kind::from_name(k).filter(|k| k.is_upstream()) {
                Some(kind) => applies_to.push(kind),
                None => return Err(bad(format!("`{k}` is not an upstream document kind"), k)),
            }
        }
        let mut engine = new_engine();
        engine.set_rego_v0(p.rego == RegoVersion::V0);
        let mut packages = vec![super::eval::add_rego(&mut engine, &file)?];
        for (m, _) in &modules {
            packages.push(super::eval::add_rego(&mut engine, m)?);
        }
        let data_digest = match &p.data {
            Some(d) => {
                let (data, shown) = match d {
                    RawData::Inline(map) => (map.clone(), "data".to_string()),
                    RawData::File(named) => {
                        let path = expand(named, base).map_err(|m| bad(m, named))?;
                        (read_file(&path)?.0, named.clone())
                    }
                };
                // `data.policy` is the policy's own: a document there would shadow its rules.
                let roots: Vec<&str> = packages
                    .iter()
                    .filter_map(|pkg| pkg.strip_prefix("data.")?.split('.').next())
                    .collect();
                if let Some(k) = data.keys().find(|k| roots.contains(&k.as_str())) {
                    return Err(PolicyError::Upstream {
                        message: format!("the `data` of policy `{}` has the key `{k}`, which names a package of the policy", p.id),
                        at: Located::at(&text, text.span_after(&p.id, &["data:", "\"data\""])),
                    });
                }
                let json = Json::Object(data);
                let value = Value::from_json_str(&json.to_string())
                    .map_err(|e| bad(e.to_string(), &shown))?;
                engine
                    .add_data(value)
                    .map_err(|e| bad(first_line(&e.to_string()), &shown))?;
                Some(Digest::sha256_of(&crate::jcs::to_vec(&json)))
            }
            None => None,
        };
        let (refs, reference_digest) = match &p.reference_values {
            Some(r) => {
                let (values, digest) =
                    read_reference_values(&expand(r, base).map_err(|m| bad(m, r))?)?;
                (values, Some(digest))
            }
            None => (BTreeMap::new(), None),
        };
        // Trustee's host function: a stored reference value, or null when there is none.
        engine
            .add_extension(
                "query_reference_value".into(),
                1,
                Box::new(move |args: Vec<Value>| {
                    let id = args
                        .first()
                        .and_then(|a| a.as_string().ok())
                        .map(|s| s.to_string());
                    Ok(id
                        .and_then(|id| refs.get(&id).cloned())
                        .unwrap_or(Value::Null))
                }),
            )
            .map_err(|e| PolicyError::Eval {
                rule: p.id.clone(),
                message: first_line(&e.to_string()),
            })?;
        let hosts: Vec<(&str, usize)> = super::eval::HOSTS
            .iter()
            .copied()
            .chain([("query_reference_value", 1)])
            .collect();
        check_calls(&super::parsed(&mut engine)?, &hosts)?;
        let mut files = vec![&file];
        files.extend(modules.iter().map(|(m, _)| m));
        analyze(&mut engine, &files)?;
        out.push(UpstreamPolicy {
            id: p.id,
            file: file_name,
            digest,
            reference_digest,
            modules: modules.into_iter().map(|(m, d)| (m.name, d)).collect(),
            data_digest,
            entrypoint: p.entrypoint,
            applies_to,
            input: p.input,
            result: p.result,
            engine,
        });
    }
    Ok(out)
}

/// Expands `${VAR}` and resolves a relative path against the config's directory.
fn expand(raw: &str, base: &Path) -> Result<PathBuf, String> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in `{raw}`"))?;
        let var = after.get(..end).unwrap_or_default();
        let value = std::env::var(var).map_err(|_| {
            format!("`{raw}` needs the environment variable {var}, which is not set")
        })?;
        out.push_str(&value);
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    let p = PathBuf::from(out);
    Ok(if p.is_absolute() { p } else { base.join(p) })
}

/// Reads a YAML or JSON file of the config (a policy's `data`, its reference values) into `T`,
/// with the sha256 of its bytes.
fn read_file<T: serde::de::DeserializeOwned>(path: &Path) -> Result<(T, Digest), PolicyError> {
    let shown = path.display().to_string();
    let file = SourceFile::read(path, shown.clone()).map_err(|e| PolicyError::Io {
        path: shown,
        reason: e.to_string(),
    })?;
    let value = file
        .parse(Syntax::of(path))
        .map_err(|e| PolicyError::Upstream {
            message: e.message,
            at: Located::at(&file, e.span),
        })?;
    Ok((value, Digest::sha256_of(file.text.as_bytes())))
}

fn read_reference_values(path: &Path) -> Result<(BTreeMap<String, Value>, Digest), PolicyError> {
    let (map, digest): (BTreeMap<String, Json>, Digest) = read_file(path)?;
    let values = map
        .into_iter()
        .map(|(k, v)| {
            Value::from_json_str(&v.to_string())
                .map(|v| (k, v))
                .map_err(|e| PolicyError::Eval {
                    rule: path.display().to_string(),
                    message: e.to_string(),
                })
        })
        .collect::<Result<_, _>>()?;
    Ok((values, digest))
}

impl UpstreamPolicy {
    /// How each kind the policy applies to builds its input. `inputs` tells how each kind
    /// builds each input shape; a kind in `applies_to` whose format cannot build this policy's
    /// makes the config unusable: an error (checked when an engine is built, and again on
    /// every evaluation), never a silently skipped policy.
    pub fn builders(
        &self,
        inputs: InputBuilders,
    ) -> Result<Vec<(Kind, InputBuilder)>, PolicyError> {
        let mut builders = Vec::new();
        for &kind in &self.applies_to {
            let build = inputs(kind, self.input).ok_or_else(|| PolicyError::Upstream {
                at: Located::named(self.file.clone()),
                message: format!(
                    "policy `{}` applies to `{}` documents, which cannot build the `{}` input",
                    self.id,
                    kind.name(),
                    self.input.name()
                ),
            })?;
            builders.push((kind, build));
        }
        Ok(builders)
    }

    /// Runs the policy on every document it applies to; one decision per input.
    pub fn evaluate(
        &self,
        ev: &Evidence,
        inputs: InputBuilders,
    ) -> Result<Vec<DecisionFact>, PolicyError> {
        let builders = self.builders(inputs)?;
        let mut out = Vec::new();
        for doc in &ev.documents {
            let Some(&(_, build)) = builders.iter().find(|(k, _)| *k == doc.kind) else {
                continue;
            };
            for UpstreamInput { subject, input } in build(&doc.claims) {
                let mut engine = self.engine.clone();
                engine.set_input(Value::from_json_str(&input.to_string()).map_err(|e| {
                    PolicyError::Eval {
                        rule: self.entrypoint.clone(),
                        message: e.to_string(),
                    }
                })?);
                let v =
                    engine
                        .eval_rule(self.entrypoint.clone())
                        .map_err(|e| PolicyError::Eval {
                            rule: format!("{} ({})", self.entrypoint, self.id),
                            message: super::eval_message(&e.to_string()),
                        })?;
                let (status, reason) = self.map(&v, &input)?;
                let source = match subject {
                    Some(s) => format!("{}#{s}", doc.id),
                    None => doc.id.clone(),
                };
                out.push(DecisionFact {
                    source,
                    origin: Origin::Policy,
                    policy_id: self.id.clone(),
                    status,
                    reason,
                    verifier: Some(format!(
                        "upstream policy {}",
                        self.file.rsplit('/').next().unwrap_or(&self.file)
                    )),
                    reached: vec![PathStep::Policy],
                    token: None,
                });
            }
        }
        Ok(out)
    }

    fn map(&self, v: &Value, input: &Json) -> Result<(Status, String), PolicyError> {
        let rule = &self.entrypoint;
        match self.result {
            ResultMapping::Boolean => Ok(match v {
                Value::Bool(true) => (Status::Pass, format!("{rule} is true")),
                Value::Bool(false) => (Status::Reject, format!("{rule} is false")),
                Value::Undefined => (Status::Reject, format!("{rule} is undefined")),
                other => {
                    return Err(PolicyError::Output {
                        rule: rule.clone(),
                        found: format!("`{other}`"),
                        expected: "a boolean".into(),
                        help: None,
                    })
                }
            }),
            ResultMapping::Ar4siTrustVector => {
                let json: Json = serde_json::to_value(v).unwrap_or(Json::Null);
                let Some(obj) = json.as_object() else {
                    return Err(PolicyError::Output {
                        rule: rule.clone(),
                        found: json.to_string(),
                        expected: "an AR4SI trust vector object".into(),
                        help: None,
                    });
                };
                let mut stated = Vec::new();
                let mut worst: Option<Tier> = None;
                for (k, x) in obj {
                    let n = x.as_i64().unwrap_or(0);
                    if n == 0 {
                        continue;
                    }
                    let t = Tier::of(n);
                    stated.push(format!("{k} {n}"));
                    worst = Some(worst.map_or(t, |w| w.min(t)));
                }
                let tier = worst.unwrap_or(Tier::None);
                Ok((
                    tier.status(),
                    format!("{rule}: {} → {}", stated.join(", "), tier.name()),
                ))
            }
            ResultMapping::VeraisonOutcome => {
                let json: Json = serde_json::to_value(v).unwrap_or(Json::Null);
                let bad = |found: String| {
                    PolicyError::Output {
                    rule: rule.clone(),
                    found,
                    expected: "Veraison's outcome: `status` (0, 2, 32, 96 or a tier name), `trust-vector` (AR4SI claims, -128..127) and `added-claims`".into(),
                    help: None,
                }
                };
                let outcome = veraison::Outcome::read(&json).map_err(bad)?;
                let (tier, said) = outcome.apply(input.get("result").unwrap_or(&Json::Null));
                Ok((tier.status(), format!("{rule}: {said} → {}", tier.name())))
            }
        }
    }
}
