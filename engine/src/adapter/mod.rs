//! Adapters turn bundle documents into the normalized evidence document.
//!
//! Adapters know document formats and nothing about policy: they record what each document
//! states and check its syntax (digests, hex, times). Malformed values become [`Problem`]s and
//! derive nothing. Whether a result is fresh, its nonce matched or it is bound to the job is
//! the pack's judgment, in Rego.
//!
//! Each upstream format is one `Adapter`, in a file of its own, listed once in `REGISTRY`: how
//! to recognise a document of its kind, what such a document states, and which inputs upstream
//! policies can take from it ([`input_builder`]). Native kinds are claimgate's own schema and
//! need no detection (`native.rs`). Adding a format: `docs/formats/README.md`.

mod akash;
mod author;
pub(crate) use author::{text as author_field, DIGEST_FIELDS as AUTHOR_DIGEST_FIELDS};
mod dstack;
mod dstack_quote;
mod ear;
mod kbs;
mod native;
mod nvidia;
mod trustee_claims;

use crate::digest::Digest;
use crate::document::{Appraisal, Document, Kind, PathStep, Status};
use crate::evidence::{
    Attestation, Check, CheckState, DecisionFact, DigestFact, DocumentView, Evidence, HexFact,
    InputBuilder, InputShape, MeasurementMatch, MeasurementResult, Origin, Problem, Signature,
    Tier, UpstreamInput,
};
use crate::time::Instant;
use serde_json::Value;

/// One upstream format: how to recognise its documents, what they state, and which inputs
/// upstream policies can take from them.
pub(crate) trait Adapter: Sync {
    /// The kind it reads.
    fn kind(&self) -> Kind;

    /// Whether `value` (a document, or a compact JWT's payload) has this format's shape. A rule
    /// tests keys only this format has, so that one adapter at most claims a document: a guess
    /// would read facts out of the wrong fields.
    fn detect(&self, value: &Value) -> bool;

    /// Records what one document of this kind states: facts, the verifier's own verdict, and a
    /// problem for each malformed value.
    fn normalize(&self, doc: &Doc, ev: &mut Evidence, cx: &mut Context);

    /// How it builds `shape`'s inputs for upstream policies, beyond the document as it is
    /// (which every format builds); `None`: it cannot.
    fn inputs(&self, _shape: InputShape) -> Option<InputBuilder> {
        None
    }

    /// The keys, in this format's documents, an attestation fact (`debug_enabled`, `expires_at`,
    /// `measurements`, `checks`, `nonce`, …) is read from, the likeliest first: a finding about
    /// the fact points at the line of the first one the document has.
    fn source_keys(&self, _fact: &str) -> &'static [&'static str] {
        &[]
    }
}

/// One upstream document, as its adapter reads it.
#[derive(Clone, Copy)]
pub(crate) struct Doc<'a> {
    /// Its id: the `source` of what is read from it
    pub src: &'a str,
    /// The document, or its compact JWT's payload
    pub claims: &'a Value,
    /// The JWT's signature state (absent for plain JSON or YAML)
    pub signature: Signature,
}

/// Every upstream format, one line each, in the order their kinds are documented.
pub(crate) static REGISTRY: &[&dyn Adapter] = &[
    &ear::TRUSTEE,
    &ear::VERAISON,
    &nvidia::NvidiaClaims,
    &nvidia::NvidiaOverall,
    &nvidia::NvidiaDetachedEat,
    &nvidia::Nvattest,
    &dstack::DstackVerify,
    &dstack_quote::DstackQuoteReport,
    &trustee_claims::CPU,
    &trustee_claims::GPU,
    &kbs::KbsError,
    &akash::AkashSdl,
    &author::AuthorReceipt,
];

