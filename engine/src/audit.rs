//! `claimgate audit`: whether a receipt a provider published in the author-model shape says no
//! more than its own fields support.
//!
//! A receipt claimgate wrote (`claimgate.receipt/v1`, bare or in its envelope) is audited as
//! `verify` checks it: its bytes and decision id, and with `--bundle` every field against the
//! bundle decided again at the receipt's instant; its text against that decision, else the
//! decision it records.
//!
//! The receipt is read as evidence: a one-document bundle whose job is the receipt's job and
//! digests and whose document is the receipt itself (`author_receipt`,
//! `adapter/author.rs`). The pack decides that bundle like any other; the audit then sets
//! the receipt's words against the decision and the catalog: each digest field, the
//! `allowed_claim`, the `claim_limit` of each part, and the `blocked_claims`. A finding is an
//! error when the receipt says more than it supports, a warning when it leaves out what the
//! catalog says must be said, a note otherwise ([`CODES`]).

use crate::adapter::{author_field, AUTHOR_DIGEST_FIELDS};
use crate::catalog::{normalize_sentence, Catalog};
use crate::decision::{Decision, Label};
use crate::digest::Digest;
use crate::engine::{At, Engine};
use crate::gate::{claimed, Check, Location, RequirementKind};
use crate::source::SourceFile;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Every finding code of an audit, its severity and what it means.
pub const CODES: &[(&str, Severity, &str)] = &[
    ("malformed-digest", Severity::Error, "a digest field holds a name or placeholder, not a digest: it names nothing and backs nothing"),
    ("claim-unsupported", Severity::Error, "the allowed claim is a catalog claim the receipt's own fields do not support"),
    ("claim-blocked", Severity::Error, "the allowed claim is a sentence the catalog never allows"),
    ("claim-inflated", Severity::Error, "the allowed claim is a louder version of a catalog claim"),
    ("claim-unknown", Severity::Error, "the allowed claim is no catalog sentence: claimgate vouches only for catalog claims"),
    ("limit-louder", Severity::Error, "a claim_limit states no limit, or says what the catalog never allows"),
    ("policy-mismatch", Severity::Error, "the policy decision is of another policy than the one the receipt names"),
    ("bundle-digest-differs", Severity::Error, "with --bundle: a digest of the receipt is not the bundle's"),
    ("bundle-claim-unsupported", Severity::Error, "with --bundle: the bundle's evidence does not support the allowed claim"),
    ("bundle-status-differs", Severity::Error, "with --bundle: the receipt's policy decision is not the one the bundle's evidence gets"),
    ("limit-missing", Severity::Warning, "a benchmark or attestation part has no claim_limit"),
    ("blocked-missing", Severity::Warning, "a sentence the catalog always blocks is not in blocked_claims"),
    ("claim-supported", Severity::Note, "the allowed claim is a catalog claim the receipt's own fields support"),
    ("rests-on-record", Severity::Note, "the decision is a record of a verifier's decision made elsewhere: the receipt carries no appraised evidence, so it cannot be replayed from the receipt"),
    ("text-blocked", Severity::Error, "with --text: a sentence of the text is one the catalog never allows"),
    ("text-near-blocked", Severity::Error, "with --text: a sentence says in other words what the catalog never allows (its blocked sentence's paraphrase patterns find it)"),
    ("text-inflated", Severity::Error, "with --text: a sentence is a louder version of a catalog claim"),
    ("text-unsupported", Severity::Error, "with --text: a sentence is a catalog claim the evidence does not support"),
    ("text-misworded", Severity::Error, "with --text: a sentence is a catalog claim with its placeholders filled otherwise than the evidence fills them"),
    ("text-supported", Severity::Note, "with --text: a sentence is a catalog claim the evidence supports"),
    ("bundle-replayed", Severity::Note, "with --bundle: the bundle's evidence, decided again, supports the allowed claim with the receipt's digests"),
    ("receipt-mismatch", Severity::Error, "a claimgate receipt: a field is not what claimgate wrote (its bytes, its decision id) or, with --bundle, not what the bundle decided again gives"),
    ("receipt-replayed", Severity::Note, "with --bundle: a claimgate receipt the bundle, decided again at its instant, gives field for field"),
    ("not-replayed", Severity::Note, "a claimgate receipt without --bundle: its bytes and decision id are checked, its decision is not decided again"),
];

