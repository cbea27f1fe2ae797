//! The engine: a policy pack compiled once, with the upstream policies, trusted keys and limits
//! it decides with, and the big-stack thread pool it decides on.
//!
//! This is the one place the pipeline runs: load → normalize → upstream policies → the pack's
//! Rego → the floor. `claimgate eval`, `gate`, `table`, `diff`, `check`, `verify` and `test`
//! all decide through it. The library never reads the clock or the environment on its own:
//! the instant is an [`At`], the thread count a builder setting.

use crate::bundle::{Bundle, Limits};
use crate::decision::Decision;
use crate::evidence::Evidence;
use crate::jws::TrustedKeys;
use crate::policy::{CompiledPack, Pack, UpstreamPolicy};
use crate::receipt::{PackEntry, Provenance, Receipt, UpstreamEntry};
use crate::time::Instant;
use crate::Error;
use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Stack size of the threads that evaluate policies: deeply nested Rego must not overflow a
/// stack (call chains are capped at load, but each level is deep in regorus).
pub const EVAL_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Bundles decided per batch of [`Engine::decide_many`], per thread: enough to keep every
/// thread busy, few enough that memory stays flat in the number of bundles.
const BATCH_PER_THREAD: usize = 32;

/// The instant freshness is judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// This instant, whatever the bundle says
    Pinned(Instant),
    /// The bundle's own `evaluated_at`; a bundle without one is an error
    Bundle,
    /// The bundle's own `evaluated_at`, else this instant
    BundleOr(Instant),
    /// The current time, read from the system clock when the bundle is decided
    Now,
}

impl At {
    /// The command line's rule: `at` when given, else each bundle's own `evaluated_at`, else
    /// the time of this call.
    pub fn given(at: Option<Instant>) -> At {
        match at {
            Some(t) => At::Pinned(t),
            None => At::BundleOr(Instant::now()),
        }
    }

    /// The instant for one bundle.
    fn resolve(self, bundle: &Bundle) -> Result<Instant, Error> {
        Ok(match self {
            At::Pinned(t) => t,
            At::BundleOr(t) => bundle.evaluated_at.unwrap_or(t),
            At::Now => Instant::now(),
            At::Bundle => {
                bundle
                    .evaluated_at
                    .ok_or_else(|| crate::bundle::BundleError::NoInstant {
                        bundle: bundle.name.clone(),
                    })?
            }
        })
    }
}

/// Builds an [`Engine`]: the pack, and what it decides with.
#[derive(Debug)]
pub struct EngineBuilder {
    pack: Pack,
    upstream: Option<PathBuf>,
    keys: TrustedKeys,
    limits: Limits,
    threads: Option<NonZeroUsize>,
    on_decided: Option<OnDecided>,
}

/// What [`EngineBuilder::on_decided`] calls.
#[derive(Clone)]
struct OnDecided(Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for OnDecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnDecided(..)")
    }
}

impl EngineBuilder {
    /// Runs the upstream policies a `claimgate.upstream/v1` config names next to the pack.
    pub fn upstream(mut self, config: impl Into<PathBuf>) -> EngineBuilder {
        self.upstream = Some(config.into());
        self
    }

    /// Verifies JWS signatures of attestation tokens against these keys. Without keys,
    /// signatures stay unverified; with keys, a signed kind no key verifies backs no runtime
    /// claim.
    pub fn trust_keys(mut self, keys: TrustedKeys) -> EngineBuilder {
        self.keys = keys;
        self
    }

