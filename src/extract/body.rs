//! The page's text as a reader sees it, one paragraph a line: what the prose reader
//! (`crate::prose`) segments into items when a page has no progress table.
//!
//! - Boundaries: every block element (`<p>`, `<div>`, `<br>`, `<li>`, headings, table cells
//!   and rows…, see `text::is_block_element`) ends a paragraph; inline elements (`<span>`,
//!   `<b>`, Word's `<o:p>`) do not, so `<span>1.</span><span>新建…</span>` is one paragraph.
//! - Whitespace follows DESIGN "Normalization rules" through `text::collapse_whitespace`:
//!   `&nbsp;`, U+3000 and whitespace runs are one space, trimmed; a source line break between
//!   two CJK characters is removed (Word and TRS editors hard-wrap long lines:
//!   `完成年度\n计划的60%` is `完成年度计划的60%`).
//! - Not text: `<script>`, `<style>`, `<template>`, `<noscript>`, `<head>` (as everywhere in
//!   extract), and what a reader cannot see or read as text: elements with a `hidden`
//!   attribute or an inline `display:none` / `visibility:hidden` style (Hanweb and TRS
//!   templates ship hidden mobile copies and share panels), and `<select>`, `<iframe>`,
//!   `<svg>`, `<object>`, `<canvas>` (drop-down link lists, embeds).
//! - An item of a numbered list (`<ol>`, decimal) starts with its number as a browser shows
//!   it (`1.`, from `start`): editors such as UEditor write numbered report items that way.
//! - Empty paragraphs (`<p>&nbsp;</p>`) are left out. Nothing else is dropped: page chrome
//!   (menus, metadata lines, footers) stays, and the prose reader tells it from items.
//!
//! (The example is the test `module_example` at the end of this file.)

use super::dom::{Document, Edge, Element, NodeData, NodeId};
use super::text;
use html5ever::{local_name, LocalName};

/// The paragraphs of `html`'s body text, in document order.
#[cfg(test)]
pub fn paragraphs(html: &str) -> Vec<String> {
    paragraphs_of(&Document::parse(html))
}

/// The paragraphs of an already parsed document (see [`paragraphs`]).
pub fn paragraphs_of(doc: &Document) -> Vec<String> {
    let Some(root) = doc.root_element() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut raw = String::new();
    let mut hidden_depth = 0usize;
    // Open numbered lists: the list element and the number of its next item.
    let mut lists: Vec<(NodeId, i64)> = Vec::new();
    // The number of a list item, written before the item's first text (`<li><p>…</p></li>`).
    let mut number: Option<i64> = None;
    for edge in doc.traverse(root) {
        match edge {
            Edge::Open(node) => match doc.data(node) {
                NodeData::Element(el) => {
                    if hidden_depth > 0 || is_unseen(el) {
                        hidden_depth += 1;
                    } else if text::is_block_element(el.name()) {
                        flush(&mut raw, &mut out);
                        if let Some(start) = numbered_list_start(el) {
                            lists.push((node, start));
                        } else if *el.name() == local_name!("li") {
                            let parent = doc.parent(node);
                            if let Some((list, next)) = lists.last_mut() {
                                if Some(*list) == parent {
                                    number = Some(*next);
                                    *next += 1;
                                }
                            }
                        }
                    }
                }
                NodeData::Text(t) if hidden_depth == 0 => {
                    if !t.trim().is_empty() {
                        if let Some(n) = number.take() {
                            raw.push_str(&format!("{n}."));
                        }
                    }
                    text::push_raw(&mut raw, t);
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let Some(el) = doc.element(node) {
                    if hidden_depth > 0 {
                        hidden_depth -= 1;
                    } else if text::is_block_element(el.name()) {
                        flush(&mut raw, &mut out);
                        if lists.last().is_some_and(|(list, _)| *list == node) {
                            lists.pop();
                        }
                        if matches!(*el.name(), local_name!("li") | local_name!("ol")) {
                            number = None; // an item without text gives no number to others
                        }
                    }
                }
            }
        }
    }
    flush(&mut raw, &mut out);
    out
}

/// The first number of an `<ol>` that a browser numbers with decimals (no `type`, or
/// `type="1"`): its `start`, else 1. Lettered and roman lists are left as they are.
fn numbered_list_start(el: &Element) -> Option<i64> {
    if *el.name() != local_name!("ol") {
        return None;
    }
    if el
        .attr(&local_name!("type"))
        .is_some_and(|t| t.trim() != "1")
    {
        return None;
    }
    Some(
        el.attr(&local_name!("start"))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1),
    )
}

