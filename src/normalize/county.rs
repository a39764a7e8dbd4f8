//! The county a report is about (Record schema v2 `county`): the source's configured county,
//! else the leading division name of the publisher (`文成县发改局` → `文成县`,
//! `温州市文成县人民政府` → `文成县`), else of the title (`泰顺县2024年民生实事…` → `泰顺县`).
//!
//! "Leading division name" is read without a gazetteer: the text is cut into the chain of
//! division names it starts with (`浙江省` `温州市` `文成县` …, each a few Chinese characters
//! ending in 省 / 自治区 / 市 / 自治州 / 地区 / 盟 / 县 / 区 / 旗 / 自治县 / 自治旗 / 林区 / 特区), a
//! province or prefecture is stripped when a county-level name follows it, and the
//! county-level name is the answer. A 市 with nothing after it is taken as it stands: a
//! county-level city (`瑞安市`) and a prefecture (`温州市`) look the same, and the name is
//! what the page says. Words that only look like names (`全县`, `本市`, `关于…市`) are refused
//! by the characters a place name never has.

/// How a division name ends, from the most specific ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// 省, 自治区: never the answer.
    Province,
    /// 自治州, 地区, 盟: never the answer.
    Prefecture,
    /// 市: a prefecture when a county-level name follows, else county-level.
    City,
    /// 县, 区, 旗, 自治县, 自治旗, 林区, 特区: the answer, and nothing below it is read.
    County,
}

/// Endings, longest first so that `自治区` is not read as a `区`.
const ENDINGS: &[(&str, Level)] = &[
    ("自治区", Level::Province),
    ("自治州", Level::Prefecture),
    ("自治县", Level::County),
    ("自治旗", Level::County),
    ("地区", Level::Prefecture),
    ("林区", Level::County),
    ("特区", Level::County),
    ("省", Level::Province),
    ("盟", Level::Prefecture),
    ("市", Level::City),
    ("县", Level::County),
    ("区", Level::County),
    ("旗", Level::County),
];

/// The longest division name, in characters, ending included (`克孜勒苏柯尔克孜自治州`: 11).
const MAX_NAME_CHARS: usize = 12;

/// A place name never starts with a determiner (`全县`, `本市`, `我区`, `各县`)…
const NOT_FIRST: &[char] = &['全', '本', '我', '该', '各', '每', '此', '今'];

/// … nor holds these words, which mark a title's phrase (`关于公布全市…`, `民生实事项目…县`)
/// rather than a name. Kept short: 永年县, 日照市, 和县 and 公安县 are names.
const NOT_IN_NAMES: &[&str] = &[
    "全县", "全市", "全区", "全省", "全旗", "本县", "本市", "本区", "我县", "我市", "我区", "关于",
    "民生", "实事", "项目", "进度", "公布", "通知", "年度", "的",
];

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFD)
}

/// The division name at the start of `text` and its level: the shortest run of at least two
/// Chinese characters that ends in a division ending.
fn leading_name(text: &str) -> Option<(&str, Level)> {
    let mut end = 0;
    for (count, c) in text.chars().enumerate() {
        if count >= MAX_NAME_CHARS || !is_han(c) || (count == 0 && NOT_FIRST.contains(&c)) {
            return None;
        }
        end += c.len_utf8();
        if count == 0 {
            continue; // an ending alone (`县卫健局`) is no name
        }
        let name = &text[..end];
        if NOT_IN_NAMES.iter().any(|w| name.ends_with(w)) {
            return None;
        }
        // The ending must leave at least one character of name before it. Only `自治州` ends
        // a name in 州, so `温州` reads on to `温州市`.
        for &(ending, level) in ENDINGS {
            if name.ends_with(ending) && name.len() > ending.len() {
                return Some((name, level));
            }
        }
    }
    None
}

/// The county-level division that `text` starts with (see the module doc), if any.
pub fn leading_county(text: &str) -> Option<String> {
    let mut rest = text.trim_start();
    let mut found: Option<&str> = None;
    while let Some((name, level)) = leading_name(rest) {
        match level {
            Level::Province | Level::Prefecture => {}
            Level::City => found = Some(name),
            Level::County => return Some(name.to_string()),
        }
        rest = &rest[name.len()..];
    }
    found.map(str::to_string)
}

