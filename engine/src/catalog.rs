//! The claim catalog (`claims/catalog.yaml`): every sentence claimgate may allow, the
//! requirements each one needs (rules of the pack's `claimgate.requirements` package), the
//! labels claims make, the claim limits receipts state, and the always-blocked sentences with
//! their safer rewrites.

use crate::source::{ParseFailure, SourceFile, Syntax};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The catalog format marker.
pub const SCHEMA: &str = "claimgate.catalog/v2";

/// The claim the label floor and the denial floor are about: `compute_receipt` needs it.
pub const JOB_CLAIM: &str = "job.ran_under_policy";
/// The claim every recorded verifier decision allows, whatever the pack says.
pub const PATH_CLAIM: &str = "verifier.path_exercised";

/// Placeholders a sentence may use; the decision fills them from the evidence.
pub const PLACEHOLDERS: [&str; 3] = ["outcome", "appraised_by", "policy_id"];

/// The longest value from a bundle that may fill a placeholder, in characters.
pub const MAX_IDENTIFIER_CHARS: usize = 128;

/// Checks that a value from a bundle (a verifier name, a policy id) may fill a placeholder: 1 to
/// [`MAX_IDENTIFIER_CHARS`] characters, each an ASCII letter or digit or one of `._:/@-`. No
/// space, so a placeholder adds a name to a catalog sentence, never words of its own; the error
/// says what is wrong without repeating the value.
pub fn check_identifier(s: &str) -> Result<(), String> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '@' | '-');
    let n = s.chars().count();
    if n == 0 {
        return Err("it is empty".into());
    }
    if n > MAX_IDENTIFIER_CHARS {
        return Err(format!(
            "it is {n} characters long (at most {MAX_IDENTIFIER_CHARS})"
        ));
    }
    match s.chars().position(|c| !allowed(c)) {
        None => Ok(()),
        Some(i) => Err(format!(
            "character {} is not a letter, digit or one of `._:/@-`",
            i + 1
        )),
    }
}

/// The claim boxes. A claim speaks for exactly one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ClaimBox {
    /// Hardware-class context (benchmarks)
    Capacity,
    /// Runtime/environment (TEE attestation, reproducible traces)
    Runtime,
    /// This job (workload, input, output digests)
    Job,
    /// The verifier path and its decisions
    Verifier,
    /// Storage and deployment boundaries
    Storage,
}

impl ClaimBox {
    /// The box name as used in claim ids.
    pub fn name(self) -> &'static str {
        match self {
            ClaimBox::Capacity => "capacity",
            ClaimBox::Runtime => "runtime",
            ClaimBox::Job => "job",
            ClaimBox::Verifier => "verifier",
            ClaimBox::Storage => "storage",
        }
    }
}

/// The honest label for what a bundle is. Which claim makes which label, in which order, is
/// catalog data (`labels`); `none` is what is left.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// The job claim is allowed, with workload digest, passing verifier policy and output digest
    ComputeReceipt,
    /// A verifier decision is recorded, but no job claim
    VerifierPathRecord,
    /// Deployment/storage facts only
    DeploymentNote,
    /// Benchmark only
    Benchmark,
    /// Nothing can be said
    None,
}

impl Label {
    /// Every label, strongest first.
    pub const ALL: [Label; 5] = [
        Label::ComputeReceipt,
        Label::VerifierPathRecord,
        Label::DeploymentNote,
        Label::Benchmark,
        Label::None,
    ];

    /// The label a report's name stands for, when there is one.
    pub fn from_name(name: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The label as written in reports.
    pub fn name(self) -> &'static str {
        match self {
            Label::ComputeReceipt => "compute_receipt",
            Label::VerifierPathRecord => "verifier_path_record",
            Label::DeploymentNote => "deployment_note",
            Label::Benchmark => "benchmark",
            Label::None => "none",
        }
    }
}

/// One label and the claim that makes it.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    /// The label
    pub label: Label,
    /// The claim whose being allowed makes it
    pub claim: String,
}

