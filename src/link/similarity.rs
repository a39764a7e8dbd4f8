//! How alike two project texts are: the Dice coefficient over the multisets of character
//! bigrams of their key texts (DESIGN.md "Timeline and report").
//!
//! The key text is the one `project_key` hashes: the record's content (else its category)
//! after NFKC, with whitespace and punctuation (Unicode category P) removed. A report that
//! rewrites `新增残疾人就业60人以上` as `新增残疾人就业62人以上` changes two of its eleven
//! bigrams: similarity 2·9/22 ≈ 0.818, one project; two different projects of one county share
//! few bigrams and stay apart.

use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

static SPACE_AND_PUNCTUATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\s\p{P}]+").expect("a valid pattern"));

/// The text a project key is made of: NFKC, without whitespace and punctuation.
pub fn key_text(text: &str) -> String {
    let nfkc: String = text.nfkc().collect();
    SPACE_AND_PUNCTUATION.replace_all(&nfkc, "").into_owned()
}

/// The key text of a record: its content, else its category (as `project_key` takes it).
pub fn record_key_text(content: Option<&str>, category: Option<&str>) -> String {
    content.or(category).map(key_text).unwrap_or_default()
}

/// Dice similarity of two key texts over their character-bigram multisets:
/// `2·|A∩B| / (|A|+|B|)`, in 0..=1. Equal texts are 1.0 (even when shorter than two
/// characters); a text with no bigram shares nothing with a different one (0.0).
pub fn dice(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (ba, bb) = (bigrams(a), bigrams(b));
    let total: usize = ba.values().sum::<usize>() + bb.values().sum::<usize>();
    if total == 0 {
        return 0.0;
    }
    let shared: usize = ba
        .iter()
        .map(|(pair, n)| (*n).min(bb.get(pair).copied().unwrap_or(0)))
        .sum();
    2.0 * shared as f64 / total as f64
}

fn bigrams(text: &str) -> HashMap<(char, char), usize> {
    let chars: Vec<char> = text.chars().collect();
    let mut counts = HashMap::new();
    for pair in chars.windows(2) {
        *counts.entry((pair[0], pair[1])).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_text_is_nfkc_without_whitespace_and_punctuation() {
        assert_eq!(
            key_text("为全县 60岁以上老年人，免费接种流感疫苗２７７５８人。"),
            "为全县60岁以上老年人免费接种流感疫苗27758人"
        );
        assert_eq!(key_text("“示范食堂”（6家）"), "示范食堂6家");
    }

    #[test]
    fn content_gives_the_key_text_and_category_stands_in_when_it_is_null() {
        assert_eq!(
            record_key_text(Some("新建公园1个。"), Some("城建")),
            "新建公园1个"
        );
        assert_eq!(record_key_text(None, Some("医疗 卫生")), "医疗卫生");
        assert_eq!(record_key_text(None, None), "");
    }

    #[test]
    fn one_changed_digit_changes_two_of_eleven_bigrams() {
        let s = dice("新增残疾人就业60人以上", "新增残疾人就业62人以上");
        assert!((s - 18.0 / 22.0).abs() < 1e-12, "{s}");
    }

    #[test]
    fn bigrams_count_as_a_multiset() {
        // "aaa" has two "aa"; "aa" has one: 2·1 / (2+1).
        assert!((dice("aaa", "aa") - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn equal_texts_are_one_and_texts_without_bigrams_share_nothing() {
        assert_eq!(dice("路", "路"), 1.0);
        assert_eq!(dice("路", "桥"), 0.0);
        assert_eq!(dice("", "新建公园"), 0.0);
        assert_eq!(dice("新建公园", "改造学校"), 0.0);
    }
}
