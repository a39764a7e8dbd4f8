//! The lines around a table, taken out of its grid: title rows, `附件N` tags, 填报单位 /
//! 填报日期 / 制表人 lines (the rules are in `sheet.rs`'s module documentation). Shared by
//! sheets and Word tables.

use crate::extract::grid::Grid;

/// Page-field labels whose lines stand around a table, not in it (DESIGN "Page fields of an
/// attachment", and the other sign-off lines county forms carry).
pub const MARGIN_LABELS: &[&str] = &[
    "填报单位",
    "报送单位",
    "填报部门",
    "报送部门",
    "单位",
    "填报日期",
    "报送日期",
    "填表日期",
    "统计日期",
    "日期",
    "填报人",
    "填表人",
    "制表人",
    "制表",
    "审核人",
    "审核",
    "负责人",
    "联系人",
    "联系电话",
    "电话",
];

/// `填报单位：县发改局` (a label, then a colon).
pub fn is_label_line(text: &str) -> bool {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    MARGIN_LABELS.iter().any(|label| {
        squeezed
            .strip_prefix(label)
            .is_some_and(|rest| rest.starts_with([':', '：']))
    })
}

/// `附件1`, `附件 2：`, `附件`: the attachment tag printed above a table.
fn is_attachment_tag(text: &str) -> bool {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    squeezed.strip_prefix("附件").is_some_and(|rest| {
        rest.trim_end_matches([':', '：'])
            .chars()
            .all(|c| c.is_ascii_digit() || "０１２３４５６７８９一二三四五六七八九十".contains(c))
    })
}

/// The lines around a table, taken out of its grid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Margins {
    pub title: Option<String>,
    pub above: Vec<String>,
    pub below: Vec<String>,
}

/// `填报日期：` with its value in the next cell.
fn is_bare_label(text: &str) -> bool {
    is_label_line(text) && text.trim_end().ends_with([':', '：'])
}

/// The lines of row `r` when it is a label row: every text is a label line, or the value
/// of the bare label before it (`填报日期：` | `2024-07-05` is one line,
/// `填报日期：2024-07-05`).
fn label_row_lines(grid: &Grid, r: usize) -> Option<Vec<String>> {
    let texts = grid.distinct_row_texts(r);
    if texts.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = Vec::new();
    let mut awaiting_value = false;
    for text in texts {
        if is_label_line(&text) {
            awaiting_value = is_bare_label(&text);
            lines.push(text);
        } else if awaiting_value {
            lines.last_mut()?.push_str(&text);
            awaiting_value = false;
        } else {
            return None;
        }
    }
    Some(lines)
}

/// The lines of a top row that is not part of the table: at most one text (a title, an
/// `附件1` tag, an empty row), or a label row.
fn top_row_lines(grid: &Grid, r: usize) -> Option<Vec<String>> {
    let texts = grid.distinct_row_texts(r);
    if texts.len() <= 1 {
        return Some(texts);
    }
    label_row_lines(grid, r)
}

/// The title among the lines above a table: the first that is neither a label line, an
/// `附件N` tag nor a 续表 heading.
pub fn title_among(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .find(|t| !is_label_line(t) && !is_attachment_tag(t) && !is_continuation_heading(t))
        .cloned()
}

/// `续表`, `（续表）`, `续表1`.
fn is_continuation_heading(text: &str) -> bool {
    let bare: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !"()（）:：【】[]".contains(*c))
        .collect();
    bare.starts_with("续表") && bare.chars().count() <= 4
}

