//! decode + extract + normalize per page, each beside the bare html5ever parse of the same
//! page (`scraper::Html::parse_document`), which bounds what any HTML-table scraper can do.
//!
//! Run: `cargo bench --bench pipeline`. Ratios are in docs/performance.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use minsheng::pipeline::{process, Source};
use std::path::Path;

#[path = "large_page.rs"]
mod large_page;
use large_page::large_page;

/// The allocator the `minsheng` binary uses (src/main.rs), so that what is measured is what
/// ships: the library leaves that choice to the program.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn source(bytes: &[u8]) -> Source<'_> {
    Source::file("file:///bench.html", bytes, "2026-01-01T00:00:00Z")
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut pages = Vec::new();
    for dir in [root.clone(), root.join("variants")] {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
            .collect();
        files.sort();
        for f in files {
            pages.push((
                f.file_stem().unwrap().to_string_lossy().to_string(),
                std::fs::read(&f).unwrap(),
            ));
        }
    }
    pages
}

fn bench(c: &mut Criterion) {
    let large = large_page();
    let report = process(&source(&large));
    assert_eq!(
        report.records().count(),
        2000,
        "the large page gives 2,000 records"
    );
    assert!(
        large.len() >= 2_000_000,
        "the large page is {} bytes",
        large.len()
    );
    let mut cases = vec![("large_2000_rows".to_string(), large)];
    let all = fixtures();
    let total: usize = all.iter().map(|(_, b)| b.len()).sum();
    cases.push(("all_fixtures".to_string(), Vec::new()));

    let mut group = c.benchmark_group("per_page");
    for (name, bytes) in &cases {
        if name == "all_fixtures" {
            let texts: Vec<String> = all
                .iter()
                .map(|(_, b)| minsheng::pipeline::decode(b, None).text)
                .collect();
            group.throughput(Throughput::Bytes(total as u64));
            group.bench_function(BenchmarkId::new("bare_parse", name), |b| {
                b.iter(|| {
                    for t in &texts {
                        std::hint::black_box(scraper::Html::parse_document(t));
                    }
                })
            });
            let sources: Vec<Source> = all.iter().map(|(_, b)| source(b)).collect();
            group.bench_function(BenchmarkId::new("pipeline", name), |b| {
                b.iter(|| {
                    for s in &sources {
                        std::hint::black_box(process(s));
                    }
                })
            });
            continue;
        }
        let text = minsheng::pipeline::decode(bytes, None).text;
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("bare_parse", name), |b| {
            b.iter(|| std::hint::black_box(scraper::Html::parse_document(&text)))
        });
        let src = source(bytes);
        group.bench_function(BenchmarkId::new("pipeline", name), |b| {
            b.iter(|| std::hint::black_box(process(&src)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
