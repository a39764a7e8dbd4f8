//! 发布日期 values -> RFC 3339 in China Standard Time, always a full timestamp (Record schema
//! v2: one parser reads the whole published_at column).
//!
//! `2024-08-28 16:34:00` -> `2024-08-28T16:34:00+08:00`; `2024-08-28 16:34` gets `:00`;
//! `2024-08-28`, `2024/8/28`, `2024年8月28日` -> `2024-08-28T00:00:00+08:00`. Impossible dates
//! are refused. `published_date` is the local date of the result.
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
            iso: format!("{day}T00:00:00+08:00"),
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

/// A published_at of Record schema v1 as v2 writes it: a date alone (`2024-08-28`) gets
/// `T00:00:00+08:00`; a full timestamp stays as it is.
pub fn full_timestamp(published_at: &str) -> String {
    match parse_published(published_at) {
        Some(p) if published_at.len() == 10 => p.iso,
        _ => published_at.to_string(),
    }
}

/// The local date of a published_at in `+08:00` (`2024-08-28T16:34:00+08:00` ->
/// `2024-08-28`), or None when it does not start with a date.
pub fn local_date(published_at: &str) -> Option<String> {
    let date = published_at.get(..10)?;
    parse_published(date).map(|_| date.to_string())
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
    fn a_date_alone_is_midnight_china_time() {
        assert_eq!(
            parse_published("2025年1月6日").unwrap().iso,
            "2025-01-06T00:00:00+08:00"
        );
        assert_eq!(
            parse_published("2024/8/28").unwrap().iso,
            "2024-08-28T00:00:00+08:00"
        );
        assert_eq!(
            parse_published("2024-12-31").unwrap().precision,
            Precision::Day
        );
    }

    #[test]
    fn a_v1_date_becomes_a_full_timestamp_and_a_timestamp_stays() {
        assert_eq!(full_timestamp("2024-12-31"), "2024-12-31T00:00:00+08:00");
        assert_eq!(
            full_timestamp("2024-08-28T16:34:00+08:00"),
            "2024-08-28T16:34:00+08:00"
        );
    }

    #[test]
    fn published_date_is_the_local_date() {
        assert_eq!(
            local_date("2024-08-28T16:34:00+08:00").as_deref(),
            Some("2024-08-28")
        );
        assert_eq!(local_date("2024-08"), None);
        assert_eq!(local_date("浏览次数：12"), None);
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
