//! Workbooks (xlsx, xls, ods) -> one [`Grid`] per sheet. Pure: bytes in, grids out.
//!
//! DESIGN.md, "Attachments": every sheet is read, hidden ones included, in workbook order;
//! a sheet's empty margins are ignored (the grid is the used range: the smallest rectangle
//! holding every non-empty cell and the merged ranges those cells start); merged cells fill
//! like rowspan/colspan — every slot a merged range covers carries the top-left cell's text
//! and origin, exactly as `grid.rs` expands an HTML table, so normalize recognises group rows
//! and two-row headers the same way whatever the document was.
//!
//! Cell values become the text a reader of the sheet sees, by the rules of the HTML path:
//! - numbers as the shortest text that reads back as the same number (`3`, not `3.0`;
//!   `0.1`); a number whose format is a percentage as a percentage (`0.8` shown as `80%` is
//!   `80%`, which normalize reads as completion 80.0);
//! - dates (a date format on a serial number) as ISO `2024-06-30` (`2024-06-30 14:30:00`
//!   when the cell has a time of day); text as written;
//! - line breaks inside a cell are `<br>`s: whitespace, even between two Chinese characters,
//!   collapsed with `text.rs`'s rule like every HTML cell.
//!
//! Title rows and 填报单位 / 填报日期 lines: they are taken OUT of the grid and returned
//! beside it ([`SheetGrid::above`], [`SheetGrid::below`], [`SheetGrid::title`]), because the
//! HTML path never has them inside its tables either (they are headings and lines around the
//! `<table>`), so the header search (`normalize::headers::find_header`, at most 8 rows from
//! the top) and the continuation rules see the same shape from both sources, and a
//! `填报日期：…` line under the last row cannot become a record. Which rows go:
//! - above: the leading rows with at most one text (one cell or one merged range: a title, an
//!   `附件1` label) and the leading label rows: rows whose every text starts with a
//!   page-field label (`填报单位：`, `单位：`, `填报日期：`, `日期：`, `制表人：`, …, see
//!   `margins::MARGIN_LABELS`) or is the value of a bare label in the cell before it (`填报日期：` |
//!   `2024-07-05` is the one line `填报日期：2024-07-05`);
//! - below: the trailing label rows. A 备注 row and a 合计 row stay in the grid: normalize
//!   drops them by its own rules (and keeps the 备注 text);
//! - title: the first line above that is neither a label line, an `附件N` tag nor a 续表
//!   heading ([`title_among`]).
//!
//! A merged range that reaches from such a row into the table keeps the row in the table.
//!
//! A sheet that would lose every row this way (one column of text) is left whole.
//!
//! Bounds, checked before anything is expanded (DESIGN: a crafted file must not exhaust
//! memory): the ZIP entries' declared uncompressed sizes are summed before a zip-based
//! workbook is opened (the zip crate never inflates an entry past its declared size); the
//! non-empty cells of the whole workbook are counted while reading and a workbook past
//! [`SheetLimits::max_cells`] is refused; a sheet whose used range is larger than
//! [`SheetLimits::max_grid_cells`] is not expanded (its [`SheetGrid::problem`] says so, like
//! an HTML table with absurd spans). For xls the same counts come from a pre-scan of the BIFF
//! records (`sheet/biff.rs`), because calamine allocates a sheet's whole rectangle while
//! opening the file.
//!
//! Which reader: calamine for xlsx (its streaming cell reader, with each cell's number format
//! and the sheet's merged ranges) and xls (with the BIFF pre-scan for the bounds and for the
//! percentage formats calamine does not expose for xls). ods is read by `sheet/ods.rs`
//! (zip + quick-xml): calamine's ods reader exposes neither merged ranges
//! (`table:number-columns-spanned`) nor the `percentage` value type, and both are needed.
//!
//! (The example is the test `module_example` at the end of this file.)

mod biff;
mod margins;
mod ods;
mod values;
mod xlsx;

pub use margins::{is_label_line, split_margins, title_among, Margins};
pub(crate) use ods::entity_text;
pub(crate) use values::{date_text, is_percent_format, number_text, percent_text, text_of_string};

use super::grid::{Cell, Grid, GridError, MAX_CELLS};
use crate::sniff::DocKind;
use std::io::{Cursor, Read, Seek};

