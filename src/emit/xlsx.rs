//! records.xlsx: the records for Excel users, who would otherwise meet a CSV import dialog
//! (DESIGN.md "Timeline and report").
//!
//! Sheet `records`: one row per record, the columns of [`crate::emit::COLUMNS`] in order (then
//! any other key the records carry, in the order first met — e.g. a history export's
//! `valid_from`), with typed cells:
//! - JSON numbers are numbers, booleans are booleans, null is an empty cell;
//! - `published_at` is an Excel date-time (the local time as written, `+08:00` on every v2
//!   record; a date-only value is its midnight), `fetched_at` a date-time in UTC (shown with a
//!   `Z`), `published_date` and `as_of` dates — a value that does not parse stays text;
//! - `extra` (and any other object or array) is its JSON text;
//! - every string is written as a string, never a formula, even when it starts with `=`; a text
//!   longer than Excel's 32,767-character cell limit is cut there and ends with `…` (the full
//!   text is in records.jsonl).
//!
//! The header row is bold and frozen, with an autofilter over the table; column widths follow
//! the longest header or cell text (CJK characters count double), capped.
//!
//! With a timeline, two more sheets: `timeline` ([`crate::link::TIMELINE_COLUMNS`]; as_of and
//! published_date as dates) and `timeline_merges` ([`crate::link::MERGE_COLUMNS`]).

use crate::emit::set::{self, Generation};
use crate::emit::{EmitError, COLUMNS};
use crate::link::{Timeline, MERGE_COLUMNS, TIMELINE_COLUMNS};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};
use serde_json::{Map, Value};
use std::io;
use std::path::Path;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

pub const RECORDS_XLSX: &str = "records.xlsx";

/// Excel's limit of characters in one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Excel's rows in a sheet, less the header.
const MAX_ROWS: usize = 1_048_575;
/// The widest a column is made, in character widths.
const MAX_WIDTH: usize = 60;

/// How a column's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A date-time shown as the local time it was written in.
    LocalDateTime,
    /// A date-time converted to UTC.
    UtcDateTime,
    Date,
    /// By the JSON type of the value.
    Plain,
}

fn kind_of(column: &str) -> Kind {
    match column {
        "published_at" => Kind::LocalDateTime,
        "fetched_at" => Kind::UtcDateTime,
        "published_date" | "as_of" => Kind::Date,
        _ => Kind::Plain,
    }
}

/// The cell formats of a workbook.
struct Formats {
    header: Format,
    datetime: Format,
    utc: Format,
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color("#DCE6F1")
                .set_border_bottom(FormatBorder::Thin),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            utc: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss\"Z\""),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

fn excel_datetime(date: Date, h: u8, m: u8, s: f64) -> Option<ExcelDateTime> {
    let year = u16::try_from(date.year()).ok()?;
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day())
        .and_then(|d| d.and_hms(u16::from(h), m, s))
        .ok()
}

fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

/// A date-time cell value: RFC 3339 (shown at its own offset, or in UTC), or a bare date.
fn parse_datetime(text: &str, utc: bool) -> Option<ExcelDateTime> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        let t = if utc { t.to_offset(UtcOffset::UTC) } else { t };
        let seconds = f64::from(t.second()) + f64::from(t.nanosecond()) / 1e9;
        return excel_datetime(t.date(), t.hour(), t.minute(), seconds);
    }
    if let Ok(t) = PrimitiveDateTime::parse(
        text,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    ) {
        return excel_datetime(t.date(), t.hour(), t.minute(), f64::from(t.second()));
    }
    excel_datetime(parse_date(text)?, 0, 0, 0.0)
}

/// Text cut to Excel's cell limit.
fn cell_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= MAX_CELL_CHARS {
        text.into()
    } else {
        let mut cut: String = text.chars().take(MAX_CELL_CHARS - 1).collect();
        cut.push('…');
        cut.into()
    }
}

/// The width a text takes in a column: CJK and other wide characters count two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// Writes one value; returns the width it shows at.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    kind: Kind,
    formats: &Formats,
) -> Result<usize, XlsxError> {
    if let (Value::String(text), false) = (value, kind == Kind::Plain) {
        let (parsed, format, width) = match kind {
            Kind::Date => (
                parse_date(text).and_then(|d| excel_datetime(d, 0, 0, 0.0)),
                &formats.date,
                10,
            ),
            Kind::UtcDateTime => (parse_datetime(text, true), &formats.utc, 20),
            _ => (parse_datetime(text, false), &formats.datetime, 19),
        };
        if let Some(datetime) = parsed {
            sheet.write_datetime_with_format(row, col, datetime, format)?;
            return Ok(width);
        }
    }
    match value {
        Value::Null => Ok(0),
        Value::Bool(b) => {
            sheet.write_boolean(row, col, *b)?;
            Ok(5)
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) => {
                sheet.write_number(row, col, f)?;
                Ok(n.to_string().len())
            }
            None => write_text(sheet, row, col, &n.to_string()),
        },
        Value::String(s) => write_text(sheet, row, col, s),
        other => write_text(sheet, row, col, &other.to_string()),
    }
}

fn write_text(sheet: &mut Worksheet, row: u32, col: u16, text: &str) -> Result<usize, XlsxError> {
    let text = cell_text(text);
    sheet.write_string(row, col, text.as_ref())?;
    Ok(display_width(&text))
}

