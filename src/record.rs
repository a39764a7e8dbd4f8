//! The data minsheng hands to analysts: Record schema v2 (one row of a progress table) and
//! the per-page report written to pages.json. Plain owned data; `emit` decides the formats.
//! Both also deserialize: the crawl store keeps each page's report as its JSON text and reads
//! it back typed for the outputs.
//!
//! The field order of [`Record`] is the schema's column order (`emit::COLUMNS` pins it and a
//! test checks the two agree). v2 keeps every v1 field in the v1 order and appends nine;
//! each appended field has a serde default, so a v1 record or report stored by an older
//! minsheng still reads (the store then fills the new fields, see `store.rs`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Province- or city-level, as in 全省统一进度 / 全市第一.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Province,
    City,
}

/// The document a record's table came from (DESIGN.md "Record schema v2": source_format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// A table inside an HTML page (everything v1 read).
    #[default]
    Html,
    Xlsx,
    Xls,
    Ods,
    Docx,
    Doc,
    Wps,
    Et,
    /// Numbered items of report text, not a table.
    Prose,
    /// A PDF document: reported (`pdf not read`), never read; no record has it.
    Pdf,
}

impl SourceFormat {
    /// The schema's name for it: `html`, `xlsx`, …, `prose`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Html => "html",
            SourceFormat::Xlsx => "xlsx",
            SourceFormat::Xls => "xls",
            SourceFormat::Ods => "ods",
            SourceFormat::Docx => "docx",
            SourceFormat::Doc => "doc",
            SourceFormat::Wps => "wps",
            SourceFormat::Et => "et",
            SourceFormat::Prose => "prose",
            SourceFormat::Pdf => "pdf",
        }
    }
}

/// One row of a progress table (Record schema v2). `None` is written as null, never "".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub source_url: String,
    pub publisher: Option<String>,
    pub title: Option<String>,
    pub published_at: Option<String>,
    pub table_index: usize,
    pub row_index: usize,
    pub seq: Option<i64>,
    pub category: Option<String>,
    pub starred: bool,
    pub content: Option<String>,
    pub completion_pct: Option<f64>,
    pub unified_progress: Option<bool>,
    pub unified_scope: Option<Scope>,
    pub rank_scope: Option<Scope>,
    pub rank: Option<i64>,
    pub status_note: Option<String>,
    pub lead_unit: Option<String>,
    pub leader: Option<String>,
    /// Columns that map to no field, and mapped cells that could not be typed: header -> text.
    pub extra: Map<String, Value>,
    pub fetched_at: String,
    pub content_sha256: String,
    // ---- appended in v2 (serde defaults: a v1 record still reads) ----
    /// The local (+08:00) date of `published_at`: `2024-08-28`.
    #[serde(default)]
    pub published_date: Option<String>,
    /// The crawl config's source name; null in scrape mode.
    #[serde(default)]
    pub source_name: Option<String>,
    /// The county-level division the report is about (`文成县`).
    #[serde(default)]
    pub county: Option<String>,
    /// The document the table came from.
    #[serde(default)]
    pub source_format: SourceFormat,
    /// The article page that carries or links the document (equals `source_url` for a table
    /// inside the article and for a local file). Empty only in a v1 record not yet upgraded.
    #[serde(default)]
    pub article_url: String,
    /// The progress narrative column (进展情况, 完成情况, …).
    #[serde(default)]
    pub progress_note: Option<String>,
    /// The plan year the report is about.
    #[serde(default)]
    pub report_year: Option<i64>,
    /// The cut-off date the report states, `YYYY-MM-DD`.
    #[serde(default)]
    pub as_of: Option<String>,
    /// The same project across reports: 16 hex digits (see `normalize::key`). Empty only in
    /// a v1 record not yet upgraded.
    #[serde(default)]
    pub project_key: String,
}

/// One emitted table of a page, for pages.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableReport {
    pub table_index: usize,
    /// The workbook sheet the table was read from; null for HTML and Word tables.
    #[serde(default)]
    pub sheet: Option<String>,
    /// The original header texts (two-row headers flattened as `parent/child`).
    pub headers: Vec<String>,
    pub rows: Vec<Record>,
}

/// A table that was not emitted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedTable {
    /// 0-based position among the page's distinct tables, in document order.
    pub position: usize,
    pub first_row: Vec<String>,
    pub reason: String,
}

/// A table dropped because it repeats an earlier one (a page rendering its article twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateTable {
    /// `position` of the distinct table it repeats (as in `skipped_tables`).
    pub same_as: usize,
    pub first_row: Vec<String>,
}

/// Why a row inside a progress table is not a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Every cell is empty (a ghost row).
    Empty,
    /// A 合计 / 总计 row.
    Total,
    /// A 备注 row (its text goes to the page's notes).
    Note,
    /// A group label (`一、医疗卫生`); it fills `category` of the rows under it.
    Group,
    /// The header row repeated inside the body.
    RepeatedHeader,
}

