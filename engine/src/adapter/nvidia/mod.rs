//! NVIDIA GPU attestation: NRAS and local-verifier claims, as the NVIDIA attestation SDK,
//! nvtrust and `nvattest` produce them. One adapter per document kind, each in its own file;
//! this module holds what they share: reading one device's claims, the overall result, and the
//! device inputs upstream policies take.
//!
//! Each device's claims become one attestation fact: a GPU's in `runtime.attestations`, an
//! NVSwitch's in `runtime.switches` (a switch attests the NVLink fabric, not the TEE the job ran
//! in, so it never backs the runtime claim). Read: `iss` (remote only when its URL host is a
//! public name or address; loopback, private, link-local and anything unparsable is local: a
//! local-only appraisal is never reported as remote), `iat`/`exp` (integers within range, else a
//! problem), `eat_nonce` (32 bytes of hex, else a problem), `measres`, `dbgstat`, `secboot`, the
//! boolean `x-nvidia-*` results, and the certificate-chain objects (status, OCSP status, OCSP
//! nonce match, OCSP response validity).
//! A check the relying-party policy needs but the claims lack is **unknown**, never passed:
//! the SDK defaults missing OCSP fields to true; claimgate does not.
//! The overall result (`x-nvidia-overall-att-result`, `nvattest`'s `result_code`) is recorded as
//! the verifier's decision, as the token states it, with the token's signature state and own
//! `eat_nonce`: the pack judges those like a device's. Knows nothing about policy.

mod claims;
mod detached_eat;
mod nvattest;
mod overall;

pub(super) use claims::NvidiaClaims;
pub(super) use detached_eat::NvidiaDetachedEat;
pub(super) use nvattest::Nvattest;
pub(super) use overall::NvidiaOverall;

use super::{bool_check, Appraised, Context};
use crate::digest::Digest;
use crate::document::Appraisal;
use crate::evidence::{
    Check, CheckState, Evidence, HexFact, InputBuilder, InputShape, MeasurementResult, Signature,
    UpstreamInput,
};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Results every GPU claims version carries (NRAS v2/v3, SDK claims 3.0).
const GPU_CORE: [&str; 11] = [
    "x-nvidia-gpu-arch-check",
    "x-nvidia-gpu-attestation-report-parsed",
    "x-nvidia-gpu-attestation-report-nonce-match",
    "x-nvidia-gpu-attestation-report-signature-verified",
    "x-nvidia-gpu-driver-rim-fetched",
    "x-nvidia-gpu-driver-rim-signature-verified",
    "x-nvidia-gpu-driver-rim-measurements-available",
    "x-nvidia-gpu-vbios-rim-fetched",
    "x-nvidia-gpu-vbios-rim-signature-verified",
    "x-nvidia-gpu-vbios-rim-measurements-available",
    "x-nvidia-gpu-vbios-index-no-conflict",
];

/// Certificate chains per device type (claims v3 and the SDK format).
const GPU_CHAINS: [&str; 3] = [
    "x-nvidia-gpu-attestation-report-cert-chain",
    "x-nvidia-gpu-driver-rim-cert-chain",
    "x-nvidia-gpu-vbios-rim-cert-chain",
];
const SWITCH_CHAINS: [&str; 2] = [
    "x-nvidia-switch-attestation-report-cert-chain",
    "x-nvidia-switch-bios-rim-cert-chain",
];
/// Claims v2 states each chain as one boolean instead.
const GPU_V2_CHAINS: [&str; 3] = [
    "x-nvidia-gpu-attestation-report-cert-chain-validated",
    "x-nvidia-gpu-driver-rim-cert-validated",
    "x-nvidia-gpu-vbios-rim-cert-validated",
];
const SWITCH_V2_CHAINS: [&str; 2] = [
    "x-nvidia-switch-attestation-report-cert-chain-validated",
    "x-nvidia-switch-bios-rim-cert-validated",
];
/// Results every switch claims version carries (the switch verifier's own list).
const SWITCH_CORE: [&str; 8] = [
    "x-nvidia-switch-arch-check",
    "x-nvidia-switch-attestation-report-parsed",
    "x-nvidia-switch-attestation-report-nonce-match",
    "x-nvidia-switch-attestation-report-signature-verified",
    "x-nvidia-switch-bios-rim-fetched",
    "x-nvidia-switch-bios-rim-schema-validated",
    "x-nvidia-switch-bios-rim-signature-verified",
    "x-nvidia-switch-bios-rim-measurements-available",
];