/// Which kind of receipt was audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// The author model of the design: one `allowed_claim`, read as evidence and decided
    AuthorModel,
    /// A receipt claimgate wrote: its decision is recorded, and verified
    Claimgate,
}

/// How much a finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The receipt says more than it supports: `audit` exits 1
    Error,
    /// The receipt leaves out what the catalog says must be said
    Warning,
    /// What the audit found, for the reader
    Note,
}

impl Severity {
    /// The word reports use.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One thing the audit found.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFinding {
    /// One of [`CODES`]
    pub code: &'static str,
    /// Its severity ([`CODES`])
    pub severity: Severity,
    /// The receipt field it is about (`workload_digest`, `allowed_claim`)
    pub field: String,
    /// 1-based line of the field's value in the receipt file (or of the sentence in the
    /// text), when found
    pub line: Option<usize>,
    /// The text file the finding is in (`--text`); absent: the receipt
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// What was found
    pub message: String,
    /// What to write instead, from the catalog
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instead: Option<String>,
}

/// The bundle a receipt was checked against, decided again.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    /// The bundle, as given
    pub path: String,
    /// The claims its evidence supports
    pub supported: Vec<String>,
    /// Its honest label
    pub label: Label,
}

/// What an audit found.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// The receipt file, as given
    pub receipt: String,
    /// Which kind of receipt it is
    pub shape: Shape,
    /// The catalog claim the `allowed_claim` is, when it is one
    pub claim: Option<String>,
    /// The claims the receipt's own fields support (a claimgate receipt: the claims it records)
    pub supported: Vec<String>,
    /// The honest label of what the receipt's fields support (a claimgate receipt: the label
    /// it records)
    pub label: Label,
    /// With `--bundle`: the bundle, the claims its evidence supports and its label
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<Replay>,
    /// With `--text`: the text file and how many sentences were read from it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<(String, usize)>,
    /// Findings, errors first, in field order
    pub findings: Vec<AuditFinding>,
}

impl Audit {
    /// Whether the receipt says no more than it supports (no error).
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.severity != Severity::Error)
    }

    /// How many findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Audits the author-model receipt at `path` with `engine`'s pack, deciding at `at`; with
