//! The normalized evidence document, `claimgate.evidence/v2`: what Rego policies see as `input`.
//!
//! Every fact is what a bundle document states, read by an adapter, and records that
//! document's id (`source`). Values are checked for syntax (digests, hex, times) and a value
//! that does not parse is `malformed`: it carries no value a policy could compare, so it derives
//! nothing. What the facts mean (fresh, nonce matched, measurements matched, bound to this job,
//! sound) is judged by the pack's Rego (`policies/lib/attestation.rego`), never here.
//! Field-by-field reference: `docs/evidence.md`.

use crate::digest::Digest;
use crate::document::{Appraisal, Kind, PathStep, Persistence, Replay, Status};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// The schema marker of this document.
pub const SCHEMA: &str = "claimgate.evidence/v2";

/// The normalized evidence about one job.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Evidence {
    /// Always `claimgate.evidence/v2`
    #[schemars(extend("const" = SCHEMA))]
    pub schema: &'static str,
    /// The instant freshness is judged at
    pub evaluated_at: When,
    /// Job identity and binding digests
    pub job: Job,
    /// The nonce the bundle expects the evidence to carry
    pub expected_nonce: HexFact,
    /// Whether trusted keys were given (`--jws-key`): signatures were asked for
    pub signatures_checked: bool,
    /// Runtime box: measurements, attestations, traces
    pub runtime: Runtime,
    /// Verifier box: decisions recorded in documents, key releases
    pub verifier: Verifier,
    /// Capacity box: benchmarks
    pub capacity: Capacity,
    /// Storage box: deployment facts
    pub storage: Storage,
    /// Artifacts named by the bundle, with declared and computed digests
    pub artifacts: Vec<ArtifactFact>,
    /// Facts a bundle asserts in `facts` documents, which no adapter reads from an upstream
    /// format: the provider's word, marked as such
    pub facts: Vec<AssertedFact>,
    /// Every upstream document as it was read (JWT payloads decoded), for policies that need
    /// claims the normalized fields do not carry; native documents are in the fields above
    pub documents: Vec<DocumentView>,
    /// Malformed evidence found while normalizing; it derived nothing
    pub problems: Vec<Problem>,
}

/// A fact stated by a `facts` document.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AssertedFact {
    /// Document id
    pub source: String,
    /// Namespaced key, e.g. `nvidia.gpu.cc_mode`
    pub key: String,
    /// The value as written (a string, number or boolean)
    pub value: serde_json::Value,
    /// Who vouches for it: always `provider` (no verifier checked it)
    pub asserted_by: &'static str,
}

/// A bundle document, kept whole.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DocumentView {
    /// Document id
    pub id: String,
    /// Its kind (e.g. `trustee_ear`)
    pub kind: Kind,
    /// Whether a signature covers it and was checked
    pub signature: Signature,
    /// The claims: the document itself, or the decoded JWT payload
    pub claims: serde_json::Value,
}

/// How an upstream policy's input is built from a document's claims (its config's `input`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputShape {
    /// The document (or decoded JWT payload) as it is
    Document,
    /// Each EAR submod's `ear.veraison.annotated-evidence` (the TEE claims keyed by TEE name)
    EarTeeClaims,
    /// Each NVIDIA device's claims as `{"nvidia": claims}` (Trustee's GPU policy input)
    NvidiaDeviceAsTee,
    /// The NVIDIA SDK claims array: one object per device with `x-nvidia-device-type`
    NvidiaClaimsArray,
    /// Each EAR submod as Veraison's policy agent hands it to a policy: `{scheme, session,
    /// result, evidence, endorsements}` (the submod's appraisal as `result`, its annotated
    /// evidence as `evidence`; an EAR carries no endorsements, so they are `[]`)
    VeraisonAppraisal,
}

