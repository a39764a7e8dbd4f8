//! How raw versions and records are written: zlib for the raw bytes, the row keys that
//! version records, and the hash that says whether a record changed.

use super::*;

/// The compressor of raw versions: zlib at the fast level. Raw versions are written for
/// every new page and read back only by `reparse`, so compressing runs in the crawl's hot path.
/// On 3 KB of the seed page: a fresh compressor at the default level took 180 µs, at the fast
/// level 150 µs, the fast one reused 35 µs, for an output 6% larger than the default's.
pub(super) fn deflater() -> Compress {
    Compress::new(Compression::fast(), true)
}

/// Turns any error met while doing `context` in the store at `path` into a [`StoreError`].
/// It borrows, so it is `Copy`: one value serves every `?` of a transaction.
pub(super) fn failing<'a, E: std::error::Error + Send + Sync + 'static>(
    path: &'a Path,
    context: &'a str,
) -> impl Fn(E) -> StoreError + Copy + 'a {
    move |e| StoreError::caused_by(path, context, e)
}

/// One zlib stream of `bytes`, with the store's compressor made or reset and reused.
pub(super) fn compress(deflate: &mut Option<Compress>, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let deflate = match deflate {
        Some(deflate) => {
            deflate.reset();
            deflate
        }
        None => deflate.insert(deflater()),
    };
    let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
    loop {
        let read = usize::try_from(deflate.total_in()).unwrap_or(bytes.len());
        match deflate.compress_vec(
            &bytes[read.min(bytes.len())..],
            &mut out,
            FlushCompress::Finish,
        )? {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
        }
    }
}

pub(super) fn decompress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    ZlibDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

/// A record's identity within its page: `seq=N` when every row of its table has a distinct
/// 序号, else `row=N`; with its position, its JSON text and its [`content_hash`].
pub(super) fn row_keys(report: &PageReport) -> Vec<(usize, String, usize, String, String)> {
    let mut out = Vec::new();
    for table in &report.tables {
        let seqs: Vec<Option<i64>> = table.rows.iter().map(|r| r.seq).collect();
        let distinct: HashSet<i64> = seqs.iter().flatten().copied().collect();
        let by_seq = seqs.iter().all(Option::is_some) && distinct.len() == seqs.len();
        for r in &table.rows {
            let key = match (by_seq, r.seq) {
                (true, Some(seq)) => format!("seq={seq}"),
                _ => format!("row={}", r.row_index),
            };
            let (text, hash) = match serde_json::to_string(r) {
                Ok(text) => {
                    let hash = content_hash(r, &text);
                    (text, hash)
                }
                Err(_) => ("null".to_string(), content_hash_of_value(&Value::Null)),
            };
            out.push((r.table_index, key, r.row_index, text, hash));
        }
    }
    out
}

/// Hash of what a record says, without when and from which bytes it was read: the SHA-256 of
/// its JSON (`text`) without `fetched_at` and `content_sha256`. Those two keys stand side by
/// side (the last two of Record schema v1, followed by the nine v2 columns), so the text is
/// cut around them rather than a JSON value built, cloned and edited per row; the value route
/// stays for a record whose text does not read so. Only fixed keys follow them, so the last
/// occurrence of the pair is the record's own.
pub(super) fn content_hash(record: &Record, text: &str) -> String {
    let pair = serde_json::to_string(&record.fetched_at)
        .and_then(|at| Ok((at, serde_json::to_string(&record.content_sha256)?)))
        .map(|(at, sha)| format!(",\"fetched_at\":{at},\"content_sha256\":{sha}"));
    match pair.ok().and_then(|pair| {
        text.rfind(pair.as_str())
            .map(|at| format!("{}{}", &text[..at], &text[at + pair.len()..]))
    }) {
        Some(without) => sha256_hex(without.as_bytes()),
        None => content_hash_of_value(&serde_json::from_str(text).unwrap_or(Value::Null)),
    }
}

/// [`content_hash`] on a JSON value (the other keys keep their order).
pub(super) fn content_hash_of_value(record: &Value) -> String {
    let mut v = record.clone();
    if let Value::Object(map) = &mut v {
        map.shift_remove("fetched_at");
        map.shift_remove("content_sha256");
    }
    sha256_hex(v.to_string().as_bytes())
}
