//! Word files (docx) -> one [`Grid`] per table, and the body's paragraphs. Pure.
//!
//! DESIGN.md, "Attachments": every `w:tbl` in document order, nested ones too (each its own
//! grid; the outer grid marks `holds_tables`, as an HTML table holding tables does, and is
//! listed before the tables inside it); `w:gridSpan` is a colspan, `w:vMerge` restart /
//! continue a rowspan (`w:hMerge`, Word 97's horizontal merge, a colspan too), and
//! `w:gridBefore` / `w:gridAfter` leave padding slots — so the grid has the shape
//! `grid.rs` gives the same table saved as HTML. A cell's paragraphs are its lines and a
//! `w:br` is a line break: both count as `<p>` / `<br>` do in an HTML cell (whitespace, also
//! between Chinese characters), collapsed by `text.rs`'s rule.
//!
//! The body's paragraphs outside tables are kept in order ([`DocxDocument::paragraphs`]) for
//! the prose reader; each table carries the non-empty paragraph right above it (the title
//! candidate DESIGN names) and what stands between it and the previous table, classified as
//! the HTML path classifies it (nothing, a 续表 heading, other), for continuation tables.
//! Title rows and 填报单位 lines inside a Word table are split off as in a sheet
//! (`sheet::split_margins`).
//!
//! Not text: deleted runs (`w:delText`) and the old place of moved text (`w:moveFrom`),
//! field codes (`w:instrText`), drawings, text boxes and VML/`mc:Fallback` copies (a text
//! box's text floats beside the table, not in it). Word's automatic list numbers are not in
//! the XML's text either, so a numbered paragraph reads without its number.
//!
//! Bounds: the ZIP's declared uncompressed sizes are summed before anything is inflated
//! (the zip crate never inflates past a declared size); tables nested deeper than
//! [`DocxLimits::max_depth`] and tables past [`DocxLimits::max_tables`] are skipped without
//! being built and counted in [`DocxDocument::tables_cut`]; a grid past `grid::MAX_CELLS`
//! slots is not expanded (its `problem` says so).
//!
//! (The example is the test `module_example` at the end of this file.)

mod layout;

use super::grid::{Grid, GridError};
use super::sheet::{declared_size, is_encrypted_package, split_margins, title_among, Margins};
use super::text::{collapse_whitespace, push_break, push_raw};
use super::Preceded;
use layout::{build_grid, Merge, RawCell, RawRow};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::Reader;
use std::io::{Cursor, Read};

/// Word's own limit for a cell's gridSpan is 63; HTML's colspan limit bounds a crafted one.
const MAX_SPAN: usize = 1000;

/// How much a Word file may hold. `Default` is the only list of defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocxLimits {
    /// The sum of the ZIP entries' declared uncompressed sizes. Default 200 MiB, as for
    /// workbooks.
    pub max_unpacked_bytes: u64,
    /// Tables nested deeper than this (a table in a cell of a table … ) are not read.
    /// Default 8: county forms nest a table in a layout table, rarely deeper.
    pub max_depth: usize,
    /// Tables read from one file. Default 1,000.
    pub max_tables: usize,
}

impl Default for DocxLimits {
    fn default() -> Self {
        DocxLimits {
            max_unpacked_bytes: 200 * 1024 * 1024,
            max_depth: 8,
            max_tables: 1000,
        }
    }
}

/// One table of a Word file.
#[derive(Debug, Clone, PartialEq)]
pub struct DocxTable {
    /// 0 for a table in the body, 1 for a table in a cell of a body table, …
    pub depth: usize,
    /// The table without its margin rows (title rows, 填报单位 lines), as for a sheet.
    pub grid: Grid,
    /// The rows split off the top and bottom of the table, and the title row among them.
    pub margins: Margins,
    /// The title paragraph above the table: the nearest non-empty paragraph since the
    /// previous table boundary that is not a 填报单位 / 日期 line, an `附件N` tag or a 续表
    /// heading.
    pub title: Option<String>,
    /// What stands between this table and the previous table boundary.
    pub preceded_by: Preceded,
    /// The grid was not expanded (too many slots); `grid` is empty then.
    pub problem: Option<GridError>,
}

