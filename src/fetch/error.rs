//! Why a URL could not be had: the URL (empty for `Config`, which concerns the client as a
//! whole) and a [`FetchErrorKind`], so a message never has to be matched on: callers ask
//! [`FetchError::status`], [`FetchError::is_retryable`] and [`FetchError::url`], or match
//! on the kind.

use super::address::AddressClass;
use std::error::Error;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// A failed fetch. `Display` is one line: `URL: reason`; [`FetchError::reason`] is the
/// reason alone (what `pages.json` records beside the URL).
///
/// `Display` and `source()` are written out: the reason comes from the kind, and the source
/// of a failure after a redirect or while reading robots.txt is the inner `FetchError`
/// itself (a derived `#[source]` would hand out its `Box`, which does not downcast).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// The URL this error concerns (empty for [`FetchErrorKind::Config`]).
    pub url: String,
    pub kind: FetchErrorKind,
}

/// What went wrong; its `Display` is the reason alone, without the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchErrorKind {
    /// The HTTP client could not be built from the configuration (a User-Agent with a
    /// newline, say). Concerns no URL: `url()` is empty.
    #[error("cannot build the HTTP client: {reason}")]
    Config { reason: String },
    /// The input is not a URL.
    #[error("invalid URL: {reason}")]
    InvalidUrl { reason: String },
    /// Only `http` and `https` are fetched.
    #[error("unsupported URL scheme {scheme:?}: only http and https are fetched")]
    UnsupportedScheme { scheme: String },
    /// No connection could be made (refused, unreachable, DNS, TLS handshake).
    #[error("cannot connect: {reason}")]
    Connect { reason: String },
    /// The connect timeout or the whole-request timeout (body included) ran out.
    #[error("timed out after {}", human(*after))]
    Timeout { after: Duration },
    /// The connection failed after it was made (reset, closed mid-body).
    #[error("connection failed: {reason}")]
    Network { reason: String },
    /// The server answered with a status that is neither 2xx nor 304.
    #[error("{}", status_line(*status))]
    Status {
        status: u16,
        /// The `Retry-After` the server asked for, when it sent one.
        retry_after: Option<Duration>,
    },
    /// More redirects than allowed (a redirect loop, usually).
    #[error("more than {max} redirects (a redirect loop?)")]
    TooManyRedirects { max: usize },
    /// The body, counted after decompression, is larger than the limit.
    #[error(
        "body larger than {limit} bytes after decompression; stopped reading (--max-body-bytes)"
    )]
    TooLarge { limit: u64 },
    /// The Content-Type is clearly not a web page (a PDF, an image).
    #[error("not an HTML page: the server sent Content-Type {content_type:?}")]
    NotHtml { content_type: String },
    /// The body could not be decompressed (corrupt gzip / brotli / deflate).
    #[error("cannot decompress the body: {reason}")]
    Decode { reason: String },
    /// robots.txt disallows this URL for our user agent.
    #[error("disallowed by robots.txt (--ignore-robots overrides)")]
    Disallowed,
    /// robots.txt could not be fetched (server error, host down). RFC 9309 §2.3.1.4: the
    /// crawler must then assume complete disallow, so the page itself was not requested.
    #[error(
        "robots.txt could not be fetched ({}), so the site counts as disallowed (RFC 9309; --ignore-robots overrides)",
        cause.reason()
    )]
    RobotsUnavailable {
        #[source]
        cause: Box<FetchError>,
    },
    /// Any other failure of the HTTP client.
    #[error("request failed: {reason}")]
    Http { reason: String },
    /// The network address policy refused the host: it is (or resolves to) an address of a
    /// class the source's start URL is not in (see `fetch::address`). Nothing was sent.
    #[error(
        "refused to connect to {}: {}, which only a source whose start URL is at such an address may reach",
        host_at(host, address),
        class.describe()
    )]
    AddressRefused {
        /// The host as the URL names it (a name, or the address itself).
        host: String,
        address: IpAddr,
        class: AddressClass,
    },
    /// The URL's time limit (`max_url_time`, all attempts and redirects) ran out.
    #[error(
        "gave up after {}, the time allowed for one URL (all attempts and redirects)",
        human(*limit)
    )]
    OutOfTime { limit: Duration },
    /// A redirect was followed and the request it led to failed: `to` is where, `cause` why.
    /// `status()`, `retry_after()` and `is_retryable()` are those of the cause.
    #[error("redirected to {to}: {}", cause.reason())]
    Redirected {
        to: String,
        #[source]
        cause: Box<FetchError>,
    },
}

impl FetchError {
    /// A failure of `kind` while fetching `url`.
    pub fn new(url: impl Into<String>, kind: FetchErrorKind) -> FetchError {
        FetchError {
            url: url.into(),
            kind,
        }
    }

    /// The URL this error concerns (empty for `Config`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The same error about another URL (a page whose host failed while reading robots.txt).
    pub(crate) fn for_url(self, new: &str) -> FetchError {
        match self.kind {
            FetchErrorKind::Config { .. } => self,
            kind => FetchError::new(new, kind),
        }
    }

