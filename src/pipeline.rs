//! One document through sniff -> decode / read -> extract -> normalize (-> prose), from
//! bytes to its [`PageReport`]. Pure but for one thing: a doc / wps / et is converted by
//! LibreOffice when it is installed (`extract::convert`). The caller reads the bytes (file,
//! HTTP, or the store) and writes the result.
//!
//! Which reader: `sniff::sniff` decides from the bytes (then Content-Type, then the name in
//! the URL): HTML as a page; xlsx / xls / ods as a workbook (one table per sheet); docx as a
//! Word file (its tables, and its body for prose); doc / wps / et converted and then read as
//! docx / xlsx, keeping the original kind as `source_format`; pdf reported. See
//! `pipeline/document.rs` for the attachments and `pipeline/prose.rs` for prose pages.
//!
//! Bad input never panics and never stops the run: an empty body, a PDF, binary data, a
//! truncated page, a page with no progress table each give a report whose `error` says why.
//! Two of those are warnings, not failures ([`is_warning`]): `needs LibreOffice` and
//! `pdf not read` — the document is there, this machine just does not read it.

mod document;
mod prose;
mod source;

pub use source::{Fetched, Source};

/// The first stage on its own: a page's bytes as text, with the encoding and what decided it.
pub use crate::decode::{decode, Decoded, EncodingSource};
/// Whether this machine reads doc / wps / et: LibreOffice's `soffice` on PATH.
pub use crate::extract::convert::find_soffice;
/// An attachment link of an article ([`process_with_links`]).
pub use crate::extract::links::AttachmentLink;

use crate::extract::{self, dom::Document};
use crate::normalize;
use crate::record::{PageReport, SourceFormat, TableReport};
use crate::sniff::{self, DocKind};
use sha2::{Digest, Sha256};
use std::fmt;

/// The page error of a doc / wps / et when LibreOffice is not installed (a warning).
pub const NEEDS_LIBREOFFICE: &str = "needs LibreOffice";
/// The page error of a PDF (a warning).
pub const PDF_NOT_READ: &str = "pdf not read";

/// An error that is a warning, not a failure: the document is there, but this machine does
/// not read it (DESIGN "Attachments": it leaves the exit status as it is).
pub fn is_warning(error: &str) -> bool {
    error == NEEDS_LIBREOFFICE || error == PDF_NOT_READ
}

