//! The outputs made from all the records (`--xlsx`, `--timeline`, `--report`): written in
//! the one output set by scrape, export, reparse and crawl, dropped when no longer asked
//! for, and `minsheng report` over records already written.

use super::*;

/// The derived outputs, in the order a run writes them into its set.
const DERIVED: [&str; 5] = [
    "timeline.csv",
    "timeline.jsonl",
    "timeline_merges.csv",
    "report.html",
    "records.xlsx",
];

/// The files the current set of `out` holds, from its manifest.
fn set_files(out: &Path) -> Vec<String> {
    let manifest = out.join(".minsheng-outputs/current/manifest.json");
    let manifest: Value = serde_json::from_str(&fs::read_to_string(manifest).unwrap()).unwrap();
    serde_json::from_value(manifest["files"].clone()).unwrap()
}

/// `name` in `out` is the set's link to its file of the current generation.
fn is_link_into_the_set(out: &Path, name: &str) -> bool {
    fs::read_link(out.join(name)).ok() == Some(Path::new(".minsheng-outputs/current").join(name))
        && out.join(".minsheng-outputs/current").join(name).is_file()
}

fn jsonl_values(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn scrape_with_xlsx_timeline_and_report_writes_them_in_the_one_output_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = minsheng(&[
        "scrape".as_ref(),
        seed().as_os_str(),
        "--xlsx".as_ref(),
        "--timeline".as_ref(),
        "--report".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(0), "{result:?}");
    let mut expected = vec!["records.csv", "records.jsonl", "pages.json"];
    expected.extend(DERIVED);
    assert_eq!(set_files(&out), expected);
    for name in &expected {
        assert!(is_link_into_the_set(&out, name), "{name} is not in the set");
    }
    // One row per record of the half-year table, each naming its project and the page.
    let records = jsonl_values(&out.join("records.jsonl"));
    let rows = jsonl_values(&out.join("timeline.jsonl"));
    assert_eq!(rows.len(), 16);
    for (row, record) in rows.iter().zip(&records) {
        assert_eq!(row["project_key"], record["project_key"]);
        assert_eq!(row["content"], record["content"]);
        assert_eq!(row["source_url"], record["source_url"]);
        assert_eq!(row["county"], "文成县");
    }
    let merges = fs::read_to_string(out.join("timeline_merges.csv")).unwrap();
    assert_eq!(merges.lines().count(), 1, "header only: {merges}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<svg"), "no chart in the report");
    let xlsx = fs::read(out.join("records.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK\x03\x04"), "records.xlsx is not a zip");
}

#[test]
fn a_run_without_the_flags_drops_the_derived_outputs_of_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let with = minsheng(&[
        "scrape".as_ref(),
        seed().as_os_str(),
        "--xlsx".as_ref(),
        "--report".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(with.status.code(), Some(0), "{with:?}");
    assert!(out.join("report.html").is_file());
    let without = scrape(&[&seed()], &out);
    assert_eq!(without.status.code(), Some(0), "{without:?}");
    assert_eq!(
        set_files(&out),
        ["records.csv", "records.jsonl", "pages.json"]
    );
    for name in DERIVED {
        assert!(
            fs::symlink_metadata(out.join(name)).is_err(),
            "{name} left behind"
        );
    }
}

#[test]
fn report_builds_the_timeline_and_report_from_records_already_written() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/timeline");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = minsheng(&[
        "report".as_ref(),
        fixtures.join("records.jsonl").as_os_str(),
        "--xlsx".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(0), "{result:?}");
    assert_eq!(
        String::from_utf8(result.stderr).unwrap(),
        format!(
            "minsheng report: 30 record(s), 30 timeline row(s), 3 merge(s) written to {}\n",
            out.display()
        )
    );
    assert_eq!(set_files(&out), DERIVED);
    let expected: Value =
        serde_json::from_str(&fs::read_to_string(fixtures.join("expected_timeline.json")).unwrap())
            .unwrap();
    assert_eq!(
        Value::from(jsonl_values(&out.join("timeline.jsonl"))),
        expected["rows"]
    );
    let merges = fs::read_to_string(out.join("timeline_merges.csv")).unwrap();
    assert_eq!(merges.lines().count(), 1 + 3, "{merges}");
    assert!(fs::read_to_string(out.join("report.html"))
        .unwrap()
        .contains("<svg"));
}

