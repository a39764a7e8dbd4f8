//! Every default, in one place. Each field's doc says the default and why; the command line
//! and the crawl config only override these.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The output folder when `--out` is not given.
pub const DEFAULT_OUT_DIR: &str = "output";

/// The crawl store when `--db` is not given: beside the outputs, so that one folder holds a
/// crawl's state and results. The lock file is this path with `.lock` appended.
pub const DEFAULT_DB_PATH: &str = "output/minsheng.db";

/// List pages read per start URL of a crawl source when the config does not say. Default 5:
/// a nightly run only needs the newest entries of a column; the first crawl of an old column
/// can raise it.
pub const DEFAULT_MAX_LIST_PAGES: usize = 5;

/// Options of `minsheng scrape`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeOptions {
    /// Where records.csv, records.jsonl and pages.json go. Default `output/`.
    pub out_dir: PathBuf,
    /// Prefix records.csv with a UTF-8 BOM (for Excel). Default off: most tools do not want it.
    pub bom: bool,
    /// Write records.csv cells as read, without neutralizing spreadsheet formulas. Default
    /// off: a page's `=HYPERLINK(...)` must not run in an analyst's spreadsheet.
    pub raw_csv: bool,
    /// The outputs made from all the records (records.xlsx, the timeline, report.html).
    /// Default none.
    pub derived: crate::emit::Derived,
    /// Stop waiting for URL inputs after this long; those not had are reported failed.
    /// Default none.
    pub max_run: Option<Duration>,
    /// How many pages are parsed at once. Default: one per core (parsing is CPU-bound).
    pub parse_threads: usize,
    /// HTTP settings for URL inputs.
    pub fetch: FetchConfig,
    /// Fetch and read the attachments a fetched article links. Default on
    /// (`--no-attachments` turns it off).
    pub attachments: bool,
}

impl Default for ScrapeOptions {
    fn default() -> Self {
        ScrapeOptions {
            out_dir: PathBuf::from(DEFAULT_OUT_DIR),
            bom: false,
            raw_csv: false,
            derived: crate::emit::Derived::default(),
            max_run: None,
            parse_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            fetch: FetchConfig::default(),
            attachments: true,
        }
    }
}

