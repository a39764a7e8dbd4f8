//! The timeline of the fixture reports (fixtures/timeline/): 文成县's half-year, Q3 and
//! year-end tables and 青田县's half-year table and year-end workbook, where three projects
//! are reworded a little between reports. Every row and every merge is checked against the
//! hand-written expectation in expected_timeline.json.

use minsheng::emit::timeline;
use minsheng::link::{self, Timeline};
use pretty_assertions::assert_eq;
use serde_json::Value;
use std::fs;
use std::path::Path;

/// Record schema v2: the v1 columns, then the nine appended ones.
const V2_KEYS: [&str; 30] = [
    "source_url",
    "publisher",
    "title",
    "published_at",
    "table_index",
    "row_index",
    "seq",
    "category",
    "starred",
    "content",
    "completion_pct",
    "unified_progress",
    "unified_scope",
    "rank_scope",
    "rank",
    "status_note",
    "lead_unit",
    "leader",
    "extra",
    "fetched_at",
    "content_sha256",
    "published_date",
    "source_name",
    "county",
    "source_format",
    "article_url",
    "progress_note",
    "report_year",
    "as_of",
    "project_key",
];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/timeline")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn records() -> Vec<Value> {
    fixture("records.jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON record"))
        .collect()
}

fn expected() -> Timeline {
    serde_json::from_str(&fixture("expected_timeline.json")).expect("the expected timeline")
}

#[test]
fn fixture_records_carry_exactly_the_v2_keys_in_order() {
    for record in records() {
        let keys: Vec<&str> = record
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, V2_KEYS.to_vec());
    }
}

#[test]
fn every_project_is_linked_across_its_reports_as_expected() {
    assert_eq!(link::timeline(&records()).rows, expected().rows);
}

#[test]
fn the_three_reworded_projects_are_the_merges() {
    assert_eq!(link::timeline(&records()).merges, expected().merges);
}

#[test]
fn the_order_of_the_input_does_not_change_the_timeline() {
    let mut reversed = records();
    reversed.reverse();
    assert_eq!(link::timeline(&reversed), expected());
}

#[test]
fn timeline_files_hold_the_rows_and_the_merges() {
    let dir = tempfile::tempdir().unwrap();
    timeline::write(dir.path(), &link::timeline(&records()), false).unwrap();
    let expected = expected();
    let jsonl = fs::read_to_string(dir.path().join(timeline::TIMELINE_JSONL)).unwrap();
    let rows: Vec<link::TimelineRow> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows, expected.rows);
    let csv = fs::read_to_string(dir.path().join(timeline::TIMELINE_CSV)).unwrap();
    assert_eq!(csv.lines().count(), 1 + expected.rows.len());
    assert_eq!(
        csv.lines().next().unwrap(),
        link::TIMELINE_COLUMNS.join(",")
    );
    let merges = fs::read_to_string(dir.path().join(timeline::TIMELINE_MERGES_CSV)).unwrap();
    assert_eq!(
        merges,
        "project_key,merged_key,similarity,county,report_year\n\
         9f5199937d383a66,d69be061312988e5,0.8182,文成县,2024\n\
         abca9b80764015ff,41bc751cc9039985,0.9286,文成县,2024\n\
         e090d02596f900a1,64ad20dceb068cbd,0.9268,青田县,2024\n"
    );
}
