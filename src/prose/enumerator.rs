//! Enumerators: the numbering at the start of a paragraph, its kind and its number.
//!
//! Chinese official documents number their levels in a fixed order — `一、` over `（一）` over
//! `1.` / `1、` over `（1）` over `①` — and enumerate points inside a paragraph with `一是` /
//! `第一`. Full-width and half-width forms are the same enumerator (`１．`, `(一)`).
//!
//! Not enumerators: a decimal (`1.5万元`), a year (`2024年`), a date (`2024.6.30`), a numeral
//! that is part of a word (`一批`, `第一季度`).

use chinese_number::{ChineseCountMethod, ChineseToNumber};

/// The kind of an enumerator, from the highest level to the lowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `一、`
    ChineseComma,
    /// `（一）`, `(一)`
    ChineseParen,
    /// `1.`, `1、`, `１．`, `⒈`
    Arabic,
    /// `（1）`, `(1)`, `1）`, `⑴`
    ArabicParen,
    /// `①`
    Circled,
    /// `一是`, `第一，`: points of a paragraph.
    Point,
}

impl Kind {
    /// The level of the kind: 1 is the highest (`一、`).
    pub fn level(self) -> u8 {
        match self {
            Kind::ChineseComma => 1,
            Kind::ChineseParen => 2,
            Kind::Arabic => 3,
            Kind::ArabicParen => 4,
            Kind::Circled => 5,
            Kind::Point => 6,
        }
    }
}

/// The enumerator at the start of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enumerator {
    pub kind: Kind,
    /// The number as written: `（三）` → 3, `12.` → 12, `②` → 2, `二是` → 2.
    pub number: i64,
    /// Bytes of the paragraph the enumerator takes, with the whitespace after it.
    pub len: usize,
}

/// The enumerator `paragraph` starts with, when it starts with one and has text after it.
pub fn parse(paragraph: &str) -> Option<Enumerator> {
    let (kind, number, len) = circled(paragraph)
        .or_else(|| parenthesized(paragraph))
        .or_else(|| numeral_then_mark(paragraph))
        .or_else(|| ordinal(paragraph))?;
    let rest = &paragraph[len..];
    let skipped = rest.len() - rest.trim_start().len();
    if rest.trim().is_empty() {
        return None;
    }
    Some(Enumerator {
        kind,
        number,
        len: len + skipped,
    })
}

/// `①`–`⑳`, `⑴`–`⒇`, `⒈`–`⒛`.
fn circled(text: &str) -> Option<(Kind, i64, usize)> {
    let c = text.chars().next()?;
    let code = c as u32;
    let (kind, number) = match code {
        0x2460..=0x2473 => (Kind::Circled, code - 0x2460 + 1),
        0x2474..=0x2487 => (Kind::ArabicParen, code - 0x2474 + 1),
        0x2488..=0x249B => (Kind::Arabic, code - 0x2488 + 1),
        _ => return None,
    };
    Some((kind, i64::from(number), c.len_utf8()))
}

/// `（一）`, `(一)`, `（1）`, `(１)`.
fn parenthesized(text: &str) -> Option<(Kind, i64, usize)> {
    let open = text.chars().next().filter(|c| matches!(c, '（' | '('))?;
    let inner_start = open.len_utf8();
    let inner_len = text[inner_start..].find(['）', ')']).filter(|&n| n > 0)?;
    let inner = &text[inner_start..inner_start + inner_len];
    let close_len = text[inner_start + inner_len..].chars().next()?.len_utf8();
    let (kind, number) = match number_of(inner)? {
        (Numeral::Chinese, n) => (Kind::ChineseParen, n),
        (Numeral::Digits, n) => (Kind::ArabicParen, n),
    };
    Some((kind, number, inner_start + inner_len + close_len))
}

/// `一、`, `一是`, `1.`, `1、`, `１．`, `1）`.
fn numeral_then_mark(text: &str) -> Option<(Kind, i64, usize)> {
    let numeral_len: usize = text
        .chars()
        .take_while(|&c| is_digit(c) || is_chinese_numeral(c))
        .map(char::len_utf8)
        .sum();
    if numeral_len == 0 {
        return None;
    }
    let (numeral, number) = number_of(&text[..numeral_len])?;
    let mut after = text[numeral_len..].chars();
    let mark = after.next()?;
    let kind = match (numeral, mark) {
        (Numeral::Chinese, '、') => Kind::ChineseComma,
        (Numeral::Chinese, '是') => Kind::Point,
        (Numeral::Digits, '、') => Kind::Arabic,
        // `1.5万元` is a decimal and `2024.6.30` a date, not an enumerator.
        (Numeral::Digits, '.' | '．') if !after.next().is_some_and(is_digit) => Kind::Arabic,
        (Numeral::Digits, '）' | ')') => Kind::ArabicParen,
        _ => return None,
    };
    Some((kind, number, numeral_len + mark.len_utf8()))
}

