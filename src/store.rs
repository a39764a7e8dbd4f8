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
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod health;

/// The store's canonical path: symlinks resolved, so that every name of a store is the same
/// store (and the same lock, see `crawl::lock_store`). The folder is created when missing;
/// a store file not there yet is named inside the folder's canonical path.
pub fn canonical_store_path(path: &Path) -> Result<PathBuf, StoreError> {
    let fail = |context: String, e: std::io::Error| StoreError {
        path: path.to_path_buf(),
        context,
        reason: e.to_string(),
    };
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
        None => Err(StoreError {
            path: path.to_path_buf(),
            context: "cannot use the store".into(),
            reason: "the path names a folder, not a file".into(),
        }),
    }
}

/// Bumped when the schema changes; a newer store is refused rather than misread.
/// Version 4: the stored records and reports are Record schema v2 ([`upgrade_to_record_v2`]).
const SCHEMA_VERSION: i64 = 4;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS pages (
    url           TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('list', 'article')),
    source        TEXT NOT NULL,
    publisher     TEXT,
    -- the stored (good) version: conditional requests are made against it
    etag          TEXT,
    last_modified TEXT,
    sha256        TEXT,
    -- the last attempt
    status        INTEGER,
    checked_at    TEXT,
    error         TEXT,
    suspect       INTEGER NOT NULL DEFAULT 0,
    has_records   INTEGER NOT NULL DEFAULT 0,
    -- version 1 kept the report here; version 2 keeps it in `reports`, so that refreshing
    -- a page's fetch state (every run, for every page) does not rewrite its report
    report        TEXT
);
CREATE TABLE IF NOT EXISTS raw_versions (
    url          TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    fetched_at   TEXT NOT NULL,
    final_url    TEXT NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT,
    etag         TEXT,
    last_modified TEXT,
    size         INTEGER NOT NULL,
    body         BLOB NOT NULL,
    PRIMARY KEY (url, sha256)
);
CREATE TABLE IF NOT EXISTS record_versions (
    id           INTEGER PRIMARY KEY,
    url          TEXT NOT NULL,
    table_index  INTEGER NOT NULL,
    row_key      TEXT NOT NULL,
    row_index    INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    record       TEXT NOT NULL,
    valid_from   TEXT NOT NULL,
    valid_to     TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS record_current
    ON record_versions (url, table_index, row_key) WHERE valid_to IS NULL;
CREATE INDEX IF NOT EXISTS record_by_url ON record_versions (url, table_index, row_index);
-- Version 3: a run reads each source's page states at once (`Store::pages_of`).
CREATE INDEX IF NOT EXISTS page_by_source ON pages (source);
CREATE TABLE IF NOT EXISTS suspect_fetches (
    url        TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    times      INTEGER NOT NULL,
    status     INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    body       BLOB NOT NULL,
    PRIMARY KEY (url, sha256)
);
-- Version 2: the pages.json object of each article's stored version, apart from the fetch
-- state (a row is rewritten whole, overflow pages included, when any column changes).
CREATE TABLE IF NOT EXISTS reports (
    url    TEXT PRIMARY KEY,
    report TEXT NOT NULL
);
-- Version 2: what the outputs were last written from. `generation` moves with every change
-- to what `export` writes (an article's report or error, an article added or removed), by
-- trigger, so that no code path can forget it; `exports` says which generation each output
-- folder holds, so a crawl that changed nothing does not write its outputs again.
CREATE TABLE IF NOT EXISTS outputs (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT OR IGNORE INTO outputs (id, generation) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS exports (
    folder     TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    written_at TEXT NOT NULL
);
-- Version 3: the links of a list page's stored version as read before any source's filter
-- (`crawl::lists::Listing`, JSON), and the URL they were resolved against: a list page that
-- comes back unchanged is not parsed again. A cache: a row whose sha256 or final_url is not
-- the page's current one is never used.
CREATE TABLE IF NOT EXISTS list_links (
    url       TEXT PRIMARY KEY,
    sha256    TEXT NOT NULL,
    final_url TEXT NOT NULL,
    listing   TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS outputs_on_article AFTER INSERT ON pages
    WHEN new.kind = 'article'
    BEGIN UPDATE outputs SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS outputs_on_error AFTER UPDATE OF kind, error ON pages
    WHEN 'article' IN (old.kind, new.kind)
        AND (old.kind IS NOT new.kind OR old.error IS NOT new.error)
    BEGIN UPDATE outputs SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS outputs_on_removed AFTER DELETE ON pages
    WHEN old.kind = 'article'
    BEGIN UPDATE outputs SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS outputs_on_report AFTER INSERT ON reports
    BEGIN UPDATE outputs SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS outputs_on_new_report AFTER UPDATE OF report ON reports
    WHEN old.report IS NOT new.report
    BEGIN UPDATE outputs SET generation = generation + 1; END;
"#;

/// From version 1 to 2: the reports move to their own table.
const MIGRATE_1_TO_2: &str = r#"
INSERT OR IGNORE INTO reports (url, report)
    SELECT url, report FROM pages WHERE report IS NOT NULL;
UPDATE pages SET report = NULL WHERE report IS NOT NULL;
"#;

/// From version 3 (and older) to 4: every stored record and report is brought to Record
/// schema v2 from what it carries (`normalize::page::upgrade_v1`: published_at as a full
/// timestamp, published_date, county, report_year, as_of, article_url, source_format,
/// project_key; source_name is the page's source), and each record's content hash is taken
/// again over its new text, so an unchanged page does not look changed at its next check.
/// progress_note and a cut-off stated only in a heading need the page itself: `reparse`
/// fills them. A row that does not read as a record is left as it was. Idempotent: a record
/// or report already at v2 is left alone, so a migration cut short is simply done again.
fn upgrade_to_record_v2(conn: &Connection) -> rusqlite::Result<()> {
    use crate::normalize::page::upgrade_v1;
    // Runs inside `open`'s one migration transaction.
    let tx = conn;
    let rows: Vec<(i64, String, Option<String>)> = tx
        .prepare(
            "SELECT record_versions.id, record_versions.record, pages.source
             FROM record_versions LEFT JOIN pages ON pages.url = record_versions.url",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, text, source) in rows {
        let Ok(mut record) = serde_json::from_str::<Record>(&text) else {
            continue;
        };
        upgrade_v1(&mut record, source.as_deref());
        let Ok(new_text) = serde_json::to_string(&record) else {
            continue;
        };
        if new_text != text {
            let hash = content_hash(&record, &new_text);
            tx.execute(
                "UPDATE record_versions SET record = ?2, content_hash = ?3 WHERE id = ?1",
                params![id, new_text, hash],
            )?;
        }
    }
    let reports: Vec<(String, String, Option<String>)> = tx
        .prepare(
            "SELECT reports.url, reports.report, pages.source
             FROM reports LEFT JOIN pages ON pages.url = reports.url",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (url, text, source) in reports {
        let Ok(mut report) = serde_json::from_str::<PageReport>(&text) else {
            continue;
        };
        if report.schema >= crate::record::SCHEMA_VERSION {
            continue;
        }
        report.schema = crate::record::SCHEMA_VERSION;
        if report.article_url.is_empty() {
            report.article_url.clone_from(&report.source_url);
        }
        if let Some(published_at) = &report.published_at {
            report.published_at = Some(crate::normalize::dates::full_timestamp(published_at));
        }
        for record in report.tables.iter_mut().flat_map(|t| t.rows.iter_mut()) {
            upgrade_v1(record, source.as_deref());
        }
        if let Ok(new_text) = serde_json::to_string(&report) {
            tx.execute(
                "UPDATE reports SET report = ?2 WHERE url = ?1",
                params![url, new_text],
            )?;
        }
    }
    Ok(())
}

/// A store operation that failed: the database file, what was being done, and why.
#[derive(Debug, Clone)]
pub struct StoreError {
    pub path: PathBuf,
    pub context: String,
    pub reason: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.path.display(),
            self.context,
            self.reason
        )
    }
}

impl std::error::Error for StoreError {}

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

/// The bytes of one HTTP response and what came with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub bytes: Vec<u8>,
    /// ISO 8601 UTC.
    pub fetched_at: String,
}

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
    /// The record as emitted (Record schema v1 keys, in order).
    pub record: Value,
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

/// The compressor of raw versions: zlib at the fast level. Raw versions are written for
/// every new page and read back only by `reparse`, so compressing runs in the crawl's hot path.
/// On 3 KB of the seed page: a fresh compressor at the default level took 180 µs, at the fast
/// level 150 µs, the fast one reused 35 µs, for an output 6% larger than the default's.
fn deflater() -> Compress {
    Compress::new(Compression::fast(), true)
}

/// Turns any error met while doing `context` in the store at `path` into a [`StoreError`].
/// It borrows, so it is `Copy`: one value serves every `?` of a transaction.
fn failing<'a, E: std::fmt::Display>(
    path: &'a Path,
    context: &'a str,
) -> impl Fn(E) -> StoreError + Copy + 'a {
    move |e| StoreError {
        path: path.to_path_buf(),
        context: context.to_string(),
        reason: e.to_string(),
    }
}

