//! xlsx through calamine's streaming cell reader: each cell with its style, so a number shown
//! as a percentage is written as one, and nothing is allocated for the sheet's rectangle
//! before its used range is known to be within bounds.

use super::{
    date_text, is_percent_format, number_text, percent_text, text_of_string, Budget, Extent,
    RawCell, RawSheet, SheetError, SheetLimits,
};
use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxError};
use std::io::Cursor;

const FORMAT: &str = "xlsx";

pub(crate) fn read(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<RawSheet>, SheetError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(error)?;
    let sheets: Vec<(String, bool)> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    let mut budget = Budget::new(limits);
    let mut out = Vec::with_capacity(sheets.len());
    for (name, hidden) in sheets {
        let mut sheet = RawSheet {
            name,
            hidden,
            ..RawSheet::default()
        };
        read_cells(&mut workbook, &mut sheet, &mut budget)?;
        if sheet.too_large.is_none() {
            sheet.merges = workbook
                .merge_cells_by_sheet_name(&sheet.name)
                .map_err(error)?
                .into_iter()
                .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
                .collect();
        } else {
            sheet.cells = Vec::new();
        }
        out.push(sheet);
    }
    Ok(out)
}

fn read_cells(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &mut RawSheet,
    budget: &mut Budget<'_>,
) -> Result<(), SheetError> {
    let mut reader = workbook
        .worksheet_cells_reader(&sheet.name)
        .map_err(error)?;
    // Which style ids show numbers as percentages, decided once per id.
    let percent: Vec<bool> = reader
        .styles()
        .iter()
        .map(|style| {
            style.number_format.as_ref().is_some_and(|f| {
                matches!(f.format_id, Some(9 | 10)) || is_percent_format(&f.format_code)
            })
        })
        .collect();
    let mut extent = Extent::default();
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(error)? {
        let is_percent = percent.get(style).copied().unwrap_or(false);
        let text = value_text(cell.get_value(), is_percent);
        if text.is_empty() {
            continue;
        }
        let (row, col) = cell.get_position();
        budget.take(&sheet.name)?;
        extent.add(row, col);
        if extent.area() > budget.max_grid_cells() {
            // The used range is already too large to expand: stop reading this sheet.
            sheet.too_large = Some(extent.area());
            return Ok(());
        }
        sheet.cells.push(RawCell { row, col, text });
    }
    Ok(())
}

/// The text a reader of the sheet sees in a cell.
fn value_text(value: &DataRef<'_>, is_percent: bool) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => text_of_string(s),
        DataRef::SharedString(s) => text_of_string(s),
        DataRef::Float(f) if is_percent => percent_text(*f),
        DataRef::Float(f) => number_text(*f),
        DataRef::Int(i) if is_percent => percent_text(*i as f64),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            date_text(y, m, d, hh, mm, ss)
        }
        // A duration (`[h]:mm`): its number of days, as written in the cell.
        DataRef::DateTime(dt) => number_text(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_of_string(s),
        DataRef::Error(e) => e.to_string(),
    }
}

fn error(e: XlsxError) -> SheetError {
    match e {
        XlsxError::Password => SheetError::PasswordProtected { format: FORMAT },
        other => SheetError::corrupt(FORMAT, other),
    }
}
