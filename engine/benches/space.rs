//! How long the decision table and a policy diff take over the whole evidence space.
//!
//! `cargo bench --bench space` builds the default pack's table, then diffs the default pack
//! against itself (two tables), and prints cells, wall time and cells per second. The goal:
//! at least 10^5 cells, table and diff in seconds on 2 cores.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark reports on stdout"
)]

use claimgate::{Diff, Engine, Pack, Space, Table};
use std::time::Instant;

fn main() {
    let engine = Engine::builder(Pack::embedded()).build().unwrap();
    let threads = rayon::current_num_threads();
    let t = Instant::now();
    let table = Table::build(&engine, &Space::full()).unwrap();
    let table_time = t.elapsed();
    let t = Instant::now();
    let head = Table::build(&engine, &Space::full()).unwrap();
    let diff = Diff::between(&table, &head);
    let diff_time = table_time + t.elapsed();
    let cells = table.outcomes.len();
    println!("evidence space: {cells} cells, {threads} threads");
    println!(
        "  table  {:>8.2} s  ({:.0} cells/s)",
        table_time.as_secs_f64(),
        cells as f64 / table_time.as_secs_f64()
    );
    println!(
        "  diff   {:>8.2} s  (two tables; {} changes)",
        diff_time.as_secs_f64(),
        diff.widened.len() + diff.narrowed.len() + diff.labels.len()
    );
}