#[test]
fn report_into_a_scrape_folder_keeps_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(scrape(&[&seed()], &out).status.code(), Some(0));
    let records = fs::read(out.join("records.csv")).unwrap();
    let copy = dir.path().join("records.jsonl");
    fs::copy(out.join("records.jsonl"), &copy).unwrap();
    let result = minsheng(&[
        "report".as_ref(),
        copy.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(0), "{result:?}");
    let mut expected = vec!["timeline.csv", "timeline.jsonl", "timeline_merges.csv"];
    expected.extend(["report.html", "records.csv", "records.jsonl", "pages.json"]);
    assert_eq!(set_files(&out), expected);
    assert_eq!(fs::read(out.join("records.csv")).unwrap(), records);
}

#[test]
fn report_on_a_file_that_is_not_records_is_a_usage_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("records.jsonl");
    fs::write(&bad, "{\"seq\": 1}\nnot json\n").unwrap();
    let out = dir.path().join("out");
    let result = minsheng(&[
        "report".as_ref(),
        bad.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "minsheng report: {}:2: not a JSON record: ",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");
}

/// A store holding the seed page as one crawled article (16 records).
fn store_with_the_seed(db: &Path) {
    use minsheng::pipeline::{self, Source};
    use minsheng::store::{Snapshot, Store};
    let url = "http://www.wencheng.gov.cn/art/2024/8/28/art_1.html".to_string();
    let at = "2026-11-29T00:00:00Z".to_string();
    let bytes = fs::read(seed()).unwrap();
    let report = pipeline::process(&Source {
        content_type: Some("text/html; charset=utf-8"),
        final_url: Some(&url),
        http_status: Some(200),
        ..Source::file(&url, &bytes, &at)
    });
    let snap = Snapshot {
        not_modified: false,
        url: url.clone(),
        final_url: url,
        status: 200,
        content_type: Some("text/html; charset=utf-8".into()),
        etag: None,
        last_modified: None,
        bytes,
        fetched_at: at.clone(),
    };
    let mut store = Store::open(db).unwrap();
    store
        .save_article("文成", None, &snap, &report, &at)
        .unwrap();
}

#[test]
fn export_and_reparse_write_the_derived_outputs_asked_for_in_their_set() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("minsheng.db");
    store_with_the_seed(&db);
    let out = dir.path().join("out");
    let exported = minsheng(&[
        "export".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--bom".as_ref(),
        "--xlsx".as_ref(),
        "--timeline".as_ref(),
        "--report".as_ref(),
    ]);
    assert_eq!(exported.status.code(), Some(0), "{exported:?}");
    let mut expected = vec!["records.csv", "records.jsonl", "pages.json"];
    expected.extend(DERIVED);
    assert_eq!(set_files(&out), expected);
    assert!(fs::read(out.join("records.csv"))
        .unwrap()
        .starts_with(b"\xEF\xBB\xBFsource_url,"));
    assert_eq!(jsonl_values(&out.join("timeline.jsonl")).len(), 16);

    let reparsed = minsheng(&[
        "reparse".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--timeline".as_ref(),
    ]);
    assert_eq!(reparsed.status.code(), Some(0), "{reparsed:?}");
    assert_eq!(
        set_files(&out),
        [
            "records.csv",
            "records.jsonl",
            "pages.json",
            "timeline.csv",
            "timeline.jsonl",
            "timeline_merges.csv"
        ]
    );
    assert!(fs::read(out.join("records.csv"))
        .unwrap()
        .starts_with(b"source_url,"));
}

#[test]
fn crawl_writes_derived_outputs_newly_asked_for_though_the_store_did_not_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("minsheng.db");
    store_with_the_seed(&db);
    // A column whose list page links no article: the run reads its list (a crawl whose lists
    // all failed keeps the outputs as they were) and the stored article is the output.
    let server = crate::support::Server::start();
    server.route(
        "/col/index.html",
        crate::support::Reply::html("<html><body><ul></ul></body></html>", "text/html"),
    );
    let config = dir.path().join("sources.toml");
    fs::write(
        &config,
        format!(
            "[defaults]\ndelay_ms = 0\nresolve = {{ \"www.wencheng.gov.cn\" = \"127.0.0.1\" }}\n\n[[source]]\nname = \"文成\"\nstart = [\"{}\"]\nfollow = 'art_'\n",
            server.url_as("www.wencheng.gov.cn", "/col/index.html")
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let crawl = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "crawl".as_ref(),
            "--config".as_ref(),
            config.as_os_str(),
            "--db".as_ref(),
            db.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        minsheng(&args)
    };
    let first = crawl(&[]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    assert_eq!(
        set_files(&out),
        ["records.csv", "records.jsonl", "pages.json"]
    );
    let second = crawl(&["--xlsx", "--report"]);
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    assert_eq!(
        set_files(&out),
        [
            "records.csv",
            "records.jsonl",
            "pages.json",
            "report.html",
            "records.xlsx"
        ]
    );
}
