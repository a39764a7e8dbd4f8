//! Profiling helper: runs either the bare html5ever parse or the whole pipeline over every
//! fixture N times, so `perf stat -e instructions` or `valgrind --tool=callgrind` can compare
//! the two by instruction count, which machine load does not change.
//!
//! `cargo run --release --example parse_cost -- (parse|pipeline) [N] [large]`: with `large`,
//! the 2 MB page of 2,000 rows instead of the fixtures.
//!
//! `... -- interleaved [N] [large]` times the two in alternation, one round of each at a time,
//! and prints the median of the N per-round ratios: on a shared machine whose speed drifts
//! by tens of percent within seconds, the two halves of a round see the same machine.

use minsheng::pipeline::{process, Source};

#[path = "../benches/large_page.rs"]
mod large_page;
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "pipeline".into());
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20)
        .max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut pages = Vec::new();
    for dir in [root.clone(), root.join("variants")] {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
            .collect();
        files.sort();
        pages.extend(files.iter().map(|f| std::fs::read(f).expect("fixture")));
    }
    if args.next().as_deref() == Some("large") {
        pages = vec![large_page::large_page()];
    }
    let texts: Vec<String> = pages
        .iter()
        .map(|b| minsheng::pipeline::decode(b, None).text)
        .collect();
    if mode == "interleaved" {
        let rounds: Vec<(f64, f64)> = (0..n)
            .map(|_| {
                let start = std::time::Instant::now();
                for text in &texts {
                    std::hint::black_box(scraper::Html::parse_document(text));
                }
                let parse = start.elapsed().as_secs_f64();
                let start = std::time::Instant::now();
                for bytes in &pages {
                    std::hint::black_box(process(&source(bytes)));
                }
                (parse, start.elapsed().as_secs_f64())
            })
            .collect();
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[n / 2], v[n / 4], v[3 * n / 4])
        };
        let (ratio, low, high) = median(rounds.iter().map(|(p, q)| q / p).collect());
        println!(
            "pipeline / bare parse, wall time, {} pages, {n} rounds: median {ratio:.3}, quartiles {low:.3} - {high:.3}",
            pages.len(),
        );
        println!(
            "median round: bare parse {:.2} ms, pipeline {:.2} ms",
            1e3 * median(rounds.iter().map(|r| r.0).collect()).0,
            1e3 * median(rounds.iter().map(|r| r.1).collect()).0
        );
        return;
    }
    let mut records = 0;
    for _ in 0..n {
        for (bytes, text) in pages.iter().zip(&texts) {
            if mode == "parse" {
                std::hint::black_box(scraper::Html::parse_document(text));
            } else {
                let report = process(&source(bytes));
                records += report.records().count();
            }
        }
    }
    eprintln!("{mode}: {} pages x {n}, {records} records", pages.len());
}

fn source(bytes: &[u8]) -> Source<'_> {
    Source::file("file:///x.html", bytes, "")
}
