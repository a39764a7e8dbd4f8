//! The crawl config file (TOML): `[defaults]` overriding [`FetchConfig`]'s defaults and one
//! `[[source]]` per disclosure column. See `sources.example.toml`.
//!
//! A config is checked whole before any request is made: an unknown key (a typo such as
//! `folow` would otherwise silently follow nothing), an invalid `follow` regex, a start URL
//! that is not http(s), an empty `start` list, are each rejected with the file, the line and
//! the reason (`sources.toml:12: invalid regex in follow: ...`). The defaults themselves live
//! in `crate::config`; this module only parses and validates.

use super::lists::json::JsonList;
use crate::config::{FetchConfig, FetchOverrides, DEFAULT_MAX_LIST_PAGES, MAX_BODY_BYTES};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use toml::Spanned;
use url::Url;

/// Longest `delay_ms` accepted: an hour. A larger one (issue 11 saw `86400000`, a day per
/// request) holds a run for ever on its second request to a host.
pub const MAX_DELAY_MS: u64 = 3_600_000;
/// Longest `timeout_secs` accepted: an hour per request. `0` is refused too: reqwest takes a
/// zero timeout as "fail at once", so nothing would ever be fetched.
pub const MAX_TIMEOUT_SECS: u64 = 3600;
/// Most hosts fetched at once.
pub const MAX_CONCURRENCY: usize = 1024;
/// Most attempts per URL.
pub const MAX_ATTEMPTS: u32 = 20;
/// Most list pages per start URL.
pub const MAX_LIST_PAGES: usize = 10_000;
/// Longest `max_run_secs`: a week.
pub const MAX_RUN_SECS: u64 = 7 * 24 * 3600;

/// A parsed, validated crawl config.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// HTTP settings: `FetchConfig::default()` with `[defaults]` applied.
    pub fetch: FetchConfig,
    pub sources: Vec<SourceConfig>,
    /// `max_run_secs`: a run stops fetching after this long (`crawl::stop`). Default none.
    pub max_run: Option<Duration>,
    /// `bom = true` in `[defaults]`: records.csv starts with a UTF-8 byte-order mark.
    pub bom: bool,
}

/// One `[[source]]`: a disclosure column (its list pages) and which of its links are articles.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Unique within the config; names the source in logs and in the store.
    pub name: String,
    /// Used as the publisher of pages that name none (no 来源 / 发布机构).
    pub publisher: Option<String>,
    /// The column's first list pages (http or https); may be empty when `list_json` is given.
    pub start: Vec<Url>,
    /// `county = "文成县"`: the county of every record of this source.
    pub county: Option<String>,
    /// `list_json`: the column's items come from a JSON endpoint ([`JsonList`]).
    pub list_json: Option<JsonList>,
    /// Where this source's requests may lead (`Fetcher::fetch_from`): the start URLs and
    /// the JSON list's first page.
    pub origins: Vec<Url>,
    /// Article links: matched against the absolute link URL.
    pub follow: Follow,
    /// When not empty, an article link is kept only if its text (or title) contains one.
    pub title_contains: Vec<String>,
    /// List pages read per start URL, the start page included.
    pub max_list_pages: usize,
}

/// A source's `follow` pattern. Its syntax is checked when the config is read (a parse, a
/// few microseconds); it is compiled on first use, once per distinct pattern. Compiling
/// every pattern up front made checking a config of 10,000 sources take seconds and
/// 850 MB (issue 11): a compiled regex with Unicode classes such as `\d` is some 80 KB.
#[derive(Debug, Clone)]
pub struct Follow {
    shared: Arc<(String, OnceLock<Result<Regex, String>>)>,
}

impl Follow {
    /// Checks `pattern`'s syntax as `Regex::new` would (same nesting limit); the error text is
    /// regex's own.
    pub fn new(pattern: &str) -> Result<Follow, String> {
        regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .map_err(|e| e.to_string())?;
        Ok(Follow {
            shared: Arc::new((pattern.to_string(), OnceLock::new())),
        })
    }

