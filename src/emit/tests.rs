//! Emit's tests: the column order, typed CSV fields, the schema mark, UTF-8 and the BOM,
//! byte-identical output from a page read back, an unfinished run leaving the previous files,
//! and control characters and formula cells kept out of every output.

use super::*;
use crate::record::{Record, Scope, TableReport};
use std::fs;

fn record() -> Record {
    Record {
        source_url: "file:///a.html".into(),
        publisher: Some("文成县".into()),
        title: Some("进度表".into()),
        published_at: Some("2024-08-28T16:34:00+08:00".into()),
        table_index: 0,
        row_index: 2,
        seq: Some(3),
        category: Some("医疗卫生".into()),
        starred: true,
        content: Some("在公共场所新增配置自动体外除颤仪40台。".into()),
        completion_pct: Some(80.0),
        unified_progress: Some(false),
        unified_scope: None,
        rank_scope: Some(Scope::City),
        rank: Some(1),
        status_note: None,
        lead_unit: Some("县卫健局".into()),
        leader: None,
        extra: serde_json::Map::new(),
        fetched_at: "2026-01-01T00:00:00Z".into(),
        content_sha256: "ab".into(),
        published_date: Some("2024-08-28".into()),
        source_name: None,
        county: Some("文成县".into()),
        source_format: crate::record::SourceFormat::Html,
        article_url: "file:///a.html".into(),
        progress_note: Some("已完成安装".into()),
        report_year: Some(2024),
        as_of: Some("2024-06-30".into()),
        project_key: "0123456789abcdef".into(),
    }
}

#[test]
fn record_serializes_with_exactly_the_columns_in_order() {
    let value = serde_json::to_value(record()).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, COLUMNS.to_vec());
}

#[test]
fn csv_fields_write_null_as_empty_and_numbers_typed() {
    let f = csv_fields(&record());
    assert_eq!(f[6], "3");
    assert_eq!(f[10], "80.0");
    assert_eq!(f[11], "false");
    assert_eq!(f[12], "");
    assert_eq!(f[13], "city");
    assert_eq!(f[18], "{}");
    assert_eq!(
        f[21..],
        [
            "2024-08-28",
            "",
            "文成县",
            "html",
            "file:///a.html",
            "已完成安装",
            "2024",
            "2024-06-30",
            "0123456789abcdef"
        ]
    );
}

#[test]
fn pages_json_says_which_schema_it_is() {
    let dir = tempfile::tempdir().unwrap();
    write_all(
        dir.path(),
        false,
        &[PageReport::failed("file:///a.html", "x")],
    )
    .unwrap();
    let pages: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join(PAGES_JSON)).unwrap()).unwrap();
    assert_eq!(pages[0]["schema"], 2);
    assert_eq!(pages[0]["source_format"], "html");
    assert_eq!(pages[0]["article_url"], "file:///a.html");
    assert_eq!(pages[0]["attachments"], serde_json::json!([]));
}

#[test]
fn outputs_are_utf8_text_and_bom_is_optional() {
    let dir = tempfile::tempdir().unwrap();
    let mut page = PageReport::failed("file:///a.html", "x");
    page.error = None;
    page.tables.push(TableReport {
        table_index: 0,
        sheet: None,
        headers: vec![],
        rows: vec![record()],
    });
    write_all(dir.path(), true, &[page.clone()]).unwrap();
    let csv = fs::read(dir.path().join(RECORDS_CSV)).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBFsource_url,publisher,"));
    let jsonl = fs::read_to_string(dir.path().join(RECORDS_JSONL)).unwrap();
    assert!(jsonl.contains("\"县卫健局\""));
    assert!(!jsonl.contains("\\u"));
    let pages: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join(PAGES_JSON)).unwrap()).unwrap();
    assert_eq!(pages.as_array().unwrap().len(), 1);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join(RECORDS_CSV))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}

