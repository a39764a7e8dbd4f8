//! Emit: page reports -> `records.csv`, `records.jsonl`, `pages.json`. This module owns the
//! formats: [`COLUMNS`] fixes the CSV column order and the JSONL keys (Record schema v2);
//! pages.json carries `"schema": 2` in every page object.
//!
//! Outputs are streamed (a page is written as soon as it is produced, so ten thousand pages
//! take no more memory than one) into temporary files beside the targets, and renamed into
//! place only by [`Output::finish`]: a run that fails half-way (a full disk, a kill) leaves the
//! previous outputs whole. Chinese is written as UTF-8 text, never `\uXXXX`. `--bom` puts a
//! UTF-8 byte-order mark before the CSV so that Excel opens it without mojibake.

pub mod report;
pub mod xlsx;

use crate::record::{PageReport, Record};
use serde_json::Value;
use std::fmt;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

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

/// One page as it goes into the three files: its records' CSV rows and JSONL lines, and its
/// pages.json element. Rendering is pure and costs more than writing, so `scrape` renders in
/// its parallel workers and only the writing is done in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub csv: Vec<u8>,
    pub jsonl: Vec<u8>,
    pub page: String,
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

/// Renders `page` for [`Output::write_rendered`]: the same bytes [`Output::write_page`]
/// writes.
pub fn render(page: &PageReport) -> Result<Rendered, RenderError> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut jsonl = Vec::new();
    for record in page.records() {
        csv.write_record(csv_fields(record))
            .map_err(|e| RenderError::of(RECORDS_CSV, e))?;
        serde_json::to_writer(&mut jsonl, record).map_err(|e| RenderError::of(RECORDS_JSONL, e))?;
        jsonl.push(b'\n');
    }
    let csv = csv
        .into_inner()
        .map_err(|e| RenderError::of(RECORDS_CSV, e.into_error()))?;
    let page = serde_json::to_string_pretty(page).map_err(|e| RenderError::of(PAGES_JSON, e))?;
    Ok(Rendered { csv, jsonl, page })
}

/// The three outputs being written.
pub struct Output {
    dir: PathBuf,
    /// CSV rows arrive rendered (see [`render`]); only the header is written here.
    csv: BufWriter<NamedTempFile>,
    jsonl: BufWriter<NamedTempFile>,
    pages: BufWriter<NamedTempFile>,
    pages_written: usize,
}

impl Output {
    /// Starts writing into `dir` (created if missing).
    pub fn create(dir: &Path, bom: bool) -> Result<Output, EmitError> {
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| EmitError { path, source }
        };
        fs::create_dir_all(dir).map_err(err(dir))?;
        let temp = |name: &str| {
            tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .suffix(".tmp")
                .tempfile_in(dir)
                .map_err(err(&dir.join(name)))
        };
        let mut csv_file = temp(RECORDS_CSV)?;
        if bom {
            csv_file
                .write_all(b"\xEF\xBB\xBF")
                .map_err(err(&dir.join(RECORDS_CSV)))?;
        }
        let mut header = csv::Writer::from_writer(Vec::new());
        let header = header
            .write_record(COLUMNS)
            .map_err(io::Error::from)
            .and_then(|()| header.into_inner().map_err(|e| e.into_error()))
            .map_err(err(&dir.join(RECORDS_CSV)))?;
        let mut csv = BufWriter::new(csv_file);
        csv.write_all(&header)
            .map_err(err(&dir.join(RECORDS_CSV)))?;
        let mut pages = BufWriter::new(temp(PAGES_JSON)?);
        pages.write_all(b"[").map_err(err(&dir.join(PAGES_JSON)))?;
        Ok(Output {
            dir: dir.to_path_buf(),
            csv,
            jsonl: BufWriter::new(temp(RECORDS_JSONL)?),
            pages,
            pages_written: 0,
        })
    }

    /// The folder being written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes one page: its records to the CSV and JSONL, the page to pages.json.
    pub fn write_page(&mut self, page: &PageReport) -> Result<(), EmitError> {
        let rendered = render(page).map_err(|e| e.in_dir(&self.dir))?;
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
        Ok(())
    }

    /// Flushes, syncs and renames the three files into place.
    pub fn finish(mut self) -> Result<(), EmitError> {
        let pages_path = self.path(PAGES_JSON);
        self.pages.write_all(b"\n]\n").map_err(|source| EmitError {
            path: pages_path.clone(),
            source,
        })?;
        let csv = self.csv.into_inner().map_err(|e| EmitError {
            path: self.dir.join(RECORDS_CSV),
            source: e.into_error(),
        })?;
        let jsonl = self.jsonl.into_inner().map_err(|e| EmitError {
            path: self.dir.join(RECORDS_JSONL),
            source: e.into_error(),
        })?;
        let pages = self.pages.into_inner().map_err(|e| EmitError {
            path: pages_path,
            source: e.into_error(),
        })?;
        for (file, name) in [
            (csv, RECORDS_CSV),
            (jsonl, RECORDS_JSONL),
            (pages, PAGES_JSON),
        ] {
            let target = self.dir.join(name);
            readable_by_all(&file).map_err(|source| EmitError {
                path: target.clone(),
                source,
            })?;
            file.as_file().sync_all().map_err(|source| EmitError {
                path: target.clone(),
                source,
            })?;
            file.persist(&target).map_err(|e| EmitError {
                path: target,
                source: e.error,
            })?;
        }
        Ok(())
    }
}

/// Temporary files are created private (0600); outputs are for analysts to share, like any
/// file the user writes (0644).
fn readable_by_all(file: &NamedTempFile) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Writes all `pages` to `dir` at once.
pub fn write_all(dir: &Path, bom: bool, pages: &[PageReport]) -> Result<(), EmitError> {
    let mut out = Output::create(dir, bom)?;
    for page in pages {
        out.write_page(page)?;
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Scope, TableReport};

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
        let mut out = Output::create(dir.path(), false).unwrap();
        out.write_page(&PageReport::failed("file:///b.html", "x"))
            .unwrap();
        drop(out);
        assert_eq!(fs::read(dir.path().join(PAGES_JSON)).unwrap(), before);
    }
}