/// The upstream kinds whose shape `value` has, in [`Kind`] order. Exactly one is an
/// unambiguous detection.
///
/// Each format's rule is its adapter's ([`REGISTRY`]); a compact JWT is judged by its
/// payload.
pub fn detect(value: &serde_json::Value) -> Vec<Kind> {
    if let serde_json::Value::String(s) = value {
        return match crate::jwt::decode(s) {
            Ok(jwt) => detect(&jwt.payload),
            Err(_) => Vec::new(),
        };
    }
    let mut kinds: Vec<Kind> = REGISTRY
        .iter()
        .filter(|a| a.detect(value))
        .map(|a| a.kind())
        .collect();
    kinds.sort();
    kinds
}

/// The adapter that reads `kind`; `None` for a native kind.
fn adapter_of(kind: Kind) -> Option<&'static dyn Adapter> {
    REGISTRY.iter().copied().find(|a| a.kind() == kind)
}

/// The keys a document of `kind` states an attestation fact under (a native document: the
/// fact's own name); empty when the format reads it from no one key.
pub(crate) fn source_keys(kind: Kind, fact: &'static str) -> Vec<&'static str> {
    match adapter_of(kind) {
        Some(a) => a.source_keys(fact).to_vec(),
        None => vec![fact],
    }
}

/// How documents of `kind` build the inputs of `shape` for upstream policies: `None` when their
/// format cannot (or `kind` is native). The pipeline hands this to policies as their
/// [`evidence::InputBuilders`], so they build inputs without knowing formats.
pub fn input_builder(kind: Kind, shape: InputShape) -> Option<InputBuilder> {
    let adapter = adapter_of(kind)?;
    match shape {
        InputShape::Document => Some(whole),
        shape => adapter.inputs(shape),
    }
}

/// `document`: the claims as they are, one input.
fn whole(claims: &Value) -> Vec<UpstreamInput> {
    vec![UpstreamInput {
        subject: None,
        input: claims.clone(),
    }]
}

/// Whether `value` is a non-empty object whose every value satisfies `pred` (documents keyed
/// by sub-document name).
fn every_value(value: &Value, pred: impl Fn(&Value) -> bool) -> bool {
    value
        .as_object()
        .is_some_and(|o| !o.is_empty() && o.values().all(pred))
}

/// Records what one document states, through its kind's adapter: `src` is its id.
pub(crate) fn add(ev: &mut Evidence, cx: &mut Context, src: &str, document: &Document) {
    let Document::Upstream(kind, value) = document else {
        native::add(ev, cx, src, document);
        return;
    };
    // Compact JWTs are decoded (not verified) and policies see the payload.
    let (claims, signature) = match value {
        Value::String(token) => match crate::jwt::decode(token) {
            Ok(jwt) => {
                let sig = cx.signature(&jwt, token);
                (jwt.payload, sig)
            }
            Err(e) => {
                cx.problem(src, "(document)", format!("cannot decode the token: {e}"));
                return;
            }
        },
        other => (other.clone(), Signature::Absent),
    };
    match adapter_of(*kind) {
        Some(adapter) => {
            let doc = Doc {
                src,
                claims: &claims,
                signature,
            };
            adapter.normalize(&doc, ev, cx);
        }
        None => cx.problem(
            src,
            "(document)",
            format!(
                "`{}` is a native kind but was read as an upstream one",
                kind.name()
            ),
        ),
    }
    ev.documents.push(DocumentView {
        id: src.to_string(),
        kind: *kind,
        signature,
        claims,
    });
}

/// Collects problems while adapters run.
pub(crate) struct Context<'k> {
    problems: Vec<Problem>,
    /// Keys that may verify JWS signatures (none: signatures stay unverified)
    keys: &'k crate::jws::TrustedKeys,
}

