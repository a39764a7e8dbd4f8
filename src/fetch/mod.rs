//! Fetch: URLs -> raw bytes plus HTTP metadata, politely and robustly. The only stage that
//! talks to the network; it never decodes or parses (that is `decode` and `extract`).
//!
//! One [`Fetcher`] is built per run from [`FetchConfig`] and shared (it is an `Arc` inside);
//! every rule below holds for all its callers together, however many tasks call it:
//!
//! - **politeness** (`politeness.rs`): one request at a time per host, at least the host's
//!   delay between requests (default 1 s, raised by robots.txt `Crawl-delay`), hosts in
//!   parallel up to `concurrency`;
//! - **robots.txt** (`robots.rs`): fetched once per site and obeyed unless `obey_robots` is off;
//! - **retries** (`retry.rs`): connect errors, timeouts, 429 and 5xx are retried with
//!   exponential backoff and jitter, honouring `Retry-After`, from a budget shared by the run;
//! - **one request** (`client.rs`): reqwest with rustls, gzip / brotli / deflate, connect and
//!   total timeouts, a body limit on decompressed bytes, at most `max_redirects` redirects,
//!   only http and https, and no body that is clearly not HTML.
//!
//! ```no_run
//! # async fn run() -> Result<(), minsheng::fetch::FetchError> {
//! use minsheng::fetch::{Fetcher, Request};
//! let fetcher = Fetcher::new(&minsheng::config::FetchConfig::default())?;
//! let page = fetcher.fetch(Request::new("https://www.wencheng.gov.cn/art/2024/8/28/art_1.html")).await?;
//! println!("{} bytes, {}", page.bytes.len(), page.content_type.unwrap_or_default());
//! # Ok(()) }
//! ```

mod client;
mod error;
mod politeness;
mod retry;
mod robots;

pub use error::FetchError;

use crate::config::FetchConfig;
use client::Purpose;
use politeness::Politeness;
use retry::Budget;
use robots::RobotsCache;
use std::sync::Arc;
use url::Url;

/// One GET to make; a conditional GET when `etag` or `last_modified` is set (sent as
/// `If-None-Match` / `If-Modified-Since`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Request {
    /// A plain GET of `url`.
    pub fn new(url: impl Into<String>) -> Request {
        Request {
            url: url.into(),
            etag: None,
            last_modified: None,
        }
    }
}

/// A response that was had: the bytes (decompressed) and what the server said about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL asked for.
    pub url: String,
    /// The URL after redirects.
    pub final_url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The body after content decoding; empty for a 304.
    pub bytes: Vec<u8>,
    /// When the body was read, as `pipeline::now_utc()` writes it.
    pub fetched_at: String,
    /// The server answered 304 Not Modified to a conditional GET.
    pub not_modified: bool,
}

/// The HTTP client of a run. Cheap to clone; all clones share politeness, the robots.txt
/// cache and the retry budget.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    config: FetchConfig,
    politeness: Politeness,
    robots: RobotsCache,
    budget: Budget,
    /// The robots.txt product token of our User-Agent.
    agent: String,
}

