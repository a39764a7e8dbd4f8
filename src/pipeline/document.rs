//! Attachments: workbooks (xlsx / xls / ods), Word files (docx), and doc / wps / et through
//! LibreOffice, read into grids that meet the same table selection and normalization as HTML
//! tables (DESIGN "Attachments").
//!
//! Each sheet of a workbook, and each table of a Word file, is one table of the page; sheets
//! never continue one another (a Word table may continue the one before it, as in HTML).
//! Page fields (DESIGN "Page fields of an attachment"):
//! - title: the title row above a progress table's header, or in a Word file the paragraph
//!   right above it; else the link text without its extension; else the file name's stem;
//! - publisher and published_at: the linking article's; for a local file, a `填报单位：` /
//!   `单位：` line above or below a table gives publisher and a `填报日期：` / `日期：` line
//!   published_at, else null.
//!
//! A Word file without a progress table is read as prose from its body's paragraphs.

use super::{PageError, Source, NEEDS_LIBREOFFICE};
use crate::extract::convert::{self, DEFAULT_TIMEOUT};
use crate::extract::docx::{self, DocxDocument};
use crate::extract::links::strip_attachment_extension;
use crate::extract::sheet::{self, SheetGrid};
use crate::extract::{Page, PageMeta, Preceded, Table};
use crate::normalize::{self, headers};
use crate::record::PageReport;
use crate::sniff::DocKind;

/// One table of a document, with what stands around it.
struct Part {
    table: Table,
    sheet: Option<String>,
    title: Option<String>,
    /// The lines taken off above and below the table (labels, title).
    lines: Vec<String>,
}

/// Reads the document `bytes` of `kind` (not HTML, not pdf) into `report`.
pub(super) fn read(
    source: &Source,
    sha: &str,
    kind: &DocKind,
    bytes: &[u8],
    report: &mut PageReport,
) {
    match kind {
        k if k.is_workbook() => match sheet::read_workbook(bytes, k) {
            Ok(sheets) => {
                let parts = sheets.into_iter().enumerate().map(sheet_part).collect();
                tables(source, sha, parts, None, Vec::new(), report);
            }
            Err(e) => report.error = Some(e.to_string()),
        },
        DocKind::Docx => match docx::read_docx(bytes) {
            Ok(doc) => word(source, sha, doc, report),
            Err(e) => report.error = Some(e.to_string()),
        },
        k if k.needs_conversion() => match convert::convert(bytes, k, DEFAULT_TIMEOUT) {
            // Read as what it became; source_format keeps the original kind.
            Ok(converted) => read(source, sha, &converted.kind, &converted.bytes, report),
            Err(e) if e.needs_libreoffice() => report.error = Some(NEEDS_LIBREOFFICE.into()),
            Err(e) => report.error = Some(e.to_string()),
        },
        other => report.error = Some(format!("not a document minsheng reads: {}", other.as_str())),
    }
}

fn sheet_part((position, sheet): (usize, SheetGrid)) -> Part {
    Part {
        table: Table {
            position,
            contains_tables: sheet.grid.holds_tables,
            grid: sheet.grid,
            preceded_by: Preceded::Other,
            problem: sheet.problem,
        },
        sheet: Some(sheet.sheet),
        title: sheet.title,
        lines: sheet.above.into_iter().chain(sheet.below).collect(),
    }
}

fn word(source: &Source, sha: &str, doc: DocxDocument, report: &mut PageReport) {
    let mut notes = Vec::new();
    if doc.tables_cut > 0 {
        notes.push(format!(
            "{} table(s) nested too deep or past the table limit were not read",
            doc.tables_cut
        ));
    }
    let parts = doc
        .tables
        .into_iter()
        .enumerate()
        .map(|(position, t)| Part {
            table: Table {
                position,
                contains_tables: t.grid.holds_tables,
                grid: t.grid,
                preceded_by: t.preceded_by,
                problem: t.problem,
            },
            sheet: None,
            title: t.margins.title.or(t.title),
            lines: t.margins.above.into_iter().chain(t.margins.below).collect(),
        })
        .collect();
    tables(source, sha, parts, Some(&doc.paragraphs), notes, report);
}

/// The lines a local file's 填报单位 / 填报日期 may stand on: the rows taken off its tables,
/// then (in a Word file) the body's paragraphs, where such a line often stands between the
/// title and the table.
fn label_lines<'a>(parts: &'a [Part], paragraphs: Option<&'a [String]>) -> Vec<String> {
    parts
        .iter()
        .flat_map(|p| p.lines.iter())
        .chain(paragraphs.unwrap_or_default())
        .cloned()
        .collect()
}

/// The value of the first `label：value` among `lines` for one of `labels`, up to the next
/// label on the same line (`填报单位：县发改局 填报日期：2024-07-05`).
fn label_value(lines: &[String], labels: &[&str]) -> Option<String> {
    lines.iter().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.iter().enumerate().find_map(|(i, word)| {
            let first = labels.iter().find_map(|label| {
                word.strip_prefix(label)?
                    .strip_prefix([':', '：'])
                    .map(str::trim)
            })?;
            let value: Vec<&str> = std::iter::once(first)
                .chain(
                    words[i + 1..]
                        .iter()
                        .copied()
                        .take_while(|w| !sheet::is_label_line(w)),
                )
                .filter(|w| !w.is_empty())
                .collect();
            let value = value.join(" ");
            (!value.is_empty()).then_some(value)
        })
    })
}

