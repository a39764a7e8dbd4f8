//! `project_key`: the same project across a county's successive reports of a year (DESIGN.md
//! "Record schema v2", "Timeline and report").
//!
//! The first 16 hex digits of SHA-256 over `county|report_year|key text`, where the key text
//! is the record's content (else its category) after NFKC, with whitespace and punctuation
//! (Unicode category P) removed — so `２０２４` and `2024`, `，` and `,`, a line break Word put
//! in the middle, all give the same key. A null county or year is empty in the hash.

use regex::Regex;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

static SPACE_AND_PUNCTUATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\s\p{P}]+").unwrap());

/// The text a key is made of: NFKC, without whitespace and punctuation.
pub fn key_text(text: &str) -> String {
    key_text_of_common(text).unwrap_or_else(|| key_text_by_nfkc(text))
}

/// [`key_text`] the long way: every character through NFKC, then the regex.
fn key_text_by_nfkc(text: &str) -> String {
    let nfkc: String = text.nfkc().collect();
    SPACE_AND_PUNCTUATION.replace_all(&nfkc, "").into_owned()
}

/// [`key_text`] of a text made only of the characters county reports are written in — CJK
/// ideographs, ASCII, full-width ASCII and the common CJK punctuation — character by
/// character: each is NFKC as it stands or maps to one ASCII character (full-width
/// `２`, `，`), none composes with a neighbour, and whether it is whitespace or punctuation
/// is known. None at the first other character: that text takes the long way whole (a
/// combining mark, say, would compose with the letter before it). The test
/// `every_common_character_gives_what_nfkc_gives` checks each one against the long way.
fn key_text_of_common(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match u32::from(c) {
            // Full-width ASCII: NFKC is the ASCII character 0xFEE0 below.
            code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0)?,
            _ => c,
        };
        match c {
            // White_Space (`\s`) and Unicode punctuation (`\p{P}`) among these: dropped.
            ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{3000}' => {}
            '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | ',' | '-' | '.' | '/' | ':'
            | ';' | '?' | '@' | '[' | '\\' | ']' | '_' | '{' | '}' => {}
            '\u{3001}' | '\u{3002}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}' => {}
            '\u{2014}' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{2026}' => {}
            // Letters, digits and the ASCII symbols (`+`, `$`, `<`, `=`, `~`…) are kept.
            '\u{21}'..='\u{7E}' | '\u{4E00}'..='\u{9FFF}' => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

/// The project key of a record.
pub fn project_key(
    county: Option<&str>,
    report_year: Option<i64>,
    content: Option<&str>,
    category: Option<&str>,
) -> String {
    let text = content.or(category).map(key_text).unwrap_or_default();
    let year = report_year.map(|y| y.to_string()).unwrap_or_default();
    let input = format!("{}|{year}|{text}", county.unwrap_or(""));
    let digest = Sha256::digest(input.as_bytes());
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_text_drops_whitespace_and_punctuation_after_nfkc() {
        assert_eq!(
            key_text("为全县 60岁以上老年人，免费接种流感疫苗２７７５８人。"),
            "为全县60岁以上老年人免费接种流感疫苗27758人"
        );
        assert_eq!(key_text("“示范食堂”（6家）"), "示范食堂6家");
    }

    #[test]
    fn every_common_character_gives_what_nfkc_gives() {
        let common = (0x20..=0x7E)
            .chain([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x3000])
            .chain(0xFF01..=0xFF5E)
            .chain([
                0x3001, 0x3002, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026,
            ])
            .chain((0x3008..=0x3011).chain(0x3014..=0x301F))
            .chain((0x4E00..=0x9FFF).step_by(7))
            .filter_map(char::from_u32);
        for c in common {
            let text = format!("a{c}民");
            assert_eq!(
                key_text_of_common(&text),
                Some(key_text_by_nfkc(&text)),
                "U+{:04X}",
                u32::from(c)
            );
        }
        // Anything else takes the long way: a combining accent composes with the letter
        // before it, a compatibility ideograph maps to another.
        assert_eq!(key_text_of_common("e\u{301}"), None);
        assert_eq!(key_text("e\u{301}x"), "éx");
        assert_eq!(key_text_of_common("\u{F900}"), None);
        assert_eq!(key_text("\u{F900}"), "豈");
        assert_eq!(key_text_of_common("\u{A0}"), None);
    }

    #[test]
    fn key_is_sha256_of_county_year_and_text() {
        // python3: hashlib.sha256("文成县|2024|培训应急救护人员200人以上".encode()).hexdigest()[:16]
        assert_eq!(
            project_key(
                Some("文成县"),
                Some(2024),
                Some("培训应急救护人员200人以上。"),
                None
            ),
            "486d973ba3a62510"
        );
    }

    #[test]
    fn the_same_text_written_differently_gives_the_same_key() {
        let a = project_key(
            Some("文成县"),
            Some(2024),
            Some("新增残疾人就业60人以上。"),
            None,
        );
        let b = project_key(
            Some("文成县"),
            Some(2024),
            Some("新增残疾人就业６０人以上"),
            None,
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn category_stands_in_for_missing_content_and_nulls_are_empty() {
        // python3: hashlib.sha256("||医疗卫生".encode()).hexdigest()[:16]
        assert_eq!(
            project_key(None, None, None, Some("医疗卫生")),
            "7b4a0d9d8459431f"
        );
        assert_ne!(
            project_key(Some("文成县"), Some(2024), Some("x"), None),
            project_key(Some("文成县"), Some(2023), Some("x"), None)
        );
    }
}
