//! A broken disk and a hostile neighbour against the store and its lock (issue 11, rows 5, 6
//! and 10): stores are built with the library on real SQLite files, then damaged as a disk or
//! an operator would, and the built binary is run against them, as a scheduler runs it.

use minsheng::pipeline::{self, Source};
use minsheng::store::{Snapshot, Store};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn seed_bytes() -> Vec<u8> {
    fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/wencheng_2024_half_year.html"))
        .unwrap()
}

/// Saves the seed page under `n` article URLs, numbered from `first` (16 records each).
fn save_articles(store: &mut Store, first: usize, n: usize) {
    let bytes = seed_bytes();
    for i in first..first + n {
        let url = format!("http://www.wencheng.gov.cn/art/2024/8/28/art_{i}.html");
        let at = "2026-11-29T00:00:00Z".to_string();
        // Each version its own bytes, as distinct pages are.
        let mut body = bytes.clone();
        body.extend_from_slice(format!("<!-- {i} -->").as_bytes());
        let report = pipeline::process(&Source {
            content_type: Some("text/html; charset=utf-8"),
            final_url: Some(&url),
            http_status: Some(200),
            ..Source::file(&url, &body, &at)
        });
        assert_eq!(report.records().count(), 16, "{:?}", report.error);
        let snap = Snapshot {
            not_modified: false,
            url: url.clone(),
            final_url: url,
            status: 200,
            content_type: Some("text/html; charset=utf-8".into()),
            etag: None,
            last_modified: None,
            bytes: body,
            fetched_at: at.clone(),
        };
        store
            .save_article("文成", None, &snap, &report, &at)
            .unwrap();
    }
}

