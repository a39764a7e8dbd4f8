//! records.xlsx read back with calamine, cell by cell: numbers are numbers, booleans booleans,
//! dates and date-times Excel dates, `extra` its JSON text, null an empty cell, and a text
//! that looks like a formula (`=1+1`) the same text — never a formula. The sheet XML shows the
//! frozen header, the filter and the column widths.

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use minsheng::emit::xlsx;
use minsheng::link;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

fn records() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/timeline/records.jsonl");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect()
}

/// The fixture records, the second one's content made to look like a formula.
fn records_with_a_formula_text() -> Vec<Value> {
    let mut records = records();
    records[1]["content"] = Value::from("=1+1");
    records
}

fn write(records: &[Value], with_timeline: bool) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(xlsx::RECORDS_XLSX);
    let timeline = link::timeline(records);
    xlsx::write(&path, records, with_timeline.then_some(&timeline)).unwrap();
    (dir, path)
}

/// A sheet's cells by header name: `cell(row, "seq")`, row 1 being the first record.
struct Sheet(Range<Data>);

impl Sheet {
    fn cell(&self, row: u32, column: &str) -> &Data {
        let col = (0..self.0.width() as u32)
            .find(|&c| self.0.get_value((0, c)) == Some(&Data::String(column.to_string())))
            .unwrap_or_else(|| panic!("no column {column}"));
        self.0.get_value((row, col)).unwrap_or(&Data::Empty)
    }

    fn datetime(&self, row: u32, column: &str) -> f64 {
        match self.cell(row, column) {
            Data::DateTime(d) => d.as_f64(),
            other => panic!("{column} in row {row} is not a date: {other:?}"),
        }
    }
}

fn sheet(path: &Path, name: &str) -> Sheet {
    let mut book: Xlsx<_> = open_workbook(path).expect("an xlsx calamine reads");
    Sheet(book.worksheet_range(name).expect("the sheet"))
}

fn text(s: &str) -> Data {
    Data::String(s.to_string())
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() < 1e-6
}

#[test]
fn record_cells_are_typed() {
    let (_dir, path) = write(&records(), false);
    let s = sheet(&path, "records");
    // Row 1: 文成县's half-year report, seq 1.
    assert_eq!(
        s.cell(1, "source_url"),
        &text("https://www.wencheng.gov.cn/art/2024/8/28/art_1229243645_59087021.html")
    );
    assert_eq!(s.cell(1, "table_index"), &Data::Float(0.0));
    assert_eq!(s.cell(1, "seq"), &Data::Float(1.0));
    assert_eq!(s.cell(1, "category"), &text("幼有善育"));
    assert_eq!(s.cell(1, "starred"), &Data::Bool(false));
    assert_eq!(s.cell(1, "content"), &text("新增3岁以下婴幼儿托位200个。"));
    assert_eq!(s.cell(1, "completion_pct"), &Data::Float(45.0));
    assert_eq!(s.cell(1, "unified_progress"), &Data::Empty);
    assert_eq!(s.cell(1, "leader"), &Data::Empty);
    assert_eq!(s.cell(1, "extra"), &text("{}"));
    assert_eq!(s.cell(1, "report_year"), &Data::Float(2024.0));
    assert_eq!(s.cell(1, "county"), &text("文成县"));
    assert_eq!(s.cell(1, "source_name"), &Data::Empty);
    assert_eq!(s.cell(1, "progress_note"), &text("已新增托位90个。"));
    assert_eq!(s.cell(1, "project_key"), &text("ba1229da5f8c6c48"));
}

