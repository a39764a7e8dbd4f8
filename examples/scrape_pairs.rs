//! Throughput of `minsheng scrape` with both cores against `--jobs 1`, measured so that this
//! machine's drift (tens of percent within seconds) cancels out: N pairs of runs, the order
//! inside a pair alternating, and the median of the per-pair ratios.
//!
//! `cargo run --release --example scrape_pairs -- DIR [PAIRS] [BINARY]`: DIR a corpus from
//! `gen_corpus`, PAIRS 15 by default, BINARY `target/release/minsheng` by default (build it
//! first). Outputs go to a temporary folder.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: scrape_pairs DIR [PAIRS] [BINARY]");
        std::process::exit(2);
    };
    let pairs: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(15)
        .max(1);
    let binary = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/release/minsheng".into()),
    );
    let out = tempfile::tempdir().expect("temp dir");
    let run = |one_parser: bool| {
        let mut cmd = Command::new(&binary);
        cmd.arg("scrape").arg(&dir).arg("--out").arg(out.path());
        if one_parser {
            cmd.args(["--jobs", "1"]);
        }
        let start = Instant::now();
        let status = cmd.output().expect("run minsheng").status;
        assert!(status.success(), "{binary:?} scrape {dir}: {status}");
        start.elapsed().as_secs_f64()
    };
    let mut ratios = Vec::with_capacity(pairs);
    let (mut ones, mut boths) = (Vec::new(), Vec::new());
    for i in 0..pairs {
        let (one, both) = if i % 2 == 0 {
            let one = run(true);
            (one, run(false))
        } else {
            let both = run(false);
            (run(true), both)
        };
        println!(
            "pair {}: --jobs 1 {one:.2} s, default {both:.2} s, {:.2}x",
            i + 1,
            one / both
        );
        ratios.push(one / both);
        ones.push(one);
        boths.push(both);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() / 4], v[3 * v.len() / 4])
    };
    let (ratio, low, high) = median(ratios);
    println!(
        "throughput, default / --jobs 1: median {ratio:.2}x, quartiles {low:.2} - {high:.2} \
         (median runs: --jobs 1 {:.2} s, default {:.2} s)",
        median(ones).0,
        median(boths).0
    );
}
