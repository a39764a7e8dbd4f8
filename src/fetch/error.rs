//! Why a URL could not be had. Every variant carries the URL it concerns (except `Config`,
//! which concerns the client as a whole), so a message never has to be matched on: callers
//! ask [`FetchError::status`], [`FetchError::is_retryable`] and [`FetchError::url`].

use super::address::AddressClass;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// A failed fetch. `Display` is one line: `URL: reason`; [`FetchError::reason`] is the
/// reason alone (what `pages.json` records beside the URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The HTTP client could not be built from the configuration (a User-Agent with a
    /// newline, say). Concerns no URL: `url()` is empty.
    Config { reason: String },
    /// The input is not a URL.
    InvalidUrl { url: String, reason: String },
    /// Only `http` and `https` are fetched.
    UnsupportedScheme { url: String, scheme: String },
    /// No connection could be made (refused, unreachable, DNS, TLS handshake).
    Connect { url: String, reason: String },
    /// The connect timeout or the whole-request timeout (body included) ran out.
    Timeout { url: String, after: Duration },
    /// The connection failed after it was made (reset, closed mid-body).
    Network { url: String, reason: String },
    /// The server answered with a status that is neither 2xx nor 304.
    Status {
        url: String,
        status: u16,
        /// The `Retry-After` the server asked for, when it sent one.
        retry_after: Option<Duration>,
    },
    /// More redirects than allowed (a redirect loop, usually).
    TooManyRedirects { url: String, max: usize },
    /// The body, counted after decompression, is larger than the limit.
    TooLarge { url: String, limit: u64 },
    /// The Content-Type is clearly not a web page (a PDF, an image).
    NotHtml { url: String, content_type: String },
    /// The body could not be decompressed (corrupt gzip / brotli / deflate).
    Decode { url: String, reason: String },
    /// robots.txt disallows this URL for our user agent.
    Disallowed { url: String },
    /// robots.txt could not be fetched (server error, host down). RFC 9309 §2.3.1.4: the
    /// crawler must then assume complete disallow, so the page itself was not requested.
    RobotsUnavailable { url: String, cause: Box<FetchError> },
    /// Any other failure of the HTTP client.
    Http { url: String, reason: String },
    /// The network address policy refused the host: it is (or resolves to) an address of a
    /// class the source's start URL is not in (see `fetch::address`). Nothing was sent.
    AddressRefused {
        url: String,
        /// The host as the URL names it (a name, or the address itself).
        host: String,
        address: IpAddr,
        class: AddressClass,
    },
    /// The URL's time limit (`max_url_time`, all attempts and redirects) ran out.
    OutOfTime { url: String, limit: Duration },
    /// A redirect was followed and the request it led to failed: `to` is where, `cause` why.
    /// `status()`, `retry_after()` and `is_retryable()` are those of the cause.
    Redirected {
        url: String,
        to: String,
        cause: Box<FetchError>,
    },
}

impl FetchError {
    /// The URL this error concerns (empty for `Config`).
    pub fn url(&self) -> &str {
        match self {
            FetchError::Config { .. } => "",
            FetchError::InvalidUrl { url, .. }
            | FetchError::UnsupportedScheme { url, .. }
            | FetchError::Connect { url, .. }
            | FetchError::Timeout { url, .. }
            | FetchError::Network { url, .. }
            | FetchError::Status { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::NotHtml { url, .. }
            | FetchError::Decode { url, .. }
            | FetchError::Disallowed { url }
            | FetchError::RobotsUnavailable { url, .. }
            | FetchError::Http { url, .. }
            | FetchError::AddressRefused { url, .. }
            | FetchError::OutOfTime { url, .. }
            | FetchError::Redirected { url, .. } => url,
        }
    }

    /// The same error about another URL (a page whose host failed while reading robots.txt).
    pub(crate) fn for_url(self, new: &str) -> FetchError {
        let mut e = self;
        match &mut e {
            FetchError::Config { .. } => {}
            FetchError::InvalidUrl { url, .. }
            | FetchError::UnsupportedScheme { url, .. }
            | FetchError::Connect { url, .. }
            | FetchError::Timeout { url, .. }
            | FetchError::Network { url, .. }
            | FetchError::Status { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::NotHtml { url, .. }
            | FetchError::Decode { url, .. }
            | FetchError::Disallowed { url }
            | FetchError::RobotsUnavailable { url, .. }
            | FetchError::Http { url, .. }
            | FetchError::AddressRefused { url, .. }
            | FetchError::OutOfTime { url, .. }
            | FetchError::Redirected { url, .. } => *url = new.to_string(),
        }
        e
    }

    /// The HTTP status of the response that failed, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            FetchError::Redirected { cause, .. } => cause.status(),
            _ => None,
        }
    }

