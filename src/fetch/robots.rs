//! robots.txt: fetched once per site (scheme, host and port, as RFC 9309 scopes it) and
//! cached for the life of the `Fetcher`; parsed by `texting_robots`, which is tested against
//! Google's and Moz's parser suites and 34 million real robots.txt files, and reads
//! `Crawl-delay`.
//!
//! What a fetch outcome means (RFC 9309 §2.3.1, as Google applies it):
//! - 2xx: the rules in the body (the first `robots_max_bytes` of it);
//! - 4xx other than 429, too many redirects: no robots.txt, everything allowed;
//! - a redirect is followed like a page's (address policy, the hop host's politeness), and
//!   what it ends in counts;
//! - 5xx, 429, connect errors, timeouts (after retries): unreachable, so complete disallow;
//!   the error says why and `--ignore-robots` overrides.

use super::error::{FetchError, FetchErrorKind};
use super::Fetched;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use texting_robots::Robot;
use tokio::sync::OnceCell;

/// The rules for one site.
#[derive(Debug)]
pub(crate) enum Rules {
    /// No usable robots.txt: nothing is disallowed.
    AllowAll,
    Parsed(Robot),
}

impl Rules {
    pub(crate) fn allowed(&self, url: &str) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::Parsed(robot) => robot.allowed(url),
        }
    }

    /// The Crawl-delay for our agent, when one is given and makes sense.
    pub(crate) fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::AllowAll => None,
            Rules::Parsed(robot) => {
                let secs = robot.delay?;
                Duration::try_from_secs_f32(secs).ok()
            }
        }
    }
}

/// What robots.txt says for a site: rules, or why it could not be had.
pub(crate) type Outcome = Result<Arc<Rules>, FetchError>;

/// The cache: one cell per site; the first caller fetches, the others wait for it.
#[derive(Debug, Default)]
pub(crate) struct RobotsCache {
    sites: Mutex<HashMap<String, Arc<OnceCell<Outcome>>>>,
}

impl RobotsCache {
    pub(crate) fn cell(&self, origin: &str) -> Arc<OnceCell<Outcome>> {
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites.entry(origin.to_string()).or_default().clone()
    }
}

/// The robots.txt product token of a User-Agent: `minsheng/0.1.0 (+https://…)` -> `minsheng`.
pub(crate) fn agent_token(user_agent: &str) -> String {
    let token: String = user_agent
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if token.is_empty() {
        "minsheng".to_string()
    } else {
        token
    }
}

/// Turns the fetch of robots.txt into the site's rules (see the module docs).
pub(crate) fn interpret(agent: &str, fetched: Result<Fetched, FetchError>) -> Outcome {
    match fetched {
        Ok(f) => Ok(Arc::new(match Robot::new(agent, &f.bytes) {
            Ok(robot) => Rules::Parsed(robot),
            // texting_robots' parser is forgiving; what it still rejects holds no usable rule.
            Err(_) => Rules::AllowAll,
        })),
        // Through a redirect too: a robots.txt that redirects to a 404 is a missing one.
        Err(e) => match &e.innermost().kind {
            FetchErrorKind::Status { status, .. }
                if (400..500).contains(status) && *status != 429 =>
            {
                Ok(Arc::new(Rules::AllowAll))
            }
            FetchErrorKind::TooManyRedirects { .. } => Ok(Arc::new(Rules::AllowAll)),
            _ => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(body: &str) -> Result<Fetched, FetchError> {
        Ok(Fetched {
            url: "http://x.test/robots.txt".into(),
            final_url: "http://x.test/robots.txt".into(),
            status: 200,
            content_type: Some("text/plain".into()),
            etag: None,
            last_modified: None,
            bytes: body.as_bytes().to_vec(),
            fetched_at: "2026-11-29T00:00:00Z".into(),
            not_modified: false,
        })
    }

    #[test]
    fn agent_token_is_the_product_name() {
        assert_eq!(agent_token("minsheng/0.1.0 (+https://x)"), "minsheng");
        assert_eq!(agent_token("Mozilla/5.0"), "Mozilla");
        assert_eq!(agent_token("/weird"), "minsheng");
    }

    #[test]
    fn disallow_and_crawl_delay_for_our_agent() {
        let rules = interpret(
            "minsheng",
            fetched("User-agent: *\nDisallow: /private/\nCrawl-delay: 2.5\n"),
        )
        .unwrap();
        assert!(!rules.allowed("http://x.test/private/a.html"));
        assert!(rules.allowed("http://x.test/art/a.html"));
        assert_eq!(rules.crawl_delay(), Some(Duration::from_millis(2500)));
    }

    #[test]
    fn missing_robots_allows_everything_but_a_server_error_disallows() {
        let missing = Err(FetchError::new(
            "http://x.test/robots.txt",
            FetchErrorKind::Status {
                status: 404,
                retry_after: None,
            },
        ));
        assert!(interpret("minsheng", missing).unwrap().allowed("/a"));
        let broken = Err(FetchError::new(
            "http://x.test/robots.txt",
            FetchErrorKind::Status {
                status: 503,
                retry_after: None,
            },
        ));
        assert!(interpret("minsheng", broken).is_err());
    }
}
