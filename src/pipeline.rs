//! One page through decode -> extract -> normalize, from bytes to its [`PageReport`].
//! Pure: the caller reads the bytes (file, HTTP, or the store) and writes the result.
//!
//! Bad input never panics and never stops the run: an empty body, a PDF, binary data, a
//! truncated page, a page with no progress table each give a report whose `error` says why.

use crate::decode::{self, Decoded};
use crate::extract;
use crate::normalize::{self, Context};
use crate::record::PageReport;
use sha2::{Digest, Sha256};
use std::fmt;

/// The raw bytes of one page and what is known about where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The page URL (`file://` for a local file).
    pub url: String,
    pub bytes: Vec<u8>,
    /// The HTTP Content-Type header, when fetched.
    pub content_type: Option<String>,
    /// ISO 8601 UTC time the bytes were read.
    pub fetched_at: String,
    /// The URL after redirects and the final status, when fetched.
    pub final_url: Option<String>,
    pub http_status: Option<u16>,
    /// The configured publisher for pages that name none.
    pub default_publisher: Option<String>,
    /// The crawl source's name (records' `source_name`); None for scrape.
    pub source_name: Option<String>,
    /// The source's configured county (`county = "文成县"`), over what the page says.
    pub county: Option<String>,
}

/// Why a page gave no records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    Empty,
    NotHtml(&'static str),
    Truncated,
    NoTable,
    NoProgressTable { skipped: usize },
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::Empty => write!(f, "empty input: no bytes to parse"),
            PageError::NotHtml(what) => write!(f, "not an HTML page: {what}"),
            PageError::Truncated => write!(
                f,
                "truncated page: the document ends before </body> or </html>"
            ),
            PageError::NoTable => write!(f, "no table on the page"),
            PageError::NoProgressTable { skipped } => write!(
                f,
                "no recognised progress table ({skipped} table(s) skipped, see skipped_tables)"
            ),
        }
    }
}

/// Hex SHA-256 of the raw bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The current time as ISO 8601 UTC with seconds (`2024-08-28T08:34:00Z`).
pub fn now_utc() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Rejects bytes that cannot be an HTML page, before decoding: a known binary signature, or
/// more than one in ten control bytes (NUL included; not tab, line feed, form feed or carriage
/// return) in the first 8 KiB.
fn sniff_not_html(bytes: &[u8]) -> Option<PageError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Some(PageError::Empty);
    }
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return None;
    }
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (an Office document?)"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\xD0\xCF\x11\xE0", "an old Office document (.doc/.xls)"),
        (b"\x1F\x8B", "gzip-compressed data"),
    ];
    let start = &bytes[bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0)..];
    if let Some((_, what)) = MAGIC.iter().find(|(magic, _)| start.starts_with(magic)) {
        return Some(PageError::NotHtml(what));
    }
    let head = &bytes[..bytes.len().min(8192)];
    // Written without branches so that it is counted 16 bytes at a time: every page pays it.
    let controls: usize = head
        .chunks(255)
        .map(|chunk| {
            chunk.iter().fold(0u8, |n, &b| {
                let control = (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r') & (b != 0x0C);
                n + u8::from(control)
            })
        })
        .map(usize::from)
        .sum();
    // A share, not a single byte: one NUL in a good page (a CMS bug, a flipped byte) must
    // not lose it, and html5ever reads a NUL as nothing.
    if controls * 10 > head.len() {
        return Some(PageError::NotHtml("binary data"));
    }
    None
}

/// The note that says what markup the parser was not given whole (see `extract::guard`).
fn flattened_note(flattened: extract::Flattened) -> Option<String> {
    let mut parts = Vec::new();
    if flattened.too_deep > 0 {
        parts.push(format!(
            "{} element(s) nested deeper than {} levels were closed at once",
            flattened.too_deep,
            extract::MAX_DEPTH
        ));
    }
    if flattened.formatting > 0 {
        parts.push(format!(
            "{} formatting tag(s) beyond {} open ones were ignored",
            flattened.formatting,
            extract::MAX_FORMATTING
        ));
    }
    (!parts.is_empty())
        .then(|| format!("markup flattened: {}; their text is kept", parts.join(", ")))
}