    /// The HTTP status of the response that failed, when there was one.
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            FetchErrorKind::Status { status, .. } => Some(*status),
            FetchErrorKind::Redirected { cause, .. } => cause.status(),
            _ => None,
        }
    }

    /// The `Retry-After` delay the server asked for, when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.kind {
            FetchErrorKind::Status { retry_after, .. } => *retry_after,
            FetchErrorKind::Redirected { cause, .. } => cause.retry_after(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: connect errors, timeouts, dropped
    /// connections, 429 and 5xx. Other 4xx, limits and refusals will not change (a refused
    /// address and a URL out of time among them).
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            FetchErrorKind::Connect { .. }
            | FetchErrorKind::Timeout { .. }
            | FetchErrorKind::Network { .. } => true,
            FetchErrorKind::Status { status, .. } => *status == 429 || (500..600).contains(status),
            FetchErrorKind::Redirected { cause, .. } => cause.is_retryable(),
            _ => false,
        }
    }

    /// The reason alone, without the URL: `HTTP 404 Not Found`.
    pub fn reason(&self) -> String {
        self.kind.to_string()
    }

    /// The error itself, or for a failure after a redirect the failure it led to.
    pub(crate) fn innermost(&self) -> &FetchError {
        match &self.kind {
            FetchErrorKind::Redirected { cause, .. } => cause.innermost(),
            _ => self,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FetchErrorKind::Config { .. } => write!(f, "{}", self.kind),
            _ => write!(f, "{}: {}", self.url, self.kind),
        }
    }
}

impl Error for FetchError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.kind {
            FetchErrorKind::RobotsUnavailable { cause }
            | FetchErrorKind::Redirected { cause, .. } => Some(&**cause),
            _ => None,
        }
    }
}

/// `HTTP 404 Not Found`, or `HTTP 599` for a status without a canonical reason.
fn status_line(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(text) => format!("HTTP {status} {text}"),
        None => format!("HTTP {status}"),
    }
}

/// `host at address`, or the address alone when the URL names the address itself.
fn host_at(host: &str, address: &IpAddr) -> String {
    if host.trim_matches(['[', ']']) == address.to_string() {
        format!("{address}")
    } else {
        format!("{host} at {address}")
    }
}

/// `1s`, `1.5s`, `200ms`.
fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> FetchError {
        FetchError::new(
            "http://x.test/a",
            FetchErrorKind::Status {
                status: code,
                retry_after: None,
            },
        )
    }

    #[test]
    fn status_429_and_5xx_are_retryable_other_4xx_are_not() {
        assert!(status(429).is_retryable());
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(403).is_retryable());
    }

    #[test]
    fn display_is_url_then_reason_on_one_line() {
        assert_eq!(
            status(404).to_string(),
            "http://x.test/a: HTTP 404 Not Found"
        );
        let timeout = FetchError::new(
            "http://x.test/a",
            FetchErrorKind::Timeout {
                after: Duration::from_millis(1500),
            },
        );
        assert_eq!(timeout.reason(), "timed out after 1.5s");
    }

    #[test]
    fn refused_address_names_the_host_the_address_and_the_class() {
        let refused = FetchError::new(
            "http://metadata.test/latest/",
            FetchErrorKind::AddressRefused {
                host: "metadata.test".into(),
                address: "169.254.169.254".parse().unwrap(),
                class: AddressClass::Metadata,
            },
        );
        assert_eq!(
            refused.to_string(),
            "http://metadata.test/latest/: refused to connect to metadata.test at 169.254.169.254: a cloud metadata service address, which only a source whose start URL is at such an address may reach"
        );
        assert!(!refused.is_retryable());
        let literal = FetchError::new(
            "http://[fd00:ec2::254]/",
            FetchErrorKind::AddressRefused {
                host: "[fd00:ec2::254]".into(),
                address: "fd00:ec2::254".parse().unwrap(),
                class: AddressClass::Metadata,
            },
        );
        assert!(literal
            .reason()
            .starts_with("refused to connect to fd00:ec2::254: "));
    }

    #[test]
    fn failure_after_a_redirect_says_where_and_answers_as_its_cause() {
        let e = FetchError::new(
            "http://a.test/old",
            FetchErrorKind::Redirected {
                to: "http://b.test/new".into(),
                cause: Box::new(status(503)),
            },
        );
        assert_eq!(
            e.to_string(),
            "http://a.test/old: redirected to http://b.test/new: HTTP 503 Service Unavailable"
        );
        assert_eq!(e.status(), Some(503));
        assert!(e.is_retryable());
        assert_eq!(e.innermost(), &status(503));
    }

    #[test]
    fn the_failure_a_redirect_or_robots_txt_led_to_is_the_source() {
        let redirected = FetchError::new(
            "http://a.test/old",
            FetchErrorKind::Redirected {
                to: "http://b.test/new".into(),
                cause: Box::new(status(503)),
            },
        );
        let source = redirected.source().unwrap();
        assert_eq!(source.downcast_ref::<FetchError>(), Some(&status(503)));
        let robots = FetchError::new(
            "http://x.test/a",
            FetchErrorKind::RobotsUnavailable {
                cause: Box::new(status(503)),
            },
        );
        assert_eq!(
            robots.source().unwrap().to_string(),
            status(503).to_string()
        );
        assert!(status(503).source().is_none());
    }
}