/// `bundle`, also against the bundle it claims to summarize, decided again; with `text`, also
/// the published text around it, sentence by sentence (`text.rs`), against what the
/// bundle (else the receipt) supports.
pub fn audit(
    engine: &Engine,
    path: &Path,
    bundle: Option<&Path>,
    text: Option<&Path>,
    at: At,
) -> Result<Audit, crate::Error> {
    let (file, receipt) = crate::receipt::read_json(path)?;
    if is_claimgate(&receipt) {
        let rf = crate::receipt::ReceiptFile::open(file, receipt, None)?;
        return audit_claimgate(engine, rf, bundle, text);
    }
    let name = file.name.clone();
    let assessment = engine.decide(&as_bundle(&file, &receipt)?, at)?;
    let ev = assessment.evidence();
    // A decision read from the receipt with no appraised evidence beside it is a record.
    let record = ev.runtime.attestations.is_empty() && !ev.verifier.decisions.is_empty();
    let decision = assessment.into_decision();
    let catalog = engine.catalog();
    let line = |field: &str| -> Option<usize> {
        let value = author_field(&receipt, field)?;
        let quoted = serde_json::to_string(value).ok()?;
        let at = file.text.find(&quoted)?;
        Some(file.text.get(..at)?.matches('\n').count() + 1)
    };
    let mut findings = Vec::new();
    let mut find = |code: &'static str, field: &str, message: String, instead: Option<String>| {
        findings.push(AuditFinding {
            code,
            severity: severity_of(code),
            field: field.to_string(),
            line: line(field),
            file: None,
            message,
            instead,
        });
    };

    for field in AUTHOR_DIGEST_FIELDS {
        if let Some(raw) = author_field(&receipt, field) {
            if let Err(why) = Digest::parse(raw) {
                find(
                    "malformed-digest",
                    field,
                    format!("`{raw}` is not a digest: {why}"),
                    Some("the sha256 of what it names, as `sha256:` and 64 hex digits".into()),
                );
            }
        }
    }
    for p in decision
        .problems
        .iter()
        .filter(|p| p.field.starts_with("policy_decision"))
    {
        find("policy-mismatch", &p.field, p.msg.clone(), None);
    }

    let mut claim = None;
    if let Some(text) = author_field(&receipt, "allowed_claim") {
        let m = claimed::classify(text, catalog);
        if let claimed::Match::Claim { id, .. } = &m {
            claim = Some(id.clone());
        }
        let mut c = Check {
            requirement: "allowed_claim".into(),
            kind: RequirementKind::Claimed,
            passed: true,
            message: String::new(),
            reasons: Vec::new(),
            safer: None,
            location: Location::file(name.clone()),
        };
        claimed::check(&mut c, text, &m, &decision, catalog);
        let code = match (&m, c.passed) {
            (_, true) => "claim-supported",
            (claimed::Match::Blocked { .. } | claimed::Match::Paraphrases { .. }, _) => {
                "claim-blocked"
            }
            (claimed::Match::Inflates { .. }, _) => "claim-inflated",
            (claimed::Match::Unknown, _) => "claim-unknown",
            (claimed::Match::Claim { .. }, _) => "claim-unsupported",
        };
        let mut message = c
            .message
            .replace("this bundle's evidence", "this receipt's own fields");
        if !c.reasons.is_empty() {
            message = format!("{message}: {}", c.reasons.join("; "));
        }
        // Only a rewrite the receipt's own fields support is offered.
        let instead = c.safer.filter(|s| s.allowed).map(|s| s.sentence);
        find(code, "allowed_claim", message, instead);
    }
    if record {
        find(
            "rests-on-record",
            "policy_decision",
            format!(
                "the decision of `{}` was made elsewhere{}; the receipt names its evidence only by digest, so what it decided cannot be replayed from the receipt",
                author_field(&receipt, "policy_decision.policy_id")
                    .or_else(|| author_field(&receipt, "verifier_policy_id"))
                    .unwrap_or("(unnamed)"),
                author_field(&receipt, "attestation_result.verifier")
                    .map(|v| format!(" (verifier {v})"))
                    .unwrap_or_default()
            ),
            None,
        );
    }
    limits(&receipt, catalog, &decision, &mut find);
    let listed: Vec<String> = receipt
        .get("blocked_claims")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(normalize_sentence)
        .collect();
    for b in &catalog.blocked {
        if !listed.contains(&normalize_sentence(&b.sentence)) {
            find(
                "blocked-missing",
                "blocked_claims",
                format!(
                    "\"{}\" is never allowed ({}) and is not listed",
                    b.sentence, b.why
                ),
                None,
            );
        }
    }
    let replayed = match bundle {
        None => None,
        Some(dir) => {
            let d = engine.decide(&engine.load(dir)?, at)?.into_decision();
            if against(&receipt, claim.as_deref(), &d, &mut find) {
                // The bundle's evidence backs what the receipt alone could not.
                findings.retain(|f| !matches!(f.code, "claim-unsupported" | "rests-on-record"));
            }
            Some((dir.display().to_string(), d))
        }
    };
    let mut sentences = None;
    if let Some(t) = text {
        let d = replayed.as_ref().map_or(&decision, |(_, d)| d);
        let (n, found) = audit_text(t, catalog, &engine.paraphrases()?, d)?;
        sentences = Some(n);
        findings.extend(found);
    }
    findings.sort_by_key(|f| f.severity);
    let replay = replayed.map(|(path, d)| Replay {
        path,
        supported: d.allowed.iter().map(|a| a.id.clone()).collect(),
        label: d.label,
    });
    Ok(Audit {
        receipt: name,
        shape: Shape::AuthorModel,
        claim,
        supported: decision.allowed.iter().map(|a| a.id.clone()).collect(),
        label: decision.label,
        bundle: replay,
        text: text.map(|t| t.display().to_string()).zip(sentences),
        findings,
    })
}

/// Whether a receipt is one claimgate wrote: bare (its schema), or in the in-toto Statement or
/// DSSE envelope claimgate writes around it.
fn is_claimgate(receipt: &Value) -> bool {
    receipt.get("schema").and_then(Value::as_str) == Some(crate::receipt::SCHEMA)
        || receipt.get("payloadType").is_some()
        || receipt.get("predicateType").is_some()
}

