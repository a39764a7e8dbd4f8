//! Each [`StoreErrorKind`] that a real store can be made to produce, read from SQLite's or
//! the system's own error (kept as the `source()`), never from the message.

use super::*;
use std::error::Error as _;

/// The SQLite error a store error was made from.
fn sqlite_cause(e: &StoreError) -> &rusqlite::Error {
    e.source()
        .and_then(|s| s.downcast_ref::<rusqlite::Error>())
        .unwrap_or_else(|| panic!("no SQLite error under {e}"))
}

#[test]
fn a_file_of_noise_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("noise.db");
    std::fs::write(
        &db,
        (0..8192u32).map(|i| (i * 7 + 13) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    let e = Store::open(&db).err().unwrap();
    assert_eq!(e.kind, StoreErrorKind::Corrupt);
    assert_eq!(
        sqlite_cause(&e).sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );
}

#[test]
fn a_second_writer_while_the_first_holds_the_write_lock_is_busy() {
    let (dir, mut first) = store();
    first.begin_group().unwrap();
    let mut second = Store::open(&dir.path().join("db/minsheng.db")).unwrap();
    // Fail at once instead of waiting for the lock: no timing in the test.
    second.conn.busy_timeout(Duration::ZERO).unwrap();
    let e = second.begin_group().unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Busy);
    assert_eq!(
        sqlite_cause(&e).sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy)
    );
    first.commit_group().unwrap();
}

#[test]
fn writing_through_the_read_only_connection_is_read_only() {
    let (dir, _store) = store();
    let mut reader = Store::open_read_only(&dir.path().join("db/minsheng.db")).unwrap();
    let e = reader
        .save_failure(
            "s",
            PageKind::Article,
            "http://a.example/",
            Some(500),
            "x",
            "t",
        )
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::ReadOnly);
    assert_eq!(
        sqlite_cause(&e).sqlite_error_code(),
        Some(rusqlite::ErrorCode::ReadOnly)
    );
}

#[test]
fn a_save_past_the_page_limit_is_full() {
    let (_dir, mut store) = store();
    store.fill_disk_after(1);
    let e = store
        .save_failure(
            "s",
            PageKind::Article,
            "http://a.example/",
            Some(500),
            &"x".repeat(20_000),
            "t",
        )
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Full);
    assert_eq!(
        sqlite_cause(&e).sqlite_error_code(),
        Some(rusqlite::ErrorCode::DiskFull)
    );
}

#[test]
fn a_store_under_a_regular_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "not a folder").unwrap();
    let e = Store::open(&file.join("sub/minsheng.db")).err().unwrap();
    assert_eq!(e.kind, StoreErrorKind::Io);
    assert!(e.source().unwrap().is::<std::io::Error>(), "{e}");
}

#[test]
fn a_store_of_a_newer_minsheng_is_other_with_no_source() {
    let (dir, store) = store();
    store
        .conn
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(store);
    let e = Store::open(&dir.path().join("db/minsheng.db"))
        .err()
        .unwrap();
    assert_eq!(e.kind, StoreErrorKind::Other);
    assert!(e.source().is_none());
}