    pub fn pattern(&self) -> &str {
        &self.shared.0
    }

    /// The compiled pattern, or why it cannot be (one that parses but is larger than
    /// regex's size limit).
    pub fn regex(&self) -> Result<&Regex, String> {
        self.shared
            .1
            .get_or_init(|| {
                Regex::new(&self.shared.0).map_err(|e| {
                    format!(
                        "invalid regex in follow: {}",
                        e.to_string().replace('\n', " ")
                    )
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// True when the pattern compiles and matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_ok_and(|r| r.is_match(text))
    }
}

/// A config that cannot be used: the file, the 1-based line when known, and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default, rename = "source")]
    sources: Vec<RawSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    delay_ms: Option<Spanned<u64>>,
    concurrency: Option<Spanned<usize>>,
    user_agent: Option<String>,
    obey_robots: Option<bool>,
    timeout_secs: Option<Spanned<u64>>,
    max_attempts: Option<Spanned<u32>>,
    max_body_bytes: Option<Spanned<u64>>,
    max_list_pages: Option<Spanned<usize>>,
    max_run_secs: Option<Spanned<u64>>,
    bom: Option<bool>,
    /// Host name -> `IP` or `IP:port`, like curl's `--resolve`.
    #[serde(default)]
    resolve: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    publisher: Option<String>,
    county: Option<String>,
    start: Option<Spanned<Vec<Spanned<String>>>>,
    follow: Spanned<String>,
    #[serde(default)]
    title_contains: Vec<String>,
    max_list_pages: Option<Spanned<usize>>,
    list_json: Option<Spanned<RawJsonList>>,
}

/// `list_json = { url = …, items = …, url_field = …, title_field = … }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJsonList {
    url: String,
    #[serde(default)]
    items: String,
    url_field: String,
    #[serde(default)]
    title_field: String,
}

/// Reads and validates the config at `path`.
pub fn load(path: &Path) -> Result<CrawlConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: None,
        reason: format!("cannot read the config: {e}"),
    })?;
    parse(&text, path)
}

