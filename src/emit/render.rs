//! One page rendered into the bytes of the three files: its records' CSV rows (in
//! [`super::COLUMNS`] order, each cell as [`CsvFormat`] writes it) and JSONL lines, and its
//! pages.json element, with control characters removed first so the three agree. Pure: the
//! writing is [`super::Output`]'s.

use super::{EmitError, HISTORY_JSONL, PAGES_JSON, RECORDS_CSV, RECORDS_JSONL};
use crate::record::{PageReport, Record};
use crate::sanitize;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::io;
use std::path::Path;

/// The CSV fields of a record, in [`super::COLUMNS`] order; null is an empty field.
pub fn csv_fields(r: &Record) -> [String; 30] {
    fn opt<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map(ToString::to_string).unwrap_or_default()
    }
    let scope = |s: &Option<crate::record::Scope>| {
        s.map(|s| match s {
            crate::record::Scope::Province => "province".to_string(),
            crate::record::Scope::City => "city".to_string(),
        })
        .unwrap_or_default()
    };
    [
        r.source_url.clone(),
        opt(&r.publisher),
        opt(&r.title),
        opt(&r.published_at),
        r.table_index.to_string(),
        r.row_index.to_string(),
        opt(&r.seq),
        opt(&r.category),
        r.starred.to_string(),
        opt(&r.content),
        r.completion_pct
            .map(|v| Value::from(v).to_string())
            .unwrap_or_default(),
        opt(&r.unified_progress),
        scope(&r.unified_scope),
        scope(&r.rank_scope),
        opt(&r.rank),
        opt(&r.status_note),
        opt(&r.lead_unit),
        opt(&r.leader),
        Value::Object(r.extra.clone()).to_string(),
        r.fetched_at.clone(),
        r.content_sha256.clone(),
        opt(&r.published_date),
        opt(&r.source_name),
        opt(&r.county),
        r.source_format.as_str().to_string(),
        r.article_url.clone(),
        opt(&r.progress_note),
        opt(&r.report_year),
        opt(&r.as_of),
        r.project_key.clone(),
    ]
}

/// How records.csv is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsvFormat {
    /// Start with a UTF-8 byte-order mark (`--bom`), so that Excel reads UTF-8.
    pub bom: bool,
    /// Write cells as they are (`--raw-csv`): no `'` before a cell a spreadsheet would run as a
    /// formula ([`sanitize::neutralize_csv`]).
    pub raw: bool,
}

impl CsvFormat {
    /// One CSV cell as this format writes it.
    pub fn cell<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.raw {
            Cow::Borrowed(text)
        } else {
            sanitize::neutralize_csv(text)
        }
    }
}

/// One page as it goes into the three files: its records' CSV rows and JSONL lines, and its
/// pages.json element. Rendering is pure and costs more than writing, so `scrape` renders in
/// its parallel workers and only the writing is done in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub csv: Vec<u8>,
    pub jsonl: Vec<u8>,
    pub page: String,
    /// Records in `csv` and `jsonl`.
    pub records: usize,
    /// The records as the JSON values of `jsonl`, when asked for ([`render_with`]): for the
    /// outputs made from all of them ([`super::Derived`]).
    pub values: Vec<Value>,
}

/// Why a page could not be rendered, and which of the three files the failing part was for.
#[derive(Debug)]
pub struct RenderError {
    pub file: &'static str,
    pub source: io::Error,
}

impl RenderError {
    fn of(file: &'static str, source: impl Into<io::Error>) -> RenderError {
        RenderError {
            file,
            source: source.into(),
        }
    }

    /// The error of writing that file into `dir`.
    pub fn in_dir(self, dir: &Path) -> EmitError {
        EmitError {
            path: dir.join(self.file),
            source: self.source,
        }
    }
}

/// True when JSON text may carry a control character other than tab and newline: serde_json
/// writes C0 controls as `\u00XX`, `\b`, `\f`, `\r`, and DEL and C1 as they are. A false
/// alarm (an escaped backslash before a `u`) only costs the slow path.
fn may_hold_controls(json: &str) -> bool {
    let bytes = json.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\\' => matches!(bytes.get(i + 1), Some(b'u' | b'b' | b'f' | b'r')),
        0x7f => true,
        0xc2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
        _ => false,
    })
}

