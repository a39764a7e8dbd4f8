use super::*;
use serde_json::json;

const JUNE: &str = "file:///wencheng_2024_06.html";
const SEPT: &str = "file:///wencheng_2024_09.html";
const DEC: &str = "file:///wencheng_2024_12.html";

fn as_of(url: &str) -> &'static str {
    match url {
        JUNE => "2024-06-30",
        SEPT => "2024-09-30",
        _ => "2024-12-31",
    }
}

/// A 文成县 2024 record of report `url`.
fn rec(url: &str, seq: i64, content: &str, key: &str, pct: f64) -> Value {
    json!({
        "source_url": url,
        "county": "文成县",
        "report_year": 2024,
        "as_of": as_of(url),
        "published_date": null,
        "seq": seq,
        "category": "医疗卫生",
        "content": content,
        "completion_pct": pct,
        "progress_note": null,
        "project_key": key,
    })
}

fn row(url: &str, seq: i64, content: &str, key: &str, record_key: &str, pct: f64) -> TimelineRow {
    TimelineRow {
        county: Some("文成县".into()),
        report_year: Some(2024),
        as_of: Some(as_of(url).into()),
        published_date: None,
        seq: Some(seq),
        category: Some("医疗卫生".into()),
        content: Some(content.into()),
        completion_pct: Some(pct),
        progress_note: None,
        source_url: url.into(),
        project_key: key.into(),
        record_key: record_key.into(),
    }
}

fn merge(project_key: &str, merged_key: &str, similarity: f64) -> Merge {
    Merge {
        project_key: project_key.into(),
        merged_key: merged_key.into(),
        similarity,
        county: Some("文成县".into()),
        report_year: Some(2024),
    }
}

const DISABLED: &str = "新增残疾人就业60人以上";
const DISABLED_62: &str = "新增残疾人就业62人以上";
const AED: &str = "在公共场所新增配置自动体外除颤仪40台";

#[test]
fn rows_follow_each_project_through_its_reports_in_as_of_order() {
    let records = [
        rec(DEC, 1, AED, "aed", 100.0),
        rec(JUNE, 1, AED, "aed", 20.0),
        rec(SEPT, 1, AED, "aed", 60.0),
    ];
    let t = timeline(&records);
    assert_eq!(
        t.rows,
        vec![
            row(JUNE, 1, AED, "aed", "aed", 20.0),
            row(SEPT, 1, AED, "aed", "aed", 60.0),
            row(DEC, 1, AED, "aed", "aed", 100.0),
        ]
    );
    assert!(t.merges.is_empty());
}

#[test]
fn records_without_a_project_key_are_skipped() {
    let mut keyless = rec(JUNE, 2, DISABLED, "", 50.0);
    keyless["project_key"] = Value::Null;
    let mut empty_key = rec(JUNE, 3, DISABLED, "", 50.0);
    empty_key.as_object_mut().unwrap().remove("project_key");
    let t = timeline(&[
        keyless,
        empty_key,
        rec(JUNE, 1, AED, "aed", 20.0),
        json!("not a record"),
    ]);
    assert_eq!(t.rows, vec![row(JUNE, 1, AED, "aed", "aed", 20.0)]);
}

#[test]
fn a_slightly_rewritten_text_joins_the_earliest_reports_key() {
    let records = [
        rec(JUNE, 2, DISABLED, "k60", 40.0),
        rec(DEC, 2, DISABLED_62, "k62", 100.0),
        rec(SEPT, 2, DISABLED_62, "k62", 70.0),
    ];
    let t = timeline(&records);
    assert_eq!(
        t.rows,
        vec![
            row(JUNE, 2, DISABLED, "k60", "k60", 40.0),
            row(SEPT, 2, DISABLED_62, "k60", "k62", 70.0),
            row(DEC, 2, DISABLED_62, "k60", "k62", 100.0),
        ]
    );
    // 9 of 11 bigrams shared: 18/22.
    assert_eq!(t.merges, vec![merge("k60", "k62", 0.8182)]);
}

#[test]
fn two_keys_of_one_report_are_never_merged_however_alike() {
    let records = [
        rec(JUNE, 2, DISABLED, "k60", 40.0),
        rec(JUNE, 2, DISABLED_62, "k62", 30.0),
        rec(DEC, 2, DISABLED_62, "k62", 100.0),
    ];
    let t = timeline(&records);
    assert!(t.merges.is_empty());
    let keys: Vec<(&str, &str)> = t
        .rows
        .iter()
        .map(|r| (r.project_key.as_str(), r.record_key.as_str()))
        .collect();
    assert_eq!(keys, vec![("k60", "k60"), ("k62", "k62"), ("k62", "k62")]);
}

