//! Reading a config's text: TOML into the raw `Raw*` shapes (`deny_unknown_fields`, every
//! value `Spanned` so an error names its line), then each value checked and turned into the
//! types of [`super`]: ranges, regex syntax, http(s) URLs, unique source names.

use super::{
    ConfigCause, ConfigError, CrawlConfig, Follow, SourceConfig, MAX_ATTEMPTS, MAX_CONCURRENCY,
    MAX_DELAY_MS, MAX_LIST_PAGES, MAX_RUN_SECS, MAX_TIMEOUT_SECS,
};
use crate::config::{FetchConfig, FetchOverrides, DEFAULT_MAX_LIST_PAGES, MAX_BODY_BYTES};
use crate::crawl::lists::json::JsonList;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;
use url::Url;

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

/// Parses and validates config `text`; `path` is only used in errors.
pub fn parse(text: &str, path: &Path) -> Result<CrawlConfig, ConfigError> {
    let error = |span: Option<Range<usize>>, reason: String| ConfigError {
        path: path.to_path_buf(),
        line: span.map(|s| line_of(text, s.start)),
        reason,
        cause: None,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
        cause: Some(ConfigCause::Toml(std::sync::Arc::new(e.clone()))),
        ..error(e.span(), e.message().trim().to_string())
    })?;

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