/// What kind of device a set of claims speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Device {
    /// A GPU: its TEE is where the job ran
    Gpu,
    /// An NVSwitch: it attests the fabric between GPUs
    Switch,
}

/// The device type of one device's claims: `x-nvidia-device-type` when stated (the SDK format),
/// else the claim names (`x-nvidia-switch-*` is a switch, as NRAS issues them). Claims that
/// contradict each other are a GPU (every GPU check is demanded) with the contradiction.
fn device_type(d: &Value) -> (Device, Option<String>) {
    let has = |prefix: &str| {
        d.as_object()
            .is_some_and(|o| o.keys().any(|k| k.starts_with(prefix)))
    };
    let (gpu, switch) = (has("x-nvidia-gpu-"), has("x-nvidia-switch-"));
    let stated = d.get("x-nvidia-device-type");
    match stated.map(Value::as_str) {
        Some(Some("nvswitch")) if !gpu => (Device::Switch, None),
        Some(Some("gpu")) if !switch => (Device::Gpu, None),
        None if switch && !gpu => (Device::Switch, None),
        None if !(switch && gpu) => (Device::Gpu, None),
        None => (
            Device::Gpu,
            Some("both x-nvidia-gpu-* and x-nvidia-switch-* claims".into()),
        ),
        Some(_) => (
            Device::Gpu,
            Some(format!(
                "x-nvidia-device-type {} with{}{} claims",
                stated.map(Value::to_string).unwrap_or_default(),
                if gpu { " x-nvidia-gpu-*" } else { "" },
                if switch { " x-nvidia-switch-*" } else { "" },
            )),
        ),
    }
}

/// The SDK's name for a device's type (`gpu` or `nvswitch`), for policies whose input is the
/// SDK claims array.
fn sdk_device_type(d: &Value) -> &'static str {
    match device_type(d).0 {
        Device::Gpu => "gpu",
        Device::Switch => "nvswitch",
    }
}

/// Where an issuer (`iss`) appraised the evidence. Remote only when `iss` is an http(s) URL
/// whose host is a public DNS name or a global IP address; loopback, private, link-local and
/// special-use hosts are local, and anything that does not parse as such a URL is unknown,
/// which is never called remote.
fn appraisal_of(iss: Option<&str>) -> Appraisal {
    match iss.and_then(issuer_host) {
        Some(Host::Public) => Appraisal::Remote,
        _ => Appraisal::Local,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Host {
    Public,
    Local,
}

fn issuer_host(iss: &str) -> Option<Host> {
    let (scheme, rest) = iss.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")) {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    // Userinfo is not the host (`https://nras.attestation.nvidia.com@127.0.0.1/`); a backslash
    // or anything unusual makes the URL unknown rather than guessed at.
    if authority.bytes().any(|b| {
        !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'@' | b'_'))
    }) {
        return None;
    }
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        let (addr, port) = v6.split_once(']')?;
        if !(port.is_empty() || port.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        return Some(ip_host(IpAddr::V6(addr.parse().ok()?)));
    } else {
        match host_port.split_once(':') {
            Some((h, port)) if is_port(port) => h,
            Some(_) => return None,
            None => host_port,
        }
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let last = labels.last().copied().unwrap_or_default();
    // A numeric last label means an IPv4 address (URL parsers read `127.1` or `0x7f.1` as
    // one): only a plain dotted quad is understood.
    if last.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(ip_host(IpAddr::V4(host.parse::<Ipv4Addr>().ok()?)));
    }
    let valid = host.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !valid {
        return None;
    }
    const LOCAL_SUFFIXES: [&str; 6] = [
        "localhost",
        "local",
        "internal",
        "lan",
        "localdomain",
        "arpa",
    ];
    if labels.len() < 2 || LOCAL_SUFFIXES.contains(&last) {
        return Some(Host::Local);
    }
    Some(Host::Public)
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
}

