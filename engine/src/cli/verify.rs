//! `claimgate verify RECEIPT`: recompute every digest and the decision, report each mismatch.

use super::args::{Globals, PolicyArgs};
use super::ExitStatus;
use crate::envelope::SignatureCheck;
use crate::receipt::{Mismatch, MismatchKind};
use crate::{Error, KeyError, ReceiptError};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `claimgate verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A receipt, in-toto Statement or DSSE envelope written by `claimgate receipt`/`eval --receipt`
    pub receipt: PathBuf,
    /// The bundle the receipt is about: replay the decision from it
    #[arg(long, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    #[command(flatten)]
    policy: PolicyArgs,
    /// Ed25519 public key (PEM) to check the envelope's signature with
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: VerifyFormat,
}

/// Output formats of `claimgate verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// Text for people
    Human,
    /// `{"ok", "signature", "replayed", "mismatches": [...]}`
    Json,
}

pub(super) fn run(
    args: &VerifyArgs,
    g: &Globals,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let shown = args.receipt.display().to_string();
    let file = crate::source::SourceFile::read(&args.receipt, shown.clone()).map_err(|e| {
        ReceiptError::Read {
            path: shown.clone(),
            reason: crate::source::io_reason(&e),
        }
    })?;
    let text = &file.text;
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let at = miette::SourceOffset::from_location(text, e.line(), e.column());
        ReceiptError::Json {
            message: e.to_string(),
            at: crate::source::Located::at(&file, Some(miette::SourceSpan::new(at, 1))),
        }
    })?;
    let public = args.key.as_deref().map(crate::jws::read_pem).transpose()?;
    if let (Some(pem), Some(key)) = (&public, &args.key) {
        // Check the key itself first, so a bad key is reported as the key's fault.
        use ed25519_dalek::pkcs8::DecodePublicKey;
        ed25519_dalek::VerifyingKey::from_public_key_pem(pem).map_err(|e| KeyError::Parse {
            path: key.display().to_string(),
            expected: "an Ed25519 public key (SPKI PEM)",
            detail: Some(e.to_string()),
        })?;
    }
    let opened = crate::envelope::open(&doc, public.as_deref()).map_err(|message| {
        ReceiptError::Envelope {
            path: shown.clone(),
            message,
        }
    })?;
    let receipt = opened.receipt;
    let signature = opened.signature;
    if receipt.get("schema").and_then(serde_json::Value::as_str) != Some(crate::receipt::SCHEMA) {
        return Err(ReceiptError::Schema { path: shown }.into());
    }
    let replay = match &args.bundle {
        None => None,
        Some(bundle) => {
            let at = receipt
                .get("evaluated_at")
                .and_then(serde_json::Value::as_str)
                .and_then(|t| crate::time::Instant::parse(t).ok());
            let Some(at) = at else {
                return Err(ReceiptError::NoInstant { path: shown }.into());
            };
            let engine = args.policy.engine(g)?;
            let a = engine.decide(&engine.load(bundle)?, crate::At::Pinned(at))?;
            Some(a.receipt().to_value())
        }
    };
    // The bytes first: what was hashed and signed must be what is read. A duplicate key (the
    // parser keeps one of the two), extra white space or another member order is not the
    // receipt claimgate wrote, whatever the parsed values say.
    let mut mismatches: Vec<Mismatch> = Vec::new();
    mismatches.extend(not_canonical("file", text.as_bytes(), &doc, true));
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
    mismatches.extend(crate::receipt::compare(&receipt, replay.as_ref()));
    if args.key.is_some() && signature == SignatureCheck::Unsigned {
        mismatches.insert(
            0,
            Mismatch {
                kind: MismatchKind::Signature,
                field: "signatures".into(),
                receipt: "no signature (a bare receipt or Statement)".into(),
                found: "a key was given: a signed DSSE envelope was expected".into(),
            },
        );
    }
    if let SignatureCheck::Invalid(why) = &signature {
        mismatches.insert(
            0,
            Mismatch {
                kind: MismatchKind::Signature,
                field: "signatures".into(),
                receipt: "a DSSE signature".into(),
                found: why.clone(),
            },
        );
    }
    let ok = mismatches.is_empty();
    match args.format {
        VerifyFormat::Json => {
            let report = serde_json::json!({
                "ok": ok,
                "signature": signature,
                "replayed": replay.is_some(),
                "mismatches": mismatches,
            });
            serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        VerifyFormat::Human => {
            let sig = match &signature {
                SignatureCheck::Unsigned => "unsigned (nothing signs this receipt)".to_string(),
                SignatureCheck::NotChecked => "signed, not checked (give --key PUB)".to_string(),
                SignatureCheck::Verified => "verified".to_string(),
                SignatureCheck::Invalid(w) => format!("INVALID: {w}"),
            };
            writeln!(out, "receipt:   {shown}")?;
            writeln!(out, "signature: {sig}")?;
            writeln!(
                out,
                "replay:    {}",
                if replay.is_some() {
                    "recomputed from the bundle"
                } else {
                    "not run (give --bundle DIR)"
                }
            )?;
            for m in &mismatches {
                writeln!(
                    out,
                    "MISMATCH  {}: {}\n    receipt: {}\n    found:   {}",
                    m.kind.name(),
                    m.field,
                    m.receipt,
                    m.found
                )?;
            }
            writeln!(
                out,
                "{}",
                if ok {
                    "ok: every checked field matches"
                } else {
                    "FAILED"
                }
            )?;
        }
    }
    Ok(if ok {
        ExitStatus::Ok
    } else {
        ExitStatus::Receipt
    })
}

/// Bytes longest shown on each side of a canonical-form difference.
const SHOWN_BYTES: usize = 48;

/// A mismatch when `bytes` are not the canonical (RFC 8785) form of the value parsed from them.
/// `newline`: one trailing newline is the writer's convention (`claimgate receipt` prints one).
fn not_canonical(
    field: &str,
    bytes: &[u8],
    parsed: &serde_json::Value,
    newline: bool,
) -> Option<Mismatch> {
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