/// How much a workbook may hold before it is refused. `Default` is the only list of defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetLimits {
    /// The sum of a ZIP-based workbook's entries' declared uncompressed sizes. Default
    /// 200 MiB (DESIGN): a county's progress workbook is a few hundred KiB.
    pub max_unpacked_bytes: u64,
    /// Non-empty cells in the whole workbook. Default 2,000,000: forty times the largest
    /// progress workbook seen, and small enough to hold as text.
    pub max_cells: usize,
    /// The used range of one sheet, in slots, when it is expanded into a grid. Default
    /// `grid::MAX_CELLS` (1,000,000), the same bound as an HTML table.
    pub max_grid_cells: usize,
}

impl Default for SheetLimits {
    fn default() -> Self {
        SheetLimits {
            max_unpacked_bytes: 200 * 1024 * 1024,
            max_cells: 2_000_000,
            max_grid_cells: MAX_CELLS,
        }
    }
}

/// One sheet of a workbook, as a grid for the table selection and normalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetGrid {
    /// The sheet's name, as the workbook gives it (`Sheet1`, `民生实事`).
    pub sheet: String,
    /// The sheet is hidden (or very hidden) in the workbook. It is read all the same.
    pub hidden: bool,
    /// The used range without the margin lines (see the module documentation).
    pub grid: Grid,
    /// The title row above the table, if any (DESIGN: the attachment's title).
    pub title: Option<String>,
    /// The texts of the rows taken off the top (title, 附件 tag, 填报单位 / 填报日期 lines),
    /// one line per distinct text, top to bottom.
    pub above: Vec<String>,
    /// The texts of the label rows taken off the bottom (填报单位, 填报日期, 制表人 …).
    pub below: Vec<String>,
    /// The sheet was not expanded (its used range is too large); `grid` is empty then.
    pub problem: Option<GridError>,
}

/// Why a workbook could not be read. The caller adds the file or URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("password-protected {format} workbook")]
    PasswordProtected { format: &'static str },
    #[error("corrupt {format} workbook: {reason}")]
    Corrupt {
        format: &'static str,
        reason: String,
    },
    #[error("workbook unpacks to {declared} bytes, over the limit of {limit}")]
    TooLarge { declared: u64, limit: u64 },
    #[error("workbook has more than {limit} non-empty cells{}", sheet_suffix(.sheet))]
    TooManyCells { sheet: Option<String>, limit: usize },
    #[error("sheet {sheet:?} spans {cells} cells, over the limit of {limit}")]
    RangeTooLarge {
        sheet: String,
        cells: usize,
        limit: usize,
    },
    #[error("not a workbook: {kind}")]
    NotAWorkbook { kind: &'static str },
}

fn sheet_suffix(sheet: &Option<String>) -> String {
    sheet
        .as_ref()
        .map(|s| format!(" (sheet {s:?})"))
        .unwrap_or_default()
}

impl SheetError {
    pub(crate) fn corrupt(format: &'static str, reason: impl ToString) -> SheetError {
        SheetError::Corrupt {
            format,
            reason: reason.to_string(),
        }
    }
}

/// Reads every sheet of the workbook `bytes` of `kind` (xlsx, xls or ods) with the default
/// limits.
pub fn read_workbook(bytes: &[u8], kind: &DocKind) -> Result<Vec<SheetGrid>, SheetError> {
    read_workbook_with(bytes, kind, &SheetLimits::default())
}

/// [`read_workbook`] with the given limits.
pub fn read_workbook_with(
    bytes: &[u8],
    kind: &DocKind,
    limits: &SheetLimits,
) -> Result<Vec<SheetGrid>, SheetError> {
    let format = kind.as_str();
    if !kind.is_workbook() {
        return Err(SheetError::NotAWorkbook { kind: format });
    }
    if is_encrypted_package(bytes) {
        return Err(SheetError::PasswordProtected { format });
    }
    // calamine is a large parser of hostile input; a panic in it is a corrupt file, not a
    // crash of the run.
    let read = std::panic::catch_unwind(|| match kind {
        DocKind::Xlsx => {
            check_zip_size(bytes, limits, format)?;
            xlsx::read(bytes, limits)
        }
        DocKind::Ods => {
            check_zip_size(bytes, limits, format)?;
            ods::read(bytes, limits)
        }
        _ => biff::read(bytes, limits),
    });
    let raw = read.map_err(|_| SheetError::corrupt(format, "the reader failed on it"))??;
    Ok(raw
        .into_iter()
        .map(|sheet| sheet_grid(sheet, limits))
        .collect())
}

/// An OLE compound file holding an encrypted OOXML package: what Excel and Word write when a
/// file is saved with a password.
pub fn is_encrypted_package(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return false;
    }
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return false;
    };
    file.is_stream("EncryptedPackage") || file.is_stream("EncryptionInfo")
}