fn ip_host(ip: IpAddr) -> Host {
    let v4_local = |a: Ipv4Addr| {
        let [o0, o1, ..] = a.octets();
        a.is_loopback()
            || a.is_private()
            || a.is_link_local()
            || a.is_unspecified()
            || a.is_broadcast()
            || a.is_documentation()
            || a.is_multicast()
            || o0 == 0
            || o0 >= 240
            // shared address space (carrier-grade NAT), 100.64.0.0/10
            || (o0 == 100 && (64..128).contains(&o1))
            // IETF protocol assignments, 192.0.0.0/24, and benchmarking, 198.18.0.0/15
            || (o0 == 192 && o1 == 0 && a.octets()[2] == 0)
            || (o0 == 198 && (18..20).contains(&o1))
    };
    let local = match ip {
        IpAddr::V4(a) => v4_local(a),
        IpAddr::V6(a) => {
            let seg0 = a.segments()[0];
            a.to_ipv4_mapped().is_some_and(v4_local)
                || a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00 // unique local, fc00::/7
                || (seg0 & 0xffc0) == 0xfe80 // link local, fe80::/10
                || (seg0 == 0x2001 && a.segments()[1] == 0x0db8) // documentation
                || a == Ipv6Addr::UNSPECIFIED
                // IPv4-compatible and other reserved ::/8 forms
                || seg0 == 0
        }
    };
    if local {
        Host::Local
    } else {
        Host::Public
    }
}

/// An NVIDIA nonce (`eat_nonce`): 32 bytes as hex; anything else is malformed (a problem).
fn nvidia_nonce(cx: &mut Context, here: &str, v: Option<&Value>) -> HexFact {
    let Some(v) = v else {
        return HexFact::Absent;
    };
    let raw = v.as_str().map_or_else(|| v.to_string(), str::to_string);
    match v.as_str().and_then(super::hex_lower) {
        Some(hex) if hex.len() == 64 => HexFact::Valid { hex },
        _ => {
            cx.problem(
                here,
                "eat_nonce",
                format!("`{raw}` is not a nonce (32 bytes as hex): the nonce check cannot pass"),
            );
            HexFact::Malformed { raw }
        }
    }
}

/// Where the claims came from, for facts the claims themselves do not carry.
#[derive(Default)]
struct Origin<'a> {
    /// Claims of an enclosing token (issuer, times) when the device claims lack them
    envelope: Option<&'a Value>,
    /// Digest of the device token, when there is one
    evidence_digest: Option<Digest>,
    signature: Option<Signature>,
}

/// How an NVIDIA format lists its devices' claims (device tokens decoded), each named as the
/// facts read from it are, for the upstream policies that take device claims.
trait Devices {
    fn devices(doc: &Value) -> Vec<(String, Value)>;
}

/// The device inputs every NVIDIA format with devices builds: `nvidia_device_as_tee` and
/// `nvidia_claims_array`.
fn device_inputs<D: Devices>(shape: InputShape) -> Option<InputBuilder> {
    match shape {
        InputShape::NvidiaDeviceAsTee => Some(device_as_tee::<D>),
        InputShape::NvidiaClaimsArray => Some(claims_array::<D>),
        InputShape::Document | InputShape::EarTeeClaims | InputShape::VeraisonAppraisal => None,
    }
}

/// Each device's claims as `{"nvidia": claims}`: Trustee's GPU-policy input, one per device.
fn device_as_tee<D: Devices>(doc: &Value) -> Vec<UpstreamInput> {
    D::devices(doc)
        .into_iter()
        .map(|(name, d)| UpstreamInput {
            subject: Some(name),
            input: serde_json::json!({ "nvidia": d }),
        })
        .collect()
}

/// Every device's claims in one array, the SDK format `nv_match` reads.
fn claims_array<D: Devices>(doc: &Value) -> Vec<UpstreamInput> {
    let devices = D::devices(doc)
        .into_iter()
        .map(|(_, mut d)| {
            // Keyed NRAS claims name no device type: their claim names tell a GPU from an
            // NVSwitch. Nothing else is filled in: an absent check stays absent.
            let kind = sdk_device_type(&d);
            if let Some(o) = d.as_object_mut() {
                o.entry("x-nvidia-device-type")
                    .or_insert_with(|| Value::String(kind.into()));
            }
            d
        })
        .collect();
    vec![UpstreamInput {
        subject: None,
        input: Value::Array(devices),
    }]
}

/// Devices as [`Devices`] lists them: owned claims.
fn owned(devices: Vec<(String, &Value)>) -> Vec<(String, Value)> {
    devices.into_iter().map(|(n, d)| (n, d.clone())).collect()
}

