//! Emit: page reports -> `records.csv`, `records.jsonl`, `pages.json`. This module owns the
//! formats: [`COLUMNS`] fixes the CSV column order and the JSONL keys (Record schema v2);
//! pages.json carries `"schema": 2` in every page object.
//!
//! Outputs are streamed (a page is written as soon as it is produced, so ten thousand pages
//! take no more memory than one) into a new generation of the folder's set, which
//! [`Output::finish`] puts in place of the previous one at once ([`set`]): a run that fails or
//! is killed at any point leaves the previous outputs whole, never a mix of two runs. Chinese
//! is written as UTF-8 text, never `\uXXXX`. `--bom` puts a UTF-8 byte-order mark before the
//! CSV so that Excel opens it without mojibake.
//!
//! What a hostile page may not carry out ([`crate::sanitize`]): control characters other than
//! tab and newline are removed from every string of a page before it is rendered, so the
//! three files agree; a records.csv cell that a spreadsheet would run as a formula is written
//! with a leading `'` unless `--raw-csv` asks for the text as it is.

pub mod set;

pub mod derived;
pub mod report;
pub mod xlsx;

use crate::record::{PageReport, Record};
use crate::sanitize;
pub use derived::Derived;
use serde_json::Value;
pub use set::{current_manifest, StoreOrigin};
use set::{Generation, Manifest, Step};
use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Record schema v2 columns, in order: the CSV header and the JSONL keys. The v1 columns
/// first, in the v1 order, then the nine appended in v2 (a reader that selects by name, or
/// by position among the first 21, keeps working).
pub const COLUMNS: [&str; 30] = [
    "source_url",
    "publisher",
    "title",
    "published_at",
    "table_index",
    "row_index",
    "seq",
    "category",
    "starred",
    "content",
    "completion_pct",
    "unified_progress",
    "unified_scope",
    "rank_scope",
    "rank",
    "status_note",
    "lead_unit",
    "leader",
    "extra",
    "fetched_at",
    "content_sha256",
    // v2
    "published_date",
    "source_name",
    "county",
    "source_format",
    "article_url",
    "progress_note",
    "report_year",
    "as_of",
    "project_key",
];

pub const RECORDS_CSV: &str = "records.csv";
pub const RECORDS_JSONL: &str = "records.jsonl";
pub const PAGES_JSON: &str = "pages.json";

/// A failure to write the outputs, with the file it concerns.
#[derive(Debug)]
pub struct EmitError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for EmitError {}

/// The CSV fields of a record, in [`COLUMNS`] order; null is an empty field.
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

/// The CSV field of one value of a record's JSON form, written as [`csv_fields`] writes the
/// record: null is empty, a string is itself, anything else is its JSON text (`80.0`, `true`,
/// `{"备注":"..."}`). For records read back from the crawl store.
pub fn csv_field(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
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
    /// outputs made from all of them ([`Derived`]).
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

/// `page` without control characters in any of its strings ([`sanitize::strip_controls`]):
/// borrowed when its JSON text shows none (the usual case), else cleaned through its JSON
/// form, so that every field is covered, those added later included.
fn without_controls<'a>(
    page: &'a PageReport,
    json: &str,
) -> Result<Cow<'a, PageReport>, RenderError> {
    if !may_hold_controls(json) {
        return Ok(Cow::Borrowed(page));
    }
    let mut value = serde_json::to_value(page).map_err(|e| RenderError::of(PAGES_JSON, e))?;
    if !sanitize::strip_controls_in(&mut value) {
        return Ok(Cow::Borrowed(page));
    }
    let clean = serde_json::from_value(value).map_err(|e| RenderError::of(PAGES_JSON, e))?;
    Ok(Cow::Owned(clean))
}