/// `第一，`, `第二、`, `第三：`, `第四是` (not `第一季度`, `第一批`).
fn ordinal(text: &str) -> Option<(Kind, i64, usize)> {
    let rest = text.strip_prefix('第')?;
    let numeral_len: usize = rest
        .chars()
        .take_while(|&c| is_chinese_numeral(c))
        .map(char::len_utf8)
        .sum();
    let (_, number) = number_of(&rest[..numeral_len])?;
    let mark = rest[numeral_len..]
        .chars()
        .next()
        .filter(|c| matches!(c, '，' | ',' | '、' | '：' | ':' | '是'))?;
    Some((
        Kind::Point,
        number,
        '第'.len_utf8() + numeral_len + mark.len_utf8(),
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numeral {
    Chinese,
    Digits,
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn is_chinese_numeral(c: char) -> bool {
    "〇零一二三四五六七八九十".contains(c)
}

/// The number written in `text`: up to three digits (ASCII or full-width), or a Chinese
/// numeral up to 99 (`十二`, `二十一`). Zero is no enumerator.
fn number_of(text: &str) -> Option<(Numeral, i64)> {
    let count = text.chars().count();
    let (numeral, number) = if text.chars().all(is_digit) {
        if count > 3 {
            return None;
        }
        let ascii: String = text
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect();
        (Numeral::Digits, ascii.parse::<i64>().ok()?)
    } else if text.chars().all(is_chinese_numeral) {
        if count > 3 {
            return None;
        }
        let n: u32 = text.to_number(ChineseCountMethod::TenThousand).ok()?;
        (Numeral::Chinese, i64::from(n))
    } else {
        return None;
    };
    (number > 0).then_some((numeral, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_and_number(text: &str) -> Option<(Kind, i64, &str)> {
        parse(text).map(|e| (e.kind, e.number, &text[e.len..]))
    }

    #[test]
    fn every_enumerator_form_is_read_with_its_number() {
        let cases: &[(&str, Kind, i64)] = &[
            ("一、民生保障类", Kind::ChineseComma, 1),
            ("十二、其他", Kind::ChineseComma, 12),
            ("（三）教育类", Kind::ChineseParen, 3),
            ("(二)卫生类", Kind::ChineseParen, 2),
            ("（二)卫生类", Kind::ChineseParen, 2),
            ("1.新建幼儿园", Kind::Arabic, 1),
            ("12、改造公厕", Kind::Arabic, 12),
            ("１．新建幼儿园", Kind::Arabic, 1),
            ("３、改造公厕", Kind::Arabic, 3),
            ("⒉改造公厕", Kind::Arabic, 2),
            ("（1）县实验幼儿园", Kind::ArabicParen, 1),
            ("(１)县实验幼儿园", Kind::ArabicParen, 1),
            ("2）县实验幼儿园", Kind::ArabicParen, 2),
            ("⑵县实验幼儿园", Kind::ArabicParen, 2),
            ("①城区段", Kind::Circled, 1),
            ("⑳城区段", Kind::Circled, 20),
            ("一是新建幼儿园", Kind::Point, 1),
            ("三是改造公厕", Kind::Point, 3),
            ("第一，新建幼儿园", Kind::Point, 1),
            ("第二、改造公厕", Kind::Point, 2),
        ];
        for (text, kind, number) in cases {
            let (k, n, _) = kind_and_number(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((k, n), (*kind, *number), "{text}");
        }
    }

    #[test]
    fn the_enumerator_and_the_space_after_it_are_taken() {
        assert_eq!(kind_and_number("1. 新建").unwrap().2, "新建");
        assert_eq!(kind_and_number("（一） 教育类").unwrap().2, "教育类");
        assert_eq!(kind_and_number("第一，新建").unwrap().2, "新建");
    }

    #[test]
    fn decimals_years_dates_and_words_are_not_enumerators() {
        for text in [
            "1.5万元用于采购",
            "2024年民生实事",
            "2024.6.30前完成",
            "一批项目已开工",
            "第一季度完成",
            "第一批次",
            "（其中城区2所）",
            "（）空括号",
            "一、",
            "0.新建",
            "1234.新建",
            "十一月份开工",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
