//! Artifact hashing throughput against `openssl dgst -sha256`, side by side in one run.
//!
//! `cargo bench --bench hash` writes a 1 GiB file (or `CLAIMGATE_BENCH_MIB`), then alternates
//! claimgate's streaming sha256 and openssl over it, best of `CLAIMGATE_BENCH_ROUNDS` (3) each,
//! and prints both throughputs and their ratio. The goal is a ratio of at least 0.9.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark reports on stdout"
)]

use claimgate::Digest;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let mib: usize = std::env::var("CLAIMGATE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let rounds: usize = std::env::var("CLAIMGATE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let path = std::env::temp_dir().join(format!("claimgate-bench-{}.bin", std::process::id()));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut block = vec![0u8; 1 << 20];
        for i in 0..mib {
            // Cheap varying content: a counter pattern, not zeros.
            for (j, b) in block.iter_mut().enumerate() {
                *b = (i.wrapping_mul(31) ^ j.wrapping_mul(7)) as u8;
            }
            f.write_all(&block).unwrap();
        }
    }
    let openssl = |path: &std::path::Path| -> Option<(Duration, String)> {
        let t = Instant::now();
        let out = Command::new("openssl")
            .arg("dgst")
            .arg("-sha256")
            .arg("-r")
            .arg(path)
            .output()
            .ok()?;
        let d = t.elapsed();
        let text = String::from_utf8(out.stdout).ok()?;
        Some((d, text.split_whitespace().next()?.to_string()))
    };
    let (mut best_ours, mut best_openssl) = (Duration::MAX, Duration::MAX);
    let mut have_openssl = true;
    for _ in 0..rounds {
        let t = Instant::now();
        let ours = Digest::sha256_file(&path).unwrap();
        best_ours = best_ours.min(t.elapsed());
        match openssl(&path) {
            Some((d, hex)) => {
                assert_eq!(hex, ours.hex, "openssl and claimgate disagree");
                best_openssl = best_openssl.min(d);
            }
            None => have_openssl = false,
        }
    }
    let _ = std::fs::remove_file(&path);
    let rate = |d: Duration| mib as f64 / d.as_secs_f64();
    println!("sha256 of {mib} MiB, best of {rounds}:");
    println!(
        "  claimgate  {:8.1} MiB/s  ({:?})",
        rate(best_ours),
        best_ours
    );
    if have_openssl {
        println!(
            "  openssl    {:8.1} MiB/s  ({:?})",
            rate(best_openssl),
            best_openssl
        );
        println!(
            "  ratio claimgate/openssl = {:.3} (goal >= 0.9)",
            rate(best_ours) / rate(best_openssl)
        );
    } else {
        println!("  openssl not found: no ratio");
    }
}