/// Parses and validates config `text`; `path` is only used in errors.
pub fn parse(text: &str, path: &Path) -> Result<CrawlConfig, ConfigError> {
    let error = |span: Option<Range<usize>>, reason: String| ConfigError {
        path: path.to_path_buf(),
        line: span.map(|s| line_of(text, s.start)),
        reason,
    };
    let raw: RawConfig =
        toml::from_str(text).map_err(|e| error(e.span(), e.message().trim().to_string()))?;

    let mut fetch = FetchConfig::default();
    let d = raw.defaults;
    // Each value within its range, or `file:line: reason`.
    let ranged = |what: &str, n: Spanned<u64>, min: u64, max: u64| {
        let value = *n.get_ref();
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(error(
                Some(n.span()),
                format!("{what} = {value} is out of range: it must be from {min} to {max}"),
            ))
        }
    };
    let widen = |n: Spanned<usize>| Spanned::new(n.span(), *n.get_ref() as u64);
    // The same overrides as the command line's (`config::FetchOverrides`), each checked here
    // with its line.
    let widen32 = |n: Spanned<u32>| Spanned::new(n.span(), u64::from(*n.get_ref()));
    let overrides = FetchOverrides {
        delay: match d.delay_ms {
            Some(ms) => Some(Duration::from_millis(ranged(
                "delay_ms",
                ms,
                0,
                MAX_DELAY_MS,
            )?)),
            None => None,
        },
        concurrency: match d.concurrency {
            Some(n) => Some(ranged("concurrency", widen(n), 1, MAX_CONCURRENCY as u64)? as usize),
            None => None,
        },
        obey_robots: d.obey_robots,
        user_agent: d.user_agent,
        timeout: match d.timeout_secs {
            Some(secs) => Some(Duration::from_secs(ranged(
                "timeout_secs",
                secs,
                1,
                MAX_TIMEOUT_SECS,
            )?)),
            None => None,
        },
        max_attempts: match d.max_attempts {
            Some(n) => Some(ranged("max_attempts", widen32(n), 1, u64::from(MAX_ATTEMPTS))? as u32),
            None => None,
        },
        max_body_bytes: match d.max_body_bytes {
            Some(n) => Some(ranged("max_body_bytes", n, 1, MAX_BODY_BYTES)?),
            None => None,
        },
    };
    overrides.apply(&mut fetch);
    let max_run = match d.max_run_secs {
        Some(secs) => Some(Duration::from_secs(ranged(
            "max_run_secs",
            secs,
            1,
            MAX_RUN_SECS,
        )?)),
        None => None,
    };
    for (host, addr) in d.resolve {
        let parsed = addr
            .get_ref()
            .parse::<SocketAddr>()
            .or_else(|_| {
                addr.get_ref()
                    .parse::<IpAddr>()
                    .map(|ip| SocketAddr::new(ip, 0))
            })
            .map_err(|_| {
                error(
                    Some(addr.span()),
                    format!(
                        "resolve.{host:?}: {:?} is not an IP address or IP:port",
                        addr.get_ref()
                    ),
                )
            })?;
        fetch.resolve.push((host, parsed));
    }
    let default_max_list_pages = match d.max_list_pages {
        Some(n) => ranged("max_list_pages", widen(n), 1, MAX_LIST_PAGES as u64)? as usize,
        None => DEFAULT_MAX_LIST_PAGES,
    };

    if raw.sources.is_empty() {
        return Err(error(None, "no [[source]]: nothing to crawl".into()));
    }
    let mut names = HashSet::new();
    let mut patterns: HashMap<String, Follow> = HashMap::new();
    let mut sources = Vec::new();
    for s in raw.sources {
        let name = s.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(error(Some(s.name.span()), "source name is empty".into()));
        }
        if !names.insert(name.clone()) {
            return Err(error(
                Some(s.name.span()),
                format!("source name {name:?} is used twice; names identify sources in the store"),
            ));
        }
        let list_json = match s.list_json {
            Some(raw) => Some(
                json_list(&name, raw.get_ref())
                    .map_err(|reason| error(Some(raw.span()), reason))?,
            ),
            None => None,
        };
        let starts = s.start.map(|st| (st.span(), st.into_inner()));
        let empty = starts.as_ref().is_none_or(|(_, v)| v.is_empty());
        if empty && list_json.is_none() {
            let span = starts
                .as_ref()
                .map_or(s.name.span(), |(span, _)| span.clone());
            return Err(error(
                Some(span),
                format!("source {name:?}: start is empty; give the column's list page URL"),
            ));
        }
        let mut start = Vec::new();
        for url in starts.map(|(_, v)| v).unwrap_or_default() {
            start.push(http_url(url.get_ref()).map_err(|reason| {
                error(
                    Some(url.span()),
                    format!("source {name:?}: start URL {reason}"),
                )
            })?);
        }
        let follow = match patterns.get(s.follow.get_ref()) {
            Some(follow) => Follow::clone(follow),
            None => {
                let follow = Follow::new(s.follow.get_ref()).map_err(|e| {
                    let detail = e.replace('\n', " ");
                    error(
                        Some(s.follow.span()),
                        format!("source {name:?}: invalid regex in follow: {detail}"),
                    )
                })?;
                patterns.insert(s.follow.get_ref().clone(), follow.clone());
                follow
            }
        };
        let max_list_pages = match s.max_list_pages {
            Some(n) => {
                ranged("max_list_pages", widen(n), 1, MAX_LIST_PAGES as u64).map_err(|e| {
                    ConfigError {
                        reason: format!("source {name:?}: {}", e.reason),
                        ..e
                    }
                })? as usize
            }
            None => default_max_list_pages,
        };
        let mut origins = start.clone();
        if let Some(first) = list_json.as_ref().and_then(|j| j.page_url(1).ok()) {
            origins.push(first);
        }
        sources.push(SourceConfig {
            name,
            publisher: s.publisher.filter(|p| !p.trim().is_empty()),
            county: s
                .county
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            list_json,
            origins,
            start,
            follow,
            title_contains: s.title_contains,
            max_list_pages,
        });
    }
    Ok(CrawlConfig {
        fetch,
        sources,
        max_run,
        bom: d.bom.unwrap_or(false),
    })
}

