//! The attachment readers' bounds (DESIGN "Attachments"; issue 13), on crafted files built
//! here: a ZIP that declares more than it holds, a million-row sheet, a workbook past the
//! cell limit, 10,000 nested Word tables, too many tables, malformed XML. Each must give a
//! clear error or a bounded result, quickly — never a crash or a hang.

use crate::extract::docx::{read_docx, read_docx_with, DocxError, DocxLimits};
use crate::extract::grid::{Grid, GridError};
use crate::extract::sheet::{read_workbook, read_workbook_with, SheetError, SheetLimits};
use crate::sniff::DocKind;
use std::io::Write;
use std::time::{Duration, Instant};

fn texts(grid: &Grid) -> Vec<Vec<&str>> {
    grid.rows
        .iter()
        .map(|r| r.iter().map(|c| c.text.as_str()).collect())
        .collect()
}

/// A ZIP of stored entries.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Rewrites every declared uncompressed size (local headers and central directory) to
/// `size`: a ZIP that claims to unpack to far more than it holds.
fn declare_size(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
    let mut at = 0;
    while at + 4 <= zip.len() {
        let field = match &zip[at..at + 4] {
            b"PK\x03\x04" => Some(at + 22),
            b"PK\x01\x02" => Some(at + 24),
            _ => None,
        };
        if let Some(field) = field {
            zip[field..field + 4].copy_from_slice(&size.to_le_bytes());
        }
        at += 1;
    }
    zip
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let bomb = declare_size(
        zip_of(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", b"<x/>"),
        ]),
        150 * 1024 * 1024,
    );
    let err = read_workbook(&bomb, &DocKind::Xlsx).unwrap_err();
    assert_eq!(
        err,
        SheetError::TooLarge {
            declared: 300 * 1024 * 1024,
            limit: 200 * 1024 * 1024
        }
    );
    let bomb = declare_size(
        zip_of(&[("word/document.xml", b"<w:document/>")]),
        300 * 1024 * 1024,
    );
    assert_eq!(
        read_docx(&bomb),
        Err(DocxError::TooLarge {
            declared: 300 * 1024 * 1024,
            limit: 200 * 1024 * 1024
        })
    );
}

