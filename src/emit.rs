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
mod render;
pub mod report;
pub mod timeline;
pub mod xlsx;

use crate::record::PageReport;
pub use derived::Derived;
pub use render::{
    csv_fields, render, render_version, render_with, CsvFormat, RenderError, Rendered,
};
use serde_json::Value;
pub use set::{current_manifest, StoreOrigin};
use set::{Generation, Manifest, Step};
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
/// Every version of the crawl store's records (`export --history`).
pub const HISTORY_CSV: &str = "records_history.csv";
pub const HISTORY_JSONL: &str = "records_history.jsonl";

/// A failure to write the outputs, with the file it concerns.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct EmitError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
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
mod tests;