/// The title's county: its leading division, after a leading year (`2024年文成县…`).
fn title_county(title: &str) -> Option<String> {
    let trimmed = title.trim_start();
    let after_year = trimmed
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(at, c)| &trimmed[at + c.len_utf8()..])
        .and_then(|rest| {
            rest.strip_prefix("年度")
                .or_else(|| rest.strip_prefix('年'))
        });
    leading_county(trimmed).or_else(|| after_year.and_then(leading_county))
}

/// The record's county: configured, else the publisher's leading division, else the title's.
pub fn county(
    configured: Option<&str>,
    publisher: Option<&str>,
    title: Option<&str>,
) -> Option<String> {
    configured
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .or_else(|| publisher.and_then(leading_county))
        .or_else(|| title.and_then(title_county))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_publisher_gives_its_county() {
        assert_eq!(leading_county("文成县发改局").as_deref(), Some("文成县"));
        assert_eq!(
            leading_county("泰顺县发展和改革局").as_deref(),
            Some("泰顺县")
        );
        assert_eq!(leading_county("文成县").as_deref(), Some("文成县"));
    }

    #[test]
    fn prefecture_before_a_county_is_stripped() {
        assert_eq!(
            leading_county("温州市文成县人民政府").as_deref(),
            Some("文成县")
        );
        assert_eq!(
            leading_county("浙江省丽水市莲都区人民政府").as_deref(),
            Some("莲都区")
        );
        assert_eq!(
            leading_county("内蒙古自治区鄂尔多斯市伊金霍洛旗").as_deref(),
            Some("伊金霍洛旗")
        );
    }

    #[test]
    fn county_level_city_alone_is_the_county() {
        assert_eq!(
            leading_county("瑞安市发展和改革局").as_deref(),
            Some("瑞安市")
        );
        assert_eq!(
            leading_county("温州市瑞安市人民政府").as_deref(),
            Some("瑞安市")
        );
    }

    #[test]
    fn autonomous_county_and_other_endings_are_county_level() {
        assert_eq!(
            leading_county("景宁畲族自治县人民政府办公室").as_deref(),
            Some("景宁畲族自治县")
        );
        assert_eq!(leading_county("神农架林区").as_deref(), Some("神农架林区"));
        assert_eq!(
            leading_county("鄂伦春自治旗人民政府").as_deref(),
            Some("鄂伦春自治旗")
        );
    }

    #[test]
    fn a_county_is_not_followed_into_its_own_agencies() {
        // 市场监督管理局 starts with 市 but is no division; nothing is read below a 县.
        assert_eq!(
            leading_county("文成县市场监督管理局").as_deref(),
            Some("文成县")
        );
        assert_eq!(
            leading_county("温州市市场监督管理局").as_deref(),
            Some("温州市")
        );
    }

    #[test]
    fn province_or_prefecture_alone_gives_no_county() {
        assert_eq!(leading_county("浙江省发展和改革委员会"), None);
        assert_eq!(leading_county("恩施土家族苗族自治州人民政府"), None);
        assert_eq!(leading_county("广西壮族自治区"), None);
    }

    #[test]
    fn words_that_only_end_like_names_are_refused() {
        assert_eq!(leading_county("县卫健局"), None);
        assert_eq!(leading_county("全县民生实事"), None);
        assert_eq!(leading_county("关于公布全市民生实事项目进展的通知"), None);
        assert_eq!(
            leading_county("公共服务“七优享”民生实事项目半年度进度表"),
            None
        );
        assert_eq!(leading_county(""), None);
    }

    #[test]
    fn configured_beats_publisher_beats_title() {
        assert_eq!(
            county(Some("文成县"), Some("泰顺县发改局"), Some("青田县…")).as_deref(),
            Some("文成县")
        );
        assert_eq!(
            county(None, Some("泰顺县发改局"), Some("青田县2024年")).as_deref(),
            Some("泰顺县")
        );
        assert_eq!(
            county(
                None,
                Some("县卫健局"),
                Some("青田县2024年民生实事项目年度进度表")
            )
            .as_deref(),
            Some("青田县")
        );
        assert_eq!(county(Some(" "), None, None), None);
    }

    #[test]
    fn title_county_may_follow_a_year() {
        assert_eq!(
            county(None, None, Some("2024年文成县民生实事项目进度表")).as_deref(),
            Some("文成县")
        );
    }
}
