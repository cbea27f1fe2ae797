//! The CI gate: checks requirements (required claims, a forbidden label, claimed sentences)
//! against the decisions of many bundles.
//!
//! This stage comes after the decision. It evaluates bundles in parallel with
//! one compiled pack, keeps a bundle that fails to load or evaluate as an error entry of its own
//! (an error is never a failed check, and never a pass), and locates every finding in the file a
//! person would fix: the bundle manifest (at the offending field where one is known), a document,
//! or the line of the claimed file. It knows nothing about output formats: reporters read
//! [`GateReport`].

pub(crate) mod claimed;
mod expand;
mod locate;

pub use claimed::Claimed;
pub use expand::{expand, Target};

use crate::catalog::Catalog;
use crate::decision::{BlockKind, Decision, Label, Rewrite};
use crate::engine::{Assessment, At, Engine};
use crate::time::Instant;
use claimed::Match;
use locate::Locator;
use miette::Diagnostic;
use serde::Serialize;

/// The gate report format marker.
pub const SCHEMA: &str = "claimgate.gate/v1";

/// What the gate checks for every bundle.
#[derive(Debug, Clone, Default)]
pub struct Requirements {
    /// Claim ids that must be allowed, in the order given
    pub require: Vec<String>,
    /// This label and every weaker one fail (see [`label_rank`])
    pub forbid_label: Option<Label>,
    /// Sentences or ids someone intends to publish: each must be allowed
    pub claimed: Option<Claimed>,
}

/// Why the gate could not run, or one bundle pattern matched nothing.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum GateError {
    /// A required claim id is not a claim of the pack's catalog
    #[error("cannot require `{id}`: {why}")]
    #[diagnostic(code(claimgate::gate::unknown_claim))]
    UnknownClaim {
        /// The id as given
        id: String,
        /// Why it cannot be required
        why: String,
        /// A close id, and the ids there are
        #[help]
        help: String,
    },
    /// A bundle glob pattern does not parse
    #[error("invalid bundle pattern `{pattern}`: {message}")]
    #[diagnostic(
        code(claimgate::gate::pattern),
        help("patterns use `*`, `?`, `[...]` and `**`; quote them so the shell passes them on")
    )]
    Pattern {
        /// The pattern
        pattern: String,
        /// What is wrong
        message: String,
    },
    /// A bundle glob pattern matched no bundle
    #[error("no bundle matches `{pattern}`")]
    #[diagnostic(
        code(claimgate::gate::no_match),
        help("a pattern must match at least one bundle directory or YAML/JSON manifest file")
    )]
    NoMatch {
        /// The pattern
        pattern: String,
    },
    /// The claimed file cannot be read or is not a list of claims
    #[error("invalid claimed file `{}`: {message}", .at.file)]
    #[diagnostic(code(claimgate::gate::claimed_file), forward(at))]
    Claimed {
        /// What is wrong
        message: String,
        /// Where
        at: crate::source::Located,
    },
    /// The bundle list (`--from-file`) cannot be read
    #[error("cannot read the bundle list `{path}`: {reason}")]
    #[diagnostic(code(claimgate::gate::list))]
    List {
        /// The path as given
        path: String,
        /// Why
        reason: String,
    },
}

/// A place in a file: the path as given (never made absolute) and, where known, a 1-based line
/// and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file (or, for a bundle that could not be opened, the path given)
    pub file: String,
    /// 1-based line, when the offending line is known
    pub line: Option<usize>,
    /// 1-based column (in characters) of the offending key on its line, when known
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Location {
    /// A file, no line.
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// A line of a file.
    pub fn line(file: impl Into<String>, line: Option<usize>) -> Location {
        Location {
            line,
            ..Location::file(file)
        }
    }
}

/// What kind of requirement a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    /// `--require CLAIM_ID`: the claim must be allowed
    Require,
    /// `--forbid-label LABEL`: the label must be stronger than LABEL
    ForbidLabel,
    /// One item of `--claimed FILE`: it must be a catalog claim this bundle allows
    Claimed,
    /// No requirement was given: the bundle must load and evaluate
    Evaluates,
}

