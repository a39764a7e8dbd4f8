//! Regression for the fuzz target (fuzz/fuzz_targets/pipeline.rs): every input of its corpus
//! (fuzz/corpus/pipeline, minimized after each fuzzing campaign) and every crash it ever found
//! (fuzz/regressions) goes through decode -> extract -> normalize under each Content-Type,
//! without a panic, and gives a coherent report.

use minsheng::pipeline::{process, Source};
use std::fs;
use std::path::Path;

const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("text/html; charset=utf-8"),
    Some("text/html; charset=gb2312"),
    Some("text/html"),
];

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect()
}

fn check(name: &str, bytes: &[u8]) {
    for content_type in CONTENT_TYPES {
        let report = process(&Source {
            content_type,
            ..Source::file("file:///fuzz.html", bytes, "2026-01-01T00:00:00Z")
        });
        serde_json::to_string(&report).unwrap();
        assert_eq!(report.error.is_none(), !report.tables.is_empty(), "{name}");
        for (i, table) in report.tables.iter().enumerate() {
            assert_eq!(table.table_index, i, "{name}");
            for (j, record) in table.rows.iter().enumerate() {
                assert_eq!((record.table_index, record.row_index), (i, j), "{name}");
                assert_ne!(
                    record.content.as_deref(),
                    Some(""),
                    "{name}: empty string for null"
                );
            }
        }
    }
}

#[test]
fn fuzz_corpus_and_past_crashes_never_panic_and_give_coherent_reports() {
    let corpus = inputs("fuzz/corpus/pipeline");
    assert!(
        corpus.len() >= 20,
        "the committed corpus has {} inputs",
        corpus.len()
    );
    // fuzz/regressions holds every input that ever crashed the target (none so far).
    for (name, bytes) in corpus.iter().chain(&inputs("fuzz/regressions")) {
        check(name, bytes);
    }
}
