//! Whatever the bytes, decode -> extract -> normalize must not panic, and its report must
//! serialize. The first byte picks the Content-Type header the bytes arrive with, so the
//! header/fallback decoding paths are fuzzed too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minsheng::pipeline::{process, Source};

const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("text/html; charset=utf-8"),
    Some("text/html; charset=gb2312"),
    Some("text/html"),
];

fuzz_target!(|data: &[u8]| {
    let (content_type, bytes) = match data.split_first() {
        Some((first, rest)) => (CONTENT_TYPES[usize::from(*first) % 4], rest),
        None => (None, data),
    };
    let report = process(&Source {
    content_type,
    ..Source::file("file:///fuzz.html", bytes, "2026-01-01T00:00:00Z")
   });
    serde_json::to_string(&report).expect("a report always serializes");
});
