//! The crawl store: one SQLite file (rusqlite with SQLite bundled, so there is nothing to
//! install) holding, per URL, what the last fetch said (ETag, Last-Modified, SHA-256 of the
//! body, status, time), every distinct raw version of every page (zlib-compressed, so that
//! `minsheng reparse` can extract again offline after a parser improvement), the record
//! history, and the suspect fetches (a 200 that was not the article).
//!
//! Crash safety: the database runs in WAL mode and every page's result is written by one
//! method as one savepoint, with idempotent upserts (`INSERT OR IGNORE` of a raw version
//! keyed by its hash; record versions closed and opened by key). A process killed at any
//! point leaves either the page's whole result or none of it, and the re-run redoes exactly
//! the missing pages. Outside a group a savepoint is a transaction of its own; inside
//! [`Store::begin_group`] / [`Store::commit_group`] many pages share one commit, each still
//! whole or absent (a save that fails is rolled back to its savepoint alone).
//!
//! Records are versioned per (page URL, table_index, row key). The row key is `seq=N` when
//! every row of the table has a distinct 序号, else `row=N` (the row's position): a row
//! inserted above others then only shifts rows in tables without 序号. A record *changed*
//! when anything but `fetched_at` / `content_sha256` differs; an unchanged record's open
//! version is refreshed in place to the newest page version. This module decides nothing
//! about what a good page is: the crawl does, and calls the matching `save_*`.

use crate::pipeline::sha256_hex;
use crate::record::{PageReport, Record};
use flate2::read::ZlibDecoder;
use flate2::{Compress, Compression, FlushCompress, Status};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Params};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod error;
mod health;

pub use error::{StoreError, StoreErrorKind};

use codec::*;
use schema::*;

/// The store's canonical path: symlinks resolved, so that every name of a store is the same
/// store (and the same lock, see `crawl::lock_store`). The folder is created when missing;
/// a store file not there yet is named inside the folder's canonical path.
pub fn canonical_store_path(path: &Path) -> Result<PathBuf, StoreError> {
    let fail = |context: String, e: std::io::Error| StoreError::caused_by(path, context, e);
    if let Ok(real) = std::fs::canonicalize(path) {
        return Ok(real);
    }
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create the folder {}", dir.display()), e))?;
            dir.to_path_buf()
        }
        None => PathBuf::from("."),
    };
    let dir = std::fs::canonicalize(&dir)
        .map_err(|e| fail(format!("cannot resolve the folder {}", dir.display()), e))?;
    match path.file_name() {
        Some(name) => Ok(dir.join(name)),
        None => Err(StoreError::new(
            path,
            "cannot use the store",
            StoreErrorKind::Other,
            "the path names a folder, not a file",
        )),
    }
}

/// Whether a URL is a column (list) page or an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    List,
    Article,
}

impl PageKind {
    fn as_str(self) -> &'static str {
        match self {
            PageKind::List => "list",
            PageKind::Article => "article",
        }
    }
}

/// The bytes of one HTTP response and what came with them, as the store keeps them: the
/// fetcher's own type, so a page goes from fetch to the store without being copied into
/// another struct (a stored version was never a 304: `not_modified` is false).
pub type Snapshot = crate::pipeline::Fetched;

/// What the store knows of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageState {
    pub url: String,
    pub kind: PageKind,
    pub source: String,
    pub publisher: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// SHA-256 of the stored version; None until one was stored.
    pub sha256: Option<String>,
    pub status: Option<u16>,
    pub checked_at: Option<String>,
    pub error: Option<String>,
    pub suspect: bool,
    /// The stored version has at least one record.
    pub has_records: bool,
}

/// The columns [`page_state`] reads, as a literal for `concat!`.
macro_rules! page_state_columns {
    () => {
        "url, kind, source, publisher, etag, last_modified, sha256, status, checked_at, error,
         suspect, has_records"
    };
}

fn page_state(r: &rusqlite::Row) -> rusqlite::Result<PageState> {
    let kind: String = r.get(1)?;
    Ok(PageState {
        url: r.get(0)?,
        kind: if kind == "list" {
            PageKind::List
        } else {
            PageKind::Article
        },
        source: r.get(2)?,
        publisher: r.get(3)?,
        etag: r.get(4)?,
        last_modified: r.get(5)?,
        sha256: r.get(6)?,
        status: r.get(7)?,
        checked_at: r.get(8)?,
        error: r.get(9)?,
        suspect: r.get(10)?,
        has_records: r.get(11)?,
    })
}

/// How a page's records moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordChanges {
    pub new: usize,
    pub changed: usize,
    pub removed: usize,
    pub unchanged: usize,
}

impl std::ops::AddAssign for RecordChanges {
    fn add_assign(&mut self, o: RecordChanges) {
        self.new += o.new;
        self.changed += o.changed;
        self.removed += o.removed;
        self.unchanged += o.unchanged;
    }
}

/// One version of a record, for `export --history`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordVersion {
    /// The record as it was saved.
    pub record: Record,
    pub valid_from: String,
    /// None while current.
    pub valid_to: Option<String>,
}

/// An article page for the outputs: its stored report, or the error of its last attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleOut {
    pub url: String,
    /// The report of the stored version.
    pub report: Option<PageReport>,
    pub error: Option<String>,
}

/// An article whose stored raw version can be extracted again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReparseInput {
    pub url: String,
    /// The source the page was last saved under (its records' `source_name`).
    pub source: String,
    pub publisher: Option<String>,
    pub sha256: String,
}

