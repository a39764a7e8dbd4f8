//! An item's fields: content, progress note and lead unit.
//!
//! - **lead_unit**: the first, in paragraph order, of a `（牵头单位：X）` / `（责任单位：X）`
//!   bracket wherever it sits (also 牵头部门 / 责任部门, half-width brackets and colons) and a
//!   `牵头单位：X` label that ends a paragraph or stands alone; else `由X牵头` in the text. X
//!   is trimmed and ends at a `；` or at a `，` followed by another label
//!   (`（牵头单位：县教育局，配合单位：县财政局）` → 县教育局). Brackets and labels are removed
//!   from the text; `由X牵头` stays in it.
//! - **content**: the first sentence of the item's first paragraph: up to and including the
//!   first `。`, or up to (not including) a `；` or `：` that comes first (half-width `;` and
//!   `:` too, but not a `:` between digits). Punctuation inside brackets or quotes does not
//!   end it (`新建幼儿园3所（其中：城区2所）。`). A first paragraph with none of these is the
//!   content as a whole.
//! - **progress_note**: the rest of the first paragraph and the continuation paragraphs, one
//!   space between paragraphs (a `<p>` boundary is whitespace), trimmed; `None` when empty.

use regex::Regex;
use std::sync::LazyLock;

/// The fields read from an item's paragraphs.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields {
    pub content: String,
    pub progress_note: Option<String>,
    pub lead_unit: Option<String>,
    /// Content and note together, lead-unit brackets removed: what completion is read from.
    pub full_text: String,
}

static LEAD_BRACKET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[（(]\s*(?:牵头|责任)(?:单位|部门)\s*[：:]\s*([^）)]*?)\s*[）)]").unwrap()
});

static LED_BY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"由([^由，。；：,;:（）()\s]{2,30}?)牵头").unwrap());

/// A lead-unit label ending a paragraph, or standing alone: `…完成率80%。责任单位：县教育局`,
/// `牵头单位：县残联`. Group 1 is what is removed, group 2 the unit.
static LEAD_LABEL_AT_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[。；;])(\s*(?:牵头|责任)(?:单位|部门)\s*[：:]\s*([^。；;（）()]+?)\s*[。；;]?\s*)$",
    )
    .unwrap()
});

/// `paragraph` without its lead-unit bracket and trailing lead-unit label, and the first unit
/// either gave.
pub fn take_lead_unit(paragraph: &str) -> (String, Option<String>) {
    let found = LEAD_BRACKET
        .captures(paragraph)
        .and_then(|c| c.get(1))
        .and_then(|m| unit(m.as_str()));
    let kept = LEAD_BRACKET.replace_all(paragraph, "");
    let kept = kept.trim();
    match LEAD_LABEL_AT_END.captures(kept) {
        Some(c) => {
            let (Some(label), Some(value)) = (c.get(1), c.get(2)) else {
                return (kept.to_string(), found);
            };
            let rest = kept[..label.start()].trim_end_matches(['；', ';']).trim();
            (rest.to_string(), found.or_else(|| unit(value.as_str())))
        }
        None => (kept.to_string(), found),
    }
}

/// Reads the fields of an item whose first paragraph (without enumerator) is `text`.
pub fn read(text: &str, continuation: &[String]) -> Fields {
    let (first, mut lead_unit) = take_lead_unit(text);
    let mut rest: Vec<String> = Vec::new();
    for paragraph in continuation {
        let (kept, unit) = take_lead_unit(paragraph);
        lead_unit = lead_unit.or(unit);
        if !kept.is_empty() {
            rest.push(kept);
        }
    }

    let (content, first_rest) = split_first_sentence(&first);
    let mut note_parts: Vec<&str> = Vec::new();
    if !first_rest.is_empty() {
        note_parts.push(first_rest);
    }
    note_parts.extend(rest.iter().map(String::as_str));
    let note = note_parts.join(" ").trim().to_string();
    let full_text = if note.is_empty() {
        content.to_string()
    } else {
        format!("{content} {note}")
    };
    if lead_unit.is_none() {
        lead_unit = LED_BY
            .captures(&full_text)
            .and_then(|c| c.get(1))
            .filter(|m| !m.as_str().starts_with('于'))
            .and_then(|m| unit(m.as_str()));
    }
    Fields {
        content: content.to_string(),
        progress_note: (!note.is_empty()).then_some(note),
        lead_unit,
        full_text,
    }
}

/// A lead unit as written, cut at `；` or at a `，` before another label; `None` if empty.
fn unit(value: &str) -> Option<String> {
    let mut end = value.find(['；', ';']).unwrap_or(value.len());
    for (at, c) in value[..end].char_indices() {
        if matches!(c, '，' | ',') && value[at..end].contains(['：', ':']) {
            end = at;
            break;
        }
    }
    let unit = value[..end].trim();
    (!unit.is_empty()).then(|| unit.to_string())
}