/// What a Word file holds for the later stages.
#[derive(Debug, Clone, PartialEq)]
pub struct DocxDocument {
    /// The body's non-empty paragraphs outside tables, in order (whitespace-normalized).
    pub paragraphs: Vec<String>,
    /// Every table read, in document order, an outer table before the tables in it.
    pub tables: Vec<DocxTable>,
    /// Tables not read: nested past `max_depth` (each counted once, with everything in
    /// it) or past `max_tables`.
    pub tables_cut: usize,
}

/// Why a Word file could not be read. The caller adds the file or URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocxError {
    #[error("password-protected docx")]
    PasswordProtected,
    #[error("corrupt docx: {reason}")]
    Corrupt { reason: String },
    #[error("docx unpacks to {declared} bytes, over the limit of {limit}")]
    TooLarge { declared: u64, limit: u64 },
}

fn corrupt(reason: impl ToString) -> DocxError {
    DocxError::Corrupt {
        reason: reason.to_string(),
    }
}

/// Reads the tables and paragraphs of the docx `bytes` with the default limits.
pub fn read_docx(bytes: &[u8]) -> Result<DocxDocument, DocxError> {
    read_docx_with(bytes, &DocxLimits::default())
}

/// [`read_docx`] with the given limits.
pub fn read_docx_with(bytes: &[u8], limits: &DocxLimits) -> Result<DocxDocument, DocxError> {
    if is_encrypted_package(bytes) {
        return Err(DocxError::PasswordProtected);
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| corrupt(format!("not a readable ZIP file ({e})")))?;
    let declared =
        declared_size(&mut archive).map_err(|e| corrupt(format!("unreadable ZIP entry ({e})")))?;
    if declared > limits.max_unpacked_bytes {
        return Err(DocxError::TooLarge {
            declared,
            limit: limits.max_unpacked_bytes,
        });
    }
    let mut entry = archive
        .by_name("word/document.xml")
        .map_err(|_| corrupt("no word/document.xml"))?;
    let mut xml = Vec::new();
    entry
        .read_to_end(&mut xml)
        .map_err(|e| corrupt(format!("word/document.xml: {e}")))?;
    let xml = std::str::from_utf8(&xml)
        .map_err(|e| corrupt(format!("word/document.xml is not UTF-8 ({e})")))?;
    parse_document(xml, limits)
}

/// A table being read.
struct Building {
    /// Its place in the output (reserved when the table opens).
    index: usize,
    rows: Vec<RawRow>,
    row: Option<RawRow>,
    cell: Option<RawCell>,
    holds_tables: bool,
}

/// The state of the walk over `word/document.xml`.
struct Walk<'l> {
    limits: &'l DocxLimits,
    doc: DocxDocument,
    stack: Vec<Building>,
    /// The paragraph being read, if any.
    paragraph: Option<String>,
    in_text: bool,
    /// The non-empty paragraphs since the last table boundary.
    since_boundary: Vec<String>,
    /// What has been seen since the last table boundary (whitespace removed, first chars).
    between: String,
    between_chars: usize,
}