    /// Loads bundles within these limits (default: [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> EngineBuilder {
        self.limits = limits;
        self
    }

    /// Decides on this many threads (default: the machine's parallelism).
    pub fn threads(mut self, threads: NonZeroUsize) -> EngineBuilder {
        self.threads = Some(threads);
        self
    }

    /// Calls `f` once for each result [`Engine::decide_many`] yields, on the thread that
    /// iterates: how a command line shows progress over many bundles or cells. It sees no
    /// result and cannot change one.
    pub fn on_decided(mut self, f: impl Fn() + Send + Sync + 'static) -> EngineBuilder {
        self.on_decided = Some(OnDecided(Arc::new(f)));
        self
    }

    /// Compiles the pack and loads the upstream policies.
    pub fn build(self) -> Result<Engine, Error> {
        let pack = CompiledPack::compile(&self.pack)?;
        let upstream = match &self.upstream {
            Some(config) => crate::policy::load_upstream(config)?,
            None => Vec::new(),
        };
        // A policy whose documents cannot build its input fails now, not on every bundle.
        for policy in &upstream {
            policy.builders(crate::adapter::input_builder)?;
        }
        let provenance = Provenance {
            pack: PackEntry {
                origin: if pack.origin == "embedded" {
                    "embedded"
                } else {
                    "directory"
                }
                .to_string(),
                sha256: pack.digest.clone(),
            },
            catalog_sha256: pack.catalog_digest.clone(),
            claim_limits: pack.catalog.claim_limits.clone(),
            upstream: upstream
                .iter()
                .map(|u| UpstreamEntry {
                    id: u.id.clone(),
                    file: file_name(&u.file),
                    sha256: u.digest.clone(),
                    reference_values_sha256: u.reference_digest.clone(),
                    modules: u
                        .modules
                        .iter()
                        .map(|(file, sha256)| crate::receipt::ModuleEntry {
                            file: file_name(file),
                            sha256: sha256.clone(),
                        })
                        .collect(),
                    data_sha256: u.data_digest.clone(),
                })
                .collect(),
            jws_keys: self.keys.digests(),
        };
        let threads = self
            .threads
            .or_else(|| std::thread::available_parallelism().ok())
            .unwrap_or(NonZeroUsize::MIN);
        Ok(Engine {
            inner: Arc::new(Inner {
                source: self.pack,
                pack,
                upstream,
                keys: self.keys,
                limits: self.limits,
                on_decided: self.on_decided,
                provenance: Arc::new(provenance),
            }),
            pool: Arc::new(Pool::new(threads)),
        })
    }
}

/// A compiled policy pack with the upstream policies, trusted keys and limits it decides with.
///
/// Compiled once; cheap to clone (clones share the compiled pack and the thread pool) and
/// `Send + Sync`, so one engine serves every thread.
///
/// ```
/// # fn main() -> Result<(), claimgate::Error> {
/// use claimgate::{At, Bundle, Engine, Label, Pack};
/// let engine = Engine::builder(Pack::embedded()).build()?;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/bundles/benchmark_only");
/// let bundle = Bundle::load(std::path::Path::new(path))?;
/// let assessment = engine.decide(&bundle, At::Bundle)?;
/// assert_eq!(assessment.decision().label, Label::Benchmark);
/// assert!(assessment.decision().allows("capacity.benchmark_context"));
/// assert!(!assessment.decision().allows("job.ran_under_policy"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
    pool: Arc<Pool>,
}

/// The big-stack threads an engine decides on.
#[derive(Debug)]
struct Pool {
    threads: NonZeroUsize,
    /// Built on first use: a single decision on a fresh engine pays no thread start-up.
    pool: OnceLock<Option<rayon::ThreadPool>>,
}

impl Pool {
    fn new(threads: NonZeroUsize) -> Pool {
        Pool {
            threads,
            pool: OnceLock::new(),
        }
    }
}

#[derive(Debug)]
struct Inner {
    /// The pack's files (its tests too)
    source: Pack,
    pack: CompiledPack,
    upstream: Vec<UpstreamPolicy>,
    keys: TrustedKeys,
    limits: Limits,
    on_decided: Option<OnDecided>,
    provenance: Arc<Provenance>,
}

/// Everything one decision produced: the bundle, its normalized evidence and the decision, and
/// what its receipt records of the engine.
#[derive(Debug, Clone)]
pub struct Assessment {
    bundle: Bundle,
    evidence: Evidence,
    decision: Decision,
    provenance: Arc<Provenance>,
}

