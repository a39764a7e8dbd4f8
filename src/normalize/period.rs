//! The period a report covers: `as_of` (the cut-off date it states) and `report_year` (the
//! plan year it is about), DESIGN.md "Record schema v2".
//!
//! as_of, read from the title, else a heading or note on the page:
//! - an explicit date: `截至2024年6月30日` → `2024-06-30`; a month's end: `截至2024年6月底`,
//!   `1-5月`, `1至11月`, `5月份` → the month's last day (leap years kept: `2月底` of 2024 is
//!   `02-29`);
//! - else a period word: `上半年` / `半年度` → `06-30`; `一季度` / `二季度` / `三季度` /
//!   `前三季度` (with or without 第) → `03-31` / `06-30` / `09-30`; `四季度` → `12-31`;
//!   `年度` / `全年` / `年底` / `年终` / `年末` → `12-31`. The longest word found wins
//!   (`半年度` is 06-30, not `年度`'s 12-31; `2024年度…第三季度` is 09-30).
//!
//! An explicit date beats a period word. A date that gives no year takes the 4-digit year the
//! same text names (`缙云县2024年…11月份` → 2024), else the publication year — and the year
//! before when that would put the cut-off after the publication (a `年度进度表` published on
//! 2025-01-06 is as of 2024-12-31).
//!
//! report_year: the 4-digit year in the title, else as_of's year, else published_at's.

use regex::Regex;
use std::sync::LazyLock;
use time::{Date, Month};

/// A date the text states; `explicit` dates beat period words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Found {
    year: Option<i32>,
    month: u8,
    /// None: the month's last day.
    day: Option<u8>,
}

/// `截至2024年6月30日`, `6月30日`, `2024.6.30` after 截至/截止.
static DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]|截[至止]\s*(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})",
    )
    .unwrap()
});

/// `6月底` / `6月末`, `1-5月` / `1至5月` / `1—5月`, `5月份` (a month's end).
static MONTH_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*[底末]|1\s*[-－—–~～至到]\s*(\d{1,2})\s*月|(\d{1,2})\s*月份)",
    )
    .unwrap()
});

/// A year of this century or the last, written as one: `2024年`, or alone in brackets
/// (`（2024）`). A number that merely starts with 20 (`培训2000人`) is no year.
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\D)((?:19|20)\d{2})\s*年|[（(【\[]\s*((?:19|20)\d{2})\s*[)）】\]]").unwrap()
});

/// Period words and their (month, day); [`period_word`] picks the longest found.
const PERIOD_WORDS: &[(&str, u8, u8)] = &[
    ("前三季度", 9, 30),
    ("半年度", 6, 30),
    ("上半年", 6, 30),
    ("一季度", 3, 31),
    ("二季度", 6, 30),
    ("三季度", 9, 30),
    ("四季度", 12, 31),
    ("年度", 12, 31),
    ("全年", 12, 31),
    ("年底", 12, 31),
    ("年终", 12, 31),
    ("年末", 12, 31),
];

fn digits(text: &str) -> String {
    super::numbers::fold_width(text)
}

/// The last explicit date or month's end in `text` (the end of a range: `1月1日至6月30日`).
/// With `cut_off_only`, a day date counts only after 截至 / 截止: a heading or note that
/// names a day may be saying when it was written.
fn explicit(text: &str, cut_off_only: bool) -> Option<Found> {
    let mut last: Option<(usize, Option<u32>, u32, Option<u32>)> = None;
    let mut consider = |at: usize, year: Option<u32>, month: u32, day: Option<u32>| {
        if last.is_none_or(|(l, ..)| at >= l) {
            last = Some((at, year, month, day));
        }
    };
    for c in DAY.captures_iter(text) {
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let at = c.get(0).map_or(0, |m| m.start());
        let after_cut_off = text[..at].trim_end().ends_with(['至', '止']);
        if cut_off_only && num(4).is_none() && !after_cut_off {
            continue;
        }
        match num(2) {
            Some(month) => consider(at, num(1), month, num(3)),
            None => consider(at, num(4), num(5).unwrap_or(0), num(6)),
        }
    }
    for c in MONTH_END.captures_iter(text) {
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let at = c.get(0).map_or(0, |m| m.start());
        consider(at, num(1), num(2).or(num(3)).or(num(4)).unwrap_or(0), None);
    }
    let (_, year, month, day) = last?;
    Some(Found {
        year: year.and_then(|y| i32::try_from(y).ok()),
        month: u8::try_from(month).ok().filter(|m| (1..=12).contains(m))?,
        day: match day {
            Some(d) => Some(u8::try_from(d).ok()?),
            None => None,
        },
    })
}