fn minsheng(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn export(db: &Path, out: &Path) -> Output {
    minsheng(&[
        "export".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

/// A config whose one source is never reached (the run must stop before any request).
fn config(dir: &Path) -> PathBuf {
    let path = dir.join("sources.toml");
    fs::write(
        &path,
        "[[source]]\nname = \"文成\"\nstart = [\"http://127.0.0.1:9/col/index.html\"]\nfollow = 'art_'\n",
    )
    .unwrap();
    path
}

fn crawl(dir: &Path, db: &Path, out: &Path) -> Output {
    minsheng(&[
        "crawl".as_ref(),
        "--config".as_ref(),
        config(dir).as_os_str(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

fn record_count(out: &Path) -> usize {
    fs::read_to_string(out.join("records.jsonl"))
        .unwrap()
        .lines()
        .count()
}

fn wal(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", db.display()))
}

/// A store as a process killed before its checkpoint leaves it: 3 articles in the database
/// file, 2 more only in the log. Returns the database file and the log's bytes.
fn store_with_commits_only_in_the_log(dir: &Path) -> (PathBuf, Vec<u8>, Vec<u8>) {
    let live = dir.join("live");
    fs::create_dir(&live).unwrap();
    let db = live.join("m.db");
    let mut store = Store::open(&db).unwrap();
    save_articles(&mut store, 0, 3);
    assert!(store.checkpoint().unwrap());
    // Another connection keeps the log from being checkpointed when the store closes.
    let holder = rusqlite::Connection::open(&db).unwrap();
    let _: i64 = holder
        .query_row("SELECT count(*) FROM pages", [], |r| r.get(0))
        .unwrap();
    save_articles(&mut store, 3, 2);
    drop(store);
    let (db_bytes, wal_bytes) = (fs::read(&db).unwrap(), fs::read(wal(&db)).unwrap());
    drop(holder);
    assert!(!wal_bytes.is_empty());
    let crashed = dir.join("crashed");
    fs::create_dir(&crashed).unwrap();
    (crashed.join("m.db"), db_bytes, wal_bytes)
}

#[test]
fn a_store_that_lost_its_log_is_never_written_over_the_outputs_it_made() {
    let dir = tempfile::tempdir().unwrap();
    let (db, db_bytes, wal_bytes) = store_with_commits_only_in_the_log(dir.path());
    let out = dir.path().join("out");
    let half = wal_bytes[..wal_bytes.len() / 2].to_vec();
    let noise: Vec<u8> = (0..8192u32).map(|i| (i * 31 + 7) as u8).collect();
    for (damage, log) in [
        ("deleted", None),
        ("cut in half", Some(half)),
        ("8 KiB of noise", Some(noise)),
    ] {
        // The store whole (its log present): 5 articles, 80 records written.
        fs::write(&db, &db_bytes).unwrap();
        fs::write(wal(&db), &wal_bytes).unwrap();
        let _ = fs::remove_file(format!("{}-shm", db.display()));
        let whole = export(&db, &out);
        assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
        assert_eq!(record_count(&out), 80);
        let good = fs::read(out.join("records.csv")).unwrap();

        // The same store as the disk left it: the database file without what the log held.
        fs::write(&db, &db_bytes).unwrap();
        let _ = fs::remove_file(format!("{}-shm", db.display()));
        match &log {
            None => drop(fs::remove_file(wal(&db))),
            Some(bytes) => fs::write(wal(&db), bytes).unwrap(),
        }
        let refused = export(&db, &out);
        assert_eq!(refused.status.code(), Some(1), "{damage}");
        let message = stderr(&refused);
        assert!(
            message.contains("these outputs (80 record(s)) were written from generation"),
            "{damage}: {message}"
        );
        assert!(
            message.contains("Restore the store from a backup"),
            "{message}"
        );
        assert_eq!(fs::read(out.join("records.csv")).unwrap(), good, "{damage}");
        assert_eq!(record_count(&out), 80, "{damage}");

        // A crawl does not start its history again on it either.
        let crawled = crawl(dir.path(), &db, &out);
        assert_eq!(
            crawled.status.code(),
            Some(1),
            "{damage}: {}",
            stderr(&crawled)
        );
        assert!(stderr(&crawled).contains("the store has lost changes"));
        assert_eq!(fs::read(out.join("records.csv")).unwrap(), good, "{damage}");
    }
}

#[test]
fn a_database_file_whose_tables_were_only_in_the_lost_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    {
        // What a first crawl that was never checkpointed left: a header, no tables.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    }
    assert_eq!(fs::metadata(&db).unwrap().len(), 4096);
    let out = dir.path().join("out");
    for run in [export(&db, &out), crawl(dir.path(), &db, &out)] {
        assert_eq!(run.status.code(), Some(1));
        let message = stderr(&run);
        assert!(
            message.contains("the store is damaged: the file exists but holds no tables"),
            "{message}"
        );
        assert!(!out.join("records.csv").exists());
    }
}

#[test]
fn noise_inside_the_database_file_makes_crawl_and_export_fail_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut store = Store::open(&db).unwrap();
    save_articles(&mut store, 0, 5);
    assert!(store.checkpoint().unwrap());
    drop(store);
    let out = dir.path().join("out");
    assert_eq!(export(&db, &out).status.code(), Some(0));
    let good = fs::read(out.join("records.csv")).unwrap();
    let mut bytes = fs::read(&db).unwrap();
    let middle = bytes.len() / 2 / 4096 * 4096;
    for (i, b) in bytes[middle..middle + 8192].iter_mut().enumerate() {
        *b = (i * 131 + 17) as u8;
    }
    fs::write(&db, bytes).unwrap();
    let db = fs::canonicalize(&db).unwrap();
    for run in [export(&db, &out), crawl(dir.path(), &db, &out)] {
        assert_eq!(run.status.code(), Some(1));
        let message = stderr(&run);
        assert!(
            message.contains(&format!("{}: the store is damaged: ", db.display())),
            "{message}"
        );
        assert!(message.contains(&format!("restore {} from a backup", db.display())));
        assert_eq!(fs::read(out.join("records.csv")).unwrap(), good);
    }
}

#[test]
fn a_database_file_cut_short_or_with_a_damaged_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut store = Store::open(&db).unwrap();
    save_articles(&mut store, 0, 5);
    assert!(store.checkpoint().unwrap());
    drop(store);
    let whole = fs::read(&db).unwrap();
    let out = dir.path().join("out");
    assert_eq!(export(&db, &out).status.code(), Some(0));
    let good = fs::read(out.join("records.csv")).unwrap();
    let mut header = whole.clone();
    header[..100].copy_from_slice(&[0x41; 100]);
    for (damage, bytes) in [
        (
            "cut in half",
            whole[..whole.len() / 2 / 4096 * 4096].to_vec(),
        ),
        ("header overwritten", header),
    ] {
        fs::write(&db, &bytes).unwrap();
        let run = export(&db, &out);
        assert_eq!(run.status.code(), Some(1), "{damage}");
        let message = stderr(&run);
        assert!(
            message.contains(": the store is damaged: "),
            "{damage}: {message}"
        );
        assert_eq!(fs::read(out.join("records.csv")).unwrap(), good, "{damage}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_planted_at_the_lock_s_name_is_refused_and_its_target_kept() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("precious.txt");
    fs::write(&victim, "keep me\n").unwrap();
    let db = dir.path().join("m.db");
    std::os::unix::fs::symlink(&victim, dir.path().join("m.db.lock")).unwrap();
    let run = crawl(dir.path(), &db, &dir.path().join("out"));
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains("it is a symbolic link"),
        "{}",
        stderr(&run)
    );
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me\n");
}

#[cfg(unix)]
#[test]
fn a_store_named_through_a_symlink_shares_the_lock_of_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.db");
    drop(Store::open(&real).unwrap());
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let _held = minsheng::crawl::lock_store(&real).unwrap();
    let run = crawl(dir.path(), &link, &dir.path().join("out"));
    assert_eq!(run.status.code(), Some(3), "{}", stderr(&run));
    let lock = fs::canonicalize(dir.path()).unwrap().join("real.db.lock");
    assert!(
        stderr(&run).contains(&format!("holds {};", lock.display())),
        "{}",
        stderr(&run)
    );
}

#[test]
fn export_with_history_writes_one_set_of_files_all_readable_by_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let mut store = Store::open(&db).unwrap();
    save_articles(&mut store, 0, 2);
    drop(store);
    let out = dir.path().join("out");
    let run = minsheng(&[
        "export".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--history".as_ref(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let manifest: Value = serde_json::from_str(
        &fs::read_to_string(out.join(".minsheng-outputs/current/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        manifest["files"],
        serde_json::json!([
            "records.csv",
            "records.jsonl",
            "pages.json",
            "records_history.csv",
            "records_history.jsonl"
        ])
    );
    assert_eq!(manifest["records"], 32);
    #[cfg(unix)]
    for name in [
        "records.csv",
        "records_history.csv",
        "records_history.jsonl",
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(out.join(name)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{name}");
    }
    // The log was moved into the database file at the end.
    assert_eq!(fs::metadata(wal(&db)).map(|m| m.len()).unwrap_or(0), 0);
}