/// A `list_json` table checked: its URL (page 1 with `{page}` filled) is absolute http(s)
/// and the item's `url_field` is named.
fn json_list(name: &str, raw: &RawJsonList) -> Result<JsonList, String> {
    let list = JsonList {
        url: raw.url.trim().to_string(),
        items: raw.items.trim().to_string(),
        url_field: raw.url_field.trim().to_string(),
        title_field: raw.title_field.trim().to_string(),
    };
    let first = list.url.replace("{page}", "1");
    http_url(&first).map_err(|reason| format!("source {name:?}: list_json url {reason}"))?;
    if list.url_field.is_empty() {
        return Err(format!(
            "source {name:?}: list_json url_field is empty; name the item's link field (e.g. \"url\")"
        ));
    }
    Ok(list)
}

/// The URL if it is absolute http(s), else why not.
fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("{text:?} has no host")),
        scheme => Err(format!(
            "{text:?} has scheme {scheme:?}: only http and https are crawled"
        )),
    }
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[defaults]
delay_ms = 20
concurrency = 3
max_attempts = 2
resolve = { "www.wencheng.gov.cn" = "127.0.0.1:8080", "www.qingtian.gov.cn" = "127.0.0.2" }

[[source]]
name = "文成县 民生实事"
publisher = "文成县"
start = ["https://www.wencheng.gov.cn/col/col1229265580/index.html"]
follow = '/art/\d{4}/\d+/\d+/art_\d+_\d+\.html$'
title_contains = ["民生实事", "七优享"]
max_list_pages = 3

