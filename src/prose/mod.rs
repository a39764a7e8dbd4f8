//! Prose: progress items from a report written as numbered paragraphs. Pure: text in, items
//! out; no network, no disk.
//!
//! Most county progress reports are prose, not tables (DESIGN "Prose reports"):
//!
//! ```text
//! 一、教育类
//! 1.新建改扩建幼儿园3所。目前已完成主体工程，完成年度计划的60%。（牵头单位：县教育局）
//! ```
//!
//! When a page (or a Word attachment's body) has no progress table, its paragraphs — one line
//! of page text as a reader sees it, see `extract::body::paragraphs` — are read here:
//!
//! 1. `segment.rs` cuts them into items by their enumerators (`enumerator.rs`), gives each
//!    the nearest category heading as category, joins continuation paragraphs, marks items
//!    under problem or plan headings, and drops an article's second rendering (what each
//!    kind of line looks like — heading, section, plan, chrome, label — is `lines.rs`);
//! 2. `grammar.rs` reads each item's completion signal: a completion percentage (not growth,
//!    coverage or share), or completion words for the whole item (→ 100);
//! 3. `fields.rs` reads content (the first sentence), progress_note (the rest) and lead_unit.
//!
//! Precision first: an item is read only with a progress signal (a completion percentage or
//! whole-item completion words), never from a problem or plan section, never with two
//! different completion percentages; and a text gives items only when at least
//! [`MIN_ITEMS`] qualify — fewer, and the outcome says why it gave none. Better a missed item
//! than an invented one.
//!
//! [`completion`] is public on its own: a table with no completion column takes its
//! completion from the progress-note cell by the same grammar (DESIGN "Numbers").
//! `fixtures/prose/` holds hand-checked pages; `corpus_tests.rs` compares every field.
//!
//! (The example is the test `module_example` at the end of this file.)

mod enumerator;
mod fields;
pub mod grammar;
mod lines;
mod segment;

#[cfg(test)]
mod corpus_tests;

pub use grammar::{completion, Completion};

use serde::Serialize;
use std::fmt;

/// The fewest qualifying items for a text to give any.
pub const MIN_ITEMS: usize = 3;

/// How many characters of a rejected item's text are kept in [`Rejected::text`].
pub const REJECTED_TEXT_CHARS: usize = 30;

/// One progress item read from prose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProseItem {
    /// The item's number as written (`（三）` → 3, `②` → 2, `二是` → 2); numbering restarts
    /// under each heading.
    pub seq: i64,
    /// The nearest heading above the item, without its enumerator.
    pub category: Option<String>,
    /// The item's first sentence, without enumerator and lead-unit bracket.
    pub content: String,
    /// The completion percentage, 100 for whole-item completion words. Always set on items
    /// [`read`] returns (an item without a signal is rejected); optional because the record's
    /// column is.
    pub completion_pct: Option<f64>,
    /// The rest of the item.
    pub progress_note: Option<String>,
    /// `（牵头单位：X）`, `（责任单位：X）`, `由X牵头` in the item, else the lead-unit bracket
    /// of the heading above it.
    pub lead_unit: Option<String>,
}

/// Why an item gave no record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// No completion percentage and no whole-item completion words.
    NoProgressSignal,
    /// Two different completion percentages, or a range.
    AmbiguousPercentage,
    /// The item stands under a heading about problems or plans.
    ProblemOrPlanSection,
    /// Nothing is left for content once the enumerator and lead-unit bracket are removed
    /// (`1.（牵头单位：县教育局）`).
    NoContent,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RejectReason::NoProgressSignal => "no progress signal",
            RejectReason::AmbiguousPercentage => "ambiguous percentage",
            RejectReason::ProblemOrPlanSection => "in a problem or plan section",
            RejectReason::NoContent => "no content",
        })
    }
}

/// An item that gave no record, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// The item's first paragraph as written, cut to [`REJECTED_TEXT_CHARS`] characters
    /// (with `…` when cut).
    pub text: String,
    pub reason: RejectReason,
}

/// What the text gave, as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// At least [`MIN_ITEMS`] items qualified; all of them are in [`ProseOutcome::items`].
    Read { items: usize },
    /// The text has no numbered items.
    NoItems,
    /// Fewer than [`MIN_ITEMS`] items qualified: none is given.
    TooFew { qualifying: usize },
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Read { items } => write!(f, "{items} items read from prose"),
            Verdict::NoItems => write!(f, "no numbered items in the text"),
            Verdict::TooFew { qualifying } => write!(
                f,
                "{qualifying} {} with a progress signal, {MIN_ITEMS} needed",
                if *qualifying == 1 { "item" } else { "items" }
            ),
        }
    }
}

/// Everything [`read`] found in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProseOutcome {
    /// The qualifying items in text order; empty unless the verdict is `Read`.
    pub items: Vec<ProseItem>,
    /// How many items the text holds (headings and repeated items not counted).
    pub considered: usize,
    /// The items that did not qualify, in text order.
    pub rejected: Vec<Rejected>,
    /// Items dropped because an earlier rendering of the article had them.
    pub duplicates_dropped: usize,
    pub verdict: Verdict,
}

