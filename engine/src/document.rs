//! The document kinds a bundle may name, and the native kinds' documents as written in one.
//!
//! These types are the wire format of bundle documents (see `docs/bundle-format.md`). They are
//! deserialized strictly (`deny_unknown_fields`, typed values) so a typo is an error with a
//! location, never a silently ignored fact. Digest fields stay strings here: a malformed digest
//! is evidence to report, not a parse error. Upstream formats are the adapters' knowledge, not
//! this module's: [`detect`] asks each adapter whether a document is its format.

use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// Every document kind a manifest may name: the native kinds, then upstream formats.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A measurement of the runtime
    RuntimeMeasurement,
    /// A verifier's appraisal of TEE evidence
    AttestationResult,
    /// A verifier policy decision
    VerifierDecision,
    /// A key broker release record
    KeyRelease,
    /// A benchmark of a hardware class
    BenchmarkResult,
    /// Deployment and storage facts
    Deployment,
    /// A reproducible-operator trace
    OperatorTrace,
    /// Facts no adapter models, asserted by the provider
    Facts,
    /// Trustee attestation service EAR token (claims JSON or compact JWT)
    TrusteeEar,
    /// Veraison EAR attestation result (full EAR or its `submods` map)
    VeraisonEar,
    /// NVIDIA GPU claims: NRAS per-device claims (keyed `GPU-n` or flat) or the SDK claims array
    NvidiaClaims,
    /// NVIDIA NRAS overall claims (`x-nvidia-overall-att-result`, `submods` digests)
    NvidiaOverall,
    /// NVIDIA detached EAT: `[["JWT", overall], {"GPU-0": device token}]`
    NvidiaDetachedEat,
    /// `nvattest attest --format json` output (`result_code`, `claims`, `detached_eat`)
    Nvattest,
    /// dstack-verifier `/verify` response
    DstackVerify,
    /// A dstack quote report as the guest agent's `GetQuote` returns it (`quote` hex,
    /// `event_log`, `report_data`, `vm_config`): evidence no verifier has appraised
    DstackQuoteReport,
    /// Trustee attestation service CPU TEE claims (TDX, SNP, SGX, …) as its verifiers parse
    /// them for its policies
    TrusteeTeeClaims,
    /// Trustee attestation service GPU claims (`nvidia`) as its verifier parses them for its
    /// policies
    TrusteeGpuClaims,
    /// Trustee KBS error response (`type`, `detail`), e.g. a policy denial
    KbsError,
    /// Akash SDL (`deploy.yaml`)
    AkashSdl,
    /// A receipt a provider published in the author-model shape (`allowed_claim`,
    /// `blocked_claims`, `policy_decision`, …)
    AuthorReceipt,
}

impl Kind {
    /// All kinds, in the order they are documented.
    pub const ALL: [Kind; 21] = [
        Kind::RuntimeMeasurement,
        Kind::AttestationResult,
        Kind::VerifierDecision,
        Kind::KeyRelease,
        Kind::BenchmarkResult,
        Kind::Deployment,
        Kind::OperatorTrace,
        Kind::Facts,
        Kind::TrusteeEar,
        Kind::VeraisonEar,
        Kind::NvidiaClaims,
        Kind::NvidiaOverall,
        Kind::NvidiaDetachedEat,
        Kind::Nvattest,
        Kind::DstackVerify,
        Kind::DstackQuoteReport,
        Kind::TrusteeTeeClaims,
        Kind::TrusteeGpuClaims,
        Kind::KbsError,
        Kind::AkashSdl,
        Kind::AuthorReceipt,
    ];

    /// The name used in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Kind::RuntimeMeasurement => "runtime_measurement",
            Kind::AttestationResult => "attestation_result",
            Kind::VerifierDecision => "verifier_decision",
            Kind::KeyRelease => "key_release",
            Kind::BenchmarkResult => "benchmark_result",
            Kind::Deployment => "deployment",
            Kind::OperatorTrace => "operator_trace",
            Kind::Facts => "facts",
            Kind::TrusteeEar => "trustee_ear",
            Kind::VeraisonEar => "veraison_ear",
            Kind::NvidiaClaims => "nvidia_claims",
            Kind::NvidiaOverall => "nvidia_overall",
            Kind::NvidiaDetachedEat => "nvidia_detached_eat",
            Kind::Nvattest => "nvattest",
            Kind::DstackVerify => "dstack_verify",
            Kind::DstackQuoteReport => "dstack_quote_report",
            Kind::TrusteeTeeClaims => "trustee_tee_claims",
            Kind::TrusteeGpuClaims => "trustee_gpu_claims",
            Kind::KbsError => "kbs_error",
            Kind::AkashSdl => "akash_sdl",
            Kind::AuthorReceipt => "author_receipt",
        }
    }

    /// Looks a kind up by its manifest name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether documents of this kind are upstream formats, read as they are.
    pub fn is_upstream(self) -> bool {
        self >= Kind::TrusteeEar
    }
}