/// A report that failed (its error is not a warning).
pub fn is_failure(report: &PageReport) -> bool {
    report.error.as_deref().is_some_and(|e| !is_warning(e))
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

/// The file name a URL ends in, for sniffing and titles (see `extract::links::file_name_of`).
pub fn name_in_url(url: &str) -> Option<String> {
    extract::links::file_name_of(&url::Url::parse(url).ok()?)
}

/// What became of an attachment, from its report.
pub fn attachment_outcome(report: &PageReport) -> crate::record::AttachmentOutcome {
    use crate::record::AttachmentOutcome;
    match report.error.as_deref() {
        None => AttachmentOutcome::Read,
        Some(e) if is_warning(e) => AttachmentOutcome::Skipped(e.to_string()),
        Some(e) => AttachmentOutcome::Failed(e.to_string()),
    }
}

/// The source_format of a kind of document (pdf and unknown kinds are never read).
fn format_of(kind: &DocKind) -> SourceFormat {
    match kind {
        DocKind::Xlsx => SourceFormat::Xlsx,
        DocKind::Xls => SourceFormat::Xls,
        DocKind::Ods => SourceFormat::Ods,
        DocKind::Docx => SourceFormat::Docx,
        DocKind::Doc => SourceFormat::Doc,
        DocKind::Wps => SourceFormat::Wps,
        DocKind::Et => SourceFormat::Et,
        DocKind::Pdf => SourceFormat::Pdf,
        DocKind::Html | DocKind::Unknown(_) => SourceFormat::Html,
    }
}

/// Runs one document through the pipeline.
pub fn process(source: &Source) -> PageReport {
    read(source, false).0
}

/// [`process`], and the attachment links of an HTML document (none for other documents)
/// resolved against the URL it was had from (after redirects), read from the same parse of
/// the page.
pub fn process_with_links(source: &Source) -> (PageReport, Vec<AttachmentLink>) {
    read(source, true)
}

fn read(source: &Source, want_links: bool) -> (PageReport, Vec<AttachmentLink>) {
    let sha = sha256_hex(source.bytes);
    let mut report = PageReport::failed(source.url.to_string(), String::new());
    report.error = None;
    report.article_url = source.article();
    report.fetched_at = Some(source.fetched_at.to_string());
    report.content_sha256 = Some(sha.clone());
    report.final_url = source.final_url.map(str::to_string);
    report.http_status = source.http_status;

    if source.bytes.iter().all(u8::is_ascii_whitespace) {
        report.error = Some(PageError::Empty.to_string());
        return (report, Vec::new());
    }
    let name = name_in_url(source.url);
    let kind = sniff::sniff(source.bytes, source.content_type, name.as_deref());
    report.source_format = format_of(&kind);
    let want_links = want_links && kind == DocKind::Html;
    let mut links = Vec::new();
    match kind {
        DocKind::Html | DocKind::Unknown(_) => links = html(source, &sha, &mut report, want_links),
        DocKind::Pdf => report.error = Some(PDF_NOT_READ.to_string()),
        kind => document::read(source, &sha, &kind, source.bytes, &mut report),
    }
    finish(&mut report);
    (report, links)
}

/// What every report gets once its tables are known: the document's format and article on
/// each record, and completion from the progress note where a table has no completion column.
fn finish(report: &mut PageReport) {
    let (format, article) = (report.source_format, report.article_url.clone());
    for table in &mut report.tables {
        if format != SourceFormat::Html {
            for record in &mut table.rows {
                if record.source_format != SourceFormat::Prose {
                    record.source_format = format;
                }
            }
        }
        for record in &mut table.rows {
            record.article_url.clone_from(&article);
        }
        completion_from_notes(table);
    }
}

/// DESIGN "Numbers": a table with no completion column takes completion_pct from its
/// progress_note by the prose rules' completion signals (`完成年度计划的60%` → 60.0,
/// `已全部完成` → 100.0), else null.
fn completion_from_notes(table: &mut TableReport) {
    use normalize::headers::{map_columns, Column, Field};
    let has_completion = map_columns(&table.headers).iter().any(|c| {
        matches!(
            c,
            Column::Field {
                field: Field::Completion,
                ..
            }
        )
    });
    if has_completion {
        return;
    }
    for record in &mut table.rows {
        if record.completion_pct.is_none() && record.source_format != SourceFormat::Prose {
            if let Some(note) = &record.progress_note {
                record.completion_pct = crate::prose::completion(note).value();
            }
        }
    }
}

/// An HTML page: decode, extract, normalize; prose when it has no progress table.
/// Reads an HTML page into `report`, parsing it once; its attachment links when `want_links`.
fn html(
    source: &Source,
    sha: &str,
    report: &mut PageReport,
    want_links: bool,
) -> Vec<AttachmentLink> {
    if let Some(err) = sniff_not_html(source.bytes) {
        report.error = Some(err.to_string());
        return Vec::new();
    }
    let Decoded {
        text,
        encoding,
        source: encoding_source,
        replacement_chars,
        note,
    } = decode(source.bytes, source.content_type);
    report.encoding = Some(encoding.name().to_string());
    report.encoding_source = Some(encoding_source.as_str().to_string());
    report.encoding_note = note;
    report.replacement_chars = replacement_chars;

    let document = Document::parse(&text);
    let base = source.final_url.unwrap_or(source.url);
    let links = match url::Url::parse(base) {
        Ok(base) if want_links => extract::links::attachment_links_of(&document, &base),
        _ => Vec::new(),
    };
    let page = extract::extract_from(&document, &text);
    let ctx = source.context(sha);
    let normalized = normalize::normalize(&page, &ctx);
    report.title = normalized.title.clone();
    report.publisher = normalized.publisher.clone();
    report.published_at = normalized.published_at.clone();
    report.notes = normalized.notes.clone();
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
    report.skipped_tables = normalized.skipped_tables.clone();
    report.dropped_rows = normalized.dropped_rows.clone();

    if page.truncated {
        report.error = Some(PageError::Truncated.to_string());
        return links;
    }
    if normalized.tables.is_empty() {
        let err = if page.tables.is_empty() {
            PageError::NoTable
        } else {
            PageError::NoProgressTable {
                skipped: report.skipped_tables.len(),
            }
        };
        let paragraphs = extract::body::paragraphs_of(&document);
        let notes = report.notes.clone();
        let others: Vec<&str> = page
            .meta
            .headings
            .iter()
            .chain(&notes)
            .map(String::as_str)
            .collect();
        prose::read(&ctx, &paragraphs, &others, err, report);
        return links;
    }
    report.tables = normalized.tables;
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(bytes: &[u8]) -> Source<'_> {
        Source::file("file:///x.html", bytes, "2026-01-01T00:00:00Z")
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
    fn pdf_is_reported_not_read_as_a_warning() {
        let r = process(&source(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"));
        assert_eq!(r.error.as_deref(), Some("pdf not read"));
        assert_eq!(r.source_format, SourceFormat::Pdf);
        assert!(!is_failure(&r));
        assert!(is_warning("needs LibreOffice"));
        assert!(!is_warning("no table on the page"));
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
        assert_eq!(
            error_of(&page(10)),
            "no table on the page; prose: no numbered items in the text"
        );
        assert_eq!(error_of(&page(11)), "not an HTML page: binary data");
    }

    #[test]
    fn html_without_a_table_says_so() {
        assert_eq!(
            error_of(b"<html><body><p>hello</p></body></html>"),
            "no table on the page; prose: no numbered items in the text"
        );
    }

    #[test]
    fn table_with_unknown_headers_is_no_progress_table() {
        let r = process(&source(
            "<html><body><table><tr><td>姓名</td><td>电话</td></tr><tr><td>张三</td><td>123</td></tr></table></body></html>".as_bytes(),
        ));
        assert_eq!(
            r.error.as_deref(),
            Some("no recognised progress table (1 table(s) skipped, see skipped_tables); prose: no numbered items in the text")
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

    #[test]
    fn a_table_without_a_completion_column_takes_it_from_the_progress_note() {
        let page = "<html><body><h1>泰顺县2024年民生实事进度</h1><table>\
            <tr><td>序号</td><td>项目内容</td><td>牵头单位</td><td>进展情况</td></tr>\
            <tr><td>1</td><td>新建幼儿园3所</td><td>县教育局</td><td>目前已完成主体工程，完成年度计划的60%。</td></tr>\
            <tr><td>2</td><td>改造校舍5处</td><td>县教育局</td><td>已全部完成。</td></tr>\
            <tr><td>3</td><td>新建村卫生室20个</td><td>县卫健局</td><td>同比增长12%，正在推进。</td></tr>\
            </table></body></html>";
        let r = process(&source(page.as_bytes()));
        let got: Vec<Option<f64>> = r.records().map(|r| r.completion_pct).collect();
        assert_eq!(got, [Some(60.0), Some(100.0), None]);
    }

    #[test]
    fn a_table_with_a_completion_column_keeps_its_own_value() {
        let page = "<html><body><table>\
            <tr><td>序号</td><td>项目内容</td><td>完成率</td><td>进展情况</td></tr>\
            <tr><td>1</td><td>新建幼儿园3所</td><td>待定</td><td>完成年度计划的60%</td></tr>\
            </table></body></html>";
        let r = process(&source(page.as_bytes()));
        let record = r.records().next().unwrap();
        assert_eq!(record.completion_pct, None);
        assert_eq!(record.extra["完成率"], "待定");
    }

    #[test]
    fn a_page_without_a_table_is_read_as_prose() {
        let page = "<html><body><h1>文成县2024年民生实事项目上半年进展情况</h1>\
            <p>一、教育类</p>\
            <p>1.新建幼儿园3所。目前已完成主体工程，完成年度计划的60%。（牵头单位：县教育局）</p>\
            <p>2.改造校舍5处。已全部完成。</p>\
            <p>二、卫生类</p>\
            <p>1.新建村卫生室20个。完成率达85%，同比增长12%。</p>\
            <p>2.开展免费体检。正在推进。</p></body></html>";
        let r = process(&source(page.as_bytes()));
        assert_eq!(r.error, None);
        let prose = r.prose.as_ref().unwrap();
        assert_eq!((prose.considered, prose.read), (4, 3));
        assert_eq!(prose.verdict, "3 items read from prose");
        assert_eq!(prose.rejected[0].reason, "no progress signal");
        let first = r.records().next().unwrap();
        assert_eq!(first.source_format, SourceFormat::Prose);
        assert_eq!(first.category.as_deref(), Some("教育类"));
        assert_eq!(first.county.as_deref(), Some("文成县"));
        assert_eq!(first.as_of.as_deref(), Some("2024-06-30"));
        assert_eq!(first.report_year, Some(2024));
        assert_eq!(first.article_url, "file:///x.html");
        let rows: Vec<(usize, Option<i64>)> = r.records().map(|r| (r.row_index, r.seq)).collect();
        assert_eq!(rows, [(0, Some(1)), (1, Some(2)), (2, Some(1))]);
    }

    #[test]
    fn the_name_in_a_url_is_its_file_name_parameter_else_its_last_segment() {
        assert_eq!(
            name_in_url("http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=a.xlsx")
                .as_deref(),
            Some("a.xlsx")
        );
        assert_eq!(
            name_in_url("http://x.gov.cn/attach/%E8%BF%9B%E5%BA%A6.docx").as_deref(),
            Some("进度.docx")
        );
        assert_eq!(name_in_url("http://x.gov.cn/"), None);
    }
}
