//! ods: `content.xml` read with quick-xml (the ZIP's size was checked by the caller).
//!
//! Not calamine: its ods reader keeps a cell's `office:value-type` to itself (a
//! `percentage` cell comes out as the bare fraction) and does not report merged ranges
//! (`table:number-columns-spanned` / `table:number-rows-spanned`), and DESIGN needs both.
//! The ODF rules followed: a row or cell repeated `number-rows-repeated` /
//! `number-columns-repeated` times stands for that many (empty repeats only move the
//! position, so the million empty rows LibreOffice writes at a sheet's end cost nothing);
//! covered cells hold a merged range's slots; several `text:p` in a cell are lines; a table
//! whose style has `table:display="false"` is a hidden sheet; annotations and tables nested
//! in a cell are not the cell's text.

use super::{
    date_text, number_text, percent_text, Budget, Extent, RawCell, RawSheet, SheetError,
    SheetLimits,
};
use crate::extract::text::{collapse_whitespace, push_break, push_raw};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;
use std::collections::HashSet;
use std::io::{Cursor, Read};

const FORMAT: &str = "ods";

pub(crate) fn read(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<RawSheet>, SheetError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| SheetError::corrupt(FORMAT, format!("not a readable ZIP file ({e})")))?;
    let mut entry = archive
        .by_name("content.xml")
        .map_err(|_| SheetError::corrupt(FORMAT, "no content.xml"))?;
    let mut content = Vec::new();
    entry
        .read_to_end(&mut content)
        .map_err(|e| SheetError::corrupt(FORMAT, format!("content.xml: {e}")))?;
    let content = std::str::from_utf8(&content)
        .map_err(|e| SheetError::corrupt(FORMAT, format!("content.xml is not UTF-8 ({e})")))?;
    parse_content(content, limits)
}

fn xml_error(reader: &Reader<&[u8]>, e: impl std::fmt::Display) -> SheetError {
    SheetError::corrupt(
        FORMAT,
        format!("content.xml at byte {}: {e}", reader.error_position()),
    )
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    })
}

