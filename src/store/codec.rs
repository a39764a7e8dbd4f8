//! How raw versions and records are written: zlib for the raw bytes, the row keys that
//! version records, and the hash that says whether a record changed.

use super::*;
use sha2::{Digest, Sha256};

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
            // A Record always serializes: its map keys are strings.
            let text = serde_json::to_string(r).unwrap_or_else(|_| "null".to_string());
            out.push((r.table_index, key, r.row_index, text, content_hash(r)));
        }
    }
    out
}

/// Hash of what a record says, not when or from which bytes it was read: the SHA-256 of the
/// record's JSON with `fetched_at` and `content_sha256` empty. serde writes a Record's keys
/// in the order they are declared and `extra` in its columns' order, so the same record
/// always hashes the same, whatever text it was stored as (store schema version 5; version 4
/// cut the two keys out of the stored text, see [`super::schema::rehash`]).
pub(super) fn content_hash(record: &Record) -> String {
    let content = Record {
        fetched_at: String::new(),
        content_sha256: String::new(),
        ..record.clone()
    };
    let mut hash = HashWriter(Sha256::new());
    // Writing into a hasher never fails, and a Record always serializes.
    let _ = serde_json::to_writer(&mut hash, &content);
    hex::encode(hash.0.finalize())
}

/// An `io::Write` that hashes what is written, so a record is hashed without its text.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