/// `item` (a page or a record) without control characters in any of its strings
/// ([`sanitize::strip_controls`]): borrowed when its JSON text shows none (the usual case),
/// else cleaned through its JSON form, so that every field is covered, those added later
/// included. `file` is the output it is for, for errors.
fn without_controls<'a, T: Clone + Serialize + DeserializeOwned>(
    item: &'a T,
    json: &str,
    file: &'static str,
) -> Result<Cow<'a, T>, RenderError> {
    if !may_hold_controls(json) {
        return Ok(Cow::Borrowed(item));
    }
    let mut value = serde_json::to_value(item).map_err(|e| RenderError::of(file, e))?;
    if !sanitize::strip_controls_in(&mut value) {
        return Ok(Cow::Borrowed(item));
    }
    let clean = serde_json::from_value(value).map_err(|e| RenderError::of(file, e))?;
    Ok(Cow::Owned(clean))
}

/// One version of a record as the history files write it: its records.csv fields (each
/// cell as `format` writes it) followed by `valid_from` and `valid_to` (empty while
/// current), and its records.jsonl object with those two keys appended (null while
/// current). Control characters are removed first, as from every page.
pub fn render_version(
    record: &Record,
    valid_from: &str,
    valid_to: Option<&str>,
    format: CsvFormat,
) -> Result<(Vec<String>, String), RenderError> {
    #[derive(Serialize)]
    struct Line<'a> {
        #[serde(flatten)]
        record: &'a Record,
        valid_from: &'a str,
        valid_to: Option<&'a str>,
    }
    let json = serde_json::to_string(record).map_err(|e| RenderError::of(HISTORY_JSONL, e))?;
    let record = without_controls(record, &json, HISTORY_JSONL)?;
    let mut fields: Vec<String> = csv_fields(&record)
        .iter()
        .map(|f| format.cell(f).into_owned())
        .collect();
    fields.push(valid_from.to_string());
    fields.push(valid_to.unwrap_or_default().to_string());
    let line = Line {
        record: &record,
        valid_from,
        valid_to,
    };
    let line = serde_json::to_string(&line).map_err(|e| RenderError::of(HISTORY_JSONL, e))?;
    Ok((fields, line))
}

/// Renders `page` for [`super::Output::write_rendered`]: the same bytes
/// [`super::Output::write_page`] writes. Control characters other than tab and newline are
/// removed from every string first, so the three files agree.
pub fn render(page: &PageReport, format: CsvFormat) -> Result<Rendered, RenderError> {
    render_with(page, format, false)
}

/// [`render`], keeping the records as JSON values too when `values` ([`Rendered::values`]).
pub fn render_with(
    page: &PageReport,
    format: CsvFormat,
    values: bool,
) -> Result<Rendered, RenderError> {
    let json = serde_json::to_string_pretty(page).map_err(|e| RenderError::of(PAGES_JSON, e))?;
    let (page, json) = match without_controls(page, &json, PAGES_JSON)? {
        Cow::Borrowed(page) => (Cow::Borrowed(page), json),
        Cow::Owned(clean) => {
            let json =
                serde_json::to_string_pretty(&clean).map_err(|e| RenderError::of(PAGES_JSON, e))?;
            (Cow::Owned(clean), json)
        }
    };
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut jsonl = Vec::new();
    let mut kept = Vec::new();
    let mut records = 0;
    for record in page.records() {
        for field in &csv_fields(record) {
            csv.write_field(format.cell(field).as_bytes())
                .map_err(|e| RenderError::of(RECORDS_CSV, e))?;
        }
        csv.write_record(None::<&[u8]>)
            .map_err(|e| RenderError::of(RECORDS_CSV, e))?;
        serde_json::to_writer(&mut jsonl, record).map_err(|e| RenderError::of(RECORDS_JSONL, e))?;
        jsonl.push(b'\n');
        if values {
            kept.push(serde_json::to_value(record).map_err(|e| RenderError::of(RECORDS_JSONL, e))?);
        }
        records += 1;
    }
    let csv = csv
        .into_inner()
        .map_err(|e| RenderError::of(RECORDS_CSV, e.into_error()))?;
    Ok(Rendered {
        csv,
        jsonl,
        page: json,
        records,
        values: kept,
    })
}
