//! Fetch: URLs -> raw bytes plus HTTP metadata, politely, robustly and only where it may go.
//! The only stage that talks to the network; it never decodes or parses (that is `decode` and
//! `extract`).
//!
//! One [`Fetcher`] is built per run from [`FetchConfig`] and shared (it is an `Arc` inside);
//! every rule below holds for all its callers together, however many tasks call it:
//!
//! - **addresses** (`address.rs`, `dns.rs`): every request — each redirect hop, each
//!   robots.txt, each link a crawl found — goes only to a public address, or to an address of
//!   a class its source's start URL is in itself (a test site on 127.0.0.1 may redirect to
//!   127.0.0.2; a site on the internet may not send us to 169.254.169.254 or 10.0.0.1). The
//!   check is on the resolved addresses, and those very addresses are the ones connected to;
//!   a refusal is [`FetchErrorKind::AddressRefused`], before anything is sent, never retried.
//!   [`Fetcher::fetch`] takes the URL asked for as its own start URL (what `scrape` wants);
//!   [`Fetcher::fetch_from`] is given the source's start URLs (what a crawl wants, for the
//!   links it found);
//! - **redirects**, followed here hop by hop (at most `max_redirects`), each hop a request of
//!   its own: the address policy, robots.txt of the hop's host, that host's delay. Validators
//!   (`If-None-Match`, `If-Modified-Since`) go only to the first URL's host; no Referer is
//!   ever sent;
//! - **politeness** (`politeness.rs`): one request at a time per host, at least the host's
//!   delay between requests (default 1 s, raised by robots.txt `Crawl-delay`), hosts in
//!   parallel up to `concurrency`;
//! - **robots.txt** (`robots.rs`): fetched once per site and obeyed unless `obey_robots` is off;
//! - **retries** (`retry.rs`): connect errors, timeouts, 429 and 5xx are retried with
//!   exponential backoff and jitter, honouring `Retry-After` up to `backoff_max`, from a
//!   budget shared by the run;
//! - **time**: one URL — all attempts, all hops, the waits between attempts — takes at most
//!   `max_url_time` (default 120 s); a server that dribbles its answer a byte at a time costs
//!   that, not `max_attempts` times `timeout`. robots.txt has a limit of its own, once per
//!   site. (A bound on a whole run is the caller's.)
//! - **one request** (`client.rs`): reqwest with rustls, gzip / brotli / deflate, connect and
//!   per-request timeouts, a body limit on decompressed bytes, only http and https, and no
//!   body that is clearly not HTML.
//!
//! ```no_run
//! # async fn run() -> Result<(), minsheng::fetch::FetchError> {
//! use minsheng::fetch::{Fetcher, Request};
//! let fetcher = Fetcher::new(&minsheng::config::FetchConfig::default())?;
//! let page = fetcher.fetch(Request::new("https://www.wencheng.gov.cn/art/2024/8/28/art_1.html")).await?;
//! let (size, kind) = (page.bytes.len(), page.content_type.unwrap_or_default());
//! # Ok(()) }
//! ```

mod address;
mod client;
mod dns;
mod error;
mod politeness;
mod retry;
mod robots;

pub use crate::pipeline::Fetched;
pub use address::{classify, AddressClass};
pub use error::{FetchError, FetchErrorKind};

use crate::config::FetchConfig;
use address::{Allowed, Policy};
use client::{Answer, Purpose};
use dns::Pinned;
use politeness::Politeness;
use retry::{Budget, Clock};
use robots::RobotsCache;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;
use url::{Host, Url};

/// One request to make: a GET, conditional when `etag` or `last_modified` is set (sent as
/// `If-None-Match` / `If-Modified-Since`), or a form POST (a Hanweb column's data proxy).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Form fields to POST (`application/x-www-form-urlencoded; charset=UTF-8`) instead of a
    /// GET. Only the first hop posts; a redirect is followed with a GET.
    pub form: Option<Vec<(String, String)>>,
    /// Take a body of any Content-Type (an attachment, a JSON list), not only a page's.
    pub any_type: bool,
}

impl Request {
    /// A plain GET of `url`.
    pub fn new(url: impl Into<String>) -> Request {
        Request {
            url: url.into(),
            ..Request::default()
        }
    }

    fn purpose(&self) -> Purpose {
        if self.any_type {
            Purpose::Document
        } else {
            Purpose::Page
        }
    }
}

/// The HTTP client of a run. Cheap to clone; all clones share politeness, the robots.txt
/// cache, the resolved addresses and the retry budget.
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
    dns: Pinned,
    policy: Policy,
    /// The robots.txt product token of our User-Agent.
    agent: String,
}