/// Runs one page through the pipeline.
pub fn process(source: &Source) -> PageReport {
    let sha = sha256_hex(&source.bytes);
    let mut report = PageReport::failed(source.url.clone(), String::new());
    report.error = None;
    report.fetched_at = Some(source.fetched_at.clone());
    report.content_sha256 = Some(sha.clone());
    report.final_url = source.final_url.clone();
    report.http_status = source.http_status;

    if let Some(err) = sniff_not_html(&source.bytes) {
        report.error = Some(err.to_string());
        return report;
    }
    let Decoded {
        text,
        encoding,
        source: encoding_source,
        replacement_chars,
        note,
    } = decode::decode(&source.bytes, source.content_type.as_deref());
    report.encoding = Some(encoding.name().to_string());
    report.encoding_source = Some(encoding_source.as_str().to_string());
    report.encoding_note = note;
    report.replacement_chars = replacement_chars;

    let page = extract::extract(&text);
    let ctx = Context {
        source_url: source.url.clone(),
        fetched_at: source.fetched_at.clone(),
        content_sha256: sha,
        default_publisher: source.default_publisher.clone(),
        source_name: source.source_name.clone(),
        county: source.county.clone(),
    };
    let normalized = normalize::normalize(&page, &ctx);
    report.title = normalized.title;
    report.publisher = normalized.publisher;
    report.published_at = normalized.published_at;
    report.notes = normalized.notes;
    if let Some(note) = flattened_note(page.flattened) {
        report.notes.push(note);
    }
    report.duplicates_dropped = page.duplicates_dropped;
    report.duplicate_tables = page
        .duplicates
        .iter()
        .map(|d| crate::record::DuplicateTable {
            same_as: d.same_as,
            first_row: d.first_row.clone(),
        })
        .collect();
    report.skipped_tables = normalized.skipped_tables;
    report.dropped_rows = normalized.dropped_rows;

    if page.truncated {
        report.error = Some(PageError::Truncated.to_string());
        return report;
    }
    if normalized.tables.is_empty() {
        let err = if page.tables.is_empty() {
            PageError::NoTable
        } else {
            PageError::NoProgressTable {
                skipped: report.skipped_tables.len(),
            }
        };
        report.error = Some(err.to_string());
        return report;
    }
    report.tables = normalized.tables;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(bytes: &[u8]) -> Source {
        Source {
            url: "file:///x.html".into(),
            bytes: bytes.to_vec(),
            content_type: None,
            fetched_at: "2026-01-01T00:00:00Z".into(),
            final_url: None,
            http_status: None,
            default_publisher: None,
            source_name: None,
            county: None,
        }
    }

    fn error_of(bytes: &[u8]) -> String {
        process(&source(bytes)).error.unwrap_or_default()
    }

    #[test]
    fn empty_file_is_an_error() {
        assert_eq!(error_of(b""), "empty input: no bytes to parse");
        assert_eq!(error_of(b" \n "), "empty input: no bytes to parse");
    }

    #[test]
    fn pdf_is_not_html() {
        assert_eq!(
            error_of(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"),
            "not an HTML page: a PDF document"
        );
    }

    #[test]
    fn binary_data_is_not_html() {
        assert_eq!(
            error_of(&[0u8, 1, 2, 3, 200, 201, 0, 7]),
            "not an HTML page: binary data"
        );
    }

    #[test]
    fn control_bytes_are_binary_only_above_one_in_ten() {
        // 100 bytes of which 10 are controls: still text; 11: binary.
        let page = |controls: usize| {
            let mut bytes = b"<p>".to_vec();
            bytes.extend(std::iter::repeat_n(0u8, controls));
            bytes.resize(100 - "</html>".len(), b'a');
            bytes.extend_from_slice(b"</html>");
            bytes
        };
        assert_eq!(error_of(&page(10)), "no table on the page");
        assert_eq!(error_of(&page(11)), "not an HTML page: binary data");
    }

    #[test]
    fn html_without_a_table_says_so() {
        assert_eq!(
            error_of(b"<html><body><p>hello</p></body></html>"),
            "no table on the page"
        );
    }

    #[test]
    fn table_with_unknown_headers_is_no_progress_table() {
        let r = process(&source(
            "<html><body><table><tr><td>姓名</td><td>电话</td></tr><tr><td>张三</td><td>123</td></tr></table></body></html>".as_bytes(),
        ));
        assert_eq!(
            r.error.as_deref(),
            Some("no recognised progress table (1 table(s) skipped, see skipped_tables)")
        );
        assert_eq!(r.skipped_tables[0].first_row, vec!["姓名", "电话"]);
    }

    #[test]
    fn truncated_page_is_an_error() {
        let r = process(&source(
            "<html><body><table><tr><td>序号</td><td>项目内容</td><td>牵头单位</td></tr><tr><td>1</td><td>培训".as_bytes(),
        ));
        assert_eq!(
            r.error.as_deref(),
            Some("truncated page: the document ends before </body> or </html>")
        );
        assert!(r.tables.is_empty());
    }
}
