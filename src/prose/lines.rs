//! What a line of report text is, on its own: a possible heading, a category or section
//! name, a problem or plan line, page chrome, a lead-unit or field label, or prose that may
//! continue an item. `segment.rs` decides with these what each paragraph is in its place.

/// The longest enumerated heading, in characters after the enumerator.
pub const HEADING_MAX_CHARS: usize = 30;

/// The longest unenumerated category heading (`社会事业类项目`).
const CATEGORY_HEADING_MAX_CHARS: usize = 15;

/// The heading as a category: as written, without a trailing colon.
pub(super) fn heading_text(text: &str) -> String {
    text.trim()
        .trim_end_matches(['：', ':'])
        .trim_end()
        .to_string()
}

/// Short, no sentence punctuation (a colon or full stop at the end aside), no percentage: it
/// can be a heading.
pub(super) fn heading_like(rest: &str) -> bool {
    let rest = rest.trim().trim_end_matches(['：', ':', '。']);
    rest.chars().count() <= HEADING_MAX_CHARS
        && !rest.contains(['。', '；', ';', '！', '？', '，', ',', '：', ':', '%', '％'])
}

/// Labels of an item's fields written as their own lines or numbered sub-items, as in a
/// table's columns: `目标任务：…`, `进展情况：…`, `牵头单位：…`.
const FIELD_LABELS: &[&str] = &[
    "目标任务",
    "年度目标",
    "建设内容",
    "建设任务",
    "主要内容",
    "项目内容",
    "工作任务",
    "任务内容",
    "进展情况",
    "完成情况",
    "工作进展",
    "推进情况",
    "进度情况",
    "主要进展",
    "实施情况",
    "目前进展",
    "牵头单位",
    "责任单位",
    "牵头部门",
    "责任部门",
    "责任领导",
    "分管领导",
];

pub(super) fn starts_with_field_label(text: &str) -> bool {
    FIELD_LABELS.iter().any(|label| {
        text.strip_prefix(label)
            .is_some_and(|r| r.trim_start().starts_with(['：', ':']))
    })
}

/// Words of a heading-like line that names a section of the report rather than a project
/// (`一、总体推进情况` followed by a paragraph of overall figures, not by items).
const SECTION_WORDS: &[&str] = &["情况", "总体", "概况", "成效", "做法", "主要工作"];

/// A heading-like line that is a section heading even without numbered items under it.
pub(super) fn names_a_section(rest: &str) -> bool {
    SECTION_WORDS.iter().any(|w| rest.contains(w)) || opens_problem_or_plan(rest)
}

/// Words of a heading (or a line standing as one) that opens a section about problems or
/// plans, which gives no records.
pub(super) const PROBLEM_OR_PLAN: &[&str] = &[
    "存在问题",
    "存在的问题",
    "问题和不足",
    "问题与不足",
    "困难和问题",
    "问题和困难",
    "主要问题",
    "下一步",
    "下步",
    "工作打算",
    "工作计划",
    "工作安排",
    "下阶段",
    "下一阶段",
    "工作思路",
    "意见建议",
    "工作建议",
];

/// A line that opens a problem or plan section: short with no sentence punctuation and naming
/// one (`三、2025年工作安排`), or starting with one and ending with a colon
/// (`下一步，我们将重点做好以下工作：`). Not `下一步将加快推进。` inside an item's text, nor an
/// introduction that only mentions one (`根据县政府工作安排，现将…公布如下：`, fixture 04).
pub(super) fn opens_problem_or_plan(text: &str) -> bool {
    let text = text.trim();
    let short_heading = text.chars().count() <= HEADING_MAX_CHARS
        && !text.contains(['。', '；', ';', '，', ',', '！', '？'])
        && PROBLEM_OR_PLAN.iter().any(|w| text.contains(w));
    let opening_line =
        text.ends_with(['：', ':']) && PROBLEM_OR_PLAN.iter().any(|w| text.starts_with(w));
    short_heading || opening_line
}

