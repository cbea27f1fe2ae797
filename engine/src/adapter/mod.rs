//! Adapters turn bundle documents into the normalized evidence document.
//!
//! Adapters know document formats and nothing about policy: they record facts, parse digests
//! strictly, and judge time at the evaluation instant. Malformed values become
//! [`Problem`](crate::evidence::Problem)s and derive nothing.

mod native;

use crate::bundle::{Bundle, Role};
use crate::digest::Digest;
use crate::evidence::{self, ArtifactFact, DigestFact, Evidence, Problem};
use crate::time::Instant;

/// Builds the normalized evidence for a bundle at the evaluation instant `at`.
///
/// Artifact files are hashed here (streaming sha256), so the evidence says whether the
/// declared output digest is the digest of the delivered file.
pub fn normalize(bundle: &Bundle, at: Instant) -> Evidence {
    let mut cx = Context {
        problems: Vec::new(),
    };
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

    let artifacts: Vec<ArtifactFact> = bundle
        .artifacts
        .iter()
        .map(|a| {
            let field = format!("artifacts.{}.digest", a.name);
            let declared = match (&a.digest, a.role) {
                (Some(d), _) => cx.digest("manifest", &field, Some(d)),
                // An output artifact is declared by the job's output digest.
                (None, Role::Output) => output_digest.clone(),
                (None, _) => DigestFact::Absent,
            };
            let computed = match crate::bundle::confine(&bundle.root, &a.path)
                .map_err(str::to_string)
                .and_then(|p| Digest::sha256_file(&p).map_err(|e| e.to_string()))
            {
                Ok(d) => Some(d),
                Err(e) => {
                    cx.problem("manifest", &format!("artifacts.{}.path", a.name), format!("cannot hash `{}`: {e}", a.path));
                    None
                }
            };
            let matched = matches!((&declared, &computed), (DigestFact::Valid { value }, Some(c)) if value == c);
            if let (DigestFact::Valid { value }, Some(c)) = (&declared, &computed) {
                if value != c {
                    cx.problem(
                        "manifest",
                        &field,
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
        runtime: Default::default(),
        verifier: Default::default(),
        capacity: Default::default(),
        storage: Default::default(),
        artifacts,
        problems: Vec::new(),
    };
    for entry in &bundle.documents {
        native::add(&mut ev, &mut cx, entry, bundle.expected_nonce.as_deref());
    }
    cx.problems.sort();
    ev.problems = cx.problems;
    ev
}

/// Collects problems while adapters run.
pub(crate) struct Context {
    problems: Vec<Problem>,
}

impl Context {
    pub(crate) fn problem(&mut self, source: &str, field: &str, msg: String) {
        self.problems.push(Problem {
            source: source.to_string(),
            field: field.to_string(),
            msg,
        });
    }

    /// Parses an optional digest strictly; a malformed one is recorded as a problem.
    pub(crate) fn digest(&mut self, source: &str, field: &str, raw: Option<&str>) -> DigestFact {
        match raw {
            None => DigestFact::Absent,
            Some(raw) => match Digest::parse(raw) {
                Ok(value) => DigestFact::Valid { value },
                Err(problem) => {
                    self.problem(source, field, format!("`{raw}` is not a digest: {problem}"));
                    DigestFact::Malformed {
                        raw: raw.to_string(),
                        problem,
                    }
                }
            },
        }
    }
}