#[test]
fn published_at_and_fetched_at_are_date_times_and_the_dates_are_dates() {
    let (_dir, path) = write(&records(), false);
    let s = sheet(&path, "records");
    // Days since 1899-12-30 (python: datetime(2024,8,28,16,34) - datetime(1899,12,30)).
    assert!(close(s.datetime(1, "published_at"), 45_532.690_277_777_78));
    // 2026-11-20T02:15:07Z.
    assert!(close(s.datetime(1, "fetched_at"), 46_346.093_831_018_516));
    assert!(close(s.datetime(1, "published_date"), 45532.0));
    assert!(close(s.datetime(1, "as_of"), 45473.0));
    // Row 26: 青田县's year-end workbook, published 2025-01-15 15:40.
    assert_eq!(s.cell(26, "source_format"), &text("xlsx"));
    assert!(close(s.datetime(26, "published_at"), 45_672.652_777_777_78));
}

#[test]
fn extra_is_json_text_and_a_missing_number_is_an_empty_cell() {
    let (_dir, path) = write(&records(), false);
    let s = sheet(&path, "records");
    assert_eq!(s.cell(5, "extra"), &text(r#"{"备注":"含管网改造"}"#));
    // 青田县's greenway project reports only a note.
    assert_eq!(s.cell(25, "content"), &text("推进瓯江沿岸绿道建设。"));
    assert_eq!(s.cell(25, "completion_pct"), &Data::Empty);
}

#[test]
fn a_text_that_looks_like_a_formula_stays_text() {
    let (_dir, path) = write(&records_with_a_formula_text(), false);
    let s = sheet(&path, "records");
    assert_eq!(s.cell(2, "content"), &text("=1+1"));
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let formulas = book.worksheet_formula("records").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a formula was written"
    );
}

#[test]
fn every_record_is_a_row_under_one_header() {
    let records = records();
    let (_dir, path) = write(&records, false);
    let s = sheet(&path, "records");
    assert_eq!(s.0.height(), records.len() + 1);
    assert_eq!(s.0.get_value((0, 0)), Some(&text("source_url")));
    let book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), vec!["records".to_string()]);
}

#[test]
fn the_timeline_sheets_come_when_asked() {
    let (_dir, path) = write(&records(), true);
    let book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["records", "timeline", "timeline_merges"]
    );
    let t = sheet(&path, "timeline");
    assert_eq!(t.0.height(), 31);
    // 文成县 seq 4 at Q3: reworded, linked to the half-year key.
    assert_eq!(t.cell(11, "content"), &text("新增残疾人就业62人以上。"));
    assert_eq!(t.cell(11, "project_key"), &text("9f5199937d383a66"));
    assert_eq!(t.cell(11, "record_key"), &text("d69be061312988e5"));
    assert_eq!(t.cell(11, "completion_pct"), &Data::Float(75.0));
    assert!(close(t.datetime(11, "as_of"), 45565.0)); // 2024-09-30
    let m = sheet(&path, "timeline_merges");
    assert_eq!(m.0.height(), 4);
    assert_eq!(m.cell(1, "merged_key"), &text("d69be061312988e5"));
    assert_eq!(m.cell(1, "similarity"), &Data::Float(0.8182));
    assert_eq!(m.cell(3, "county"), &text("青田县"));
}

/// The XML of the first sheet.
fn sheet_xml(path: &Path) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn the_header_is_frozen_filtered_and_columns_sized_to_their_text() {
    let records = records();
    let (_dir, path) = write(&records, false);
    let xml = sheet_xml(&path);
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{xml}"
    );
    // 30 columns (A..AD) over the header and 30 records.
    assert!(xml.contains(r#"<autoFilter ref="A1:AD31"/>"#), "{xml}");
    // Column A (source_url, 88 characters at most) is capped at 60 + 2; column E (table_index,
    // 11 characters) is 11 + 2 wide.
    let widths: Vec<&str> = xml
        .match_indices("<col ")
        .map(|(at, _)| &xml[at..at + xml[at..].find("/>").unwrap()])
        .collect();
    assert!(
        widths[0].contains(r#"min="1" max="1" width="62.7109375""#),
        "{widths:?}"
    );
    assert!(
        widths
            .iter()
            .any(|w| w.contains(r#"min="5" max="5" width="13.7109375""#)),
        "{widths:?}"
    );
}
