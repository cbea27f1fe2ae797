//! Normalizes a bundle into the evidence document (`claimgate.evidence/v2`) the pack reads.
//!
//! It walks the bundle: the job's digests and the expected nonce are checked for syntax,
//! artifacts are hashed, and each document goes to the adapter of its kind. It knows the bundle
//! and the adapters' registry, and nothing about policy: whether evidence is fresh or sound is
//! the pack's judgment, in Rego.

use crate::adapter::Context;
use crate::bundle::{Blob, Bundle, Role};
use crate::digest::Digest;
use crate::evidence::{self, ArtifactFact, DigestFact, Evidence};
use crate::time::Instant;

/// Builds the normalized evidence for a bundle at the evaluation instant `at`, verifying JWS
/// signatures against the trusted keys when there are any.
///
/// Artifact files are hashed here (streaming sha256, on up to `hash_threads` threads), so the
/// evidence says whether the declared output digest is the digest of the delivered file.
pub fn normalize(
    bundle: &Bundle,
    at: Instant,
    keys: &crate::jws::TrustedKeys,
    hash_threads: usize,
) -> Evidence {
    let mut cx = Context::new(keys);
    let expected_nonce = cx.hex(
        "manifest",
        "expected_nonce",
        bundle.expected_nonce.as_deref(),
    );
    let job = &bundle.job;
    let workload_digest = cx.digest(
        "manifest",
        "job.workload_digest",
        job.workload_digest.as_deref(),
    );
    let input_commitment = cx.digest(
        "manifest",
        "job.input_commitment",
        job.input_commitment.as_deref(),
    );
    let output_digest = cx.digest(
        "manifest",
        "job.output_digest",
        job.output_digest.as_deref(),
    );

    // Declared digests first (in manifest order), then every file hashed in parallel.
    let declared: Vec<DigestFact> = bundle
        .artifacts
        .iter()
        .map(|a| match (&a.digest, a.role) {
            (Some(d), _) => cx.digest("manifest", &format!("artifacts.{}.digest", a.name), Some(d)),
            // An output artifact is declared by the job's output digest.
            (None, Role::Output) => output_digest.clone(),
            (None, _) => DigestFact::Absent,
        })
        .collect();
    let mut jobs = Vec::new();
    let mut in_memory = Vec::new();
    let mut unreadable = Vec::new();
    for (a, d) in bundle.artifacts.iter().zip(&declared) {
        // Hash with the algorithm the declaration names, so sha384/sha512 can match too.
        let alg = d
            .valid()
            .map_or(crate::digest::Algorithm::Sha256, |d| d.algorithm);
        match bundle.files.artifact(&a.path) {
            Ok(Some(Blob::Path(p))) => jobs.push((p, alg)),
            Ok(Some(Blob::Bytes(b))) => in_memory.push(Ok(Digest::of(b, alg))),
            Ok(None) => in_memory.push(Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file in the bundle",
            ))),
            Err(why) => {
                unreadable.push(a.name.as_str());
                cx.problem(
                    "manifest",
                    &format!("artifacts.{}.path", a.name),
                    format!("`{}` {why}", a.path),
                );
            }
        }
    }
    // A bundle's files are all on disk or all in memory: one of the two lists is empty.
    let mut hashed = in_memory.into_iter().chain(crate::digest::hash_files(
        &jobs,
        hash_threads,
        bundle.limits.artifact_bytes,
    ));
    let artifacts: Vec<ArtifactFact> = bundle
        .artifacts
        .iter()
        .zip(declared)
        .map(|(a, declared)| {
            let computed = if unreadable.contains(&a.name.as_str()) {
                None
            } else {
                match hashed.next() {
                    Some(Ok(d)) => Some(d),
                    Some(Err(e)) => {
                        cx.problem("manifest", &format!("artifacts.{}.path", a.name), format!("cannot hash `{}`: {e}", a.path));
                        None
                    }
                    None => None,
                }
            };
            let matched = matches!((&declared, &computed), (DigestFact::Valid { value }, Some(c)) if value == c);
            if let (DigestFact::Valid { value }, Some(c)) = (&declared, &computed) {
                if value != c {
                    cx.problem(
                        "manifest",
                        &format!("artifacts.{}.digest", a.name),
                        format!("declared {value} but the file `{}` hashes to {c}", a.path),
                    );
                }
            }
            ArtifactFact {
                name: a.name.clone(),
                path: a.path.clone(),
                role: a.role,
                declared,
                computed,
                matched,
            }
        })
        .collect();
    let output_verified = artifacts
        .iter()
        .find(|a| a.role == Role::Output)
        .map(|a| a.matched && a.declared == output_digest);

    let mut ev = Evidence {
        schema: evidence::SCHEMA,
        evaluated_at: at.into(),
        job: evidence::Job {
            job_id: job.job_id.clone(),
            receipt_id: job.receipt_id.clone(),
            workload_digest,
            input_commitment,
            output_digest,
            output_verified,
        },
        expected_nonce,
        signatures_checked: !keys.is_empty(),
        runtime: Default::default(),
        verifier: Default::default(),
        capacity: Default::default(),
        storage: Default::default(),
        artifacts,
        facts: Vec::new(),
        documents: Vec::new(),
        problems: Vec::new(),
    };
    for entry in &bundle.documents {
        crate::adapter::add(&mut ev, &mut cx, &entry.id, &entry.document);
    }
    ev.problems = cx.finish();
    ev
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
    use super::*;
    use crate::document::Status;
    use crate::evidence::{CheckState, Signature};
    use p384::ecdsa::signature::Signer;
    use p384::pkcs8::{EncodePublicKey, LineEnding};
    use serde_json::Value;

    fn b64url(bytes: &[u8]) -> String {
        crate::jwt::base64_encode(bytes)
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    }

    /// v2 device claims that pass the default pack when nothing else is asked.
    fn claims() -> Value {
        serde_json::json!({
            "iss": "https://nras.attestation.nvidia.com", "iat": 1_727_387_975_i64, "exp": 4_880_995_383_i64,
            "measres": "success", "dbgstat": "disabled", "secboot": true,
            "x-nvidia-gpu-arch-check": true,
        })
    }

    fn token(claims: &Value, alg: &str, key: &p384::ecdsa::SigningKey) -> String {
        let input = format!(
            "{}.{}",
            b64url(format!(r#"{{"alg":"{alg}"}}"#).as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        if alg == "none" {
            return format!("{input}.");
        }
        let sig: p384::ecdsa::Signature = key.sign(input.as_bytes());
        format!("{input}.{}", b64url(&sig.to_bytes()))
    }

    fn normalized(
        dir: &std::path::Path,
        doc: &str,
        kind: &str,
        keys: &crate::jws::TrustedKeys,
    ) -> Evidence {
        std::fs::write(dir.join("doc"), doc).unwrap();
        std::fs::write(
            dir.join("bundle.yaml"),
            format!("schema: claimgate.bundle/v1\njob:\n  job_id: j\ndocuments:\n  - kind: {kind}\n    path: doc\n"),
        )
        .unwrap();
        let bundle = Bundle::load(&dir.join("bundle.yaml")).unwrap();
        normalize(
            &bundle,
            Instant {
                unix: 1_727_388_000,
            },
            keys,
            1,
        )
    }

    fn jws_check(ev: &Evidence) -> Option<CheckState> {
        ev.runtime.attestations[0]
            .checks
            .iter()
            .find(|c| c.name == "jws signature")
            .map(|c| c.state)
    }

    #[test]
    fn with_trusted_keys_only_a_verified_signed_kind_counts() {
        let dir =
            std::env::temp_dir().join(format!("claimgate-adapter-jws-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = p384::ecdsa::SigningKey::from_slice(&[7; 48]).unwrap();
        let pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let mut keys = crate::jws::TrustedKeys::default();
        keys.add_pem(&pem).unwrap();
        let none = crate::jws::TrustedKeys::default();
        let c = claims();

        // Signed by the trusted key: verified, and the check passes.
        let ev = normalized(&dir, &token(&c, "ES384", &key), "nvidia_claims", &keys);
        assert_eq!(ev.runtime.attestations[0].signature, Signature::Verified);
        assert_eq!(jws_check(&ev), Some(CheckState::Passed));
        assert!(ev.problems.is_empty(), "{:?}", ev.problems);

        // alg none, and plain JSON: absent. Whether that fails closed under --jws-key is the
        // pack's judgment; the evidence says keys were given and the kind is signed.
        for (doc, kind) in [
            (token(&c, "none", &key), "nvidia_claims"),
            (c.to_string(), "nvidia_claims"),
        ] {
            let ev = normalized(&dir, &doc, kind, &keys);
            assert_eq!(ev.runtime.attestations[0].signature, Signature::Absent);
            assert!(ev.signatures_checked && ev.runtime.attestations[0].signed_kind);
            assert_eq!(jws_check(&ev), None, "{doc}");
            let ev = normalized(&dir, &doc, kind, &none);
            assert!(!ev.signatures_checked);
            assert!(ev.problems.is_empty(), "{:?}", ev.problems);
        }

        // A plain-JSON overall result is recorded as it states, with its token's signature.
        let overall = serde_json::json!({"x-nvidia-overall-att-result": true}).to_string();
        let ev = normalized(&dir, &overall, "nvidia_overall", &keys);
        assert_eq!(ev.verifier.decisions[0].status, Status::Pass);
        let token = ev.verifier.decisions[0].token.as_ref().unwrap();
        assert_eq!(token.signature, Signature::Absent);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