impl RequirementKind {
    /// The kind as written in reports and rule ids.
    pub fn name(self) -> &'static str {
        match self {
            RequirementKind::Require => "require",
            RequirementKind::ForbidLabel => "forbid_label",
            RequirementKind::Claimed => "claimed",
            RequirementKind::Evaluates => "evaluates",
        }
    }
}

/// One requirement, checked against every bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Stable display name, e.g. `require job.ran_under_policy`
    pub name: String,
    /// The kind
    pub kind: RequirementKind,
    /// The claim id, label, or claimed text
    pub subject: String,
    /// Where the requirement is written, for a claimed item (its line in the claimed file)
    pub location: Option<Location>,
}

/// The result of one requirement on one bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The requirement's name
    pub requirement: String,
    /// The requirement's kind
    pub kind: RequirementKind,
    /// Whether the requirement is met
    pub passed: bool,
    /// One line saying what was found
    pub message: String,
    /// Why it is not met, most specific first
    pub reasons: Vec<String>,
    /// What to say instead, from the catalog
    pub safer: Option<Rewrite>,
    /// Where to fix it
    pub location: Location,
}

/// How one bundle (or the whole gate) came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every requirement met
    Pass,
    /// A requirement not met (a verdict)
    Fail,
    /// The bundle could not be loaded or evaluated (no verdict)
    Error,
}

impl Status {
    /// The status as written in reports.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

/// A bundle that could not be loaded or evaluated.
#[derive(Debug, Serialize)]
pub struct ErrorEntry {
    /// The diagnostic code, e.g. `claimgate::bundle::parse`
    pub code: String,
    /// The diagnostic message
    pub message: String,
    /// The diagnostic help, when there is one
    pub help: Option<String>,
    /// Where: the labelled line of the diagnostic, else the manifest, else the path given
    pub location: Location,
    /// The error itself, for renderers that draw its source spans
    #[serde(skip)]
    pub error: crate::Error,
}

/// The gate's result for one bundle.
#[derive(Debug, Serialize)]
pub struct BundleResult {
    /// The bundle path as given (or as a pattern expanded it)
    pub path: String,
    /// Pass, fail or error
    pub status: Status,
    /// The manifest file, when one was found
    pub manifest: Option<String>,
    /// The job id, when the bundle loaded
    pub job_id: Option<String>,
    /// The label, when the bundle was decided
    pub label: Option<Label>,
    /// The instant the bundle was judged at, when it was decided
    pub evaluated_at: Option<Instant>,
    /// One check per requirement (empty for an error)
    pub checks: Vec<Check>,
    /// The error, when the bundle could not be loaded or evaluated
    pub error: Option<ErrorEntry>,
}

impl BundleResult {
    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }
}

/// Counts over all bundles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Bundles evaluated (or attempted)
    pub bundles: usize,
    /// Bundles that met every requirement
    pub passed: usize,
    /// Bundles with a requirement not met
    pub failed: usize,
    /// Bundles that could not be loaded or evaluated
    pub errors: usize,
}

/// The gate's result over every bundle: what reporters read.
#[derive(Debug, Serialize)]
pub struct GateReport {
    /// Always [`SCHEMA`]
    pub schema: &'static str,
    /// Error if any bundle errored, else fail if any failed, else pass
    pub status: Status,
    /// Counts
    pub summary: Summary,
    /// The requirements, in the order every bundle's checks follow
    pub requirements: Vec<Requirement>,
    /// One entry per bundle, sorted by path
    pub bundles: Vec<BundleResult>,
}

/// How strong a label is: `compute_receipt` is the strongest, `none` the weakest. Labels are
/// assigned first match wins in this order, so a bundle has the strongest label it qualifies for.
pub fn label_rank(label: Label) -> u8 {
    match label {
        Label::ComputeReceipt => 4,
        Label::VerifierPathRecord => 3,
        Label::DeploymentNote => 2,
        Label::Benchmark => 1,
        Label::None => 0,
    }
}

