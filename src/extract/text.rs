//! The text of an element, with whitespace normalized the way a reader sees it.
//!
//! - `&nbsp;`, U+3000 and every whitespace run collapse to one space, trimmed at the ends;
//! - `<br>` and block boundaries (`<p>`, `<div>`, cells, rows…) count as whitespace, even
//!   between two Chinese characters (two paragraphs in a cell stay apart);
//! - a run of *source* whitespace that contains a line break between two CJK characters is
//!   removed entirely: Word and TRS editors hard-wrap long lines in their HTML
//!   (`示范\n      食堂` is `示范食堂`). This is the CSS Text segment-break rule;
//! - zero-width spaces and stray BOMs are dropped;
//! - `<script>`, `<style>`, `<template>` and `<noscript>` contribute nothing.

use super::dom::{Document, Edge, NodeData, NodeId};
use html5ever::{local_name, LocalName};

/// Marks a `<br>` or block boundary in the raw text until whitespace is collapsed.
const HARD_BREAK: char = '\u{1}';

/// Elements whose content is not page text.
pub fn is_hidden_element(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("script")
            | local_name!("style")
            | local_name!("template")
            | local_name!("noscript")
            | local_name!("head")
    )
}

/// Elements whose boundaries separate words.
pub fn is_block_element(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("p")
            | local_name!("div")
            | local_name!("br")
            | local_name!("li")
            | local_name!("ul")
            | local_name!("ol")
            | local_name!("tr")
            | local_name!("td")
            | local_name!("th")
            | local_name!("table")
            | local_name!("thead")
            | local_name!("tbody")
            | local_name!("tfoot")
            | local_name!("caption")
            | local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6")
            | local_name!("section")
            | local_name!("article")
            | local_name!("header")
            | local_name!("footer")
            | local_name!("nav")
            | local_name!("blockquote")
            | local_name!("dl")
            | local_name!("dt")
            | local_name!("dd")
            | local_name!("hr")
            | local_name!("pre")
            | local_name!("form")
            | local_name!("center")
    )
}

/// The normalized text of the element `id` and everything inside it.
pub fn element_text(doc: &Document, id: NodeId) -> String {
    text_of(doc, id, false, &mut String::new()).0
}

/// The normalized text of a table cell, without the text of tables nested in it (they are
/// tables of their own), and whether it holds such a table (a layout frame). `scratch` is
/// room for the raw text, reused from cell to cell.
pub fn cell_text(doc: &Document, id: NodeId, scratch: &mut String) -> (String, bool) {
    text_of(doc, id, true, scratch)
}

/// Collects the text inside `element` in one walk that steps over hidden subtrees (and, with
/// `skip_tables`, nested tables) instead of walking through them: a cell's text costs its own
/// content only, so the cells of 100,000 nested tables cost as much as one pass over the page
/// (walking through them made the text of every cell re-read every table inside it: 6 min).
fn text_of(doc: &Document, element: NodeId, skip_tables: bool, raw: &mut String) -> (String, bool) {
    // Most cells hold one text node and nothing else: collapse it where it lies.
    let mut children = doc.children(element);
    if let (Some(only), None) = (children.next(), children.next()) {
        if let NodeData::Text(text) = doc.data(only) {
            return (collapse_source_text(text), false);
        }
    }
    raw.clear();
    let mut holds_table = false;
    let hides = |name: &LocalName| {
        is_hidden_element(name) || (skip_tables && *name == local_name!("table"))
    };
    let mut walk = doc.traverse(element);
    while let Some(edge) = walk.next() {
        match edge {
            Edge::Open(node) => match doc.data(node) {
                NodeData::Element(el) if node != element => {
                    let name = el.name();
                    if hides(name) {
                        if *name == local_name!("table") {
                            holds_table = true;
                            raw.push(HARD_BREAK);
                        }
                        walk.skip_inside(node);
                    } else if is_block_element(name) {
                        raw.push(HARD_BREAK);
                    }
                }
                NodeData::Text(text) => push_raw(raw, text),
                _ => {}
            },
            Edge::Close(node) => {
                if node == element {
                    continue;
                }
                if let NodeData::Element(el) = doc.data(node) {
                    let name = el.name();
                    if !hides(name) && is_block_element(name) {
                        raw.push(HARD_BREAK);
                    }
                }
            }
        }
    }
    (collapse_whitespace(raw), holds_table)
}

/// Appends source text, keeping the hard-break marker out of it.
pub fn push_raw(raw: &mut String, text: &str) {
    if text.contains(HARD_BREAK) {
        raw.push_str(&text.replace(HARD_BREAK, " "));
    } else {
        raw.push_str(text);
    }
}

