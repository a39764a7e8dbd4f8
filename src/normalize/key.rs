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
    let nfkc: String = text.nfkc().collect();
    SPACE_AND_PUNCTUATION.replace_all(&nfkc, "").into_owned()
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