impl Requirements {
    /// The requirements as the command line names them: required claim ids, a forbidden label,
    /// and either a claimed file (sentences or ids, one a line or a YAML list) or published
    /// text whose catalog sentences and paraphrases are the claims; checked against the
    /// engine's catalog.
    pub fn new(
        engine: &Engine,
        require: Vec<String>,
        forbid_label: Option<Label>,
        claimed: Option<&std::path::Path>,
        text: Option<&std::path::Path>,
    ) -> Result<Requirements, crate::Error> {
        let claimed = match (claimed, text) {
            (Some(c), _) => Some(Claimed::read(c)?),
            (None, Some(t)) => Some(Claimed::from_prose(
                t,
                engine.catalog(),
                &engine.paraphrases()?,
            )?),
            (None, None) => None,
        };
        let reqs = Requirements {
            require,
            forbid_label,
            claimed,
        };
        reqs.validate(engine.catalog())?;
        Ok(reqs)
    }

    /// Checks the requirements against the pack's catalog: a required id must name a claim.
    pub fn validate(&self, catalog: &Catalog) -> Result<(), GateError> {
        for id in &self.require {
            if catalog.claim(id).is_some() {
                continue;
            }
            let known: Vec<&str> = catalog.claims.iter().map(|c| c.id.as_str()).collect();
            let (why, help) = match catalog.blocked_claim(id) {
                Some(b) => (
                    "it names a blocked sentence, which is never allowed (every bundle would fail)"
                        .to_string(),
                    format!("require its safer claim instead: `{}`", b.safer),
                ),
                None => {
                    let close = closest(id, &known)
                        .map(|c| format!("did you mean `{c}`? "))
                        .unwrap_or_default();
                    (
                        "it is not a claim id of the policy pack's catalog".to_string(),
                        format!("{close}claim ids: {}", known.join(", ")),
                    )
                }
            };
            return Err(GateError::UnknownClaim {
                id: id.clone(),
                why,
                help,
            });
        }
        Ok(())
    }

    /// The requirements in report order: required claims, the forbidden label, claimed items.
    /// With none given, the one requirement is that each bundle loads and evaluates.
    pub fn list(&self) -> Vec<Requirement> {
        let mut out: Vec<Requirement> = Vec::new();
        for id in &self.require {
            if out.iter().any(|r| r.subject == *id) {
                continue;
            }
            out.push(Requirement {
                name: format!("require {id}"),
                kind: RequirementKind::Require,
                subject: id.clone(),
                location: None,
            });
        }
        if let Some(l) = self.forbid_label {
            out.push(Requirement {
                name: format!("forbid-label {}", l.name()),
                kind: RequirementKind::ForbidLabel,
                subject: l.name().to_string(),
                location: None,
            });
        }
        if let Some(c) = &self.claimed {
            for item in &c.items {
                out.push(Requirement {
                    name: if item.text.contains(char::is_whitespace) {
                        format!("claimed \"{}\"", item.text)
                    } else {
                        format!("claimed {}", item.text)
                    },
                    kind: RequirementKind::Claimed,
                    subject: item.text.clone(),
                    location: Some(Location::line(c.file.clone(), item.line)),
                });
            }
        }
        if out.is_empty() {
            out.push(Requirement {
                name: "evaluates".to_string(),
                kind: RequirementKind::Evaluates,
                subject: String::new(),
                location: None,
            });
        }
        out
    }
}

