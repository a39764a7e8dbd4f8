//! The timeline's files: `timeline.csv`, `timeline.jsonl` ([`TIMELINE_COLUMNS`]) and
//! `timeline_merges.csv` ([`MERGE_COLUMNS`]), from the [`Timeline`] that `link` builds.
//!
//! Written as records.csv / records.jsonl are: null is an empty CSV field and a JSON null,
//! numbers as JSON writes them (`80.0`), Chinese as UTF-8 text; a CSV text cell that a
//! spreadsheet would run as a formula gets a leading `'` unless `raw_csv` (DESIGN.md "Safety of
//! inputs and outputs"). The files belong to the output folder's set (`emit::set`): a run that
//! stops half-way leaves the previous set whole.

use super::set::{self, Generation};
use super::EmitError;
use crate::link::{Merge, Timeline, TimelineRow, MERGE_COLUMNS, TIMELINE_COLUMNS};
use crate::sanitize;
use serde_json::Value;
use std::io;
use std::path::Path;

pub const TIMELINE_CSV: &str = "timeline.csv";
pub const TIMELINE_JSONL: &str = "timeline.jsonl";
pub const TIMELINE_MERGES_CSV: &str = "timeline_merges.csv";

/// A CSV text cell: with a leading `'` when a spreadsheet would read it as a formula
/// ([`sanitize::neutralize_csv`], as in records.csv), unless `raw_csv`.
fn neutralized(text: &str, raw_csv: bool) -> String {
    if raw_csv {
        text.to_string()
    } else {
        sanitize::neutralize_csv(text).into_owned()
    }
}

fn field(value: &Value, raw_csv: bool) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => neutralized(s, raw_csv),
        other => other.to_string(),
    }
}

fn csv_bytes<T: serde::Serialize>(
    columns: &[&str],
    items: &[T],
    raw_csv: bool,
) -> io::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(columns)?;
    for item in items {
        let value = serde_json::to_value(item)?;
        let fields: Vec<String> = columns
            .iter()
            .map(|c| field(value.get(c).unwrap_or(&Value::Null), raw_csv))
            .collect();
        out.write_record(&fields)?;
    }
    out.into_inner().map_err(|e| e.into_error())
}

/// timeline.csv's bytes: the header and one line per row.
pub fn timeline_csv(rows: &[TimelineRow], raw_csv: bool) -> io::Result<Vec<u8>> {
    csv_bytes(&TIMELINE_COLUMNS, rows, raw_csv)
}

/// timeline_merges.csv's bytes: the header and one line per merge.
pub fn merges_csv(merges: &[Merge], raw_csv: bool) -> io::Result<Vec<u8>> {
    csv_bytes(&MERGE_COLUMNS, merges, raw_csv)
}

/// timeline.jsonl's bytes: one JSON object per row, keys in [`TIMELINE_COLUMNS`] order.
pub fn timeline_jsonl(rows: &[TimelineRow]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut out, row)?;
        out.push(b'\n');
    }
    Ok(out)
}

/// Writes timeline.csv, timeline.jsonl and timeline_merges.csv into `dir` (created if
/// missing), as a set of their own that keeps the folder's other outputs
/// ([`set::write_alone`]).
pub fn write(dir: &Path, timeline: &Timeline, raw_csv: bool) -> Result<(), EmitError> {
    set::write_alone(dir, |set| write_into(set, timeline, raw_csv))
}

/// Writes timeline.csv, timeline.jsonl and timeline_merges.csv into the set being written.
pub fn write_into(
    set: &mut Generation,
    timeline: &Timeline,
    raw_csv: bool,
) -> Result<(), EmitError> {
    let dir = set.dir().to_path_buf();
    let err = |name: &str| {
        let path = dir.join(name);
        move |source| EmitError { path, source }
    };
    let csv = timeline_csv(&timeline.rows, raw_csv).map_err(err(TIMELINE_CSV))?;
    let jsonl = timeline_jsonl(&timeline.rows).map_err(err(TIMELINE_JSONL))?;
    let merges = merges_csv(&timeline.merges, raw_csv).map_err(err(TIMELINE_MERGES_CSV))?;
    set.write(TIMELINE_CSV, &csv)?;
    set.write(TIMELINE_JSONL, &jsonl)?;
    set.write(TIMELINE_MERGES_CSV, &merges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(content: &str) -> TimelineRow {
        TimelineRow {
            county: Some("文成县".into()),
            report_year: Some(2024),
            as_of: Some("2024-06-30".into()),
            published_date: None,
            seq: Some(1),
            category: None,
            content: Some(content.into()),
            completion_pct: Some(80.0),
            progress_note: None,
            source_url: "file:///a.html".into(),
            project_key: "k1".into(),
            record_key: "k2".into(),
        }
    }

    #[test]
    fn timeline_csv_has_the_header_and_writes_null_as_empty() {
        let csv = String::from_utf8(timeline_csv(&[row("新建公园1个")], false).unwrap()).unwrap();
        assert_eq!(
            csv,
            "county,report_year,as_of,published_date,seq,category,content,completion_pct,\
             progress_note,source_url,project_key,record_key\n\
             文成县,2024,2024-06-30,,1,,新建公园1个,80.0,,file:///a.html,k1,k2\n"
        );
    }

    #[test]
    fn a_formula_in_timeline_csv_is_neutralized_unless_raw() {
        let rows = [row("=1+1"), row("-5")];
        let csv = String::from_utf8(timeline_csv(&rows, false).unwrap()).unwrap();
        assert!(csv.contains(",'=1+1,"), "{csv}");
        assert!(csv.contains(",-5,"), "{csv}");
        let raw = String::from_utf8(timeline_csv(&rows, true).unwrap()).unwrap();
        assert!(raw.contains(",=1+1,"), "{raw}");
    }

    #[test]
    fn timeline_jsonl_keys_are_the_columns_in_order() {
        let jsonl = timeline_jsonl(&[row("新建公园1个")]).unwrap();
        let value: Value = serde_json::from_slice(&jsonl).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, TIMELINE_COLUMNS.to_vec());
        assert!(jsonl.ends_with(b"\n"));
        assert!(!String::from_utf8(jsonl).unwrap().contains("\\u"));
    }

    #[test]
    fn write_puts_the_three_files_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let timeline = Timeline {
            rows: vec![row("新建公园1个")],
            merges: vec![Merge {
                project_key: "k1".into(),
                merged_key: "k2".into(),
                similarity: 0.8182,
                county: Some("文成县".into()),
                report_year: Some(2024),
            }],
        };
        write(dir.path(), &timeline, false).unwrap();
        let merges = std::fs::read_to_string(dir.path().join(TIMELINE_MERGES_CSV)).unwrap();
        assert_eq!(
            merges,
            "project_key,merged_key,similarity,county,report_year\nk1,k2,0.8182,文成县,2024\n"
        );
        let jsonl = std::fs::read_to_string(dir.path().join(TIMELINE_JSONL)).unwrap();
        assert_eq!(jsonl.lines().count(), 1);
        assert!(dir.path().join(TIMELINE_CSV).is_file());
    }
}