impl InputShape {
    /// The name a config writes.
    pub fn name(self) -> &'static str {
        match self {
            InputShape::Document => "document",
            InputShape::EarTeeClaims => "ear_tee_claims",
            InputShape::NvidiaDeviceAsTee => "nvidia_device_as_tee",
            InputShape::NvidiaClaimsArray => "nvidia_claims_array",
            InputShape::VeraisonAppraisal => "veraison_appraisal",
        }
    }
}

/// One input an upstream policy is evaluated on.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamInput {
    /// The sub-document it speaks of (an EAR submod, an NVIDIA device), if not the whole
    pub subject: Option<String>,
    /// The policy's `input`
    pub input: serde_json::Value,
}

/// Builds one shape's inputs from a document's claims.
pub type InputBuilder = fn(&serde_json::Value) -> Vec<UpstreamInput>;

/// Finds how documents of a kind build an input shape; `None` when their format cannot.
///
/// Formats are the adapters' knowledge, and policies must not know them: the caller hands
/// policies the adapters' registry (`adapter::input_builder`) as this function.
pub type InputBuilders = fn(Kind, InputShape) -> Option<InputBuilder>;

/// A hex value (a nonce, report data) after syntax checking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HexFact {
    /// Not given
    Absent,
    /// An even number of hex digits
    Valid {
        /// Lowercase hex
        hex: String,
    },
    /// Given but not hex; derives nothing
    Malformed {
        /// The text as written
        raw: String,
    },
}

/// Whether a document's signature was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Signature {
    /// The document carries no signature (decoded claims, native documents)
    Absent,
    /// Signed (e.g. a JWT) but the signature was not checked
    Unverified,
    /// Signed, and a trusted key (`--jws-key`) verifies the signature
    Verified,
    /// Signed, keys were given, and none of them verifies the signature
    Invalid,
}

impl Signature {
    /// The state as it is written in the evidence document.
    pub fn name(self) -> &'static str {
        match self {
            Signature::Absent => "absent",
            Signature::Unverified => "unverified",
            Signature::Verified => "verified",
            Signature::Invalid => "invalid",
        }
    }
}

/// The outcome of one check a verifier reports (e.g. a certificate chain status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Check {
    /// The upstream claim name, e.g. `x-nvidia-gpu-attestation-report-signature-verified`
    pub name: String,
    /// passed, failed or unknown (absent or unreadable: never treated as passed)
    pub state: CheckState,
}

/// State of a verifier check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// The verifier reports success
    Passed,
    /// The verifier reports failure
    Failed,
    /// Absent or not understood
    Unknown,
}

/// What a verifier reports about measurements it compared itself (a native document, which
/// carries measurements with their references, reports `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementResult {
    /// Every measurement matched
    Matched,
    /// At least one differed (or was malformed)
    Mismatched,
    /// No measurement could be compared (none given, no reference value)
    Unknown,
}

/// An EAR (AR4SI) trust tier, as Trustee and Veraison report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Evidence contradicts the expected state
    Contraindicated,
    /// Something is off but not contradicted
    Warning,
    /// No claim could be made
    None,
    /// Evidence supports the expected state
    Affirming,
}

impl Tier {
    /// The AR4SI tier of one trust-vector value (draft-ietf-rats-ar4si): 0 none, 2–31
    /// affirming, 32–95 warning, 96–127 contraindicated, others (1, negative) the verifier's
    /// own failure. Adapters read vectors with it and upstream policies' results map through
    /// it, so both stages rate a value alike.
    pub fn of(value: i64) -> Tier {
        match value {
            2..=31 => Tier::Affirming,
            32..=95 => Tier::Warning,
            96..=127 => Tier::Contraindicated,
            _ => Tier::None,
        }
    }

    /// The decision status a tier stands for: affirming → pass, warning and none → hold,
    /// contraindicated → reject (as Trustee derives `ear.status`).
    pub fn status(self) -> Status {
        match self {
            Tier::Affirming => Status::Pass,
            Tier::Warning | Tier::None => Status::Hold,
            Tier::Contraindicated => Status::Reject,
        }
    }

