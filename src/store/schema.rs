//! The store's schema, its version and the migrations from older stores.

use super::*;

/// Bumped when the schema changes; a newer store is refused rather than misread.
/// Version 4: the stored records and reports are Record schema v2 ([`upgrade_to_record_v2`]).
/// Version 5: a record's content hash is taken over its own serialization ([`rehash`]).
pub(super) const SCHEMA_VERSION: i64 = 5;

pub(super) const SCHEMA: &str = r#"
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
pub(super) const MIGRATE_1_TO_2: &str = r#"
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
pub(super) fn upgrade_to_record_v2(conn: &Connection) -> rusqlite::Result<()> {
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
            let hash = content_hash(&record);
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

/// From version 4 (and older) to 5: every record's content hash taken again by
/// [`content_hash`], which hashes the record's serialization with its two provenance keys
/// empty instead of cutting them out of the stored text; the old hash of an unchanged record
/// would differ from the new one, and every record would look changed at its page's next
/// check. A row that does not read as a record keeps its hash. Idempotent.
pub(super) fn rehash(conn: &Connection) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, record, content_hash FROM record_versions")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE record_versions SET content_hash = ?2 WHERE id = ?1")?;
    for (id, text, old) in rows {
        let Ok(record) = serde_json::from_str::<Record>(&text) else {
            continue;
        };
        let hash = content_hash(&record);
        if hash != old {
            update.execute(params![id, hash])?;
        }
    }
    Ok(())
}
