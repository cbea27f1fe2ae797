//! Output that cannot be written: a closed or full stdout, a closed stderr, a full disk under
//! `--receipt`. Each runs the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_claimgate"));
    c.env("NO_COLOR", "1")
        .env_remove("CLAIMGATE_ERROR_FORMAT")
        .stdin(Stdio::null());
    c
}

fn not_run(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "NOT RUN: output::{why}");
}

fn bundle(name: &str) -> String {
    crate::testdata(&format!("bundles/{name}"))
        .display()
        .to_string()
}

/// A gate that fails, its stdout closed before it writes (`| head -c0`), still fails.
#[test]
fn a_closed_stdout_keeps_the_verdict() {
    let mut child = bin()
        .args(["gate", &bundle("benchmark_only")])
        .args(["--require", "job.ran_under_policy", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// An error reported on a closed stderr is still the error's exit code, not a panic (101).
#[test]
fn a_closed_stderr_is_not_a_panic() {
    let mut child = bin()
        .args([
            "eval",
            &crate::testdata("bad/yaml_syntax").display().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3));
}

/// A passing gate with both streams closed exits 0: nothing went wrong that anyone reads.
#[test]
fn closed_streams_leave_success_alone() {
    let mut child = bin()
        .args([
            "gate",
            &bundle("full_pass"),
            "--require",
            "job.ran_under_policy",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// A full stdout (`> /dev/full`) is an I/O error with its own code.
#[test]
fn a_full_stdout_is_an_io_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        not_run("a_full_stdout_is_an_io_error: no /dev/full");
        return;
    };
    let out = bin()
        .args(["eval", &bundle("full_pass")])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("claimgate::io"), "{stderr}");
}

/// Runs `eval --receipt PATH`, which must fail with `claimgate::io` (exit 3); returns stderr.
fn receipt_io_error(path: &Path) -> String {
    let out = bin()
        .args(["eval", &bundle("full_pass"), "--receipt"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("claimgate::io"), "{stderr}");
    stderr
}

/// `--receipt` into a missing directory: `claimgate::io`, naming the file.
#[test]
fn an_unwritable_receipt_is_an_io_error() {
    let path = std::env::temp_dir().join(format!(
        "claimgate-no-such-dir-{}/r.json",
        std::process::id()
    ));
    let stderr = receipt_io_error(&path);
    assert!(!stderr.contains("claimgate::receipt::input"), "{stderr}");
    assert!(stderr.contains("r.json"), "{stderr}");
}

struct Tmpfs(PathBuf);

impl Tmpfs {
    /// A small tmpfs, when this process may mount one (root); else `None`.
    fn mount(bytes: u64) -> Option<Tmpfs> {
        let dir = std::env::temp_dir().join(format!("claimgate-tmpfs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            Some(Tmpfs(dir))
        } else {
            let _ = std::fs::remove_dir(&dir);
            None
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn fill(dir: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(dir.join("filler")).unwrap();
    let chunk = [0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
}

/// `--receipt` onto a full disk: an I/O error, the old receipt left whole, no temporary file.
#[test]
fn a_receipt_onto_a_full_disk_leaves_the_old_file() {
    let Some(fs) = Tmpfs::mount(64 * 1024) else {
        not_run("a_receipt_onto_a_full_disk_leaves_the_old_file: cannot mount a tmpfs (not root?)");
        return;
    };
    let receipt = fs.0.join("receipt.json");
    std::fs::write(&receipt, b"old receipt").unwrap();
    fill(&fs.0);
    receipt_io_error(&receipt);
    assert_eq!(std::fs::read(&receipt).unwrap(), b"old receipt");
    let mut names: Vec<String> = std::fs::read_dir(&fs.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["filler", "receipt.json"]);
    // With room again, the same command writes the whole receipt.
    std::fs::remove_file(fs.0.join("filler")).unwrap();
    let out = bin()
        .args(["eval", &bundle("full_pass"), "--receipt"])
        .arg(&receipt)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&receipt).unwrap();
    let _: serde_json::Value = serde_json::from_str(&text).unwrap();
}

/// SIGTERM at any moment leaves no partial report: stdout is empty or the whole report
/// (which ends with the summary line).
#[test]
fn a_terminated_run_prints_all_or_nothing() {
    let summary = "passed, ";
    for delay_ms in [0u64, 20, 60, 120, 250] {
        let mut child = bin()
            .args(["test"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let mut stdout = child.stdout.take().unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        let _ = child.wait();
        let complete = text.lines().last().is_some_and(|l| l.contains(summary));
        assert!(
            text.is_empty() || complete,
            "killed after {delay_ms} ms, partial report:\n{text}"
        );
    }
}