/// Device claims: `{"GPU-0": {...}}`, one flat device, or the SDK's array of devices.
fn devices(claims: &Value) -> Vec<(String, &Value)> {
    if let Some(list) = claims.as_array() {
        return list
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("device{i}"), d))
            .collect();
    }
    if claims.get("measres").is_some()
        || claims.get("x-nvidia-gpu-arch-check").is_some()
        || claims.get("x-nvidia-switch-arch-check").is_some()
    {
        let name = match device_type(claims).0 {
            Device::Gpu => "GPU-0",
            Device::Switch => "SWITCH-0",
        };
        return vec![(name.to_string(), claims)];
    }
    claims
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

fn add_device(ev: &mut Evidence, cx: &mut Context, here: &str, d: &Value, origin: &Origin<'_>) {
    let claim = |k: &str| d.get(k).or_else(|| origin.envelope.and_then(|e| e.get(k)));
    let issuer = claim("iss").and_then(Value::as_str);
    let appraisal = appraisal_of(issuer);
    let verifier = issuer.map_or_else(|| "nvidia-local-verifier".to_string(), str::to_string);
    let (device, conflict) = device_type(d);
    let switch = device == Device::Switch;

    let mut checks: Vec<Check> = Vec::new();
    if let Some(why) = conflict {
        cx.problem(
            here,
            "x-nvidia-device-type",
            format!("contradictory device claims: {why}"),
        );
        checks.push(Check {
            name: "x-nvidia-device-type".into(),
            state: CheckState::Failed,
        });
    }
    let (chains, v2_chains, core): (&[&str], &[&str], &[&str]) = if switch {
        (&SWITCH_CHAINS, &SWITCH_V2_CHAINS, &SWITCH_CORE)
    } else {
        (&GPU_CHAINS, &GPU_V2_CHAINS, &GPU_CORE)
    };
    if chains.iter().any(|c| d.get(*c).is_some()) {
        for chain in chains {
            checks.extend(chain_checks(d, chain));
        }
    } else {
        checks.extend(v2_chains.iter().map(|c| bool_check(d, c)));
    }
    checks.extend(core.iter().map(|c| bool_check(d, c)));
    // Every other boolean result the verifier states counts too.
    if let Some(o) = d.as_object() {
        for (k, v) in o {
            if k.starts_with("x-nvidia-") && v.is_boolean() && !checks.iter().any(|c| &c.name == k)
            {
                checks.push(bool_check(d, k));
            }
        }
    }
    if let Some(w) = d.get("x-nvidia-attestation-warning") {
        checks.push(Check {
            name: "x-nvidia-attestation-warning".into(),
            state: if w.is_null() {
                CheckState::Passed
            } else {
                CheckState::Failed
            },
        });
    }
    checks.sort_by(|a, b| a.name.cmp(&b.name));

    let mismatch_records = d
        .get("x-nvidia-mismatch-measurement-records")
        .is_some_and(|r| !r.is_null() && r.as_array().is_none_or(|a| !a.is_empty()));
    let measurement_result = match d.get("measres").and_then(Value::as_str) {
        _ if mismatch_records => MeasurementResult::Mismatched,
        Some("success") => MeasurementResult::Matched,
        Some(_) => MeasurementResult::Mismatched,
        None => MeasurementResult::Unknown,
    };
    let mut facts = Appraised::signed(
        verifier,
        appraisal,
        origin.signature.unwrap_or(Signature::Absent),
    );
    let generic = if switch {
        "nvidia-nvswitch"
    } else {
        "nvidia-gpu"
    };
    facts.tee = Some(
        d.get("hwmodel")
            .and_then(Value::as_str)
            .map_or_else(|| generic.to_string(), |h| format!("nvidia {h}")),
    );
    facts.evidence_digest = origin
        .evidence_digest
        .clone()
        .map_or(crate::evidence::DigestFact::Absent, |value| {
            crate::evidence::DigestFact::Valid { value }
        });
    facts.issued_at = cx.epoch(here, "iat", claim("iat"));
    facts.expires_at = cx.epoch(here, "exp", claim("exp"));
    facts.nonce = nvidia_nonce(cx, here, claim("eat_nonce"));
    facts.measurement_result = measurement_result;
    facts.debug_enabled = match d.get("dbgstat").and_then(Value::as_str) {
        Some("disabled") => Some(false),
        Some("enabled") => Some(true),
        _ => None,
    };
    facts.secure_boot = d.get("secboot").and_then(Value::as_bool);
    facts.checks = checks;
    let att = cx.attestation(here, facts);
    if switch {
        ev.runtime.switches.push(att);
    } else {
        ev.runtime.attestations.push(att);
    }
}