/// Elements whose content is not the document's text (see the module documentation).
fn is_skipped(local: &str) -> bool {
    matches!(
        local,
        "delText"
            | "moveFrom"
            | "instrText"
            | "drawing"
            | "pict"
            | "object"
            | "Fallback"
            | "txbxContent"
    )
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

/// The `w:val` attribute (any prefix).
fn val(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == "val")
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn count(e: &BytesStart<'_>) -> usize {
    val(e)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
}

fn parse_document(xml: &str, limits: &DocxLimits) -> Result<DocxDocument, DocxError> {
    let mut reader = Reader::from_str(xml);
    let mut walk = Walk {
        limits,
        doc: DocxDocument {
            paragraphs: Vec::new(),
            tables: Vec::new(),
            tables_cut: 0,
        },
        stack: Vec::new(),
        paragraph: None,
        in_text: false,
        since_boundary: Vec::new(),
        between: String::new(),
        between_chars: 0,
    };
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| corrupt(format!("word/document.xml at byte {position}: {e}")))?;
        match event {
            Event::Start(e) => {
                let name = local(&e);
                if is_skipped(&name) || (name == "tbl" && !walk.may_open_table()) {
                    if name == "tbl" {
                        walk.cut_table();
                    }
                    let qname = e.name().as_ref().to_string();
                    reader
                        .read_to_end(QName(&qname))
                        .map_err(|err| corrupt(format!("word/document.xml: {err}")))?;
                    continue;
                }
                walk.start(&name, &e);
            }
            Event::Empty(e) => walk.empty(&local(&e), &e),
            Event::End(e) => walk.end(e.local_name().as_ref())?,
            Event::Text(t) if walk.in_text => walk.text(&t.xml10_content()),
            Event::CData(t) if walk.in_text => walk.text(&t.xml10_content()),
            Event::GeneralRef(r) if walk.in_text => {
                walk.text(&crate::extract::sheet::entity_text(&r))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(walk.doc)
}

impl Walk<'_> {
    fn may_open_table(&self) -> bool {
        self.stack.len() < self.limits.max_depth && self.doc.tables.len() < self.limits.max_tables
    }

    /// A table that is not read: counted, and its cell marked as holding a table.
    fn cut_table(&mut self) {
        self.doc.tables_cut += 1;
        if let Some(top) = self.stack.last_mut() {
            top.holds_tables = true;
        }
    }

    fn start(&mut self, name: &str, e: &BytesStart<'_>) {
        match name {
            "p" => self.paragraph = Some(String::new()),
            "t" => self.in_text = self.paragraph.is_some(),
            "tbl" => self.open_table(),
            "tr" => {
                if let Some(top) = self.stack.last_mut() {
                    top.row = Some(RawRow::default());
                }
            }
            "tc" => {
                if let Some(top) = self.stack.last_mut() {
                    top.cell = Some(RawCell {
                        raw: String::new(),
                        paragraphs: 0,
                        span: 1,
                        vmerge: Merge::None,
                        hmerge_continue: false,
                    });
                }
            }
            _ => self.empty(name, e),
        }
    }

    /// Elements that carry their meaning in their attributes, written empty or not.
    fn empty(&mut self, name: &str, e: &BytesStart<'_>) {
        match name {
            "br" | "cr" => {
                if let Some(p) = self.paragraph.as_mut() {
                    push_break(p);
                }
            }
            "tab" | "ptab" => {
                if let Some(p) = self.paragraph.as_mut() {
                    p.push('\t');
                }
            }
            "noBreakHyphen" => {
                if let Some(p) = self.paragraph.as_mut() {
                    p.push('-');
                }
            }
            "p" => self.end_paragraph(String::new()),
            "gridSpan" | "vMerge" | "hMerge" => {
                let Some(cell) = self.stack.last_mut().and_then(|t| t.cell.as_mut()) else {
                    return;
                };
                match name {
                    "gridSpan" => cell.span = count(e).clamp(1, MAX_SPAN),
                    "vMerge" if val(e).as_deref() == Some("restart") => {
                        cell.vmerge = Merge::Restart
                    }
                    "vMerge" => cell.vmerge = Merge::Continue,
                    _ => cell.hmerge_continue = val(e).as_deref() != Some("restart"),
                }
            }
            "gridBefore" | "gridAfter" => {
                let Some(row) = self.stack.last_mut().and_then(|t| t.row.as_mut()) else {
                    return;
                };
                let n = count(e).min(MAX_SPAN);
                if name == "gridBefore" {
                    row.before = n;
                } else {
                    row.after = n;
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(p) = self.paragraph.as_mut() {
            push_raw(p, text);
        }
    }

    fn end(&mut self, name: &str) -> Result<(), DocxError> {
        match name {
            "t" => self.in_text = false,
            "p" => {
                let raw = self.paragraph.take().unwrap_or_default();
                self.end_paragraph(raw);
            }
            "tc" => {
                if let Some(top) = self.stack.last_mut() {
                    if let (Some(cell), Some(row)) = (top.cell.take(), top.row.as_mut()) {
                        row.cells.push(cell);
                    }
                }
            }
            "tr" => {
                if let Some(top) = self.stack.last_mut() {
                    if let Some(row) = top.row.take() {
                        top.rows.push(row);
                    }
                }
            }
            "tbl" => self.close_table(),
            _ => {}
        }
        Ok(())
    }

    /// A paragraph ends: a line of its cell, or a body paragraph.
    fn end_paragraph(&mut self, raw: String) {
        self.in_text = false;
        if let Some(cell) = self.stack.last_mut().and_then(|t| t.cell.as_mut()) {
            if cell.paragraphs > 0 {
                push_break(&mut cell.raw);
            }
            cell.paragraphs += 1;
            cell.raw.push_str(&raw);
        }
        let text = collapse_whitespace(&raw);
        if text.is_empty() {
            return;
        }
        self.see(&text);
        if self.since_boundary.len() < 64 {
            self.since_boundary.push(text.clone());
        }
        if self.stack.is_empty() {
            self.doc.paragraphs.push(text);
        }
    }

    /// Text seen since the last table boundary (kept short: enough to tell a 续表 heading).
    fn see(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            self.between_chars += 1;
            if self.between_chars <= 24 {
                self.between.push(c);
            } else {
                return;
            }
        }
    }

    fn boundary(&mut self) -> Preceded {
        // The rule of `extract::Between::classify`, for Word's paragraphs.
        let preceded = if self.between_chars == 0 {
            Preceded::Nothing
        } else {
            let bare: String = self
                .between
                .chars()
                .filter(|c| !"()（）:：【】[]".contains(*c))
                .collect();
            if bare.starts_with("续表") && self.between_chars <= 12 {
                Preceded::ContinuationHeading
            } else {
                Preceded::Other
            }
        };
        self.between.clear();
        self.between_chars = 0;
        preceded
    }

    fn open_table(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            top.holds_tables = true;
        }
        let preceded_by = self.boundary();
        // The nearest paragraph above that is a title: not a 填报单位 line, an 附件 tag or a
        // 续表 heading.
        let mut above = std::mem::take(&mut self.since_boundary);
        above.reverse();
        let title = title_among(&above);
        let index = self.doc.tables.len();
        self.doc.tables.push(DocxTable {
            depth: self.stack.len(),
            grid: Grid::default(),
            margins: Margins::default(),
            title,
            preceded_by,
            problem: None,
        });
        self.stack.push(Building {
            index,
            rows: Vec::new(),
            row: None,
            cell: None,
            holds_tables: false,
        });
    }

    fn close_table(&mut self) {
        self.boundary();
        self.since_boundary.clear();
        let Some(building) = self.stack.pop() else {
            return;
        };
        let table = &mut self.doc.tables[building.index];
        match build_grid(building.rows) {
            Ok(mut grid) => {
                grid.holds_tables = building.holds_tables;
                table.margins = split_margins(&mut grid);
                table.grid = grid;
            }
            Err(problem) => table.problem = Some(problem),
        }
    }
}

#[cfg(test)]
mod module_example {
    #[test]
    fn module_example() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/attachments/progress.docx"
        );
        let doc = crate::extract::docx::read_docx(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(
            doc.tables[0].title.as_deref(),
            Some("文成县2024年民生实事项目进展情况表")
        );
        assert_eq!(doc.tables[0].grid.rows[4][1].text, "养老服务"); // vMerge restart
        assert_eq!(doc.tables[0].grid.rows[5][1].rowspan, 2); // … and continue
    }
}