/// Takes the title rows and label lines off the top and the label lines off the bottom of
/// `grid` (see the module documentation); the remaining rows keep their cells, with origins
/// moved up by the rows taken. Used for Word tables too.
pub fn split_margins(grid: &mut Grid) -> Margins {
    let rows = grid.rows.len();
    let top = (0..rows)
        .take_while(|&r| top_row_lines(grid, r).is_some())
        .count();
    if top == rows {
        return Margins::default();
    }
    let bottom = (top..rows)
        .rev()
        .take_while(|&r| label_row_lines(grid, r).is_some())
        .count();
    // A merged range reaching from a margin row into the table stays whole: stop there.
    let spans_into = |r: usize, from_above: bool| {
        grid.rows[r].iter().any(|c| match c.origin {
            Some((or, _)) if from_above => or + c.rowspan > top,
            Some((or, _)) => or < rows - bottom,
            None => false,
        })
    };
    let top = (0..top).take_while(|&r| !spans_into(r, true)).count();
    let bottom = (rows - bottom..rows)
        .rev()
        .take_while(|&r| !spans_into(r, false))
        .count();

    let mut margins = Margins::default();
    for r in 0..top {
        margins
            .above
            .extend(top_row_lines(grid, r).unwrap_or_default());
    }
    for r in rows - bottom..rows {
        margins
            .below
            .extend(label_row_lines(grid, r).unwrap_or_default());
    }
    margins.title = title_among(&margins.above);
    grid.rows.truncate(rows - bottom);
    grid.rows.drain(..top);
    for cell in grid.rows.iter_mut().flatten() {
        if let Some((r, c)) = cell.origin {
            cell.origin = Some((r - top, c));
        }
    }
    margins
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::sheet::{build_grid, RawCell};

    fn cell(row: u32, col: u32, text: &str) -> RawCell {
        RawCell {
            row,
            col,
            text: text.to_string(),
        }
    }

    #[test]
    fn title_and_label_rows_are_taken_off_both_ends() {
        let cells = [
            cell(0, 0, "附件1"),
            cell(1, 0, "2024年民生实事项目进展情况表"),
            cell(2, 0, "填报单位：文成县发改局"),
            cell(2, 3, "填报日期：2024年7月5日"),
            cell(3, 0, "序号"),
            cell(3, 1, "项目名称"),
            cell(3, 2, "完成率"),
            cell(3, 3, "牵头单位"),
            cell(4, 0, "1"),
            cell(4, 1, "x"),
            cell(5, 0, "备注：带*为省定项目"),
            cell(6, 0, "制表人：张三"),
        ];
        let mut grid = build_grid(&cells, &[(1, 0, 1, 3), (5, 0, 5, 3)], 100).unwrap();
        let margins = split_margins(&mut grid);
        assert_eq!(
            margins.above,
            vec![
                "附件1",
                "2024年民生实事项目进展情况表",
                "填报单位：文成县发改局",
                "填报日期：2024年7月5日"
            ]
        );
        assert_eq!(margins.below, vec!["制表人：张三"]);
        assert_eq!(
            margins.title.as_deref(),
            Some("2024年民生实事项目进展情况表")
        );
        assert_eq!(grid.rows.len(), 3);
        assert_eq!(grid.rows[0][0].text, "序号");
        assert_eq!(grid.rows[2][3].origin, Some((2, 0)));
    }

    #[test]
    fn a_sheet_of_one_column_is_left_whole() {
        let mut grid = build_grid(&[cell(0, 0, "a"), cell(1, 0, "b")], &[], 100).unwrap();
        assert_eq!(split_margins(&mut grid), Margins::default());
        assert_eq!(grid.rows.len(), 2);
    }

    #[test]
    fn label_lines_and_attachment_tags() {
        assert!(is_label_line("填报单位：文成县发改局"));
        assert!(is_label_line("日 期: 2024-07-05"));
        assert!(!is_label_line("单位名称"));
        assert!(!is_label_line("填报单位"));
        assert!(is_attachment_tag("附件1"));
        assert!(is_attachment_tag("附件 二："));
        assert!(!is_attachment_tag("附件1：民生实事进度表"));
    }

    #[test]
    fn a_bare_label_takes_the_next_cell_as_its_value() {
        let cells = [
            cell(0, 0, "序号"),
            cell(0, 1, "项目名称"),
            cell(1, 0, "1"),
            cell(1, 1, "x"),
            cell(2, 0, "填报日期："),
            cell(2, 1, "2024-07-05"),
            cell(2, 3, "单位：万元"),
        ];
        let mut grid = build_grid(&cells, &[], 100).unwrap();
        let margins = split_margins(&mut grid);
        assert_eq!(margins.below, vec!["填报日期：2024-07-05", "单位：万元"]);
        assert_eq!(grid.rows.len(), 2);
    }

    #[test]
    fn a_row_with_an_unlabelled_text_is_part_of_the_table() {
        let cells = [
            cell(0, 0, "序号"),
            cell(0, 1, "项目名称"),
            cell(1, 0, "填报单位：县发改局"),
            cell(1, 1, "x"),
        ];
        let mut grid = build_grid(&cells, &[], 100).unwrap();
        assert_eq!(split_margins(&mut grid).below, Vec::<String>::new());
        assert_eq!(grid.rows.len(), 2);
    }

    #[test]
    fn titles_skip_labels_attachment_tags_and_continuation_headings() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            title_among(&lines(&[
                "附件2",
                "（续表）",
                "填报单位：县民政局",
                "进展情况表"
            ])),
            Some("进展情况表".to_string())
        );
        assert_eq!(title_among(&lines(&["续表"])), None);
    }
}
