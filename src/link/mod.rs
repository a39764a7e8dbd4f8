//! Link: the same project across a county's successive reports — the timeline (DESIGN.md
//! "Timeline and report").
//!
//! Input: records as the JSON objects records.jsonl holds (Record schema v2 keys; a record
//! without a `project_key` is skipped). A *report* is one `source_url`. Output: a
//! [`Timeline`], pure data; `emit::timeline` writes its files.
//!
//! # Rows
//! One [`TimelineRow`] per record: county, report_year, as_of, published_date, seq, category,
//! content, completion_pct, progress_note, source_url ([`TIMELINE_COLUMNS`]), with
//! `record_key` = the record's own `project_key` and `project_key` = the key of the project it
//! was linked to. A project normally has one row per report; two records of one report with
//! the same key (two rows of the same text) are both kept, in input order — nothing is lost.
//!
//! # Merging near-identical keys
//! A county often rewrites a project's text a little between the half-year and the year-end
//! table (`新增残疾人就业60人以上` → `…62人以上`), which changes its `project_key`. Keys are taken
//! in the order of their first report (as_of, then published_date, nulls last, then
//! source_url); each joins the existing project that
//! - has the same county, report_year, seq and category (of the key's first row),
//! - shares no report with it (two keys in one report are two projects, however alike), and
//! - has a key whose text is at least [`MERGE_THRESHOLD`] alike (the Dice coefficient over
//!   character bigrams of the key text: content else category, NFKC, without whitespace and
//!   punctuation; [`similarity::dice`]),
//!
//! the most alike one (the earlier project on a tie), or else starts a project of its own. A
//! project's key is the key of its earliest report's row. Every key that joined another
//! project is listed in [`Timeline::merges`], with the similarity of the best-matching key
//! already in that project (rounded to 4 decimals); merges are sorted by county, report_year
//! and project key, a project's own in the order its keys joined it.
//!
//! # Order
//! Rows are sorted by county, report_year, the project (its seq, then its key), as_of, then
//! published_date — nulls last at each level — then source_url and input order.
//!
//! # Files
//! `timeline.csv` and `timeline.jsonl` (the rows, [`TIMELINE_COLUMNS`]) and
//! `timeline_merges.csv` (the merges, [`MERGE_COLUMNS`]); a row whose `record_key` differs from
//! its `project_key` is a merged one, so the rows alone say which keys were merged and the
//! merges file says how alike they were.

pub mod input;
pub mod similarity;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Two keys' texts at least this alike (Dice over character bigrams) may be one project.
pub const MERGE_THRESHOLD: f64 = 0.8;

/// The timeline's columns, in order: timeline.csv's header and timeline.jsonl's keys.
pub const TIMELINE_COLUMNS: [&str; 12] = [
    "county",
    "report_year",
    "as_of",
    "published_date",
    "seq",
    "category",
    "content",
    "completion_pct",
    "progress_note",
    "source_url",
    "project_key",
    "record_key",
];

/// timeline_merges.csv's columns, in order.
pub const MERGE_COLUMNS: [&str; 5] = [
    "project_key",
    "merged_key",
    "similarity",
    "county",
    "report_year",
];

/// One project in one report (field order = [`TIMELINE_COLUMNS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub county: Option<String>,
    pub report_year: Option<i64>,
    pub as_of: Option<String>,
    pub published_date: Option<String>,
    pub seq: Option<i64>,
    pub category: Option<String>,
    pub content: Option<String>,
    pub completion_pct: Option<f64>,
    pub progress_note: Option<String>,
    pub source_url: String,
    /// The project's key: the key of its earliest report's row.
    pub project_key: String,
    /// The record's own `project_key`.
    pub record_key: String,
}

/// A key that was merged into another project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    /// The project it joined.
    pub project_key: String,
    /// The key that joined it.
    pub merged_key: String,
    /// Dice similarity to the most alike key already in the project, rounded to 4 decimals.
    pub similarity: f64,
    pub county: Option<String>,
    pub report_year: Option<i64>,
}

/// The projects of the records across their reports.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Timeline {
    pub rows: Vec<TimelineRow>,
    pub merges: Vec<Merge>,
}

/// `Option` ordered with `None` last.
fn nulls_last<T: Ord>(value: &Option<T>) -> (bool, Option<&T>) {
    (value.is_none(), value.as_ref())
}

fn text(record: &Value, key: &str) -> Option<String> {
    record.get(key).and_then(Value::as_str).map(str::to_string)
}