/// A row inside a progress table that was not emitted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedRow {
    pub table_index: usize,
    /// 0-based row of the HTML table it came from (header rows included).
    pub row: usize,
    pub reason: DropReason,
    /// The row's distinct non-empty cell texts joined by ` | `.
    pub text: String,
}

/// What became of one attachment an article links (DESIGN.md "Attachments").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum AttachmentOutcome {
    /// Fetched and read: its tables (if any) are among the page's records.
    Read,
    /// A conditional request said it did not change: the stored version stands.
    NotModified,
    /// Not fetched or not read, on purpose: `needs LibreOffice`, `pdf not read`,
    /// `--no-attachments`, a size limit… (a warning, not a failure).
    Skipped(String),
    /// Fetching or reading it failed, and why.
    Failed(String),
}

/// One attachment link of an article, for pages.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentReport {
    /// The attachment's absolute URL.
    pub url: String,
    /// The link's text as written (`附件：2024年民生实事进度表.xlsx`).
    pub link_text: Option<String>,
    /// What the bytes are, when known (`xlsx`, `pdf`, …), as source_format names them.
    pub format: Option<String>,
    pub outcome: AttachmentOutcome,
}

/// An item of prose that gave no record, and why (pages.json `prose.rejected`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProseRejected {
    /// The item's first paragraph, cut to 30 characters (`…` when cut).
    pub text: String,
    /// `no progress signal`, `ambiguous percentage`, `in a problem or plan section`,
    /// `no content`.
    pub reason: String,
}

/// What the prose reader made of a page without a progress table (DESIGN "Prose reports").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProseReport {
    /// Numbered items found (headings and repeated items not counted).
    pub considered: usize,
    /// Items that became records (0 unless the verdict is `read`).
    pub read: usize,
    /// Items dropped because an earlier rendering of the article had them.
    pub duplicates_dropped: usize,
    pub rejected: Vec<ProseRejected>,
    /// `N items read from prose`, `no numbered items in the text`, or
    /// `N items with a progress signal, 3 needed`.
    pub verdict: String,
}

/// The `schema` value of pages.json written by this minsheng (Record schema v2).
pub const SCHEMA_VERSION: u32 = 2;

/// A report stored by a minsheng that wrote no `schema` key was written under v1.
fn schema_v1() -> u32 {
    1
}

/// One input page, as written to pages.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageReport {
    /// The Record schema version of this report and its records ([`SCHEMA_VERSION`]; 1 for a
    /// report stored by an older minsheng and not yet upgraded).
    #[serde(default = "schema_v1")]
    pub schema: u32,
    pub source_url: String,
    /// The document the page's tables came from.
    #[serde(default)]
    pub source_format: SourceFormat,
    /// The article that carries or links this document (equals `source_url` for an article).
    #[serde(default)]
    pub article_url: String,
    /// The URL after redirects (HTTP inputs only).
    pub final_url: Option<String>,
    /// The HTTP status of the final response (HTTP inputs only).
    pub http_status: Option<u16>,
    pub publisher: Option<String>,
    pub title: Option<String>,
    pub published_at: Option<String>,
    pub fetched_at: Option<String>,
    pub content_sha256: Option<String>,
    pub encoding: Option<String>,
    pub encoding_source: Option<String>,
    pub encoding_note: Option<String>,
    pub replacement_chars: usize,
    pub notes: Vec<String>,
    pub duplicates_dropped: usize,
    /// The dropped duplicates: which table each repeats, and its first row.
    pub duplicate_tables: Vec<DuplicateTable>,
    pub skipped_tables: Vec<SkippedTable>,
    pub dropped_rows: Vec<DroppedRow>,
    /// null, or why no table could be had from this page.
    pub error: Option<String>,
    pub tables: Vec<TableReport>,
    /// The article's attachment links and what became of each (empty for other documents).
    #[serde(default)]
    pub attachments: Vec<AttachmentReport>,
    /// For a page without a progress table: what the prose reader made of its text (absent
    /// from pages.json for other pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prose: Option<ProseReport>,
}

impl PageReport {
    /// A report for an input that failed before any page could be read.
    pub fn failed(source_url: impl Into<String>, error: impl Into<String>) -> PageReport {
        let source_url = source_url.into();
        PageReport {
            schema: SCHEMA_VERSION,
            article_url: source_url.clone(),
            source_url,
            source_format: SourceFormat::Html,
            final_url: None,
            http_status: None,
            publisher: None,
            title: None,
            published_at: None,
            fetched_at: None,
            content_sha256: None,
            encoding: None,
            encoding_source: None,
            encoding_note: None,
            replacement_chars: 0,
            notes: Vec::new(),
            duplicates_dropped: 0,
            duplicate_tables: Vec::new(),
            skipped_tables: Vec::new(),
            dropped_rows: Vec::new(),
            error: Some(error.into()),
            tables: Vec::new(),
            attachments: Vec::new(),
            prose: None,
        }
    }

