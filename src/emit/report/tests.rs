use super::*;
use crate::link::TimelineRow;

fn row(
    url: &str,
    as_of: &str,
    seq: i64,
    content: &str,
    key: &str,
    pct: Option<f64>,
) -> TimelineRow {
    TimelineRow {
        county: Some("文成县".into()),
        report_year: Some(2024),
        as_of: Some(as_of.into()),
        published_date: None,
        seq: Some(seq),
        category: Some("医疗卫生".into()),
        content: Some(content.into()),
        completion_pct: pct,
        progress_note: None,
        source_url: url.into(),
        project_key: key.into(),
        record_key: key.into(),
    }
}

const JUNE: &str = "https://www.wencheng.gov.cn/art/2024/8/28/art_1.html";
const DEC: &str = "https://www.wencheng.gov.cn/art/2025/1/20/art_2.html";

fn timeline(rows: Vec<TimelineRow>) -> Timeline {
    Timeline {
        rows,
        merges: Vec::new(),
    }
}

#[test]
fn text_from_the_data_is_escaped_so_a_script_stays_text() {
    let t = timeline(vec![row(
        JUNE,
        "2024-06-30",
        1,
        "<script>alert('x')</script>&",
        "a",
        Some(60.0),
    )]);
    let html = render(&[], &t);
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"));
}

#[test]
fn every_completion_number_links_to_its_report() {
    let t = timeline(vec![
        row(JUNE, "2024-06-30", 1, "新建公园1个", "a", Some(60.0)),
        row(DEC, "2024-12-31", 1, "新建公园1个", "a", Some(100.0)),
    ]);
    let html = render(&[], &t);
    // Table cell, bar label (latest) and line point for each.
    assert_eq!(
        html.matches(&format!("<a href=\"{JUNE}\">60%</a>")).count(),
        1
    );
    assert_eq!(
        html.matches(&format!("<a href=\"{DEC}\">100%</a>")).count(),
        1
    );
    assert_eq!(
        html.matches(&format!("<a href=\"{DEC}\"><text class=\"value\""))
            .count(),
        1
    );
    assert_eq!(
        html.matches(&format!("<a href=\"{JUNE}\"><circle")).count(),
        1
    );
    assert_eq!(
        html.matches(&format!("<a href=\"{DEC}\"><circle")).count(),
        1
    );
    assert_eq!(html.matches("<polyline").count(), 1);
}

#[test]
fn a_javascript_url_never_becomes_a_link() {
    let t = timeline(vec![row(
        "javascript:alert(1)",
        "2024-06-30",
        1,
        "x",
        "a",
        Some(60.0),
    )]);
    let html = render(&[], &t);
    assert!(!html.contains("href=\"javascript"), "{html}");
    assert!(html.contains("<li>2024-06-30: javascript:alert(1)</li>"));
    assert!(html.contains("<td class=\"num\">60%</td>"), "{html}");
}

#[test]
fn a_project_is_behind_below_half_at_mid_year_below_full_at_year_end_or_falling() {
    let t = timeline(vec![
        row(JUNE, "2024-06-30", 1, "低于一半", "low", Some(30.0)),
        row(DEC, "2024-12-31", 1, "低于一半", "low", Some(100.0)),
        row(JUNE, "2024-06-30", 2, "年底未完成", "late", Some(60.0)),
        row(DEC, "2024-12-31", 2, "年底未完成", "late", Some(90.0)),
        row(JUNE, "2024-06-30", 3, "进度下降", "fall", Some(80.0)),
        row(
            "https://www.wencheng.gov.cn/q3.html",
            "2024-09-30",
            3,
            "进度下降",
            "fall",
            Some(70.0),
        ),
        row(JUNE, "2024-06-30", 4, "正常", "ok", Some(50.0)),
        row(DEC, "2024-12-31", 4, "正常", "ok", Some(100.0)),
    ]);
    let counties = counties(&[], &t);
    let behind: Vec<(String, usize)> = counties[0]
        .projects
        .iter()
        .map(|p| (p.name(), p.behind().len()))
        .collect();
    assert_eq!(
        behind,
        vec![
            ("低于一半".to_string(), 1),
            ("年底未完成".to_string(), 1),
            ("进度下降".to_string(), 1),
            ("正常".to_string(), 0),
        ]
    );
    let fall = counties[0].projects[2].behind().remove(0);
    assert!(fall.starts_with("fell from <a href"), "{fall}");
    assert!(counties[0].projects[0].behind()[0].contains("half-year, below 50%"));
    assert!(counties[0].projects[1].behind()[0].contains("year end, below 100%"));
}

#[test]
fn percentages_drop_a_zero_fraction_and_keep_one_decimal() {
    assert_eq!(percent(80.0), "80%");
    assert_eq!(percent(62.5), "62.5%");
    assert_eq!(percent(33.333), "33.3%");
}

#[test]
fn write_puts_report_html_in_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let t = timeline(vec![row(
        JUNE,
        "2024-06-30",
        1,
        "新建公园1个",
        "a",
        Some(60.0),
    )]);
    let path = write(dir.path(), &[], &t).unwrap();
    assert_eq!(path, dir.path().join(REPORT_HTML));
    let html = std::fs::read_to_string(path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.ends_with("</html>\n"));
}

#[test]
fn a_report_cell_shows_its_progress_note_on_hover_and_a_missing_number_as_a_dash() {
    let mut r = row(JUNE, "2024-06-30", 5, "推进瓯江沿岸绿道建设", "g", None);
    r.progress_note = Some("已完成绿道主体工程15公里\"<b>".into());
    let html = render(&[], &timeline(vec![r]));
    assert!(html.contains(&format!(
        "<td class=\"num\"><a href=\"{JUNE}\"><span title=\"已完成绿道主体工程15公里&quot;&lt;b&gt;\">—</span></a></td>"
    )), "{html}");
}