/// A minimal xlsx whose one sheet has `rows` rows of two numbers.
fn xlsx_with_rows(rows: usize) -> Vec<u8> {
    let mut sheet = String::with_capacity(rows * 64);
    sheet.push_str(
        "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
    );
    for r in 1..=rows {
        sheet.push_str(&format!(
            "<row r=\"{r}\"><c r=\"A{r}\"><v>{r}</v></c><c r=\"B{r}\"><v>1</v></c></row>"
        ));
    }
    sheet.push_str("</sheetData></worksheet>");
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    zip_of(&[
        (
            "[Content_Types].xml",
            b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
              <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
              <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
              <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
              <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>",
        ),
        (
            "_rels/.rels",
            format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>").as_bytes(),
        ),
        (
            "xl/workbook.xml",
            format!("<?xml version=\"1.0\"?><workbook xmlns=\"{main}\" xmlns:r=\"{rel}\"><sheets><sheet name=\"大表\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>").as_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>").as_bytes(),
        ),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

#[test]
fn a_sheet_of_a_million_rows_stops_at_the_grid_limit() {
    let bytes = xlsx_with_rows(1_000_000);
    let started = Instant::now();
    let sheets = read_workbook(&bytes, &DocKind::Xlsx).unwrap();
    assert_eq!(sheets.len(), 1);
    assert_eq!(
        sheets[0].problem,
        Some(GridError::TooLarge { cells: 1_000_002 })
    );
    assert_eq!(sheets[0].grid, Grid::default());
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_workbook_past_the_cell_limit_is_refused() {
    let limits = SheetLimits {
        max_cells: 1000,
        ..SheetLimits::default()
    };
    let err = read_workbook_with(&xlsx_with_rows(600), &DocKind::Xlsx, &limits).unwrap_err();
    assert_eq!(
        err,
        SheetError::TooManyCells {
            sheet: Some("大表".to_string()),
            limit: 1000
        }
    );
    assert_eq!(
        err.to_string(),
        "workbook has more than 1000 non-empty cells (sheet \"大表\")"
    );
    let sheets = read_workbook_with(&xlsx_with_rows(400), &DocKind::Xlsx, &limits).unwrap();
    assert_eq!(sheets[0].grid.rows.len(), 400);
}

fn docx_of(body: &str) -> Vec<u8> {
    let xml = format!(
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    zip_of(&[("word/document.xml", xml.as_bytes())])
}

#[test]
fn ten_thousand_nested_tables_are_cut_at_the_depth_limit() {
    let n = 10_000;
    let body = format!(
        "{}<w:p><w:r><w:t>最深</w:t></w:r></w:p>{}",
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>层</w:t></w:r></w:p>".repeat(n),
        "</w:tc></w:tr></w:tbl>".repeat(n)
    );
    let started = Instant::now();
    let doc = read_docx(&docx_of(&body)).unwrap();
    assert_eq!((doc.tables.len(), doc.tables_cut), (8, 1));
    assert!(doc.tables.iter().take(8).all(|t| t.grid.holds_tables));
    assert_eq!(texts(&doc.tables[7].grid), [vec!["层"]]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn tables_past_the_table_limit_are_counted_not_read() {
    let body =
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr></w:tbl>".repeat(30);
    let limits = DocxLimits {
        max_tables: 10,
        ..DocxLimits::default()
    };
    let doc = read_docx_with(&docx_of(&body), &limits).unwrap();
    assert_eq!((doc.tables.len(), doc.tables_cut), (10, 20));
}

#[test]
fn malformed_word_xml_names_the_byte_where_it_broke() {
    let err = read_docx(&docx_of("<w:p><w:r><w:t>x</w:p>")).unwrap_err();
    assert!(
        matches!(&err, DocxError::Corrupt { reason } if reason.starts_with("word/document.xml at byte")),
        "{err}"
    );
    assert_eq!(
        read_docx(&zip_of(&[("word/other.xml", b"<x/>")])),
        Err(DocxError::Corrupt {
            reason: "no word/document.xml".to_string()
        })
    );
}

/// A fixed xorshift sequence: the same mutations on every run.
struct Mutations(u64);

impl Mutations {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `bytes` with a few bytes overwritten and, one time in four, cut short.
    fn mutate(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for _ in 0..1 + self.next() % 4 {
            let at = (self.next() % out.len() as u64) as usize;
            out[at] = self.next() as u8;
        }
        if self.next().is_multiple_of(4) {
            out.truncate((self.next() % out.len() as u64) as usize);
        }
        out
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/attachments/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The one XML part of a fixture, to mutate before it is zipped again (stored, so that the
/// mutations reach the XML parser instead of failing the checksum).
fn part(name: &str, entry: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(fixture(name))).unwrap();
    let mut xml = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name(entry).unwrap(), &mut xml).unwrap();
    xml
}

#[test]
fn damaged_xls_files_give_errors_or_bounded_sheets() {
    let original = fixture("progress.xls");
    let mut mutations = Mutations(0x9E37_79B9_7F4A_7C15);
    for _ in 0..400 {
        let bytes = mutations.mutate(&original);
        if let Ok(sheets) = read_workbook(&bytes, &DocKind::Xls) {
            assert!(sheets.iter().all(|s| s.grid.rows.len() <= 1_000_000));
        }
    }
}

#[test]
fn damaged_word_and_ods_xml_give_errors_or_bounded_results() {
    let mut mutations = Mutations(0x2545_F491_4F6C_DD1D);
    for (fixture_name, entry) in [
        ("progress.docx", "word/document.xml"),
        ("nested_layout.docx", "word/document.xml"),
        ("progress.ods", "content.xml"),
    ] {
        let xml = part(fixture_name, entry);
        for _ in 0..300 {
            let damaged = mutations.mutate(&xml);
            let mut files: Vec<(&str, &[u8])> = vec![(entry, &damaged)];
            if entry == "content.xml" {
                files.insert(
                    0,
                    (
                        "mimetype",
                        b"application/vnd.oasis.opendocument.spreadsheet",
                    ),
                );
                let bytes = zip_of(&files);
                let _ = read_workbook(&bytes, &DocKind::Ods);
            } else {
                let _ = read_docx(&zip_of(&files));
            }
        }
    }
}
