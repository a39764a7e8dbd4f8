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
        url: "file:///fuzz.html".into(),
        bytes: bytes.to_vec(),
        content_type: content_type.map(str::to_string),
        fetched_at: "2026-01-01T00:00:00Z".into(),
        final_url: None,
        http_status: None,
        default_publisher: None,
        ..Default::default()
    });
    serde_json::to_string(&report).expect("a report always serializes");
});
