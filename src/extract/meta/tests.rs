//! Page metadata's tests: title, publisher (来源 / 发布机构), publication time and its
//! formats, read from the fixtures' headers and from small pages.

use super::*;

fn lines(texts: &[&str]) -> Vec<Line> {
    texts
        .iter()
        .map(|t| Line {
            text: t.to_string(),
            in_table: false,
        })
        .collect()
}

#[test]
fn metadata_line_gives_date_and_source() {
    let l = lines(&["发布日期:2024-08-28 16:34:00 来源:文成县 浏览量: 字体:[ ]"]);
    assert_eq!(
        labelled(&l, &["发布日期", "发布时间"]),
        vec!["2024-08-28 16:34:00 来源:文成县 浏览量: 字体:[ ]"]
    );
    let sources: Vec<_> = labelled(&l, &["来源"])
        .iter()
        .filter_map(|v| first_word(v))
        .collect();
    assert_eq!(sources, vec!["文成县"]);
}

#[test]
fn key_value_cells_give_the_next_line() {
    let l = lines(&[
        "索引号",
        "001008003/2024-01234",
        "发布机构",
        "泰顺县人民政府办公室",
    ]);
    assert_eq!(labelled(&l, &["发布机构"]), vec!["泰顺县人民政府办公室"]);
}

#[test]
fn label_inside_a_word_is_not_a_label() {
    let l = lines(&["资金来源：县财政", "成文日期：2024-01-02"]);
    assert!(labelled(&l, &["来源"]).is_empty());
    assert!(labelled(&l, &["发布日期"]).is_empty());
}

#[test]
fn label_scan_finds_exactly_the_label_literals() {
    let texts = [
        "",
        "来",
        "来源",
        "信息来源：县府办",
        "发布",
        "发布机构",
        "x发布日期:2024",
        "发布人发布时间",
        "发 布日期",
        "备注",
        "说明备注：",
        "来来源源",
        "发发布机构",
        "浏览次数 字体",
        "abc\u{1}来源",
    ];
    for text in texts {
        let literal = |labels: &[&str]| labels.iter().any(|l| text.contains(l));
        let labels = ["来源", "发布机构", "发布日期", "发布时间"];
        assert_eq!(names_label(text, false), literal(&labels), "{text:?}");
        assert_eq!(
            names_label(text, true),
            literal(&labels) || text.contains("备注"),
            "{text:?}"
        );
    }
}

#[test]
fn an_empty_label_gives_neither_its_name_nor_its_neighbours_text() {
    // `来源：` with nothing after it, followed on the same line by the next label.
    let l = lines(&["发布日期：2024-08-28 来源： 作者：张三 浏览次数：12"]);
    assert!(labelled(&l, &["来源"]).is_empty());
    // … and on the next line (the walk keeps the line after a label).
    let l = lines(&["来源：", "作者：张三"]);
    assert!(labelled(&l, &["来源"]).is_empty());
    let l = lines(&["信息来源：", "发布时间：2024-08-28 16:34"]);
    assert!(labelled(&l, &["信息来源", "来源"]).is_empty());
    assert_eq!(
        labelled(&l, &["发布日期", "发布时间"]),
        vec!["2024-08-28 16:34"]
    );
    // A key/value table whose 来源 cell is empty: the next cell is the 作者 label.
    let l = lines(&["来源", "作者"]);
    assert!(labelled(&l, &["来源"]).is_empty());
    // `发布日期：` empty, then `来源：文成县`: no date, and the source is still read.
    let l = lines(&["发布日期： 来源：文成县"]);
    assert!(labelled(&l, &["发布日期", "发布时间"]).is_empty());
    assert_eq!(labelled(&l, &["来源"]), vec!["文成县"]);
}

#[test]
fn a_value_that_merely_contains_a_label_word_is_kept() {
    let l = lines(&["来源：文成县发展和改革局"]);
    assert_eq!(labelled(&l, &["来源"]), vec!["文成县发展和改革局"]);
    let l = lines(&["发布机构", "泰顺县人民政府办公室"]);
    assert_eq!(labelled(&l, &["发布机构"]), vec!["泰顺县人民政府办公室"]);
}

#[test]
fn source_value_stops_at_the_next_label() {
    assert_eq!(
        first_word("泰顺县卫健局浏览次数：12").as_deref(),
        Some("泰顺县卫健局")
    );
}

#[test]
fn note_label_is_stripped() {
    assert_eq!(
        strip_note_label("备注:省政府十大民生实事名称前标*的16个项目").as_deref(),
        Some("省政府十大民生实事名称前标*的16个项目")
    );
    assert_eq!(strip_note_label("说明：x"), None);
}

#[test]
fn a_title_tag_that_is_only_the_site_name_gives_the_article_heading() {
    let headings = vec![
        "文成县人民政府".to_string(),
        "文成县2024年民生实事项目第三季度进度表".to_string(),
    ];
    assert_eq!(
        choose_title(None, Some("文成县人民政府".into()), &headings).as_deref(),
        Some("文成县2024年民生实事项目第三季度进度表")
    );
    assert_eq!(
        choose_title(None, Some("泰顺县发展和改革局".into()), &headings).as_deref(),
        Some("文成县2024年民生实事项目第三季度进度表")
    );
    assert_eq!(
        choose_title(None, Some("文成县人民政府门户网站".into()), &headings).as_deref(),
        Some("文成县2024年民生实事项目第三季度进度表")
    );
    // A site name first and the article after it.
    assert_eq!(
        choose_title(
            None,
            Some("文成县人民政府 - 民生实事进度表".into()),
            &["民生实事进度表".to_string()]
        )
        .as_deref(),
        Some("民生实事进度表")
    );
    // An ArticleTitle meta that holds the site name is passed over too.
    assert_eq!(
        choose_title(Some("文成县人民政府".into()), None, &headings).as_deref(),
        Some("文成县2024年民生实事项目第三季度进度表")
    );
}

#[test]
fn site_and_agency_names_are_told_from_titles() {
    for name in [
        "文成县人民政府",
        "泰顺县发展和改革局",
        "景宁畲族自治县人民政府",
        "青田县人民政府门户网站",
        "浙江政务服务网",
    ] {
        assert!(is_site_name(name), "{name}");
    }
    for title in [
        "民生实事进度表",
        "文成县2024年民生实事项目进度表",
        "文成县人民政府关于印发2024年民生实事项目的通知",
        "泰顺县发展和改革局2024年工作计划",
    ] {
        assert!(!is_site_name(title), "{title}");
    }
}

#[test]
fn title_is_the_heading_the_title_tag_names() {
    let headings = vec!["文成县人民政府".to_string(), "民生实事进度表".to_string()];
    assert_eq!(
        choose_title(
            None,
            Some("民生实事进度表 - 文成县人民政府".into()),
            &headings
        )
        .as_deref(),
        Some("民生实事进度表")
    );
}
