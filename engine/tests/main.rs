//! One integration test binary (faster to link than one per file).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests state expectations with unwrap/expect; a panic is a failed test"
)]

/// `claimgate audit`: receipts providers publish, each case a directory.
mod audit;
/// A policy author adds a claim end to end: test, coverage, explain, check.
mod author;
/// Decisions over testdata/bundles: one snapshot per bundle, plus the properties they prove.
mod bundles;
/// The command line: help text, exit codes, the real binary end to end.
mod cli;
/// The documentation's snippets are files, and its console examples run as shown.
mod docs;
/// Bad bundles: each is a clear located error with exit code 3.
mod errors;
/// The fuzz corpus, replayed through the fuzz targets' code.
mod fuzz;
/// `claimgate gate`: every output format, exit codes, claimed files, bundle expansion, SARIF schema.
mod gate;
/// Hostile inputs under testdata/hostile, each against the real binary.
mod hostile;
/// `diff --format html` rendered by headless Chromium.
mod html;
/// JUnit XML of `test` and `gate`, valid against the JUnit schema CI servers read.
mod junit;
/// Load: gate over 5,000 bundles with every hostile case (ignored by default).
mod load;
/// regorus against OPA: every rule of the pack on every testdata evidence document.
mod opa;
/// Output that cannot be written: closed or full stdout, closed stderr, a full disk.
mod output;
/// Packs as cases: broken packs and a policy author's packs under testdata, each a directory.
mod packs;
/// Policy packs: Rego unit tests, broken packs, the catalog guard failing closed.
mod policy;
/// Properties: weaker evidence never allows more, bundle text never becomes sentence text.
mod props;
/// Real upstream documents: provenance, detection, decisions.
mod realworld;
/// Receipts: canonical bytes, schema, verify and tampering.
mod receipts;
/// Every command's output in every format it offers, byte for byte.
mod render;
/// regorus' bytecode VM against its interpreter: the differences that keep claimgate off it.
mod rvm;
/// The gate at 10,000 bundles: every output within what its consumer accepts.
mod scale;
/// `claimgate schema`: each format's schema, and testdata, evidence and decisions against it.
mod schemas;
/// The evidence space: decision table, invariants, semantic diffs.
mod space;
/// Time as an input: strict RFC 3339, and receipts at extreme instants verify.
mod time;
/// Upstream policies run unchanged (needs CLAIMGATE_UPSTREAM_DIR).
mod upstream;

use std::path::{Path, PathBuf};

/// The embedded pack's engine, built once for the whole test binary.
pub fn embedded() -> &'static claimgate::Engine {
    static ENGINE: std::sync::OnceLock<claimgate::Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        claimgate::Engine::builder(claimgate::Pack::embedded())
            .build()
            .unwrap()
    })
}

/// An engine for a pack directory.
pub fn engine_for(dir: &Path) -> claimgate::Engine {
    claimgate::Engine::builder(claimgate::Pack::from_dir(dir).unwrap())
        .build()
        .unwrap()
}

/// Loads and decides a bundle as `claimgate eval` does: at `at`, else the bundle's own
/// instant, else now.
pub fn evaluate(
    path: &Path,
    engine: &claimgate::Engine,
    at: Option<claimgate::Instant>,
) -> Result<claimgate::Decision, claimgate::Error> {
    let at = at.map_or(
        claimgate::At::BundleOr(claimgate::Instant::now()),
        claimgate::At::Pinned,
    );
    Ok(engine
        .decide(&claimgate::Bundle::load(path)?, at)?
        .into_decision())
}

/// The repository root, as a relative path (tests run in it): empty, so paths under it read
/// `testdata/...`.
pub fn repo() -> &'static Path {
    Path::new("")
}

/// `testdata/...` as a path relative to the test's working directory.
pub fn testdata(rel: &str) -> PathBuf {
    repo().join("testdata").join(rel)
}

/// Makes an absolute path under the repo relative (`testdata/...`), for stable snapshots.
pub fn relative(abs: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = root.canonicalize().unwrap();
    repo().join(abs.canonicalize().unwrap().strip_prefix(&root).unwrap())
}

/// Runs the real binary: (exit code, stdout, stderr).
pub fn binary(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_claimgate"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs the CLI in-process: (exit code, stdout, rendered error).
pub fn run(args: &[&str]) -> (u8, String, String) {
    use clap::Parser;
    let mut argv = vec!["claimgate"];
    argv.extend_from_slice(args);
    let cli = claimgate::cli::Cli::try_parse_from(argv).unwrap();
    let mut out = Vec::new();
    let res = claimgate::cli::run(&cli, &mut out);
    let stdout = String::from_utf8(out).unwrap();
    match res {
        Ok(status) => (status.code(), stdout, String::new()),
        Err(e) => (
            claimgate::cli::ExitStatus::from(&e).code(),
            stdout,
            render_error(&e),
        ),
    }
}

/// Renders a diagnostic without colour at a fixed width, as a person sees it.
pub fn render_error(e: &dyn miette::Diagnostic) -> String {
    let mut s = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut s, e)
        .unwrap();
    s
}

/// A scratch directory for one test, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        // The process id zero-padded: a path of fixed length wraps rendered errors the same way
        // in every run.
        let p =
            std::env::temp_dir().join(format!("claimgate-test-{name}-{:010}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