#[test]
fn a_different_seq_or_category_keeps_alike_texts_apart() {
    let mut other_category = rec(DEC, 2, DISABLED_62, "k62c", 100.0);
    other_category["category"] = json!("就业");
    let records = [
        rec(JUNE, 2, DISABLED, "k60", 40.0),
        rec(SEPT, 3, DISABLED_62, "k62", 70.0),
        other_category,
    ];
    let t = timeline(&records);
    assert!(t.merges.is_empty());
    assert_eq!(t.rows.len(), 3);
    assert!(t.rows.iter().all(|r| r.project_key == r.record_key));
}

#[test]
fn texts_less_than_four_fifths_alike_stay_two_projects() {
    // 新增残疾人就业80人 vs 新增残疾人就业60人以上: 7 shared bigrams of 9 + 11 → 14/20 = 0.7.
    let records = [
        rec(JUNE, 2, DISABLED, "k60", 40.0),
        rec(DEC, 2, "新增残疾人就业80人", "k80", 100.0),
    ];
    let t = timeline(&records);
    assert!(t.merges.is_empty());
    assert_eq!(t.rows[1].project_key, "k80");
}

#[test]
fn a_text_drifting_over_three_reports_stays_one_project() {
    // June → Sept changes a number, Sept → Dec a word: Dec is 0.9091 alike to Sept's text but
    // only 0.7273 to June's; it joins through Sept's.
    let records = [
        rec(JUNE, 2, DISABLED, "k60", 40.0),
        rec(SEPT, 2, DISABLED_62, "k62", 70.0),
        rec(DEC, 2, "新增残疾人就业62人以下", "k62x", 100.0),
    ];
    let t = timeline(&records);
    assert_eq!(
        t.merges,
        vec![merge("k60", "k62", 0.8182), merge("k60", "k62x", 0.9091)]
    );
    assert!(t.rows.iter().all(|r| r.project_key == "k60"));
}

#[test]
fn a_key_that_fits_two_projects_joins_the_more_alike() {
    // Two June projects with seq 2 in one category (a table numbering per group); Dec's text is
    // closer to the second (0.963 against 0.88).
    let records = [
        rec(JUNE, 2, "新增残疾人就业60人以上", "a", 40.0),
        rec(JUNE, 2, "新增残疾人就业60人以上培训", "b", 40.0),
        rec(DEC, 2, "新增残疾人就业60人以上培训班", "c", 100.0),
    ];
    let t = timeline(&records);
    assert_eq!(t.merges, vec![merge("b", "c", 0.963)]);
}

#[test]
fn rows_sort_by_county_then_project_seq_with_nulls_last() {
    let mut qingtian = rec(JUNE, 1, "新建城市书房2家", "q1", 50.0);
    qingtian["county"] = json!("青田县");
    let mut unnumbered = rec(JUNE, 1, "新建公园1个", "n", 10.0);
    unnumbered["seq"] = Value::Null;
    let mut undated = rec(SEPT, 1, AED, "aed", 70.0);
    undated["as_of"] = Value::Null;
    let records = [
        qingtian,
        unnumbered,
        undated,
        rec(JUNE, 2, DISABLED, "k60", 40.0),
        rec(JUNE, 1, AED, "aed", 20.0),
    ];
    let t = timeline(&records);
    let order: Vec<(Option<&str>, &str, Option<&str>)> = t
        .rows
        .iter()
        .map(|r| {
            (
                r.county.as_deref(),
                r.project_key.as_str(),
                r.as_of.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            (Some("文成县"), "aed", Some("2024-06-30")),
            (Some("文成县"), "aed", None),
            (Some("文成县"), "k60", Some("2024-06-30")),
            (Some("文成县"), "n", Some("2024-06-30")),
            (Some("青田县"), "q1", Some("2024-06-30")),
        ]
    );
}

#[test]
fn two_records_of_one_key_in_one_report_are_both_kept_in_input_order() {
    let records = [
        rec(JUNE, 1, AED, "aed", 20.0),
        rec(JUNE, 1, AED, "aed", 25.0),
    ];
    let pcts: Vec<Option<f64>> = timeline(&records)
        .rows
        .iter()
        .map(|r| r.completion_pct)
        .collect();
    assert_eq!(pcts, vec![Some(20.0), Some(25.0)]);
}
