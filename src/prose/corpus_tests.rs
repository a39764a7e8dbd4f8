//! The prose corpus (fixtures/prose/): county progress reports written as numbered paragraphs,
//! in several CMS templates and encodings, each with the items (every field), the rejected
//! items and the verdict written by hand from DESIGN.md "Prose reports" in
//! `NAME.expected.json`. Each page is decoded (`decode::decode`), turned into paragraphs
//! (`extract::body::paragraphs`) and read (`prose::read`); a mismatch names the fixture, the
//! item and the field.
//!
//! The same through the binary (`scrape`) is tests/it/prose.rs.
//!
//! The prose reader runs only when a page has no progress table; a fixture whose expected
//! file says `"progress_table": true` checks that the pipeline finds one, so its prose is not
//! read.

use crate::pipeline::{self, Source};
use crate::prose::{self, ProseOutcome};
use crate::record::SourceFormat;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/prose");
    let mut pages: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    pages.sort();
    pages
}

fn name(html: &Path) -> String {
    html.file_name().unwrap().to_string_lossy().to_string()
}

fn expected(html: &Path) -> Value {
    let path = html.with_extension("expected.json");
    serde_json::from_str(&fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether the pipeline finds a progress table on the page (then prose is not read).
fn has_progress_table(html: &Path) -> bool {
    let report = pipeline::process(&Source::file(
        &format!("file://{}", html.display()),
        &fs::read(html).unwrap(),
        "2026-01-01T00:00:00Z",
    ));
    // Prose records are a table too; a progress table means the prose reader never ran.
    report.prose.is_none() && !report.tables.is_empty()
}

/// The page read as prose: decoded, cut into paragraphs, read.
fn read_prose(html: &Path) -> ProseOutcome {
    let decoded = crate::decode::decode(&fs::read(html).unwrap(), None);
    prose::read(&crate::extract::body::paragraphs(&decoded.text))
}

/// Differences between what the page gives and its expected file, one line each.
fn differences(html: &Path) -> Vec<String> {
    let name = name(html);
    let want = expected(html);
    let mut diffs = Vec::new();
    let mut check = |what: String, got: &Value, want: &Value| {
        if got != want {
            diffs.push(format!("{name}: {what}: got {got}, want {want}"));
        }
    };

    let table = has_progress_table(html);
    check(
        "progress_table".into(),
        &json!(table),
        &want["progress_table"],
    );
    if table {
        return diffs; // the prose reader does not run on this page
    }

    let got = serde_json::to_value(read_prose(html)).unwrap();
    check("verdict".into(), &got["verdict"], &want["verdict"]);
    for key in ["considered", "duplicates_dropped"] {
        check(key.to_string(), &got[key], &want[key]);
    }
    let got_items = got["items"].as_array().unwrap();
    let want_items = want["items"].as_array().unwrap();
    check(
        "item count".into(),
        &json!(got_items.len()),
        &json!(want_items.len()),
    );
    for (i, (g, w)) in got_items.iter().zip(want_items).enumerate() {
        for key in [
            "seq",
            "category",
            "content",
            "completion_pct",
            "progress_note",
            "lead_unit",
        ] {
            check(format!("item {i} {key}"), &g[key], &w[key]);
        }
    }
    let got_rejected = got["rejected"].as_array().unwrap();
    let want_rejected = want["rejected"].as_array().unwrap();
    check(
        "rejected count".into(),
        &json!(got_rejected.len()),
        &json!(want_rejected.len()),
    );
    for (i, (g, w)) in got_rejected.iter().zip(want_rejected).enumerate() {
        for key in ["text", "reason"] {
            check(format!("rejected {i} {key}"), &g[key], &w[key]);
        }
    }
    diffs
}

#[test]
fn the_corpus_has_at_least_ten_pages_each_with_an_expected_file() {
    let pages = fixtures();
    assert!(pages.len() >= 10, "{} prose fixtures", pages.len());
    for page in &pages {
        assert!(
            page.with_extension("expected.json").exists(),
            "{} has no expected file",
            name(page)
        );
    }
}

#[test]
fn every_prose_fixture_gives_exactly_its_expected_items() {
    let diffs: Vec<String> = fixtures().iter().flat_map(|p| differences(p)).collect();
    assert!(
        diffs.is_empty(),
        "{} difference(s):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn no_fixture_gives_an_item_its_expected_file_lacks() {
    for page in fixtures() {
        let want = expected(&page);
        if want["progress_table"] == json!(true) {
            continue;
        }
        let contents: Vec<&Value> = want["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| &item["content"])
            .collect();
        for item in read_prose(&page).items {
            assert!(
                contents.contains(&&json!(item.content)),
                "{}: invented item {:?}",
                name(&page),
                item
            );
        }
    }
}

#[test]
fn a_page_with_a_progress_table_is_not_read_as_prose() {
    let page = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/prose/06_table_and_prose_summary.html");
    let report = pipeline::process(&Source::file(
        &format!("file://{}", page.display()),
        &fs::read(&page).unwrap(),
        "2026-01-01T00:00:00Z",
    ));
    assert_eq!(report.error, None);
    assert!(!report.tables.is_empty());
    // The pipeline did not run the prose reader at all, and every record is the table's.
    assert_eq!(report.prose, None);
    assert!(report
        .records()
        .all(|r| r.source_format == SourceFormat::Html));
    // Its prose summary alone would give items: the rule, not the text, keeps them out.
    assert!(!read_prose(&page).items.is_empty());
}

/// The page through `pipeline::process`, as `scrape` runs it.
fn through_pipeline(html: &Path) -> crate::record::PageReport {
    pipeline::process(&Source::file(
        &format!("file://{}", html.display()),
        &fs::read(html).unwrap(),
        "2026-01-01T00:00:00Z",
    ))
}

#[test]
fn the_pipeline_turns_every_read_prose_page_into_its_expected_records() {
    for page in fixtures() {
        let want = expected(&page);
        if want["progress_table"] == json!(true) {
            continue;
        }
        let report = through_pipeline(&page);
        let file = name(&page);
        let prose = report
            .prose
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: no prose object"));
        assert_eq!(
            json!(prose.considered),
            want["considered"],
            "{file}: considered"
        );
        assert_eq!(
            json!(prose.duplicates_dropped),
            want["duplicates_dropped"],
            "{file}: duplicates_dropped"
        );
        let items = want["items"].as_array().unwrap();
        assert_eq!(prose.read, items.len(), "{file}: read");
        let rejected: Vec<&str> = prose.rejected.iter().map(|r| r.text.as_str()).collect();
        let want_rejected: Vec<&str> = want["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["text"].as_str().unwrap())
            .collect();
        assert_eq!(rejected, want_rejected, "{file}: rejected");
        let records: Vec<_> = report.records().collect();
        assert_eq!(records.len(), items.len(), "{file}: records");
        if items.is_empty() {
            let error = report.error.as_deref().unwrap_or_default();
            assert!(
                error.contains("; prose: ") && error.starts_with("no "),
                "{file}: the error says both why there is no table and what prose gave: {error}"
            );
            continue;
        }
        assert_eq!(report.error, None, "{file}");
        for (i, (record, item)) in records.iter().zip(items).enumerate() {
            let got = serde_json::to_value(record).unwrap();
            for field in [
                "seq",
                "category",
                "content",
                "completion_pct",
                "progress_note",
                "lead_unit",
            ] {
                assert_eq!(got[field], item[field], "{file}: record {i}: {field}");
            }
            assert_eq!(got["source_format"], "prose", "{file}: record {i}");
            assert_eq!(
                (record.table_index, record.row_index),
                (0, i),
                "{file}: record {i}"
            );
            assert!(!record.starred, "{file}: record {i}");
            for field in [
                "unified_progress",
                "unified_scope",
                "rank_scope",
                "rank",
                "status_note",
                "leader",
            ] {
                assert_eq!(got[field], Value::Null, "{file}: record {i}: {field}");
            }
            assert_eq!(got["extra"], json!({}), "{file}: record {i}");
            assert_eq!(record.article_url, record.source_url, "{file}: record {i}");
            assert_eq!(record.project_key.len(), 16, "{file}: record {i}");
        }
    }
}

#[test]
fn gbk_pages_are_read_through_decode() {
    for file in [
        "04_old_layout_gbk_br_lines.html",
        "09_trs_gbk_points_too_few.html",
    ] {
        let page = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/prose")
            .join(file);
        let decoded = crate::decode::decode(&fs::read(&page).unwrap(), None);
        assert_eq!(decoded.encoding.name(), "GBK", "{file}");
        assert_eq!(decoded.replacement_chars, 0, "{file}");
    }
}

#[test]
fn a_policy_notice_gives_no_records_and_says_why() {
    let page = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/prose/05_policy_notice_no_records.html");
    let outcome = read_prose(&page);
    assert!(outcome.items.is_empty());
    assert_eq!(
        outcome.verdict.to_string(),
        "0 items with a progress signal, 3 needed"
    );
}

#[test]
fn arbitrary_text_of_enumerators_digits_and_punctuation_never_panics() {
    // Characters the reader slices around: enumerators, brackets, full-width forms, labels.
    const ALPHABET: &[&str] = &[
        "一",
        "十",
        "二",
        "、",
        "（",
        "）",
        "(",
        ")",
        "1",
        "１",
        "2",
        ".",
        "．",
        "①",
        "⑴",
        "⒈",
        "是",
        "第",
        "，",
        "。",
        "；",
        ":",
        "：",
        "%",
        "％",
        "-",
        "完成",
        "完成率",
        "已",
        "占",
        "计划",
        "的",
        "牵头单位",
        "由",
        "牵头",
        "进度",
        "已全部完成",
        "下一步",
        "类",
        "“",
        "”",
        " ",
        "\u{3000}",
        "目标任务",
        "进展情况",
        "其中",
        "3所",
        "𠮷",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..300 {
        let paragraphs: Vec<String> = (0..1 + next(12))
            .map(|_| {
                (0..next(24))
                    .map(|_| ALPHABET[next(ALPHABET.len())])
                    .collect()
            })
            .collect();
        let outcome = prose::read(&paragraphs);
        let qualifying = match outcome.verdict {
            prose::Verdict::Read { items } => {
                assert!(items >= prose::MIN_ITEMS, "{paragraphs:?}");
                assert_eq!(outcome.items.len(), items, "{paragraphs:?}");
                items
            }
            prose::Verdict::TooFew { qualifying } => {
                assert!(qualifying < prose::MIN_ITEMS, "{paragraphs:?}");
                assert!(outcome.items.is_empty(), "{paragraphs:?}");
                qualifying
            }
            prose::Verdict::NoItems => {
                assert_eq!(outcome.considered, 0, "{paragraphs:?}");
                0
            }
        };
        assert_eq!(
            qualifying + outcome.rejected.len(),
            outcome.considered,
            "{paragraphs:?}"
        );
        for item in &outcome.items {
            assert!(!item.content.is_empty(), "{paragraphs:?}");
            assert!(item.completion_pct.is_some(), "{paragraphs:?}");
        }
    }
}
