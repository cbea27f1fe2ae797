//! Load: `gate` over 5,000 bundles, every hostile bundle mixed in with copies of the good ones.
//! Every good bundle is decided, every bundle is reported, and the run stays under 1 GB.
//!
//! Not run by default (it builds 5,000 directories); run it in release:
//!
//! ```text
//! cargo test --release --test main load -- --ignored --nocapture
//! ```

use crate::hostile::{read_case, setup, Setup};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BUNDLES: usize = 5_000;
const MEMORY_LIMIT_KB: u64 = 1024 * 1024;

fn copy_dir(from: &Path, to: &Path) {
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap()
        .success();
    assert!(ok, "cp -a {} {}", from.display(), to.display());
}

/// Hostile cases whose attack is a bundle directory named `bundle`, with their `setup` steps.
fn hostile_bundles() -> Vec<(PathBuf, Vec<Setup>)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(crate::testdata("hostile"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("bundle").is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            let setup: Vec<Setup> = read_case(&d)
                .setup
                .into_iter()
                .filter_map(|s| s.within("bundle/"))
                .collect();
            (d.join("bundle"), setup)
        })
        // A case whose bundle is one file inside `bundle/` is no bundle directory to gate.
        .filter(|(b, setup)| {
            ["bundle.yaml", "bundle.yml", "bundle.json"]
                .iter()
                .any(|m| b.join(m).symlink_metadata().is_ok())
                || setup.iter().any(|s| s.makes("bundle.yaml"))
        })
        .collect()
}

#[test]
#[ignore = "load test: 5,000 bundles; run with --release -- --ignored"]
fn gate_over_5000_bundles_with_every_hostile_case() {
    let root = crate::Scratch::new("load");
    let mut good: Vec<PathBuf> = std::fs::read_dir(crate::testdata("bundles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    good.sort();
    let hostile = hostile_bundles();
    let mut expect_decided = Vec::new();
    for i in 0..BUNDLES {
        let name = format!("b{i:05}");
        let to = root.0.join(&name);
        if i % 10 == 0 && i / 10 < hostile.len() * 4 {
            let (dir, setup_steps) = &hostile[(i / 10) % hostile.len()];
            copy_dir(dir, &to);
            setup(&to, setup_steps);
        } else {
            copy_dir(&good[i % good.len()], &to);
            expect_decided.push(name);
        }
    }
    let out_file = root.0.join("gate.json");
    let started = std::time::Instant::now();
    let run = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_claimgate"))
        .args(["gate", "--format", "json"])
        .arg(&root.0)
        .env("NO_COLOR", "1")
        .stdout(std::fs::File::create(&out_file).unwrap())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let max_rss_kb: u64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no max RSS in {stderr}"));
    let code = run.status.code();
    assert!(
        matches!(code, Some(0..=5)),
        "exit {code:?}, stderr: {stderr}"
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    let bundles = report["bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), BUNDLES, "every bundle reported once");
    let decided: std::collections::BTreeSet<String> = bundles
        .iter()
        .filter(|b| b["status"] != "error")
        .filter_map(|b| {
            Path::new(b["path"].as_str()?)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .collect();
    for name in &expect_decided {
        assert!(decided.contains(name), "good bundle {name} was not decided");
    }
    #[expect(
        clippy::print_stdout,
        reason = "the load figures are this test's report"
    )]
    {
        println!(
            "load: {BUNDLES} bundles ({} hostile) in {elapsed:.1?}, max RSS {} MB, exit {code:?}",
            BUNDLES - expect_decided.len(),
            max_rss_kb / 1024
        );
    }
    assert!(
        max_rss_kb < MEMORY_LIMIT_KB,
        "max RSS {max_rss_kb} KB is over 1 GB"
    );
}