[[source]]
name = "青田县"
start = ["http://www.qingtian.gov.cn/col/col1/index.html"]
follow = 'art_'
"#;

    fn parse_str(text: &str) -> Result<CrawlConfig, ConfigError> {
        parse(text, Path::new("sources.toml"))
    }

    fn error_of(text: &str) -> String {
        parse_str(text).unwrap_err().to_string()
    }

    #[test]
    fn max_body_bytes_is_set_in_defaults_within_its_range() {
        let with = |n: &str| GOOD.replace("max_attempts = 2", &format!("max_body_bytes = {n}"));
        let c = parse_str(&with("1000000")).unwrap();
        assert_eq!(c.fetch.max_body_bytes, 1_000_000);
        assert_eq!(
            error_of(&with("0")),
            "sources.toml:5: max_body_bytes = 0 is out of range: it must be from 1 to 4294967296"
        );
    }

    #[test]
    fn good_config_overrides_defaults_and_keeps_the_rest() {
        let c = parse_str(GOOD).unwrap();
        assert_eq!(c.fetch.delay, Duration::from_millis(20));
        assert_eq!(c.fetch.concurrency, 3);
        assert_eq!(c.fetch.max_attempts, 2);
        assert_eq!(c.fetch.timeout, FetchConfig::default().timeout);
        assert_eq!(
            c.fetch.resolve,
            vec![
                (
                    "www.qingtian.gov.cn".to_string(),
                    "127.0.0.2:0".parse().unwrap()
                ),
                (
                    "www.wencheng.gov.cn".to_string(),
                    "127.0.0.1:8080".parse().unwrap()
                ),
            ]
        );
        assert_eq!(c.sources.len(), 2);
        let s = &c.sources[0];
        assert_eq!(s.name, "文成县 民生实事");
        assert_eq!(s.publisher.as_deref(), Some("文成县"));
        assert_eq!(
            s.start[0].as_str(),
            "https://www.wencheng.gov.cn/col/col1229265580/index.html"
        );
        assert!(s
            .follow
            .is_match("https://www.wencheng.gov.cn/art/2024/8/28/art_1229265580_59001.html"));
        assert_eq!(s.title_contains, vec!["民生实事", "七优享"]);
        assert_eq!(s.max_list_pages, 3);
        assert_eq!(c.sources[1].publisher, None);
        assert_eq!(c.sources[1].max_list_pages, DEFAULT_MAX_LIST_PAGES);
    }

    #[test]
    fn unknown_key_is_rejected_with_its_line() {
        let text = GOOD.replace("follow = 'art_'", "folow = 'art_'");
        let err = error_of(&text);
        assert!(
            err.starts_with("sources.toml:19: unknown field `folow`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_in_defaults_is_rejected_with_its_line() {
        let err = error_of(&GOOD.replace("delay_ms = 20", "delay = 20"));
        assert!(
            err.starts_with("sources.toml:3: unknown field `delay`"),
            "{err}"
        );
    }

    #[test]
    fn invalid_regex_is_rejected_with_its_line() {
        let err = error_of(&GOOD.replace("follow = 'art_'", "follow = 'art_(\\d+'"));
        assert!(
            err.starts_with("sources.toml:19: source \"青田县\": invalid regex in follow: "),
            "{err}"
        );
    }

    #[test]
    fn non_http_start_url_is_rejected_with_its_line() {
        let err = error_of(&GOOD.replace(
            "http://www.qingtian.gov.cn/col/col1/index.html",
            "ftp://www.qingtian.gov.cn/col/col1/",
        ));
        assert_eq!(
            err,
            "sources.toml:18: source \"青田县\": start URL \"ftp://www.qingtian.gov.cn/col/col1/\" has scheme \"ftp\": only http and https are crawled"
        );
    }

    #[test]
    fn relative_start_url_is_rejected() {
        let err = error_of(&GOOD.replace(
            "http://www.qingtian.gov.cn/col/col1/index.html",
            "/col/col1/index.html",
        ));
        assert!(err.starts_with("sources.toml:18: source \"青田县\": start URL \"/col/col1/index.html\" is not a URL"), "{err}");
    }

    #[test]
    fn duplicate_source_names_are_rejected() {
        let err = error_of(&GOOD.replace("name = \"青田县\"", "name = \"文成县 民生实事\""));
        assert!(
            err.starts_with("sources.toml:17: source name \"文成县 民生实事\" is used twice"),
            "{err}"
        );
    }

    #[test]
    fn empty_start_and_zero_limits_are_rejected() {
        let err = error_of(&GOOD.replace(
            "start = [\"http://www.qingtian.gov.cn/col/col1/index.html\"]",
            "start = []",
        ));
        assert!(
            err.starts_with("sources.toml:18: source \"青田县\": start is empty"),
            "{err}"
        );
        let err = error_of(&GOOD.replace("concurrency = 3", "concurrency = 0"));
        assert_eq!(
            err,
            "sources.toml:4: concurrency = 0 is out of range: it must be from 1 to 1024"
        );
        let err = error_of(&GOOD.replace("max_list_pages = 3", "max_list_pages = 0"));
        assert_eq!(
            err,
            "sources.toml:14: source \"文成县 民生实事\": max_list_pages = 0 is out of range: it must be from 1 to 10000"
        );
    }

    #[test]
    fn a_zero_timeout_and_a_day_long_delay_are_rejected_with_their_lines() {
        let err = error_of(&GOOD.replace("delay_ms = 20", "timeout_secs = 0"));
        assert_eq!(
            err,
            "sources.toml:3: timeout_secs = 0 is out of range: it must be from 1 to 3600"
        );
        let err = error_of(&GOOD.replace("delay_ms = 20", "delay_ms = 86400000"));
        assert_eq!(
            err,
            "sources.toml:3: delay_ms = 86400000 is out of range: it must be from 0 to 3600000"
        );
        let err = error_of(&GOOD.replace("max_attempts = 2", "max_attempts = 1000"));
        assert_eq!(
            err,
            "sources.toml:5: max_attempts = 1000 is out of range: it must be from 1 to 20"
        );
        let err = error_of(&GOOD.replace("delay_ms = 20", "max_run_secs = 0"));
        assert_eq!(
            err,
            "sources.toml:3: max_run_secs = 0 is out of range: it must be from 1 to 604800"
        );
        let c = parse_str(&GOOD.replace("delay_ms = 20", "max_run_secs = 600")).unwrap();
        assert_eq!(c.max_run, Some(Duration::from_secs(600)));
        assert_eq!(parse_str(GOOD).unwrap().max_run, None);
    }

    const JSON_SOURCE: &str = r#"
[defaults]
bom = true

[[source]]
name = "泰顺县"
county = "泰顺县"
follow = 'art_\d+_\d+\.html$'
list_json = { url = "https://www.taishun.gov.cn/api/col/1229/list?page={page}&size=20", items = "data.list", url_field = "url", title_field = "title" }
"#;

    #[test]
    fn a_json_list_source_needs_no_start_and_may_be_fetched_from_its_endpoint() {
        let c = parse_str(JSON_SOURCE).unwrap();
        assert!(c.bom);
        let s = &c.sources[0];
        assert!(s.start.is_empty());
        assert_eq!(s.county.as_deref(), Some("泰顺县"));
        assert_eq!(
            s.list_json,
            Some(JsonList {
                url: "https://www.taishun.gov.cn/api/col/1229/list?page={page}&size=20".into(),
                items: "data.list".into(),
                url_field: "url".into(),
                title_field: "title".into(),
            })
        );
        assert_eq!(
            s.origins.iter().map(Url::as_str).collect::<Vec<_>>(),
            vec!["https://www.taishun.gov.cn/api/col/1229/list?page=1&size=20"]
        );
        let plain = parse_str(GOOD).unwrap();
        assert!(!plain.bom);
        assert_eq!(plain.sources[0].county, None);
        assert_eq!(plain.sources[0].origins, plain.sources[0].start);
    }

    #[test]
    fn a_bad_json_list_is_rejected_with_its_line() {
        let err = error_of(&JSON_SOURCE.replace("https://www.taishun", "ftp://www.taishun"));
        assert!(
            err.starts_with("sources.toml:9: source \"泰顺县\": list_json url \"ftp://www.taishun.gov.cn/api/col/1229/list?page=1&size=20\" has scheme \"ftp\""),
            "{err}"
        );
        let err = error_of(&JSON_SOURCE.replace("url_field = \"url\"", "url_field = \"\""));
        assert!(
            err.starts_with("sources.toml:9: source \"泰顺县\": list_json url_field is empty"),
            "{err}"
        );
        let err = error_of(&JSON_SOURCE.replace("items =", "item ="));
        assert!(
            err.starts_with("sources.toml:9: unknown field `item`"),
            "{err}"
        );
        let err = error_of(&JSON_SOURCE.replace("list_json", "list_jsn"));
        assert!(
            err.starts_with("sources.toml:9: unknown field `list_jsn`"),
            "{err}"
        );
    }

    #[test]
    fn a_source_without_start_or_list_json_is_rejected_at_its_name() {
        let err = error_of(&GOOD.replace(
            "start = [\"http://www.qingtian.gov.cn/col/col1/index.html\"]\n",
            "",
        ));
        assert!(
            err.starts_with("sources.toml:17: source \"青田县\": start is empty"),
            "{err}"
        );
    }

    #[test]
    fn a_follow_pattern_too_large_to_compile_is_reported_when_used() {
        let follow = Follow::new("\\w{1000}{1000}").unwrap();
        let err = follow.regex().unwrap_err();
        assert!(err.starts_with("invalid regex in follow: "), "{err}");
        assert!(!follow.is_match("art_1"));
    }

    #[test]
    fn sources_with_the_same_follow_pattern_share_one_compiled_regex() {
        let text = GOOD.replace(
            "follow = 'art_'",
            "follow = '/art/\\d{4}/\\d+/\\d+/art_\\d+_\\d+\\.html$'",
        );
        let c = parse_str(&text).unwrap();
        assert!(Arc::ptr_eq(
            &c.sources[0].follow.shared,
            &c.sources[1].follow.shared
        ));
    }

    #[test]
    fn bad_resolve_address_is_rejected() {
        let err = error_of(&GOOD.replace("\"127.0.0.2\"", "\"localhost\""));
        assert_eq!(
            err,
            "sources.toml:6: resolve.\"www.qingtian.gov.cn\": \"localhost\" is not an IP address or IP:port"
        );
    }

    #[test]
    fn a_config_without_sources_is_rejected() {
        assert_eq!(
            error_of("[defaults]\ndelay_ms = 5\n"),
            "sources.toml: no [[source]]: nothing to crawl"
        );
    }

    #[test]
    fn toml_syntax_error_names_the_line() {
        let err = error_of("[defaults]\ndelay_ms = \n");
        assert!(err.starts_with("sources.toml:2: "), "{err}");
    }

    #[test]
    fn the_shipped_example_config_is_valid() {
        let c = parse(
            include_str!("../../sources.example.toml"),
            Path::new("sources.example.toml"),
        )
        .unwrap();
        let names: Vec<&str> = c.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "文成县 民生实事",
                "青田县 民生实事",
                "景宁畲族自治县 民生实事"
            ]
        );
        assert_eq!(
            c.sources[0].start[0].as_str(),
            "https://www.wencheng.gov.cn/col/col1229265580/index.html"
        );
        assert_eq!(c.sources[0].county.as_deref(), Some("文成县"));
        // The commented template examples are valid too.
        let all = include_str!("../../sources.example.toml").replace("\n#~ ", "\n");
        let all = parse(&all, Path::new("sources.example.toml")).unwrap();
        let json = all.sources.last().unwrap();
        assert_eq!(json.name, "泰顺县 民生实事");
        assert_eq!(
            json.list_json.as_ref().map(|j| j.items.as_str()),
            Some("data.list")
        );
        assert_eq!(all.sources.len(), 5);
        assert_eq!(c.fetch.delay, Duration::from_millis(1000));
    }

    #[test]
    fn a_missing_file_names_the_file() {
        let err = load(Path::new("/nonexistent/sources.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/nonexistent/sources.toml: cannot read the config: "),
            "{err}"
        );
    }
}

