//! in-toto Statements and DSSE envelopes around receipts, signed with Ed25519.
//!
//! The Statement's subject is the job's output (its digest) when the receipt names one, else
//! the evidence document; its predicate is the receipt. A DSSE envelope signs the canonical
//! Statement with the Pre-Authentication Encoding (`DSSEv1 <len> <type> <len> <body>`). Keys
//! are PKCS#8 PEM files, as `openssl genpkey -algorithm ed25519` writes them.

use crate::digest::Digest;
use crate::jwt::{base64, base64_encode};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Value};

/// The predicate type of a claimgate decision.
pub const PREDICATE_TYPE: &str = "https://claimgate.dev/decision/v1";
/// The in-toto Statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The DSSE payload type of an in-toto Statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// How a receipt is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap<'a> {
    /// The canonical receipt itself
    Bare,
    /// Inside an (unsigned) in-toto Statement
    Statement,
    /// Inside an in-toto Statement in a DSSE envelope, signed with this Ed25519 private key
    /// (PKCS#8 PEM)
    Signed(&'a std::path::Path),
}

impl<'a> Wrap<'a> {
    /// As the command line's `--sign KEY` and `--statement` ask: a key signs (its envelope
    /// holds a Statement), else a Statement, else the receipt itself.
    pub fn of(sign: Option<&'a std::path::Path>, statement: bool) -> Wrap<'a> {
        match (sign, statement) {
            (Some(key), _) => Wrap::Signed(key),
            (None, true) => Wrap::Statement,
            (None, false) => Wrap::Bare,
        }
    }
}

/// The receipt (its JSON value) as `how` writes it.
pub fn wrap(receipt: &Value, how: Wrap<'_>) -> Result<Value, crate::Error> {
    match how {
        Wrap::Bare => Ok(receipt.clone()),
        Wrap::Statement => Ok(statement(receipt)),
        Wrap::Signed(key) => {
            let pem = crate::jws::read_pem(key)?;
            Ok(
                sign(&statement(receipt), &pem).map_err(|detail| crate::KeyError::Parse {
                    path: key.display().to_string(),
                    expected: "an Ed25519 private key (PKCS#8 PEM)",
                    detail: Some(detail),
                })?,
            )
        }
    }
}

/// Wraps a receipt in an in-toto Statement.
pub fn statement(receipt: &Value) -> Value {
    let (name, digest) = match receipt.get("output_digest").and_then(Value::as_str) {
        Some(d) => (
            format!("{} output", str_of(receipt, "job_id")),
            d.to_string(),
        ),
        None => (
            format!("{} evidence", str_of(receipt, "job_id")),
            receipt
                .pointer("/replay/evidence_digest")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        ),
    };
    let (alg, hex) = digest.split_once(':').unwrap_or(("sha256", &digest));
    json!({
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {alg: hex}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": receipt,
    })
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// DSSE Pre-Authentication Encoding.
fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A key id: the sha256 of the raw public key.
fn key_id(key: &VerifyingKey) -> String {
    Digest::sha256_of(key.as_bytes()).to_string()
}

/// Signs the canonical Statement into a DSSE envelope.
pub fn sign(statement: &Value, private_pem: &str) -> Result<Value, String> {
    let key = SigningKey::from_pkcs8_pem(private_pem)
        .map_err(|e| format!("not an Ed25519 PKCS#8 PEM private key: {e}"))?;
    let body = crate::jcs::to_vec(statement);
    let sig = key.sign(&pae(PAYLOAD_TYPE, &body));
    Ok(json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": base64_encode(&body),
        "signatures": [{"keyid": key_id(&key.verifying_key()), "sig": base64_encode(&sig.to_bytes())}],
    }))
}

/// How a receipt file was protected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureCheck {
    /// A bare receipt or Statement: nothing signs it
    Unsigned,
    /// A DSSE envelope, but no public key was given to check it
    NotChecked,
    /// A signature verified with the given key
    Verified,
    /// No signature verified with the given key
    Invalid(String),
}