impl<'k> Context<'k> {
    /// A context verifying JWS signatures against `keys` (none: they stay unverified).
    pub(crate) fn new(keys: &'k crate::jws::TrustedKeys) -> Context<'k> {
        Context {
            problems: Vec::new(),
            keys,
        }
    }

    /// Every problem found, sorted, each once.
    pub(crate) fn finish(mut self) -> Vec<Problem> {
        self.problems.sort();
        self.problems.dedup();
        self.problems
    }
}

/// What an adapter knows about one appraisal; [`Context::attestation`] derives the rest.
pub(crate) struct Appraised {
    pub verifier: String,
    pub appraisal: Appraisal,
    pub tee: Option<String>,
    pub evidence_digest: DigestFact,
    pub issued_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub nonce: HexFact,
    pub report_data: HexFact,
    pub measurements: Vec<MeasurementMatch>,
    pub measurement_result: MeasurementResult,
    pub debug_enabled: Option<bool>,
    pub secure_boot: Option<bool>,
    pub workload_digest: DigestFact,
    pub checks: Vec<Check>,
    pub tier: Option<Tier>,
    pub signature: Signature,
    /// The document is of a kind that is signed upstream (a JWS/JWT, EAR or EAT)
    pub signed_kind: bool,
}

impl Appraised {
    /// An appraisal by `verifier` about which nothing else is known yet.
    pub(crate) fn new(verifier: String, appraisal: Appraisal, signature: Signature) -> Appraised {
        Appraised {
            verifier,
            appraisal,
            tee: None,
            evidence_digest: DigestFact::Absent,
            issued_at: None,
            expires_at: None,
            nonce: HexFact::Absent,
            report_data: HexFact::Absent,
            measurements: Vec::new(),
            measurement_result: MeasurementResult::Unknown,
            debug_enabled: None,
            secure_boot: None,
            workload_digest: DigestFact::Absent,
            checks: Vec::new(),
            tier: None,
            signature,
            signed_kind: false,
        }
    }

    /// An appraisal read from a document of a signed kind.
    pub(crate) fn signed(
        verifier: String,
        appraisal: Appraisal,
        signature: Signature,
    ) -> Appraised {
        Appraised {
            signed_kind: true,
            ..Appraised::new(verifier, appraisal, signature)
        }
    }
}

/// Lowercase hex of an even number of digits, or `None`.
pub(crate) fn hex_lower(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| s.to_ascii_lowercase())
}

/// A verdict from an upstream verifier, recorded as a decision of the document.
pub(crate) fn recorded(
    source: &str,
    policy_id: &str,
    status: Status,
    reason: String,
    verifier: &str,
    reached: &[PathStep],
) -> DecisionFact {
    DecisionFact {
        source: source.to_string(),
        origin: Origin::Document,
        policy_id: policy_id.to_string(),
        status,
        reason,
        verifier: Some(verifier.to_string()),
        reached: reached.to_vec(),
        token: None,
    }
}

/// A boolean claim as a check: absent or not a boolean is unknown, never passed.
pub(crate) fn bool_check(claims: &Value, name: &str) -> Check {
    Check {
        name: name.to_string(),
        state: match claims.get(name).and_then(Value::as_bool) {
            Some(true) => CheckState::Passed,
            Some(false) => CheckState::Failed,
            None => CheckState::Unknown,
        },
    }
}

/// The signature state of evidence made of two signed parts (an NVIDIA device token and the
/// overall token that names it): verified only when both are, invalid when either is.
pub(crate) fn both_signed(a: Signature, b: Signature) -> Signature {
    match (a, b) {
        (Signature::Verified, Signature::Verified) => Signature::Verified,
        (Signature::Invalid, _) | (_, Signature::Invalid) => Signature::Invalid,
        (Signature::Absent, _) | (_, Signature::Absent) => Signature::Absent,
        _ => Signature::Unverified,
    }
}