/// Fills `sheet` with a header of `columns` and one row per object: typed cells, bold frozen
/// header, autofilter, widths.
fn fill_sheet<'a>(
    sheet: &mut Worksheet,
    columns: &[String],
    rows: impl Iterator<Item = &'a Map<String, Value>>,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let last_col = u16::try_from(columns.len().saturating_sub(1))
        .map_err(|_| XlsxError::RowColumnLimitError)?;
    let mut widths: Vec<usize> = columns.iter().map(|c| display_width(c)).collect();
    for (col, name) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, &formats.header)?;
    }
    let kinds: Vec<Kind> = columns.iter().map(|c| kind_of(c)).collect();
    let mut last_row = 0u32;
    for (i, object) in rows.enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (col, name) in columns.iter().enumerate() {
            let value = object.get(name).unwrap_or(&Value::Null);
            let width = write_cell(sheet, row, col as u16, value, kinds[col], formats)?;
            widths[col] = widths[col].max(width);
        }
        last_row = row;
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, ((*width).clamp(6, MAX_WIDTH) + 2) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

/// The records sheet's columns: [`COLUMNS`], then any other key of the records in the order
/// first met.
pub fn record_columns(records: &[Value]) -> Vec<String> {
    let mut columns: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    for record in records {
        if let Some(object) = record.as_object() {
            for key in object.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    columns
}

/// records.xlsx's bytes: the `records` sheet, and the two timeline sheets when `timeline` is
/// given. Records that are not JSON objects are left out.
pub fn render(records: &[Value], timeline: Option<&Timeline>) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("records")?;
    fill_sheet(
        sheet,
        &record_columns(records),
        records.iter().filter_map(Value::as_object),
        &formats,
    )?;
    if let Some(timeline) = timeline {
        let as_objects = |value: Value| match value {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::Object(map) => Some(map),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let rows = as_objects(serde_json::to_value(&timeline.rows).map_err(json_error)?);
        let merges = as_objects(serde_json::to_value(&timeline.merges).map_err(json_error)?);
        let names = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let sheet = workbook.add_worksheet().set_name("timeline")?;
        fill_sheet(sheet, &names(&TIMELINE_COLUMNS), rows.iter(), &formats)?;
        let sheet = workbook.add_worksheet().set_name("timeline_merges")?;
        fill_sheet(sheet, &names(&MERGE_COLUMNS), merges.iter(), &formats)?;
    }
    workbook.save_to_buffer()
}

fn json_error(e: serde_json::Error) -> XlsxError {
    XlsxError::ParameterError(format!("timeline to JSON: {e}"))
}

/// Writes records.xlsx at `path` (its folder created if missing), as a set of its own that
/// keeps the folder's other outputs ([`set::write_alone`]).
pub fn write(path: &Path, records: &[Value], timeline: Option<&Timeline>) -> Result<(), EmitError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or(RECORDS_XLSX.into(), |n| n.to_string_lossy());
    set::write_alone(dir, |set| write_named(set, &name, records, timeline))
}

/// Writes records.xlsx into the set being written.
pub fn write_into(
    set: &mut Generation,
    records: &[Value],
    timeline: Option<&Timeline>,
) -> Result<(), EmitError> {
    write_named(set, RECORDS_XLSX, records, timeline)
}

fn write_named(
    set: &mut Generation,
    name: &str,
    records: &[Value],
    timeline: Option<&Timeline>,
) -> Result<(), EmitError> {
    let path = set.dir().join(name);
    let rows = records.len().max(timeline.map_or(0, |t| t.rows.len()));
    if rows > MAX_ROWS {
        return Err(EmitError {
            path,
            source: io::Error::other(format!(
                "{rows} rows do not fit in a sheet (Excel holds {MAX_ROWS} under its header); \
                 records.jsonl and records.csv hold them all"
            )),
        });
    }
    let bytes = render(records, timeline).map_err(|e| EmitError {
        path,
        source: io::Error::other(e),
    })?;
    set.write(name, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_records_than_a_sheet_holds_is_an_error_naming_the_file() {
        let records = vec![Value::Null; MAX_ROWS + 1];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RECORDS_XLSX);
        let err = write(&path, &records, None).unwrap_err();
        assert_eq!(err.path, path);
        assert!(err.to_string().contains("1048576 rows do not fit"), "{err}");
        assert!(!path.exists());
    }

    #[test]
    fn published_at_is_read_at_its_own_offset_and_fetched_at_in_utc() {
        let serial = |text: &str, utc: bool| parse_datetime(text, utc).map(|d| d.to_excel());
        let at = |text: &str| ExcelDateTime::parse_from_str(text).unwrap().to_excel();
        let local = serial("2024-08-28T16:34:00+08:00", false);
        assert_eq!(local, Some(at("2024-08-28 16:34:00")));
        let utc = serial("2024-08-28T16:34:00+08:00", true);
        assert_eq!(utc, Some(at("2024-08-28 08:34:00")));
        assert_eq!(serial("2024-08-28", false), Some(at("2024-08-28 00:00:00")));
        assert_eq!(serial("2024年8月28日", false), None);
    }

    #[test]
    fn a_text_past_the_cell_limit_is_cut_with_an_ellipsis() {
        let long = "长".repeat(MAX_CELL_CHARS + 5);
        let cut = cell_text(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(cell_text("短"), "短");
    }

    #[test]
    fn record_columns_are_the_schema_then_other_keys_in_order_met() {
        let records = [serde_json::json!({"source_url": "x", "valid_from": "a", "valid_to": null})];
        let columns = record_columns(&records);
        assert_eq!(columns.len(), COLUMNS.len() + 2);
        assert_eq!(columns[0], "source_url");
        assert_eq!(&columns[COLUMNS.len()..], ["valid_from", "valid_to"]);
    }

    #[test]
    fn wide_characters_count_double_in_column_widths() {
        assert_eq!(display_width("文成县"), 6);
        assert_eq!(display_width("abc"), 3);
    }
}