/// What a receipt file held, opened.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The receipt (the Statement's predicate, for a Statement or envelope)
    pub receipt: Value,
    /// How it was protected
    pub signature: SignatureCheck,
    /// The in-toto Statement around the receipt, if any
    pub statement: Option<Value>,
    /// The DSSE payload bytes (the Statement as signed), if any
    pub payload: Option<Vec<u8>>,
}

/// Reads a receipt from a bare receipt, a Statement or a DSSE envelope; checks the envelope's
/// signature when a public key is given. Whether the Statement fits its receipt is
/// [`statement_mismatches`]' business, so that each difference can be named.
pub fn open(doc: &Value, public_pem: Option<&str>) -> Result<Opened, String> {
    if doc.get("payloadType").is_none() {
        if doc.get("_type").is_some() {
            let receipt = doc
                .get("predicate")
                .cloned()
                .ok_or("the Statement has no predicate")?;
            return Ok(Opened {
                receipt,
                signature: SignatureCheck::Unsigned,
                statement: Some(doc.clone()),
                payload: None,
            });
        }
        return Ok(Opened {
            receipt: doc.clone(),
            signature: SignatureCheck::Unsigned,
            statement: None,
            payload: None,
        });
    }
    if doc.get("payloadType").and_then(Value::as_str) != Some(PAYLOAD_TYPE) {
        return Err(format!("DSSE payloadType is not {PAYLOAD_TYPE}"));
    }
    let body = doc
        .get("payload")
        .and_then(Value::as_str)
        .and_then(base64)
        .ok_or("DSSE payload is not base64")?;
    let statement: Value =
        serde_json::from_slice(&body).map_err(|e| format!("DSSE payload is not JSON: {e}"))?;
    let receipt = statement
        .get("predicate")
        .cloned()
        .ok_or("the Statement has no predicate")?;
    let check = match public_pem {
        None => SignatureCheck::NotChecked,
        Some(pem) => {
            let key = VerifyingKey::from_public_key_pem(pem)
                .map_err(|e| format!("not an Ed25519 public key PEM: {e}"))?;
            let message = pae(PAYLOAD_TYPE, &body);
            let ok = doc
                .get("signatures")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("sig").and_then(Value::as_str).and_then(base64))
                .filter_map(|raw| ed25519_dalek::Signature::from_slice(&raw).ok())
                .any(|sig| key.verify(&message, &sig).is_ok());
            if ok {
                SignatureCheck::Verified
            } else {
                SignatureCheck::Invalid(format!("no signature verifies with key {}", key_id(&key)))
            }
        }
    };
    Ok(Opened {
        receipt,
        signature: check,
        statement: Some(statement),
        payload: Some(body),
    })
}

/// Where a Statement differs from the one claimgate writes for its own predicate: its
/// `_type`, its `predicateType`, its `subject` (the output or evidence digest the receipt
/// names) and any member claimgate does not write. Each as `(field, found, expected)`.
pub fn statement_mismatches(found: &Value) -> Vec<(String, String, String)> {
    let Some(receipt) = found.get("predicate") else {
        return vec![("predicate".into(), "(absent)".into(), "the receipt".into())];
    };
    let expected = statement(receipt);
    let text = |v: Option<&Value>| {
        v.map_or_else(
            || "(absent)".to_string(),
            |v| String::from_utf8_lossy(&crate::jcs::to_vec(v)).into_owned(),
        )
    };
    let mut out = Vec::new();
    for key in ["_type", "predicateType", "subject"] {
        if found.get(key) != expected.get(key) {
            out.push((
                key.to_string(),
                text(found.get(key)),
                text(expected.get(key)),
            ));
        }
    }
    let mut extra: Vec<&String> = found
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .filter(|k| expected.get(k.as_str()).is_none())
        .collect();
    extra.sort();
    for key in extra {
        out.push((key.clone(), text(found.get(key)), "(absent)".into()));
    }
    out
}
