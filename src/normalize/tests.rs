//! Normalize's tests on small tables: name markers, leader names, several tables on a page,
//! continuations (续表), dropped rows with their reasons, untypable cells kept in extra,
//! key-value tables skipped, two-row headers flattened.

use super::*;
use crate::extract::extract;

fn run(html: &str) -> Normalized {
    normalize(&extract(html), &Context::default())
}

const HEAD: &str =
    "<tr><td>序号</td><td>项目名称</td><td>项目内容</td><td>完成率(%)</td><td>牵头单位</td></tr>";

#[test]
fn marker_at_either_end_is_removed_and_sets_starred() {
    assert_eq!(strip_marker("*医疗卫生"), ("医疗卫生".to_string(), true));
    assert_eq!(strip_marker("医疗卫生 ★"), ("医疗卫生".to_string(), true));
    assert_eq!(strip_marker("＊ 教育"), ("教育".to_string(), true));
    assert_eq!(strip_marker("教育"), ("教育".to_string(), false));
}

#[test]
fn leader_names_lose_spaces_between_cjk() {
    assert_eq!(squeeze_cjk_spaces("张 三"), "张三");
    assert_eq!(squeeze_cjk_spaces("张三、李 四"), "张三、李四");
    assert_eq!(squeeze_cjk_spaces("John Smith"), "John Smith");
}

#[test]
fn two_distinct_tables_on_one_page_are_both_kept() {
    let html = format!(
            "<html><body><h2>一</h2><table>{HEAD}<tr><td>1</td><td>a</td><td>x</td><td>20%</td><td>u</td></tr></table>\
             <h2>二</h2><table>{HEAD}<tr><td>1</td><td>b</td><td>y</td><td>30%</td><td>v</td></tr></table></body></html>"
        );
    let n = run(&html);
    assert_eq!(n.tables.len(), 2);
    assert_eq!(n.tables[1].table_index, 1);
    assert_eq!(n.tables[1].rows[0].content.as_deref(), Some("y"));
}

#[test]
fn continuation_after_xubiao_keeps_table_index_and_counts_on() {
    let html = format!(
            "<html><body><table>{HEAD}<tr><td>1</td><td>a</td><td>x</td><td>20%</td><td>u</td></tr></table>\
             <p>续表</p><table>{HEAD}<tr><td>2</td><td>b</td><td>y</td><td>30%</td><td>v</td></tr></table></body></html>"
        );
    let n = run(&html);
    assert_eq!(n.tables.len(), 1);
    let rows: Vec<_> = n.tables[0]
        .rows
        .iter()
        .map(|r| (r.table_index, r.row_index, r.seq))
        .collect();
    assert_eq!(rows, vec![(0, 0, Some(1)), (0, 1, Some(2))]);
}

#[test]
fn same_header_after_a_heading_is_a_second_table() {
    let html = format!(
            "<html><body><table>{HEAD}<tr><td>1</td><td>a</td><td>x</td><td>20%</td><td>u</td></tr></table>\
             <h3>二、其他</h3><table>{HEAD}<tr><td>2</td><td>b</td><td>y</td><td>30%</td><td>v</td></tr></table></body></html>"
        );
    assert_eq!(run(&html).tables.len(), 2);
}

#[test]
fn group_total_empty_and_note_rows_are_dropped_with_reasons() {
    let html = format!(
        "<html><body><table>{HEAD}\
             <tr><td colspan=5>一、医疗卫生</td></tr>\
             <tr><td>1</td><td></td><td>x</td><td>20%</td><td>u</td></tr>\
             <tr><td>&nbsp;</td><td></td><td></td><td></td><td></td></tr>\
             <tr><td>合计</td><td></td><td></td><td>50%</td><td></td></tr>\
             <tr><td>备注</td><td colspan=4>带*为重点项目</td></tr></table></body></html>"
    );
    let n = run(&html);
    let reasons: Vec<_> = n.dropped_rows.iter().map(|d| d.reason).collect();
    assert_eq!(
        reasons,
        vec![
            DropReason::Group,
            DropReason::Empty,
            DropReason::Total,
            DropReason::Note
        ]
    );
    assert_eq!(n.tables[0].rows.len(), 1);
    assert_eq!(n.tables[0].rows[0].category.as_deref(), Some("医疗卫生"));
    assert_eq!(n.notes, vec!["带*为重点项目"]);
}

#[test]
fn untypable_mapped_cell_keeps_its_text_in_extra() {
    let html = format!(
            "<html><body><table>{HEAD}<tr><td>1-1</td><td>a</td><td>x</td><td>正在推进</td><td>u</td></tr></table></body></html>"
        );
    let rec = &run(&html).tables[0].rows[0];
    assert_eq!((rec.seq, rec.completion_pct), (None, None));
    assert_eq!(
        serde_json::Value::Object(rec.extra.clone()),
        serde_json::json!({"序号": "1-1", "完成率(%)": "正在推进"})
    );
}

#[test]
fn key_value_table_is_skipped_with_its_first_row() {
    let n = run("<html><body><table><tr><td>索引号</td><td>001/2024</td></tr><tr><td>发布机构</td><td>县政府</td></tr></table></body></html>");
    assert_eq!(n.skipped_tables.len(), 1);
    assert_eq!(n.skipped_tables[0].first_row, vec!["索引号", "001/2024"]);
    assert!(n.skipped_tables[0]
        .reason
        .starts_with("not a progress table"));
}

#[test]
fn two_row_header_with_colspan_is_flattened() {
    let html = "<html><body><table>\
            <tr><td rowspan=2>序号</td><td rowspan=2>项目内容</td><td colspan=2>完成情况</td><td rowspan=2>责任单位</td></tr>\
            <tr><td>完成率(%)</td><td>是否全省统一进度</td></tr>\
            <tr><td>1</td><td>x</td><td>50</td><td>是</td><td>县教育局</td></tr></table></body></html>";
    let n = run(html);
    assert_eq!(
        n.tables[0].headers,
        vec![
            "序号",
            "项目内容",
            "完成情况/完成率(%)",
            "完成情况/是否全省统一进度",
            "责任单位"
        ]
    );
    let rec = &n.tables[0].rows[0];
    assert_eq!(
        (rec.completion_pct, rec.unified_progress),
        (Some(50.0), Some(true))
    );
}