/// Reads progress items from `paragraphs`, each one line of page text as a reader sees it.
pub fn read(paragraphs: &[String]) -> ProseOutcome {
    let segmented = segment::segment(paragraphs);
    let considered = segmented.items.len();
    let mut items = Vec::new();
    let mut rejected = Vec::new();
    for segment in segmented.items {
        let fields = fields::read(&segment.text, &segment.continuation);
        let signal = completion(&fields.full_text);
        let reason = if segment.in_problem_or_plan {
            Some(RejectReason::ProblemOrPlanSection)
        } else if fields.content.is_empty() {
            Some(RejectReason::NoContent)
        } else {
            match signal {
                Completion::Ambiguous { .. } => Some(RejectReason::AmbiguousPercentage),
                Completion::None => Some(RejectReason::NoProgressSignal),
                Completion::Percent(_) | Completion::Words => None,
            }
        };
        match reason {
            Some(reason) => rejected.push(Rejected {
                text: shorten(&segment.first),
                reason,
            }),
            None => items.push(ProseItem {
                seq: segment.number,
                category: segment.category,
                content: fields.content,
                completion_pct: signal.value(),
                progress_note: fields.progress_note,
                lead_unit: fields.lead_unit.or(segment.heading_lead_unit),
            }),
        }
    }
    let verdict = if considered == 0 {
        Verdict::NoItems
    } else if items.len() < MIN_ITEMS {
        Verdict::TooFew {
            qualifying: items.len(),
        }
    } else {
        Verdict::Read { items: items.len() }
    };
    if !matches!(verdict, Verdict::Read { .. }) {
        items.clear();
    }
    ProseOutcome {
        items,
        considered,
        rejected,
        duplicates_dropped: segmented.duplicates_dropped,
        verdict,
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(REJECTED_TEXT_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn two_qualifying_items_give_none_and_say_why() {
        let outcome = read(&lines(&[
            "1.新建幼儿园。完成80%。",
            "2.改造校舍。已全部完成。",
            "3.开展培训。正在推进。",
        ]));
        assert!(outcome.items.is_empty());
        assert_eq!(outcome.verdict, Verdict::TooFew { qualifying: 2 });
        assert_eq!(
            outcome.verdict.to_string(),
            "2 items with a progress signal, 3 needed"
        );
        assert_eq!(outcome.considered, 3);
        assert_eq!(
            outcome.rejected,
            vec![Rejected {
                text: "3.开展培训。正在推进。".into(),
                reason: RejectReason::NoProgressSignal
            }]
        );
    }

    #[test]
    fn a_text_without_numbered_items_says_so() {
        let outcome = read(&lines(&["各乡镇、各部门：", "现将有关事项通知如下。"]));
        assert_eq!(outcome.verdict, Verdict::NoItems);
        assert_eq!(outcome.verdict.to_string(), "no numbered items in the text");
    }

    #[test]
    fn an_ambiguous_item_is_rejected_with_that_reason() {
        let outcome = read(&lines(&[
            "1.新建幼儿园。完成80%。",
            "2.改造校舍。已全部完成。",
            "3.建设公路。城区段完成80%，乡镇段完成50%。",
            "4.建设公园。完成率90%。",
        ]));
        assert_eq!(outcome.verdict, Verdict::Read { items: 3 });
        assert_eq!(
            outcome.rejected[0].reason,
            RejectReason::AmbiguousPercentage
        );
    }

    #[test]
    fn an_item_without_content_is_rejected() {
        let outcome = read(&lines(&[
            "1.（牵头单位：县教育局）",
            "完成率80%。",
            "2.改造校舍。已全部完成。",
        ]));
        assert_eq!(outcome.rejected[0].reason, RejectReason::NoContent);
    }

    #[test]
    fn rejected_text_is_shortened() {
        let long = "1.".to_string() + &"长".repeat(40);
        assert_eq!(shorten(&long), format!("1.{}…", "长".repeat(28)));
    }
}

#[cfg(test)]
mod module_example {
    #[test]
    fn module_example() {
        use crate::prose::{read, Verdict};
        let text: Vec<String> = [
            "一、教育类",
            "1.新建幼儿园3所。目前已完成主体工程，完成年度计划的60%。（牵头单位：县教育局）",
            "2.改造校舍5处。已全部完成。",
            "二、卫生类",
            "1.新建村卫生室20个。完成率达85%，同比增长12%。",
            "2.开展免费体检。正在推进。",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let outcome = read(&text);
        assert_eq!(outcome.verdict, Verdict::Read { items: 3 });
        let first = &outcome.items[0];
        assert_eq!(first.category.as_deref(), Some("教育类"));
        assert_eq!(first.content, "新建幼儿园3所。");
        assert_eq!(first.completion_pct, Some(60.0));
        assert_eq!(first.lead_unit.as_deref(), Some("县教育局"));
        assert_eq!(outcome.items[2].completion_pct, Some(85.0));
        assert_eq!(outcome.rejected.len(), 1);
    }
}