/// Audits a receipt claimgate wrote: verified as `verify` verifies it (replayed at its own
/// instant with `bundle`), and its text set against the replayed decision, else the recorded
/// one.
fn audit_claimgate(
    engine: &Engine,
    rf: crate::receipt::ReceiptFile,
    bundle: Option<&Path>,
    text: Option<&Path>,
) -> Result<Audit, crate::Error> {
    let name = rf.name().to_string();
    let recorded: crate::receipt::Receipt =
        serde_json::from_value(rf.receipt().clone()).map_err(|e| {
            crate::receipt::ReceiptError::Envelope {
                path: name.clone(),
                message: format!("not a {} receipt: {e}", crate::receipt::SCHEMA),
            }
        })?;
    let replayed = match bundle {
        None => None,
        Some(dir) => {
            let at = At::Pinned(rf.evaluated_at()?);
            let assessment = engine.decide(&engine.load(dir)?, at)?;
            let value = assessment.receipt().to_value();
            Some((dir.display().to_string(), value, assessment.into_decision()))
        }
    };
    let verification = rf.verify(replayed.as_ref().map(|(_, v, _)| v));
    let note = |code: &'static str, field: &str, message: String| AuditFinding {
        code,
        severity: severity_of(code),
        field: field.to_string(),
        line: None,
        file: None,
        message,
        instead: None,
    };
    let mut findings: Vec<AuditFinding> = verification
        .mismatches
        .iter()
        .map(|m| {
            note(
                "receipt-mismatch",
                &m.field,
                format!(
                    "{}: the receipt says {}, found {}",
                    m.kind.name(),
                    m.receipt,
                    m.found
                ),
            )
        })
        .collect();
    match (&replayed, verification.ok()) {
        (None, _) => findings.push(note(
            "not-replayed",
            "replay",
            "its bytes and decision id are checked, and its text (with --text) is set against the claims it records; nothing was decided again: give --bundle".into(),
        )),
        (Some((dir, ..)), true) => findings.push(note(
            "receipt-replayed",
            "replay",
            format!("`{dir}`, decided again at the receipt's instant, gives this receipt field for field"),
        )),
        (Some(_), false) => {}
    }
    let catalog = engine.catalog();
    let decision = match &replayed {
        Some((.., d)) => d.clone(),
        None => as_recorded(&recorded, catalog, &name),
    };
    let mut sentences = None;
    if let Some(t) = text {
        let (n, found) = audit_text(t, catalog, &engine.paraphrases()?, &decision)?;
        sentences = Some(n);
        findings.extend(found);
    }
    findings.sort_by_key(|f| f.severity);
    Ok(Audit {
        receipt: name,
        shape: Shape::Claimgate,
        claim: None,
        supported: recorded
            .allowed_claim
            .iter()
            .map(|a| a.id.clone())
            .collect(),
        label: recorded.label,
        bundle: replayed.map(|(path, _, d)| Replay {
            path,
            supported: d.allowed.iter().map(|a| a.id.clone()).collect(),
            label: d.label,
        }),
        text: text.map(|t| t.display().to_string()).zip(sentences),
        findings,
    })
}

/// The decision a claimgate receipt records, as a decision: its allowed and blocked claims and
/// its label (what its text is set against when no bundle is given).
fn as_recorded(r: &crate::receipt::Receipt, catalog: &Catalog, name: &str) -> Decision {
    Decision {
        schema: crate::decision::SCHEMA,
        bundle: name.to_string(),
        job: crate::decision::JobView {
            job_id: r.job_id.clone(),
            receipt_id: r.receipt_id.clone(),
            workload_digest: r.workload_digest.as_ref().map(ToString::to_string),
            input_commitment: r.input_commitment.as_ref().map(ToString::to_string),
            output_digest: r.output_digest.as_ref().map(ToString::to_string),
        },
        evaluated_at: r.evaluated_at,
        label: r.label,
        // A recorded claim the catalog does not know is left out: text is never checked
        // against more than the catalog allows.
        allowed: r
            .allowed_claim
            .iter()
            .filter_map(|a| {
                Some(crate::decision::Allowed {
                    id: a.id.clone(),
                    claim_box: catalog.claim(&a.id)?.claim_box,
                    sentence: a.sentence.clone(),
                })
            })
            .collect(),
        blocked: r.blocked_claims.clone(),
        verifier_decisions: Vec::new(),
        verifier_status: None,
        problems: Vec::new(),
        appraisals: BTreeMap::new(),
        attestation_limit: None,
    }
}