impl Context<'_> {
    /// An integer claim (epoch seconds) as an instant: `None` when absent; a value that is not
    /// an integer within [`Instant::MIN`]..=[`Instant::MAX`] is a problem and counts as absent
    /// (so freshness is unknown, never computed from a wrapped number).
    pub(crate) fn epoch(&mut self, source: &str, name: &str, value: Option<&Value>) -> Option<i64> {
        let v = value?;
        match v.as_i64().map(Instant::from_unix) {
            Some(Ok(i)) => Some(i.unix),
            Some(Err(why)) => {
                self.problem(source, name, format!("`{v}`: {why}"));
                None
            }
            None => {
                self.problem(
                    source,
                    name,
                    format!("`{v}` is not a time (integer seconds since the epoch)"),
                );
                None
            }
        }
    }

    /// A hex value (a nonce, report data) checked for syntax; a malformed one is a problem.
    pub(crate) fn hex(&mut self, source: &str, field: &str, raw: Option<&str>) -> HexFact {
        match raw {
            None => HexFact::Absent,
            Some(raw) => match hex_lower(raw) {
                Some(hex) => HexFact::Valid { hex },
                None => {
                    self.problem(source, field, format!("`{raw}` is not hex"));
                    HexFact::Malformed {
                        raw: raw.to_string(),
                    }
                }
            },
        }
    }

    /// The signature state of a decoded token: absent for `alg: none`, unverified when no key
    /// is trusted, else verified or invalid.
    pub(crate) fn signature(&self, jwt: &crate::jwt::Jwt, token: &str) -> Signature {
        if jwt.header["alg"] == "none" {
            Signature::Absent
        } else if self.keys.is_empty() {
            Signature::Unverified
        } else if self.keys.verify(token) {
            Signature::Verified
        } else {
            Signature::Invalid
        }
    }

    pub(crate) fn problem(&mut self, source: &str, field: &str, msg: String) {
        self.problems.push(Problem {
            source: source.to_string(),
            field: field.to_string(),
            msg,
        });
    }

    /// Builds an attestation fact from what an adapter read. Times out of range are dropped
    /// (the adapters report them); a verified or invalid signature is a check like any other.
    pub(crate) fn attestation(&mut self, source: &str, a: Appraised) -> Attestation {
        let in_range = |t: Option<i64>| t.filter(|u| Instant::from_unix(*u).is_ok());
        let (issued_at, expires_at) = (in_range(a.issued_at), in_range(a.expires_at));
        let mut checks = a.checks;
        let state = match a.signature {
            Signature::Verified => Some(CheckState::Passed),
            Signature::Invalid => Some(CheckState::Failed),
            Signature::Absent | Signature::Unverified => None,
        };
        if let Some(state) = state {
            checks.push(Check {
                name: "jws signature".into(),
                state,
            });
        }
        Attestation {
            source: source.to_string(),
            verifier_is_identifier: crate::catalog::check_identifier(&a.verifier).is_ok(),
            verifier: a.verifier,
            appraisal: a.appraisal,
            tee: a.tee,
            evidence_digest: a.evidence_digest,
            issued_at: issued_at.map(|u| Instant { unix: u }.into()),
            expires_at: expires_at.map(|u| Instant { unix: u }.into()),
            nonce: a.nonce,
            report_data: a.report_data,
            measurements: a.measurements,
            measurement_result: a.measurement_result,
            debug_enabled: a.debug_enabled,
            secure_boot: a.secure_boot,
            workload_digest: a.workload_digest,
            checks,
            tier: a.tier,
            signature: a.signature,
            signed_kind: a.signed_kind,
        }
    }

    /// Parses an optional digest strictly; a malformed one is recorded as a problem.
    pub(crate) fn digest(&mut self, source: &str, field: &str, raw: Option<&str>) -> DigestFact {
        match raw {
            None => DigestFact::Absent,
            Some(raw) => match Digest::parse(raw) {
                Ok(value) => DigestFact::Valid { value },
                Err(problem) => {
                    self.problem(source, field, format!("`{raw}` is not a digest: {problem}"));
                    DigestFact::Malformed {
                        raw: raw.to_string(),
                        problem,
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_signed_parts_are_verified_only_together() {
        use Signature::*;
        assert_eq!(both_signed(Verified, Verified), Verified);
        assert_eq!(both_signed(Verified, Absent), Absent);
        assert_eq!(both_signed(Absent, Verified), Absent);
        assert_eq!(both_signed(Verified, Invalid), Invalid);
        assert_eq!(both_signed(Absent, Invalid), Invalid);
        assert_eq!(both_signed(Unverified, Unverified), Unverified);
        assert_eq!(both_signed(Unverified, Absent), Absent);
    }
}

#[cfg(test)]
mod registry_tests;