/// Renders `page` for [`Output::write_rendered`]: the same bytes [`Output::write_page`]
/// writes. Control characters other than tab and newline are removed from every string
/// first, so the three files agree.
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
    let (page, json) = match without_controls(page, &json)? {
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

/// The outputs being written: a new generation of the folder's set ([`set`]), which replaces
/// the previous one whole in [`Output::finish`], or not at all.
pub struct Output {
    dir: PathBuf,
    generation: Generation,
    format: CsvFormat,
    /// CSV rows arrive rendered (see [`render`]); only the header is written here.
    csv: BufWriter<File>,
    jsonl: BufWriter<File>,
    pages: BufWriter<File>,
    pages_written: usize,
    records_written: usize,
    origin: Option<StoreOrigin>,
    /// The outputs made from all the records, and the records kept for them.
    derived: Derived,
    values: Vec<Value>,
}

impl Output {
    /// Starts writing into `dir` (created if missing). Waits while another run writes there,
    /// then removes what killed runs left.
    pub fn create(dir: &Path, format: CsvFormat) -> Result<Output, EmitError> {
        let err = |name: &str| {
            let path = dir.join(name);
            move |source| EmitError { path, source }
        };
        let mut generation = Generation::start(dir)?;
        let mut csv_file = generation.create(RECORDS_CSV)?;
        if format.bom {
            csv_file
                .write_all(b"\xEF\xBB\xBF")
                .map_err(err(RECORDS_CSV))?;
        }
        let mut header = csv::Writer::from_writer(Vec::new());
        let header = header
            .write_record(COLUMNS)
            .map_err(io::Error::from)
            .and_then(|()| header.into_inner().map_err(|e| e.into_error()))
            .map_err(err(RECORDS_CSV))?;
        let mut csv = BufWriter::new(csv_file);
        csv.write_all(&header).map_err(err(RECORDS_CSV))?;
        let jsonl = BufWriter::new(generation.create(RECORDS_JSONL)?);
        let mut pages = BufWriter::new(generation.create(PAGES_JSON)?);
        pages.write_all(b"[").map_err(err(PAGES_JSON))?;
        Ok(Output {
            dir: dir.to_path_buf(),
            generation,
            format,
            csv,
            jsonl,
            pages,
            pages_written: 0,
            records_written: 0,
            origin: None,
            derived: Derived::default(),
            values: Vec::new(),
        })
    }

    /// The folder being written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How records.csv is written.
    pub fn format(&self) -> CsvFormat {
        self.format
    }

    /// Notes the store state the set is written from, for its manifest.
    pub fn set_origin(&mut self, origin: StoreOrigin) {
        self.origin = Some(origin);
    }

    /// Also writes the `derived` outputs (records.xlsx, the timeline, report.html) into the
    /// set, from the records written; they are made in [`Output::finish`].
    pub fn derive(&mut self, derived: Derived) {
        self.derived = derived;
    }

    /// The derived outputs this set gets: pages rendered elsewhere ([`render_with`]) keep
    /// their records' values when this says any.
    pub fn derived(&self) -> Derived {
        self.derived
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes one page: its records to the CSV and JSONL, the page to pages.json.
    pub fn write_page(&mut self, page: &PageReport) -> Result<(), EmitError> {
        let rendered =
            render_with(page, self.format, self.derived.any()).map_err(|e| e.in_dir(&self.dir))?;
        self.write_rendered(&rendered)
    }

    /// Appends a page rendered beforehand (by [`render`], on any thread).
    pub fn write_rendered(&mut self, page: &Rendered) -> Result<(), EmitError> {
        self.csv.write_all(&page.csv).map_err(|source| EmitError {
            path: self.path(RECORDS_CSV),
            source,
        })?;
        self.jsonl
            .write_all(&page.jsonl)
            .map_err(|source| EmitError {
                path: self.path(RECORDS_JSONL),
                source,
            })?;
        let sep = if self.pages_written == 0 { "\n" } else { ",\n" };
        write!(self.pages, "{sep}{}", page.page).map_err(|source| EmitError {
            path: self.path(PAGES_JSON),
            source,
        })?;
        self.pages_written += 1;
        self.records_written += page.records;
        if self.derived.any() {
            self.values.extend(page.values.iter().cloned());
        }
        Ok(())
    }

    /// Writes one more file of the set, `name`, through `write` (records_history.csv, ...).
    pub fn write_file<T>(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
    ) -> Result<T, EmitError> {
        let path = self.path(name);
        let err = |source| EmitError {
            path: path.clone(),
            source,
        };
        let mut file = BufWriter::new(self.generation.create(name)?);
        let value = write(&mut file).map_err(err)?;
        let file = file.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_all().map_err(err)?;
        Ok(value)
    }

    /// Ends the files, syncs them and makes them the folder's set at once.
    pub fn finish(self) -> Result<(), EmitError> {
        self.finish_until(Step::Cleaned)
    }

    /// [`Output::finish`] up to and including `last` (a test plays a kill after it).
    pub(crate) fn finish_until(mut self, last: Step) -> Result<(), EmitError> {
        let pages_path = self.path(PAGES_JSON);
        self.pages.write_all(b"\n]\n").map_err(|source| EmitError {
            path: pages_path.clone(),
            source,
        })?;
        for (writer, name) in [
            (self.csv, RECORDS_CSV),
            (self.jsonl, RECORDS_JSONL),
            (self.pages, PAGES_JSON),
        ] {
            let target = self.dir.join(name);
            let file = writer.into_inner().map_err(|e| EmitError {
                path: target.clone(),
                source: e.into_error(),
            })?;
            file.sync_all().map_err(|source| EmitError {
                path: target,
                source,
            })?;
        }
        let values = std::mem::take(&mut self.values);
        self.derived
            .write(&mut self.generation, &values, self.format.raw)?;
        let manifest = Manifest {
            files: Vec::new(),
            pages: self.pages_written,
            records: self.records_written,
            written_at: crate::pipeline::now_utc(),
            store: self.origin,
        };
        self.generation.commit_until(manifest, last)
    }
}

/// Writes all `pages` to `dir` at once (formulas neutralized; `bom` as `--bom`).
pub fn write_all(dir: &Path, bom: bool, pages: &[PageReport]) -> Result<(), EmitError> {
    let mut out = Output::create(dir, CsvFormat { bom, raw: false })?;
    for page in pages {
        out.write_page(page)?;
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Scope, TableReport};
    use std::fs;

    fn record() -> Record {
        Record {
            source_url: "file:///a.html".into(),
            publisher: Some("文成县".into()),
            title: Some("进度表".into()),
            published_at: Some("2024-08-28T16:34:00+08:00".into()),
            table_index: 0,
            row_index: 2,
            seq: Some(3),
            category: Some("医疗卫生".into()),
            starred: true,
            content: Some("在公共场所新增配置自动体外除颤仪40台。".into()),
            completion_pct: Some(80.0),
            unified_progress: Some(false),
            unified_scope: None,
            rank_scope: Some(Scope::City),
            rank: Some(1),
            status_note: None,
            lead_unit: Some("县卫健局".into()),
            leader: None,
            extra: serde_json::Map::new(),
            fetched_at: "2026-01-01T00:00:00Z".into(),
            content_sha256: "ab".into(),
            published_date: Some("2024-08-28".into()),
            source_name: None,
            county: Some("文成县".into()),
            source_format: crate::record::SourceFormat::Html,
            article_url: "file:///a.html".into(),
            progress_note: Some("已完成安装".into()),
            report_year: Some(2024),
            as_of: Some("2024-06-30".into()),
            project_key: "0123456789abcdef".into(),
        }
    }

    #[test]
    fn record_serializes_with_exactly_the_columns_in_order() {
        let value = serde_json::to_value(record()).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, COLUMNS.to_vec());
    }

    #[test]
    fn csv_fields_write_null_as_empty_and_numbers_typed() {
        let f = csv_fields(&record());
        assert_eq!(f[6], "3");
        assert_eq!(f[10], "80.0");
        assert_eq!(f[11], "false");
        assert_eq!(f[12], "");
        assert_eq!(f[13], "city");
        assert_eq!(f[18], "{}");
        assert_eq!(
            f[21..],
            [
                "2024-08-28",
                "",
                "文成县",
                "html",
                "file:///a.html",
                "已完成安装",
                "2024",
                "2024-06-30",
                "0123456789abcdef"
            ]
        );
    }

    #[test]
    fn pages_json_says_which_schema_it_is() {
        let dir = tempfile::tempdir().unwrap();
        write_all(
            dir.path(),
            false,
            &[PageReport::failed("file:///a.html", "x")],
        )
        .unwrap();
        let pages: Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join(PAGES_JSON)).unwrap())
                .unwrap();
        assert_eq!(pages[0]["schema"], 2);
        assert_eq!(pages[0]["source_format"], "html");
        assert_eq!(pages[0]["article_url"], "file:///a.html");
        assert_eq!(pages[0]["attachments"], serde_json::json!([]));
    }

    #[test]
    fn outputs_are_utf8_text_and_bom_is_optional() {
        let dir = tempfile::tempdir().unwrap();
        let mut page = PageReport::failed("file:///a.html", "x");
        page.error = None;
        page.tables.push(TableReport {
            table_index: 0,
            sheet: None,
            headers: vec![],
            rows: vec![record()],
        });
        write_all(dir.path(), true, &[page.clone()]).unwrap();
        let csv = fs::read(dir.path().join(RECORDS_CSV)).unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBFsource_url,publisher,"));
        let jsonl = fs::read_to_string(dir.path().join(RECORDS_JSONL)).unwrap();
        assert!(jsonl.contains("\"县卫健局\""));
        assert!(!jsonl.contains("\\u"));
        let pages: Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join(PAGES_JSON)).unwrap())
                .unwrap();
        assert_eq!(pages.as_array().unwrap().len(), 1);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(RECORDS_CSV))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }

    #[test]
    fn a_page_read_back_from_its_json_form_writes_the_same_bytes() {
        let mut page = PageReport::failed("file:///a.html", "x");
        page.error = None;
        page.tables.push(TableReport {
            table_index: 0,
            sheet: None,
            headers: vec!["序号".into()],
            rows: vec![record(), record()],
        });
        let typed = tempfile::tempdir().unwrap();
        write_all(typed.path(), false, &[page.clone(), page.clone()]).unwrap();
        let stored: PageReport =
            serde_json::from_str(&serde_json::to_string(&page).unwrap()).unwrap();
        assert_eq!(stored, page);
        let from_json = tempfile::tempdir().unwrap();
        write_all(from_json.path(), false, &[stored.clone(), stored]).unwrap();
        for name in [RECORDS_CSV, RECORDS_JSONL, PAGES_JSON] {
            assert_eq!(
                fs::read(typed.path().join(name)).unwrap(),
                fs::read(from_json.path().join(name)).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn an_unfinished_output_leaves_the_previous_files_whole() {
        let dir = tempfile::tempdir().unwrap();
        write_all(dir.path(), false, &[]).unwrap();
        let before = fs::read(dir.path().join(PAGES_JSON)).unwrap();
        let mut out = Output::create(dir.path(), CsvFormat::default()).unwrap();
        out.write_page(&PageReport::failed("file:///b.html", "x"))
            .unwrap();
        drop(out);
        assert_eq!(fs::read(dir.path().join(PAGES_JSON)).unwrap(), before);
    }

    fn page_with(record: Record) -> PageReport {
        let mut page = PageReport::failed("file:///a.html", "x");
        page.error = None;
        let table: TableReport = serde_json::from_value(serde_json::json!({
            "table_index": 0, "headers": ["项目内容"], "rows": [record]
        }))
        .unwrap();
        page.tables.push(table);
        page
    }

    #[test]
    fn control_characters_from_a_page_reach_no_output_and_the_outputs_agree() {
        let mut r = record();
        r.content = Some("新增\u{1b}[31m除颤仪\u{7}40台".into());
        r.extra
            .insert("备\u{1b}注".into(), Value::from("x\u{85}y\tz\r\nw"));
        let mut page = page_with(r);
        page.notes.push("注\u{0}意".into());
        let rendered = render(&page, CsvFormat::default()).unwrap();
        let csv = String::from_utf8(rendered.csv.clone()).unwrap();
        let jsonl = String::from_utf8(rendered.jsonl.clone()).unwrap();
        for text in [&csv, &jsonl, &rendered.page] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{text}"
            );
            assert!(
                !text.contains("\\u001b") && !text.contains("\\u0007"),
                "{text}"
            );
            assert!(
                !text.contains("\\u0000") && !text.contains('\u{85}'),
                "{text}"
            );
        }
        assert!(csv.contains("新增[31m除颤仪40台"), "{csv}");
        let line: Value = serde_json::from_str(jsonl.trim()).unwrap();
        assert_eq!(line["content"], "新增[31m除颤仪40台");
        assert_eq!(line["extra"]["备注"], "xy\tz\nw");
        let pages: Value = serde_json::from_str(&rendered.page).unwrap();
        assert_eq!(pages["notes"][0], "注意");
        assert_eq!(
            pages["tables"][0]["rows"][0]["content"],
            "新增[31m除颤仪40台"
        );
    }

    #[test]
    fn formula_cells_are_neutralized_in_the_csv_only_and_raw_csv_keeps_them() {
        let mut r = record();
        r.content = Some("=HYPERLINK(\"http://x\",\"y\")".into());
        r.category = Some("@SUM(1+1)".into());
        r.lead_unit = Some("-3+4".into());
        let page = page_with(r);
        let read = |format| {
            let rendered = render(&page, format).unwrap();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&rendered.csv[..]);
            let row = reader.records().next().unwrap().unwrap();
            let json: Value = serde_json::from_slice(&rendered.jsonl).unwrap();
            (row, json)
        };
        let (row, json) = read(CsvFormat::default());
        assert_eq!(&row[9], "'=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(&row[7], "'@SUM(1+1)");
        assert_eq!(&row[16], "'-3+4");
        assert_eq!(&row[10], "80.0", "numbers stay numbers");
        assert_eq!(json["content"], "=HYPERLINK(\"http://x\",\"y\")");
        let (row, _) = read(CsvFormat {
            bom: false,
            raw: true,
        });
        assert_eq!(&row[9], "=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(&row[16], "-3+4");
    }
}