impl Fetcher {
    /// Builds the client and the shared state from `config`.
    pub fn new(config: &FetchConfig) -> Result<Fetcher, FetchError> {
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client: client::build(config)?,
                config: config.clone(),
                politeness: Politeness::new(config.delay, config.concurrency),
                robots: RobotsCache::default(),
                budget: Budget::new(config.retry_budget),
                agent: robots::agent_token(&config.user_agent),
            }),
        })
    }

    /// Fetches one URL: robots.txt checked, politeness waited for, retryable failures retried.
    pub async fn fetch(&self, req: Request) -> Result<Fetched, FetchError> {
        let url = parse_http_url(&req.url)?;
        if self.inner.config.obey_robots {
            self.check_robots(&req.url, &url).await?;
        }
        self.fetch_with_retries(&url, &req, Purpose::Page).await
    }

    /// Fetches every URL, results in input order. Different hosts proceed in parallel (up to
    /// `concurrency`); requests to one host take turns, `delay` apart.
    pub async fn fetch_all(&self, urls: Vec<String>) -> Vec<Result<Fetched, FetchError>> {
        futures_util::future::join_all(urls.into_iter().map(|url| self.fetch(Request::new(url))))
            .await
    }

    /// Errors unless robots.txt of the URL's site allows it; fetches robots.txt on first use.
    async fn check_robots(&self, raw: &str, url: &Url) -> Result<(), FetchError> {
        let origin = url.origin().ascii_serialization();
        let cell = self.inner.robots.cell(&origin);
        let outcome = cell
            .get_or_init(|| async {
                let robots_url = format!("{origin}/robots.txt");
                let fetched = match parse_http_url(&robots_url) {
                    Ok(parsed) => {
                        self.fetch_with_retries(&parsed, &Request::new(robots_url), Purpose::Robots)
                            .await
                    }
                    Err(e) => Err(e),
                };
                let outcome = robots::interpret(&self.inner.agent, fetched);
                if let Ok(rules) = &outcome {
                    if let Some(delay) = rules.crawl_delay() {
                        self.inner.politeness.raise_delay(
                            &host_key(url),
                            delay.min(self.inner.config.max_crawl_delay),
                        );
                    }
                }
                outcome
            })
            .await;
        match outcome {
            Ok(rules) if rules.allowed(url.as_str()) => Ok(()),
            Ok(_) => Err(FetchError::Disallowed {
                url: raw.to_string(),
            }),
            // The host cannot be reached at all: that, not robots.txt, is why the page
            // cannot be had, and the page's error says so.
            Err(cause @ (FetchError::Connect { .. } | FetchError::Timeout { .. })) => {
                Err(cause.clone().for_url(raw))
            }
            Err(cause) => Err(FetchError::RobotsUnavailable {
                url: raw.to_string(),
                cause: Box::new(cause.clone()),
            }),
        }
    }

    /// Attempts until success, a failure that is not retryable, `max_attempts`, or the run's
    /// retry budget runs out. Each attempt takes its turn at the host.
    async fn fetch_with_retries(
        &self,
        url: &Url,
        req: &Request,
        purpose: Purpose,
    ) -> Result<Fetched, FetchError> {
        let config = &self.inner.config;
        let host = host_key(url);
        let mut failed = 0u32;
        loop {
            let result = {
                let mut turn = self.inner.politeness.acquire(&host).await;
                let result = client::get(&self.inner.client, config, url, req, purpose).await;
                if let Some(wait) = result.as_ref().err().and_then(FetchError::retry_after) {
                    // The server asked the whole host to wait, not only this URL.
                    turn.defer(wait.min(config.backoff_max));
                }
                result
            };
            let error = match result {
                Ok(fetched) => return Ok(fetched),
                Err(e) => e,
            };
            failed += 1;
            if !error.is_retryable() || failed >= config.max_attempts || !self.inner.budget.take() {
                return Err(error);
            }
            let wait = retry::wait_before_retry(
                failed,
                error.retry_after(),
                config.backoff_base,
                config.backoff_max,
            );
            tracing::debug!(url = %req.url, %error, ?wait, attempt = failed + 1, "retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// The politeness key: the host name without the port.
fn host_key(url: &Url) -> String {
    url.host_str().unwrap_or("").to_ascii_lowercase()
}

/// Parses `raw` and refuses anything but http(s) with a host.
fn parse_http_url(raw: &str) -> Result<Url, FetchError> {
    let url = Url::parse(raw.trim()).map_err(|e| FetchError::InvalidUrl {
        url: raw.to_string(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "http" | "https" => {}
        scheme => {
            return Err(FetchError::UnsupportedScheme {
                url: raw.to_string(),
                scheme: scheme.to_string(),
            })
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::InvalidUrl {
            url: raw.to_string(),
            reason: "no host".to_string(),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_are_fetched() {
        assert!(parse_http_url("https://www.wencheng.gov.cn/a.html").is_ok());
        assert_eq!(
            parse_http_url("ftp://x.test/a").unwrap_err(),
            FetchError::UnsupportedScheme {
                url: "ftp://x.test/a".into(),
                scheme: "ftp".into()
            }
        );
        assert!(matches!(
            parse_http_url("not a url"),
            Err(FetchError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn host_key_ignores_the_port() {
        let a = Url::parse("http://Example.test:8080/a").unwrap();
        let b = Url::parse("https://example.test/b").unwrap();
        assert_eq!(host_key(&a), host_key(&b));
    }
}
