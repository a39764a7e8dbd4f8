//! Word files: tables with their spans, paragraphs and continuation tables, a
//! continuation joined in normalize, and a table nested in a layout table.

use super::*;

#[test]
fn docx_tables_spans_paragraphs_and_continuation() {
    let doc = read_docx(&fixture("progress.docx")).unwrap();
    assert_eq!(
        doc.paragraphs,
        [
            "附件2",
            "文成县2024年民生实事项目进展情况表",
            "填报单位：文成县民政局 填报日期：2024年7月5日",
            "续表",
            "说明：以上数据截至2024年6月30日。"
        ]
    );
    assert_eq!((doc.tables.len(), doc.tables_cut), (2, 0));
    let first = &doc.tables[0];
    assert_eq!(
        first.title.as_deref(),
        Some("文成县2024年民生实事项目进展情况表")
    );
    assert_eq!((first.depth, first.preceded_by), (0, Preceded::Other));
    let g = &first.grid;
    assert_eq!(
        texts(g),
        [
            vec!["序号", "项目名称", "项目进展", "项目进展", "牵头单位"],
            vec!["序号", "项目名称", "完成率", "目前进展", "牵头单位"],
            vec!["一、社会保障"; 5],
            vec![
                "1",
                "*困难群众救助",
                "80%",
                "已发放救助金 1200万元",
                "县民政局"
            ],
            vec![
                "2",
                "养老服务",
                "100%",
                "新建居家养老服务中心3家 已全部投用",
                "县民政局"
            ],
            vec!["3", "养老服务", "50%", "老年食堂建设完成选址", "县民政局"],
        ]
    );
    assert_eq!(span(g, 1, 0), (2, 1, Some((0, 0))));
    assert_eq!(span(g, 0, 3), (1, 2, Some((0, 2))));
    assert_eq!(span(g, 2, 4), (1, 5, Some((2, 0))));
    assert_eq!(span(g, 5, 1), (2, 1, Some((4, 1))));
    assert_eq!(span(g, 5, 4), (2, 1, Some((4, 4))));

    let second = &doc.tables[1];
    assert_eq!(
        (second.title.as_deref(), second.preceded_by),
        (None, Preceded::ContinuationHeading)
    );
    assert_eq!(
        texts(&second.grid)[2..],
        [
            vec!["4", "就业创业", "65%", "城镇新增就业2100人", "县人力社保局"],
            vec!["合计", "合计", "73.8%", "", ""],
            vec!["备注：带*为省定民生实事项目。"; 5],
        ]
    );
}

#[test]
fn docx_continuation_joins_its_first_table_in_normalize() {
    let doc = read_docx(&fixture("progress.docx")).unwrap();
    let mut page = as_page(
        doc.tables
            .iter()
            .map(|t| (t.grid.clone(), t.problem.clone()))
            .collect(),
        doc.tables[0].title.clone(),
    );
    for (table, docx_table) in page.tables.iter_mut().zip(&doc.tables) {
        table.preceded_by = docx_table.preceded_by;
    }
    let out = normalize(&page, &Context::default());
    assert_eq!(out.tables.len(), 1);
    let rows: Vec<_> = out.tables[0]
        .rows
        .iter()
        .map(|r| (r.row_index, r.seq, r.category.as_deref(), r.completion_pct))
        .collect();
    assert_eq!(
        rows,
        [
            (0, Some(1), Some("困难群众救助"), Some(80.0)),
            (1, Some(2), Some("养老服务"), Some(100.0)),
            (2, Some(3), Some("养老服务"), Some(50.0)),
            (3, Some(4), Some("就业创业"), Some(65.0)),
        ]
    );
    assert_eq!(out.notes, ["带*为省定民生实事项目。"]);
}

#[test]
fn docx_table_nested_in_a_layout_table_is_its_own_grid() {
    let doc = read_docx(&fixture("nested_layout.docx")).unwrap();
    assert_eq!(doc.tables.len(), 2);
    let (outer, inner) = (&doc.tables[0], &doc.tables[1]);
    assert!(outer.grid.holds_tables);
    assert_eq!(texts(&outer.grid), [vec!["项目进度 （完）"]]);
    assert_eq!((inner.depth, inner.title.as_deref()), (1, Some("项目进度")));
    assert!(!inner.grid.holds_tables);
    assert_eq!(
        texts(&inner.grid),
        [
            vec!["序号", "实事名称", "工作任务", "完成比例"],
            vec!["1", "城乡环境", "完成农村生活污水治理提标改造20个", "95%"],
            vec!["", "城乡环境", "新建公园绿地2处", "30%"],
        ]
    );
    // gridBefore leaves a padding slot, as a short HTML row does.
    assert_eq!(inner.grid.rows[2][0].origin, None);
}
