//! Segmentation: paragraphs → headings and items.
//!
//! - An **item** is a paragraph that starts with an enumerator and is not a heading.
//! - A **heading** is a short enumerated paragraph (at most 30 characters after its
//!   enumerator, no sentence punctuation `。；！？，` and no colon inside, no percentage) that
//!   has items of a lower level under it (`一、民生保障类` over `1.…`) or names a section of the
//!   report (`一、总体推进情况`, `三、存在问题`: 情况, 总体, 概况, 成效, 做法, problem and plan
//!   words). A short line without an enumerator that names a category (`民生保障类`,
//!   `社会事业类项目`, `教育领域`) is a heading too, and so is a line that opens a problem or
//!   plan section (`存在问题`, `下一步，我们将重点做好以下工作：`). A heading lasts until the
//!   next heading of its level or higher; an item's category is the nearest heading above it
//!   that names a category (not a section such as `一、项目推进情况`), without its enumerator.
//!   What each kind of line looks like is in `lines.rs`.
//! - A heading's lead-unit bracket (`一、教育提质（牵头单位：县教育局）`) is not part of its
//!   category; it is the lead unit of the items under it that name none.
//! - Numbering restarts under each heading: an item's number is the number as written.
//! - **Continuation**: an item may span several paragraphs. A paragraph without an enumerator
//!   right after an item continues it when it reads as prose — it holds sentence punctuation
//!   (`。；，！？：`), or it is a lead-unit line (`（牵头单位：县教育局）`) — and is not page
//!   chrome (`发布日期：`, `主办单位：`, `【打印本页】`…), a summary (`总体来看，…`) or a plan
//!   or problem paragraph (`下一步，…`: it speaks of the report, not the item). Any
//!   other paragraph (a title, a signature, a date, a menu) ends the item, and nothing is
//!   attached again until the next item. Word-pasted reports put the progress sentence or the
//!   lead unit in a paragraph of their own; this keeps them with their item.
//! - **Fields as sub-items**: a heading-like line whose numbered sub-items start with a field
//!   label (`一、教育优质均衡工程` over `（一）目标任务：…` `（二）进展情况：…`) is an item, the
//!   project, and those sub-items continue it — the same item as `1.教育优质均衡工程` followed by
//!   unnumbered `目标任务：…` / `进展情况：…` lines.
//! - Items under a problem or plan heading are marked as such; the reader rejects them.
//! - **Duplicates**: an article rendered twice (two CMS templates on one page, as on the 文成县
//!   seed page) repeats its items; an item equal to an earlier one in category, number and
//!   text is dropped and counted.

use super::enumerator::{self, Enumerator, Kind};
use super::fields::take_lead_unit;
use super::lines::{
    continues_item, heading_like, heading_text, is_category_heading, names_a_section,
    opens_problem_or_plan, starts_with_field_label,
};
use std::collections::HashSet;

/// One item as segmented, before its fields are read.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub kind: Kind,
    pub number: i64,
    /// The first paragraph as written, enumerator included.
    pub first: String,
    /// The first paragraph without its enumerator.
    pub text: String,
    /// The paragraphs that continue it.
    pub continuation: Vec<String>,
    /// The nearest heading above it, without the heading's enumerator.
    pub category: Option<String>,
    /// It stands under a problem or plan heading.
    pub in_problem_or_plan: bool,
    /// The lead unit of the nearest heading above it that names one.
    pub heading_lead_unit: Option<String>,
}

impl Segment {
    /// What makes two items the same item rendered twice.
    fn key(&self) -> (Kind, i64, Option<String>, String, Vec<String>) {
        (
            self.kind,
            self.number,
            self.category.clone(),
            self.text.clone(),
            self.continuation.clone(),
        )
    }
}

/// The items of a text and how many repeated items were dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmented {
    pub items: Vec<Segment>,
    pub duplicates_dropped: usize,
}

/// What a paragraph is, before headings are decided.
enum Entry<'a> {
    Enumerated {
        enumerator: Enumerator,
        paragraph: &'a str,
    },
    Plain(&'a str),
}

/// A heading in force: its rank (smaller is higher), its text, and whether it opens a problem
/// or plan section.
struct Open {
    rank: u8,
    text: String,
    problem_or_plan: bool,
    /// It names a category of projects, not a section of the report (`进展情况`).
    is_category: bool,
    /// The lead unit its bracket names, for the items under it that name none.
    lead_unit: Option<String>,
}