/// The open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Reused for every raw version: a fresh compressor allocates its tables (hundreds of KB)
    /// for each page, which costs more than compressing a small page (see [`compress`]).
    /// Made on first use: a run that stores nothing new (and the read-only connection)
    /// never needs it, and making one was 2% of the CPU time of such a crawl.
    deflate: Option<Compress>,
}

/// Runs one statement, prepared once per connection: SQLite's parser was the largest cost of
/// saving a small page before statements were cached.
fn exec(conn: &Connection, sql: &str, params: impl Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// `query_row` through the connection's statement cache.
fn query_row<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, f)
}

impl Store {
    /// Opens (creating when missing, with its folder) the store at `path`, by its canonical
    /// path (a symlinked `--db` is the store it points to). An existing store is checked
    /// first (`store::health`): one without its tables or failing SQLite's quick check is an error.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let path = &canonical_store_path(path)?;
        let err = |context: &str| {
            let path = path.to_path_buf();
            let context = context.to_string();
            move |e: rusqlite::Error| StoreError::caused_by(path, context, e)
        };
        let existed = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        let conn = Connection::open(path).map_err(err("cannot open the store"))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(err("cannot set the busy timeout"))?;
        // Room for every statement of this module, so that none is parsed twice in a run.
        conn.set_prepared_statement_cache_capacity(32);
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| match existed {
                true => health::damaged_by(path, format!("SQLite cannot read it ({e})"), e),
                false => err("cannot read the schema version")(e),
            })?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::new(
                path,
                "cannot use the store",
                StoreErrorKind::Other,
                format!(
                    "it has schema version {version}, this minsheng knows {SCHEMA_VERSION}; use a newer minsheng"
                ),
            ));
        }
        if existed {
            health::ensure_has_tables(&conn, path)?;
            health::quick_check(&conn, path)?;
        }
        if version < SCHEMA_VERSION {
            // Writes only on a new (or older) store, so that `export` beside a running crawl
            // never waits for the writer. Every statement is `IF NOT EXISTS` / `OR IGNORE`:
            // an older store gains the newer tables and indexes and keeps its data. One
            // transaction, and for a new store before WAL mode: a crash never leaves a file
            // without its tables (which [`health`] would refuse).
            conn.execute_batch("BEGIN IMMEDIATE")
                .map_err(err("cannot start creating the tables"))?;
            conn.execute_batch(SCHEMA)
                .map_err(err("cannot create the tables"))?;
            if version == 1 {
                conn.execute_batch(MIGRATE_1_TO_2)
                    .map_err(err("cannot move the reports to their table"))?;
            }
            if version >= 1 {
                upgrade_to_record_v2(&conn)
                    .map_err(err("cannot bring the stored records to Record schema v2"))?;
                rehash(&conn).map_err(err("cannot take the records' content hashes again"))?;
            }
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(err("cannot set the schema version"))?;
            // An error above drops the connection, which rolls the transaction back.
            conn.execute_batch("COMMIT")
                .map_err(err("cannot commit the tables"))?;
        }
        // WAL: a commit is one append to the log, readers (export) never block the crawl, and
        // a killed process leaves the last committed state. NORMAL sync is durable against a
        // process crash (what the scheduler can do to us); FULL would only add power-loss
        // durability at a fsync per page. Every command ends with [`Store::checkpoint`].
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err("cannot switch to WAL mode"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err("cannot set synchronous"))?;
        // Temporary files (statement journals past 64 KiB, sorts) in memory: a save never
        // needs a new descriptor, so a crawl that meets the open-file limit fails the
        // requests that met it, not the save of a page it already has (issue 16).
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(err("cannot set temp_store"))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            deflate: None,
        })
    }

    /// Opens an existing store for reading only, beside the connection that writes: in WAL
    /// mode a reader sees the last commit and never waits for the writer.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let fail = failing::<rusqlite::Error>(path, "cannot open the store for reading");
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            deflate: None,
        })
    }

    /// Starts a group: every save until [`Store::commit_group`] shares one transaction and one
    /// commit. A commit writes every touched database page to the log once; a crawl saving a
    /// few hundred small pages at once spent most of its store time in per-page commits.
    pub fn begin_group(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.err("cannot start a transaction"))
    }

    /// A group is open (SQLite has not rolled it back).
    pub fn in_group(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// The error of a group that SQLite rolled back on its own.
    pub fn group_lost(&self) -> StoreError {
        StoreError::new(
            &self.path,
            "its transaction was rolled back by SQLite",
            StoreErrorKind::Io,
            "the disk is full or an I/O error occurred",
        )
    }

    /// Caps the database at `extra` pages more than it has now: saves past that fail as on a
    /// full disk.
    #[cfg(test)]
    pub(crate) fn fill_disk_after(&self, extra: i64) {
        let pages: i64 = self
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        self.conn
            .pragma_update(None, "max_page_count", pages + extra)
            .unwrap();
    }

    /// Rolls the open group back, as SQLite does on its own after some I/O errors.
    #[cfg(test)]
    pub(crate) fn lose_group(&self) {
        self.conn.execute_batch("ROLLBACK").unwrap();
    }

    /// Commits the group; when the commit fails, it is rolled back and none of its saves
    /// stays (the pages are fetched again by the next run).
    pub fn commit_group(&mut self) -> Result<(), StoreError> {
        let committed = self.conn.execute_batch("COMMIT");
        if committed.is_err() && !self.conn.is_autocommit() {
            // Best effort: the commit's own error is the one to report.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        committed.map_err(self.err("cannot commit"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> StoreError {
        let path = self.path.clone();
        let context = context.into();
        move |e| StoreError::caused_by(path, context, e)
    }
}

// After `page_state_columns!`, which pages.rs and records.rs use.
mod codec;
mod pages;
mod records;
mod schema;
#[cfg(test)]
mod tests;