/// Decides every target on the engine's threads and checks the requirements.
///
/// Results come back in the order of `targets` ([`expand`] sorts them by path). A bundle that
/// fails to load or evaluate becomes an error entry; the other bundles are still checked.
pub fn run(targets: &[Target], engine: &Engine, at: At, reqs: &Requirements) -> GateReport {
    let requirements = reqs.list();
    let catalog = engine.catalog();
    let items = reqs.claimed.as_ref().map_or(&[][..], |c| &c.items[..]);
    let matches: Vec<Option<Match>> = requirements
        .iter()
        .map(|r| {
            (r.kind == RequirementKind::Claimed).then(|| {
                items
                    .iter()
                    .find(|i| i.text == r.subject)
                    .and_then(|i| i.matched.clone())
                    .unwrap_or_else(|| claimed::classify(&r.subject, catalog))
            })
        })
        .collect();
    let sources = targets.iter().map(|t| match t {
        Target::Bundle(p) => Source::Path(p.clone()),
        Target::Stdin(bytes) => Source::Stdin(bytes.clone()),
        Target::NoMatch(pattern) => Source::Unmatched(GateError::NoMatch {
            pattern: pattern.clone(),
        }),
    });
    let bundles: Vec<BundleResult> = engine
        .decide_many(sources, at)
        .zip(targets)
        .map(|(decided, target)| gate_one(target, decided, catalog, reqs, &requirements, &matches))
        .collect();
    let count = |s: Status| bundles.iter().filter(|b| b.status == s).count();
    let summary = Summary {
        bundles: bundles.len(),
        passed: count(Status::Pass),
        failed: count(Status::Fail),
        errors: count(Status::Error),
    };
    let status = if summary.errors > 0 {
        Status::Error
    } else if summary.failed > 0 {
        Status::Fail
    } else {
        Status::Pass
    };
    GateReport {
        schema: SCHEMA,
        status,
        summary,
        requirements,
        bundles,
    }
}

/// A gate target: a path to load, or a pattern that matched nothing (that bundle's error).
enum Source {
    Path(std::path::PathBuf),
    Stdin(std::sync::Arc<[u8]>),
    Unmatched(GateError),
}

impl crate::BundleSource for Source {
    fn into_bundle(self, limits: crate::Limits) -> Result<crate::Bundle, crate::Error> {
        match self {
            Source::Path(p) => p.into_bundle(limits),
            Source::Stdin(bytes) => Ok(crate::Bundle::from_stdin(&bytes, limits)?),
            Source::Unmatched(e) => Err(e.into()),
        }
    }
}

fn gate_one(
    target: &Target,
    decided: Result<Assessment, crate::Error>,
    catalog: &Catalog,
    reqs: &Requirements,
    requirements: &[Requirement],
    matches: &[Option<Match>],
) -> BundleResult {
    let path = target.name();
    let a = match decided {
        Ok(a) => a,
        // A bundle that loaded but failed to evaluate: its manifest and job are known.
        Err(crate::Error::InBundle(b)) => {
            let crate::engine::InBundle {
                manifest,
                job_id,
                error,
            } = *b;
            return errored(path, Some(manifest), Some(job_id), error);
        }
        Err(e) => return errored(path, None, None, e),
    };
    let (bundle, decision) = (a.bundle(), a.decision());
    let manifest = bundle.manifest.name.clone();
    let locator = Locator::new(bundle, a.evidence());
    let checks: Vec<Check> = requirements
        .iter()
        .zip(matches)
        .map(|(r, m)| check(r, m.as_ref(), reqs, decision, catalog, &locator))
        .collect();
    let status = if checks.iter().all(|c| c.passed) {
        Status::Pass
    } else {
        Status::Fail
    };
    BundleResult {
        path,
        status,
        manifest: Some(manifest),
        job_id: Some(decision.job.job_id.clone()),
        label: Some(decision.label),
        evaluated_at: Some(decision.evaluated_at),
        checks,
        error: None,
    }
}

fn errored(
    path: String,
    manifest: Option<String>,
    job_id: Option<String>,
    error: crate::Error,
) -> BundleResult {
    let fallback = Location::file(manifest.clone().unwrap_or_else(|| path.clone()));
    let entry = ErrorEntry {
        code: error
            .code()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "claimgate::error".to_string()),
        message: error.to_string(),
        help: error.help().map(|h| h.to_string()),
        location: locate::of_diagnostic(&error).unwrap_or(fallback),
        error,
    };
    BundleResult {
        path,
        status: Status::Error,
        manifest,
        job_id,
        label: None,
        evaluated_at: None,
        checks: Vec::new(),
        error: Some(entry),
    }
}