    /// The `Retry-After` delay the server asked for, when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            FetchError::Redirected { cause, .. } => cause.retry_after(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: connect errors, timeouts, dropped
    /// connections, 429 and 5xx. Other 4xx, limits and refusals will not change (a refused
    /// address and a URL out of time among them).
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Connect { .. }
            | FetchError::Timeout { .. }
            | FetchError::Network { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || (500..600).contains(status),
            FetchError::Redirected { cause, .. } => cause.is_retryable(),
            _ => false,
        }
    }

    /// The reason alone, without the URL: `HTTP 404 Not Found`.
    pub fn reason(&self) -> String {
        match self {
            FetchError::Config { reason } => format!("cannot build the HTTP client: {reason}"),
            FetchError::InvalidUrl { reason, .. } => format!("invalid URL: {reason}"),
            FetchError::UnsupportedScheme { scheme, .. } => {
                format!("unsupported URL scheme {scheme:?}: only http and https are fetched")
            }
            FetchError::Connect { reason, .. } => format!("cannot connect: {reason}"),
            FetchError::Timeout { after, .. } => format!("timed out after {}", human(*after)),
            FetchError::Network { reason, .. } => format!("connection failed: {reason}"),
            FetchError::Status { status, .. } => {
                match reqwest::StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                {
                    Some(text) => format!("HTTP {status} {text}"),
                    None => format!("HTTP {status}"),
                }
            }
            FetchError::TooManyRedirects { max, .. } => {
                format!("more than {max} redirects (a redirect loop?)")
            }
            FetchError::TooLarge { limit, .. } => format!(
                "body larger than {limit} bytes after decompression; stopped reading (--max-body-bytes)"
            ),
            FetchError::NotHtml { content_type, .. } => {
                format!("not an HTML page: the server sent Content-Type {content_type:?}")
            }
            FetchError::Decode { reason, .. } => format!("cannot decompress the body: {reason}"),
            FetchError::Disallowed { .. } => {
                "disallowed by robots.txt (--ignore-robots overrides)".to_string()
            }
            FetchError::RobotsUnavailable { cause, .. } => format!(
                "robots.txt could not be fetched ({}), so the site counts as disallowed (RFC 9309; --ignore-robots overrides)",
                cause.reason()
            ),
            FetchError::Http { reason, .. } => format!("request failed: {reason}"),
            FetchError::AddressRefused {
                host,
                address,
                class,
                ..
            } => {
                let at = if host.trim_matches(['[', ']']) == address.to_string() {
                    format!("{address}")
                } else {
                    format!("{host} at {address}")
                };
                format!(
                    "refused to connect to {at}: {}, which only a source whose start URL is at such an address may reach",
                    class.describe()
                )
            }
            FetchError::OutOfTime { limit, .. } => format!(
                "gave up after {}, the time allowed for one URL (all attempts and redirects)",
                human(*limit)
            ),
            FetchError::Redirected { to, cause, .. } => {
                format!("redirected to {to}: {}", cause.reason())
            }
        }
    }

    /// The error itself, or for a failure after a redirect the failure it led to.
    pub(crate) fn innermost(&self) -> &FetchError {
        match self {
            FetchError::Redirected { cause, .. } => cause.innermost(),
            other => other,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Config { .. } => f.write_str(&self.reason()),
            _ => write!(f, "{}: {}", self.url(), self.reason()),
        }
    }
}

impl std::error::Error for FetchError {}

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
        FetchError::Status {
            url: "http://x.test/a".into(),
            status: code,
            retry_after: None,
        }
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
        let timeout = FetchError::Timeout {
            url: "http://x.test/a".into(),
            after: Duration::from_millis(1500),
        };
        assert_eq!(timeout.reason(), "timed out after 1.5s");
    }

    #[test]
    fn refused_address_names_the_host_the_address_and_the_class() {
        let refused = FetchError::AddressRefused {
            url: "http://metadata.test/latest/".into(),
            host: "metadata.test".into(),
            address: "169.254.169.254".parse().unwrap(),
            class: AddressClass::Metadata,
        };
        assert_eq!(
            refused.to_string(),
            "http://metadata.test/latest/: refused to connect to metadata.test at 169.254.169.254: a cloud metadata service address, which only a source whose start URL is at such an address may reach"
        );
        assert!(!refused.is_retryable());
        let literal = FetchError::AddressRefused {
            url: "http://[fd00:ec2::254]/".into(),
            host: "[fd00:ec2::254]".into(),
            address: "fd00:ec2::254".parse().unwrap(),
            class: AddressClass::Metadata,
        };
        assert!(literal
            .reason()
            .starts_with("refused to connect to fd00:ec2::254: "));
    }

    #[test]
    fn failure_after_a_redirect_says_where_and_answers_as_its_cause() {
        let e = FetchError::Redirected {
            url: "http://a.test/old".into(),
            to: "http://b.test/new".into(),
            cause: Box::new(status(503)),
        };
        assert_eq!(
            e.to_string(),
            "http://a.test/old: redirected to http://b.test/new: HTTP 503 Service Unavailable"
        );
        assert_eq!(e.status(), Some(503));
        assert!(e.is_retryable());
        assert_eq!(e.innermost(), &status(503));
    }
}
