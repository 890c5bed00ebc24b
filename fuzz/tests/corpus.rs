//! Every committed input through its target, on stable and without AFL++: the seed corpora
//! (`corpus/<target>/`) and the inputs of every crash the fuzzers found (`regressions/<target>/`,
//! each fixed; see RESULTS.md). `FUZZ_CORPUS=<dir>` adds a directory of inputs for one target
//! (`FUZZ_TARGET`), e.g. a fuzzer's whole queue.

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file() && !path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("corpus").join(target), root.join("regressions").join(target)];
    if std::env::var("FUZZ_TARGET").as_deref() == Ok(target) {
        if let Ok(extra) = std::env::var("FUZZ_CORPUS") {
            dirs.push(PathBuf::from(extra));
        }
    }
    let mut count = 0;
    for dir in dirs {
        for path in inputs(&dir) {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target} panicked on {}", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn request_decoding_corpus() {
    let n = replay("request_decoding", backorder_fuzz::request_decoding::run);
    assert!(n >= 20, "{n} inputs");
}

#[test]
fn record_decoding_corpus() {
    let n = replay("record_decoding", backorder_fuzz::record_decoding::run);
    assert!(n >= 15, "{n} inputs");
}

#[test]
fn command_sequences_corpus() {
    let n = replay("command_sequences", backorder_fuzz::command_sequences::run);
    assert!(n >= 6, "{n} inputs");
}