/// The first sentence of `text` and what follows it (see the module documentation).
fn split_first_sentence(text: &str) -> (&str, &str) {
    let mut depth = 0usize;
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '（' | '(' | '“' | '‘' | '《' | '【' | '[' => depth += 1,
            '）' | ')' | '”' | '’' | '》' | '】' | ']' => depth = depth.saturating_sub(1),
            '。' if depth == 0 => {
                let end = at + c.len_utf8();
                return (text[..end].trim(), text[end..].trim());
            }
            '；' | ';' | '：' if depth == 0 => {
                return (text[..at].trim(), text[at + c.len_utf8()..].trim());
            }
            ':' if depth == 0 => {
                let between_digits = prev.is_some_and(|p| p.is_ascii_digit())
                    && chars.peek().is_some_and(|(_, n)| n.is_ascii_digit());
                if !between_digits {
                    return (text[..at].trim(), text[at + 1..].trim());
                }
            }
            _ => {}
        }
        prev = Some(c);
    }
    (text.trim(), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str, continuation: &[&str]) -> Fields {
        let continuation: Vec<String> = continuation.iter().map(|s| s.to_string()).collect();
        read(text, &continuation)
    }

    #[test]
    fn content_is_the_first_sentence_and_the_note_the_rest() {
        let f = fields(
            "新建改扩建幼儿园3所。目前已完成主体工程，完成年度计划的60%。（牵头单位：县教育局）",
            &[],
        );
        assert_eq!(f.content, "新建改扩建幼儿园3所。");
        assert_eq!(
            f.progress_note.as_deref(),
            Some("目前已完成主体工程，完成年度计划的60%。")
        );
        assert_eq!(f.lead_unit.as_deref(), Some("县教育局"));
    }

    #[test]
    fn a_semicolon_or_colon_before_the_full_stop_ends_the_content_without_itself() {
        assert_eq!(
            fields("新建幼儿园3所；已完成2所。", &[]).content,
            "新建幼儿园3所"
        );
        let f = fields("教育提质工程：新建幼儿园3所。", &[]);
        assert_eq!(f.content, "教育提质工程");
        assert_eq!(f.progress_note.as_deref(), Some("新建幼儿园3所。"));
    }

    #[test]
    fn punctuation_inside_brackets_does_not_end_the_content() {
        assert_eq!(
            fields("新建幼儿园3所（其中：城区2所）。已完成。", &[]).content,
            "新建幼儿园3所（其中：城区2所）。"
        );
    }

    #[test]
    fn a_lead_unit_bracket_is_removed_wherever_it_sits() {
        let f = fields("（责任单位：县卫健局）新建村卫生室20个。已全部完成。", &[]);
        assert_eq!(f.content, "新建村卫生室20个。");
        assert_eq!(f.lead_unit.as_deref(), Some("县卫健局"));
        let f = fields(
            "新建村卫生室20个(牵头单位:县卫健局、县财政局)。已全部完成。",
            &[],
        );
        assert_eq!(f.content, "新建村卫生室20个。");
        assert_eq!(f.lead_unit.as_deref(), Some("县卫健局、县财政局"));
    }

    #[test]
    fn a_lead_unit_bracket_with_another_label_keeps_only_the_unit() {
        let f = fields(
            "改造公厕。已完成。（牵头单位：县住建局，配合单位：各乡镇）",
            &[],
        );
        assert_eq!(f.lead_unit.as_deref(), Some("县住建局"));
    }

    #[test]
    fn led_by_in_the_text_gives_the_lead_unit_and_stays() {
        let f = fields("改造农村公路50公里，由县交通运输局牵头实施。已完成。", &[]);
        assert_eq!(f.lead_unit.as_deref(), Some("县交通运输局"));
        assert_eq!(f.content, "改造农村公路50公里，由县交通运输局牵头实施。");
        assert_eq!(fields("由于资金紧张牵头单位未定。", &[]).lead_unit, None);
    }

    #[test]
    fn continuation_paragraphs_join_the_note_and_a_unit_line_gives_the_lead_unit() {
        let f = fields(
            "城区公厕改造提升",
            &[
                "已完成改造12座，完成年度计划的60%。",
                "牵头单位：县综合执法局",
            ],
        );
        assert_eq!(f.content, "城区公厕改造提升");
        assert_eq!(
            f.progress_note.as_deref(),
            Some("已完成改造12座，完成年度计划的60%。")
        );
        assert_eq!(f.lead_unit.as_deref(), Some("县综合执法局"));
    }

    #[test]
    fn a_lead_unit_label_ending_the_paragraph_is_taken_out() {
        let f = fields("新建幼儿园3所。完成率80%。责任单位：县教育局", &[]);
        assert_eq!(f.lead_unit.as_deref(), Some("县教育局"));
        assert_eq!(f.progress_note.as_deref(), Some("完成率80%。"));
        let f = fields(
            "新建幼儿园3所。完成率80%；牵头单位:县教育局，配合单位：县财政局。",
            &[],
        );
        assert_eq!(f.lead_unit.as_deref(), Some("县教育局"));
        assert_eq!(f.progress_note.as_deref(), Some("完成率80%"));
    }

    #[test]
    fn a_time_is_not_a_colon_and_an_empty_note_is_none() {
        let f = fields("每日8:30开放阅览室", &[]);
        assert_eq!(f.content, "每日8:30开放阅览室");
        assert_eq!(f.progress_note, None);
    }
}