#[test]
fn a_page_read_back_from_its_json_form_writes_the_same_bytes() {
    let mut page = PageReport::failed("file:///a.html", "x");
    page.error = None;
    page.tables.push(TableReport {
        table_index: 0,
        sheet: None,
        headers: vec!["序号".into()],
        rows: vec![record(), record()],
    });
    let typed = tempfile::tempdir().unwrap();
    write_all(typed.path(), false, &[page.clone(), page.clone()]).unwrap();
    let stored: PageReport = serde_json::from_str(&serde_json::to_string(&page).unwrap()).unwrap();
    assert_eq!(stored, page);
    let from_json = tempfile::tempdir().unwrap();
    write_all(from_json.path(), false, &[stored.clone(), stored]).unwrap();
    for name in [RECORDS_CSV, RECORDS_JSONL, PAGES_JSON] {
        assert_eq!(
            fs::read(typed.path().join(name)).unwrap(),
            fs::read(from_json.path().join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn an_unfinished_output_leaves_the_previous_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), false, &[]).unwrap();
    let before = fs::read(dir.path().join(PAGES_JSON)).unwrap();
    let mut out = Output::create(dir.path(), CsvFormat::default()).unwrap();
    out.write_page(&PageReport::failed("file:///b.html", "x"))
        .unwrap();
    drop(out);
    assert_eq!(fs::read(dir.path().join(PAGES_JSON)).unwrap(), before);
}

fn page_with(record: Record) -> PageReport {
    let mut page = PageReport::failed("file:///a.html", "x");
    page.error = None;
    let table: TableReport = serde_json::from_value(serde_json::json!({
        "table_index": 0, "headers": ["项目内容"], "rows": [record]
    }))
    .unwrap();
    page.tables.push(table);
    page
}

#[test]
fn control_characters_from_a_page_reach_no_output_and_the_outputs_agree() {
    let mut r = record();
    r.content = Some("新增\u{1b}[31m除颤仪\u{7}40台".into());
    r.extra
        .insert("备\u{1b}注".into(), Value::from("x\u{85}y\tz\r\nw"));
    let mut page = page_with(r);
    page.notes.push("注\u{0}意".into());
    let rendered = render(&page, CsvFormat::default()).unwrap();
    let csv = String::from_utf8(rendered.csv.clone()).unwrap();
    let jsonl = String::from_utf8(rendered.jsonl.clone()).unwrap();
    for text in [&csv, &jsonl, &rendered.page] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text}"
        );
        assert!(
            !text.contains("\\u001b") && !text.contains("\\u0007"),
            "{text}"
        );
        assert!(
            !text.contains("\\u0000") && !text.contains('\u{85}'),
            "{text}"
        );
    }
    assert!(csv.contains("新增[31m除颤仪40台"), "{csv}");
    let line: Value = serde_json::from_str(jsonl.trim()).unwrap();
    assert_eq!(line["content"], "新增[31m除颤仪40台");
    assert_eq!(line["extra"]["备注"], "xy\tz\nw");
    let pages: Value = serde_json::from_str(&rendered.page).unwrap();
    assert_eq!(pages["notes"][0], "注意");
    assert_eq!(
        pages["tables"][0]["rows"][0]["content"],
        "新增[31m除颤仪40台"
    );
}

#[test]
fn formula_cells_are_neutralized_in_the_csv_only_and_raw_csv_keeps_them() {
    let mut r = record();
    r.content = Some("=HYPERLINK(\"http://x\",\"y\")".into());
    r.category = Some("@SUM(1+1)".into());
    r.lead_unit = Some("-3+4".into());
    let page = page_with(r);
    let read = |format| {
        let rendered = render(&page, format).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&rendered.csv[..]);
        let row = reader.records().next().unwrap().unwrap();
        let json: Value = serde_json::from_slice(&rendered.jsonl).unwrap();
        (row, json)
    };
    let (row, json) = read(CsvFormat::default());
    assert_eq!(&row[9], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(&row[7], "'@SUM(1+1)");
    assert_eq!(&row[16], "'-3+4");
    assert_eq!(&row[10], "80.0", "numbers stay numbers");
    assert_eq!(json["content"], "=HYPERLINK(\"http://x\",\"y\")");
    let (row, _) = read(CsvFormat {
        bom: false,
        raw: true,
    });
    assert_eq!(&row[9], "=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(&row[16], "-3+4");
}