/// Segments `paragraphs` into items (see the module documentation).
pub fn segment(paragraphs: &[String]) -> Segmented {
    let entries: Vec<Entry> = paragraphs
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| match enumerator::parse(p) {
            Some(enumerator) => Entry::Enumerated {
                enumerator,
                paragraph: p,
            },
            None => Entry::Plain(p),
        })
        .collect();

    let mut items: Vec<Segment> = Vec::new();
    let mut headings: Vec<Open> = Vec::new();
    let mut open_item = false;
    // The level of an item whose fields follow as numbered sub-items (`（二）进展情况：…`).
    let mut fields_below: Option<u8> = None;
    for (i, entry) in entries.iter().enumerate() {
        match entry {
            Entry::Enumerated {
                enumerator,
                paragraph,
            } => {
                let rest = &paragraph[enumerator.len..];
                let level = enumerator.kind.level();
                if let Some(parent) = fields_below {
                    if level > parent && starts_with_field_label(rest) {
                        if let Some(item) = items.last_mut() {
                            item.continuation.push(rest.to_string());
                        }
                        continue;
                    }
                    fields_below = None;
                }
                // `一、教育提质（牵头单位：县教育局）`: the unit is the items' below.
                let (bare, unit) = take_lead_unit(rest);
                if heading_like(&bare) {
                    if fields_follow(&entries[i + 1..], enumerator.kind) {
                        // The project's name, with its fields as sub-items: an item.
                        let rank = rank_of(enumerator.kind);
                        while headings.last().is_some_and(|h| h.rank >= rank) {
                            headings.pop();
                        }
                        fields_below = Some(level);
                    } else if has_lower_items(&entries[i + 1..], enumerator.kind)
                        || names_a_section(&bare)
                    {
                        open_heading(&mut headings, rank_of(enumerator.kind), &bare, unit);
                        open_item = false;
                        continue;
                    }
                }
                items.push(Segment {
                    kind: enumerator.kind,
                    number: enumerator.number,
                    first: paragraph.to_string(),
                    text: rest.to_string(),
                    continuation: Vec::new(),
                    category: headings
                        .iter()
                        .rev()
                        .find(|h| h.is_category)
                        .map(|h| h.text.clone()),
                    in_problem_or_plan: headings.iter().any(|h| h.problem_or_plan),
                    heading_lead_unit: headings.iter().rev().find_map(|h| h.lead_unit.clone()),
                });
                open_item = true;
            }
            Entry::Plain(paragraph) => {
                if opens_problem_or_plan(paragraph) || is_category_heading(paragraph) {
                    // Just below the nearest enumerated heading: the next heading of that
                    // heading's level ends it too.
                    let parent = headings
                        .iter()
                        .rev()
                        .find(|h| h.rank % 2 == 0)
                        .map_or(0, |h| h.rank);
                    open_heading(&mut headings, parent + 1, paragraph, None);
                    open_item = false;
                    fields_below = None;
                } else if open_item && continues_item(paragraph) {
                    if let Some(item) = items.last_mut() {
                        item.continuation.push(paragraph.to_string());
                    }
                } else {
                    open_item = false;
                }
            }
        }
    }

    let mut seen = HashSet::new();
    let mut kept: Vec<Segment> = Vec::with_capacity(items.len());
    let mut duplicates_dropped = 0;
    for item in items {
        if seen.insert(item.key()) {
            kept.push(item);
        } else {
            duplicates_dropped += 1;
        }
    }
    Segmented {
        items: kept,
        duplicates_dropped,
    }
}

/// Enumerated headings rank 2, 4, … by level; unenumerated headings take the odd rank just
/// below their parent.
fn rank_of(kind: Kind) -> u8 {
    kind.level() * 2
}

fn open_heading(headings: &mut Vec<Open>, rank: u8, text: &str, lead_unit: Option<String>) {
    while headings.last().is_some_and(|h| h.rank >= rank) {
        headings.pop();
    }
    headings.push(Open {
        rank,
        text: heading_text(text),
        lead_unit,
        problem_or_plan: opens_problem_or_plan(text.trim_end_matches('。')),
        is_category: !names_a_section(text),
    });
}

/// The next enumerated paragraph is a lower-level sub-item that starts with a field label:
/// the heading-like line above it is a project with its fields, not a heading.
fn fields_follow(after: &[Entry], kind: Kind) -> bool {
    after
        .iter()
        .find_map(|e| match e {
            Entry::Enumerated {
                enumerator,
                paragraph,
            } => Some((enumerator.kind, &paragraph[enumerator.len..])),
            Entry::Plain(_) => None,
        })
        .is_some_and(|(next, rest)| next.level() > kind.level() && starts_with_field_label(rest))
}

