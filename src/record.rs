//! The data minsheng hands to analysts: Record schema v1 (one row of a progress table) and
//! the per-page report written to pages.json. Plain owned data; `emit` decides the formats.
//! Both also deserialize: the crawl store keeps each page's report as its JSON text and reads
//! it back typed for the outputs.
//!
//! The field order of [`Record`] is the schema's column order (`emit::COLUMNS` pins it and a
//! test checks the two agree).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Province- or city-level, as in 全省统一进度 / 全市第一.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Province,
    City,
}

/// One row of a progress table (Record schema v1). `None` is written as null, never "".
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
}

/// One emitted table of a page, for pages.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableReport {
    pub table_index: usize,
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

/// One input page, as written to pages.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageReport {
    pub source_url: String,
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
}

impl PageReport {
    /// A report for an input that failed before any page could be read.
    pub fn failed(source_url: impl Into<String>, error: impl Into<String>) -> PageReport {
        PageReport {
            source_url: source_url.into(),
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
        }
    }

    /// Every record of the page, in table and row order.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.tables.iter().flat_map(|t| t.rows.iter())
    }
}
