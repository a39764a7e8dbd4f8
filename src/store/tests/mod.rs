//! The store against real SQLite files: versions, suspects, failures, list links, the
//! outputs' generation; older schemas brought up to date in `migrations.rs`.

use super::*;
use crate::pipeline::{self, Source};
use serde_json::Value;

const SEED: &[u8] = include_bytes!("../../../fixtures/wencheng_2024_half_year.html");
const URL: &str = "http://www.wencheng.gov.cn/art/2024/8/28/art_1229265580_59001.html";

fn snap(bytes: &[u8], at: &str) -> Snapshot {
    Snapshot {
        not_modified: false,
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
    pipeline::process(&Source::fetched(s))
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
    let seq3: Vec<Value> = history
        .iter()
        .filter(|v| v.record.seq == Some(3))
        .map(|v| serde_json::to_value(&v.record).unwrap())
        .collect();
    assert_eq!(seq3.len(), 2);
    assert_eq!(seq3[0]["completion_pct"], 80.0);
    let seq3_times: Vec<(&str, Option<&str>)> = history
        .iter()
        .filter(|v| v.record.seq == Some(3))
        .map(|v| (v.valid_from.as_str(), v.valid_to.as_deref()))
        .collect();
    assert_eq!(seq3_times[0].0, "2026-11-01T00:00:00Z");
    assert_eq!(seq3_times[0].1, Some("2026-11-02T00:00:00Z"));
    assert_eq!(seq3[1]["completion_pct"], 85.0);
    assert_eq!(seq3_times[1].1, None);
    // unchanged rows now point at the newest bytes
    let current = store.current_records().unwrap();
    assert!(current
        .iter()
        .all(|r| r.content_sha256 == sha256_hex(&s2.bytes).as_str()));
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
        not_modified: false,
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
fn row_text_is_the_record_s_json_and_its_hash_leaves_out_when_and_from_which_bytes() {
    // The hash of store schema version 5: the record's JSON with the two provenance keys
    // empty, built here through a JSON value, apart from the store's own route.
    let s = snap(SEED, "2026-11-01T00:00:00Z");
    let r = report(&s);
    let rows = row_keys(&r);
    let records: Vec<&Record> = r.records().collect();
    assert_eq!(rows.len(), records.len());
    for ((_, _, _, text, hash), record) in rows.iter().zip(records) {
        let value = serde_json::to_value(record).unwrap();
        assert_eq!(*text, value.to_string());
        let mut without = value.clone();
        without["fetched_at"] = Value::from("");
        without["content_sha256"] = Value::from("");
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
    assert!(err.ends_with("cannot use the store: it has schema version 99, this minsheng knows 5; use a newer minsheng"), "{err}");
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
        not_modified: false,
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

mod errors;
mod migrations;