/// `2024-08-28T16:34:00+08:00` (a report's published_at) as a 发布日期 text normalize reads
/// back to the same value.
fn as_published_text(published_at: &str) -> String {
    published_at
        .trim_end_matches("+08:00")
        .replacen('T', " ", 1)
}

/// The title of a document whose tables give none: the link text, else the file name,
/// without its extension.
fn fallback_title(source: &Source) -> Option<String> {
    let from_link = source
        .link_text
        .map(|t| strip_attachment_extension(t.trim()).trim().to_string())
        .filter(|t| !t.is_empty());
    from_link.or_else(|| {
        super::name_in_url(source.url)
            .map(|name| strip_attachment_extension(&name).trim().to_string())
            .filter(|t| !t.is_empty())
    })
}

/// Normalizes the tables of a document into `report`; prose from `paragraphs` when none is
/// a progress table.
fn tables(
    source: &Source,
    sha: &str,
    parts: Vec<Part>,
    paragraphs: Option<&[String]>,
    notes: Vec<String>,
    report: &mut PageReport,
) {
    let is_progress =
        |p: &&Part| p.title.is_some() && headers::find_header(&p.table.grid).is_some();
    let title = parts
        .iter()
        .find(is_progress)
        .or_else(|| parts.iter().find(|p| p.title.is_some()))
        .and_then(|p| p.title.clone())
        .or_else(|| fallback_title(source));
    let lines: Vec<String> = parts.iter().flat_map(|p| p.lines.clone()).collect();
    let (publisher, published) = if source.article_url.is_some() {
        (
            source.article_publisher.map(str::to_string),
            source.article_published_at.map(as_published_text),
        )
    } else {
        (
            label_value(&label_lines(&parts, paragraphs), &["填报单位", "单位"]),
            label_value(&label_lines(&parts, paragraphs), &["填报日期", "日期"]),
        )
    };
    let sheets: Vec<Option<String>> = parts.iter().map(|p| p.sheet.clone()).collect();
    let page = Page {
        meta: PageMeta {
            title,
            sources: publisher.into_iter().collect(),
            issuers: Vec::new(),
            published: published.into_iter().collect(),
            notes,
            headings: lines,
        },
        tables: parts.into_iter().map(|p| p.table).collect(),
        duplicates_dropped: 0,
        duplicates: Vec::new(),
        truncated: false,
        flattened: Default::default(),
    };
    let ctx = source.context(sha);
    let mut normalized = normalize::normalize(&page, &ctx);
    // Sheets never continue one another, so the tables emitted are the positions not
    // skipped, in order.
    let emitted = (0..page.tables.len())
        .filter(|pos| !normalized.skipped_tables.iter().any(|s| s.position == *pos));
    for (table, position) in normalized.tables.iter_mut().zip(emitted) {
        table.sheet = sheets.get(position).cloned().flatten();
    }
    report.title = normalized.title;
    report.publisher = normalized.publisher;
    report.published_at = normalized.published_at;
    report.notes = normalized.notes;
    report.skipped_tables = normalized.skipped_tables;
    report.dropped_rows = normalized.dropped_rows;
    if !normalized.tables.is_empty() {
        report.tables = normalized.tables;
        return;
    }
    let err = if page.tables.is_empty() {
        PageError::NoTable
    } else {
        PageError::NoProgressTable {
            skipped: report.skipped_tables.len(),
        }
    };
    match paragraphs {
        Some(paragraphs) => {
            let notes = report.notes.clone();
            let others: Vec<&str> = page
                .meta
                .headings
                .iter()
                .chain(&notes)
                .map(String::as_str)
                .collect();
            super::prose::read(&ctx, paragraphs, &others, err, report);
        }
        None => report.error = Some(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_lines_give_their_value_up_to_the_next_label() {
        let lines = vec![
            "文成县2024年民生实事进度表".to_string(),
            "填报单位：文成县发展和改革局 填报日期：2024年7月5日".to_string(),
        ];
        assert_eq!(
            label_value(&lines, &["填报单位", "单位"]).as_deref(),
            Some("文成县发展和改革局")
        );
        assert_eq!(
            label_value(&lines, &["填报日期", "日期"]).as_deref(),
            Some("2024年7月5日")
        );
        assert_eq!(label_value(&lines, &["制表人"]), None);
    }

    #[test]
    fn an_article_timestamp_reads_back_as_itself() {
        let text = as_published_text("2024-08-28T16:34:00+08:00");
        assert_eq!(text, "2024-08-28 16:34:00");
        assert_eq!(
            normalize::dates::most_precise([&text]).as_deref(),
            Some("2024-08-28T16:34:00+08:00")
        );
    }
}
