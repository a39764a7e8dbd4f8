//! Numbers as county tables write them: `20%`, `８０％`, `66.7`, `十二`, `第三名`.
//!
//! Full-width digits and signs are folded to ASCII first; Chinese numerals are read with the
//! `chinese-number` crate (which knows 十二, 二十, 一百零五 and the financial forms) rather than a
//! hand-written table.

use chinese_number::{ChineseCountMethod, ChineseToNumber};
use regex::Regex;
use std::sync::LazyLock;

/// Full-width ASCII forms (`０`–`９`, `％`, `．`) -> ASCII; everything else unchanged.
pub fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// An integer written in ASCII/full-width digits or Chinese numerals: `12`, `１２`, `十二`.
pub fn parse_integer(text: &str) -> Option<i64> {
    let folded = fold_width(text);
    let t = folded.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    if t.chars().all(is_chinese_numeral_char) {
        return t.to_number(ChineseCountMethod::TenThousand).ok();
    }
    None
}

fn is_chinese_numeral_char(c: char) -> bool {
    "〇零一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟".contains(c)
}

static PERCENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d+(?:\.\d+)?)\s*%").unwrap());
static BARE_NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d+(?:\.\d+)?$").unwrap());

/// The typed value of a completion cell, or `None` when the cell says something else.
///
/// `header_is_percent`: the column header carries `%` (`完成率(%)`), so a bare number is a
/// percentage.
pub fn parse_completion(text: &str, header_is_percent: bool) -> Option<f64> {
    let folded = fold_width(text);
    let t = folded.trim();
    let squeezed: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if matches!(squeezed.as_str(), "已完成" | "全部完成" | "完成") {
        return Some(100.0);
    }
    // The number is the match without its `\s*%` end (a match, unlike captures, needs no
    // capture engine; this runs on every completion cell).
    let percents: Vec<f64> = PERCENT
        .find_iter(t)
        .filter_map(|m| m.as_str().strip_suffix('%')?.trim_end().parse().ok())
        .collect();
    if percents.len() == 1 {
        return Some(percents[0]);
    }
    if percents.is_empty() && header_is_percent && BARE_NUMBER.is_match(t) {
        return t.parse().ok();
    }
    None
}

static RANK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^第?\s*([0-9〇零一二两三四五六七八九十百]+)\s*(?:名|位)?$").unwrap()
});

/// A value of a separate 名次/排名 column: `3`, `第3名`, `三`.
pub fn parse_rank(text: &str) -> Option<i64> {
    let folded = fold_width(text);
    let caps = RANK.captures(folded.trim())?;
    parse_integer(&caps[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_with_ascii_and_full_width_signs() {
        assert_eq!(parse_completion("20%", true), Some(20.0));
        assert_eq!(parse_completion("100%", false), Some(100.0));
        assert_eq!(parse_completion("８０％", false), Some(80.0));
        assert_eq!(parse_completion("66.7%", false), Some(66.7));
    }

    #[test]
    fn percent_inside_a_sentence_is_read() {
        assert_eq!(parse_completion("完成年度目标的80%", false), Some(80.0));
    }

    #[test]
    fn bare_number_is_a_percentage_only_under_a_percent_header() {
        assert_eq!(parse_completion("85", true), Some(85.0));
        assert_eq!(parse_completion("85", false), None);
    }

    #[test]
    fn completed_words_are_one_hundred() {
        assert_eq!(parse_completion("已完成", false), Some(100.0));
        assert_eq!(parse_completion("全部完成", false), Some(100.0));
    }

    #[test]
    fn ranges_words_and_blanks_are_not_numbers() {
        assert_eq!(parse_completion("80%-90%", true), None);
        assert_eq!(parse_completion("正在推进", true), None);
        assert_eq!(parse_completion("", true), None);
    }

    #[test]
    fn integers_in_every_script() {
        assert_eq!(parse_integer("12"), Some(12));
        assert_eq!(parse_integer("１２"), Some(12));
        assert_eq!(parse_integer("十二"), Some(12));
        assert_eq!(parse_integer("一"), Some(1));
        assert_eq!(parse_integer("二十"), Some(20));
        assert_eq!(parse_integer("1-1"), None);
        assert_eq!(parse_integer(""), None);
    }

    #[test]
    fn rank_column_values() {
        assert_eq!(parse_rank("3"), Some(3));
        assert_eq!(parse_rank("第3名"), Some(3));
        assert_eq!(parse_rank("第三名"), Some(3));
        assert_eq!(parse_rank("三"), Some(3));
        assert_eq!(parse_rank("靠前"), None);
    }
}