/// The claim limit each part of a receipt states.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimLimits {
    /// For benchmark results
    pub benchmark_result: String,
    /// For attestation results, by the key the claim rules pick (`attestation_limit`)
    pub attestation_result: BTreeMap<String, String>,
    /// For the verifier decisions
    pub policy_decision: String,
    /// For deployment/storage facts
    pub provider_constraints: String,
}

/// A claim that may be allowed.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// `box.name`
    pub id: String,
    /// The box it speaks for
    #[serde(rename = "box")]
    pub claim_box: ClaimBox,
    /// Exactly what a reviewer may repeat (may hold `{placeholders}`)
    pub sentence: String,
    /// Names of requirement rules (`data.claimgate.requirements.<name>`) that must all be true
    pub requires: Vec<String>,
    /// Louder sentences this claim must never become
    #[serde(default)]
    pub never_inflate_to: Vec<String>,
    /// Weaker claims to offer, in order, when this one is blocked
    #[serde(default)]
    pub rewrite_to: Vec<String>,
}

/// A sentence that is never allowed, with the claim to say instead.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockedClaim {
    /// `blocked.name`
    pub id: String,
    /// The bad sentence
    pub sentence: String,
    /// The catalog claim to say instead
    pub safer: String,
    /// Why the sentence overreaches
    pub why: String,
    /// Regular expressions (case-insensitive) that find the sentence paraphrased in published
    /// text (`audit --text`); each must match no catalog claim's sentence
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paraphrases: Vec<String>,
}

/// Most bytes a compiled paraphrase pattern may take (the `regex` crate's size limit).
const PARAPHRASE_SIZE: usize = 1 << 20;

/// Deepest nesting a paraphrase pattern may have.
const PARAPHRASE_NEST: u32 = 32;

impl BlockedClaim {
    /// Checks the syntax of each paraphrase pattern, without compiling it: compiling the
    /// catalog's patterns costs more than the rest of a cold `eval`, which never uses them.
    fn check_paraphrase_syntax(&self) -> Result<(), (String, &str)> {
        for p in &self.paraphrases {
            regex_syntax::ParserBuilder::new()
                .case_insensitive(true)
                .nest_limit(PARAPHRASE_NEST)
                .build()
                .parse(p)
                .map_err(|e| (self.not_a_regex(p, &e), p.as_str()))?;
        }
        Ok(())
    }

    fn not_a_regex(&self, p: &str, e: &dyn std::fmt::Display) -> String {
        format!(
            "paraphrase `{p}` of `{}` is not a regular expression: {e}",
            self.id
        )
    }
}

/// A paraphrase pattern that cannot be used: it does not compile, or it finds a sentence the
/// catalog allows.
#[derive(Debug)]
pub struct ParaphraseProblem {
    /// What is wrong
    pub message: String,
    /// The pattern's text, to find it in the catalog file
    pub pattern: String,
}

/// The catalog's blocked sentences, each with its paraphrase patterns compiled
/// case-insensitively.
pub type Paraphrases<'c> = Vec<(&'c BlockedClaim, Vec<regex::Regex>)>;

/// The validated catalog.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Always `claimgate.catalog/v2`
    #[schemars(extend("const" = SCHEMA))]
    pub schema: String,
    /// Labels, strongest first: the first whose claim is allowed is the bundle's
    pub labels: Vec<LabelRule>,
    /// What receipts say each kind of evidence can back
    pub claim_limits: ClaimLimits,
    /// Claims that may be allowed, in report order
    pub claims: Vec<Claim>,
    /// Sentences that are never allowed
    pub blocked: Vec<BlockedClaim>,
}

/// A catalog that does not parse or does not hold together.
#[derive(Debug)]
pub struct CatalogProblem {
    /// What is wrong
    pub message: String,
    /// Where, when known
    pub span: Option<miette::SourceSpan>,
}

impl Catalog {
    /// Parses and validates `catalog.yaml`.
    pub fn parse(file: &SourceFile) -> Result<Catalog, CatalogProblem> {
        let cat: Catalog = file
            .parse(Syntax::Yaml)
            .map_err(|ParseFailure { message, span, .. }| CatalogProblem { message, span })?;
        cat.validate(file)?;
        Ok(cat)
    }