/// Appends a `<br>`/block boundary.
pub fn push_break(raw: &mut String) {
    raw.push(HARD_BREAK);
}

fn is_space(c: char) -> bool {
    c == HARD_BREAK || c.is_whitespace()
}

fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// East Asian wide characters, as the CSS segment-break rule counts them: CJK ideographs
/// (all planes), CJK and full-width punctuation, kana, and full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF
        | 0x3000..=0x303F
        | 0x3040..=0x30FF
        | 0x3100..=0x31BF
        | 0x31F0..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

/// Bytes that may start a space or a zero-width character: ASCII controls and space (and
/// the hard-break marker), and the lead bytes of U+0085/U+00A0 (0xC2), U+1680 (0xE1),
/// U+2000–U+2060 (0xE2), U+3000 (0xE3) and U+FEFF (0xEF). Every other byte, including all
/// of a Chinese character's, is copied without being decoded.
static MAY_BE_SPACE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b <= 0x20 {
        table[b] = true;
        b += 1;
    }
    table[0xC2] = true;
    table[0xE1] = true;
    table[0xE2] = true;
    table[0xE3] = true;
    table[0xEF] = true;
    table
};

/// Collapses whitespace runs as described in the module documentation.
///
/// Text between spaces is copied a run at a time, and only bytes that may start a space
/// (see `MAY_BE_SPACE`) are decoded: cell and line texts are mostly Chinese, which the
/// character-by-character rule decoded and classified one character at a time.
pub fn collapse_whitespace(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut pending: Option<(bool, bool)> = None; // (has hard break, has line break)
    let mut prev: Option<char> = None; // the last character written
    let mut run_start: Option<usize> = None;
    let mut at = 0;
    while at < bytes.len() {
        if run_start.is_some() {
            // Inside a run: on to the next byte that may start a space. Such a byte is never
            // a continuation byte, so `at` stays on a character boundary.
            match bytes[at..]
                .iter()
                .position(|&b| MAY_BE_SPACE[usize::from(b)])
            {
                Some(skip) => at += skip,
                None => break,
            }
        }
        let Some(c) = raw.get(at..).and_then(|rest| rest.chars().next()) else {
            break; // not reached: `at` is a boundary inside `raw`
        };
        let space = is_space(c);
        if space || is_zero_width(c) {
            if let Some(start) = run_start.take() {
                let run = &raw[start..at];
                out.push_str(run);
                prev = run.chars().next_back();
            }
            if space {
                let (hard, newline) = pending.unwrap_or((false, false));
                pending = Some((hard || c == HARD_BREAK, newline || c == '\n' || c == '\r'));
            }
        } else if run_start.is_none() {
            if let (Some((hard, newline)), Some(p)) = (pending.take(), prev) {
                let joined = !hard && newline && is_cjk(p) && is_cjk(c);
                if !joined {
                    out.push(' ');
                }
            }
            run_start = Some(at);
        }
        at += c.len_utf8();
    }
    if let Some(start) = run_start {
        out.push_str(&raw[start..]);
    }
    out
}

/// Collapses whitespace in text taken from the source as it is, where a stray U+0001 is an
/// ordinary space and not the hard-break marker (as [`push_raw`] then [`collapse_whitespace`]).
pub fn collapse_source_text(text: &str) -> String {
    if text.contains(HARD_BREAK) {
        collapse_whitespace(&text.replace(HARD_BREAK, " "))
    } else {
        collapse_whitespace(text)
    }
}