/// One zlib stream of `bytes`, with the store's compressor made or reset and reused.
fn compress(deflate: &mut Option<Compress>, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let deflate = match deflate {
        Some(deflate) => {
            deflate.reset();
            deflate
        }
        None => deflate.insert(deflater()),
    };
    let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
    loop {
        let read = usize::try_from(deflate.total_in()).unwrap_or(bytes.len());
        match deflate.compress_vec(
            &bytes[read.min(bytes.len())..],
            &mut out,
            FlushCompress::Finish,
        )? {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
        }
    }
}

fn decompress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    ZlibDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

/// A record's identity within its page: `seq=N` when every row of its table has a distinct
/// 序号, else `row=N`; with its position, its JSON text and its [`content_hash`].
fn row_keys(report: &PageReport) -> Vec<(usize, String, usize, String, String)> {
    let mut out = Vec::new();
    for table in &report.tables {
        let seqs: Vec<Option<i64>> = table.rows.iter().map(|r| r.seq).collect();
        let distinct: HashSet<i64> = seqs.iter().flatten().copied().collect();
        let by_seq = seqs.iter().all(Option::is_some) && distinct.len() == seqs.len();
        for r in &table.rows {
            let key = match (by_seq, r.seq) {
                (true, Some(seq)) => format!("seq={seq}"),
                _ => format!("row={}", r.row_index),
            };
            let (text, hash) = match serde_json::to_string(r) {
                Ok(text) => {
                    let hash = content_hash(r, &text);
                    (text, hash)
                }
                Err(_) => ("null".to_string(), content_hash_of_value(&Value::Null)),
            };
            out.push((r.table_index, key, r.row_index, text, hash));
        }
    }
    out
}

/// Hash of what a record says, without when and from which bytes it was read: the SHA-256 of
/// its JSON (`text`) without `fetched_at` and `content_sha256`. Those two keys stand side by
/// side (the last two of Record schema v1, followed by the nine v2 columns), so the text is
/// cut around them rather than a JSON value built, cloned and edited per row; the value route
/// stays for a record whose text does not read so. Only fixed keys follow them, so the last
/// occurrence of the pair is the record's own.
fn content_hash(record: &Record, text: &str) -> String {
    let pair = serde_json::to_string(&record.fetched_at)
        .and_then(|at| Ok((at, serde_json::to_string(&record.content_sha256)?)))
        .map(|(at, sha)| format!(",\"fetched_at\":{at},\"content_sha256\":{sha}"));
    match pair.ok().and_then(|pair| {
        text.rfind(pair.as_str())
            .map(|at| format!("{}{}", &text[..at], &text[at + pair.len()..]))
    }) {
        Some(without) => sha256_hex(without.as_bytes()),
        None => content_hash_of_value(&serde_json::from_str(text).unwrap_or(Value::Null)),
    }
}

/// [`content_hash`] on a JSON value (the other keys keep their order).
fn content_hash_of_value(record: &Value) -> String {
    let mut v = record.clone();
    if let Value::Object(map) = &mut v {
        map.shift_remove("fetched_at");
        map.shift_remove("content_sha256");
    }
    sha256_hex(v.to_string().as_bytes())
}

