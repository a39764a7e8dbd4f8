//! extract's own tests; the attachment readers on the fixtures (`attachments`, `bounds`)
//! and the DOM against scraper's (`dom_matches_scraper`) are beside them.

mod attachments;
mod bounds;
mod deep;
mod dom_matches_scraper;

use super::*;

#[test]
fn two_identical_tables_keep_the_first_and_count_one_duplicate() {
    let page = extract(
        "<html><body><table><tr><td>序号</td><td>项目内容</td></tr></table>\
         <p>x</p><table><tr><td>序号</td><td>项目内容</td></tr></table></body></html>",
    );
    assert_eq!(page.tables.len(), 1);
    assert_eq!(page.tables[0].position, 0);
    assert_eq!(page.duplicates_dropped, 1);
}

#[test]
fn tables_differing_in_one_cell_are_both_kept() {
    let page = extract(
        "<html><body><table><tr><td>1</td><td>20%</td></tr></table>\
         <table><tr><td>1</td><td>30%</td></tr></table></body></html>",
    );
    assert_eq!(page.tables.len(), 2);
    assert_eq!(page.duplicates_dropped, 0);
}

#[test]
fn whitespace_differences_do_not_make_tables_distinct() {
    let page = extract(
        "<html><body><table><tr><td> 县卫健局&nbsp;</td></tr></table>\
         <table><tr><td><p>县卫健局</p></td></tr></table></body></html>",
    );
    assert_eq!(page.duplicates_dropped, 1);
}

#[test]
fn what_stands_between_tables_is_classified() {
    let page = extract(
        "<html><body><p>标题</p><table><tr><td>a</td></tr></table>\
         <p>&nbsp;</p><table><tr><td>b</td></tr></table>\
         <p>续表</p><table><tr><td>c</td></tr></table>\
         <h3>二、其他</h3><table><tr><td>d</td></tr></table></body></html>",
    );
    let preceded: Vec<_> = page.tables.iter().map(|t| t.preceded_by).collect();
    assert_eq!(
        preceded,
        vec![
            Preceded::Other,
            Preceded::Nothing,
            Preceded::ContinuationHeading,
            Preceded::Other
        ]
    );
}

#[test]
fn layout_frames_are_marked() {
    let page = extract(
        "<html><body><table><tr><td><table><tr><td>x</td></tr></table></td></tr></table></body></html>",
    );
    assert_eq!(page.tables.len(), 2);
    assert!(page.tables[0].contains_tables);
    assert!(!page.tables[1].contains_tables);
}

#[test]
fn a_page_without_closing_tags_is_truncated() {
    assert!(extract("<html><body><table><tr><td>1</td>").truncated);
    assert!(!extract("<html><body></body></html>").truncated);
}

#[test]
fn closing_tags_count_in_any_case_only_near_the_end() {
    assert!(!is_truncated("<p>x</BODY>"));
    assert!(!is_truncated("<p>x</Html"));
    assert!(is_truncated("<p>x</bod"));
    assert!(is_truncated("<p>x< /body>"));
    let far = format!("</html>{}", "民".repeat(30_000));
    assert!(is_truncated(&far));
    assert!(!is_truncated(&format!("{far}</body>")));
}