/// Refuses a ZIP whose entries declare more than the limit in all, before anything is
/// inflated. Shared with the docx reader.
pub(crate) fn check_zip_size(
    bytes: &[u8],
    limits: &SheetLimits,
    format: &'static str,
) -> Result<(), SheetError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| SheetError::corrupt(format, format!("not a readable ZIP file ({e})")))?;
    let declared = declared_size(&mut archive)
        .map_err(|e| SheetError::corrupt(format, format!("unreadable ZIP entry ({e})")))?;
    if declared > limits.max_unpacked_bytes {
        return Err(SheetError::TooLarge {
            declared,
            limit: limits.max_unpacked_bytes,
        });
    }
    Ok(())
}

pub(crate) fn declared_size<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> zip::result::ZipResult<u64> {
    let mut total = 0u64;
    for i in 0..archive.len() {
        total = total.saturating_add(archive.by_index_raw(i)?.size());
    }
    Ok(total)
}

/// A sheet as a reader found it: its non-empty cells (absolute positions) and merged ranges.
#[derive(Debug, Default)]
pub(crate) struct RawSheet {
    pub name: String,
    pub hidden: bool,
    pub cells: Vec<RawCell>,
    /// Merged ranges, `(first row, first column, last row, last column)`, inclusive.
    pub merges: Vec<(u32, u32, u32, u32)>,
    /// Set by a reader that stopped early because the used range grew past the limit.
    pub too_large: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawCell {
    pub row: u32,
    pub col: u32,
    /// Normalized text, never empty.
    pub text: String,
}

/// Counts the workbook's non-empty cells against the limit, and one sheet's used range
/// against the grid limit, while a reader goes.
pub(crate) struct Budget<'a> {
    limits: &'a SheetLimits,
    cells: usize,
}

impl<'a> Budget<'a> {
    pub fn new(limits: &'a SheetLimits) -> Self {
        Budget { limits, cells: 0 }
    }

    /// One more non-empty cell in `sheet`.
    pub fn take(&mut self, sheet: &str) -> Result<(), SheetError> {
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            return Err(SheetError::TooManyCells {
                sheet: Some(sheet.to_string()),
                limit: self.limits.max_cells,
            });
        }
        Ok(())
    }

    pub fn max_cells(&self) -> usize {
        self.limits.max_cells
    }

    pub fn max_grid_cells(&self) -> usize {
        self.limits.max_grid_cells
    }
}

/// The used range of a sheet's cells so far, to stop a reader early.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Extent {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Extent {
    pub fn add(&mut self, row: u32, col: u32) {
        let grow = |span: &mut Option<(u32, u32)>, at: u32| {
            *span = Some(match *span {
                Some((lo, hi)) => (lo.min(at), hi.max(at)),
                None => (at, at),
            });
        };
        grow(&mut self.rows, row);
        grow(&mut self.cols, col);
    }

    /// Slots in the rectangle.
    pub fn area(&self) -> usize {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => {
                ((r1 - r0) as usize + 1).saturating_mul((c1 - c0) as usize + 1)
            }
            _ => 0,
        }
    }
}

/// The grid of a sheet: the used range, merged ranges filled, margins split off.
fn sheet_grid(sheet: RawSheet, limits: &SheetLimits) -> SheetGrid {
    let mut out = SheetGrid {
        sheet: sheet.name,
        hidden: sheet.hidden,
        grid: Grid::default(),
        title: None,
        above: Vec::new(),
        below: Vec::new(),
        problem: None,
    };
    if let Some(cells) = sheet.too_large {
        out.problem = Some(GridError::TooLarge { cells });
        return out;
    }
    match build_grid(&sheet.cells, &sheet.merges, limits.max_grid_cells) {
        Ok(mut grid) => {
            let margins = split_margins(&mut grid);
            out.grid = grid;
            out.title = margins.title;
            out.above = margins.above;
            out.below = margins.below;
        }
        Err(problem) => out.problem = Some(problem),
    }
    out
}