    /// The tier's name as EAR writes it (`affirming`, …).
    pub fn name(self) -> &'static str {
        match self {
            Tier::Contraindicated => "contraindicated",
            Tier::Warning => "warning",
            Tier::None => "none",
            Tier::Affirming => "affirming",
        }
    }

    /// The tier an EAR names (`ear.status`), or `None` for anything else.
    pub fn from_name(name: &str) -> Option<Tier> {
        [
            Tier::Contraindicated,
            Tier::Warning,
            Tier::None,
            Tier::Affirming,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

/// An instant as text and as unix seconds (Rego compares the number).
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct When {
    /// RFC 3339, UTC
    pub rfc3339: Instant,
    /// Seconds since the epoch
    pub unix: i64,
}

impl From<Instant> for When {
    fn from(i: Instant) -> When {
        When {
            rfc3339: i,
            unix: i.unix,
        }
    }
}

/// A digest field after strict parsing. A valid one is written with its `value`
/// (`algorithm:hex`) and, for policies that compare digests across algorithms or with report
/// data, its `algorithm` and `hex`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestFact {
    /// Not given
    Absent,
    /// Well formed
    Valid {
        /// `algorithm:hex`
        value: Digest,
    },
    /// Given but not a digest (e.g. a placeholder); derives nothing
    Malformed {
        /// The text as written
        raw: String,
        /// What is wrong with it
        problem: String,
    },
}

impl Serialize for DigestFact {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            DigestFact::Absent => m.serialize_entry("state", "absent")?,
            DigestFact::Valid { value } => {
                m.serialize_entry("state", "valid")?;
                m.serialize_entry("value", value)?;
                m.serialize_entry("algorithm", &value.algorithm)?;
                m.serialize_entry("hex", &value.hex)?;
            }
            DigestFact::Malformed { raw, problem } => {
                m.serialize_entry("state", "malformed")?;
                m.serialize_entry("raw", raw)?;
                m.serialize_entry("problem", problem)?;
            }
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for DigestFact {
    /// Reads what [`Serialize`] writes; a valid digest is read from its `value`.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(tag = "state", rename_all = "snake_case")]
        enum Raw {
            Absent,
            // `algorithm` and `hex` repeat `value`: they are not read.
            Valid { value: Digest },
            Malformed { raw: String, problem: String },
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Absent => DigestFact::Absent,
            Raw::Valid { value } => DigestFact::Valid { value },
            Raw::Malformed { raw, problem } => DigestFact::Malformed { raw, problem },
        })
    }
}

impl schemars::JsonSchema for DigestFact {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DigestFact".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let digest = g.subschema_for::<Digest>();
        let algorithm = g.subschema_for::<crate::digest::Algorithm>();
        schemars::json_schema!({
            "description": "A digest field after strict parsing: absent, valid, or malformed (given but not a digest; derives nothing)",
            "oneOf": [
                {"type": "object", "properties": {"state": {"const": "absent"}},
                 "required": ["state"], "additionalProperties": false},
                {"type": "object", "properties": {
                    "state": {"const": "valid"}, "value": digest, "algorithm": algorithm,
                    "hex": {"type": "string", "pattern": "^[0-9a-f]+$"}},
                 "required": ["state", "value", "algorithm", "hex"], "additionalProperties": false},
                {"type": "object", "properties": {
                    "state": {"const": "malformed"}, "raw": {"type": "string"},
                    "problem": {"type": "string"}},
                 "required": ["state", "raw", "problem"], "additionalProperties": false}
            ]
        })
    }
}

impl DigestFact {
    /// The digest, when valid.
    pub fn valid(&self) -> Option<&Digest> {
        match self {
            DigestFact::Valid { value } => Some(value),
            _ => None,
        }
    }
}

/// Job identity and the digests that bind it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Job {
    /// Job identifier
    pub job_id: String,
    /// Receipt identifier
    pub receipt_id: Option<String>,
    /// Workload digest
    pub workload_digest: DigestFact,
    /// Input commitment
    pub input_commitment: DigestFact,
    /// Output digest as declared
    pub output_digest: DigestFact,
    /// Whether the output artifact was in the bundle and its recomputed digest equals the
    /// declared output digest: `null` when no output artifact was given
    pub output_verified: Option<bool>,
}