/// A parsed document of one of the native kinds.
#[derive(Debug, Clone)]
pub enum Document {
    /// A measurement of the runtime (image, VM, firmware)
    RuntimeMeasurement(RuntimeMeasurement),
    /// A verifier's appraisal of TEE evidence
    AttestationResult(AttestationResult),
    /// A decision recorded by a verifier policy outside claimgate (e.g. a key broker denial)
    VerifierDecision(VerifierDecision),
    /// A key broker's release record
    KeyRelease(KeyRelease),
    /// A benchmark of a hardware class
    BenchmarkResult(BenchmarkResult),
    /// Provider deployment and storage facts
    Deployment(Deployment),
    /// A reproducible-operator trace and its replay outcome
    OperatorTrace(OperatorTrace),
    /// Facts the provider asserts that no adapter models
    Facts(Facts),
    /// A document in an upstream format, kept as it is
    Upstream(Kind, serde_json::Value),
}

impl Document {
    /// The kind of this document.
    pub fn kind(&self) -> Kind {
        match self {
            Document::RuntimeMeasurement(_) => Kind::RuntimeMeasurement,
            Document::AttestationResult(_) => Kind::AttestationResult,
            Document::VerifierDecision(_) => Kind::VerifierDecision,
            Document::KeyRelease(_) => Kind::KeyRelease,
            Document::BenchmarkResult(_) => Kind::BenchmarkResult,
            Document::Deployment(_) => Kind::Deployment,
            Document::OperatorTrace(_) => Kind::OperatorTrace,
            Document::Facts(_) => Kind::Facts,
            Document::Upstream(kind, _) => *kind,
        }
    }
}

/// `runtime_measurement`: what the runtime was measured to be.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a `runtime_measurement` document (a mapping)"
)]
pub struct RuntimeMeasurement {
    /// What was measured, e.g. `container-image`, `cvm-rtmr3`
    pub target: String,
    /// The measurement, `sha256:<hex>`
    pub digest: String,
    /// Who took the measurement
    #[serde(default)]
    pub measured_by: Option<String>,
}

/// What an artifact is to the job.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The delivered result; its digest must equal the job's output digest
    Output,
    /// The job's input
    Input,
    /// A model or container bundle
    Workload,
    /// Anything else
    Other,
}

/// Where a verifier ran, relative to the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Appraisal {
    /// On the same host as the workload (e.g. a local GPU verifier)
    Local,
    /// A remote attestation service (e.g. NVIDIA NRAS, a Trustee AS)
    Remote,
}

/// One measured value and the reference value the verifier compared it with.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a measurement (`name`, `value`, `reference`)"
)]
pub struct MeasurementCheck {
    /// Name of the measured component, e.g. `vbios`, `rtmr3`
    pub name: String,
    /// The measured digest
    pub value: String,
    /// The expected digest; absent means no reference value, which fails closed
    #[serde(default)]
    pub reference: Option<String>,
}

/// `attestation_result`: a verifier's appraisal of TEE evidence.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a `attestation_result` document (a mapping)"
)]
pub struct AttestationResult {
    /// Verifier name, e.g. `nvidia-nras`, `trustee-as`
    pub verifier: String,
    /// Whether the verifier was local or remote
    pub appraisal: Appraisal,
    /// TEE type, e.g. `nvidia-h100-cc`, `intel-tdx`
    #[serde(default)]
    pub tee: Option<String>,
    /// Digest of the evidence the verifier appraised
    pub evidence_digest: String,
    /// When the result was issued
    pub issued_at: Instant,
    /// When the result stops being valid
    #[serde(default)]
    pub expires_at: Option<Instant>,
    /// The nonce bound into the evidence
    #[serde(default)]
    pub nonce: Option<String>,
    /// Measured values with their reference values
    #[serde(default)]
    pub measurements: Vec<MeasurementCheck>,
    /// Whether debug mode was on; absent is unknown, which fails closed
    #[serde(default)]
    pub debug_enabled: Option<bool>,
    /// Whether secure boot was on
    #[serde(default)]
    pub secure_boot: Option<bool>,
    /// The workload digest bound into the evidence (report data), tying the runtime to the job
    #[serde(default)]
    pub workload_digest: Option<String>,
}

/// A verifier policy status. They combine as the worst: reject < hold < pass.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The evidence was rejected
    Reject,
    /// The verifier neither accepted nor rejected (e.g. stale evidence, re-attest)
    Hold,
    /// The evidence was accepted
    Pass,
}

impl Status {
    /// The past-tense verb for sentences: accepted, held, rejected.
    pub fn verb(self) -> &'static str {
        match self {
            Status::Pass => "accepted",
            Status::Hold => "held",
            Status::Reject => "rejected",
        }
    }

    /// The status name as written in documents.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Hold => "hold",
            Status::Reject => "reject",
        }
    }
}

/// A step on the verifier path that a request reached.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PathStep {
    /// The key broker (KBS) received the request
    KeyBroker,
    /// The attestation service evaluated the evidence
    AttestationService,
    /// A policy was evaluated on the result
    Policy,
}

