//! NVIDIA GPU attestation: NRAS and local-verifier claims, as the NVIDIA attestation SDK,
//! nvtrust and `nvattest` produce them.
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
//! `eat_nonce`: the pack judges those like a device's.

use super::{bool_check, both_signed, recorded, Appraised, Context};
use crate::digest::Digest;
use crate::document::{Appraisal, PathStep, Status};
use crate::evidence::{Check, CheckState, Evidence, HexFact, MeasurementResult, Signature, Token};
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
pub fn nvidia_device_type(d: &Value) -> &'static str {
    match device_type(d).0 {
        Device::Gpu => "gpu",
        Device::Switch => "nvswitch",
    }
}

/// Where an issuer (`iss`) appraised the evidence. Remote only when `iss` is an http(s) URL
/// whose host is a public DNS name or a global IP address; loopback, private, link-local and
/// special-use hosts are local, and anything that does not parse as such a URL is unknown,
/// which is never called remote.
pub(super) fn appraisal_of(iss: Option<&str>) -> Appraisal {
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

/// Device claims: `{"GPU-0": {...}}`, one flat device, or the SDK's array of devices.
pub(super) fn add_claims(
    ev: &mut Evidence,
    cx: &mut Context,
    src: &str,
    claims: &Value,
    signature: Signature,
) {
    let origin = Origin {
        signature: Some(signature),
        ..Origin::default()
    };
    for (name, device) in devices(claims) {
        add_device(ev, cx, &format!("{src}#{name}"), device, &origin);
    }
}

/// Each device's claims in any NVIDIA document kind (device tokens decoded), for policies that
/// take device claims as their input.
pub fn nvidia_devices(doc: &Value) -> Vec<(String, Value)> {
    if doc.get("result_code").is_some() {
        return devices(doc.get("claims").unwrap_or(&Value::Null))
            .into_iter()
            .map(|(n, d)| (n, d.clone()))
            .collect();
    }
    if let Some(tokens) = doc.get(1).and_then(Value::as_object) {
        return tokens
            .iter()
            .filter_map(|(n, t)| Some((n.clone(), crate::jwt::decode(t.as_str()?).ok()?.payload)))
            .collect();
    }
    devices(doc)
        .into_iter()
        .map(|(n, d)| (n, d.clone()))
        .collect()
}

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

/// NRAS overall claims: the overall result is the verifier's decision.
pub(super) fn add_overall(
    ev: &mut Evidence,
    cx: &mut Context,
    src: &str,
    claims: &Value,
    signature: Signature,
) {
    let verifier = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or("nvidia-nras")
        .to_string();
    let (status, reason) = match claims
        .get("x-nvidia-overall-att-result")
        .and_then(Value::as_bool)
    {
        Some(true) => (
            Status::Pass,
            "x-nvidia-overall-att-result is true".to_string(),
        ),
        Some(false) => (
            Status::Reject,
            "x-nvidia-overall-att-result is false".to_string(),
        ),
        None => {
            cx.problem(
                src,
                "x-nvidia-overall-att-result",
                "missing or not a boolean".into(),
            );
            (Status::Hold, "the overall result is missing".to_string())
        }
    };
    let mut decision = recorded(
        src,
        "nvidia-overall-att-result",
        status,
        reason,
        &verifier,
        &[PathStep::AttestationService, PathStep::Policy],
    );
    decision.token = Some(Token {
        signature,
        nonce: Some(nvidia_nonce(cx, src, claims.get("eat_nonce"))),
    });
    ev.verifier.decisions.push(decision);
}

/// `[["JWT", overall], {"GPU-0": device token, …}]`: the overall token is the decision; each
/// device token is checked against the digest the overall token names for it.
pub(super) fn add_detached(ev: &mut Evidence, cx: &mut Context, src: &str, eat: &Value) {
    let overall = eat
        .get(0)
        .and_then(|p| p.get(1))
        .and_then(Value::as_str)
        .map(crate::jwt::decode);
    let overall = match overall {
        Some(Ok(jwt)) => jwt,
        Some(Err(e)) => {
            cx.problem(
                src,
                "[0][1]",
                format!("the overall token does not decode: {e}"),
            );
            return;
        }
        None => {
            cx.problem(src, "[0]", "no overall token".into());
            return;
        }
    };
    let overall_token = eat
        .pointer("/0/1")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let overall_signature = cx.signature(&overall, overall_token);
    add_overall(
        ev,
        cx,
        &format!("{src}#overall"),
        &overall.payload,
        overall_signature,
    );
    let tokens = eat.get(1).and_then(Value::as_object);
    for (name, token) in tokens.into_iter().flatten() {
        let here = format!("{src}#{name}");
        let Some(token) = token.as_str() else {
            cx.problem(&here, name, "device token is not a string".into());
            continue;
        };
        let (device, signature) = match crate::jwt::decode(token) {
            Ok(jwt) => {
                // A device token counts as verified only when the overall token verifies too.
                let own = cx.signature(&jwt, token);
                (jwt.payload, both_signed(own, overall_signature))
            }
            Err(e) => {
                cx.problem(&here, name, format!("device token does not decode: {e}"));
                continue;
            }
        };
        let digest = Digest::sha256_of(token.as_bytes());
        // The overall token binds each device token by its SHA-256.
        let named = overall
            .payload
            .pointer(&format!("/submods/{name}/1/1"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        let origin = Origin {
            envelope: Some(&overall.payload),
            evidence_digest: Some(digest.clone()),
            signature: Some(signature),
        };
        let switch = device_type(&device).0 == Device::Switch;
        let count = |ev: &Evidence| {
            if switch {
                ev.runtime.switches.len()
            } else {
                ev.runtime.attestations.len()
            }
        };
        let before = count(ev);
        add_device(ev, cx, &here, &device, &origin);
        let target = if switch {
            &mut ev.runtime.switches
        } else {
            &mut ev.runtime.attestations
        };
        if let Some(att) = target.get_mut(before) {
            att.checks.push(Check {
                name: format!("submods.{name} digest"),
                state: match named {
                    Some(n) if n == digest.hex => CheckState::Passed,
                    Some(_) => CheckState::Failed,
                    None => CheckState::Unknown,
                },
            });
        }
    }
}

/// `nvattest attest --format json`: result code, the SDK claims array, and the detached EAT
/// (as the text of a list, with single quotes).
pub(super) fn add_nvattest(ev: &mut Evidence, cx: &mut Context, src: &str, out: &Value) {
    let eat: Option<Value> = match out.get("detached_eat") {
        Some(Value::String(s)) => serde_json::from_str(&s.replace('\'', "\"")).ok(),
        Some(v @ Value::Array(_)) => Some(v.clone()),
        _ => None,
    };
    let overall_token = eat
        .as_ref()
        .and_then(|e| e.pointer("/0/1"))
        .and_then(Value::as_str);
    let overall = overall_token.and_then(|t| crate::jwt::decode(t).ok());
    let envelope = overall.as_ref().map(|j| &j.payload);
    let verifier = envelope
        .and_then(|e| e.get("iss"))
        .and_then(Value::as_str)
        .unwrap_or("nvattest")
        .to_string();
    // The SDK claims array is plain JSON beside the tokens: no signature covers it, whatever
    // signs the detached EAT (give the detached EAT itself to have its tokens verified).
    let origin = Origin {
        envelope,
        evidence_digest: None,
        signature: Some(Signature::Absent),
    };
    for (name, device) in devices(out.get("claims").unwrap_or(&Value::Null)) {
        add_device(ev, cx, &format!("{src}#{name}"), device, &origin);
    }
    let code = out.get("result_code").and_then(Value::as_i64);
    let message = out
        .get("result_message")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (status, reason) = match code {
        Some(0) => (Status::Pass, format!("result_code 0 ({message})")),
        Some(c) => (Status::Reject, format!("result_code {c} ({message})")),
        None => (Status::Hold, "no result_code".to_string()),
    };
    let nonce = envelope.map(|e| nvidia_nonce(cx, &format!("{src}#overall"), e.get("eat_nonce")));
    let mut decision = recorded(
        src,
        "nvattest",
        status,
        reason,
        &verifier,
        &[PathStep::AttestationService, PathStep::Policy],
    );
    // The result code is plain JSON beside the tokens: no signature covers it.
    decision.token = Some(Token {
        signature: Signature::Absent,
        nonce,
    });
    ev.verifier.decisions.push(decision);
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
            nvidia_device_type(&json!({"x-nvidia-switch-arch-check": true})),
            "nvswitch"
        );
    }
}
