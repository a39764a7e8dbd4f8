//! The floor of `scrape` over a corpus (issue 16): every page read, decoded
//! (`pipeline::decode`) and parsed by html5ever (`scraper::Html::parse_document`), one thread,
//! nothing extracted or written. Prints the pages and the CPU time of the whole process, to
//! set beside `scrape --jobs 1`'s (user + sys) on the same corpus.
//!
//! `cargo run --release --example bare_corpus -- DIR` (DIR a corpus from `gen_corpus`).

use std::path::{Path, PathBuf};

/// The allocator the `minsheng` binary uses, so that both sides allocate alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn pages(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the corpus folder")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            pages(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to write; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime");
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: bare_corpus DIR");
    let mut files = Vec::new();
    pages(Path::new(&dir), &mut files);
    for file in &files {
        let bytes = std::fs::read(file).expect("read a page");
        let text = minsheng::pipeline::decode(&bytes, None).text;
        std::hint::black_box(scraper::Html::parse_document(&text));
    }
    println!("{} pages, CPU {:.3} s", files.len(), cpu_seconds());
}
