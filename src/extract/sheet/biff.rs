//! xls (BIFF5/BIFF8 in an OLE file) through calamine, after a pre-scan of the records.
//!
//! calamine's `Xls::new` reads every sheet at once and allocates each sheet's whole
//! rectangle (and reserves what its DIMENSIONS record claims), so the bounds must be known
//! before it is called: this walk counts the cell records and the rectangle of each sheet,
//! checks the DIMENSIONS claims and the sheets' stream offsets, and refuses a workbook past
//! the limits. It also notes which numeric cells carry a percentage format — calamine keeps
//! an xls cell's number format to itself, and `0.8` shown as `80%` must read as `80%`.
//!
//! The walk follows calamine's own (record header, `CONTINUE`s skipped, nested BOF/EOF
//! substreams of embedded charts skipped), so that both see the same cells.

use super::{
    date_text, is_percent_format, number_text, percent_text, text_of_string, Budget, Extent,
    RawCell, RawSheet, SheetError, SheetLimits,
};
use calamine::{Data, Reader, SheetVisible, Xls, XlsError};
use std::collections::HashSet;
use std::io::{Cursor, Read};

const FORMAT: &str = "xls";

/// Built-in number formats that show a percentage (`0%`, `0.00%`).
const BUILTIN_PERCENT: [u16; 2] = [9, 10];

pub(crate) fn read(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<RawSheet>, SheetError> {
    let scans = prescan(bytes, limits)?;
    let mut workbook = Xls::new(Cursor::new(bytes)).map_err(error)?;
    let sheets: Vec<(String, bool)> = workbook
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    let mut budget = Budget::new(limits);
    let mut out = Vec::with_capacity(sheets.len());
    for (index, (name, hidden)) in sheets.into_iter().enumerate() {
        let percent = scans.get(index).map(|s| &s.percent);
        let range = match workbook.worksheet_range(&name) {
            Ok(range) => range,
            // A chart or macro sheet has no cells.
            Err(XlsError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(error(e)),
        };
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut cells = Vec::new();
        for (r, c, value) in range.used_cells() {
            let (row, col) = (r0 + r as u32, c0 + c as u32);
            let is_percent = percent.is_some_and(|p| p.contains(&(row, col)));
            let text = value_text(value, is_percent);
            if text.is_empty() {
                continue;
            }
            budget.take(&name)?;
            cells.push(RawCell { row, col, text });
        }
        let merges = workbook
            .merge_cells_by_sheet_name(&name)
            .map_err(error)?
            .into_iter()
            .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
            .collect();
        out.push(RawSheet {
            name,
            hidden,
            cells,
            merges,
            too_large: None,
        });
    }
    Ok(out)
}

fn value_text(value: &Data, is_percent: bool) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => text_of_string(s),
        Data::Float(f) if is_percent => percent_text(*f),
        Data::Float(f) => number_text(*f),
        Data::Int(i) if is_percent => percent_text(*i as f64),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            date_text(y, m, d, hh, mm, ss)
        }
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::Error(e) => e.to_string(),
    }
}

fn error(e: XlsError) -> SheetError {
    match e {
        XlsError::Password => SheetError::PasswordProtected { format: FORMAT },
        other => SheetError::corrupt(FORMAT, other),
    }
}

/// What the walk learned about one sheet (in BOUNDSHEET order, calamine's sheet order).
#[derive(Debug, Default)]
struct SheetScan {
    /// Positions of numeric cells formatted as percentages.
    percent: HashSet<(u32, u32)>,
}

/// One BIFF record: type and data (its CONTINUE records are separate records here, and
/// carry no cells).
struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(u16, &'a [u8]), SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stream.is_empty() {
            return None;
        }
        if self.stream.len() < 4 {
            self.stream = &[];
            return Some(Err(SheetError::corrupt(
                FORMAT,
                "a record header is cut short",
            )));
        }
        let typ = u16_at(self.stream, 0);
        let len = usize::from(u16_at(self.stream, 2));
        if self.stream.len() < 4 + len {
            self.stream = &[];
            return Some(Err(SheetError::corrupt(FORMAT, "a record is cut short")));
        }
        let data = &self.stream[4..4 + len];
        self.stream = &self.stream[4 + len..];
        Some(Ok((typ, data)))
    }
}