impl Store {
    /// Opens (creating when missing, with its folder) the store at `path`, by its canonical
    /// path (a symlinked `--db` is the store it points to). An existing store is checked
    /// first ([`health`]): one without its tables or failing SQLite's quick check is an error.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let path = &canonical_store_path(path)?;
        let err = |context: &str| {
            let path = path.to_path_buf();
            let context = context.to_string();
            move |e: rusqlite::Error| StoreError {
                path,
                context,
                reason: e.to_string(),
            }
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
                true => health::damaged(path, format!("SQLite cannot read it ({e})")),
                false => err("cannot read the schema version")(e),
            })?;
        if version > SCHEMA_VERSION {
            return Err(StoreError {
                path: path.to_path_buf(),
                context: "cannot use the store".into(),
                reason: format!(
                    "it has schema version {version}, this minsheng knows {SCHEMA_VERSION}; use a newer minsheng"
                ),
            });
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
        StoreError {
            path: self.path.clone(),
            context: "its transaction was rolled back by SQLite".into(),
            reason: "the disk is full or an I/O error occurred".into(),
        }
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
        move |e| StoreError {
            path,
            context,
            reason: e.to_string(),
        }
    }

    /// What is known of `url`.
    pub fn page(&self, url: &str) -> Result<Option<PageState>, StoreError> {
        query_row(
            &self.conn,
            concat!(
                "SELECT ",
                page_state_columns!(),
                " FROM pages WHERE url = ?1"
            ),
            [url],
            page_state,
        )
        .optional()
        .map_err(self.err(format!("cannot read the state of {url}")))
    }

    /// What the store knows of every page last saved for `source`, by URL: one indexed read
    /// for a source's list pages and articles instead of one per page.
    pub fn pages_of(&self, source: &str) -> Result<HashMap<String, PageState>, StoreError> {
        let context = || format!("cannot read the page states of the source {source}");
        let mut stmt = self
            .conn
            .prepare_cached(concat!(
                "SELECT ",
                page_state_columns!(),
                " FROM pages WHERE source = ?1"
            ))
            .map_err(self.err(context()))?;
        let states = stmt
            .query_map([source], page_state)
            .and_then(|rows| {
                rows.map(|r| r.map(|state| (state.url.clone(), state)))
                    .collect()
            })
            .map_err(self.err(context()));
        states
    }

    /// The stored raw version of `url` with hash `sha256`.
    pub fn raw(&self, url: &str, sha256: &str) -> Result<Option<Snapshot>, StoreError> {
        let row = query_row(
            &self.conn,
            "SELECT fetched_at, final_url, status, content_type, etag, last_modified, body
                 FROM raw_versions WHERE url = ?1 AND sha256 = ?2",
            params![url, sha256],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u16>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                ))
            },
        )
        .optional()
        .map_err(self.err(format!("cannot read the raw version {sha256} of {url}")))?;
        let Some((fetched_at, final_url, status, content_type, etag, last_modified, body)) = row
        else {
            return Ok(None);
        };
        let bytes = decompress(&body).map_err(|e| StoreError {
            path: self.path.clone(),
            context: format!("cannot decompress the raw version {sha256} of {url}"),
            reason: e.to_string(),
        })?;
        Ok(Some(Snapshot {
            url: url.to_string(),
            final_url,
            status,
            content_type,
            etag,
            last_modified,
            bytes,
            fetched_at,
        }))
    }

    /// How many raw versions of `url` are stored.
    pub fn raw_version_count(&self, url: &str) -> Result<usize, StoreError> {
        query_row(
            &self.conn,
            "SELECT COUNT(*) FROM raw_versions WHERE url = ?1",
            [url],
            |r| r.get(0),
        )
        .map_err(self.err(format!("cannot count the raw versions of {url}")))
    }

    /// `body` is `snap.bytes` compressed (before the transaction, so that it stays short).
    fn insert_raw(
        tx: &Connection,
        snap: &Snapshot,
        sha: &str,
        body: &[u8],
    ) -> rusqlite::Result<()> {
        exec(
            tx,
            "INSERT OR IGNORE INTO raw_versions
               (url, sha256, fetched_at, final_url, status, content_type, etag, last_modified, size, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                snap.url,
                sha,
                snap.fetched_at,
                snap.final_url,
                snap.status,
                snap.content_type,
                snap.etag,
                snap.last_modified,
                snap.bytes.len() as i64,
                body
            ],
        )?;
        Ok(())
    }

    /// A list page's new version: raw bytes kept, fetch state updated. One transaction.
    pub fn save_list(&mut self, source: &str, snap: &Snapshot) -> Result<(), StoreError> {
        let sha = sha256_hex(&snap.bytes);
        let context = format!("cannot save the list page {}", snap.url);
        let fail = failing::<rusqlite::Error>(&self.path, &context);
        let body = compress(&mut self.deflate, &snap.bytes)
            .map_err(failing::<std::io::Error>(&self.path, &context))?;
        let tx = self.conn.savepoint().map_err(fail)?;
        Self::insert_raw(&tx, snap, &sha, &body).map_err(fail)?;
        exec(
            &tx,
            "INSERT INTO pages (url, kind, source, etag, last_modified, sha256, status, checked_at, error, suspect)
             VALUES (?1, 'list', ?2, ?3, ?4, ?5, ?6, ?7, NULL, 0)
             ON CONFLICT (url) DO UPDATE SET kind = 'list', source = ?2, etag = ?3,
               last_modified = ?4, sha256 = ?5, status = ?6, checked_at = ?7, error = NULL, suspect = 0",
            params![snap.url, source, snap.etag, snap.last_modified, sha, snap.status, snap.fetched_at],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// The links read from the list page `url` when its body hashed as `sha256` and was
    /// served from `final_url` (see [`Store::save_listing`]).
    pub fn listing(
        &self,
        url: &str,
        sha256: &str,
        final_url: &str,
    ) -> Result<Option<String>, StoreError> {
        query_row(
            &self.conn,
            "SELECT listing FROM list_links WHERE url = ?1 AND sha256 = ?2 AND final_url = ?3",
            [url, sha256, final_url],
            |r| r.get(0),
        )
        .optional()
        .map_err(self.err(format!("cannot read the links of {url}")))
    }

    /// Keeps the links read from a list page's version (`listing`, JSON), replacing those
    /// of any earlier version.
    pub fn save_listing(
        &mut self,
        url: &str,
        sha256: &str,
        final_url: &str,
        listing: &str,
    ) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "INSERT INTO list_links (url, sha256, final_url, listing) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url) DO UPDATE SET sha256 = ?2, final_url = ?3, listing = ?4",
            params![url, sha256, final_url, listing],
        )
        .map_err(self.err(format!("cannot save the links of {url}")))?;
        Ok(())
    }

    /// A 304, or a 200 whose body hashes as the stored version: nothing to extract; the
    /// validators are refreshed and a suspect or failed state is cleared.
    pub fn save_unchanged(
        &mut self,
        url: &str,
        status: u16,
        checked_at: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "UPDATE pages SET status = ?2, checked_at = ?3, error = NULL, suspect = 0,
                   etag = COALESCE(?4, etag), last_modified = COALESCE(?5, last_modified)
                 WHERE url = ?1",
            params![url, status, checked_at, etag, last_modified],
        )
        .map_err(self.err(format!("cannot save the state of {url}")))?;
        Ok(())
    }

    /// A 304, or a 200 whose body hashes as the stored version, that says nothing new
    /// besides the time: the stored state is already that status, no error, not suspect,
    /// the same validators. Only `checked_at` is written (one column, no trigger to run).
    pub fn save_checked_at(&mut self, url: &str, checked_at: &str) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "UPDATE pages SET checked_at = ?2 WHERE url = ?1",
            params![url, checked_at],
        )
        .map_err(self.err(format!("cannot save the state of {url}")))?;
        Ok(())
    }

    /// A failed attempt (HTTP error, timeout, refused): only the attempt is recorded; the
    /// stored version and its records stay as they were.
    pub fn save_failure(
        &mut self,
        source: &str,
        kind: PageKind,
        url: &str,
        status: Option<u16>,
        error: &str,
        checked_at: &str,
    ) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "INSERT INTO pages (url, kind, source, status, checked_at, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (url) DO UPDATE SET status = ?4, checked_at = ?5, error = ?6",
            params![url, kind.as_str(), source, status, checked_at, error],
        )
        .map_err(self.err(format!("cannot save the failure of {url}")))?;
        Ok(())
    }

    /// A 200 that is not the article (the page had records, this body has none): kept aside
    /// with the reason; the stored version, its validators and its records are untouched, so
    /// the next run asks again.
    pub fn save_suspect(&mut self, snap: &Snapshot, reason: &str) -> Result<(), StoreError> {
        let sha = sha256_hex(&snap.bytes);
        let context = format!("cannot save the suspect fetch of {}", snap.url);
        let fail = failing::<rusqlite::Error>(&self.path, &context);
        let body = compress(&mut self.deflate, &snap.bytes)
            .map_err(failing::<std::io::Error>(&self.path, &context))?;
        let tx = self.conn.savepoint().map_err(fail)?;
        exec(
            &tx,
            "INSERT INTO suspect_fetches (url, sha256, first_seen, last_seen, times, status, reason, body)
             VALUES (?1, ?2, ?3, ?3, 1, ?4, ?5, ?6)
             ON CONFLICT (url, sha256) DO UPDATE SET last_seen = ?3, times = times + 1,
               status = ?4, reason = ?5",
            params![snap.url, sha, snap.fetched_at, snap.status, reason, body],
        )
        .map_err(fail)?;
        exec(
            &tx,
            "UPDATE pages SET suspect = 1, status = ?2, checked_at = ?3, error = ?4 WHERE url = ?1",
            params![snap.url, snap.status, snap.fetched_at, reason],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// How many distinct suspect bodies were seen for `url`, and how many times in all.
    pub fn suspect_count(&self, url: &str) -> Result<(usize, usize), StoreError> {
        query_row(
            &self.conn,
            "SELECT COUNT(*), COALESCE(SUM(times), 0) FROM suspect_fetches WHERE url = ?1",
            [url],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(self.err(format!("cannot count the suspect fetches of {url}")))
    }

    /// An article's new version and what it yields, in one transaction: the raw bytes kept,
    /// the records diffed against the open versions (`seen_at` closes and opens versions),
    /// the fetch state and the pages.json object replaced.
    pub fn save_article(
        &mut self,
        source: &str,
        publisher: Option<&str>,
        snap: &Snapshot,
        report: &PageReport,
        seen_at: &str,
    ) -> Result<RecordChanges, StoreError> {
        self.save_version(Some((source, publisher, snap)), report, seen_at)
    }

    /// A stored version extracted again (`minsheng reparse`): the records diffed and the
    /// pages.json object replaced; the fetch state stays as it is.
    pub fn save_reparsed(
        &mut self,
        report: &PageReport,
        seen_at: &str,
    ) -> Result<RecordChanges, StoreError> {
        self.save_version(None, report, seen_at)
    }

    fn save_version(
        &mut self,
        fetched: Option<(&str, Option<&str>, &Snapshot)>,
        report: &PageReport,
        seen_at: &str,
    ) -> Result<RecordChanges, StoreError> {
        let url = report.source_url.clone();
        let context = format!("cannot save the article {url}");
        let fail = failing::<rusqlite::Error>(&self.path, &context);
        let report_json = serde_json::to_string(report)
            .map_err(failing::<serde_json::Error>(&self.path, &context))?;
        let rows = row_keys(report);
        let raw = match fetched {
            Some((_, _, snap)) => Some(
                compress(&mut self.deflate, &snap.bytes)
                    .map_err(failing::<std::io::Error>(&self.path, &context))?,
            ),
            None => None,
        };
        let tx = self.conn.savepoint().map_err(fail)?;
        if let (Some((source, publisher, snap)), Some(body)) = (fetched, raw) {
            // The pipeline hashed these bytes already (the report's content_sha256).
            let sha = match &report.content_sha256 {
                Some(sha) => sha.clone(),
                None => sha256_hex(&snap.bytes),
            };
            debug_assert_eq!(sha, sha256_hex(&snap.bytes), "the report is of these bytes");
            Self::insert_raw(&tx, snap, &sha, &body).map_err(fail)?;
            exec(
                &tx,
                "INSERT INTO pages (url, kind, source, publisher, etag, last_modified, sha256, status,
                                    checked_at, error, suspect, has_records)
                 VALUES (?1, 'article', ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, 0, ?9)
                 ON CONFLICT (url) DO UPDATE SET kind = 'article', source = ?2, publisher = ?3,
                   etag = ?4, last_modified = ?5, sha256 = ?6, status = ?7, checked_at = ?8,
                   error = NULL, suspect = 0, has_records = ?9",
                params![
                    url,
                    source,
                    publisher,
                    snap.etag,
                    snap.last_modified,
                    sha,
                    snap.status,
                    snap.fetched_at,
                    !rows.is_empty(),
                    ],
            )
            .map_err(fail)?;
        } else {
            exec(
                &tx,
                "UPDATE pages SET has_records = ?2 WHERE url = ?1",
                params![url, !rows.is_empty()],
            )
            .map_err(fail)?;
        }
        exec(
            &tx,
            "INSERT INTO reports (url, report) VALUES (?1, ?2)
             ON CONFLICT (url) DO UPDATE SET report = ?2",
            params![url, report_json],
        )
        .map_err(fail)?;

        let mut open: HashMap<(usize, String), (i64, String)> = HashMap::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, table_index, row_key, content_hash FROM record_versions
                     WHERE url = ?1 AND valid_to IS NULL",
                )
                .map_err(fail)?;
            let found = stmt
                .query_map([&url], |r| {
                    Ok((
                        (r.get::<_, usize>(1)?, r.get::<_, String>(2)?),
                        (r.get::<_, i64>(0)?, r.get::<_, String>(3)?),
                    ))
                })
                .map_err(fail)?;
            for row in found {
                let (key, value) = row.map_err(fail)?;
                open.insert(key, value);
            }
        }
        let mut changes = RecordChanges::default();
        for (table_index, row_key, row_index, text, hash) in rows {
            match open.remove(&(table_index, row_key.clone())) {
                Some((id, old)) if old == hash => {
                    exec(
                        &tx,
                        "UPDATE record_versions SET record = ?2, row_index = ?3 WHERE id = ?1",
                        params![id, text, row_index],
                    )
                    .map_err(fail)?;
                    changes.unchanged += 1;
                }
                previous => {
                    if let Some((id, _)) = previous {
                        exec(
                            &tx,
                            "UPDATE record_versions SET valid_to = ?2 WHERE id = ?1",
                            params![id, seen_at],
                        )
                        .map_err(fail)?;
                        changes.changed += 1;
                    } else {
                        changes.new += 1;
                    }
                    exec(
                        &tx,
                        "INSERT INTO record_versions
                           (url, table_index, row_key, row_index, content_hash, record, valid_from)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![url, table_index, row_key, row_index, hash, text, seen_at],
                    )
                    .map_err(fail)?;
                }
            }
        }
        for (id, _) in open.into_values() {
            exec(
                &tx,
                "UPDATE record_versions SET valid_to = ?2 WHERE id = ?1",
                params![id, seen_at],
            )
            .map_err(fail)?;
            changes.removed += 1;
        }
        tx.commit().map_err(fail)?;
        Ok(changes)
    }

    /// Articles of `source` that must be asked again even when no list page links them
    /// any more: suspect fetches and failed attempts.
    pub fn retry_urls(&self, source: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT url FROM pages WHERE source = ?1 AND kind = 'article'
                   AND (suspect = 1 OR error IS NOT NULL) ORDER BY url",
            )
            .map_err(self.err("cannot list the pages to retry"))?;
        let urls = stmt
            .query_map([source], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(self.err("cannot list the pages to retry"));
        urls
    }

    /// [`Store::retry_urls`] of every source at once, in one pass over the pages: a run
    /// takes them at its start instead of scanning the table once per source.
    pub fn retry_urls_by_source(&self) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source, url FROM pages WHERE kind = 'article'
                   AND (suspect = 1 OR error IS NOT NULL) ORDER BY source, url",
            )
            .map_err(self.err("cannot list the pages to retry"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(self.err("cannot list the pages to retry"))?;
        let mut by_source: HashMap<String, Vec<String>> = HashMap::new();
        for (source, url) in rows {
            by_source.entry(source).or_default().push(url);
        }
        Ok(by_source)
    }

    /// Every article, in URL order, with its stored report or its last error.
    pub fn articles(&self) -> Result<Vec<ArticleOut>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT pages.url, reports.report, pages.error FROM pages
                 LEFT JOIN reports ON reports.url = pages.url
                 WHERE pages.kind = 'article' ORDER BY pages.url",
            )
            .map_err(self.err("cannot list the articles"))?;
        let rows: Vec<(String, Option<String>, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.err("cannot list the articles"))?;
        rows.into_iter()
            .map(|(url, report, error)| {
                let report = match report {
                    Some(text) => Some(serde_json::from_str(&text).map_err(|e| StoreError {
                        path: self.path.clone(),
                        context: format!("cannot read the stored report of {url}"),
                        reason: e.to_string(),
                    })?),
                    None => None,
                };
                Ok(ArticleOut { url, report, error })
            })
            .collect()
    }

    /// The generation of what `export` writes: it moves with every change to it.
    pub fn outputs_generation(&self) -> Result<i64, StoreError> {
        query_row(
            &self.conn,
            "SELECT generation FROM outputs WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .map_err(self.err("cannot read the outputs' generation"))
    }

    /// The generation last written to `folder`, if any.
    pub fn exported_generation(&self, folder: &str) -> Result<Option<i64>, StoreError> {
        query_row(
            &self.conn,
            "SELECT generation FROM exports WHERE folder = ?1",
            [folder],
            |r| r.get(0),
        )
        .optional()
        .map_err(self.err(format!("cannot read what was written to {folder}")))
    }

    /// Notes that `folder` now holds the outputs of `generation`.
    pub fn save_exported(&self, folder: &str, generation: i64, at: &str) -> Result<(), StoreError> {
        exec(
            &self.conn,
            "INSERT INTO exports (folder, generation, written_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (folder) DO UPDATE SET generation = ?2, written_at = ?3",
            params![folder, generation, at],
        )
        .map_err(self.err(format!("cannot note what was written to {folder}")))?;
        Ok(())
    }

    /// Every record version, by page URL, table, row, then time.
    pub fn history(&self) -> Result<Vec<RecordVersion>, StoreError> {
        self.versions("")
    }

    /// The open (current) record versions, in the same order.
    pub fn current_records(&self) -> Result<Vec<Value>, StoreError> {
        Ok(self
            .versions("WHERE valid_to IS NULL")?
            .into_iter()
            .map(|v| v.record)
            .collect())
    }

    fn versions(&self, filter: &str) -> Result<Vec<RecordVersion>, StoreError> {
        let sql = format!(
            "SELECT record, valid_from, valid_to FROM record_versions {filter}
             ORDER BY url, table_index, row_index, valid_from, id"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(self.err("cannot read the record versions"))?;
        let rows: Vec<(String, String, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.err("cannot read the record versions"))?;
        rows.into_iter()
            .map(|(record, valid_from, valid_to)| {
                let record = serde_json::from_str(&record).map_err(|e| StoreError {
                    path: self.path.clone(),
                    context: "cannot read a stored record".into(),
                    reason: e.to_string(),
                })?;
                Ok(RecordVersion {
                    record,
                    valid_from,
                    valid_to,
                })
            })
            .collect()
    }

    /// Every article with a stored raw version, in URL order.
    pub fn reparse_inputs(&self) -> Result<Vec<ReparseInput>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT url, publisher, sha256, source FROM pages
                 WHERE kind = 'article' AND sha256 IS NOT NULL ORDER BY url",
            )
            .map_err(self.err("cannot list the stored articles"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ReparseInput {
                    url: r.get(0)?,
                    publisher: r.get(1)?,
                    sha256: r.get(2)?,
                    source: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(self.err("cannot list the stored articles"));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{self, Source};

    const SEED: &[u8] = include_bytes!("../fixtures/wencheng_2024_half_year.html");
    const URL: &str = "http://www.wencheng.gov.cn/art/2024/8/28/art_1229265580_59001.html";

    fn snap(bytes: &[u8], at: &str) -> Snapshot {
        Snapshot {
            url: URL.into(),
            final_url: URL.into(),
            status: 200,
            content_type: Some("text/html; charset=utf-8".into()),
            etag: Some(format!("\"{}\"", &sha256_hex(bytes)[..8])),
            last_modified: None,
            bytes: bytes.to_vec(),
            fetched_at: at.into(),
        }
    }

    fn report(s: &Snapshot) -> PageReport {
        pipeline::process(&Source {
            url: s.url.clone(),
            bytes: s.bytes.clone(),
            content_type: s.content_type.clone(),
            fetched_at: s.fetched_at.clone(),
            final_url: Some(s.final_url.clone()),
            http_status: Some(s.status),
            default_publisher: None,
            source_name: None,
            county: None,
        })
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db/minsheng.db")).unwrap();
        (dir, store)
    }

    fn changed_seed() -> Vec<u8> {
        // row seq 3 of both copies of the article: 80% -> 85%
        let text = String::from_utf8(SEED.to_vec()).unwrap();
        let changed: Vec<String> = text
            .split_inclusive('\n')
            .map(|line| {
                if line.contains("font-size:12pt;\">3</span>") {
                    line.replacen("80%", "85%", 1)
                } else {
                    line.to_string()
                }
            })
            .collect();
        let changed = changed.concat();
        assert_eq!(changed.matches("85%").count(), 2);
        changed.into_bytes()
    }

    #[test]
    fn first_version_opens_every_record_and_keeps_the_raw_bytes() {
        let (_dir, mut store) = store();
        let s = snap(SEED, "2026-11-01T00:00:00Z");
        let changes = store
            .save_article("文成", None, &s, &report(&s), &s.fetched_at)
            .unwrap();
        assert_eq!(
            changes,
            RecordChanges {
                new: 16,
                ..Default::default()
            }
        );
        let state = store.page(URL).unwrap().unwrap();
        assert_eq!(state.sha256.as_deref(), Some(sha256_hex(SEED).as_str()));
        assert_eq!(state.etag, s.etag);
        assert!(state.has_records);
        assert_eq!(
            store.raw(URL, &sha256_hex(SEED)).unwrap().unwrap().bytes,
            SEED
        );
        assert_eq!(store.current_records().unwrap().len(), 16);
    }

    #[test]
    fn the_same_version_saved_twice_changes_nothing() {
        let (_dir, mut store) = store();
        let s = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article("文成", None, &s, &report(&s), &s.fetched_at)
            .unwrap();
        let again = store
            .save_article("文成", None, &s, &report(&s), &s.fetched_at)
            .unwrap();
        assert_eq!(
            again,
            RecordChanges {
                unchanged: 16,
                ..Default::default()
            }
        );
        assert_eq!(store.history().unwrap().len(), 16);
        assert_eq!(store.raw_version_count(URL).unwrap(), 1);
    }

    #[test]
    fn a_changed_row_gets_a_new_version_and_the_old_one_is_closed() {
        let (_dir, mut store) = store();
        let s1 = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article("文成", None, &s1, &report(&s1), &s1.fetched_at)
            .unwrap();
        let s2 = snap(&changed_seed(), "2026-11-02T00:00:00Z");
        let changes = store
            .save_article("文成", None, &s2, &report(&s2), &s2.fetched_at)
            .unwrap();
        assert_eq!(
            changes,
            RecordChanges {
                changed: 1,
                unchanged: 15,
                ..Default::default()
            }
        );
        let history = store.history().unwrap();
        assert_eq!(history.len(), 17);
        let seq3: Vec<&RecordVersion> = history.iter().filter(|v| v.record["seq"] == 3).collect();
        assert_eq!(seq3.len(), 2);
        assert_eq!(seq3[0].record["completion_pct"], 80.0);
        assert_eq!(seq3[0].valid_from, "2026-11-01T00:00:00Z");
        assert_eq!(seq3[0].valid_to.as_deref(), Some("2026-11-02T00:00:00Z"));
        assert_eq!(seq3[1].record["completion_pct"], 85.0);
        assert_eq!(seq3[1].valid_to, None);
        // unchanged rows now point at the newest bytes
        let current = store.current_records().unwrap();
        assert!(current
            .iter()
            .all(|r| r["content_sha256"] == sha256_hex(&s2.bytes).as_str()));
        assert_eq!(store.raw_version_count(URL).unwrap(), 2);
    }

    #[test]
    fn rows_missing_from_a_new_version_are_closed_as_removed() {
        let (_dir, mut store) = store();
        let s1 = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article("文成", None, &s1, &report(&s1), &s1.fetched_at)
            .unwrap();
        let mut fewer = report(&s1);
        fewer.tables[0].rows.truncate(14);
        let changes = store.save_reparsed(&fewer, "2026-11-03T00:00:00Z").unwrap();
        assert_eq!(
            changes,
            RecordChanges {
                removed: 2,
                unchanged: 14,
                ..Default::default()
            }
        );
        assert_eq!(store.current_records().unwrap().len(), 14);
    }

    #[test]
    fn a_suspect_fetch_leaves_the_good_version_and_its_validators() {
        let (_dir, mut store) = store();
        let s1 = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article("文成", None, &s1, &report(&s1), &s1.fetched_at)
            .unwrap();
        let waf = snap(
            "<html><body>系统维护中</body></html>".as_bytes(),
            "2026-11-02T00:00:00Z",
        );
        store
            .save_suspect(&waf, "no progress table on a page that had one")
            .unwrap();
        let state = store.page(URL).unwrap().unwrap();
        assert!(state.suspect);
        assert_eq!(state.etag, s1.etag);
        assert_eq!(state.sha256.as_deref(), Some(sha256_hex(SEED).as_str()));
        assert_eq!(store.current_records().unwrap().len(), 16);
        assert_eq!(store.retry_urls("文成").unwrap(), vec![URL.to_string()]);
        assert_eq!(
            store.retry_urls_by_source().unwrap(),
            HashMap::from([("文成".to_string(), vec![URL.to_string()])])
        );
        store
            .save_suspect(&waf, "no progress table on a page that had one")
            .unwrap();
        assert_eq!(store.suspect_count(URL).unwrap(), (1, 2));
        store
            .save_unchanged(URL, 304, "2026-11-03T00:00:00Z", None, None)
            .unwrap();
        assert!(!store.page(URL).unwrap().unwrap().suspect);
        assert!(store.retry_urls("文成").unwrap().is_empty());
    }

    #[test]
    fn a_failure_keeps_the_stored_version() {
        let (_dir, mut store) = store();
        let s1 = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article("文成", None, &s1, &report(&s1), &s1.fetched_at)
            .unwrap();
        store
            .save_failure(
                "文成",
                PageKind::Article,
                URL,
                Some(500),
                "HTTP 500 Internal Server Error",
                "2026-11-02T00:00:00Z",
            )
            .unwrap();
        let state = store.page(URL).unwrap().unwrap();
        assert_eq!(
            state.error.as_deref(),
            Some("HTTP 500 Internal Server Error")
        );
        assert_eq!(state.etag, s1.etag);
        assert_eq!(
            store.articles().unwrap()[0]
                .report
                .as_ref()
                .unwrap()
                .records()
                .count(),
            16
        );
    }

    #[test]
    fn a_source_s_page_states_are_read_at_once_and_equal_those_read_one_by_one() {
        let (_dir, mut store) = store();
        let article = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article(
                "文成",
                None,
                &article,
                &report(&article),
                "2026-11-01T00:00:00Z",
            )
            .unwrap();
        let list_url = "http://www.wencheng.gov.cn/col/col1229265580/index.html";
        let list = Snapshot {
            url: list_url.into(),
            final_url: list_url.into(),
            ..snap(b"<ul><li>list</li></ul>", "2026-11-01T00:00:01Z")
        };
        store.save_list("文成", &list).unwrap();
        let elsewhere = "http://www.taishun.gov.cn/art/1.html";
        store
            .save_failure(
                "泰顺",
                PageKind::Article,
                elsewhere,
                None,
                "refused",
                "2026-11-01T00:00:02Z",
            )
            .unwrap();

        let states = store.pages_of("文成").unwrap();
        let mut urls: Vec<&str> = states.keys().map(String::as_str).collect();
        urls.sort();
        assert_eq!(urls, [URL, list_url]);
        assert_eq!(states[URL], store.page(URL).unwrap().unwrap());
        assert_eq!(states[list_url], store.page(list_url).unwrap().unwrap());
        assert_eq!(states[list_url].kind, PageKind::List);
        assert_eq!(
            states[URL].sha256.as_deref(),
            Some(sha256_hex(SEED).as_str())
        );
        assert!(states[URL].has_records);
        assert_eq!(
            store.pages_of("泰顺").unwrap()[elsewhere].error.as_deref(),
            Some("refused")
        );
        assert!(store.pages_of("瑞安").unwrap().is_empty());
    }

    #[test]
    fn a_list_page_s_links_are_found_only_for_the_version_and_address_they_were_read_from() {
        let (_dir, mut store) = store();
        let list = "http://www.wencheng.gov.cn/col/col1229265580/index.html";
        let moved = "https://www.wencheng.gov.cn/col/col1229265580/index.html";
        store
            .save_listing(list, "aa", list, r#"{"links":[]}"#)
            .unwrap();
        assert_eq!(
            store.listing(list, "aa", list).unwrap().as_deref(),
            Some(r#"{"links":[]}"#)
        );
        assert_eq!(store.listing(list, "bb", list).unwrap(), None);
        assert_eq!(store.listing(list, "aa", moved).unwrap(), None);
        // a new version replaces the old one's links
        store
            .save_listing(list, "bb", moved, r#"{"links":[1]}"#)
            .unwrap();
        assert_eq!(store.listing(list, "aa", list).unwrap(), None);
        assert_eq!(
            store.listing(list, "bb", moved).unwrap().as_deref(),
            Some(r#"{"links":[1]}"#)
        );
    }

    #[test]
    fn a_check_that_says_nothing_new_moves_only_the_check_time() {
        let (_dir, mut store) = store();
        let s1 = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article("文成", None, &s1, &report(&s1), &s1.fetched_at)
            .unwrap();
        let generation = store.outputs_generation().unwrap();
        let before = store.page(URL).unwrap().unwrap();
        store.save_checked_at(URL, "2026-11-02T00:00:00Z").unwrap();
        let after = store.page(URL).unwrap().unwrap();
        assert_eq!(after.checked_at.as_deref(), Some("2026-11-02T00:00:00Z"));
        assert_eq!(
            PageState {
                checked_at: before.checked_at.clone(),
                ..after
            },
            before
        );
        assert_eq!(store.outputs_generation().unwrap(), generation);
    }

    #[test]
    fn rows_without_distinct_seq_are_keyed_by_position() {
        let s = snap(SEED, "2026-11-01T00:00:00Z");
        let mut r = report(&s);
        let keys: Vec<String> = row_keys(&r).into_iter().map(|k| k.1).collect();
        assert_eq!(keys[0], "seq=1");
        r.tables[0].rows[1].seq = Some(1);
        let keys: Vec<String> = row_keys(&r).into_iter().map(|k| k.1).collect();
        assert_eq!(keys[1], "row=1");
    }

    #[test]
    fn row_text_and_hash_are_those_of_the_record_as_a_json_value() {
        // Stores written before the text route hold these hashes: they must not change.
        let s = snap(SEED, "2026-11-01T00:00:00Z");
        let r = report(&s);
        let rows = row_keys(&r);
        let records: Vec<&Record> = r.records().collect();
        assert_eq!(rows.len(), records.len());
        for ((_, _, _, text, hash), record) in rows.iter().zip(records) {
            let value = serde_json::to_value(record).unwrap();
            assert_eq!(*text, value.to_string());
            let mut without = value.clone();
            let map = without.as_object_mut().unwrap();
            map.shift_remove("fetched_at");
            map.shift_remove("content_sha256");
            assert_eq!(*hash, sha256_hex(without.to_string().as_bytes()));
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = Store::open(&path).err().unwrap().to_string();
        assert!(err.ends_with("cannot use the store: it has schema version 99, this minsheng knows 4; use a newer minsheng"), "{err}");
    }
    #[test]
    fn the_outputs_generation_moves_only_with_what_export_writes() {
        let (_dir, mut store) = store();
        let generation = |store: &Store| store.outputs_generation().unwrap();
        assert_eq!(generation(&store), 0);
        let s1 = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article("文成", None, &s1, &report(&s1), &s1.fetched_at)
            .unwrap();
        assert_eq!(
            generation(&store),
            2,
            "a new article: its page and its report"
        );
        store
            .save_unchanged(URL, 304, "2026-11-02T00:00:00Z", None, None)
            .unwrap();
        assert_eq!(generation(&store), 2, "a 304 changes no output");
        let list = Snapshot {
            url: "http://www.wencheng.gov.cn/col/index.html".into(),
            ..snap(b"<ul></ul>", "2026-11-02T00:00:00Z")
        };
        store.save_list("文成", &list).unwrap();
        assert_eq!(generation(&store), 2, "list pages are not exported");
        store
            .save_failure("文成", PageKind::Article, URL, Some(500), "HTTP 500", "t")
            .unwrap();
        assert_eq!(generation(&store), 3, "pages.json shows the error");
        store.save_unchanged(URL, 304, "t", None, None).unwrap();
        assert_eq!(generation(&store), 4, "the error is cleared");
        let s1 = snap(SEED, "2026-11-03T00:00:00Z");
        store
            .save_reparsed(&report(&s1), "2026-11-03T00:00:00Z")
            .unwrap();
        assert_eq!(
            generation(&store),
            5,
            "a report extracted again (fetched_at moved)"
        );

        assert_eq!(store.exported_generation("/out").unwrap(), None);
        store.save_exported("/out", 5, "t").unwrap();
        assert_eq!(store.exported_generation("/out").unwrap(), Some(5));
    }

    /// A store holding the seed article, closed after `sql` set it back to an older schema.
    fn seed_store_set_back(sql: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("minsheng.db");
        let mut store = Store::open(&db).unwrap();
        let s1 = snap(SEED, "2026-11-01T00:00:00Z");
        store
            .save_article("文成", None, &s1, &report(&s1), &s1.fetched_at)
            .unwrap();
        store.conn.execute_batch(sql).unwrap();
        (dir, db)
    }

    #[test]
    fn a_version_1_store_moves_its_reports_to_the_version_2_table() {
        let (_dir, db) = seed_store_set_back(
            "UPDATE pages SET report = (SELECT report FROM reports WHERE url = pages.url);
             DROP TABLE reports; DROP TABLE outputs; DROP TABLE exports;
             PRAGMA user_version = 1;",
        );
        let store = Store::open(&db).unwrap();
        assert_eq!(
            store.outputs_generation().unwrap(),
            1,
            "the moved report counts"
        );
        let articles = store.articles().unwrap();
        assert_eq!(articles.len(), 1);
        assert_eq!(articles[0].report.as_ref().unwrap().records().count(), 16);
        let left: i64 = store
            .conn
            .query_row("SELECT COUNT(report) FROM pages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "the reports moved out of pages");
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    /// The nine keys Record schema v2 appended, as a v1 record lacks them; a progress note
    /// goes back to `extra` under its header, where v1 kept it.
    fn strip_v2(record: &mut Value, note_header: &str) {
        let map = record.as_object_mut().unwrap();
        let note = map.get("progress_note").cloned().unwrap_or(Value::Null);
        for key in &crate::emit::COLUMNS[21..] {
            map.shift_remove(*key);
        }
        if !note.is_null() {
            map["extra"]
                .as_object_mut()
                .unwrap()
                .insert(note_header.into(), note);
        }
    }

    /// Sets the stored records and report of a closed store back to what a v1 minsheng
    /// wrote, at store schema version 3.
    fn set_back_to_record_v1(db: &Path, note_header: &str) {
        let conn = Connection::open(db).unwrap();
        let rows: Vec<(i64, String)> = conn
            .prepare("SELECT id, record FROM record_versions")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (id, text) in rows {
            let mut v: Value = serde_json::from_str(&text).unwrap();
            strip_v2(&mut v, note_header);
            let hash = content_hash_of_value(&v);
            conn.execute(
                "UPDATE record_versions SET record = ?2, content_hash = ?3 WHERE id = ?1",
                params![id, v.to_string(), hash],
            )
            .unwrap();
        }
        let text: String = conn
            .query_row("SELECT report FROM reports", [], |r| r.get(0))
            .unwrap();
        let mut report: Value = serde_json::from_str(&text).unwrap();
        for key in ["schema", "source_format", "article_url", "attachments"] {
            report.as_object_mut().unwrap().shift_remove(key);
        }
        for table in report["tables"].as_array_mut().unwrap() {
            table.as_object_mut().unwrap().shift_remove("sheet");
            for row in table["rows"].as_array_mut().unwrap() {
                strip_v2(row, note_header);
            }
        }
        conn.execute("UPDATE reports SET report = ?1", [report.to_string()])
            .unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
    }

    #[test]
    fn a_version_3_store_of_v1_records_is_brought_to_record_schema_v2_on_open() {
        let (_dir, db) = seed_store_set_back("");
        set_back_to_record_v1(&db, "进展情况");
        let store = Store::open(&db).unwrap();
        // What the pipeline makes of the page now, with the page's source as source_name.
        let s1 = snap(SEED, "2026-11-01T00:00:00Z");
        let mut want = report(&s1);
        for r in want.tables.iter_mut().flat_map(|t| t.rows.iter_mut()) {
            r.source_name = Some("文成".into());
        }
        let got = store.articles().unwrap()[0].report.clone().unwrap();
        assert_eq!(got, want);
        let current = store.current_records().unwrap();
        let want_records: Vec<Value> = want
            .records()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect();
        assert_eq!(current, want_records);
        assert_eq!(current[0]["county"], "文成县");
        assert_eq!(current[0]["as_of"], "2024-06-30");
        let hashes: Vec<String> = store
            .conn
            .prepare("SELECT content_hash FROM record_versions ORDER BY row_index")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let want_hashes: Vec<String> = want_records.iter().map(content_hash_of_value).collect();
        assert_eq!(hashes, want_hashes);
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn reparse_of_a_migrated_store_fills_what_the_records_alone_could_not() {
        // Fixture 02 has a 进展情况 column: v1 kept it in extra, v2 in progress_note.
        let bytes = include_bytes!("../fixtures/variants/02_trs_wcm_word_msonormal.html");
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("minsheng.db");
        {
            let mut store = Store::open(&db).unwrap();
            let s = snap(bytes, "2026-11-01T00:00:00Z");
            store
                .save_article("青田", None, &s, &report(&s), &s.fetched_at)
                .unwrap();
        }
        set_back_to_record_v1(&db, "进展情况");
        let first = |db: &Path| {
            let store = Store::open(db).unwrap();
            store.current_records().unwrap().remove(0)
        };
        let migrated = first(&db);
        assert_eq!(migrated["progress_note"], Value::Null);
        assert_eq!(migrated["extra"]["进展情况"], "5家均已投入使用");
        assert_eq!(migrated["county"], "青田县");
        assert_eq!(migrated["as_of"], "2024-11-30");

        let out = dir.path().join("out");
        crate::crawl::reparse(&db, &out).unwrap();
        let reparsed = first(&db);
        assert_eq!(reparsed["progress_note"], "5家均已投入使用");
        assert_eq!(reparsed["extra"], serde_json::json!({}));
        assert_eq!(reparsed["county"], "青田县");
        let csv = std::fs::read_to_string(out.join("records.csv")).unwrap();
        assert!(csv.lines().next().unwrap().ends_with(",as_of,project_key"));
        assert!(csv.contains(",5家均已投入使用,2024,2024-11-30,"));
    }

    #[test]
    fn a_version_2_store_gains_the_list_links_and_the_source_index() {
        let (_dir, db) = seed_store_set_back(
            "DROP TABLE list_links; DROP INDEX page_by_source; PRAGMA user_version = 2;",
        );
        let list = "http://www.wencheng.gov.cn/col/col1229265580/index.html";
        let mut store = Store::open(&db).unwrap();
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(store.listing(list, "aa", list).unwrap(), None);
        store.save_listing(list, "aa", list, "{}").unwrap();
        assert_eq!(
            store.listing(list, "aa", list).unwrap().as_deref(),
            Some("{}")
        );
        assert_eq!(store.pages_of("文成").unwrap().len(), 1);
        let plan: String = store
            .conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT url FROM pages WHERE source = 'x'",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("page_by_source"), "{plan}");
    }
}