/// Ends the current paragraph: its whitespace collapsed, kept when not empty.
fn flush(raw: &mut String, out: &mut Vec<String>) {
    if raw.is_empty() {
        return;
    }
    let paragraph = text::collapse_whitespace(raw);
    raw.clear();
    if !paragraph.is_empty() {
        out.push(paragraph);
    }
}

/// An element whose content a reader does not see as page text.
fn is_unseen(el: &Element) -> bool {
    let name = el.name();
    if text::is_hidden_element(name) || is_embed(name) {
        return true;
    }
    if el.attr(&local_name!("hidden")).is_some() {
        return true;
    }
    el.attr(&local_name!("style")).is_some_and(|style| {
        let squeezed: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        squeezed.contains("display:none") || squeezed.contains("visibility:hidden")
    })
}

fn is_embed(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("select")
            | local_name!("iframe")
            | local_name!("svg")
            | local_name!("object")
            | local_name!("canvas")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(inner: &str) -> Vec<String> {
        paragraphs(&format!("<html><body>{inner}</body></html>"))
    }

    #[test]
    fn block_elements_and_br_separate_paragraphs() {
        assert_eq!(
            body("<div>一、教育类</div><p>1.甲<br>2.乙</p><ul><li>3.丙</li></ul><h3>二、卫生</h3>"),
            ["一、教育类", "1.甲", "2.乙", "3.丙", "二、卫生"]
        );
    }

    #[test]
    fn table_cells_are_paragraphs() {
        assert_eq!(
            body("<table><tr><td>序号</td><td>项目</td></tr></table>"),
            ["序号", "项目"]
        );
    }

    #[test]
    fn inline_elements_stay_in_their_paragraph() {
        assert_eq!(
            body("<p class=MsoNormal><span lang=EN-US>1.</span><b>新建</b>幼儿园<o:p></o:p></p>"),
            ["1.新建幼儿园"]
        );
    }

    #[test]
    fn word_hard_wraps_between_cjk_are_removed_and_others_are_one_space() {
        assert_eq!(
            body("<p>完成年度\n   计划的60%，HPV\n疫苗</p>"),
            ["完成年度计划的60%，HPV 疫苗"]
        );
    }

    #[test]
    fn nbsp_and_ideographic_space_collapse_and_empty_paragraphs_go() {
        assert_eq!(
            body("<p>&nbsp;</p><p>\u{3000}\u{3000}1.新建&nbsp;&nbsp;幼儿园</p><p> </p>"),
            ["1.新建 幼儿园"]
        );
    }

    #[test]
    fn scripts_styles_and_hidden_chrome_are_skipped() {
        assert_eq!(
            body(
                "<script>var a='1.甲';</script><style>p{}</style><p>可见</p>\
                 <div hidden>隐藏一</div><div style='DISPLAY: none'>隐藏二</div>\
                 <span style='visibility:hidden'>隐藏三</span>\
                 <select><option>友情链接</option></select><iframe>框架</iframe><p>尾</p>"
            ),
            ["可见", "尾"]
        );
    }

    #[test]
    fn numbered_list_items_carry_the_number_a_browser_shows() {
        assert_eq!(
            body(
                "<ol><li>新建幼儿园</li><li>改造公厕<ol start=3><li>城区</li></ol></li></ol>\
                 <ol type=a><li>甲</li></ol><ul><li>首页</li></ul>"
            ),
            ["1.新建幼儿园", "2.改造公厕", "3.城区", "甲", "首页"]
        );
        assert_eq!(
            body("<ol><li><p>\n</p><p>新建幼儿园</p></li><li>\n<span>改造</span>公厕</li></ol>"),
            ["1.新建幼儿园", "2.改造公厕"]
        );
        assert_eq!(body("<ol><li> </li></ol><p>尾</p>"), ["尾"]);
    }

    #[test]
    fn a_page_without_markup_is_one_paragraph() {
        assert_eq!(paragraphs("1.新建幼儿园"), ["1.新建幼儿园"]);
        assert!(paragraphs("").is_empty());
    }
}

#[cfg(test)]
mod module_example {
    #[test]
    fn module_example() {
        let paragraphs = crate::extract::body::paragraphs(
            "<html><body><div class=nav>首页</div><p>一、教育类</p>\
             <p><span>1.</span>新建幼儿园3所。完成年度\n计划的60%。<br>（牵头单位：县教育局）</p>\
             <p style='display: none'>手机版</p></body></html>",
        );
        assert_eq!(
            paragraphs,
            [
                "首页",
                "一、教育类",
                "1.新建幼儿园3所。完成年度计划的60%。",
                "（牵头单位：县教育局）"
            ]
        );
    }
}
