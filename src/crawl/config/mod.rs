//! The crawl config file (TOML): `[defaults]` overriding [`FetchConfig`]'s defaults and one
//! `[[source]]` per disclosure column. See `sources.example.toml`.
//!
//! A config is checked whole before any request is made: an unknown key (a typo such as
//! `folow` would otherwise silently follow nothing), an invalid `follow` regex, a start URL
//! that is not http(s), an empty `start` list, are each rejected with the file, the line and
//! the reason (`sources.toml:12: invalid regex in follow: ...`). The defaults themselves live
//! in `crate::config`; this module only parses and validates: the types and limits are
//! here, reading and checking the text in `parse.rs`, the tests pinning each line in `tests.rs`.

pub use super::lists::json::JsonList;
use crate::config::FetchConfig;
use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
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
/// few microseconds); it is compiled on first use, once per distinct pattern ([`Follow::regex`]),
/// or afresh for each column a crawl reads ([`Follow::compile`]). Compiling
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
            .get_or_init(|| self.compile())
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The pattern compiled afresh, not kept: a crawl compiles each column's once and drops
    /// it when the column is read (a config of 3,000 distinct patterns kept 3,000 compiled
    /// ones, ~350 MB, for the whole run: issue 16).
    pub fn compile(&self) -> Result<Regex, String> {
        Regex::new(&self.shared.0).map_err(|e| {
            format!(
                "invalid regex in follow: {}",
                e.to_string().replace('\n', " ")
            )
        })
    }

    /// True when the pattern compiles and matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_ok_and(|r| r.is_match(text))
    }
}

/// A config that cannot be used: the file, the 1-based line when known, and the reason.
/// `Display` is `PATH:LINE: reason`, or `PATH: reason` without a line; `source()` is the
/// error underneath, when there is one (the file could not be read, the TOML does not parse).
/// Two errors are equal when they say the same (path, line, reason).
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub reason: String,
    pub cause: Option<ConfigCause>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {
    /// The io or TOML error itself (the reason already says what it means here).
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.cause.as_ref()? {
            ConfigCause::Read(e) => Some(e.as_ref()),
            ConfigCause::Toml(e) => Some(e.as_ref()),
        }
    }
}

impl PartialEq for ConfigError {
    fn eq(&self, other: &ConfigError) -> bool {
        (&self.path, self.line, &self.reason) == (&other.path, other.line, &other.reason)
    }
}

impl Eq for ConfigError {}

/// The error under a [`ConfigError`], its `source()`.
#[derive(Debug, Clone)]
pub enum ConfigCause {
    Read(std::sync::Arc<std::io::Error>),
    Toml(std::sync::Arc<toml::de::Error>),
}

mod parse;
#[cfg(test)]
mod tests;

pub use parse::parse;

/// Reads and validates the config at `path`.
pub fn load(path: &Path) -> Result<CrawlConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: None,
        reason: format!("cannot read the config: {e}"),
        cause: Some(ConfigCause::Read(std::sync::Arc::new(e))),
    })?;
    parse(&text, path)
}
