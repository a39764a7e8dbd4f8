//! The store survives its own files (issue 11, rows 4-6): a store is checked when it is
//! opened for writing or export, and every command that opened it ends by moving the WAL
//! into the database file.
//!
//! - **Checkpoint**: in WAL mode a commit is appended to `DB-wal`, and SQLite copies the log
//!   into `DB` only at a checkpoint. A crawl closed by a read-only connection last left
//!   everything in the log (a 4 KiB `DB` with no tables): deleting or cutting `DB-wal` then
//!   lost the whole store. [`Store::checkpoint`] (`wal_checkpoint(TRUNCATE)`) ends each
//!   command, so the database file alone holds the store between runs.
//! - **Quick check**: `PRAGMA quick_check` on open; a store that fails it is an error naming
//!   the file and what to do, never read as if whole.
//! - **Missing data**: a database file that exists but has no tables (its data was in a lost
//!   log) is refused, not taken for a new store whose first crawl would start the history
//!   again. A new store is created in one transaction before WAL mode is switched on, so a
//!   crash while creating it never leaves such a file. (A store that lost only its latest
//!   commits looks whole; the outputs' manifest catches that: `crawl::export`.)

use super::{Store, StoreError, StoreErrorKind};
use rusqlite::Connection;
use std::path::Path;

/// Lines of a failed quick check quoted in the error.
const QUOTED_PROBLEMS: usize = 3;

/// The advice at the end of every "damaged store" error.
fn advice(path: &Path) -> String {
    format!(
        "restore {p} from a backup, or move {p} and {p}-wal away to start a new store \
         (its history starts again)",
        p = path.display()
    )
}

/// The store at `path` is unusable: what was found, and what to do.
pub(super) fn damaged(path: &Path, found: String) -> StoreError {
    StoreError::new(
        path,
        DAMAGED,
        StoreErrorKind::Corrupt,
        format!("{found}; {}", advice(path)),
    )
}

/// [`damaged`], found through SQLite's error `e` (kept as the source; the kind stays
/// `Corrupt` whatever SQLite's code was).
pub(super) fn damaged_by(path: &Path, found: String, e: rusqlite::Error) -> StoreError {
    StoreError::described(path, DAMAGED, format!("{found}; {}", advice(path)), e)
        .of_kind(StoreErrorKind::Corrupt)
}

/// The context of every "damaged store" error.
const DAMAGED: &str = "the store is damaged";

/// Refuses a database file that exists with data pages but holds none of the store's tables.
pub(super) fn ensure_has_tables(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pages'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| damaged_by(path, format!("SQLite cannot read it ({e})"), e))?;
    if tables == 0 {
        return Err(damaged(
            path,
            "the file exists but holds no tables: its data was probably in a -wal file that \
             is now missing or damaged"
                .into(),
        ));
    }
    Ok(())
}

/// `PRAGMA quick_check`: the whole file read once, each page's structure and every index
/// checked against its table.
pub(super) fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare("PRAGMA quick_check")
        .map_err(|e| damaged_by(path, format!("SQLite cannot check it ({e})"), e))?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| damaged_by(path, format!("SQLite cannot check it ({e})"), e))?;
    if problems.len() == 1 && problems[0] == "ok" {
        return Ok(());
    }
    let mut quoted = problems
        .iter()
        .take(QUOTED_PROBLEMS)
        .map(|p| crate::sanitize::escape(p))
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > QUOTED_PROBLEMS {
        quoted.push_str(&format!("; and {} more", problems.len() - QUOTED_PROBLEMS));
    }
    Err(damaged(
        path,
        format!("it fails SQLite's quick check ({quoted})"),
    ))
}

impl Store {
    /// Moves every commit in the log into the database file and empties the log
    /// (`wal_checkpoint(TRUNCATE)`). False when another connection was reading or writing
    /// meanwhile (an `export` beside a running crawl): that one's own end checkpoints.
    pub fn checkpoint(&self) -> Result<bool, StoreError> {
        let (busy, _log, _moved): (i64, i64, i64) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(self.err("cannot move the log into the database file"))?;
        Ok(busy == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PageKind;
    use std::fs;

    fn saved_store(dir: &Path) -> std::path::PathBuf {
        let db = dir.join("m.db");
        let mut store = Store::open(&db).unwrap();
        store
            .save_failure(
                "s",
                PageKind::Article,
                "http://a.example/1",
                Some(500),
                "x",
                "t",
            )
            .unwrap();
        store.checkpoint().unwrap();
        db
    }

    #[test]
    fn after_a_checkpoint_the_database_file_alone_holds_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let db = saved_store(dir.path());
        let wal = dir.path().join("m.db-wal");
        assert_eq!(fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
        let _ = fs::remove_file(&wal);
        let store = Store::open(&db).unwrap();
        assert!(store.page("http://a.example/1").unwrap().is_some());
    }

    #[test]
    fn a_database_file_without_tables_is_refused_not_taken_for_a_new_store() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("m.db");
        {
            let conn = Connection::open(&db).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        }
        assert!(fs::metadata(&db).unwrap().len() > 0);
        let err = Store::open(&db).err().unwrap().to_string();
        assert!(
            err.contains("the store is damaged: the file exists but holds no tables"),
            "{err}"
        );
        assert!(err.contains("restore "), "{err}");
    }

    #[test]
    fn noise_inside_the_database_file_fails_the_quick_check_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("m.db");
        {
            let mut store = Store::open(&db).unwrap();
            for i in 0..200 {
                let url = format!("http://a.example/{i}");
                store
                    .save_failure(
                        "s",
                        PageKind::Article,
                        &url,
                        Some(500),
                        &"x".repeat(300),
                        "t",
                    )
                    .unwrap();
            }
            store.checkpoint().unwrap();
        }
        let mut bytes = fs::read(&db).unwrap();
        assert!(bytes.len() > 16 * 1024, "{}", bytes.len());
        for (i, b) in bytes[8192..16384].iter_mut().enumerate() {
            *b = (i * 7 + 13) as u8;
        }
        fs::write(&db, bytes).unwrap();
        let err = Store::open(&db).err().unwrap().to_string();
        assert!(
            err.starts_with(&format!("{}: the store is damaged: ", db.display())),
            "{err}"
        );
    }
}