/// The used range of `cells` as a grid, with `merges` filled like rowspan/colspan.
pub(crate) fn build_grid(
    cells: &[RawCell],
    merges: &[(u32, u32, u32, u32)],
    max_cells: usize,
) -> Result<Grid, GridError> {
    let mut extent = Extent::default();
    for cell in cells {
        extent.add(cell.row, cell.col);
    }
    let (Some((r0, r1)), Some((c0, c1))) = (extent.rows, extent.cols) else {
        return Ok(Grid::default());
    };
    // Merged ranges that a non-empty cell starts, clipped to nothing: they widen the range.
    let starts: std::collections::HashSet<(u32, u32)> =
        cells.iter().map(|c| (c.row, c.col)).collect();
    let merges: Vec<(u32, u32, u32, u32)> = merges
        .iter()
        .copied()
        .filter(|&(fr, fc, lr, lc)| lr >= fr && lc >= fc && starts.contains(&(fr, fc)))
        .collect();
    let (mut r1, mut c1) = (r1, c1);
    for &(_, _, lr, lc) in &merges {
        r1 = r1.max(lr);
        c1 = c1.max(lc);
    }
    let height = (r1 - r0) as usize + 1;
    let width = (c1 - c0) as usize + 1;
    let area = height.saturating_mul(width);
    if area > max_cells {
        return Err(GridError::TooLarge { cells: area });
    }
    let mut rows: Vec<Vec<Cell>> = (0..height)
        .map(|r| {
            (0..width)
                .map(|c| Cell {
                    text: String::new(),
                    is_th: false,
                    origin: Some((r, c)),
                    rowspan: 1,
                    colspan: 1,
                })
                .collect()
        })
        .collect();
    for cell in cells {
        rows[(cell.row - r0) as usize][(cell.col - c0) as usize].text = cell.text.clone();
    }
    for (fr, fc, lr, lc) in merges {
        let (top, left) = ((fr - r0) as usize, (fc - c0) as usize);
        let (bottom, right) = ((lr - r0) as usize, (lc - c0) as usize);
        let text = rows[top][left].text.clone();
        let (rowspan, colspan) = (bottom - top + 1, right - left + 1);
        for row in &mut rows[top..=bottom] {
            for slot in &mut row[left..=right] {
                *slot = Cell {
                    text: text.clone(),
                    is_th: false,
                    origin: Some((top, left)),
                    rowspan,
                    colspan,
                };
            }
        }
    }
    Ok(Grid {
        caption: None,
        holds_tables: false,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(row: u32, col: u32, text: &str) -> RawCell {
        RawCell {
            row,
            col,
            text: text.to_string(),
        }
    }

    fn texts(grid: &Grid) -> Vec<Vec<&str>> {
        grid.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn used_range_ignores_empty_margins_and_merges_fill_like_spans() {
        let cells = [
            cell(2, 1, "一、医疗卫生"),
            cell(3, 1, "1"),
            cell(3, 2, "x"),
            cell(4, 2, "y"),
        ];
        let grid = build_grid(&cells, &[(2, 1, 2, 2), (3, 1, 4, 1), (9, 9, 9, 10)], 100).unwrap();
        assert_eq!(
            texts(&grid),
            vec![
                vec!["一、医疗卫生", "一、医疗卫生"],
                vec!["1", "x"],
                vec!["1", "y"]
            ]
        );
        assert_eq!(grid.rows[0][1].origin, Some((0, 0)));
        assert_eq!((grid.rows[0][1].rowspan, grid.rows[0][1].colspan), (1, 2));
        assert_eq!(grid.rows[2][0].origin, Some((1, 0)));
        assert_eq!(grid.rows[2][0].rowspan, 2);
        assert_eq!(grid.rows[2][1].origin, Some((2, 1)));
    }

    #[test]
    fn a_used_range_past_the_limit_is_refused() {
        let cells = [cell(0, 0, "a"), cell(999, 999, "b")];
        assert_eq!(
            build_grid(&cells, &[], 1000),
            Err(GridError::TooLarge { cells: 1_000_000 })
        );
    }
}

#[cfg(test)]
mod module_example {
    #[test]
    fn module_example() {
        use crate::extract::sheet::read_workbook;
        use crate::sniff::{sniff, DocKind};
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/attachments/progress_merged.xlsx"
        );
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(sniff(&bytes, None, None), DocKind::Xlsx);
        let sheets = read_workbook(&bytes, &DocKind::Xlsx).unwrap();
        assert_eq!(
            sheets[0].title.as_deref(),
            Some("文成县2024年民生实事项目上半年进展情况表")
        );
        assert_eq!(sheets[0].grid.rows[3][3].text, "80%"); // 0.8 formatted 0%
    }
}
