//! `minsheng export` and `minsheng reparse` as library functions: options in, a summary or an
//! error out (the binary prints them and picks the exit status). Each ends with the store's
//! log checkpointed into its database file (`store::health`).

use super::{checkpoint, export, lock_store, writer, CrawlError};
use crate::emit::{CsvFormat, Derived};
use crate::pipeline::{self, Source};
use crate::store::{RecordChanges, ReparseInput, Store, StoreError};
use std::path::Path;

fn open_existing(db: &Path) -> Result<Store, CrawlError> {
    if !db.is_file() {
        return Err(CrawlError::NoStore(db.to_path_buf()));
    }
    Ok(Store::open(db)?)
}

/// `minsheng export`: the store's current records to `out`; with `history`, every version,
/// all one set, with the `derived` outputs. Reads only, so it may run beside a crawl (WAL
/// readers do not block the writer); it ends with a checkpoint, which a running crawl leaves
/// for its own end.
pub fn export_current(
    db: &Path,
    out: &Path,
    format: CsvFormat,
    derived: Derived,
    history: bool,
) -> Result<export::Written, CrawlError> {
    let store = open_existing(db)?;
    let written = export::write_current(&store, out, format, derived, history)?;
    checkpoint(&store)?;
    Ok(written)
}

/// What a reparse did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReparseSummary {
    pub pages: usize,
    pub failed: usize,
    pub records: RecordChanges,
    /// Why each failed page failed: its URL and the reason.
    pub failures: Vec<(String, String)>,
}

/// Extracts every stored article again from its stored raw version, committing the record
/// changes (a changed record's new version is valid from now), then writes --out.
pub fn reparse(db: &Path, out: &Path) -> Result<ReparseSummary, CrawlError> {
    reparse_as(db, out, CsvFormat::default())
}

/// [`reparse`], writing records.csv in `format` (`--raw-csv`).
pub fn reparse_as(db: &Path, out: &Path, format: CsvFormat) -> Result<ReparseSummary, CrawlError> {
    reparse_with(db, out, format, Derived::default())
}

/// [`reparse_as`], writing the `derived` outputs too (`--xlsx`, `--timeline`, `--report`).
pub fn reparse_with(
    db: &Path,
    out: &Path,
    format: CsvFormat,
    derived: Derived,
) -> Result<ReparseSummary, CrawlError> {
    if !db.is_file() {
        return Err(CrawlError::NoStore(db.to_path_buf()));
    }
    let _lock = lock_store(db)?;
    let mut store = open_existing(db)?;
    export::ensure_not_behind(&store, out)?;
    let mut summary = ReparseSummary::default();
    let now = pipeline::now_utc();
    let inputs = store.reparse_inputs()?;
    for group in inputs.chunks(writer::MAX_GROUP) {
        store.begin_group()?;
        reparse_group(&mut store, group, &now, &mut summary)?;
        store.commit_group()?;
    }
    export::write_current(&store, out, format, derived, false)?;
    checkpoint(&store)?;
    Ok(summary)
}

/// Extracts and saves a group of stored articles (inside one transaction).
fn reparse_group(
    store: &mut Store,
    group: &[ReparseInput],
    now: &str,
    summary: &mut ReparseSummary,
) -> Result<(), StoreError> {
    for input in group {
        let Some(raw) = store.raw(&input.url, &input.sha256)? else {
            let reason = format!("the stored version {} is missing", input.sha256);
            summary.failures.push((input.url.clone(), reason));
            summary.failed += 1;
            continue;
        };
        let report = pipeline::process(&Source {
            url: &input.url,
            default_publisher: input.publisher.as_deref(),
            source_name: Some(&input.source),
            // The config is not read here: the county comes from the page again.
            ..Source::fetched(&raw)
        });
        let changes = store.save_reparsed(&report, now)?;
        summary.pages += 1;
        summary.records += changes;
    }
    Ok(())
}
