//! Cell values as the text a reader of the sheet sees (see `sheet.rs`): shortest numbers,
//! percentages with the decimal point moved, ISO dates, and in-cell line breaks counted as
//! `<br>`s by `text.rs`'s whitespace rule.

use crate::extract::text::{collapse_whitespace, push_break, push_raw};

/// The normalized text of a cell's string: line breaks are hard breaks, whitespace collapses
/// as in an HTML cell.
pub(crate) fn text_of_string(raw: &str) -> String {
    if !raw.contains(['\n', '\r']) {
        return collapse_whitespace(&raw.replace('\u{1}', " "));
    }
    let mut buf = String::with_capacity(raw.len() + 4);
    for (i, line) in raw.split('\n').enumerate() {
        if i > 0 {
            push_break(&mut buf);
        }
        push_raw(&mut buf, line.trim_end_matches('\r'));
    }
    collapse_whitespace(&buf)
}

/// The shortest text that reads back as `value`: `3`, `0.1`, `-2.5`.
pub(crate) fn number_text(value: f64) -> String {
    if value == 0.0 {
        return "0".to_string(); // not `-0`
    }
    format!("{value}")
}

/// `value` as a percentage with the same digits: `0.8` -> `80%`, `0.075` -> `7.5%`,
/// `1` -> `100%`. The decimal point of the shortest text moves two places, so no
/// multiplication adds binary noise (`0.07 * 100` is `7.000000000000001`).
pub(crate) fn percent_text(value: f64) -> String {
    let text = number_text(value);
    if !value.is_finite() {
        return format!("{text}%");
    }
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut frac = frac.to_string();
    while frac.len() < 2 {
        frac.push('0');
    }
    let (moved, rest) = frac.split_at(2);
    let int = format!("{int}{moved}");
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if rest.is_empty() {
        format!("{sign}{int}%")
    } else {
        format!("{sign}{int}.{rest}%")
    }
}

/// An ISO date (and time of day, when there is one).
pub(crate) fn date_text(y: u16, m: u8, d: u8, hh: u8, mm: u8, ss: u8) -> String {
    if (hh, mm, ss) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
    }
}

/// Whether an Excel number format shows a percentage: a `%` outside quotes and escapes in
/// its first (positive) section.
pub(crate) fn is_percent_format(code: &str) -> bool {
    let mut quoted = false;
    let mut escaped = false;
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' | '_' | '*' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => return false,
            '%' if !quoted => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_their_shortest_text() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number_text(-2.5), "-2.5");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(1e21), "1000000000000000000000");
    }

    #[test]
    fn percentages_move_the_decimal_point_without_binary_noise() {
        assert_eq!(percent_text(0.8), "80%");
        assert_eq!(percent_text(0.07), "7%");
        assert_eq!(percent_text(0.075), "7.5%");
        assert_eq!(percent_text(1.0), "100%");
        assert_eq!(percent_text(0.0), "0%");
        assert_eq!(percent_text(0.00123), "0.123%");
        assert_eq!(percent_text(-0.5), "-50%");
        assert_eq!(percent_text(12.3456), "1234.56%");
    }

    #[test]
    fn percent_formats_are_told_from_quoted_percent_signs() {
        assert!(is_percent_format("0%"));
        assert!(is_percent_format("0.00%"));
        assert!(is_percent_format("0.0%;[Red]-0.0%"));
        assert!(!is_percent_format("0.00\"%\""));
        assert!(!is_percent_format("0\\%"));
        assert!(!is_percent_format("General"));
        assert!(!is_percent_format("0;\"%\"0%"));
    }

    #[test]
    fn line_breaks_in_a_cell_are_whitespace_even_between_chinese() {
        assert_eq!(text_of_string("完成\n验收"), "完成 验收");
        assert_eq!(text_of_string(" 县总工会\u{3000}\r\n"), "县总工会");
        assert_eq!(text_of_string("a\u{1}b"), "a b");
    }

    #[test]
    fn dates_are_iso_with_a_time_only_when_there_is_one() {
        assert_eq!(date_text(2024, 6, 30, 0, 0, 0), "2024-06-30");
        assert_eq!(date_text(2024, 6, 30, 14, 30, 0), "2024-06-30 14:30:00");
    }
}
