//! The store -> the output folder. The current records go through `emit` (the same
//! records.csv / records.jsonl / pages.json as `scrape`, Record schema v1 unchanged); the
//! history goes to two extra files, `records_history.csv` and `records_history.jsonl`, whose
//! columns are the v1 columns followed by `valid_from` and `valid_to` (null while current),
//! so that scripts reading records.csv never meet a column they do not expect.
//!
//! Every file is written to a temporary name beside the target and renamed into place.
//!
//! A crawl writes its outputs only when they would change ([`refresh_current`]): the store
//! counts every change to what is exported (see `store.rs`, `outputs`), and notes which count
//! each folder holds. A nightly crawl that found nothing new leaves the files, and their
//! modification times, as they were; a folder whose files are missing is written again.
//! `minsheng export` always writes.

use crate::emit::{self, EmitError, Output, COLUMNS, PAGES_JSON, RECORDS_CSV, RECORDS_JSONL};
use crate::record::PageReport;
use crate::store::{Store, StoreError};
use serde_json::Value;
use std::fmt;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub const HISTORY_CSV: &str = "records_history.csv";
pub const HISTORY_JSONL: &str = "records_history.jsonl";

/// Why the outputs could not be written.
#[derive(Debug)]
pub enum ExportError {
    Store(StoreError),
    Emit(EmitError),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Store(e) => e.fmt(f),
            ExportError::Emit(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<StoreError> for ExportError {
    fn from(e: StoreError) -> Self {
        ExportError::Store(e)
    }
}

impl From<EmitError> for ExportError {
    fn from(e: EmitError) -> Self {
        ExportError::Emit(e)
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    pub pages: usize,
    pub records: usize,
    pub versions: usize,
}

/// Writes the current records and pages of every stored article to `out`, in URL order.
/// An article that never yielded a version is listed in pages.json with its last error.
pub fn write_current(store: &Store, out: &Path) -> Result<Written, ExportError> {
    let mut output = Output::create(out, false)?;
    let mut written = Written::default();
    for article in store.articles()? {
        let page = article.report.unwrap_or_else(|| {
            let error = article
                .error
                .unwrap_or_else(|| "not fetched yet".to_string());
            PageReport::failed(article.url, error)
        });
        written.records += page.records().count();
        output.write_page(&page)?;
        written.pages += 1;
    }
    output.finish()?;
    Ok(written)
}

/// Writes the current outputs to `out` unless it already holds them: the store has not
/// changed since they were written there and the three files are still in place. None when
/// nothing needed writing.
pub fn refresh_current(store: &Store, out: &Path) -> Result<Option<Written>, ExportError> {
    let generation = store.outputs_generation()?;
    let in_place = [RECORDS_CSV, RECORDS_JSONL, PAGES_JSON]
        .iter()
        .all(|name| out.join(name).is_file());
    if in_place && store.exported_generation(&folder_key(out))? == Some(generation) {
        return Ok(None);
    }
    let written = write_current(store, out)?;
    store.save_exported(&folder_key(out), generation, &crate::pipeline::now_utc())?;
    Ok(Some(written))
}

/// The folder's absolute path, so that `out` and `./out` are the same folder.
fn folder_key(out: &Path) -> String {
    fs::canonicalize(out)
        .unwrap_or_else(|_| out.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Writes every record version with `valid_from` / `valid_to` to `records_history.csv` and
/// `records_history.jsonl` in `out`.
pub fn write_history(store: &Store, out: &Path) -> Result<usize, ExportError> {
    let versions = store.history()?;
    let err = |path: PathBuf| move |source: std::io::Error| EmitError { path, source };
    fs::create_dir_all(out).map_err(err(out.to_path_buf()))?;
    let temp = |name: &str| {
        tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(out)
            .map_err(err(out.join(name)))
    };
    let csv_path = out.join(HISTORY_CSV);
    let jsonl_path = out.join(HISTORY_JSONL);
    let csv_err = |e: csv::Error| EmitError {
        path: csv_path.clone(),
        source: e.into(),
    };
    let mut csv = csv::Writer::from_writer(temp(HISTORY_CSV)?);
    let mut header: Vec<&str> = COLUMNS.to_vec();
    header.extend(["valid_from", "valid_to"]);
    csv.write_record(&header).map_err(csv_err)?;
    let mut jsonl = BufWriter::new(temp(HISTORY_JSONL)?);
    for v in &versions {
        let mut fields: Vec<String> = COLUMNS
            .iter()
            .map(|c| emit::csv_field(&v.record[*c]))
            .collect();
        fields.push(v.valid_from.clone());
        fields.push(v.valid_to.clone().unwrap_or_default());
        csv.write_record(&fields).map_err(csv_err)?;
        let mut object = v.record.as_object().cloned().unwrap_or_default();
        object.insert("valid_from".into(), Value::from(v.valid_from.clone()));
        object.insert(
            "valid_to".into(),
            v.valid_to.clone().map_or(Value::Null, Value::from),
        );
        writeln!(jsonl, "{}", Value::Object(object)).map_err(err(jsonl_path.clone()))?;
    }
    let csv = csv.into_inner().map_err(|e| EmitError {
        path: csv_path.clone(),
        source: e.into_error(),
    })?;
    let jsonl = jsonl.into_inner().map_err(|e| EmitError {
        path: jsonl_path.clone(),
        source: e.into_error(),
    })?;
    for (file, target) in [(csv, csv_path.clone()), (jsonl, jsonl_path.clone())] {
        file.as_file().sync_all().map_err(err(target.clone()))?;
        file.persist(&target).map_err(|e| EmitError {
            path: target,
            source: e.error,
        })?;
    }
    Ok(versions.len())
}