impl Assessment {
    /// The bundle as loaded.
    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }

    /// The normalized evidence the pack saw.
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// The decision.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// The decision, without the rest.
    pub fn into_decision(self) -> Decision {
        self.decision
    }

    /// The canonical receipt of this decision.
    pub fn receipt(&self) -> Receipt {
        Receipt::seal(
            &self.bundle,
            &self.evidence,
            &self.decision,
            &self.provenance,
        )
    }
}

/// Something [`Engine::decide_many`] can decide: a loaded bundle, a path to load, or the
/// result of loading one elsewhere (an error stays that bundle's error).
pub trait BundleSource: Send {
    /// The bundle, loaded within `limits` when it is still to be loaded.
    fn into_bundle(self, limits: Limits) -> Result<Bundle, Error>;
}

impl BundleSource for Bundle {
    fn into_bundle(self, _: Limits) -> Result<Bundle, Error> {
        Ok(self)
    }
}

impl BundleSource for PathBuf {
    fn into_bundle(self, limits: Limits) -> Result<Bundle, Error> {
        Ok(crate::bundle::load_within(&self, limits)?)
    }
}

impl BundleSource for &Path {
    fn into_bundle(self, limits: Limits) -> Result<Bundle, Error> {
        Ok(crate::bundle::load_within(self, limits)?)
    }
}

impl<E: Into<Error> + Send> BundleSource for Result<Bundle, E> {
    fn into_bundle(self, _: Limits) -> Result<Bundle, Error> {
        self.map_err(Into::into)
    }
}

impl Engine {
    /// Starts building an engine for a pack.
    pub fn builder(pack: Pack) -> EngineBuilder {
        EngineBuilder {
            pack,
            upstream: None,
            keys: TrustedKeys::default(),
            limits: Limits::default(),
            threads: None,
            on_decided: None,
        }
    }

    /// The same engine (pack, upstream policies, keys, limits) deciding on `threads` threads
    /// of its own: the compiled pack is shared, not compiled again.
    pub fn with_threads(&self, threads: NonZeroUsize) -> Engine {
        Engine {
            inner: Arc::clone(&self.inner),
            pool: Arc::new(Pool::new(threads)),
        }
    }

    /// The limits bundles are loaded within.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// The number of threads the engine decides on.
    pub fn threads(&self) -> NonZeroUsize {
        self.pool.threads
    }

    /// Loads a bundle within the engine's limits.
    pub fn load(&self, path: &Path) -> Result<Bundle, Error> {
        Ok(crate::bundle::load_within(path, self.inner.limits)?)
    }

    /// Loads a bundle whose manifest is read from `input` (standard input, `-` on the command
    /// line), its documents under the working directory; within the engine's limits, the
    /// manifest read no further than the bundle's byte limit.
    pub fn load_stdin(&self, input: &mut dyn std::io::Read) -> Result<Bundle, Error> {
        let limits = self.inner.limits;
        Ok(Bundle::from_stdin(
            &crate::bundle::read_stdin(input, limits)?,
            limits,
        )?)
    }

    /// Decides one bundle, on the engine's big-stack threads.
    pub fn decide(&self, bundle: &Bundle, at: At) -> Result<Assessment, Error> {
        let threads = self.pool.threads.get();
        self.on_pool(|| self.assess(bundle.clone(), at, threads))
    }

    /// The normalized evidence document the pack's Rego reads as `input` for a bundle.
    pub fn evidence(&self, bundle: &Bundle, at: At) -> Result<Evidence, Error> {
        let at = at.resolve(bundle)?;
        Ok(crate::normalize::normalize(
            bundle,
            at,
            &self.inner.keys,
            self.pool.threads.get(),
        ))
    }

    /// Decides many bundles on the engine's threads; results come back in input order, one per
    /// input, and a bundle that fails to load or evaluate is that bundle's error (the others
    /// are still decided). Inputs are taken a batch at a time, so memory stays flat however
    /// many there are.
    pub fn decide_many<I>(&self, inputs: I, at: At) -> DecideMany<I::IntoIter>
    where
        I: IntoIterator,
        I::Item: BundleSource,
    {
        DecideMany {
            engine: self.clone(),
            inputs: inputs.into_iter(),
            at,
            ready: VecDeque::new(),
        }
    }