#[cfg(test)]
mod large {
    use super::*;

    /// A config of `n` sources, each its own column and follow pattern.
    pub(super) fn many_sources(n: usize) -> String {
        let mut text = String::from("[defaults]\ndelay_ms = 1000\n");
        for i in 0..n {
            text.push_str(&format!(
                "\n[[source]]\nname = \"县{i} 民生实事\"\npublisher = \"县{i}\"\n\
                 start = [\"https://www.county{i}.gov.cn/col/col{i}/index.html\"]\n\
                 follow = '/art/\\d{{4}}/\\d+/\\d+/art_{i}_\\d+\\.html$'\n\
                 title_contains = [\"民生实事\"]\n"
            ));
        }
        text
    }

    #[test]
    fn a_config_of_ten_thousand_sources_is_validated_whole() {
        let text = many_sources(10_000);
        let c = parse(&text, Path::new("big.toml")).unwrap();
        assert_eq!(c.sources.len(), 10_000);
        let last = &c.sources[9_999];
        assert_eq!(last.name, "县9999 民生实事");
        assert_eq!(
            last.start[0].as_str(),
            "https://www.county9999.gov.cn/col/col9999/index.html"
        );
        assert!(last
            .follow
            .is_match("https://www.county9999.gov.cn/art/2024/8/28/art_9999_59001.html"));
        assert!(!last
            .follow
            .is_match("https://www.county9999.gov.cn/art/2024/8/28/art_9998_59001.html"));
        let bad = text.replace("art_9999_", "art_(9999_");
        let err = parse(&bad, Path::new("big.toml")).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "big.toml:{}: source \"县9999 民生实事\": invalid regex in follow",
                3 + 9_999 * 7 + 5
            )),
            "{err}"
        );
    }
}