/// The longest period word in `text` (the first among equals).
fn period_word(text: &str) -> Option<Found> {
    let mut best: Option<(&str, u8, u8)> = None;
    for &(word, month, day) in PERIOD_WORDS {
        if text.contains(word) && best.is_none_or(|(b, _, _)| word.len() > b.len()) {
            best = Some((word, month, day));
        }
    }
    best.map(|(_, month, day)| Found {
        year: None,
        month,
        day: Some(day),
    })
}

/// The 4-digit year `text` names first, if any.
pub fn year_in(text: &str) -> Option<i32> {
    YEAR.captures(&digits(text))
        .and_then(|c| c.get(1).or_else(|| c.get(2)))
        .and_then(|m| m.as_str().parse().ok())
}

/// `YYYY-MM-DD` of a found date in `year`; None for an impossible date (`2月30日`).
fn date_of(found: Found, year: i32) -> Option<Date> {
    let month = Month::try_from(found.month).ok()?;
    let day = found.day.unwrap_or_else(|| month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The publication date of an RFC 3339 `published_at` (its first ten characters).
fn published_day(published_at: Option<&str>) -> Option<Date> {
    let text = published_at?.get(..10)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).ok()
}

/// The cut-off date one text states, with the year it or the publication supplies.
fn as_of_in(text: &str, published: Option<Date>, title: bool) -> Option<String> {
    let text = digits(text);
    let found = explicit(&text, !title).or_else(|| {
        // A heading elsewhere on the page (`政府信息公开年度报告` in a menu) speaks of a period
        // only when it speaks of progress.
        let about_progress = ["进度", "进展", "完成", "推进", "情况"]
            .iter()
            .any(|w| text.contains(w));
        (title || about_progress)
            .then(|| period_word(&text))
            .flatten()
    })?;
    let year = match found.year.or_else(|| year_in(&text)) {
        Some(year) => year,
        None => {
            let published = published?;
            let date = date_of(found, published.year())?;
            return Some(iso(if date > published {
                date_of(found, published.year() - 1)?
            } else {
                date
            }));
        }
    };
    date_of(found, year).map(iso)
}

/// as_of: from the title, else from the first of `others` (headings, caption rows, notes)
/// that states one.
pub fn as_of<'a>(
    title: Option<&str>,
    others: impl IntoIterator<Item = &'a str>,
    published_at: Option<&str>,
) -> Option<String> {
    let published = published_day(published_at);
    title
        .and_then(|t| as_of_in(t, published, true))
        .or_else(|| {
            others
                .into_iter()
                .find_map(|t| as_of_in(t, published, false))
        })
}