    /// Verifies a receipt: its bytes, Statement, signature and `decision_id` and, given the
    /// bundle it is about, every field against the decision replayed at the receipt's instant.
    pub fn verify(
        &self,
        receipt: &crate::ReceiptFile,
        bundle: Option<&Bundle>,
    ) -> Result<crate::Verification, Error> {
        let replay = match bundle {
            None => None,
            Some(b) => {
                let at = At::Pinned(receipt.evaluated_at()?);
                Some(self.decide(b, at)?.receipt().to_value())
            }
        };
        Ok(receipt.verify(replay.as_ref()))
    }

    /// The validated claim catalog of the pack.
    pub fn catalog(&self) -> &crate::catalog::Catalog {
        &self.inner.pack.catalog
    }

    /// Runs the pack's Rego unit tests (`test_*` rules of its `*_test.rego` files), on the
    /// engine's threads.
    pub fn test(&self) -> Result<Vec<crate::policy::TestResult>, Error> {
        Ok(self.on_pool(|| crate::policy::run_tests(&self.inner.source))?)
    }

    /// Runs the pack's Rego unit tests that `options.run` selects, gathering line coverage
    /// when asked.
    pub fn test_with(
        &self,
        options: &crate::policy::TestOptions,
    ) -> Result<crate::policy::TestReport, Error> {
        self.paraphrases()?;
        Ok(self.on_pool(|| crate::policy::test::run(&self.inner.source, options))?)
    }

    /// The compiled pack.
    pub(crate) fn pack(&self) -> &CompiledPack {
        &self.inner.pack
    }

