//! Times one hostile page through the whole pipeline: deep or wide markup made to find
//! quadratic paths (issue 11, rows 7 and 8). Run in release, under `/usr/bin/time -v` for the
//! peak memory:
//!
//! ```sh
//! cargo run --release --example hostile_markup -- tables 100000
//! ```
//!
//! Kinds: `tables` (nested `<table><tr><td>`), `closed-tables` (the same with their end tags,
//! the 3.3 MB page of the issue at 100,000), `divs` (nested `<div>`), `bold` (unclosed
//! `<b>`), `fonts` (unclosed `<font>` with distinct attributes), `columns` (one row of cells),
//! `paragraphs` (unclosed `<font>`s of distinct colours, each in its own `<p>`, so every
//! paragraph reopens them all), `headings` (nested `<div class="title">`).

use minsheng::pipeline::{process, Source};
use std::time::Instant;

fn page(kind: &str, n: usize) -> String {
    let mut html = String::from("<html><head><title>t</title></head><body>");
    match kind {
        "tables" => {
            html.push_str(&"<table><tr><td>".repeat(n));
            html.push_str("序号");
        }
        "closed-tables" => {
            html.push_str(&"<table><tr><td>".repeat(n));
            html.push_str("序号");
            html.push_str(&"</td></tr></table>".repeat(n));
        }
        "divs" => {
            html.push_str(&"<div>".repeat(n));
            html.push('x');
        }
        "bold" => {
            html.push_str(&"<b>".repeat(n));
            html.push('x');
        }
        "fonts" => {
            for i in 0..n {
                html.push_str(&format!("<font id=f{i}>"));
            }
            html.push('x');
        }
        "columns" => {
            html.push_str("<table><tr>");
            for i in 0..n {
                html.push_str(&format!("<td>{i}</td>"));
            }
            html.push_str("</tr></table>");
        }
        "paragraphs" => {
            for i in 0..n {
                html.push_str(&format!("<p><font color=c{i}>x"));
            }
        }
        "headings" => {
            html.push_str(&"<div class=title>".repeat(n));
            html.push('x');
        }
        other => panic!("unknown kind {other}"),
    }
    html.push_str("</body></html>");
    html
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().map_or("tables", String::as_str);
    let n: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let html = page(kind, n);
    let started = Instant::now();
    let url = format!("file:///{kind}.html");
    let report = process(&Source::file(&url, html.as_bytes(), "2026-01-01T00:00:00Z"));
    println!(
        "{kind} x{n}: {} bytes, {:.3} s, error {:?}, notes {:?}",
        html.len(),
        started.elapsed().as_secs_f64(),
        report.error,
        report.notes
    );
}