/// The sentences of a published text set against the catalog and decision `d`: how many were
/// read, and a finding for each claim, blocked sentence or paraphrase of one.
fn audit_text(
    path: &Path,
    catalog: &Catalog,
    patterns: &crate::catalog::Paraphrases<'_>,
    d: &Decision,
) -> Result<(usize, Vec<AuditFinding>), crate::Error> {
    let name = path.display().to_string();
    let file =
        SourceFile::read(path, name.clone()).map_err(|e| crate::receipt::ReceiptError::Read {
            path: name.clone(),
            reason: crate::source::io_reason(&e),
        })?;
    let sentences = crate::text::sentences(&file.text);
    let mut out = Vec::new();
    // What to say instead of a blocked sentence: its safer claim, as this evidence words it
    // when it allows it.
    let safer = |id: &str| -> Option<String> {
        let b = catalog.blocked_claim(id)?;
        let allowed = d.allowed.iter().find(|a| a.id == b.safer);
        Some(match allowed {
            Some(a) => a.sentence.clone(),
            None => format!(
                "{} (`{}`; this evidence does not support it either)",
                catalog.claim(&b.safer)?.sentence,
                b.safer
            ),
        })
    };
    for s in &sentences {
        use claimed::Match;
        let (code, message, instead) = match crate::text::classify(&s.text, catalog, patterns) {
            Match::Unknown => continue,
            Match::Paraphrases { id, why } => (
                "text-near-blocked",
                format!(
                    "\"{}\" says in other words what `{id}` never allows: {why}",
                    s.text
                ),
                safer(&id),
            ),
            Match::Blocked { id, why } => (
                "text-blocked",
                format!("\"{}\" is never allowed (`{id}`): {why}", s.text),
                safer(&id),
            ),
            Match::Inflates { id } => (
                "text-inflated",
                format!("\"{}\" inflates `{id}` beyond any evidence", s.text),
                d.allowed
                    .iter()
                    .find(|a| a.id == id)
                    .map(|a| a.sentence.clone()),
            ),
            Match::Claim { id, by_id } if d.allows(&id) => {
                // A template's placeholders filled otherwise than the evidence fills them
                // (`policy rejected` where it accepted) say something else.
                let worded = d.allowed.iter().find(|a| a.id == id).map(|a| &a.sentence);
                match worded {
                    Some(w) if !by_id && normalize_sentence(w) != normalize_sentence(&s.text) => (
                        "text-misworded",
                        format!(
                            "\"{}\" is `{id}` worded otherwise than this evidence supports",
                            s.text
                        ),
                        Some(w.clone()),
                    ),
                    _ => (
                        "text-supported",
                        format!("\"{}\" is `{id}`, which this evidence supports", s.text),
                        None,
                    ),
                }
            }
            Match::Claim { id, .. } => (
                "text-unsupported",
                format!(
                    "\"{}\" is `{id}`, which this evidence does not support",
                    s.text
                ),
                None,
            ),
        };
        out.push(AuditFinding {
            code,
            severity: severity_of(code),
            field: "text".into(),
            line: Some(s.line),
            file: Some(name.clone()),
            message,
            instead,
        });
    }
    Ok((sentences.len(), out))
}

/// A code's severity ([`CODES`]; an unlisted code counts as an error).
fn severity_of(code: &str) -> Severity {
    CODES
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or(Severity::Error, |(_, s, _)| *s)
}