fn count_attr(e: &BytesStart<'_>, name: &str) -> u64 {
    attr(e, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

/// The text an entity reference stands for (`&amp;`, `&#x4E00;`).
pub(crate) fn entity_text(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    quick_xml::escape::resolve_predefined_entity(r)
        .unwrap_or_default()
        .to_string()
}

fn parse_content(xml: &str, limits: &SheetLimits) -> Result<Vec<RawSheet>, SheetError> {
    let mut reader = Reader::from_str(xml);
    let mut hidden_styles: HashSet<String> = HashSet::new();
    let mut table_style: Option<String> = None;
    let mut budget = Budget::new(limits);
    let mut sheets = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "style:style" => {
                table_style = (attr(&e, "style:family").as_deref() == Some("table"))
                    .then(|| attr(&e, "style:name"))
                    .flatten();
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "style:table-properties" => {
                if let (Some(style), Some("false")) =
                    (&table_style, attr(&e, "table:display").as_deref())
                {
                    hidden_styles.insert(style.clone());
                }
            }
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                let mut sheet = RawSheet {
                    name: attr(&e, "table:name").unwrap_or_default(),
                    hidden: attr(&e, "table:style-name")
                        .is_some_and(|s| hidden_styles.contains(&s)),
                    ..RawSheet::default()
                };
                read_table(&mut reader, &mut sheet, &mut budget)?;
                sheets.push(sheet);
            }
            Event::Empty(e) if e.name().as_ref() == "table:table" => sheets.push(RawSheet {
                name: attr(&e, "table:name").unwrap_or_default(),
                hidden: attr(&e, "table:style-name").is_some_and(|s| hidden_styles.contains(&s)),
                ..RawSheet::default()
            }),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(sheets)
}

/// A cell of the current row: its first column, how many columns it repeats, its text.
struct RowCell {
    col: u64,
    repeat: u64,
    text: String,
}

fn read_table(
    reader: &mut Reader<&[u8]>,
    sheet: &mut RawSheet,
    budget: &mut Budget<'_>,
) -> Result<(), SheetError> {
    let mut row: u64 = 0;
    let mut col: u64 = 0;
    let mut row_repeat: u64 = 1;
    let mut row_cells: Vec<RowCell> = Vec::new();
    let mut extent = Extent::default();
    loop {
        let event = reader.read_event().map_err(|e| xml_error(reader, e))?;
        match event {
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                row_repeat = count_attr(&e, "table:number-rows-repeated");
                col = 0;
                row_cells.clear();
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(count_attr(&e, "table:number-rows-repeated"));
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if !row_cells.is_empty() && sheet.too_large.is_none() {
                    emit_row(sheet, &row_cells, row, row_repeat, &mut extent, budget)?;
                }
                row = row.saturating_add(row_repeat);
            }
            Event::Start(ref e) | Event::Empty(ref e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let has_content = matches!(event, Event::Start(_));
                let covered = e.name().as_ref() == "table:covered-table-cell";
                let repeat = count_attr(e, "table:number-columns-repeated");
                let shown = if has_content {
                    cell_content(reader, e.name().as_ref())?
                } else {
                    String::new()
                };
                let text = if covered {
                    String::new()
                } else {
                    value_text(e, shown)
                };
                let spans = (
                    count_attr(e, "table:number-rows-spanned"),
                    count_attr(e, "table:number-columns-spanned"),
                );
                if !covered && spans != (1, 1) && sheet.too_large.is_none() {
                    if let (Some(r0), Some(c0)) = (position(row), position(col)) {
                        let last = |at: u32, span: u64| {
                            position(u64::from(at).saturating_add(span - 1)).unwrap_or(u32::MAX)
                        };
                        sheet
                            .merges
                            .push((r0, c0, last(r0, spans.0), last(c0, spans.1)));
                    }
                }
                if !text.is_empty() {
                    row_cells.push(RowCell { col, repeat, text });
                }
                col = col.saturating_add(repeat);
            }
            Event::End(e) if e.name().as_ref() == "table:table" => return Ok(()),
            Event::Eof => {
                return Err(SheetError::corrupt(
                    FORMAT,
                    "content.xml ends inside a table",
                ))
            }
            _ => {}
        }
    }
}

/// A row or column index as calamine and the other readers count them (u32).
fn position(at: u64) -> Option<u32> {
    u32::try_from(at).ok()
}

/// The cells of one row element, `row_repeat` times, within the budget.
fn emit_row(
    sheet: &mut RawSheet,
    cells: &[RowCell],
    row: u64,
    row_repeat: u64,
    extent: &mut Extent,
    budget: &mut Budget<'_>,
) -> Result<(), SheetError> {
    for r in row..row.saturating_add(row_repeat) {
        for cell in cells {
            for c in cell.col..cell.col.saturating_add(cell.repeat) {
                let (Some(r), Some(c)) = (position(r), position(c)) else {
                    return Ok(());
                };
                budget.take(&sheet.name)?;
                extent.add(r, c);
                if extent.area() > budget.max_grid_cells() {
                    sheet.too_large = Some(extent.area());
                    sheet.cells = Vec::new();
                    sheet.merges = Vec::new();
                    return Ok(());
                }
                sheet.cells.push(RawCell {
                    row: r,
                    col: c,
                    text: cell.text.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The cell's text by its value type; `shown` is the text of its paragraphs.
fn value_text(e: &BytesStart<'_>, shown: String) -> String {
    let value = || attr(e, "office:value").and_then(|v| v.trim().parse::<f64>().ok());
    match attr(e, "office:value-type").as_deref() {
        Some("float" | "currency") => value().map(number_text).unwrap_or(shown),
        Some("percentage") => value().map(percent_text).unwrap_or(shown),
        Some("date") => attr(e, "office:date-value")
            .and_then(|v| iso_date(&v))
            .unwrap_or(shown),
        Some("boolean") => match attr(e, "office:boolean-value").as_deref() {
            Some("true") => "TRUE".to_string(),
            Some("false") => "FALSE".to_string(),
            _ => shown,
        },
        _ => match attr(e, "office:string-value") {
            Some(s) => collapse_whitespace(&s),
            None => shown,
        },
    }
}

/// `2024-06-30` / `2024-06-30T14:30:00.5` -> `2024-06-30` / `2024-06-30 14:30:00`.
fn iso_date(value: &str) -> Option<String> {
    let (date, time) = value.split_once('T').unwrap_or((value, ""));
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<u16>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let mut hms = time
        .split(['.', '+', 'Z'])
        .next()
        .unwrap_or("")
        .splitn(3, ':')
        .map(|p| p.parse::<u8>().unwrap_or(0));
    let (hh, mm, ss) = (
        hms.next().unwrap_or(0),
        hms.next().unwrap_or(0),
        hms.next().unwrap_or(0),
    );
    Some(date_text(
        y,
        u8::try_from(m).ok()?,
        u8::try_from(d).ok()?,
        hh,
        mm,
        ss,
    ))
}

/// The text of a cell's paragraphs (each a line), up to the cell's end tag `end`.
fn cell_content(reader: &mut Reader<&[u8]>, end: &str) -> Result<String, SheetError> {
    let mut raw = String::new();
    let mut paragraphs = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| xml_error(reader, e))?;
        match event {
            Event::Start(e) if matches!(e.name().as_ref(), "text:p" | "text:h") => {
                if paragraphs > 0 {
                    push_break(&mut raw);
                }
                paragraphs += 1;
            }
            Event::Empty(e) if matches!(e.name().as_ref(), "text:p" | "text:h") => {
                paragraphs += 1;
            }
            Event::Start(e)
                if matches!(
                    e.name().as_ref(),
                    "office:annotation" | "table:table" | "draw:frame" | "text:note"
                ) =>
            {
                let name = e.name().as_ref().to_string();
                reader
                    .read_to_end(quick_xml::name::QName(&name))
                    .map_err(|err| xml_error(reader, err))?;
            }
            Event::Empty(e) => match e.name().as_ref() {
                "text:s" => {
                    let n = count_attr(&e, "text:c").min(1000) as usize;
                    raw.push_str(&" ".repeat(n));
                }
                "text:tab" => raw.push('\t'),
                "text:line-break" => push_break(&mut raw),
                _ => {}
            },
            Event::Text(t) => push_raw(&mut raw, &t.xml10_content()),
            Event::CData(t) => push_raw(&mut raw, &t.xml10_content()),
            Event::GeneralRef(r) => push_raw(&mut raw, &entity_text(&r)),
            Event::End(e) if e.name().as_ref() == end => return Ok(collapse_whitespace(&raw)),
            Event::Eof => {
                return Err(SheetError::corrupt(
                    FORMAT,
                    "content.xml ends inside a cell",
                ))
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheets(body: &str) -> Vec<RawSheet> {
        let xml = format!(
            r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x" xmlns:style="s">
            <office:automatic-styles>
              <style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>
            </office:automatic-styles>
            <office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
        );
        parse_content(&xml, &SheetLimits::default()).unwrap()
    }

    fn cells(sheet: &RawSheet) -> Vec<(u32, u32, &str)> {
        sheet
            .cells
            .iter()
            .map(|c| (c.row, c.col, c.text.as_str()))
            .collect()
    }

    #[test]
    fn value_types_give_the_text_a_reader_sees() {
        let s = sheets(
            r#"<table:table table:name="进度"><table:table-row>
              <table:table-cell office:value-type="float" office:value="3"><text:p>3.00</text:p></table:table-cell>
              <table:table-cell office:value-type="percentage" office:value="0.8"><text:p>80.00%</text:p></table:table-cell>
              <table:table-cell office:value-type="date" office:date-value="2024-06-30"><text:p>2024年6月30日</text:p></table:table-cell>
              <table:table-cell office:value-type="string"><text:p>完成</text:p><text:p>验收</text:p></table:table-cell>
              <table:table-cell office:value-type="string"><text:p>a&amp;b<text:s text:c="2"/>c<office:annotation><text:p>批注</text:p></office:annotation></text:p></table:table-cell>
            </table:table-row></table:table>"#,
        );
        assert_eq!(
            cells(&s[0]),
            vec![
                (0, 0, "3"),
                (0, 1, "80%"),
                (0, 2, "2024-06-30"),
                (0, 3, "完成 验收"),
                (0, 4, "a&b c")
            ]
        );
        assert!(!s[0].hidden);
    }

    #[test]
    fn repeats_move_the_position_and_spans_become_merges() {
        let s = sheets(
            r#"<table:table table:name="a" table:style-name="ta2">
              <table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
              <table:table-row><table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2" office:value-type="string"><text:p>医疗卫生</text:p></table:table-cell><table:covered-table-cell/><table:table-cell office:value-type="float" office:value="1"/></table:table-row>
              <table:table-row><table:covered-table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="float" office:value="2"/></table:table-row>
              <table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
            </table:table>"#,
        );
        assert!(s[0].hidden);
        assert_eq!(
            cells(&s[0]),
            vec![(2, 0, "医疗卫生"), (2, 2, "1"), (3, 2, "2")]
        );
        assert_eq!(s[0].merges, vec![(2, 0, 3, 1)]);
    }

    #[test]
    fn a_repeated_non_empty_row_stops_at_the_grid_limit() {
        let limits = SheetLimits {
            max_grid_cells: 100,
            ..SheetLimits::default()
        };
        let xml = r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet>
            <table:table table:name="a"><table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>
            </office:spreadsheet></office:body></office:document-content>"#;
        let s = parse_content(xml, &limits).unwrap();
        assert_eq!(s[0].too_large, Some(101));
        assert!(s[0].cells.is_empty());
    }
}