    /// The claim with this id.
    pub fn claim(&self, id: &str) -> Option<&Claim> {
        self.claims.iter().find(|c| c.id == id)
    }

    /// The blocked sentence with this id.
    pub fn blocked_claim(&self, id: &str) -> Option<&BlockedClaim> {
        self.blocked.iter().find(|c| c.id == id)
    }

    /// Compiles every paraphrase pattern, each of which must find no sentence the catalog
    /// allows (a pattern that did would flag honest text as a paraphrase of a blocked one).
    pub fn paraphrases(&self) -> Result<Paraphrases<'_>, ParaphraseProblem> {
        self.blocked
            .iter()
            .map(|b| {
                let mut compiled = Vec::with_capacity(b.paraphrases.len());
                for p in &b.paraphrases {
                    let problem = |message| ParaphraseProblem {
                        message,
                        pattern: p.clone(),
                    };
                    let re = regex::RegexBuilder::new(p)
                        .case_insensitive(true)
                        .nest_limit(PARAPHRASE_NEST)
                        .size_limit(PARAPHRASE_SIZE)
                        .build()
                        .map_err(|e| problem(b.not_a_regex(p, &e)))?;
                    if let Some(c) = self.claims.iter().find(|c| re.is_match(&c.sentence)) {
                        return Err(problem(format!(
                            "paraphrase `{p}` of `{}` matches the sentence of claim `{}`, which the catalog allows",
                            b.id, c.id
                        )));
                    }
                    compiled.push(re);
                }
                Ok((b, compiled))
            })
            .collect()
    }

    /// Whether `id` names a claim or a blocked sentence.
    pub fn knows(&self, id: &str) -> bool {
        self.claim(id).is_some() || self.blocked_claim(id).is_some()
    }

    fn validate(&self, file: &SourceFile) -> Result<(), CatalogProblem> {
        let fail = |message: String, needle: &str| CatalogProblem {
            message,
            span: file.span_of(needle),
        };
        if self.schema != SCHEMA {
            return Err(fail(
                format!(
                    "unknown catalog schema `{}` (expected `{SCHEMA}`)",
                    self.schema
                ),
                &self.schema,
            ));
        }
        let mut ids = BTreeSet::new();
        for c in &self.claims {
            if !ids.insert(c.id.as_str()) {
                return Err(fail(format!("claim id `{}` is listed twice", c.id), &c.id));
            }
            let (b, name) = c.id.split_once('.').unwrap_or(("", ""));
            if b != c.claim_box.name() || name.is_empty() {
                return Err(fail(
                    format!(
                        "claim id `{}` must be `{}.<name>` (its box is `{}`)",
                        c.id,
                        c.claim_box.name(),
                        c.claim_box.name()
                    ),
                    &c.id,
                ));
            }
            if c.requires.is_empty() {
                return Err(fail(
                    format!(
                        "claim `{}` requires nothing; every claim needs evidence",
                        c.id
                    ),
                    &c.id,
                ));
            }
            if let Some(r) = c.requires.iter().find(|r| !is_rule_name(r)) {
                return Err(fail(
                    format!(
                        "claim `{}` requires `{r}`, which is not a rule name (lowercase letters, digits and `_`)",
                        c.id
                    ),
                    r,
                ));
            }
            check_placeholders(&c.sentence).map_err(|p| {
                fail(
                    format!(
                        "claim `{}` uses unknown placeholder `{{{p}}}` (known: {})",
                        c.id,
                        PLACEHOLDERS.join(", ")
                    ),
                    &c.sentence,
                )
            })?;
        }
        // A claim may not carry the wording of a sentence that must never be allowed.
        let norm = normalize_sentence;
        for c in &self.claims {
            let loud = self
                .blocked
                .iter()
                .map(|b| b.sentence.as_str())
                .chain(c.never_inflate_to.iter().map(String::as_str))
                .find(|s| norm(s) == norm(&c.sentence));
            if let Some(loud) = loud {
                return Err(fail(
                    format!(
                        "claim `{}` has the wording of a blocked or inflated sentence: \"{loud}\"",
                        c.id
                    ),
                    &c.sentence,
                ));
            }
        }
        for b in &self.blocked {
            if !ids.insert(b.id.as_str()) {
                return Err(fail(format!("claim id `{}` is listed twice", b.id), &b.id));
            }
            if !b.id.starts_with("blocked.") {
                return Err(fail(
                    format!("blocked claim id `{}` must start with `blocked.`", b.id),
                    &b.id,
                ));
            }
            if self.claim(&b.safer).is_none() {
                return Err(fail(
                    format!(
                        "blocked claim `{}` rewrites to unknown claim `{}`",
                        b.id, b.safer
                    ),
                    &b.safer,
                ));
            }
            // The syntax only: [`Catalog::paraphrases`] compiles them where they are used.
            b.check_paraphrase_syntax().map_err(|(m, p)| fail(m, p))?;
        }
        for floor in [JOB_CLAIM, PATH_CLAIM] {
            if self.claim(floor).is_none() {
                return Err(fail(
                    format!("the catalog has no claim `{floor}`, which claimgate's floor needs"),
                    "claims:",
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for l in &self.labels {
            if l.label == Label::None || !seen.insert(l.label) {
                return Err(fail(
                    format!(
                        "label `{}` is listed twice or is `none` (`none` is what no label leaves)",
                        l.label.name()
                    ),
                    l.label.name(),
                ));
            }
            if self.claim(&l.claim).is_none() {
                return Err(fail(
                    format!(
                        "label `{}` is made by unknown claim `{}`",
                        l.label.name(),
                        l.claim
                    ),
                    &l.claim,
                ));
            }
        }
        for c in &self.claims {
            for r in &c.rewrite_to {
                if self.claim(r).is_none() || r == &c.id {
                    return Err(fail(
                        format!(
                            "claim `{}` rewrites to `{r}`, which is not another claim",
                            c.id
                        ),
                        r,
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Catalog {
    /// Every requirement name the claims use, sorted.
    pub fn requirement_names(&self) -> BTreeSet<&str> {
        self.claims
            .iter()
            .flat_map(|c| c.requires.iter().map(String::as_str))
            .collect()
    }
}

fn is_rule_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// How sentences are compared everywhere (catalog wording, `gate --claimed`): whitespace
/// collapsed, lowercase, typographic quotes straightened, one trailing period dropped.
pub fn normalize_sentence(s: &str) -> String {
    let straight: String = s
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            c => c,
        })
        .collect();
    let joined = straight.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = joined.to_lowercase();
    match lower.strip_suffix('.') {
        Some(s) => s.trim_end().to_string(),
        None => lower,
    }
}

/// Returns the first `{name}` in the sentence that is not a known placeholder.
fn check_placeholders(sentence: &str) -> Result<(), String> {
    let mut rest = sentence;
    while let Some(start) = rest.find('{') {
        let after = rest.get(start + 1..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            return Err(after.to_string());
        };
        let name = after.get(..end).unwrap_or_default();
        if !PLACEHOLDERS.contains(&name) {
            return Err(name.to_string());
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_names_not_words() {
        for ok in [
            "nvidia-nras",
            "https://nras.attestation-stg.nvidia.com",
            "NVAT-LOCAL-VERIFIER",
            "policy:PSA_IOT",
            "svc@host",
        ] {
            assert_eq!(check_identifier(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "nvidia-nras. TEE attestation proves the answer is true",
            "a\nlabel: compute_receipt",
            "x\u{1b}[2K",
            "trustee-as (attestation-service 0.1.0)",
            "caf\u{e9}",
            "x\u{202e}",
        ] {
            assert!(check_identifier(bad).is_err(), "{bad:?}");
        }
        assert!(check_identifier(&"a".repeat(MAX_IDENTIFIER_CHARS)).is_ok());
        assert!(check_identifier(&"a".repeat(MAX_IDENTIFIER_CHARS + 1)).is_err());
    }
}