/// The receipt against the decision of the bundle it summarizes: the same digests, the same
/// policy status, and the allowed claim supported by the bundle's evidence. True when all
/// three hold: the receipt's claim is replayed.
fn against(
    receipt: &Value,
    claim: Option<&str>,
    d: &Decision,
    find: &mut impl FnMut(&'static str, &str, String, Option<String>),
) -> bool {
    let mut same = true;
    for (field, theirs) in [
        ("workload_digest", &d.job.workload_digest),
        ("input_commitment", &d.job.input_commitment),
        ("output_digest", &d.job.output_digest),
    ] {
        let ours = author_field(receipt, field).and_then(|r| Digest::parse(r).ok());
        let theirs = theirs.as_deref().and_then(|t| Digest::parse(t).ok());
        if ours != theirs {
            same = false;
            let say = |x: Option<Digest>| x.map_or("none".to_string(), |x| x.to_string());
            find(
                "bundle-digest-differs",
                field,
                format!("the receipt says {}, the bundle {}", say(ours), say(theirs)),
                None,
            );
        }
    }
    if let (Some(said), Some(got)) = (
        author_field(receipt, "policy_decision.status"),
        d.verifier_status,
    ) {
        if said != got.name() {
            same = false;
            find(
                "bundle-status-differs",
                "policy_decision.status",
                format!(
                    "the receipt records `{said}`; the bundle's evidence, decided again, gets `{}`",
                    got.name()
                ),
                None,
            );
        }
    }
    match claim {
        Some(id) if !d.allows(id) => find(
            "bundle-claim-unsupported",
            "allowed_claim",
            format!("the bundle's evidence does not support `{id}` either"),
            None,
        ),
        Some(id) if same => {
            find(
                "bundle-replayed",
                "allowed_claim",
                format!("the bundle's evidence, decided again, supports `{id}`, with the receipt's digests and policy status"),
                None,
            );
            return true;
        }
        _ => {}
    }
    false
}

/// The claim limits of the receipt's benchmark and attestation parts against the catalog's.
fn limits(
    receipt: &Value,
    catalog: &Catalog,
    decision: &Decision,
    find: &mut impl FnMut(&'static str, &str, String, Option<String>),
) {
    let attestation = decision
        .attestation_limit
        .as_deref()
        .and_then(|k| catalog.claim_limits.attestation_result.get(k))
        .or_else(|| catalog.claim_limits.attestation_result.get("unbound"));
    let parts: [(&str, Option<&String>); 2] = [
        (
            "benchmark_result",
            Some(&catalog.claim_limits.benchmark_result),
        ),
        ("attestation_result", attestation),
    ];
    for (part, ours) in parts {
        if receipt.get(part).is_none() {
            continue;
        }
        let field = format!("{part}.claim_limit");
        match author_field(receipt, &field) {
            None => find(
                "limit-missing",
                &field,
                format!("the {part} says nothing of what it cannot back"),
                ours.cloned(),
            ),
            Some(limit) => {
                let louder = !matches!(
                    claimed::classify(limit, catalog),
                    claimed::Match::Unknown | claimed::Match::Claim { .. }
                );
                let words: Vec<String> = normalize_sentence(limit)
                    .split(|c: char| !c.is_alphanumeric())
                    .map(str::to_string)
                    .collect();
                let limiting = ["only", "not", "no", "none", "nothing"]
                    .iter()
                    .any(|w| words.iter().any(|x| x == w));
                if louder || !limiting {
                    find(
                        "limit-louder",
                        &field,
                        format!("\"{limit}\" states no limit on what the {part} backs"),
                        ours.cloned(),
                    );
                }
            }
        }
    }
}

/// The receipt as a one-document bundle: its job id and digests in the manifest, itself as
/// the document.
fn as_bundle(file: &SourceFile, receipt: &Value) -> Result<crate::Bundle, crate::Error> {
    let mut job = serde_json::Map::new();
    for (key, field) in [
        ("job_id", "job_id"),
        ("receipt_id", "receipt_id"),
        ("workload_digest", "workload_digest"),
        ("input_commitment", "input_commitment"),
        ("output_digest", "output_digest"),
    ] {
        if let Some(v) = author_field(receipt, field) {
            job.insert(key.into(), json!(v));
        }
    }
    if !job.contains_key("job_id") {
        job.insert("job_id".into(), json!("(the receipt names no job)"));
    }
    let manifest = json!({
        "schema": "claimgate.bundle/v1",
        "job": job,
        "documents": [{"path": "receipt.json", "kind": "author_receipt"}],
    });
    let files = BTreeMap::from([("receipt.json".to_string(), file.text.clone().into_bytes())]);
    let bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    Ok(crate::Bundle::from_memory(
        &format!("{} (as a bundle).json", file.name),
        &bytes,
        files,
    )?)
}
