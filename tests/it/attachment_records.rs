//! Every field of every record read from the attachment fixtures (fixtures/attachments/),
//! written by hand from DESIGN.md "Attachments", "Record schema v2" and "Normalization
//! rules" — not copied from a run. Each file goes through `scrape::process_file`, the path
//! `minsheng scrape FILE` takes, so the bytes decide the reader whatever the extension.
//! A mismatch names the file, the record and the field.
//!
//! project_key values: `hashlib.sha256("文成县|2024|新增家庭医生签约服务人数5000人".encode())
//! .hexdigest()[:16]` in Python, over county|report_year|content (else category) with
//! whitespace and punctuation removed.
//!
//! doc / wps / et need LibreOffice: with `soffice` on PATH they give exactly the records of
//! the docx / xlsx they were saved from (with their own source_format); without it their
//! page says `needs LibreOffice`, a warning.
//!
//! The other progress tables are in `attachment_records/other_tables.rs`, the files that
//! are not read in `attachment_records/unread.rs`.

mod other_tables;
mod unread;

use minsheng::pipeline;
use minsheng::pipeline::find_soffice;
use minsheng::record::PageReport;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/attachments")
        .join(name)
}

/// The fields every record of a document repeats.
struct PageFields {
    source_format: &'static str,
    title: Option<&'static str>,
    publisher: Option<&'static str>,
    published_at: Option<&'static str>,
    county: Option<&'static str>,
    report_year: Option<i64>,
    as_of: Option<&'static str>,
}

/// One expected record: the fields that vary by row (the rest are null / false / page's).
struct Row {
    table: usize,
    row: usize,
    seq: Option<i64>,
    category: Option<&'static str>,
    starred: bool,
    content: Option<&'static str>,
    completion: Option<f64>,
    lead_unit: Option<&'static str>,
    progress_note: Option<&'static str>,
    extra: Value,
    project_key: &'static str,
}

fn expected_record(file: &str, report: &PageReport, page: &PageFields, row: &Row) -> Value {
    let path = fixture(file);
    let url = minsheng::scrape::file_url(&path);
    let sha = hex::encode(Sha256::digest(std::fs::read(&path).unwrap()));
    let published_date = page.published_at.map(|p| p[..10].to_string());
    json!({
        "source_url": url,
        "publisher": page.publisher,
        "title": page.title,
        "published_at": page.published_at,
        "table_index": row.table,
        "row_index": row.row,
        "seq": row.seq,
        "category": row.category,
        "starred": row.starred,
        "content": row.content,
        "completion_pct": row.completion,
        "unified_progress": null,
        "unified_scope": null,
        "rank_scope": null,
        "rank": null,
        "status_note": null,
        "lead_unit": row.lead_unit,
        "leader": null,
        "extra": row.extra,
        "fetched_at": report.fetched_at,
        "content_sha256": sha,
        "published_date": published_date,
        "source_name": null,
        "county": page.county,
        "source_format": page.source_format,
        "article_url": url,
        "progress_note": row.progress_note,
        "report_year": page.report_year,
        "as_of": page.as_of,
        "project_key": row.project_key,
    })
}