/// report_year: the title's 4-digit year, else as_of's, else published_at's.
pub fn report_year(
    title: Option<&str>,
    as_of: Option<&str>,
    published_at: Option<&str>,
) -> Option<i64> {
    let year_of = |iso: Option<&str>| iso?.get(..4)?.parse::<i64>().ok();
    title
        .and_then(year_in)
        .map(i64::from)
        .or_else(|| year_of(as_of))
        .or_else(|| year_of(published_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn title(t: &str) -> Option<String> {
        as_of(Some(t), [], Some("2024-08-28T16:34:00+08:00"))
    }

    #[test]
    fn explicit_day_is_the_cut_off() {
        assert_eq!(
            title("民生实事进度表（截至2024年6月30日）").as_deref(),
            Some("2024-06-30")
        );
        assert_eq!(
            title("截止2024.9.30民生实事进展").as_deref(),
            Some("2024-09-30")
        );
    }

    #[test]
    fn month_end_forms_give_the_last_day_of_the_month() {
        assert_eq!(title("截至2024年6月底").as_deref(), Some("2024-06-30"));
        assert_eq!(
            title("青田县2024年民生实事项目推进情况表（1-5月）").as_deref(),
            Some("2024-05-31")
        );
        assert_eq!(title("2024年1至11月进展").as_deref(), Some("2024-11-30"));
        assert_eq!(
            title("缙云县2024年民生实事项目5月份进度表").as_deref(),
            Some("2024-05-31")
        );
        assert_eq!(
            title("松阳县2024年民生实事项目进展情况（截至10月底）").as_deref(),
            Some("2024-10-31")
        );
    }

    #[test]
    fn february_end_follows_leap_years() {
        assert_eq!(title("截至2024年2月底").as_deref(), Some("2024-02-29"));
        assert_eq!(title("截至2023年2月底").as_deref(), Some("2023-02-28"));
    }

    #[test]
    fn half_year_words_are_june_30() {
        assert_eq!(
            title("文成县2024年民生实事项目上半年进展").as_deref(),
            Some("2024-06-30")
        );
        assert_eq!(
            title("公共服务“七优享”民生实事项目半年度进度表").as_deref(),
            Some("2024-06-30")
        );
    }

    #[test]
    fn quarter_words_give_the_quarter_end() {
        let q = |t: &str| title(&format!("2024年民生实事项目{t}进度表"));
        assert_eq!(q("一季度").as_deref(), Some("2024-03-31"));
        assert_eq!(q("第一季度").as_deref(), Some("2024-03-31"));
        assert_eq!(q("二季度").as_deref(), Some("2024-06-30"));
        assert_eq!(q("三季度").as_deref(), Some("2024-09-30"));
        assert_eq!(q("前三季度").as_deref(), Some("2024-09-30"));
        assert_eq!(q("第四季度").as_deref(), Some("2024-12-31"));
    }

    #[test]
    fn year_words_are_december_31() {
        for word in ["年度", "全年", "年底", "年终", "年末"] {
            assert_eq!(
                title(&format!("2024年民生实事项目{word}完成情况")).as_deref(),
                Some("2024-12-31"),
                "{word}"
            );
        }
    }

    #[test]
    fn the_longer_period_word_wins() {
        assert_eq!(
            title("2024年度民生实事项目第三季度进度").as_deref(),
            Some("2024-09-30")
        );
        assert_eq!(title("2024年半年度报告").as_deref(), Some("2024-06-30"));
    }

    #[test]
    fn an_explicit_date_beats_a_period_word() {
        assert_eq!(
            title("2024年度民生实事项目进度表（截至11月底）").as_deref(),
            Some("2024-11-30")
        );
    }

    #[test]
    fn without_a_year_the_publication_year_is_used_and_never_after_publication() {
        assert_eq!(
            as_of(
                Some("民生实事项目年度进度表"),
                [],
                Some("2025-01-06T00:00:00+08:00")
            )
            .as_deref(),
            Some("2024-12-31")
        );
        assert_eq!(
            as_of(
                Some("民生实事项目半年度进度表"),
                [],
                Some("2024-08-28T16:34:00+08:00")
            )
            .as_deref(),
            Some("2024-06-30")
        );
        assert_eq!(as_of(Some("民生实事项目半年度进度表"), [], None), None);
    }

    #[test]
    fn a_heading_or_note_speaks_when_the_title_does_not() {
        assert_eq!(
            as_of(
                Some("民生实事项目进展情况"),
                ["文成县人民政府", "（数据截至2024年11月30日）"],
                None
            )
            .as_deref(),
            Some("2024-11-30")
        );
        assert_eq!(as_of(Some("民生实事项目进展情况"), ["进度表"], None), None);
    }

    #[test]
    fn a_range_ends_at_its_last_date() {
        assert_eq!(
            title("2024年1月1日至6月30日民生实事进展").as_deref(),
            Some("2024-06-30")
        );
    }

    #[test]
    fn a_day_in_a_heading_counts_only_as_a_cut_off() {
        let page = |h: &str| as_of(Some("民生实事项目进展情况"), [h], None);
        assert_eq!(page("2024年12月5日"), None);
        assert_eq!(page("截至2024年12月5日").as_deref(), Some("2024-12-05"));
        assert_eq!(page("2024年11月底").as_deref(), Some("2024-11-30"));
    }

    #[test]
    fn a_period_word_elsewhere_counts_only_beside_progress() {
        let page = |h: &str| as_of(Some("民生实事项目"), [h], None);
        assert_eq!(page("政府信息公开年度报告"), None);
        assert_eq!(page("2024年上半年进展情况").as_deref(), Some("2024-06-30"));
    }

    #[test]
    fn impossible_dates_give_nothing() {
        assert_eq!(title("截至2024年2月30日"), None);
        assert_eq!(title("截至2024年13月底"), None);
    }

    #[test]
    fn full_width_digits_are_read() {
        assert_eq!(title("截至２０２４年６月底").as_deref(), Some("2024-06-30"));
    }

    #[test]
    fn report_year_is_the_title_year_else_as_of_else_published() {
        assert_eq!(
            report_year(
                Some("青田县2023年民生实事项目年度进度表"),
                Some("2023-12-31"),
                Some("2024-01-05")
            ),
            Some(2023)
        );
        assert_eq!(
            report_year(Some("半年度进度表"), Some("2024-06-30"), Some("2025-01-01")),
            Some(2024)
        );
        assert_eq!(
            report_year(Some("进度表"), None, Some("2024-08-28T16:34:00+08:00")),
            Some(2024)
        );
        assert_eq!(report_year(None, None, None), None);
        // A number that only contains four digits, or starts with 20, is no year.
        assert_eq!(report_year(Some("培训120240人"), None, None), None);
        assert_eq!(report_year(Some("培训2000人以上"), None, None), None);
        assert_eq!(
            report_year(Some("民生实事项目进度表（2024）"), None, None),
            Some(2024)
        );
    }
}