/// A short unenumerated line that names a category: `民生保障类`, `社会事业类项目`, `教育领域`.
pub(super) fn is_category_heading(text: &str) -> bool {
    let bare = text.trim().trim_end_matches(['：', ':']);
    bare.chars().count() <= CATEGORY_HEADING_MAX_CHARS
        && bare
            .chars()
            .all(|c| !c.is_ascii_punctuation() && !is_cjk_punctuation(c))
        && ["类", "类项目", "领域", "方面"]
            .iter()
            .any(|end| bare.ends_with(end))
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20)
}

/// Page chrome: metadata lines, tools, navigation and footer text.
const CHROME: &[&str] = &[
    "发布日期",
    "发布时间",
    "来源：",
    "来源:",
    "浏览次数",
    "浏览量",
    "访问量",
    "字号",
    "字体：",
    "打印",
    "关闭窗口",
    "分享到",
    "扫一扫",
    "您现在的位置",
    "当前位置",
    "上一篇",
    "下一篇",
    "相关链接",
    "索引号",
    "发文机关",
    "成文日期",
    "主办单位",
    "承办单位",
    "网站标识码",
    "ICP备",
    "公网安备",
    "版权所有",
    "Copyright",
    "技术支持",
    "联系电话",
    "联系我们",
    "联系人",
    "网站地图",
    "附件：",
];

fn is_chrome(text: &str) -> bool {
    CHROME.iter().any(|w| text.contains(w))
}

/// Summary openers: a closing paragraph about the whole report, not the last item.
const SUMMARY: &[&str] = &[
    "总体来看",
    "总的来看",
    "总体上看",
    "总体而言",
    "整体来看",
    "综上",
    "总之",
];

/// A lead-unit line: `（牵头单位：县教育局）` or `牵头单位：县教育局`.
pub fn is_lead_unit_line(text: &str) -> bool {
    let bare = text
        .trim()
        .trim_start_matches(['（', '('])
        .trim_end_matches(['）', ')', '。']);
    ["牵头单位", "责任单位", "牵头部门", "责任部门"]
        .iter()
        .any(|label| {
            bare.strip_prefix(label)
                .is_some_and(|r| r.trim_start().starts_with(['：', ':']))
        })
}

/// A paragraph without an enumerator that continues the item before it.
pub(super) fn continues_item(text: &str) -> bool {
    if is_chrome(text)
        || SUMMARY.iter().any(|w| text.starts_with(w))
        || PROBLEM_OR_PLAN.iter().any(|w| text.starts_with(w))
    {
        return false;
    }
    is_lead_unit_line(text) || text.contains(['。', '；', ';', '，', ',', '！', '？', '：', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_unit_lines_are_recognised() {
        assert!(is_lead_unit_line("（牵头单位：县教育局）"));
        assert!(is_lead_unit_line("责任单位: 县卫健局。"));
        assert!(!is_lead_unit_line("县教育局牵头实施。"));
    }

    #[test]
    fn a_heading_is_short_without_sentence_punctuation_or_inner_colon() {
        assert!(heading_like("民生保障类（4项）"));
        assert!(heading_like("存在的主要问题。"));
        assert!(heading_like("教育类："));
        assert!(!heading_like("进展情况：已全部建成"));
        assert!(!heading_like("新建幼儿园，完成80%"));
    }

    #[test]
    fn plan_lines_are_short_or_end_in_a_colon() {
        assert!(opens_problem_or_plan("下一步工作打算"));
        assert!(opens_problem_or_plan("下一步，我们将重点做好以下工作："));
        assert!(!opens_problem_or_plan("下一步将加快推进，确保年底前完成。"));
        assert!(!opens_problem_or_plan(
            "根据县政府工作安排，现将2024年民生实事项目1-6月完成情况公布如下："
        ));
    }

    #[test]
    fn chrome_summaries_and_plans_do_not_continue_an_item() {
        assert!(continues_item("目前已完成主体工程，完成率60%。"));
        assert!(continues_item("进展情况：完成率60%"));
        assert!(!continues_item("发布日期：2024-07-10"));
        assert!(!continues_item("总体来看，各项目推进顺利。"));
        assert!(!continues_item("下一步，将加快推进。"));
        assert!(!continues_item("某县发展和改革局"));
    }
}