impl Fetcher {
    /// Builds the client and the shared state from `config`.
    pub fn new(config: &FetchConfig) -> Result<Fetcher, FetchError> {
        let dns = Pinned::new(&config.resolve);
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client: client::build(config, dns.clone())?,
                config: config.clone(),
                politeness: Politeness::new(config.delay, config.concurrency),
                robots: RobotsCache::default(),
                budget: Budget::new(config.retry_budget),
                dns,
                policy: Policy::new(&config.count_as_public),
                agent: robots::agent_token(&config.user_agent),
            }),
        })
    }

    /// Fetches one URL given by the user: the URL is its own start URL, so it may be on any
    /// address, and its redirects may lead to public addresses and to addresses of its own
    /// class. robots.txt checked, politeness waited for, retryable failures retried, each
    /// redirect hop a request of its own.
    pub async fn fetch(&self, req: Request) -> Result<Fetched, FetchError> {
        let url = parse_http_url(&req.url)?;
        let allowed = self.allowed(std::slice::from_ref(&url)).await;
        self.follow(&allowed, url, &req, req.purpose()).await
    }

    /// Fetches one URL on behalf of a source whose start URLs are `start` (a crawl source's
    /// list pages): the URL and its redirects may lead to public addresses and to addresses
    /// of the classes the start URLs resolve into, nowhere else. A link found on a public
    /// list page that points at 169.254.169.254 or 10.0.0.1 is refused unread.
    pub async fn fetch_from(&self, start: &[Url], req: Request) -> Result<Fetched, FetchError> {
        let url = parse_http_url(&req.url)?;
        let allowed = self.allowed(start).await;
        self.follow(&allowed, url, &req, req.purpose()).await
    }

    /// Fetches every URL, results in input order. Different hosts proceed in parallel (up to
    /// `concurrency`); requests to one host take turns, `delay` apart.
    pub async fn fetch_all(&self, urls: Vec<String>) -> Vec<Result<Fetched, FetchError>> {
        futures_util::future::join_all(urls.into_iter().map(|url| self.fetch(Request::new(url))))
            .await
    }

    /// Public addresses, and the classes the `start` URLs resolve into. A start URL whose
    /// name cannot be resolved adds nothing (its own request then fails to connect).
    async fn allowed(&self, start: &[Url]) -> Allowed {
        let mut allowed = Allowed::public();
        for url in start {
            if let Ok(ips) = self.addresses(url, url.as_str()).await {
                for ip in ips.iter() {
                    allowed.insert(self.inner.policy.class(*ip, port(url)));
                }
            }
        }
        allowed
    }

    /// The addresses a request to `url` would connect to: the IP of an IP-literal host, else
    /// the pinned answer for the name (looked up within `connect_timeout`).
    async fn addresses(&self, url: &Url, raw: &str) -> Result<Arc<[IpAddr]>, FetchError> {
        let name = match url.host() {
            Some(Host::Ipv4(ip)) => return Ok(Arc::from([IpAddr::V4(ip)])),
            Some(Host::Ipv6(ip)) => return Ok(Arc::from([IpAddr::V6(ip)])),
            Some(Host::Domain(name)) => name,
            None => {
                return Err(FetchError::new(
                    raw,
                    FetchErrorKind::InvalidUrl {
                        reason: "no host".to_string(),
                    },
                ))
            }
        };
        let after = self.inner.config.connect_timeout;
        match tokio::time::timeout(after, self.inner.dns.lookup(name)).await {
            Ok(Ok(ips)) => Ok(ips),
            Ok(Err(reason)) => Err(FetchError::new(raw, FetchErrorKind::Connect { reason })),
            Err(_) => Err(FetchError::new(raw, FetchErrorKind::Timeout { after })),
        }
    }

    /// Errors unless every address of `url`'s host is of an allowed class.
    async fn check_address(
        &self,
        allowed: &Allowed,
        url: &Url,
        raw: &str,
    ) -> Result<(), FetchError> {
        let ips = self.addresses(url, raw).await?;
        for ip in ips.iter() {
            let class = self.inner.policy.class(*ip, port(url));
            if !allowed.contains(class) {
                tracing::warn!(url = %url, address = %ip, ?class, "address refused");
                return Err(FetchError::new(
                    raw,
                    FetchErrorKind::AddressRefused {
                        host: url.host_str().unwrap_or_default().to_string(),
                        address: *ip,
                        class,
                    },
                ));
            }
        }
        Ok(())
    }

    /// Follows `first` hop by hop until a response that is not a redirect, within one
    /// `max_url_time`. Errors of a later hop say where the redirect led.
    async fn follow(
        &self,
        allowed: &Allowed,
        first: Url,
        req: &Request,
        purpose: Purpose,
    ) -> Result<Fetched, FetchError> {
        let config = &self.inner.config;
        let mut clock = Clock::new(config.max_url_time);
        let first_host = host_key(&first);
        let mut url = first;
        let mut redirects = 0usize;
        loop {
            let hop = if redirects == 0 {
                req.clone()
            } else if host_key(&url) == first_host {
                Request {
                    url: url.to_string(),
                    form: None,
                    ..req.clone()
                }
            } else {
                Request {
                    url: url.to_string(),
                    any_type: req.any_type,
                    ..Request::default()
                }
            };
            let redirected = |cause: FetchError, to: &str| {
                FetchError::new(
                    req.url.clone(),
                    FetchErrorKind::Redirected {
                        to: to.to_string(),
                        cause: Box::new(cause),
                    },
                )
            };
            let answer = match self.hop(allowed, &url, &hop, purpose, &mut clock).await {
                Ok(answer) => answer,
                Err(e) if redirects == 0 => return Err(e),
                Err(e) => return Err(redirected(e, &hop.url)),
            };
            let location = match answer {
                Answer::Done(mut fetched) => {
                    fetched.url = req.url.clone();
                    fetched.final_url = url.to_string();
                    return Ok(fetched);
                }
                Answer::Redirect(location) => location,
            };
            if redirects >= config.max_redirects {
                return Err(FetchError::new(
                    req.url.clone(),
                    FetchErrorKind::TooManyRedirects {
                        max: config.max_redirects,
                    },
                ));
            }
            url = match url.join(&location) {
                Ok(next) => next,
                Err(e) => {
                    // The server's text, escaped: it goes into messages and logs.
                    let location = location.escape_debug().to_string();
                    let invalid = FetchError::new(
                        location.clone(),
                        FetchErrorKind::InvalidUrl {
                            reason: e.to_string(),
                        },
                    );
                    return Err(redirected(invalid, &location));
                }
            };
            if let Err(e) = parse_http_url(url.as_str()) {
                return Err(redirected(e, url.as_str()));
            }
            redirects += 1;
            tracing::debug!(to = %url, redirects, "following a redirect");
        }
    }

    /// One hop: the address policy first (nothing, robots.txt included, goes to a refused
    /// host), then robots.txt of the hop's site for a page, then the request itself.
    async fn hop(
        &self,
        allowed: &Allowed,
        url: &Url,
        req: &Request,
        purpose: Purpose,
        clock: &mut Clock,
    ) -> Result<Answer, FetchError> {
        // A lookup that fails here is retried with the request's attempts below.
        if let Err(
            e @ FetchError {
                kind: FetchErrorKind::AddressRefused { .. },
                ..
            },
        ) = self.check_address(allowed, url, &req.url).await
        {
            return Err(e);
        }
        if purpose != Purpose::Robots && self.inner.config.obey_robots {
            self.check_robots(allowed, &req.url, url).await?;
        }
        self.fetch_with_retries(allowed, url, req, purpose, clock)
            .await
    }

    /// Errors unless robots.txt of the URL's site allows it; fetches robots.txt on first use
    /// (its redirects followed like a page's, within a `max_url_time` of its own).
    async fn check_robots(
        &self,
        allowed: &Allowed,
        raw: &str,
        url: &Url,
    ) -> Result<(), FetchError> {
        let origin = url.origin().ascii_serialization();
        // Keyed by the allowed classes too: where robots.txt may redirect depends on them.
        let cell = self
            .inner
            .robots
            .cell(&format!("{origin} {}", allowed.key()));
        let outcome = cell
            .get_or_init(|| async {
                let robots_url = format!("{origin}/robots.txt");
                let fetched = match parse_http_url(&robots_url) {
                    Ok(parsed) => {
                        let req = Request::new(robots_url);
                        // Boxed: a page's hop checks robots.txt, whose fetch follows hops.
                        Box::pin(self.follow(allowed, parsed, &req, Purpose::Robots)).await
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
            Ok(_) => Err(FetchError::new(raw, FetchErrorKind::Disallowed)),
            // The host cannot be reached at all: that, not robots.txt, is why the page
            // cannot be had, and the page's error says so.
            Err(
                cause @ FetchError {
                    kind:
                        FetchErrorKind::Connect { .. }
                        | FetchErrorKind::Timeout { .. }
                        | FetchErrorKind::OutOfTime { .. }
                        | FetchErrorKind::AddressRefused { .. },
                    ..
                },
            ) => Err(cause.clone().for_url(raw)),
            Err(cause) => Err(FetchError::new(
                raw,
                FetchErrorKind::RobotsUnavailable {
                    cause: Box::new(cause.clone()),
                },
            )),
        }
    }

    /// Attempts until success, a failure that is not retryable, `max_attempts`, the run's
    /// retry budget runs out, or the URL's `clock` does. Each attempt checks the address
    /// policy and takes its turn at the host; its timeout is cut to the time left.
    async fn fetch_with_retries(
        &self,
        allowed: &Allowed,
        url: &Url,
        req: &Request,
        purpose: Purpose,
        clock: &mut Clock,
    ) -> Result<Answer, FetchError> {
        let config = &self.inner.config;
        let host = host_key(url);
        let mut failed = 0u32;
        loop {
            let result = self.attempt(allowed, url, req, purpose, &host, clock).await;
            let error = match result {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            failed += 1;
            if !error.is_retryable() || failed >= config.max_attempts {
                return Err(error);
            }
            let wait = retry::wait_before_retry(
                failed,
                error.retry_after(),
                config.backoff_base,
                config.backoff_max,
            );
            // No attempt starts without time left for it beyond the wait.
            if wait >= clock.left() || !self.inner.budget.take() {
                return Err(error);
            }
            tracing::debug!(url = %url, %error, ?wait, attempt = failed + 1, "retrying");
            tokio::time::sleep(wait).await;
            clock.spend(wait);
        }
    }

    /// One attempt: the address check (a fresh lookup if the last one failed), the host's
    /// turn, the request with its timeout cut to the URL's time left.
    async fn attempt(
        &self,
        allowed: &Allowed,
        url: &Url,
        req: &Request,
        purpose: Purpose,
        host: &str,
        clock: &mut Clock,
    ) -> Result<Answer, FetchError> {
        let config = &self.inner.config;
        if clock.left().is_zero() {
            return Err(FetchError::new(
                req.url.clone(),
                FetchErrorKind::OutOfTime {
                    limit: config.max_url_time,
                },
            ));
        }
        let checking = Instant::now();
        let checked = self.check_address(allowed, url, &req.url).await;
        clock.spend(checking.elapsed());
        checked?;
        let timeout = config.timeout.min(clock.left());
        let mut turn = self.inner.politeness.acquire(host).await;
        let sending = Instant::now();
        let result = client::get(&self.inner.client, config, url, req, purpose, timeout).await;
        clock.spend(sending.elapsed());
        if let Some(wait) = result.as_ref().err().and_then(FetchError::retry_after) {
            // The server asked the whole host to wait, not only this URL.
            turn.defer(wait.min(config.backoff_max));
        }
        drop(turn);
        match result {
            Err(FetchError {
                url,
                kind: FetchErrorKind::Timeout { .. },
            }) if timeout < config.timeout => Err(FetchError::new(
                url,
                FetchErrorKind::OutOfTime {
                    limit: config.max_url_time,
                },
            )),
            other => other,
        }
    }
}

/// The port a request to `url` connects to.
fn port(url: &Url) -> u16 {
    url.port_or_known_default().unwrap_or(0)
}

/// The politeness key: the host name without the port.
fn host_key(url: &Url) -> String {
    url.host_str().unwrap_or("").to_ascii_lowercase()
}

/// Parses `raw` and refuses anything but http(s) with a host.
fn parse_http_url(raw: &str) -> Result<Url, FetchError> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        FetchError::new(
            raw,
            FetchErrorKind::InvalidUrl {
                reason: e.to_string(),
            },
        )
    })?;
    match url.scheme() {
        "http" | "https" => {}
        scheme => {
            return Err(FetchError::new(
                raw,
                FetchErrorKind::UnsupportedScheme {
                    scheme: scheme.to_string(),
                },
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::new(
            raw,
            FetchErrorKind::InvalidUrl {
                reason: "no host".to_string(),
            },
        ));
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
            FetchError::new(
                "ftp://x.test/a",
                FetchErrorKind::UnsupportedScheme {
                    scheme: "ftp".into()
                }
            )
        );
        assert!(matches!(
            parse_http_url("not a url"),
            Err(FetchError {
                kind: FetchErrorKind::InvalidUrl { .. },
                ..
            })
        ));
    }

    #[test]
    fn host_key_ignores_the_port() {
        let a = Url::parse("http://Example.test:8080/a").unwrap();
        let b = Url::parse("https://example.test/b").unwrap();
        assert_eq!(host_key(&a), host_key(&b));
    }
}
