//! Hostile inputs: every directory under `testdata/hostile/` is one attack, run against the real
//! binary. Each case's `case.yaml` states the expected outcome; whatever it says, the binary must
//! end on its own within the time limit, with a code from the exit-code table and no panic.
//!
//! ```yaml
//! item: [8]                      # the items of the issue this case covers
//! attack: duplicate `kind` key   # one line: what a hostile provider tries
//! args: [eval, bundle, --format, json, --at, "2026-11-25T12:00:00Z"]   # run in the case dir
//! setup: [!fifo bundle/a.yaml, !sparse {path: big.bin, bytes: 1099511627776}, !symlink {path: loop, to: .}]
//! # a broken pack: the embedded pack written to `pack/`, with the files under `overlay/` added
//! setup: [!pack {path: pack, overlay: overlay}]
//! exit: 3                        # expected exit code
//! code: claimgate::bundle::parse # a diagnostic code that must appear on stdout or stderr
//! allowed_lacks: [runtime.environment_attested]  # claim ids the JSON decision must not allow
//! baseline: [eval, baseline, --format, json, --at, "2026-11-25T12:00:00Z"]  # allowed ⊆ baseline's
//! stdout_lacks: ["TEE attestation proves"]       # text that must not reach stdout
//! stdout_has: ["label: benchmark"]                # text that must reach stdout
//! stderr_has: ["duplicate key"]                   # text that must reach stderr
//! timeout_secs: 30               # default 30
//! memory_mb: 2048                # address-space limit for the run (default 4096)
//! ```

use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The exit-code table (`docs/cli.md`): nothing else may come out.
const EXIT_CODES: [i32; 6] = [0, 1, 2, 3, 4, 5];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    item: Vec<u32>,
    attack: String,
    args: Vec<String>,
    #[serde(default)]
    pub setup: Vec<Setup>,
    exit: i32,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    allowed_lacks: Vec<String>,
    #[serde(default)]
    baseline: Option<Vec<String>>,
    #[serde(default)]
    stdout_lacks: Vec<String>,
    #[serde(default)]
    stdout_has: Vec<String>,
    #[serde(default)]
    stderr_has: Vec<String>,
    #[serde(default)]
    timeout_secs: Option<u64>,
    #[serde(default)]
    memory_mb: Option<u64>,
}

/// What git cannot store, made before the run and removed after it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Setup {
    /// A named pipe nobody writes to.
    Fifo(String),
    /// A sparse file of the given length.
    Sparse { path: String, bytes: u64 },
    /// A symbolic link.
    Symlink { path: String, to: String },
    /// The embedded pack written to `path`, with every file under `overlay` added (a case adds
    /// its attack as files of its own; it never edits the pack's text).
    Pack { path: String, overlay: String },
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_binary(dir: &Path, args: &[String], timeout: Duration, memory_mb: u64) -> Ran {
    let out_dir = std::env::temp_dir().join(format!(
        "claimgate-hostile-{}-{}",
        std::process::id(),
        dir.file_name().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&out_dir).unwrap();
    let (out_path, err_path) = (out_dir.join("stdout"), out_dir.join("stderr"));
    let bin = Path::new(env!("CARGO_BIN_EXE_claimgate"))
        .canonicalize()
        .unwrap();
    // An address-space limit turns runaway memory into an abort the test sees.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {}; exec \"$0\" \"$@\"",
            memory_mb * 1024
        ))
        .arg(&bin)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLAIMGATE_ERROR_FORMAT")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&std::fs::read(&out_path).unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).into_owned();
    let _ = std::fs::remove_dir_all(&out_dir);
    let Some(status) = status else {
        panic!(
            "{}: still running after {timeout:?} (hang)\nstderr: {stderr}",
            dir.display()
        );
    };
    Ran {
        code: status.code(),
        stdout,
        stderr,
    }
}

