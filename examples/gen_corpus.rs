//! Bench helper: writes N county pages derived from the shipped fixtures, with varied content
//! and sizes, for `minsheng scrape DIR` throughput and memory runs (docs/performance.md).
//!
//! `cargo run --release --example gen_corpus -- DIR N`
//!
//! Each page is a fixture (UTF-8, GBK, GB18030 alike) with ASCII-only edits, so every
//! encoding stays valid: a page number comment, 0–49 padding paragraphs of page chrome
//! (sizes vary from the fixture's own up to about 40 KB more), and changed percentages.
//! Pages are spread over 100 subfolders, as an archive of many sites would be.

use std::fs;
use std::path::{Path, PathBuf};

fn fixtures(root: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [root.to_path_buf(), root.join("variants")] {
        for entry in fs::read_dir(&dir).expect("fixtures folder") {
            let path = entry.expect("fixture entry").path();
            if path.extension().is_some_and(|e| e == "html") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|f| fs::read(f).expect("fixture"))
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Replaces every `NN%` (ASCII digits) by a value that depends on the page number.
fn vary_percentages(page: &[u8], n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.len());
    let mut i = 0;
    while i < page.len() {
        if page[i].is_ascii_digit() && (i == 0 || !page[i - 1].is_ascii_digit()) {
            let end = (i..page.len())
                .find(|&j| !page[j].is_ascii_digit())
                .unwrap_or(page.len());
            if page.get(end) == Some(&b'%') && end - i <= 2 {
                let value = (page[i..end]
                    .iter()
                    .fold(0usize, |a, d| a * 10 + usize::from(d - b'0'))
                    + n)
                    % 100;
                out.extend_from_slice(value.to_string().as_bytes());
                i = end;
                continue;
            }
        }
        out.push(page[i]);
        i += 1;
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: gen_corpus DIR N");
        std::process::exit(2);
    }
    let out = PathBuf::from(&args[1]);
    let count: usize = args[2].parse().expect("N is a number");
    let sources = fixtures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"));
    let mut bytes = 0usize;
    for n in 0..count {
        let fixture = &sources[n % sources.len()];
        let mut page = vary_percentages(fixture, n);
        let body = find(&page, b"<body").and_then(|b| find(&page[b..], b">").map(|e| b + e + 1));
        if let Some(at) = body {
            let mut insert =
                format!("\n<!-- generated page {n} -->\n<div class=\"links\">").into_bytes();
            for k in 0..(n * 7919) % 50 {
                insert.extend_from_slice(
                    format!("<p class=\"link-item\"><a href=\"/art/2024/{k}/index_{n}.html\">link {k} of page {n}</a> zhejiang county government portal</p>\n").as_bytes(),
                );
            }
            insert.extend_from_slice(b"</div>\n");
            page.splice(at..at, insert);
        }
        let dir = out.join(format!("site{:03}", n % 100));
        fs::create_dir_all(&dir).expect("create output folder");
        fs::write(dir.join(format!("page{n:06}.html")), &page).expect("write page");
        bytes += page.len();
    }
    eprintln!(
        "wrote {count} pages ({:.1} MB) to {}",
        bytes as f64 / 1e6,
        out.display()
    );
}