/// The runtime box.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Runtime {
    /// Runtime measurements
    pub measurements: Vec<Measurement>,
    /// Attestation results
    pub attestations: Vec<Attestation>,
    /// Reproducible-operator traces
    pub traces: Vec<Trace>,
    /// NVSwitch appraisals: a switch attests the NVLink fabric between GPUs, not the TEE the
    /// job ran in, so claim rules do not read these as the job's runtime. Absent when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub switches: Vec<Attestation>,
}

/// A runtime measurement.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Measurement {
    /// Document id
    pub source: String,
    /// What was measured
    pub target: String,
    /// The measurement
    pub digest: DigestFact,
    /// Who measured
    pub measured_by: Option<String>,
}

/// One measurement compared with its reference.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MeasurementMatch {
    /// Component name
    pub name: String,
    /// Measured value
    pub value: DigestFact,
    /// Reference value
    pub reference: DigestFact,
}

/// A verifier's appraisal of TEE evidence.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Attestation {
    /// Document id
    pub source: String,
    /// Verifier name
    pub verifier: String,
    /// The verifier name is an identifier (`[A-Za-z0-9._:/@-]`, 1 to 128 characters), so a
    /// sentence may name it
    pub verifier_is_identifier: bool,
    /// local or remote
    pub appraisal: Appraisal,
    /// TEE type
    pub tee: Option<String>,
    /// Digest of the appraised evidence
    pub evidence_digest: DigestFact,
    /// Issue time, when the document gives one
    pub issued_at: Option<When>,
    /// Expiry
    pub expires_at: Option<When>,
    /// The nonce the evidence carries
    pub nonce: HexFact,
    /// Report data bound into the evidence
    pub report_data: HexFact,
    /// Each measurement with its reference (native documents)
    pub measurements: Vec<MeasurementMatch>,
    /// What the verifier reports about the measurements it compared
    pub measurement_result: MeasurementResult,
    /// Checks the verifier reports (certificate chains, signatures, …)
    pub checks: Vec<Check>,
    /// The verifier's own trust tier for this appraisal, when it reports one
    pub tier: Option<Tier>,
    /// Whether the document's signature was checked
    pub signature: Signature,
    /// The document is of a kind that is signed upstream (a JWS/JWT, EAR or EAT), whether or
    /// not this copy carries the signature
    pub signed_kind: bool,
    /// Debug mode; `null` is unknown
    pub debug_enabled: Option<bool>,
    /// Secure boot; `null` is unknown
    pub secure_boot: Option<bool>,
    /// Workload digest bound into the evidence
    pub workload_digest: DigestFact,
}

/// A reproducible-operator trace.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Trace {
    /// Document id
    pub source: String,
    /// Trace digest
    pub trace_digest: DigestFact,
    /// Replay outcome
    pub replay: Replay,
    /// Who replayed it
    pub replayed_by: String,
    /// Workload the trace ran
    pub workload_digest: DigestFact,
}

/// The verifier box.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Verifier {
    /// Decisions recorded in bundle documents (policy decisions are added after evaluation)
    pub decisions: Vec<DecisionFact>,
    /// Key broker release records
    pub releases: Vec<Release>,
}

/// Where a verifier decision came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Recorded in a bundle document
    Document,
    /// Made by a verifier policy of the policy pack
    Policy,
}

/// A verifier policy decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DecisionFact {
    /// Document id, or the package of the pack policy
    pub source: String,
    /// Where it came from
    pub origin: Origin,
    /// The policy that decided
    pub policy_id: String,
    /// pass, hold or reject
    pub status: Status,
    /// The policy's reason
    pub reason: String,
    /// The verifier that ran it
    pub verifier: Option<String>,
    /// Path steps the request reached
    pub reached: Vec<PathStep>,
    /// For a verdict read from a token (an NVIDIA overall result, an EAR submod): the token's
    /// signature state and own nonce, which the pack judges; absent otherwise
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Token>,
}