/// The next enumerated paragraph after a heading candidate is of a lower level.
fn has_lower_items(after: &[Entry], kind: Kind) -> bool {
    after
        .iter()
        .find_map(|e| match e {
            Entry::Enumerated { enumerator, .. } => Some(enumerator.kind),
            Entry::Plain(_) => None,
        })
        .is_some_and(|next| next.level() > kind.level())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraphs(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    fn summary(lines: &[&str]) -> Vec<(i64, Option<String>, String, bool)> {
        segment(&paragraphs(lines))
            .items
            .into_iter()
            .map(|s| (s.number, s.category, s.text, s.in_problem_or_plan))
            .collect()
    }

    #[test]
    fn headings_give_categories_and_numbering_restarts_under_each() {
        let got = summary(&[
            "一、民生保障类",
            "1.发放补贴。已完成。",
            "2.新增床位。完成60%。",
            "二、社会事业类项目",
            "1.新建幼儿园。完成80%。",
        ]);
        assert_eq!(
            got,
            vec![
                (
                    1,
                    Some("民生保障类".into()),
                    "发放补贴。已完成。".into(),
                    false
                ),
                (
                    2,
                    Some("民生保障类".into()),
                    "新增床位。完成60%。".into(),
                    false
                ),
                (
                    1,
                    Some("社会事业类项目".into()),
                    "新建幼儿园。完成80%。".into(),
                    false
                ),
            ]
        );
    }

    #[test]
    fn a_short_enumerated_line_without_lower_items_is_an_item() {
        let got = summary(&["1.城区公厕改造提升", "2.新建幼儿园"]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, None);
    }

    #[test]
    fn a_short_line_naming_a_section_is_a_heading_and_its_paragraph_no_item() {
        let got = summary(&[
            "一、总体推进情况",
            "截至9月底，总体完成率达78%。",
            "二、分项推进情况",
            "（一）教育类",
            "1.新建幼儿园。完成80%。",
        ]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1.as_deref(), Some("教育类"));
    }

    #[test]
    fn a_section_heading_is_no_category() {
        let got = summary(&[
            "一、民生实事项目推进情况",
            "1.新建幼儿园。完成80%。",
            "二、民生保障类",
            "（一）进展情况",
            "1.发放补贴。已完成。",
        ]);
        assert_eq!(got[0].1, None);
        assert_eq!(got[1].1.as_deref(), Some("民生保障类"));
    }

    #[test]
    fn a_problem_heading_ending_in_a_full_stop_is_a_heading() {
        let got = summary(&["二、存在的主要问题。", "1.资金到位慢，完成率仅40%。"]);
        assert!(got[0].3);
    }

    #[test]
    fn numbered_field_sub_items_belong_to_the_project_above_them() {
        let got = segment(&paragraphs(&[
            "一、教育优质均衡工程",
            "（一）目标任务：新建中小学校3所。",
            "（二）进展情况：完成投资1.8亿元，占年度计划的72%。",
            "（三）牵头单位：县教育局",
            "二、养老服务提升工程",
            "（一）目标任务：新建居家养老服务中心4家。",
            "（二）进展情况：已全部建成并投入运营。",
        ]));
        let items: Vec<(i64, &str, usize)> = got
            .items
            .iter()
            .map(|s| (s.number, s.text.as_str(), s.continuation.len()))
            .collect();
        assert_eq!(
            items,
            vec![(1, "教育优质均衡工程", 3), (2, "养老服务提升工程", 2)]
        );
        assert_eq!(
            got.items[1].continuation[1],
            "进展情况：已全部建成并投入运营。"
        );
    }

    #[test]
    fn a_heading_lead_unit_goes_to_the_items_under_it() {
        let got = segment(&paragraphs(&[
            "一、教育提质（牵头单位：县教育局）",
            "1.新建幼儿园。完成80%。",
            "二、健康保障",
            "1.新建卫生室。完成60%。",
        ]));
        assert_eq!(got.items[0].category.as_deref(), Some("教育提质"));
        assert_eq!(got.items[0].heading_lead_unit.as_deref(), Some("县教育局"));
        assert_eq!(got.items[1].heading_lead_unit, None);
    }

    #[test]
    fn a_short_line_with_a_colon_inside_is_no_heading() {
        let got = summary(&["（一）进展情况：已全部建成", "1.新建幼儿园。完成80%。"]);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn a_labelled_progress_line_continues_the_item() {
        let got = segment(&paragraphs(&["1.新建幼儿园3所。", "进展情况：完成率60%"]));
        assert_eq!(
            got.items[0].continuation,
            vec!["进展情况：完成率60%".to_string()]
        );
    }

    #[test]
    fn the_nearest_of_two_heading_levels_is_the_category() {
        let got = summary(&[
            "一、项目推进情况",
            "（一）教育类",
            "1.新建幼儿园。完成80%。",
            "（二）卫生类",
            "1.建设卫生室。完成50%。",
        ]);
        assert_eq!(got[0].1.as_deref(), Some("教育类"));
        assert_eq!(got[1].1.as_deref(), Some("卫生类"));
    }

    #[test]
    fn items_under_problem_and_plan_headings_are_marked() {
        let got = summary(&[
            "一、推进情况",
            "1.新建幼儿园。完成80%。",
            "二、存在问题",
            "1.资金到位慢。",
            "三、下一步工作打算",
            "1.加快推进，确保年底前全面完成。",
        ]);
        let marks: Vec<bool> = got.iter().map(|g| g.3).collect();
        assert_eq!(marks, vec![false, true, true]);
    }

    #[test]
    fn an_unenumerated_plan_line_marks_the_items_after_it() {
        let got = summary(&[
            "1.新建幼儿园。完成80%。",
            "2.建设卫生室。完成50%。",
            "下一步，我们将重点做好以下工作：",
            "1.加快推进，确保年底前全面完成。",
        ]);
        let marks: Vec<bool> = got.iter().map(|g| g.3).collect();
        assert_eq!(marks, vec![false, false, true]);
    }

    #[test]
    fn a_prose_paragraph_after_an_item_continues_it_and_chrome_ends_it() {
        let got = segment(&paragraphs(&[
            "1.新建改扩建幼儿园3所。",
            "目前已完成主体工程，完成年度计划的60%。",
            "（牵头单位：县教育局）",
            "县发展和改革局",
            "这一段不再属于任何项目。",
            "2.改造公厕10座。",
            "发布日期：2024-07-10",
            "主办单位：某县人民政府办公室，地址：某路1号",
        ]));
        assert_eq!(
            got.items[0].continuation,
            vec![
                "目前已完成主体工程，完成年度计划的60%。".to_string(),
                "（牵头单位：县教育局）".to_string()
            ]
        );
        assert!(got.items[1].continuation.is_empty());
    }

    #[test]
    fn a_summary_paragraph_is_not_the_last_item() {
        let got = segment(&paragraphs(&[
            "1.新建幼儿园。完成80%。",
            "总体来看，各项目推进顺利，总体完成率达85%。",
        ]));
        assert!(got.items[0].continuation.is_empty());
    }

    #[test]
    fn a_plan_paragraph_is_not_the_last_item() {
        let got = segment(&paragraphs(&[
            "四是示范乡镇创建。已全面完成。",
            "下一步，县交通运输局将加快推进项目建设，确保按期完成年度目标任务。",
        ]));
        assert!(got.items[0].continuation.is_empty());
    }

    #[test]
    fn an_article_rendered_twice_gives_its_items_once() {
        let copy = [
            "某县2024年民生实事进展情况",
            "一、教育类",
            "1.新建幼儿园。完成80%。",
            "2.改造校舍。完成60%。",
        ];
        let mut lines = copy.to_vec();
        lines.push("发布日期：2024-07-10");
        lines.extend(copy);
        let got = segment(&paragraphs(&lines));
        assert_eq!(got.items.len(), 2);
        assert_eq!(got.duplicates_dropped, 2);
    }

    #[test]
    fn the_same_text_under_another_heading_is_not_a_duplicate() {
        let got = segment(&paragraphs(&[
            "一、城区",
            "1.改造公厕。已完成。",
            "二、乡镇",
            "1.改造公厕。已完成。",
        ]));
        assert_eq!((got.items.len(), got.duplicates_dropped), (2, 0));
    }

    #[test]
    fn unenumerated_category_lines_are_headings() {
        let got = summary(&[
            "民生保障类",
            "1.发放补贴。已完成。",
            "教育领域",
            "1.新建幼儿园。完成80%。",
        ]);
        assert_eq!(got[0].1.as_deref(), Some("民生保障类"));
        assert_eq!(got[1].1.as_deref(), Some("教育领域"));
    }
}
