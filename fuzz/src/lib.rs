//! What each fuzz target does with its bytes, shared by the fuzz targets and by the corpus replay
//! test of the main workspace (`engine/tests/fuzz.rs` includes this file).
//!
//! Each target writes the bytes where claimgate reads a file from and runs the real command line
//! in-process, on a thread with the evaluation stack, as `main` does. An error is an answer; a
//! panic or an abort is a finding.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every upstream and native document kind the `document` target feeds its bytes as.
pub const KINDS: [&str; 16] = [
    "runtime_measurement",
    "attestation_result",
    "verifier_decision",
    "key_release",
    "benchmark_result",
    "deployment",
    "operator_trace",
    "trustee_ear",
    "veraison_ear",
    "nvidia_claims",
    "nvidia_overall",
    "nvidia_detached_eat",
    "nvattest",
    "dstack_verify",
    "kbs_error",
    "akash_sdl",
];

/// What a target does with one input.
pub type Target = fn(&[u8]);

/// The targets by name, as their corpus directories are named.
pub const TARGETS: [(&str, Target); 4] = [
    ("bundle", bundle),
    ("document", document),
    ("receipt", receipt),
    ("pack", pack),
];

/// A scratch directory for one input, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("claimgate-fuzz-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `claimgate ARGS` in-process as `main` does; the output is discarded.
fn claimgate(args: &[&str]) {
    use clap::Parser;
    let mut argv = vec!["claimgate"];
    argv.extend_from_slice(args);
    let Ok(cli) = claimgate::cli::Cli::try_parse_from(argv) else {
        return;
    };
    let worker = std::thread::Builder::new()
        .stack_size(claimgate::EVAL_STACK_BYTES)
        .spawn(move || {
            let _ = claimgate::cli::run(&cli, &mut std::io::sink());
        })
        .unwrap();
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Decides the bundle at `file` with JSON and with human output, at a pinned instant.
fn decide(file: &Path) {
    for format in ["json", "human"] {
        claimgate(&[
            "eval",
            s(file),
            "--format",
            format,
            "--at",
            "2026-11-25T12:00:00Z",
        ]);
    }
}

/// The bytes as a bundle manifest (YAML or JSON by the first byte), decided and reported.
pub fn bundle(data: &[u8]) {
    let dir = Scratch::new();
    let name = if data.first() == Some(&b'{') {
        "bundle.json"
    } else {
        "bundle.yaml"
    };
    let file = dir.write(name, data);
    decide(&file);
    claimgate(&["gate", s(&file), "--format", "sarif"]);
}

/// The first byte picks a document kind; the rest is that document, in a bundle that lists it.
pub fn document(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(pick) % KINDS.len()];
    let dir = Scratch::new();
    let ext = if body.first() == Some(&b'{') {
        "json"
    } else {
        "yaml"
    };
    let doc = format!("doc.{ext}");
    dir.write(&doc, body);
    let manifest = format!(
        "schema: claimgate.bundle/v1\nexpected_nonce: \"931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb\"\njob:\n  job_id: fuzz\n  workload_digest: \"sha256:41b543ab74e661d45bee12bece160a52fff521548459cc319ed97f1d85de6756\"\ndocuments:\n  - kind: {kind}\n    path: {doc}\n"
    );
    let file = dir.write("bundle.yaml", manifest.as_bytes());
    decide(&file);
}

/// The bytes as a receipt (or in-toto Statement, or DSSE envelope) to verify, with and without
/// replaying it against a real bundle.
pub fn receipt(data: &[u8]) {
    let dir = Scratch::new();
    let file = dir.write("receipt.json", data);
    claimgate(&["verify", s(&file)]);
    let bundle = repo().join("testdata/bundles/full_pass");
    claimgate(&[
        "verify",
        s(&file),
        "--bundle",
        s(&bundle),
        "--format",
        "json",
    ]);
}

/// The repository root: this file is built in the fuzz crate (`fuzz/`) and, through
/// `engine/tests/fuzz.rs`, in the claimgate package itself (the root).
fn repo() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if dir.join("policies").is_dir() {
        dir.to_path_buf()
    } else {
        dir.join("..")
    }
}

/// The bytes as one more Rego module of a copy of the default pack, compiled and evaluated.
pub fn pack(data: &[u8]) {
    let dir = Scratch::new();
    let root = repo();
    for sub in ["policies", "claims"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap().flatten() {
            if e.path().is_file() {
                let rel = format!("pack/{sub}/{}", e.file_name().to_string_lossy());
                dir.write(&rel, &std::fs::read(e.path()).unwrap());
            }
        }
    }
    dir.write("pack/policies/fuzz.rego", data);
    let pack = dir.0.join("pack");
    let bundle = root.join("testdata/bundles/full_pass");
    claimgate(&[
        "eval",
        s(&bundle),
        "--policy-dir",
        s(&pack),
        "--format",
        "json",
    ]);
}