fn u16_at(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2)
        .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    data.get(at..at + 4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The workbook stream (`Workbook` in BIFF8, `Book` in BIFF5), at most `limit` bytes.
fn workbook_stream(bytes: &[u8], limit: u64) -> Result<Vec<u8>, SheetError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| SheetError::corrupt(FORMAT, format!("not a readable OLE file ({e})")))?;
    let name = ["Workbook", "Book"]
        .into_iter()
        .find(|n| file.is_stream(n))
        .ok_or_else(|| SheetError::corrupt(FORMAT, "no Workbook stream"))?;
    let mut stream = file
        .open_stream(name)
        .map_err(|e| SheetError::corrupt(FORMAT, e))?;
    if stream.len() > limit {
        return Err(SheetError::TooLarge {
            declared: stream.len(),
            limit,
        });
    }
    let mut data = Vec::new();
    stream
        .read_to_end(&mut data)
        .map_err(|e| SheetError::corrupt(FORMAT, e))?;
    Ok(data)
}

/// Walks the globals and every sheet's records; refuses what calamine could not open within
/// the limits.
fn prescan(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<SheetScan>, SheetError> {
    let stream = workbook_stream(bytes, limits.max_unpacked_bytes)?;
    let mut percent_formats: HashSet<u16> = BUILTIN_PERCENT.into_iter().collect();
    let mut xf_formats: Vec<u16> = Vec::new();
    let mut sheets: Vec<(usize, String)> = Vec::new();
    let mut biff8 = true;
    for record in (Records { stream: &stream }) {
        let (typ, data) = record?;
        match typ {
            0x002F if u16_at(data, 0) != 0 => {
                return Err(SheetError::PasswordProtected { format: FORMAT })
            }
            0x0809 => biff8 = u16_at(data, 0) == 0x0600,
            0x041E => {
                let ifmt = u16_at(data, 0);
                if is_percent_format(&format_string(data, biff8)) {
                    percent_formats.insert(ifmt);
                } else {
                    percent_formats.remove(&ifmt);
                }
            }
            0x00E0 => xf_formats.push(u16_at(data, 2)),
            0x0085 => sheets.push((u32_at(data, 0) as usize, sheet_name(data, biff8))),
            0x000A => break,
            _ => {}
        }
    }
    let is_percent_xf = |xf: u16| {
        xf_formats
            .get(usize::from(xf))
            .is_some_and(|f| percent_formats.contains(f))
    };
    let mut budget = Budget::new(limits);
    let mut scans = Vec::with_capacity(sheets.len());
    for (offset, name) in sheets {
        let Some(sheet_stream) = stream.get(offset..) else {
            return Err(SheetError::corrupt(
                FORMAT,
                format!("sheet {name:?} starts past the end of the workbook stream"),
            ));
        };
        scans.push(scan_sheet(
            sheet_stream,
            &name,
            &is_percent_xf,
            &mut budget,
        )?);
    }
    Ok(scans)
}

/// A FORMAT record's format code (BIFF8: 16-bit count and a flags byte; BIFF5: 8-bit
/// count, 8-bit characters).
fn format_string(data: &[u8], biff8: bool) -> String {
    if biff8 {
        let count = usize::from(u16_at(data, 2));
        let wide = data.get(4).is_some_and(|f| f & 1 == 1);
        xl_chars(data.get(5..).unwrap_or(&[]), count, wide)
    } else {
        let count = usize::from(data.get(2).copied().unwrap_or(0));
        xl_chars(data.get(3..).unwrap_or(&[]), count, false)
    }
}

/// A BOUNDSHEET record's sheet name, for messages.
fn sheet_name(data: &[u8], biff8: bool) -> String {
    let count = usize::from(data.get(6).copied().unwrap_or(0));
    if biff8 {
        let wide = data.get(7).is_some_and(|f| f & 1 == 1);
        xl_chars(data.get(8..).unwrap_or(&[]), count, wide)
    } else {
        xl_chars(data.get(7..).unwrap_or(&[]), count, false)
    }
}

fn xl_chars(data: &[u8], count: usize, wide: bool) -> String {
    if wide {
        let units: Vec<u16> = data
            .chunks_exact(2)
            .take(count)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        data.iter().take(count).map(|&b| char::from(b)).collect()
    }
}

/// One sheet's records: cell count and rectangle, DIMENSIONS claims, percentage cells.
fn scan_sheet(
    stream: &[u8],
    name: &str,
    is_percent_xf: &dyn Fn(u16) -> bool,
    budget: &mut Budget<'_>,
) -> Result<SheetScan, SheetError> {
    let mut scan = SheetScan::default();
    let max_cells = budget.max_cells();
    let mut extent = Extent::default();
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut add = |row: u32, col: u32, xf: Option<u16>, scan: &mut SheetScan| {
        budget.take(name)?;
        extent.add(row, col);
        if extent.area() > budget.max_grid_cells() {
            return Err(SheetError::RangeTooLarge {
                sheet: name.to_string(),
                cells: extent.area(),
                limit: budget.max_grid_cells(),
            });
        }
        if xf.is_some_and(is_percent_xf) {
            scan.percent.insert((row, col));
        }
        Ok(())
    };
    for record in (Records { stream }) {
        let (typ, data) = record?;
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let row = u32::from(u16_at(data, 0));
        let col = u32::from(u16_at(data, 2));
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x0200 => check_dimensions(data, name, max_cells)?,
            // NUMBER, RK, FORMULA: numbers that a format may show as percentages.
            0x0203 | 0x027E | 0x0006 => add(row, col, Some(u16_at(data, 4)), &mut scan)?,
            // LABEL, RSTRING, BOOLERR, LABELSST.
            0x0204 | 0x00D6 | 0x0205 | 0x00FD => add(row, col, None, &mut scan)?,
            // MULRK: (xf, rk) pairs from the first column on, the last column at the end.
            0x00BD => {
                let pairs = data.len().saturating_sub(6) / 6;
                for i in 0..pairs {
                    let xf = u16_at(data, 4 + 6 * i);
                    add(row, col + i as u32, Some(xf), &mut scan)?;
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    Ok(scan)
}

/// calamine reserves room for the rectangle a DIMENSIONS record claims, computed as it does
/// it (`tests/OOM_alloc2.xls` in calamine): refuse a claim that is inverted or too large.
fn check_dimensions(data: &[u8], sheet: &str, limit: usize) -> Result<(), SheetError> {
    let (first_row, last_row, first_col, last_col) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0)),
            u32::from(u16_at(data, 2)),
            u32::from(u16_at(data, 4)),
            u32::from(u16_at(data, 6)),
        ),
        14 | 16 => (
            u32_at(data, 0),
            u32_at(data, 4),
            u32::from(u16_at(data, 8)),
            u32::from(u16_at(data, 10)),
        ),
        _ => return Ok(()), // calamine refuses it with an error of its own
    };
    let first_col = if first_col > 0xFF || last_col < first_col {
        0
    } else {
        first_col
    };
    if last_row == 0 || last_col == 0 {
        return Ok(()); // calamine takes a one-cell rectangle
    }
    // calamine: rows = (last_row - 1) - first_row + 1, columns likewise, in u32.
    let rows = i64::from(last_row) - i64::from(first_row);
    let cols = i64::from(last_col) - i64::from(first_col);
    if rows <= 0 || cols <= 0 {
        return Err(SheetError::corrupt(
            FORMAT,
            format!("sheet {sheet:?} has an inverted DIMENSIONS record"),
        ));
    }
    let cells = rows.saturating_mul(cols);
    if cells > limit as i64 {
        return Err(SheetError::RangeTooLarge {
            sheet: sheet.to_string(),
            cells: usize::try_from(cells).unwrap_or(usize::MAX),
            limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_claims_are_checked_as_calamine_computes_them() {
        let biff8 = |r0: u32, r1: u32, c0: u16, c1: u16| {
            let mut d = Vec::new();
            d.extend(r0.to_le_bytes());
            d.extend(r1.to_le_bytes());
            d.extend(c0.to_le_bytes());
            d.extend(c1.to_le_bytes());
            d.extend([0, 0]);
            d
        };
        assert_eq!(check_dimensions(&biff8(0, 20, 0, 6), "s", 1000), Ok(()));
        assert!(matches!(
            check_dimensions(&biff8(0, u32::MAX, 0, 256), "s", 1000),
            Err(SheetError::RangeTooLarge { cells, .. }) if cells > 1000
        ));
        assert!(matches!(
            check_dimensions(&biff8(50, 20, 0, 6), "s", 1000),
            Err(SheetError::Corrupt { .. })
        ));
        // Equal first and last column: calamine's column count would underflow.
        assert!(matches!(
            check_dimensions(&biff8(0, 20, 6, 6), "s", 1000),
            Err(SheetError::Corrupt { .. })
        ));
    }

    #[test]
    fn format_codes_are_read_in_both_string_forms() {
        let mut wide = vec![0xA4, 0, 4, 0, 1];
        for unit in "0.0%".encode_utf16() {
            wide.extend(unit.to_le_bytes());
        }
        assert_eq!(format_string(&wide, true), "0.0%");
        assert_eq!(format_string(&[0xA4, 0, 2, b'0', b'%'], false), "0%");
    }

    #[test]
    fn a_stream_that_stops_mid_record_is_corrupt() {
        let records: Vec<_> = Records {
            stream: &[0x09, 0x08, 10, 0, 1, 2],
        }
        .collect();
        assert!(matches!(records[..], [Err(SheetError::Corrupt { .. })]));
    }
}