/// Compares every field of every record of `file` with the expected rows; one line per
/// difference.
fn differences(file: &str, page: &PageFields, rows: &[Row]) -> Vec<String> {
    let report = minsheng::scrape::process_file(&fixture(file));
    let mut out = Vec::new();
    if let Some(error) = &report.error {
        out.push(format!("{file}: page error {error:?}"));
    }
    if report.source_format.as_str() != page.source_format {
        out.push(format!(
            "{file}: page source_format {:?}, expected {:?}",
            report.source_format.as_str(),
            page.source_format
        ));
    }
    let got: Vec<Value> = report
        .records()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    if got.len() != rows.len() {
        out.push(format!(
            "{file}: {} records, expected {}",
            got.len(),
            rows.len()
        ));
    }
    for (i, (got, row)) in got.iter().zip(rows).enumerate() {
        let want = expected_record(file, &report, page, row);
        let (got, want): (&Map<String, Value>, &Map<String, Value>) =
            (got.as_object().unwrap(), want.as_object().unwrap());
        for key in want.keys().chain(got.keys()) {
            if got.get(key) != want.get(key) {
                out.push(format!(
                    "{file}: record {i}: {key}: got {}, expected {}",
                    got.get(key).unwrap_or(&Value::Null),
                    want.get(key).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    out.dedup();
    out
}

fn assert_records(file: &str, page: &PageFields, rows: &[Row]) {
    let diffs = differences(file, page, rows);
    assert!(diffs.is_empty(), "\n{}", diffs.join("\n"));
}

/// The doc / wps / et fixtures: read as `read_as` when LibreOffice is here, else a warning.
fn assert_converted(file: &str, page: &PageFields, rows: &[Row]) {
    if find_soffice().is_none() {
        let report = minsheng::scrape::process_file(&fixture(file));
        assert_eq!(report.error.as_deref(), Some("needs LibreOffice"), "{file}");
        assert_eq!(report.source_format.as_str(), page.source_format, "{file}");
        assert!(!pipeline::is_failure(&report), "{file}: a warning");
        return;
    }
    assert_records(file, page, rows);
}

// ---------------------------------------------------------------------------------------
// The main workbook: xlsx, and the same workbook saved as xls, ods (LibreOffice) and et.

fn main_page(source_format: &'static str) -> PageFields {
    PageFields {
        source_format,
        // The title row above the two-row header.
        title: Some("文成县2024年民生实事项目上半年进展情况表"),
        // A local file: its 填报单位 / 填报日期 lines.
        publisher: Some("文成县发改局"),
        published_at: Some("2024-07-05T00:00:00+08:00"),
        // The leading division of the publisher.
        county: Some("文成县"),
        report_year: Some(2024),
        // 上半年 in the title.
        as_of: Some("2024-06-30"),
    }
}

fn main_rows() -> Vec<Row> {
    // Header 序号 | 项目名称 | 建设内容 | 项目进展/完成率 | 项目进展/计划完成时间 | 牵头单位 | 备注;
    // 一、教育 and the merged 医疗卫生★ rows: a group row, then names of their own; 合计 and
    // 备注 rows dropped; empty cells are not in extra.
    vec![
        Row {
            table: 0,
            row: 0,
            seq: Some(1),
            category: Some("城区学校扩容工程"),
            starred: false,
            content: Some("新建文成县实验小学教学楼1幢，新增学位540个"),
            completion: Some(80.0),
            lead_unit: Some("县教育局"),
            progress_note: None,
            extra: json!({"项目进展/计划完成时间": "2024-12-31"}),
            project_key: "e3fbb58bab449090",
        },
        Row {
            table: 0,
            row: 1,
            seq: Some(2),
            category: Some("中小学校“示范食堂”建设"),
            starred: true,
            content: Some("完成10所中小学校“示范食堂”创建"),
            completion: Some(100.0),
            lead_unit: Some("县教育局"),
            progress_note: None,
            extra: json!({"项目进展/计划完成时间": "2024-05-31", "备注": "提前完成"}),
            project_key: "74f83005c35eda3c",
        },
        Row {
            table: 0,
            row: 2,
            seq: Some(3),
            category: Some("医疗卫生"),
            starred: true,
            content: Some("新增家庭医生签约服务人数5000人"),
            completion: Some(60.0),
            lead_unit: Some("县卫生健康局"),
            progress_note: None,
            extra: json!({"项目进展/计划完成时间": "2024-09-30"}),
            project_key: "42f6db77647cfae6",
        },
        Row {
            table: 0,
            row: 3,
            seq: Some(4),
            category: Some("医疗卫生"),
            starred: true,
            content: Some("为65周岁以上老年人免费接种流感疫苗 2.3万剂"),
            completion: Some(45.5),
            lead_unit: Some("县卫生健康局"),
            progress_note: None,
            extra: json!({"项目进展/计划完成时间": "2024-11-30", "备注": "分批接种"}),
            project_key: "3730e8a0e77f6499",
        },
    ]
}

#[test]
fn xlsx_with_merged_title_header_and_categories_gives_every_field() {
    assert_records("progress_merged.xlsx", &main_page("xlsx"), &main_rows());
}

#[test]
fn xls_gives_the_same_records_as_the_xlsx() {
    assert_records("progress.xls", &main_page("xls"), &main_rows());
}

#[test]
fn ods_saved_by_libreoffice_gives_the_same_records_as_the_xlsx() {
    assert_records("progress_lo.ods", &main_page("ods"), &main_rows());
}

#[test]
fn et_gives_the_same_records_through_libreoffice_or_needs_it() {
    assert_converted("progress.et", &main_page("et"), &main_rows());
}

#[test]
fn every_table_of_a_workbook_names_its_sheet() {
    let report = minsheng::scrape::process_file(&fixture("several_sheets.xlsx"));
    let sheets: Vec<(usize, Option<&str>)> = report
        .tables
        .iter()
        .map(|t| (t.table_index, t.sheet.as_deref()))
        .collect();
    assert_eq!(sheets, [(0, Some("进度表")), (1, Some("隐藏表"))]);
    let skipped: Vec<usize> = report.skipped_tables.iter().map(|s| s.position).collect();
    assert_eq!(skipped, [0, 3], "the cover and the empty sheet");
}

// ---------------------------------------------------------------------------------------
// The Word file, and the same file saved as doc and wps.

fn word_page(source_format: &'static str) -> PageFields {
    PageFields {
        source_format,
        // The paragraph right above the first table.
        title: Some("文成县2024年民生实事项目进展情况表"),
        // The body line 填报单位：文成县民政局 填报日期：2024年7月5日.
        publisher: Some("文成县民政局"),
        published_at: Some("2024-07-05T00:00:00+08:00"),
        county: Some("文成县"),
        report_year: Some(2024),
        // Neither the title nor a heading states a cut-off.
        as_of: None,
    }
}

fn word_rows() -> Vec<Row> {
    // Header 序号 | 项目名称 | 项目进展/完成率 | 项目进展/目前进展 | 牵头单位: no content column,
    // so the project key is over the category. The 续表 table continues the first.
    let row = |row: usize,
               category: &'static str,
               starred: bool,
               completion: f64,
               lead_unit: &'static str,
               note: &'static str,
               project_key: &'static str| Row {
        table: 0,
        row,
        seq: Some(row as i64 + 1),
        category: Some(category),
        starred,
        content: None,
        completion: Some(completion),
        lead_unit: Some(lead_unit),
        progress_note: Some(note),
        extra: json!({}),
        project_key,
    };
    vec![
        row(
            0,
            "困难群众救助",
            true,
            80.0,
            "县民政局",
            "已发放救助金 1200万元",
            "33a0bfb36c8f857f",
        ),
        row(
            1,
            "养老服务",
            false,
            100.0,
            "县民政局",
            "新建居家养老服务中心3家 已全部投用",
            "6028929ff394d9fd",
        ),
        row(
            2,
            "养老服务",
            false,
            50.0,
            "县民政局",
            "老年食堂建设完成选址",
            "6028929ff394d9fd",
        ),
        row(
            3,
            "就业创业",
            false,
            65.0,
            "县人力社保局",
            "城镇新增就业2100人",
            "a19f82b4db22eb1a",
        ),
    ]
}

#[test]
fn docx_with_merged_header_categories_and_a_continuation_gives_every_field() {
    assert_records("progress.docx", &word_page("docx"), &word_rows());
}

#[test]
fn doc_gives_the_docx_records_through_libreoffice_or_needs_it() {
    assert_converted("progress.doc", &word_page("doc"), &word_rows());
}

#[test]
fn wps_gives_the_docx_records_through_libreoffice_or_needs_it() {
    assert_converted("progress.wps", &word_page("wps"), &word_rows());
}