/// HTTP client settings: politeness, timeouts, limits, retries.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    /// Sent with every request. Default `minsheng/VERSION (+https://github.com/minsheng/minsheng)`,
    /// so site operators can see who is calling and find out why.
    pub user_agent: String,
    /// Minimum time between two requests to the same host. Default 1 s: county servers are
    /// small and shared; one request a second is what a careful human reader causes.
    pub delay: Duration,
    /// Hosts fetched at the same time. Default 8: different sites do not slow each other.
    pub concurrency: usize,
    /// Fetch and obey robots.txt (with Crawl-delay). Default true.
    pub obey_robots: bool,
    /// Time to establish a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Time for one request, body included. Default 60 s: county servers are slow, but a
    /// stalled one must not hold the run.
    pub timeout: Duration,
    /// Time one URL may take in all: every attempt and every redirect hop, and the waits
    /// between attempts (not the wait for the host's turn behind other URLs, nor robots.txt,
    /// which has a limit of its own). Default 120 s: one full-length attempt (`timeout`) and
    /// a second one, where four attempts of a server that dribbles a byte at a time used to
    /// hold a URL for four minutes. An attempt is cut short to fit; none starts without time
    /// left for it.
    pub max_url_time: Duration,
    /// Largest body accepted, counted on decompressed bytes while streaming. Default 20 MiB:
    /// the largest real progress page seen is far below; a decompression bomb stops here.
    pub max_body_bytes: u64,
    /// Redirects followed. Default 10, as browsers roughly do.
    pub max_redirects: usize,
    /// Attempts per URL for retryable failures (connect errors, timeouts, 429, 5xx). Default 4.
    pub max_attempts: u32,
    /// First backoff delay; doubled per attempt, with jitter. Default 500 ms.
    pub backoff_base: Duration,
    /// Longest wait between attempts, and the cap of every `Retry-After` (seconds of any
    /// size, or a far-off date): the URL waits at most this long before its next attempt, and
    /// so does the rest of its host. Default 60 s: a server that asks for an hour gets a
    /// minute and then its last attempts, within `max_url_time`, rather than a run that
    /// waits for it.
    pub backoff_max: Duration,
    /// Retries allowed in one run over all URLs. Default 200: a site that is down costs a few
    /// retries, not hours.
    pub retry_budget: u32,
    /// Largest robots.txt read; the rest is ignored. Default 500 KiB, the limit Google's
    /// crawler applies (RFC 9309 asks for at least 500 KiB).
    pub robots_max_bytes: u64,
    /// Largest robots.txt `Crawl-delay` honoured. Default 60 s: a larger value (some sites say
    /// 3600) would hold one scrape for hours; such a host still gets one request a minute.
    pub max_crawl_delay: Duration,
    /// Host names resolved to fixed addresses instead of through DNS (like curl's
    /// `--resolve`; the port of the URL is used). Default none. Tests map site names to
    /// 127.0.0.1 with it; operators can pin a site whose DNS is unreliable. The network
    /// address policy applies to these addresses as to any other.
    pub resolve: Vec<(String, SocketAddr)>,
    /// Socket addresses (IP and port, matched exactly) that the network address policy takes
    /// for public ones. Default none, and not settable from the command line or a crawl
    /// config: the in-process tests need one server on 127.0.0.1 to play a site on the
    /// internet, so that they can show such a site being refused a loopback or private
    /// address. Nothing else is exempt from the policy (see `fetch::address`).
    pub count_as_public: Vec<SocketAddr>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: format!(
                "minsheng/{} (+https://github.com/minsheng/minsheng)",
                env!("CARGO_PKG_VERSION")
            ),
            delay: Duration::from_millis(1000),
            concurrency: 8,
            obey_robots: true,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_url_time: Duration::from_secs(120),
            max_body_bytes: 20 * 1024 * 1024,
            max_redirects: 10,
            max_attempts: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            retry_budget: 200,
            robots_max_bytes: 500 * 1024,
            max_crawl_delay: Duration::from_secs(60),
            resolve: Vec::new(),
            count_as_public: Vec::new(),
        }
    }
}

/// The largest `max_body_bytes` accepted from the command line or a crawl config: 4 GiB, far
/// past any page, so that a typo of extra digits is an error rather than no limit at all.
pub const MAX_BODY_BYTES: u64 = 4 << 30;

/// The fetch settings a user may change, from the command line (`--delay-ms`, ...) or a crawl
/// config's `[defaults]` (`delay_ms = ...`): each `None` keeps [`FetchConfig::default`]'s
/// value. One list, so that the two ways to set them offer the same ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchOverrides {
    pub delay: Option<Duration>,
    pub concurrency: Option<usize>,
    pub obey_robots: Option<bool>,
    pub user_agent: Option<String>,
    pub timeout: Option<Duration>,
    pub max_body_bytes: Option<u64>,
    pub max_attempts: Option<u32>,
}

impl FetchOverrides {
    /// Sets the values given on `fetch`.
    pub fn apply(&self, fetch: &mut FetchConfig) {
        if let Some(delay) = self.delay {
            fetch.delay = delay;
        }
        if let Some(n) = self.concurrency {
            fetch.concurrency = n;
        }
        if let Some(obey) = self.obey_robots {
            fetch.obey_robots = obey;
        }
        if let Some(ua) = &self.user_agent {
            fetch.user_agent = ua.clone();
        }
        if let Some(timeout) = self.timeout {
            fetch.timeout = timeout;
        }
        if let Some(bytes) = self.max_body_bytes {
            fetch.max_body_bytes = bytes;
        }
        if let Some(n) = self.max_attempts {
            fetch.max_attempts = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_overrides_change_only_the_values_given() {
        let mut fetch = FetchConfig::default();
        FetchOverrides {
            max_attempts: Some(2),
            max_body_bytes: Some(1000),
            ..FetchOverrides::default()
        }
        .apply(&mut fetch);
        let expected = FetchConfig {
            max_attempts: 2,
            max_body_bytes: 1000,
            ..FetchConfig::default()
        };
        assert_eq!(fetch, expected);
    }
}