/// The signature and nonce of the token a recorded verdict was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Token {
    /// Whether its signature was checked
    pub signature: Signature,
    /// The nonce it carries, for a kind whose tokens carry one of their own
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<HexFact>,
}

/// A key broker release record.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Release {
    /// Document id
    pub source: String,
    /// Resource path
    pub resource: String,
    /// Whether it was released
    pub released: bool,
    /// The policy the release followed
    pub policy_id: String,
}

/// The capacity box.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Capacity {
    /// Benchmarks
    pub benchmarks: Vec<Benchmark>,
}

/// A benchmark of a hardware class.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Benchmark {
    /// Document id
    pub source: String,
    /// Benchmark name
    pub name: String,
    /// Hardware class
    pub hardware_class: String,
    /// Metric
    pub metric: String,
    /// Value
    pub value: f64,
    /// Unit
    pub unit: String,
    /// Digest of the full output
    pub result_digest: DigestFact,
}

/// The storage box.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Storage {
    /// Deployment and storage facts
    pub facts: Vec<StorageFact>,
}

/// Provider storage facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StorageFact {
    /// Document id
    pub source: String,
    /// Provider
    pub provider: String,
    /// persistent or ephemeral
    pub storage: Persistence,
    /// Storage class
    pub storage_class: Option<String>,
    /// Storage lives on the provider's hosts; unknown is treated as provider-local
    pub provider_local: bool,
    /// A backup outside the provider, when shown
    pub backup: Option<BackupFact>,
}

/// A backup location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackupFact {
    /// Location
    pub location: String,
    /// Digest of the copy
    pub digest: DigestFact,
}

/// An artifact with declared and recomputed digests.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArtifactFact {
    /// Name
    pub name: String,
    /// Path relative to the bundle
    pub path: String,
    /// Role
    pub role: crate::document::Role,
    /// Declared digest
    pub declared: DigestFact,
    /// Recomputed sha256, when the file could be read
    pub computed: Option<Digest>,
    /// Declared and computed are equal
    pub matched: bool,
}

/// Malformed evidence: which document, which field, what is wrong.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Problem {
    /// Document id (or `manifest`)
    pub source: String,
    /// Field path
    pub field: String,
    /// What is wrong
    pub msg: String,
}

impl Evidence {
    /// Every decision (recorded and evaluated), worst status first.
    pub fn combined_status(decisions: &[DecisionFact]) -> Option<Status> {
        decisions.iter().map(|d| d.status).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar4si_tiers() {
        assert_eq!(Tier::of(0), Tier::None);
        assert_eq!(Tier::of(2), Tier::Affirming);
        assert_eq!(Tier::of(33), Tier::Warning);
        assert_eq!(Tier::of(97), Tier::Contraindicated);
        assert_eq!(Tier::of(99), Tier::Contraindicated);
        assert_eq!(Tier::of(-1), Tier::None);
        assert_eq!(Tier::of(1), Tier::None);
    }

    #[test]
    fn tier_names_are_the_serialized_names() {
        for t in [
            Tier::Contraindicated,
            Tier::Warning,
            Tier::None,
            Tier::Affirming,
        ] {
            assert_eq!(serde_json::to_value(t).ok(), Some(t.name().into()));
            assert_eq!(Tier::from_name(t.name()), Some(t));
        }
        assert_eq!(Tier::from_name("Affirming"), None);
    }

    #[test]
    fn input_shape_names_are_the_config_names() {
        for shape in [
            InputShape::Document,
            InputShape::EarTeeClaims,
            InputShape::NvidiaDeviceAsTee,
            InputShape::NvidiaClaimsArray,
            InputShape::VeraisonAppraisal,
        ] {
            let read: Result<InputShape, _> = serde_json::from_value(shape.name().into());
            assert_eq!(read.ok(), Some(shape));
        }
    }
}