    /// Runs `f` on the engine's pool (its threads have big stacks); on the calling thread
    /// when no thread can be started.
    pub(crate) fn on_pool<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        match self.pool() {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    fn pool(&self) -> Option<&rayon::ThreadPool> {
        self.pool
            .pool
            .get_or_init(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(self.pool.threads.get())
                    .stack_size(EVAL_STACK_BYTES)
                    .thread_name(|i| format!("claimgate-{i}"))
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The whole pipeline for one bundle, on the current thread. Artifacts are hashed on up
    /// to `hash_threads` threads (one when bundles are decided in parallel). An error names
    /// the bundle ([`InBundle`]).
    fn assess(&self, bundle: Bundle, at: At, hash_threads: usize) -> Result<Assessment, Error> {
        match self.pipeline(&bundle, at, hash_threads) {
            Ok((evidence, decision)) => Ok(Assessment {
                bundle,
                evidence,
                decision,
                provenance: Arc::clone(&self.inner.provenance),
            }),
            Err(error) => Err(Error::InBundle(Box::new(InBundle {
                manifest: bundle.manifest.name,
                job_id: bundle.job.job_id,
                error,
            }))),
        }
    }

    fn pipeline(
        &self,
        bundle: &Bundle,
        at: At,
        hash_threads: usize,
    ) -> Result<(Evidence, Decision), Error> {
        let at = at.resolve(bundle)?;
        let inner = &self.inner;
        let evidence = crate::normalize::normalize(bundle, at, &inner.keys, hash_threads);
        let mut upstream = Vec::new();
        for policy in &inner.upstream {
            upstream.extend(policy.evaluate(&evidence, crate::adapter::input_builder)?);
        }
        let outcome = inner.pack.evaluate(&evidence, &upstream)?;
        let decision =
            crate::decision::decide(&bundle.name, &evidence, &outcome, &inner.pack.catalog);
        Ok((evidence, decision))
    }

    /// Advice about the pack ([`crate::policy::Finding`]s), in file and line order.
    pub fn lint(&self) -> Result<Vec<crate::policy::Finding>, Error> {
        self.paraphrases()?;
        Ok(self.inner.pack.lint()?)
    }

    /// The catalog's paraphrase patterns, compiled: an error, pointing at the pattern in
    /// `claims/catalog.yaml`, when one does not compile or finds a sentence the catalog allows.
    pub fn paraphrases(&self) -> Result<crate::catalog::Paraphrases<'_>, Error> {
        self.catalog().paraphrases().map_err(|p| {
            let file = self.inner.source.catalog_file();
            let at = match file {
                Some(f) => crate::source::Located::at(f, f.span_of(&p.pattern)),
                None => crate::source::Located::named(crate::policy::CATALOG_PATH),
            };
            let e = crate::policy::PolicyError::Catalog {
                message: p.message,
                at,
            };
            Error::from(e.under(&self.inner.source))
        })
    }

    /// What the pack's policies read of their input, path by path (for `diff`).
    pub fn reads(&self) -> Result<crate::policy::Reads, Error> {
        Ok(self.inner.pack.reads()?)
    }

    /// What the pack reads, and the paths each claim's decision may depend on (for `diff`).
    pub fn reads_and_cones(&self) -> Result<(crate::policy::Reads, crate::policy::Cones), Error> {
        Ok(self.inner.pack.reads_and_cones()?)
    }

    /// For the OPA differential test: what the pack's Rego sees and computes for one bundle.
    #[doc(hidden)]
    pub fn probe(
        &self,
        bundle: &Bundle,
        at: At,
    ) -> Result<Vec<crate::policy::probe::Probe>, Error> {
        let evidence = self.evidence(bundle, at)?;
        Ok(self.inner.pack.probe(&evidence)?)
    }

    /// For the OPA differential test: the Rego modules the pack's engine holds, with the
    /// catalog data as one more module.
    #[doc(hidden)]
    pub fn modules(&self) -> Result<Vec<crate::policy::probe::Module>, Error> {
        Ok(self.inner.pack.modules()?)
    }
}

/// An error deciding a bundle that loaded, with the bundle's manifest and job. It displays
/// and renders as the error itself.
#[derive(Debug)]
pub struct InBundle {
    /// The bundle's manifest file
    pub manifest: String,
    /// The job the bundle names
    pub job_id: String,
    /// What failed
    pub error: Error,
}

impl std::fmt::Display for InBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for InBundle {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

impl miette::Diagnostic for InBundle {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error.code()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.error.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.error.labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        self.error.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn miette::Diagnostic> {
        self.error.diagnostic_source()
    }
}

impl Error {
    /// The error itself, without the bundle it concerns.
    pub fn inner(&self) -> &Error {
        match self {
            Error::InBundle(b) => b.error.inner(),
            other => other,
        }
    }
}

/// The iterator of [`Engine::decide_many`].
#[derive(Debug)]
pub struct DecideMany<I> {
    engine: Engine,
    inputs: I,
    at: At,
    ready: VecDeque<Result<Assessment, Error>>,
}

impl<I> Iterator for DecideMany<I>
where
    I: Iterator,
    I::Item: BundleSource,
{
    type Item = Result<Assessment, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() {
            let size = self
                .engine
                .pool
                .threads
                .get()
                .saturating_mul(BATCH_PER_THREAD);
            let batch: Vec<I::Item> = self.inputs.by_ref().take(size).collect();
            if batch.is_empty() {
                return None;
            }
            let (engine, at) = (&self.engine, self.at);
            let limits = engine.inner.limits;
            let one = move |source: I::Item| {
                source
                    .into_bundle(limits)
                    .and_then(|b| engine.assess(b, at, 1))
            };
            let decided: Vec<Result<Assessment, Error>> = engine.on_pool(|| {
                use rayon::prelude::*;
                batch.into_par_iter().map(one).collect()
            });
            self.ready.extend(decided);
        }
        let next = self.ready.pop_front();
        if let (Some(_), Some(f)) = (&next, &self.engine.inner.on_decided) {
            (f.0)();
        }
        next
    }
}

/// A file's name without its directories: receipts do not carry the paths of one machine.
fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn engine_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<super::Engine>();
    }
}
