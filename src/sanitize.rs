//! What a hostile page or file name may not carry into an output, a terminal or a log.
//!
//! Three small, pure rules, each applied where the text leaves the program:
//!
//! - [`strip_controls`]: control characters (Unicode `Cc`: C0, DEL, C1) other than tab and
//!   newline never reach an output file. ESC and BEL inside a page's text would otherwise
//!   drive the terminal of whoever `cat`s records.csv; a carriage return becomes a newline.
//!   `emit` applies it to every string of every page it writes, keys of `extra` included.
//! - [`neutralize_csv`]: a CSV cell that a spreadsheet would run as a formula (it starts with
//!   `=`, `+`, `-`, `@`, a tab or a carriage return and is not a plain number) gets a leading
//!   `'`, OWASP's advice against CSV injection (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`).
//!   records.csv only: JSONL and pages.json carry the text unchanged; `--raw-csv` turns it off.
//! - [`Escaped`]: every page- or file-derived string written to stderr or a log line shows its
//!   control characters (and the bidirectional overrides that reorder a line) as `\u{1b}`, so
//!   a file named `x\n\x1b[2Kminsheng: 0 page(s), 0 failed` cannot forge a summary line.
//!   Chinese and other printable text is written as it is.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// A character an output may not carry: a control character other than tab and newline.
fn is_stripped(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// `text` without control characters other than tab and newline; `\r\n` and a lone `\r`
/// become `\n`. Borrowed when there was nothing to remove (the usual case).
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_stripped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c if is_stripped(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Strips control characters ([`strip_controls`]) from every string of `value`, object keys
/// included. True when something was changed.
pub fn strip_controls_in(value: &mut Value) -> bool {
    match value {
        Value::String(s) => match strip_controls(s) {
            Cow::Borrowed(_) => false,
            Cow::Owned(clean) => {
                *s = clean;
                true
            }
        },
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| strip_controls_in(v) | changed),
        Value::Object(map) => {
            if !map.keys().any(|k| k.chars().any(is_stripped)) {
                return map
                    .values_mut()
                    .fold(false, |changed, v| strip_controls_in(v) | changed);
            }
            let old = std::mem::take(map);
            let mut clean = Map::with_capacity(old.len());
            for (key, mut v) in old {
                strip_controls_in(&mut v);
                clean.insert(strip_controls(&key).into_owned(), v);
            }
            *map = clean;
            true
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// True when `text` is a plain decimal number (`12`, `-3`, `+4.5`, `.5`, `1e3`): a cell a
/// spreadsheet reads as a number, not as a formula.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(at) => (&digits[..at], Some(&digits[at + 1..])),
        None => (digits, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        !(whole.is_empty() && fraction.is_empty()) && all_digits(whole) && all_digits(fraction);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

/// The CSV cell for `text`: with a leading `'` when a spreadsheet would read it as a formula
/// (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return and is not a plain number).
pub fn neutralize_csv(text: &str) -> Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A character written to a terminal or log as `\u{..}`: control characters and the
/// bidirectional formatting characters that reorder what follows them on the line.
fn is_escaped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Displays a page- or file-derived string for stderr or a log line: control and
/// bidirectional characters as `\u{1b}`, everything else as it is (a literal `\u{1b}` in a
/// name stays text: it can neither move the cursor nor start a line).
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.chars().any(is_escaped) {
            return f.write_str(self.0);
        }
        for c in self.0.chars() {
            if is_escaped(c) {
                write!(f, "\\u{{{:x}}}", c as u32)?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// [`Escaped`] as an owned string.
pub fn escape(text: &str) -> String {
    Escaped(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_bel_and_other_controls_are_stripped_tab_and_newline_kept() {
        assert_eq!(strip_controls("县\u{1b}[31m卫健局\u{7}"), "县[31m卫健局");
        assert_eq!(strip_controls("a\tb\nc"), "a\tb\nc");
        assert_eq!(strip_controls("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(strip_controls("\u{0}x\u{7f}\u{85}\u{9f}"), "x");
        assert!(matches!(strip_controls("文成县"), Cow::Borrowed(_)));
    }

    #[test]
    fn strings_and_keys_of_a_json_value_are_stripped() {
        let mut v = serde_json::json!({"备\u{1b}注": ["x\u{7}", 1, null, {"k": "\u{1b}y"}]});
        assert!(strip_controls_in(&mut v));
        assert_eq!(v, serde_json::json!({"备注": ["x", 1, null, {"k": "y"}]}));
        assert!(!strip_controls_in(&mut v));
    }

    #[test]
    fn formulas_get_a_leading_quote_and_plain_numbers_do_not() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("+1+2", "'+1+2"),
            ("-3+4", "'-3+4"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("-", "'-"),
            ("-inf", "'-inf"),
            ("-3", "-3"),
            ("+4.5", "+4.5"),
            ("-.5", "-.5"),
            ("-1e3", "-1e3"),
            ("80.0", "80.0"),
            ("县卫健局", "县卫健局"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(neutralize_csv(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn a_file_name_with_esc_and_newline_is_shown_escaped_on_one_line() {
        let name = "a\n\u{1b}[2Kminsheng: 0 page(s)\u{202e}.html";
        let shown = escape(name);
        assert_eq!(shown, "a\\u{a}\\u{1b}[2Kminsheng: 0 page(s)\\u{202e}.html");
        assert!(!shown.contains('\n'));
        assert_eq!(escape("文成县.html"), "文成县.html");
    }
}