impl PathStep {
    /// Human words for sentences.
    pub fn words(self) -> &'static str {
        match self {
            PathStep::KeyBroker => "key broker",
            PathStep::AttestationService => "attestation service",
            PathStep::Policy => "policy",
        }
    }
}

/// `verifier_decision`: a decision a verifier policy made outside claimgate.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a `verifier_decision` document (a mapping)"
)]
pub struct VerifierDecision {
    /// The policy that decided, e.g. `kbs_resource_policy_v2`
    pub policy_id: String,
    /// pass, reject or hold
    pub status: Status,
    /// The verifier's own reason
    pub reason: String,
    /// The verifier that ran the policy
    #[serde(default)]
    pub verifier: Option<String>,
    /// Which path steps the request reached (for a denial: how far it got)
    #[serde(default)]
    pub reached: Vec<PathStep>,
    /// When the decision was made
    #[serde(default)]
    pub decided_at: Option<Instant>,
}

/// `key_release`: a key broker released (or refused) a resource.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a `key_release` document (a mapping)"
)]
pub struct KeyRelease {
    /// The resource path, e.g. `default/model-key/1`
    pub resource: String,
    /// Whether the resource was released
    pub released: bool,
    /// The verifier policy whose decision the release followed
    pub policy_id: String,
    /// When
    #[serde(default)]
    pub at: Option<Instant>,
}

/// `benchmark_result`: a measurement of a hardware class, not of a job.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a `benchmark_result` document (a mapping)"
)]
pub struct BenchmarkResult {
    /// Benchmark name, e.g. `llm-decode-throughput`
    pub name: String,
    /// The hardware class it describes, e.g. `1x H100 80GB`
    pub hardware_class: String,
    /// Metric name
    pub metric: String,
    /// Metric value
    pub value: f64,
    /// Unit of the value
    pub unit: String,
    /// When the benchmark ran
    #[serde(default)]
    pub run_at: Option<Instant>,
    /// Digest of the full benchmark output
    #[serde(default)]
    pub result_digest: Option<String>,
}

/// Persistence of a storage volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// Survives container restarts on the same provider
    Persistent,
    /// Lost when the container stops
    Ephemeral,
}

/// A backup location outside the provider.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a backup (`location`, `digest`)")]
pub struct Backup {
    /// Where the copy is, e.g. `s3://bucket/job-42/result.tar`
    pub location: String,
    /// Digest of the copy
    pub digest: String,
}

/// `deployment`: provider and storage facts that bound replayability.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a `deployment` document (a mapping)")]
pub struct Deployment {
    /// Provider or network, e.g. `akash`
    pub provider: String,
    /// Persistent or ephemeral storage
    pub storage: Persistence,
    /// Storage class, e.g. `beta3`
    #[serde(default)]
    pub storage_class: Option<String>,
    /// Whether the storage lives only on the provider's hosts (absent is unknown)
    #[serde(default)]
    pub provider_local: Option<bool>,
    /// A backup outside the provider
    #[serde(default)]
    pub backup: Option<Backup>,
}

/// Outcome of replaying a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Replay {
    /// The replay reproduced the trace
    Matched,
    /// The replay diverged
    Mismatched,
}

/// `operator_trace`: a reproducible-operator trace and its replay.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a `operator_trace` document (a mapping)"
)]
pub struct OperatorTrace {
    /// Digest of the recorded trace
    pub trace_digest: String,
    /// Replay outcome
    pub replay: Replay,
    /// Who replayed it
    pub replayed_by: String,
    /// The workload the trace ran
    #[serde(default)]
    pub workload_digest: Option<String>,
}

/// Most facts one `facts` document may state.
pub const MAX_FACTS: usize = 256;

/// `facts`: facts the provider asserts that no adapter reads from an upstream format (a GPU's
/// confidential-computing mode from `nvidia-smi conf-compute`, a region). Keys are namespaced
/// (`nvidia.gpu.cc_mode`); values are strings, numbers or booleans. Nothing checks them: the
/// evidence marks them provider-asserted, and a claim rule decides what, if anything, they
/// may back.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a `facts` document (a mapping)")]
pub struct Facts {
    /// Namespaced key → value
    pub facts: std::collections::BTreeMap<String, FactValue>,
}

/// A fact's value: a scalar, never a structure.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(untagged, expecting = "a string, number or boolean")]
pub enum FactValue {
    /// true or false
    Bool(bool),
    /// An integer
    Int(i64),
    /// A number
    Float(f64),
    /// Text
    Text(String),
}

/// Checks that a fact key is namespaced: two or more dot-separated segments, each of lowercase
/// letters, digits, `_` or `-`, at most 128 characters in all.
pub fn check_fact_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 128 {
        return Err("a fact key has 1 to 128 characters".into());
    }
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    if !key.contains('.') || !key.split('.').all(segment_ok) {
        return Err(
            "a fact key is namespaced: dot-separated segments of a-z, 0-9, `_` or `-` (e.g. `nvidia.gpu.cc_mode`)"
                .into(),
        );
    }
    Ok(())
}
