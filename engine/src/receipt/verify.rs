//! Receipt verification: whether a receipt file holds what claimgate wrote (canonical bytes,
//! the in-toto Statement claimgate writes around it, a DSSE signature that verifies) and, given
//! a replay, whether the bundle and pack still decide the same.
//!
//! It knows receipts and their envelopes. Replaying is the engine's job: the caller decides the
//! bundle again at [`ReceiptFile::evaluated_at`] and passes the receipt it gets. Writing the
//! [`Verification`] is `report`'s job, and the command line is `cli`'s.

use super::{compare, Mismatch, MismatchKind, ReceiptError, SCHEMA};
use crate::envelope::{Opened, SignatureCheck};
use crate::jws::KeyError;
use crate::source::{Located, SourceFile};
use crate::time::Instant;
use serde_json::Value;
use std::path::Path;

/// What verifying a receipt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The receipt file, as named
    pub receipt: String,
    /// How the receipt is signed, and whether its signature verified
    pub signature: SignatureCheck,
    /// Whether the decision was replayed from the bundle
    pub replayed: bool,
    /// Every difference found, signature first; none: the receipt verifies
    pub mismatches: Vec<Mismatch>,
}

impl Verification {
    /// Whether every checked field matches.
    pub fn ok(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// A receipt file read and opened: a bare receipt, an in-toto Statement or a DSSE envelope.
#[derive(Debug)]
pub struct ReceiptFile {
    file: SourceFile,
    doc: Value,
    opened: Opened,
    /// Whether a public key was given: then an unsigned receipt does not verify.
    keyed: bool,
}

/// A receipt file as JSON (a claimgate receipt, an envelope, or a receipt someone else
/// published): its text, for locating, and its value.
pub(crate) fn read_json(path: &Path) -> Result<(SourceFile, Value), ReceiptError> {
    let name = path.display().to_string();
    let file = SourceFile::read(path, name.clone()).map_err(|e| ReceiptError::Read {
        path: name,
        reason: crate::source::io_reason(&e),
    })?;
    let doc: Value = serde_json::from_str(&file.text).map_err(|e| {
        let at = miette::SourceOffset::from_location(&file.text, e.line(), e.column());
        ReceiptError::Json {
            message: e.to_string(),
            at: Located::at(&file, Some(miette::SourceSpan::new(at, 1))),
        }
    })?;
    Ok((file, doc))
}

impl ReceiptFile {
    /// Reads a receipt file and opens it; a DSSE envelope's signature is checked with the
    /// Ed25519 public key file when one is given. Anything that is not a claimgate receipt is
    /// an error; a receipt that does not match is a [`Mismatch`].
    pub fn read(path: &Path, key: Option<&Path>) -> Result<ReceiptFile, crate::Error> {
        let (file, doc) = read_json(path)?;
        let public = key.map(read_public_key).transpose()?;
        Ok(ReceiptFile::open(file, doc, public.as_deref())?)
    }

    /// Opens a receipt file already read ([`read_json`]); a DSSE envelope's signature is
    /// checked with `public_pem` when one is given.
    pub(crate) fn open(
        file: SourceFile,
        doc: Value,
        public_pem: Option<&str>,
    ) -> Result<ReceiptFile, ReceiptError> {
        let opened =
            crate::envelope::open(&doc, public_pem).map_err(|message| ReceiptError::Envelope {
                path: file.name.clone(),
                message,
            })?;
        if opened.receipt.get("schema").and_then(Value::as_str) != Some(SCHEMA) {
            return Err(ReceiptError::Schema { path: file.name });
        }
        Ok(ReceiptFile {
            file,
            doc,
            opened,
            keyed: public_pem.is_some(),
        })
    }

    /// The file, as named.
    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// The receipt, out of its envelope or Statement.
    pub fn receipt(&self) -> &Value {
        &self.opened.receipt
    }

    /// The instant the receipt's decision was made at: the one to replay it at.
    pub fn evaluated_at(&self) -> Result<Instant, ReceiptError> {
        self.opened
            .receipt
            .get("evaluated_at")
            .and_then(Value::as_str)
            .and_then(|t| Instant::parse(t).ok())
            .ok_or_else(|| ReceiptError::NoInstant {
                path: self.file.name.clone(),
            })
    }

    /// Checks the receipt: its bytes, its Statement, its signature, its `decision_id`, and
    /// every field against `replay` (the receipt the bundle and pack give now) when there is
    /// one.
    pub fn verify(&self, replay: Option<&Value>) -> Verification {
        let opened = &self.opened;
        // The bytes first: what was hashed and signed must be what is read. A duplicate key
        // (the parser keeps one of the two), extra white space or another member order is not
        // the receipt claimgate wrote, whatever the parsed values say.
        let mut mismatches: Vec<Mismatch> = Vec::new();
        mismatches.extend(not_canonical(
            "file",
            self.file.text.as_bytes(),
            &self.doc,
            true,
        ));
        if let (Some(payload), Some(statement)) = (&opened.payload, &opened.statement) {
            mismatches.extend(not_canonical("payload", payload, statement, false));
        }
        if let Some(statement) = &opened.statement {
            for (field, said, expected) in crate::envelope::statement_mismatches(statement) {
                mismatches.push(Mismatch {
                    kind: MismatchKind::Statement,
                    field,
                    receipt: said,
                    found: format!("{expected} (what the Statement of this receipt holds)"),
                });
            }
        }
        mismatches.extend(compare(&opened.receipt, replay));
        if let Some(m) = signature_mismatch(&opened.signature, self.keyed) {
            mismatches.insert(0, m);
        }
        Verification {
            receipt: self.file.name.clone(),
            signature: opened.signature.clone(),
            replayed: replay.is_some(),
            mismatches,
        }
    }
}

/// A signature that does not verify, or none where a key was given to check one.
fn signature_mismatch(signature: &SignatureCheck, keyed: bool) -> Option<Mismatch> {
    let (receipt, found) = match signature {
        SignatureCheck::Invalid(why) => ("a DSSE signature", why.clone()),
        SignatureCheck::Unsigned if keyed => (
            "no signature (a bare receipt or Statement)",
            "a key was given: a signed DSSE envelope was expected".to_string(),
        ),
        _ => return None,
    };
    Some(Mismatch {
        kind: MismatchKind::Signature,
        field: "signatures".into(),
        receipt: receipt.into(),
        found,
    })
}

/// Reads an Ed25519 public key (SPKI PEM) and checks that it is one, so that a bad key is
/// reported as the key's fault, not as a signature that does not verify.
fn read_public_key(path: &Path) -> Result<String, KeyError> {
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let pem = crate::jws::read_pem(path)?;
    ed25519_dalek::VerifyingKey::from_public_key_pem(&pem).map_err(|e| KeyError::Parse {
        path: path.display().to_string(),
        expected: "an Ed25519 public key (SPKI PEM)",
        detail: Some(e.to_string()),
    })?;
    Ok(pem)
}

/// Bytes longest shown on each side of a canonical-form difference.
const SHOWN_BYTES: usize = 48;

/// A mismatch when `bytes` are not the canonical (RFC 8785) form of the value parsed from them.
/// `newline`: one trailing newline is the writer's convention (`claimgate receipt` prints one).
fn not_canonical(field: &str, bytes: &[u8], parsed: &Value, newline: bool) -> Option<Mismatch> {
    let canonical = crate::jcs::to_vec(parsed);
    let body = match bytes.strip_suffix(b"\n") {
        Some(b) if newline => b,
        _ => bytes,
    };
    if body == canonical.as_slice() {
        return None;
    }
    let at = body
        .iter()
        .zip(&canonical)
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| body.len().min(canonical.len()));
    let excerpt = |b: &[u8]| {
        let from = at.saturating_sub(SHOWN_BYTES / 2);
        let to = at.saturating_add(SHOWN_BYTES / 2).min(b.len());
        format!(
            "{:?}",
            String::from_utf8_lossy(b.get(from..to).unwrap_or_default())
        )
    };
    Some(Mismatch {
        kind: MismatchKind::NotCanonical,
        field: field.to_string(),
        receipt: format!("{} bytes, differing at byte {at}: {}", body.len(), excerpt(body)),
        found: format!(
            "{} bytes in canonical form (RFC 8785): {} (a duplicate key, white space, member order, escapes or number form differ)",
            canonical.len(),
            excerpt(&canonical)
        ),
    })
}
