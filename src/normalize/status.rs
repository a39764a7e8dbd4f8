//! The status cell: `是否省市统一进度(全省县市区名次)` and its many spellings.
//!
//! One cell carries up to four facts, written as free text by county staff:
//! - `是` / `否` at the start: unified_progress;
//! - `全省…统一进度` / `全市…统一进度` / `统一进度`: unified_progress true, with its scope;
//! - `全省第N` / `全市第N` / `全省县市区第N名` / `第N名`: rank and rank_scope (the first wins; a
//!   later rank stays in the note as written);
//! - whatever remains: status_note (`省厅还未组织验收。` on the seed page's row 16).
//!
//! The note is the cell with the recognised phrases removed (a phrase also takes one `。`
//! right after it), a separator doubled by a removal dropped, empty brackets dropped, and
//! `,，、;；()（）` and whitespace trimmed at both ends.

use super::numbers::parse_integer;
use crate::record::Scope;
use regex::Regex;
use std::sync::LazyLock;

/// What a status cell says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Status {
    pub unified_progress: Option<bool>,
    pub unified_scope: Option<Scope>,
    pub rank_scope: Option<Scope>,
    pub rank: Option<i64>,
    pub note: Option<String>,
}

const SEPARATORS: &[char] = &[',', '，', '、', ';', '；'];
const TRIM: &[char] = &[',', '，', '、', ';', '；', '(', ')', '（', '）'];

static UNIFIED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(全省|全市)[^,，、;；()（）。]{0,8}?统一进度|统一进度").unwrap());
static RANK: LazyLock<Regex> = LazyLock::new(|| {
    let n = r"[0-9０-９〇零一二两三四五六七八九十百]+";
    Regex::new(&format!(
        r"(全省|全市)[^,，、;；()（）。第]{{0,8}}?第\s*({n})\s*名?|第\s*({n})\s*名"
    ))
    .unwrap()
});

/// The scope a phrase starts with.
pub fn scope_of(prefix: &str) -> Option<Scope> {
    if prefix.starts_with("全省") || prefix.starts_with('省') {
        Some(Scope::Province)
    } else if prefix.starts_with("全市") || prefix.starts_with('市') {
        Some(Scope::City)
    } else {
        None
    }
}

/// Parses one status cell.
pub fn parse_status(cell: &str) -> Status {
    let mut status = Status::default();
    let mut rest = cell.trim().to_string();

    let opening = rest.trim_start_matches(|c| TRIM.contains(&c) || char::is_whitespace(c));
    if let Some(after) = opening.strip_prefix('是') {
        status.unified_progress = Some(true);
        rest = after.to_string();
    } else if let Some(after) = opening.strip_prefix('否') {
        status.unified_progress = Some(false);
        rest = after.to_string();
    }

    // Both patterns need a literal that most cells lack; looking for it first is cheaper than
    // running the regex (this runs on every status cell).
    let unified = rest
        .contains("统一进度")
        .then(|| UNIFIED.find(&rest))
        .flatten();
    if let Some(m) = unified {
        status.unified_progress.get_or_insert(true);
        status.unified_scope = scope_of(m.as_str());
        rest = remove(&rest, m.start(), m.end());
    }

    let rank = rest.contains('第').then(|| RANK.captures(&rest)).flatten();
    if let Some(caps) = rank {
        let whole = caps.get(0).expect("group 0 always matches");
        let (scope, number) = match (caps.get(1), caps.get(2), caps.get(3)) {
            (Some(scope), Some(n), _) => (scope_of(scope.as_str()), n.as_str()),
            (_, _, Some(n)) => (None, n.as_str()),
            _ => (None, ""),
        };
        if let Some(rank) = parse_integer(number) {
            status.rank = Some(rank);
            status.rank_scope = scope;
            rest = remove(&rest, whole.start(), whole.end());
        }
    }

    let rest = rest.replace("()", "").replace("（）", "");
    let note = rest.trim_matches(|c: char| TRIM.contains(&c) || c.is_whitespace());
    status.note = (!note.is_empty()).then(|| note.to_string());
    status
}

/// Removes `text[start..end]` and one `。` right after it; when separators then stand on
/// both sides of the hole, the one after goes too.
fn remove(text: &str, start: usize, mut end: usize) -> String {
    if text[end..].starts_with('。') {
        end += '。'.len_utf8();
    }
    let before = text[..start].chars().next_back();
    let mut after = &text[end..];
    if let (Some(b), Some(a)) = (before, after.chars().next()) {
        if SEPARATORS.contains(&b) && SEPARATORS.contains(&a) {
            after = &after[a.len_utf8()..];
        }
    }
    format!("{}{}", &text[..start], after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(
        unified_progress: Option<bool>,
        unified_scope: Option<Scope>,
        rank_scope: Option<Scope>,
        rank: Option<i64>,
        note: Option<&str>,
    ) -> Status {
        Status {
            unified_progress,
            unified_scope,
            rank_scope,
            rank,
            note: note.map(str::to_string),
        }
    }
    use Scope::{City, Province};

    #[test]
    fn yes_with_province_unified_progress() {
        assert_eq!(
            parse_status("是,全省统一进度"),
            s(Some(true), Some(Province), None, None, None)
        );
    }

    #[test]
    fn no_with_city_rank_sets_scope_and_rank() {
        assert_eq!(
            parse_status("否,全市第一"),
            s(Some(false), None, Some(City), Some(1), None)
        );
    }

    #[test]
    fn province_rank_alone() {
        assert_eq!(
            parse_status("全省第1"),
            s(None, None, Some(Province), Some(1), None)
        );
    }

    #[test]
    fn county_rank_with_ming() {
        assert_eq!(
            parse_status("全省县市区第3名"),
            s(None, None, Some(Province), Some(3), None)
        );
    }

    #[test]
    fn unscoped_rank() {
        assert_eq!(parse_status("第2名"), s(None, None, None, Some(2), None));
    }

    #[test]
    fn unified_progress_alone_has_no_scope() {
        assert_eq!(
            parse_status("统一进度"),
            s(Some(true), None, None, None, None)
        );
        assert_eq!(
            parse_status("全市统一进度"),
            s(Some(true), Some(City), None, None, None)
        );
    }

    #[test]
    fn yes_and_no_alone() {
        assert_eq!(parse_status("是"), s(Some(true), None, None, None, None));
        assert_eq!(parse_status("否"), s(Some(false), None, None, None, None));
    }

    #[test]
    fn bracketed_rank_leaves_the_rest_as_note() {
        assert_eq!(
            parse_status("否(目前全市第一)"),
            s(Some(false), None, Some(City), Some(1), Some("目前"))
        );
    }

    #[test]
    fn free_text_before_unified_progress_is_the_note() {
        assert_eq!(
            parse_status("省厅还未组织验收。全市统一进度。"),
            s(
                Some(true),
                Some(City),
                None,
                None,
                Some("省厅还未组织验收。")
            )
        );
    }

    #[test]
    fn first_rank_wins_and_later_rank_stays_in_note() {
        assert_eq!(
            parse_status("否，全市第二，全省第5"),
            s(Some(false), None, Some(City), Some(2), Some("全省第5"))
        );
    }

    #[test]
    fn removal_between_separators_keeps_one() {
        assert_eq!(
            parse_status("进度正常，全市第一，领先").note.as_deref(),
            Some("进度正常，领先")
        );
    }

    #[test]
    fn blank_cell_says_nothing() {
        assert_eq!(parse_status(""), Status::default());
    }
}
