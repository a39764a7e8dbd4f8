//! The crawl config file (TOML): `[defaults]` overriding [`FetchConfig`]'s defaults and one
//! `[[source]]` per disclosure column. See `sources.example.toml`.
//!
//! A config is checked whole before any request is made: an unknown key (a typo such as
//! `folow` would otherwise silently follow nothing), an invalid `follow` regex, a start URL
//! that is not http(s), an empty `start` list, are each rejected with the file, the line and
//! the reason (`sources.toml:12: invalid regex in follow: ...`). The defaults themselves live
//! in `crate::config`; this module only parses and validates.

use crate::config::{FetchConfig, DEFAULT_MAX_LIST_PAGES};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};
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
}

/// One `[[source]]`: a disclosure column (its list pages) and which of its links are articles.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Unique within the config; names the source in logs and in the store.
    pub name: String,
    /// Used as the publisher of pages that name none (no 来源 / 发布机构).
    pub publisher: Option<String>,
    /// The column's first list pages (http or https).
    pub start: Vec<Url>,
    /// Article links: matched against the absolute link URL.
    pub follow: Regex,
    /// When not empty, an article link is kept only if its text (or title) contains one.
    pub title_contains: Vec<String>,
    /// List pages read per start URL, the start page included.
    pub max_list_pages: usize,
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
    max_list_pages: Option<Spanned<usize>>,
    max_run_secs: Option<Spanned<u64>>,
    /// Host name -> `IP` or `IP:port`, like curl's `--resolve`.
    #[serde(default)]
    resolve: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    publisher: Option<String>,
    start: Spanned<Vec<Spanned<String>>>,
    follow: Spanned<String>,
    #[serde(default)]
    title_contains: Vec<String>,
    max_list_pages: Option<Spanned<usize>>,
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
    if let Some(ms) = d.delay_ms {
        fetch.delay = Duration::from_millis(ranged("delay_ms", ms, 0, MAX_DELAY_MS)?);
    }
    if let Some(n) = d.concurrency {
        let n = ranged("concurrency", widen(n), 1, MAX_CONCURRENCY as u64)?;
        fetch.concurrency = n as usize;
    }
    if let Some(ua) = d.user_agent {
        fetch.user_agent = ua;
    }
    if let Some(obey) = d.obey_robots {
        fetch.obey_robots = obey;
    }
    if let Some(secs) = d.timeout_secs {
        fetch.timeout = Duration::from_secs(ranged("timeout_secs", secs, 1, MAX_TIMEOUT_SECS)?);
    }
    if let Some(n) = d.max_attempts {
        let wide = Spanned::new(n.span(), u64::from(*n.get_ref()));
        fetch.max_attempts = ranged("max_attempts", wide, 1, u64::from(MAX_ATTEMPTS))? as u32;
    }
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
        if s.start.get_ref().is_empty() {
            return Err(error(
                Some(s.start.span()),
                format!("source {name:?}: start is empty; give the column's list page URL"),
            ));
        }
        let mut start = Vec::new();
        for url in s.start.into_inner() {
            start.push(http_url(url.get_ref()).map_err(|reason| {
                error(
                    Some(url.span()),
                    format!("source {name:?}: start URL {reason}"),
                )
            })?);
        }
        let follow = Regex::new(s.follow.get_ref()).map_err(|e| {
            let detail = e.to_string().replace('\n', " ");
            error(
                Some(s.follow.span()),
                format!("source {name:?}: invalid regex in follow: {detail}"),
            )
        })?;
        let max_list_pages = match s.max_list_pages {
            Some(n) => ranged("max_list_pages", widen(n), 1, MAX_LIST_PAGES as u64)
                .map_err(|e| ConfigError {
                    reason: format!("source {name:?}: {}", e.reason),
                    ..e
                })? as usize,
            None => default_max_list_pages,
        };
        sources.push(SourceConfig {
            name,
            publisher: s.publisher.filter(|p| !p.trim().is_empty()),
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
    })
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