    /// Every record of the page, in table and row order.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.tables.iter().flat_map(|t| t.rows.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_v1_report_and_its_records_still_read_with_v2_defaults() {
        let row = json!({
            "source_url": "file:///a.html", "publisher": "文成县", "title": "进度表",
            "published_at": "2024-08-28", "table_index": 0, "row_index": 0, "seq": 1,
            "category": null, "starred": false, "content": "x", "completion_pct": 20.0,
            "unified_progress": null, "unified_scope": null, "rank_scope": null,
            "rank": null, "status_note": null, "lead_unit": null, "leader": null,
            "extra": {"进展情况": "推进中"}, "fetched_at": "2026-01-01T00:00:00Z",
            "content_sha256": "ab"});
        let mut v1 = json!({
            "source_url": "file:///a.html", "final_url": null, "http_status": null,
            "publisher": "文成县", "title": "进度表", "published_at": "2024-08-28",
            "fetched_at": "2026-01-01T00:00:00Z", "content_sha256": "ab",
            "encoding": "UTF-8", "encoding_source": "meta", "encoding_note": null,
            "replacement_chars": 0, "notes": [], "duplicates_dropped": 0,
            "duplicate_tables": [], "skipped_tables": [], "dropped_rows": [], "error": null});
        v1["tables"] = json!([{"table_index": 0, "headers": ["序号"], "rows": [row]}]);
        let report: PageReport = serde_json::from_value(v1).unwrap();
        assert_eq!(report.schema, 1);
        assert_eq!(report.source_format, SourceFormat::Html);
        assert_eq!(report.article_url, "");
        assert!(report.attachments.is_empty());
        assert_eq!(report.tables[0].sheet, None);
        let r = &report.tables[0].rows[0];
        assert_eq!(
            (
                r.published_date.as_deref(),
                r.county.as_deref(),
                r.report_year
            ),
            (None, None, None)
        );
        assert_eq!((r.project_key.as_str(), r.article_url.as_str()), ("", ""));
        assert_eq!(r.extra["进展情况"], "推进中");
    }

    #[test]
    fn a_new_report_says_schema_2_and_its_article() {
        let r = PageReport::failed("file:///a.html", "x");
        assert_eq!(r.schema, SCHEMA_VERSION);
        assert_eq!(r.article_url, "file:///a.html");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["schema"], 2);
        assert_eq!(v["source_format"], "html");
    }

    #[test]
    fn source_formats_are_written_lowercase() {
        for (format, name) in [
            (SourceFormat::Html, "html"),
            (SourceFormat::Xlsx, "xlsx"),
            (SourceFormat::Xls, "xls"),
            (SourceFormat::Ods, "ods"),
            (SourceFormat::Docx, "docx"),
            (SourceFormat::Doc, "doc"),
            (SourceFormat::Wps, "wps"),
            (SourceFormat::Et, "et"),
            (SourceFormat::Prose, "prose"),
            (SourceFormat::Pdf, "pdf"),
        ] {
            assert_eq!(serde_json::to_value(format).unwrap(), json!(name));
            assert_eq!(format.as_str(), name);
            let back: SourceFormat = serde_json::from_value(json!(name)).unwrap();
            assert_eq!(back, format);
        }
    }

    #[test]
    fn attachment_outcomes_say_what_happened_and_why() {
        let cases = [
            (AttachmentOutcome::Read, json!({"status": "read"})),
            (
                AttachmentOutcome::NotModified,
                json!({"status": "not_modified"}),
            ),
            (
                AttachmentOutcome::Skipped("needs LibreOffice".into()),
                json!({"status": "skipped", "reason": "needs LibreOffice"}),
            ),
            (
                AttachmentOutcome::Failed("HTTP 404".into()),
                json!({"status": "failed", "reason": "HTTP 404"}),
            ),
        ];
        for (outcome, want) in cases {
            assert_eq!(serde_json::to_value(&outcome).unwrap(), want);
            let back: AttachmentOutcome = serde_json::from_value(want).unwrap();
            assert_eq!(back, outcome);
        }
        let a = AttachmentReport {
            url: "http://www.x.gov.cn/attach/1.xlsx".into(),
            link_text: Some("进度表.xlsx".into()),
            format: Some("xlsx".into()),
            outcome: AttachmentOutcome::Read,
        };
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            json!({"url": "http://www.x.gov.cn/attach/1.xlsx", "link_text": "进度表.xlsx",
                   "format": "xlsx", "outcome": {"status": "read"}})
        );
    }
}
