//! The store -> the output folder. The current records go through `emit` (the same
//! records.csv / records.jsonl / pages.json as `scrape`, Record schema v1 unchanged); the
//! history goes to two extra files, `records_history.csv` and `records_history.jsonl`, whose
//! columns are the v1 columns followed by `valid_from` and `valid_to` (null while current),
//! so that scripts reading records.csv never meet a column they do not expect.
//!
//! The history files belong to the folder's set like the others (`emit::set`): written into
//! the new generation, replaced together with records.csv, 0644 like every output.
//!
//! A store that went back (it lost its -wal file, or an older copy was put back) is never
//! turned into outputs over the newer ones it wrote: each set's manifest names the store and
//! its generation, and [`ensure_not_behind`] refuses to write an older one.
//!
//! A crawl writes its outputs only when they would change ([`refresh_current`]): the store
//! counts every change to what is exported (see `store.rs`, `outputs`), and notes which count
//! each folder holds. A nightly crawl that found nothing new leaves the files, and their
//! modification times, as they were; a folder whose files are missing is written again.
//! `minsheng export` always writes.

use crate::emit::{
    self, CsvFormat, Derived, EmitError, Output, StoreOrigin, COLUMNS, PAGES_JSON, RECORDS_CSV,
    RECORDS_JSONL,
};
use crate::record::PageReport;
use crate::store::{Store, StoreError};
use std::fs;
use std::path::{Path, PathBuf};

pub use crate::emit::{HISTORY_CSV, HISTORY_JSONL};

/// Why the outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// The folder holds outputs of a later state of this same store: the store went back (a
    /// lost or damaged -wal file, a restored backup). Writing would put less over more.
    #[error(
        "{}: these outputs ({records} record(s)) were written from generation {written} \
         of the store {}, which is now at generation {now}: the store has lost changes \
         (a deleted or damaged {}-wal file, or an older copy put back). Nothing was \
         written. Restore the store from a backup, or, to keep what it holds now, move \
         {} away and run again",
        out.display(),
        store.display(),
        store.display(),
        out.display()
    )]
    StoreWentBack {
        out: PathBuf,
        store: PathBuf,
        written: i64,
        now: i64,
        records: usize,
    },
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    pub pages: usize,
    pub records: usize,
    /// Record versions in records_history.*, when asked for.
    pub versions: usize,
}

/// Why reading the reports for the outputs stopped.
enum Halt {
    Store(StoreError),
    /// The thread writing them stopped (on an error of its own).
    WriterStopped,
}

impl From<StoreError> for Halt {
    fn from(e: StoreError) -> Halt {
        Halt::Store(e)
    }
}

/// Refuses to write `out` from `store` when `out` holds outputs of a later generation of the
/// same store (see [`ExportError::StoreWentBack`]). A crawl asks before its first request, so
/// that a store that went back does not start its history again.
pub fn ensure_not_behind(store: &Store, out: &Path) -> Result<(), ExportError> {
    let Some(manifest) = emit::current_manifest(out) else {
        return Ok(());
    };
    let Some(origin) = manifest.store else {
        return Ok(());
    };
    if Path::new(&origin.path) != store.path() {
        return Ok(());
    }
    let now = store.outputs_generation()?;
    if now < origin.generation {
        return Err(ExportError::StoreWentBack {
            out: out.to_path_buf(),
            store: store.path().to_path_buf(),
            written: origin.generation,
            now,
            records: manifest.records,
        });
    }
    Ok(())
}

/// Writes the current records and pages of every stored article to `out`, in URL order, and
/// with `history` every record version to records_history.* — one set, replaced at once.
/// An article that never yielded a version is listed in pages.json with its last error.
pub fn write_current(
    store: &Store,
    out: &Path,
    format: CsvFormat,
    derived: Derived,
    history: bool,
) -> Result<Written, ExportError> {
    ensure_not_behind(store, out)?;
    let generation = store.outputs_generation()?;
    let mut output = Output::create(out, format)?;
    output.derive(derived);
    output.set_origin(StoreOrigin {
        path: store.path().to_string_lossy().into_owned(),
        generation,
    });
    let mut written = Written::default();
    // Reading the reports (SQLite and each one's JSON) and rendering them into the three
    // files take about as long as each other, so the rendering and writing go on a thread
    // of their own, each report handed over as it is read (issue 16: the outputs of a
    // 3,000-host first crawl took 0.8 s after its last request).
    let (send, pages) = std::sync::mpsc::sync_channel::<PageReport>(64);
    std::thread::scope(|scope| {
        let writing = scope.spawn(|| -> Result<(), ExportError> {
            for page in pages {
                written.records += page.records().count();
                output.write_page(&page)?;
                written.pages += 1;
            }
            Ok(())
        });
        let read = store.each_article(|article| {
            let page = article.report.unwrap_or_else(|| {
                let error = article
                    .error
                    .unwrap_or_else(|| "not fetched yet".to_string());
                PageReport::failed(article.url, error)
            });
            send.send(page).map_err(|_| Halt::WriterStopped)
        });
        drop(send);
        // The writing thread's error, when it stopped, is the one that says why.
        match writing.join() {
            Ok(wrote) => wrote?,
            Err(panic) => std::panic::resume_unwind(panic),
        }
        match read {
            Ok(()) | Err(Halt::WriterStopped) => Ok(()),
            Err(Halt::Store(e)) => Err(ExportError::Store(e)),
        }
    })?;
    if history {
        written.versions = write_history(store, &mut output)?;
    }
    output.finish()?;
    Ok(written)
}

/// Writes the current outputs to `out` unless it already holds them: the store has not
/// changed since they were written there and the three files, and the `derived` ones asked
/// for, are still in place. None when nothing needed writing.
pub fn refresh_current(
    store: &Store,
    out: &Path,
    format: CsvFormat,
    derived: Derived,
) -> Result<Option<Written>, ExportError> {
    let generation = store.outputs_generation()?;
    let in_place = [RECORDS_CSV, RECORDS_JSONL, PAGES_JSON]
        .into_iter()
        .chain(derived.files())
        .all(|name| out.join(name).is_file());
    if in_place && store.exported_generation(&folder_key(out))? == Some(generation) {
        return Ok(None);
    }
    let written = write_current(store, out, format, derived, false)?;
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
/// `records_history.jsonl` of the set being written, with the same care as the current
/// records: no control characters, formulas neutralized unless the format is raw.
fn write_history(store: &Store, output: &mut Output) -> Result<usize, ExportError> {
    let versions = store.history()?;
    let format = output.format();
    let mut rows = Vec::with_capacity(versions.len());
    for v in &versions {
        let rendered =
            emit::render_version(&v.record, &v.valid_from, v.valid_to.as_deref(), format)
                .map_err(|e| e.in_dir(output.dir()))?;
        rows.push(rendered);
    }
    output.write_file(HISTORY_CSV, |file| {
        if format.bom {
            file.write_all(b"\xEF\xBB\xBF")?;
        }
        let mut csv = csv::Writer::from_writer(file);
        let mut header: Vec<&str> = COLUMNS.to_vec();
        header.extend(["valid_from", "valid_to"]);
        csv.write_record(&header)?;
        for (fields, _) in &rows {
            csv.write_record(fields)?;
        }
        csv.flush()
    })?;
    output.write_file(HISTORY_JSONL, |file| {
        for (_, line) in &rows {
            writeln!(file, "{line}")?;
        }
        Ok(())
    })?;
    Ok(versions.len())
}
