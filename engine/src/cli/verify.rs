//! `claimgate verify RECEIPT`: recompute every digest and the decision, report each mismatch.

use super::args::PolicyArgs;
use super::receipt::read_text;
use super::ExitStatus;
use crate::envelope::SignatureCheck;
use crate::receipt::Mismatch;
use crate::Error;
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

pub(super) fn run(args: &VerifyArgs, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    let shown = args.receipt.display().to_string();
    let doc: serde_json::Value =
        serde_json::from_str(&read_text(&args.receipt)?).map_err(|e| Error::ReceiptInput {
            path: shown.clone(),
            message: format!("not JSON: {e}"),
        })?;
    let public = args.key.as_deref().map(read_text).transpose()?;
    if let (Some(pem), Some(key)) = (&public, &args.key) {
        // Check the key itself first, so a bad key is reported as the key's fault.
        use ed25519_dalek::pkcs8::DecodePublicKey;
        ed25519_dalek::VerifyingKey::from_public_key_pem(pem).map_err(|e| Error::ReceiptInput {
            path: key.display().to_string(),
            message: format!("not an Ed25519 public key PEM: {e}"),
        })?;
    }
    let (receipt, signature) =
        crate::envelope::open(&doc, public.as_deref()).map_err(|message| Error::ReceiptInput {
            path: shown.clone(),
            message,
        })?;
    if receipt.get("schema").and_then(serde_json::Value::as_str) != Some(crate::receipt::SCHEMA) {
        return Err(Error::ReceiptInput {
            path: shown,
            message: format!("not a {} receipt", crate::receipt::SCHEMA),
        });
    }
    let replay = match &args.bundle {
        None => None,
        Some(bundle) => {
            let at = receipt
                .get("evaluated_at")
                .and_then(serde_json::Value::as_str)
                .and_then(|t| crate::time::Instant::parse(t).ok());
            let Some(at) = at else {
                return Err(Error::ReceiptInput {
                    path: shown,
                    message: "the receipt has no valid `evaluated_at` to replay at".into(),
                });
            };
            let pack = args.policy.compile()?;
            Some(crate::assess(bundle, &pack, Some(at))?.receipt(&pack))
        }
    };
    let mut mismatches = crate::receipt::compare(&receipt, replay.as_ref());
    if args.key.is_some() && signature == SignatureCheck::Unsigned {
        mismatches.insert(
            0,
            Mismatch {
                kind: "signature",
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
                kind: "signature",
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
                    m.kind, m.field, m.receipt, m.found
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
