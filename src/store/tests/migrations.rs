//! Opening stores of older schemas (version 1, 2, 3, record schema v1): each is brought to
//! the current one on open, its data kept, and a reparse fills what records alone could not.

use super::*;
use serde_json::Value;

/// The content hash as store schema version 4 and older took it: the SHA-256 of the record's
/// JSON text without the `fetched_at` and `content_sha256` keys.
fn hash_before_v5(record: &Value) -> String {
    let mut v = record.clone();
    let map = v.as_object_mut().unwrap();
    map.shift_remove("fetched_at");
    map.shift_remove("content_sha256");
    sha256_hex(v.to_string().as_bytes())
}

/// The current records as their JSON values.
fn current_values(store: &Store) -> Vec<Value> {
    let records = store.current_records().unwrap();
    records
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
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
        let hash = hash_before_v5(&v);
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
    let current = current_values(&store);
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
    let want_hashes: Vec<String> = want.records().map(content_hash).collect();
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
    let bytes = include_bytes!("../../../fixtures/variants/02_trs_wcm_word_msonormal.html");
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
        current_values(&store).remove(0)
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

#[test]
fn a_version_4_store_takes_its_hashes_again_so_an_unchanged_page_stays_unchanged() {
    let (_dir, db) = seed_store_set_back("");
    {
        let conn = Connection::open(&db).unwrap();
        let rows: Vec<(i64, String)> = conn
            .prepare("SELECT id, record FROM record_versions")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (id, text) in rows {
            let old = hash_before_v5(&serde_json::from_str(&text).unwrap());
            conn.execute(
                "UPDATE record_versions SET content_hash = ?2 WHERE id = ?1",
                params![id, old],
            )
            .unwrap();
        }
        conn.pragma_update(None, "user_version", 4).unwrap();
    }
    let mut store = Store::open(&db).unwrap();
    let s1 = snap(SEED, "2026-11-01T00:00:00Z");
    let want: Vec<String> = report(&s1).records().map(content_hash).collect();
    let hashes: Vec<String> = store
        .conn
        .prepare("SELECT content_hash FROM record_versions ORDER BY row_index")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hashes, want);
    // The same page fetched again a day later: every record is as it was.
    let s2 = snap(SEED, "2026-11-02T00:00:00Z");
    let changes = store
        .save_article("文成", None, &s2, &report(&s2), &s2.fetched_at)
        .unwrap();
    assert_eq!(
        changes,
        RecordChanges {
            unchanged: 16,
            ..Default::default()
        }
    );
}