fn chain_checks(d: &Value, chain: &str) -> Vec<Check> {
    let c = d.get(chain);
    let text = |field: &str, want: &str| Check {
        name: format!("{chain}.{field}"),
        state: match c.and_then(|c| c.get(field)).and_then(Value::as_str) {
            Some(v) if v == want => CheckState::Passed,
            Some(_) => CheckState::Failed,
            None => CheckState::Unknown,
        },
    };
    let flag = |field: &str| Check {
        name: format!("{chain}.{field}"),
        state: match c.and_then(|c| c.get(field)).and_then(Value::as_bool) {
            Some(true) => CheckState::Passed,
            Some(false) => CheckState::Failed,
            None => CheckState::Unknown,
        },
    };
    vec![
        text("x-nvidia-cert-status", "valid"),
        text("x-nvidia-cert-ocsp-status", "good"),
        flag("x-nvidia-cert-ocsp-nonce-matches"),
        flag("x-nvidia-cert-ocsp-response-valid"),
    ]
}

/// The keys NVIDIA's claims state an attestation fact under (NRAS and SDK claims alike).
pub(super) fn source_keys(fact: &str) -> &'static [&'static str] {
    match fact {
        "debug_enabled" => &["dbgstat"],
        "measurements" => &["measres"],
        "issued_at" => &["iat"],
        "expires_at" => &["exp"],
        "nonce" => &["eat_nonce"],
        "checks" => &["x-nvidia-gpu-attestation-report-cert-chain", "secboot"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn remote_only_for_a_public_url_host() {
        for iss in [
            "https://nras.attestation.nvidia.com",
            "https://nras.attestation-stg.nvidia.com/v3/attest",
            "HTTPS://NRAS.attestation.nvidia.com.:443/",
            "https://verifier.example.net",
            "https://8.8.8.8/",
            "https://[2606:4700::1111]:8443/x",
        ] {
            assert_eq!(appraisal_of(Some(iss)), Appraisal::Remote, "{iss}");
        }
        for iss in [
            "http://127.0.0.1:8080/nras.attestation/v3",
            "https://nras.attestation.nvidia.com@10.0.0.5/",
            "https://user:pw@192.168.1.4:8443",
            "https://nras.attestation.localhost",
            "https://localhost/nras.attestation",
            "https://verifier.internal",
            "https://nras",
            "https://127.1/",
            "https://0x7f000001/",
            "https://2130706433/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[fd00::5]/",
            "https://169.254.169.254/",
            "https://100.64.0.1/",
            "https://127.0.0.1\\@nras.attestation.nvidia.com/",
            "https://nras.attestation.nvidia.com:99999999/",
            "https://nras..nvidia.com",
            "https://-nras.nvidia.com",
            "file:///nras.attestation.nvidia.com",
            "nras.attestation.nvidia.com",
            "LOCAL_GPU_VERIFIER",
            "",
        ] {
            assert_eq!(appraisal_of(Some(iss)), Appraisal::Local, "{iss}");
        }
        assert_eq!(appraisal_of(None), Appraisal::Local);
    }

    #[test]
    fn device_types() {
        assert_eq!(
            device_type(&json!({"x-nvidia-gpu-arch-check": true})).0,
            Device::Gpu
        );
        assert_eq!(
            device_type(&json!({"x-nvidia-switch-arch-check": true})).0,
            Device::Switch
        );
        assert_eq!(
            device_type(&json!({"x-nvidia-device-type": "nvswitch", "measres": "success"})),
            (Device::Switch, None)
        );
        assert_eq!(
            device_type(&json!({"measres": "success"})),
            (Device::Gpu, None)
        );
        for conflicting in [
            json!({"x-nvidia-device-type": "nvswitch", "x-nvidia-gpu-arch-check": true}),
            json!({"x-nvidia-device-type": "gpu", "x-nvidia-switch-arch-check": true}),
            json!({"x-nvidia-device-type": "cpu"}),
            json!({"x-nvidia-device-type": 1}),
            json!({"x-nvidia-gpu-arch-check": true, "x-nvidia-switch-arch-check": true}),
        ] {
            let (d, why) = device_type(&conflicting);
            assert_eq!(d, Device::Gpu, "{conflicting}");
            assert!(why.is_some(), "{conflicting}");
        }
        assert_eq!(
            sdk_device_type(&json!({"x-nvidia-switch-arch-check": true})),
            "nvswitch"
        );
    }
}