fn check(
    req: &Requirement,
    matched: Option<&Match>,
    reqs: &Requirements,
    d: &Decision,
    catalog: &Catalog,
    at: &Locator<'_>,
) -> Check {
    let mut c = Check {
        requirement: req.name.clone(),
        kind: req.kind,
        passed: true,
        message: String::new(),
        reasons: Vec::new(),
        safer: None,
        location: req.location.clone().unwrap_or_else(|| at.manifest()),
    };
    match req.kind {
        RequirementKind::Evaluates => {
            c.message = format!("the bundle evaluates (label `{}`)", d.label.name());
        }
        RequirementKind::Require => {
            let id = &req.subject;
            if d.allows(id) {
                c.message = format!("`{id}` is allowed");
            } else {
                c.passed = false;
                c.message = format!("required claim `{id}` is not allowed");
                if let Some(b) = blocked(d, id) {
                    c.reasons.clone_from(&b.reasons);
                    c.safer = b.safer.clone().filter(|s| s.allowed);
                }
                c.location = at.claim(id, d, catalog);
            }
        }
        RequirementKind::ForbidLabel => {
            let forbidden = reqs.forbid_label.unwrap_or(Label::None);
            if label_rank(d.label) > label_rank(forbidden) {
                c.message = format!(
                    "label `{}` is stronger than the forbidden `{}`",
                    d.label.name(),
                    forbidden.name()
                );
            } else {
                c.passed = false;
                c.message = if d.label == forbidden {
                    format!("label `{}` is forbidden", d.label.name())
                } else {
                    format!(
                        "label `{}` is weaker than the forbidden `{}`",
                        d.label.name(),
                        forbidden.name()
                    )
                };
                c.reasons.push(format!(
                    "forbidding `{}` fails it and every weaker label (compute_receipt > verifier_path_record > deployment_note > benchmark > none)",
                    forbidden.name()
                ));
            }
        }
        RequirementKind::Claimed => {
            // Fail closed: an item that was not classified counts as unknown.
            let unknown = Match::Unknown;
            claimed::check(
                &mut c,
                &req.subject,
                matched.unwrap_or(&unknown),
                d,
                catalog,
            );
        }
    }
    c
}

/// The decision's blocked entry for a claim id.
fn blocked<'d>(d: &'d Decision, id: &str) -> Option<&'d crate::decision::Blocked> {
    d.blocked.iter().find(|b| b.id == id)
}

/// The catalog's safer claim for a blocklist entry, as this bundle states it.
fn blocklist_rewrite(d: &Decision, id: &str) -> Option<Rewrite> {
    d.blocked
        .iter()
        .find(|b| b.id == id && b.because == BlockKind::Blocklist)
        .and_then(|b| b.safer.clone())
}

/// The closest candidate by edit distance, when it is close enough to be a typo.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_claim() {
        let ids = ["job.output_bound", "job.ran_under_policy"];
        assert_eq!(
            closest("job.ran_under_polcy", &ids),
            Some("job.ran_under_policy")
        );
        assert_eq!(closest("job.output_bond", &ids), Some("job.output_bound"));
        assert_eq!(closest("storage.backup_shown", &ids), None);
    }

    #[test]
    fn labels_rank_in_first_match_order() {
        for w in Label::ALL.windows(2) {
            if let [a, b] = w {
                assert!(label_rank(*a) > label_rank(*b));
            }
        }
    }

    #[test]
    fn gate_types_are_send() {
        fn send<T: Send>() {}
        fn send_sync<T: Send + Sync>() {}
        send::<BundleResult>();
        send_sync::<Engine>();
    }
}