/// The claim ids a JSON decision (`eval --format json`) allows.
fn allowed_ids(stdout: &str, what: &str) -> BTreeSet<String> {
    let d: serde_json::Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("{what}: stdout is not a JSON decision ({e}): {stdout}"));
    d["allowed"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no `allowed` array in {stdout}"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

impl Setup {
    /// The step with its path made relative to `prefix`, if it lies under it (for copies of a
    /// case's bundle directory).
    pub fn within(self, prefix: &str) -> Option<Setup> {
        let strip = |p: String| p.strip_prefix(prefix).map(str::to_string);
        Some(match self {
            Setup::Fifo(p) => Setup::Fifo(strip(p)?),
            Setup::Sparse { path, bytes } => Setup::Sparse {
                path: strip(path)?,
                bytes,
            },
            Setup::Symlink { path, to } => Setup::Symlink {
                path: strip(path)?,
                to,
            },
            // A pack is not part of a bundle.
            Setup::Pack { .. } => return None,
        })
    }
}

impl Setup {
    /// Whether the step makes the file at `path`.
    pub fn makes(&self, path: &str) -> bool {
        match self {
            Setup::Fifo(p)
            | Setup::Sparse { path: p, .. }
            | Setup::Symlink { path: p, .. }
            | Setup::Pack { path: p, .. } => p == path,
        }
    }
}

/// Reads a case's `case.yaml`.
pub fn read_case(dir: &Path) -> Case {
    let text = std::fs::read_to_string(dir.join("case.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}/case.yaml: {e}", dir.display()))
}

/// Makes what the steps describe under `dir`; returns the paths made.
pub fn setup(dir: &Path, steps: &[Setup]) -> Vec<PathBuf> {
    let mut made = Vec::new();
    for s in steps {
        let path = match s {
            Setup::Fifo(p) => {
                let p = dir.join(p);
                let _ = std::fs::remove_file(&p);
                let ok = Command::new("mkfifo").arg(&p).status().unwrap().success();
                assert!(ok, "mkfifo {}", p.display());
                p
            }
            Setup::Sparse { path, bytes } => {
                let p = dir.join(path);
                let f = std::fs::File::create(&p).unwrap();
                f.set_len(*bytes).unwrap();
                p
            }
            Setup::Symlink { path, to } => {
                let p = dir.join(path);
                let _ = std::fs::remove_file(&p);
                std::os::unix::fs::symlink(to, &p).unwrap();
                p
            }
            Setup::Pack { path, overlay } => {
                let p = dir.join(path);
                let _ = std::fs::remove_dir_all(&p);
                crate::policy::write_pack(&p, &dir.join(overlay));
                p
            }
        };
        made.push(path);
    }
    made
}

fn check_case(dir: &Path) {
    let what = dir.display().to_string();
    let case = read_case(dir);
    assert!(
        !case.item.is_empty() && !case.attack.is_empty(),
        "{what}: item and attack"
    );
    let made = setup(dir, &case.setup);
    let timeout = Duration::from_secs(case.timeout_secs.unwrap_or(30));
    let memory = case.memory_mb.unwrap_or(4096);
    let ran = run_binary(dir, &case.args, timeout, memory);
    for p in made {
        if p.is_dir() && !p.is_symlink() {
            let _ = std::fs::remove_dir_all(p);
        } else {
            let _ = std::fs::remove_file(p);
        }
    }
    let ctx = format!(
        "{what} ({})\nstdout: {}\nstderr: {}",
        case.attack, ran.stdout, ran.stderr
    );
    let code = ran
        .code
        .unwrap_or_else(|| panic!("{ctx}\nkilled by a signal (abort or crash)"));
    assert!(
        EXIT_CODES.contains(&code),
        "{ctx}\nexit {code} is not in the table"
    );
    assert!(!ran.stderr.contains("panicked"), "{ctx}\npanicked");
    assert_eq!(code, case.exit, "{ctx}\nexit code");
    if let Some(c) = &case.code {
        assert!(
            ran.stdout.contains(c.as_str()) || ran.stderr.contains(c.as_str()),
            "{ctx}\ndiagnostic code `{c}` not reported"
        );
    }
    for s in &case.stdout_lacks {
        assert!(
            !ran.stdout.contains(s.as_str()),
            "{ctx}\nstdout contains {s:?}"
        );
    }
    for s in &case.stdout_has {
        assert!(ran.stdout.contains(s.as_str()), "{ctx}\nstdout lacks {s:?}");
    }
    for s in &case.stderr_has {
        assert!(ran.stderr.contains(s.as_str()), "{ctx}\nstderr lacks {s:?}");
    }
    if !case.allowed_lacks.is_empty() || case.baseline.is_some() {
        let allowed = allowed_ids(&ran.stdout, &what);
        for id in &case.allowed_lacks {
            assert!(!allowed.contains(id), "{ctx}\n`{id}` is allowed");
        }
        if let Some(args) = &case.baseline {
            let base = run_binary(dir, args, timeout, memory);
            let base_allowed = allowed_ids(&base.stdout, &format!("{what} baseline"));
            let widened: Vec<_> = allowed.difference(&base_allowed).collect();
            assert!(
                widened.is_empty(),
                "{ctx}\nwidened beyond the baseline: {widened:?}"
            );
        }
    }
}

/// Every case under testdata/hostile, each against the real binary.
#[test]
fn every_hostile_case_is_contained() {
    let root = crate::testdata("hostile");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.yaml").is_file())
        .collect();
    // `CLAIMGATE_HOSTILE_CASE=name` runs the cases whose directory name contains `name`.
    if let Ok(only) = std::env::var("CLAIMGATE_HOSTILE_CASE") {
        dirs.retain(|d| {
            d.file_name()
                .unwrap()
                .to_string_lossy()
                .contains(only.as_str())
        });
    }
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases under {}", root.display());
    // Each case is its own process in its own directory: run them a few at a time (one per
    // core), and report the failures in case order.
    let workers = std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .clamp(2, 4);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut failures: Vec<(usize, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut failed = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(d) = dirs.get(i) else { break };
                        if let Err(e) = std::panic::catch_unwind(|| check_case(d)) {
                            let message = match e.downcast::<String>() {
                                Ok(s) => *s,
                                Err(e) => e
                                    .downcast::<&str>()
                                    .map(|s| s.to_string())
                                    .unwrap_or_default(),
                            };
                            failed.push((i, message));
                        }
                    }
                    failed
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    failures.sort();
    let failures: Vec<String> = failures.into_iter().map(|(_, m)| m).collect();
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
}
