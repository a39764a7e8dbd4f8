//! 发布日期 values -> ISO 8601 in China Standard Time.
//!
//! `2024-08-28 16:34:00` -> `2024-08-28T16:34:00+08:00`; `2024-08-28 16:34` gets `:00`;
//! `2024-08-28`, `2024/8/28`, `2024年8月28日` -> `2024-08-28`. Impossible dates are refused.
//! When a page carries several copies, the most precise wins (the seed's first copy has the
//! time, the second only the date).

use regex::Regex;
use std::sync::LazyLock;
use time::{Date, Month, Time};

/// How much of a timestamp a page gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Day,
    Minute,
    Second,
}

/// A parsed publication date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub precision: Precision,
    pub iso: String,
}

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?",
    )
    .unwrap()
});

/// Parses the date at the start of `text` (the text after a 发布日期 label).
pub fn parse_published(text: &str) -> Option<Published> {
    let folded = super::numbers::fold_width(text);
    let caps = DATE.captures(folded.trim_start())?;
    let num = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let month = Month::try_from(u8::try_from(num(2)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::try_from(num(1)?).ok()?,
        month,
        u8::try_from(num(3)?).ok()?,
    )
    .ok()?;
    let day = format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    let Some(hour) = num(4) else {
        return Some(Published {
            precision: Precision::Day,
            iso: day,
        });
    };
    let minute = num(5)?;
    let second = num(6);
    let time = Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second.unwrap_or(0)).ok()?,
    )
    .ok()?;
    Some(Published {
        precision: if second.is_some() {
            Precision::Second
        } else {
            Precision::Minute
        },
        iso: format!(
            "{day}T{:02}:{:02}:{:02}+08:00",
            time.hour(),
            time.minute(),
            time.second()
        ),
    })
}

/// The most precise of the values; the first among equals.
pub fn most_precise<'a>(values: impl IntoIterator<Item = &'a String>) -> Option<String> {
    let mut best: Option<Published> = None;
    for value in values {
        if let Some(p) = parse_published(value) {
            if best.as_ref().is_none_or(|b| p.precision > b.precision) {
                best = Some(p);
            }
        }
    }
    best.map(|b| b.iso)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_with_seconds_gets_the_china_offset() {
        assert_eq!(
            parse_published("2024-08-28 16:34:00 来源:文成县")
                .unwrap()
                .iso,
            "2024-08-28T16:34:00+08:00"
        );
    }

    #[test]
    fn time_without_seconds_gets_zero_seconds() {
        assert_eq!(
            parse_published("2024-12-30 09:15").unwrap().iso,
            "2024-12-30T09:15:00+08:00"
        );
    }

    #[test]
    fn chinese_and_slashed_dates_are_days() {
        assert_eq!(parse_published("2025年1月6日").unwrap().iso, "2025-01-06");
        assert_eq!(parse_published("2024/8/28").unwrap().iso, "2024-08-28");
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(parse_published("2024-02-30"), None);
        assert_eq!(parse_published("2024-08-28 25:00"), None);
        assert_eq!(parse_published("浏览次数"), None);
    }

    #[test]
    fn most_precise_copy_wins() {
        let values = vec!["2024-08-28".to_string(), "2024-08-28 16:34:00".to_string()];
        assert_eq!(
            most_precise(&values).as_deref(),
            Some("2024-08-28T16:34:00+08:00")
        );
    }
}