/// An integer field; a JSON number with no fractional part counts (`3.0` from a float column).
fn integer(record: &Value, key: &str) -> Option<i64> {
    let value = record.get(key)?;
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// The timeline row of one record, or None when it has no project_key.
fn row_of(record: &Value) -> Option<TimelineRow> {
    let key = text(record, "project_key").filter(|k| !k.is_empty())?;
    Some(TimelineRow {
        county: text(record, "county"),
        report_year: integer(record, "report_year"),
        as_of: text(record, "as_of"),
        published_date: text(record, "published_date"),
        seq: integer(record, "seq"),
        category: text(record, "category"),
        content: text(record, "content"),
        completion_pct: record.get("completion_pct").and_then(Value::as_f64),
        progress_note: text(record, "progress_note"),
        source_url: text(record, "source_url").unwrap_or_default(),
        project_key: key.clone(),
        record_key: key,
    })
}

/// When a report stands: (as_of, published_date) with nulls last, then its URL.
type ReportOrder<'a> = (
    (bool, Option<&'a String>),
    (bool, Option<&'a String>),
    &'a str,
);

fn report_order(row: &TimelineRow) -> ReportOrder<'_> {
    (
        nulls_last(&row.as_of),
        nulls_last(&row.published_date),
        &row.source_url,
    )
}

/// A project being assembled: its first key's identity and every key text it holds.
struct Project<'a> {
    key: &'a str,
    first: &'a TimelineRow,
    texts: Vec<String>,
    reports: BTreeSet<&'a str>,
}

/// What two keys must share to be one project: county, report_year, seq and category.
type Identity<'a> = (Option<&'a str>, Option<i64>, Option<i64>, Option<&'a str>);

fn identity(row: &TimelineRow) -> Identity<'_> {
    (
        row.county.as_deref(),
        row.report_year,
        row.seq,
        row.category.as_deref(),
    )
}

/// The timeline of `records` (see the module docs for every rule).
pub fn timeline(records: &[Value]) -> Timeline {
    let rows: Vec<TimelineRow> = records.iter().filter_map(row_of).collect();

    // Each key's rows, and the reports it occurs in.
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        by_key.entry(row.record_key.as_str()).or_default().push(i);
    }
    // Each key's first row: its earliest report, then input order.
    let mut keys: Vec<(&str, usize)> = by_key
        .iter()
        .map(|(key, indices)| {
            let first = *indices
                .iter()
                .min_by_key(|&&i| (report_order(&rows[i]), i))
                .expect("a key has a row");
            (*key, first)
        })
        .collect();
    keys.sort_by_key(|&(_, first)| (report_order(&rows[first]), first));

    let mut projects: Vec<Project> = Vec::new();
    // The projects of each identity (county, report_year, seq, category): only these can
    // take a key of that identity.
    let mut by_identity: HashMap<Identity, Vec<usize>> = HashMap::new();
    let mut project_of: HashMap<&str, usize> = HashMap::new();
    let mut merges = Vec::new();
    for (key, first) in keys {
        let row = &rows[first];
        let reports: BTreeSet<&str> = by_key[key]
            .iter()
            .map(|&i| rows[i].source_url.as_str())
            .collect();
        let key_text = similarity::record_key_text(row.content.as_deref(), row.category.as_deref());
        let mut best: Option<(usize, f64)> = None;
        let candidates = by_identity.entry(identity(row)).or_default();
        for &p in candidates.iter() {
            let project = &projects[p];
            if !project.reports.is_disjoint(&reports) {
                continue;
            }
            let alike = project
                .texts
                .iter()
                .map(|t| similarity::dice(t, &key_text))
                .fold(0.0, f64::max);
            if alike >= MERGE_THRESHOLD && best.is_none_or(|(_, b)| alike > b) {
                best = Some((p, alike));
            }
        }
        match best {
            Some((p, alike)) => {
                let project = &mut projects[p];
                merges.push(Merge {
                    project_key: project.key.to_string(),
                    merged_key: key.to_string(),
                    similarity: (alike * 10_000.0).round() / 10_000.0,
                    county: row.county.clone(),
                    report_year: row.report_year,
                });
                project.texts.push(key_text);
                project.reports.extend(reports);
                project_of.insert(key, p);
            }
            None => {
                candidates.push(projects.len());
                project_of.insert(key, projects.len());
                projects.push(Project {
                    key,
                    first: row,
                    texts: vec![key_text],
                    reports,
                });
            }
        }
    }

    let linked: Vec<(usize, String)> = rows
        .iter()
        .map(|row| {
            let p = project_of[row.record_key.as_str()];
            (p, projects[p].key.to_string())
        })
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&projects[linked[a].0], &projects[linked[b].0]);
        let (ra, rb) = (&rows[a], &rows[b]);
        (nulls_last(&ra.county), nulls_last(&ra.report_year))
            .cmp(&(nulls_last(&rb.county), nulls_last(&rb.report_year)))
            .then_with(|| nulls_last(&pa.first.seq).cmp(&nulls_last(&pb.first.seq)))
            .then_with(|| pa.key.cmp(pb.key))
            .then_with(|| report_order(ra).cmp(&report_order(rb)))
            .then_with(|| a.cmp(&b))
    });
    let rows = order
        .into_iter()
        .map(|i| TimelineRow {
            project_key: linked[i].1.clone(),
            ..rows[i].clone()
        })
        .collect();
    merges.sort_by(|a, b| {
        (
            nulls_last(&a.county),
            nulls_last(&a.report_year),
            &a.project_key,
        )
            .cmp(&(
                nulls_last(&b.county),
                nulls_last(&b.report_year),
                &b.project_key,
            ))
    });
    Timeline { rows, merges }
}

#[cfg(test)]
mod tests;
