//! The output set's tests: a run stopped after any step of its commit leaves one whole set,
//! a failed run leaves nothing, older files are replaced, unwritten files carried over, and a
//! second writer waits for the first.

use super::*;
use crate::emit::{write_all, CsvFormat, Output, PAGES_JSON, RECORDS_CSV, RECORDS_JSONL};
use crate::record::{PageReport, TableReport};

/// `n` pages of one record each.
fn pages(n: usize) -> Vec<PageReport> {
    (0..n)
        .map(|i| {
            let mut page = PageReport::failed(format!("file:///{i}.html"), "x");
            page.error = None;
            let record = serde_json::json!({
                "source_url": format!("file:///{i}.html"), "publisher": null, "title": null,
                "published_at": null, "table_index": 0, "row_index": 0, "seq": 1,
                "category": null, "starred": false, "content": "内容", "completion_pct": 50.0,
                "unified_progress": null, "unified_scope": null, "rank_scope": null,
                "rank": null, "status_note": null, "lead_unit": null, "leader": null,
                "extra": {}, "fetched_at": "t", "content_sha256": "ab"
            });
            let table: TableReport = serde_json::from_value(serde_json::json!({
                "table_index": 0, "headers": [], "rows": [record]
            }))
            .unwrap();
            page.tables.push(table);
            page
        })
        .collect()
}

/// The number of pages each of the three files holds, read through the top-level names.
fn counts(dir: &Path) -> [usize; 3] {
    let csv = fs::read_to_string(dir.join(RECORDS_CSV)).unwrap();
    let jsonl = fs::read_to_string(dir.join(RECORDS_JSONL)).unwrap();
    let pages: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join(PAGES_JSON)).unwrap()).unwrap();
    [
        csv.lines().count() - 1,
        jsonl.lines().count(),
        pages.as_array().unwrap().len(),
    ]
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn start(dir: &Path, pages: &[PageReport]) -> Output {
    let mut out = Output::create(dir, CsvFormat::default()).unwrap();
    for page in pages {
        out.write_page(page).unwrap();
    }
    out
}

#[test]
fn a_run_stopped_after_any_step_of_its_commit_leaves_one_whole_set_and_the_next_cleans_up() {
    for (last, expected) in [
        (Step::Written, 1),
        (Step::Synced, 1),
        (Step::Switched, 2),
        (Step::Linked, 2),
        (Step::Cleaned, 2),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        write_all(out, false, &pages(1)).unwrap();
        start(out, &pages(2)).finish_until(last).unwrap();
        assert_eq!(counts(out), [expected; 3], "killed after {last:?}");
        // The next run removes what the stopped one left and writes a whole set.
        start(out, &pages(3)).finish().unwrap();
        assert_eq!(counts(out), [3; 3], "after {last:?}");
        let sets = names(&out.join(SETS_DIR));
        assert_eq!(sets.len(), 3, "{sets:?}");
        assert_eq!([&sets[0], &sets[2]], ["current", "lock"]);
        assert!(sets[1].starts_with("g-"), "{sets:?}");
        assert_eq!(
            names(out),
            [SETS_DIR, PAGES_JSON, RECORDS_CSV, RECORDS_JSONL],
            "after {last:?}"
        );
    }
}

#[test]
fn a_run_that_fails_before_its_commit_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), false, &pages(1)).unwrap();
    drop(start(dir.path(), &pages(2)));
    assert_eq!(counts(dir.path()), [1; 3]);
    assert_eq!(names(&dir.path().join(SETS_DIR)).len(), 3);
}

#[cfg(unix)]
#[test]
fn plain_files_and_temp_files_of_older_versions_are_replaced_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    for name in [RECORDS_CSV, RECORDS_JSONL, PAGES_JSON] {
        fs::write(out.join(name), "old").unwrap();
    }
    fs::write(out.join(".pages.json.a1B2c3.tmp"), vec![b'x'; 1000]).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    write_all(out, false, &pages(2)).unwrap();
    assert_eq!(counts(out), [2; 3]);
    assert_eq!(
        names(out),
        [
            SETS_DIR,
            "notes.txt",
            PAGES_JSON,
            RECORDS_CSV,
            RECORDS_JSONL
        ]
    );
    for name in [RECORDS_CSV, RECORDS_JSONL, PAGES_JSON] {
        let meta = fs::symlink_metadata(out.join(name)).unwrap();
        assert!(meta.file_type().is_symlink(), "{name}");
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(out.join(name)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{name}");
    }
}

#[test]
fn a_file_of_the_set_not_written_again_is_carried_into_the_next_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = start(dir.path(), &pages(1));
    out.write_file("records_history.csv", |f| f.write_all(b"history\n"))
        .unwrap();
    out.finish().unwrap();
    write_all(dir.path(), false, &pages(2)).unwrap();
    write_all(dir.path(), false, &pages(3)).unwrap();
    assert_eq!(counts(dir.path()), [3; 3]);
    assert_eq!(
        fs::read_to_string(dir.path().join("records_history.csv")).unwrap(),
        "history\n"
    );
    let manifest = current_manifest(dir.path()).unwrap();
    assert_eq!(
        manifest.files,
        [
            RECORDS_CSV,
            RECORDS_JSONL,
            PAGES_JSON,
            "records_history.csv"
        ]
    );
    assert_eq!((manifest.pages, manifest.records), (3, 3));
}

#[test]
fn a_second_writer_waits_for_the_first_to_commit() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), &pages(1));
    let path = dir.path().to_path_buf();
    let second = std::thread::spawn(move || {
        write_all(&path, false, &pages(2)).unwrap();
        counts(&path)
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!second.is_finished());
    first.finish().unwrap();
    assert_eq!(second.join().unwrap(), [2; 3]);
}