/// Collapses whitespace in plain text (no markup, so no hard breaks).
pub fn normalize_space(text: &str) -> String {
    collapse_whitespace(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the first `<td>` of `html`.
    fn cell_text(html: &str) -> String {
        let doc = Document::parse(html);
        let root = doc.root_element().unwrap();
        let td = doc
            .descendants(root)
            .find(|&id| {
                doc.element(id)
                    .is_some_and(|el| *el.name() == local_name!("td"))
            })
            .unwrap();
        element_text(&doc, td)
    }

    #[test]
    fn nbsp_and_ideographic_space_collapse() {
        assert_eq!(
            cell_text("<table><tr><td>&nbsp; 县总工会\u{3000}\u{3000} &nbsp;</td></tr></table>"),
            "县总工会"
        );
    }

    #[test]
    fn source_line_break_between_cjk_is_removed() {
        assert_eq!(
            cell_text("<table><tr><td>实施中小学校“示范\n      食堂”建设行动</td></tr></table>"),
            "实施中小学校“示范食堂”建设行动"
        );
    }

    #[test]
    fn source_line_break_between_cjk_and_latin_is_one_space() {
        assert_eq!(
            cell_text("<table><tr><td>接种二价HPV\n疫苗</td></tr></table>"),
            "接种二价HPV 疫苗"
        );
    }

    #[test]
    fn paragraph_and_br_boundaries_are_spaces_even_between_cjk() {
        assert_eq!(
            cell_text("<table><tr><td><p>省政府十大</p><p>民生实事名称</p></td></tr></table>"),
            "省政府十大 民生实事名称"
        );
        assert_eq!(
            cell_text("<table><tr><td>完成<br>验收</td></tr></table>"),
            "完成 验收"
        );
    }

    /// The rule of the module documentation, one character at a time.
    fn collapse_by_character(raw: &str) -> String {
        let mut out = String::new();
        let mut pending: Option<(bool, bool)> = None;
        let mut prev: Option<char> = None;
        for c in raw.chars().filter(|&c| !is_zero_width(c)) {
            if is_space(c) {
                let (hard, newline) = pending.unwrap_or((false, false));
                pending = Some((hard || c == HARD_BREAK, newline || c == '\n' || c == '\r'));
                continue;
            }
            if let (Some((hard, newline)), Some(p)) = (pending.take(), prev) {
                if hard || !newline || !is_cjk(p) || !is_cjk(c) {
                    out.push(' ');
                }
            }
            out.push(c);
            prev = Some(c);
        }
        out
    }

    #[test]
    fn collapsing_copies_runs_exactly_as_the_character_rule_says() {
        for raw in [
            "",
            " ",
            "\u{1}",
            "a",
            "  县总工会\u{3000}\u{3000} \u{a0}",
            "示范\n      食堂",
            "示范\u{1}\n食堂",
            "HPV\n疫苗",
            "完成\u{200B}验收",
            "完成\u{200B} \u{200B}\n验收",
            "\u{FEFF}\u{FEFF}",
            " \u{FEFF} 备注：x\r\n\ty ",
            "a\u{200D}\u{1}b",
            "“示范”\n\u{3000}「食堂」、。",
            "a\u{0B}b\u{85}c\u{1680}d\u{2028}e\u{2029}f\u{202F}g\u{205F}h\u{3000}",
            "\u{7}控\u{0}制\u{7F}符",
            "é\u{a0}ü\u{2060}\u{2061}€\u{FF01}\u{FEFF}\u{FFFD}",
            "😀\n😀 表\r\n格",
            "\n\n  \u{200B}",
        ] {
            assert_eq!(
                collapse_whitespace(raw),
                collapse_by_character(raw),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn a_stray_u0001_in_the_source_is_a_space_not_a_break() {
        // Alone in its cell (collapsed where it lies) and beside other markup (copied first).
        assert_eq!(
            cell_text("<table><tr><td>示范\u{1}\n食堂</td></tr></table>"),
            "示范食堂"
        );
        assert_eq!(
            cell_text("<table><tr><td><b>示范\u{1}\n食堂</b></td></tr></table>"),
            "示范食堂"
        );
    }

    #[test]
    fn collapsing_agrees_with_the_character_rule_on_mixed_strings() {
        let alphabet: Vec<char> =
            "a 示范\n\r\t\u{1}\u{3000}\u{a0}\u{200B}\u{FEFF}“」é😀\u{2028}\u{85}\u{7}"
                .chars()
                .collect();
        let mut state = 0x2545_f491_4f6c_dd1du64; // a fixed xorshift sequence
        for _ in 0..5000 {
            let mut raw = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for i in 0..(state % 12) {
                let pick = (state >> (4 * i)) as usize % alphabet.len();
                raw.push(alphabet[pick]);
            }
            assert_eq!(
                collapse_whitespace(&raw),
                collapse_by_character(&raw),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn plain_space_between_cjk_is_kept() {
        assert_eq!(normalize_space("张  三"), "张 三");
    }

    #[test]
    fn scripts_contribute_no_text() {
        assert_eq!(
            cell_text("<table><tr><td>80%<script>var a = 1;</script></td></tr></table>"),
            "80%"
        );
    }

    #[test]
    fn word_markup_leaves_only_text() {
        assert_eq!(
            cell_text(
                r#"<table><tr><td><p class="MsoNormal"><span lang="EN-US">20%<o:p></o:p></span></p></td></tr></table>"#
            ),
            "20%"
        );
    }
}
