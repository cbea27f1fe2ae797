//! JWS signature verification: the explicit step that turns an `unverified` token into a
//! `verified` one, against public keys the relying party trusts (`--jws-key`).
//!
//! Supported: ES256 (P-256), ES384 (P-384, NVIDIA NRAS) and EdDSA (Ed25519), keys as SPKI PEM
//! (`openssl pkey -pubout`). A token whose signature no trusted key verifies is `invalid`.

use crate::digest::Digest;
use ed25519_dalek::pkcs8::DecodePublicKey;

/// A trusted public key.
#[derive(Debug, Clone)]
pub enum TrustedKey {
    /// ES256
    P256(p256::ecdsa::VerifyingKey),
    /// ES384
    P384(p384::ecdsa::VerifyingKey),
    /// EdDSA
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// A key file that cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum KeyError {
    /// The file cannot be read
    #[error("cannot read key `{path}`: {reason}")]
    #[diagnostic(code(claimgate::key::read))]
    Read {
        /// The path as given
        path: String,
        /// Why
        reason: String,
    },
    /// The file is not a key of the kind the option takes
    #[error("key `{path}` is not {expected}")]
    #[diagnostic(code(claimgate::key::parse))]
    Parse {
        /// The path as given
        path: String,
        /// What the option takes
        expected: &'static str,
        /// What the key parser said
        #[help]
        detail: Option<String>,
    },
}

/// Reads a small PEM key file (regular files only, 16 MiB at most).
pub fn read_pem(path: &std::path::Path) -> Result<String, KeyError> {
    let shown = path.display().to_string();
    crate::source::SourceFile::read(path, shown.clone())
        .map(|f| f.text)
        .map_err(|e| KeyError::Read {
            path: shown,
            reason: crate::source::io_reason(&e),
        })
}

/// Keys the relying party trusts to sign attestation tokens.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<(TrustedKey, Digest)>,
}

impl TrustedKeys {
    /// Reads a PEM public key file (P-256, P-384 or Ed25519) and trusts the key.
    pub fn add_file(&mut self, path: &std::path::Path) -> Result<(), KeyError> {
        let pem = read_pem(path)?;
        self.add_pem(&pem).map_err(|detail| KeyError::Parse {
            path: path.display().to_string(),
            expected: "a P-256, P-384 or Ed25519 public key (SPKI PEM)",
            detail: Some(detail),
        })
    }

    /// Parses a PEM public key (P-256, P-384 or Ed25519) and trusts it.
    pub fn add_pem(&mut self, pem: &str) -> Result<(), String> {
        let digest = Digest::sha256_of(pem.trim().as_bytes());
        let key = if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            TrustedKey::P384(k)
        } else if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            TrustedKey::P256(k)
        } else if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            TrustedKey::Ed25519(k)
        } else {
            return Err("not a P-256, P-384 or Ed25519 public key in SPKI PEM form".into());
        };
        self.keys.push((key, digest));
        Ok(())
    }

    /// Whether any key is trusted (verification is asked for).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// sha256 of each trusted key's PEM, for receipts.
    pub fn digests(&self) -> Vec<Digest> {
        self.keys.iter().map(|(_, d)| d.clone()).collect()
    }

    /// Whether a trusted key verifies the compact JWS. `alg: none` never verifies.
    pub fn verify(&self, token: &str) -> bool {
        let token = token.trim();
        let Some((signing_input, sig)) = token.rsplit_once('.') else {
            return false;
        };
        let Some(sig) = crate::jwt::base64url(sig) else {
            return false;
        };
        let alg = crate::jwt::decode(token)
            .ok()
            .and_then(|j| {
                j.header
                    .get("alg")
                    .and_then(|a| a.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let msg = signing_input.as_bytes();
        self.keys.iter().any(|(k, _)| match (k, alg.as_str()) {
            (TrustedKey::P256(k), "ES256") => {
                p256::ecdsa::Signature::from_slice(&sig).is_ok_and(|s| ecdsa_verify(k, msg, &s))
            }
            (TrustedKey::P384(k), "ES384") => {
                p384::ecdsa::Signature::from_slice(&sig).is_ok_and(|s| ecdsa_verify(k, msg, &s))
            }
            (TrustedKey::Ed25519(k), "EdDSA") => ed25519_dalek::Signature::from_slice(&sig)
                .is_ok_and(|s| ed25519_dalek::Verifier::verify(k, msg, &s).is_ok()),
            _ => false,
        })
    }
}

fn ecdsa_verify<K, S>(key: &K, msg: &[u8], sig: &S) -> bool
where
    K: p256::ecdsa::signature::Verifier<S>,
{
    key.verify(msg, sig).is_ok()
}
