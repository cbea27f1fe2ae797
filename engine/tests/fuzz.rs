//! Replays the fuzz corpus (`fuzz/corpus/<target>/`) through the same code the fuzz targets run,
//! so every input a fuzzer ever kept (and every crash it found, once fixed) stays a test.

#[path = "../../fuzz/src/lib.rs"]
mod targets;

#[test]
fn the_fuzz_corpus_replays_without_a_panic() {
    let mut ran = 0;
    for (name, target) in targets::TARGETS {
        let dir = crate::repo().join("fuzz/corpus").join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: empty corpus", dir.display());
        for f in files {
            let data = std::fs::read(&f).unwrap();
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                panic!("{name}: {} panicked", f.display());
            }
            ran += 1;
        }
    }
    assert!(ran > 0);
}
