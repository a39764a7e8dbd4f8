//! One HTTP request with reqwest, and nothing else: no retries, no waiting (see `retry` and
//! `politeness`), no redirects followed (a redirect is an [`Answer`] for the fetcher, which
//! makes each hop a request of its own). Builds the client once from [`FetchConfig`]; reads
//! the body as a stream so that the size limit counts decompressed bytes (reqwest decodes
//! gzip / brotli / deflate transparently) and a decompression bomb stops at
//! `max_body_bytes + 1`.
//!
//! The client resolves names only through the fetcher's pinned answers (`dns.rs`), and never
//! sends a Referer: the page a link was found on is nobody else's business, least of all a
//! host a redirect leads to (the full URL, query included, used to go along).
//!
//! Connections (issue 16): at a per-host delay of [`KEEP_ALIVE_BELOW`] or more, none is kept
//! open between requests. A crawl of thousands of hosts has them all in progress at once, and
//! a connection kept across each host's delay held one descriptor and its buffers per host for
//! the whole run (3,000 hosts: 3,000 descriptors, past systemd's soft limit of 1,024). Now
//! what is open is what is in flight, at most `concurrency`. Keep-alive saved a TCP handshake
//! per request, one round trip in a second's wait; TLS sessions are resumed instead of
//! started again (a session cache with room for a national crawl's hosts). Below that delay
//! a host's connection is reused, and closed [`IDLE_AFTER_DELAY`] after the delay once its
//! queue is done. docs/performance.md "National scale" has the measurements.

use super::dns::Pinned;
use super::error::{FetchError, FetchErrorKind};
use super::{Fetched, Request};
use crate::config::FetchConfig;
use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
    RETRY_AFTER,
};
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use url::Url;

/// TLS for the client: rustls with the ring provider and the platform's certificate
/// verifier, handed to reqwest ready-made. reqwest's own rustls set-up would take aws-lc-rs
/// (a long C build) or a process-wide default provider (global state a library must not set).
fn tls() -> Result<rustls::ClientConfig, FetchError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| {
            FetchError::new(
                "",
                FetchErrorKind::Config {
                    reason: format!("TLS set-up: {e}"),
                },
            )
        })?
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::in_memory_sessions(TLS_SESSIONS);
    Ok(config)
}

/// The per-host delay from which no connection is kept open between a host's requests.
pub(crate) const KEEP_ALIVE_BELOW: Duration = Duration::from_secs(1);

/// Below [`KEEP_ALIVE_BELOW`], how long past the delay an idle connection is kept: enough
/// for the host's next request to find it, short enough that a host whose queue is done
/// gives its descriptor back.
pub(crate) const IDLE_AFTER_DELAY: Duration = Duration::from_secs(1);

/// TLS sessions remembered for resumption (rustls keeps 256 by default): one per host of a
/// national crawl, so that a host's next request resumes its session rather than starting a
/// new one. A few hundred bytes each.
const TLS_SESSIONS: usize = 4096;

/// Builds the one client of a `Fetcher`, resolving through `dns`.
pub(crate) fn build(config: &FetchConfig, dns: Pinned) -> Result<reqwest::Client, FetchError> {
    let builder = reqwest::Client::builder();
    let builder = if config.delay >= KEEP_ALIVE_BELOW {
        builder.pool_max_idle_per_host(0)
    } else {
        builder.pool_idle_timeout(config.delay + IDLE_AFTER_DELAY)
    };
    builder
        .tls_backend_preconfigured(tls()?)
        .user_agent(config.user_agent.as_str())
        .connect_timeout(config.connect_timeout)
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .dns_resolver(Arc::new(dns))
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .build()
        .map_err(|e| FetchError::new("", FetchErrorKind::Config { reason: causes(&e) }))
}

/// What one request brought.
#[derive(Debug)]
pub(crate) enum Answer {
    /// A response that ends the URL's hops (2xx, or 304).
    Done(Fetched),
    /// A redirect (301, 302, 303, 307, 308) to this `Location`, as the server wrote it.
    Redirect(String),
}

/// What the response must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A page: refuse bodies that are clearly not HTML, fail past the size limit.
    Page,
    /// robots.txt: any type; only the first `robots_max_bytes` are read.
    Robots,
    /// An attachment or a JSON list: any type, fail past the size limit.
    Document,
}

/// Sends one GET (or the request's form POST), with `timeout` for the whole of it, and reads
/// the body unless it is a redirect.
pub(crate) async fn get(
    client: &reqwest::Client,
    config: &FetchConfig,
    url: &Url,
    req: &Request,
    purpose: Purpose,
    timeout: Duration,
) -> Result<Answer, FetchError> {
    let to_error = |e| classify(&req.url, e, config, timeout);
    let mut builder = match &req.form {
        None => client.get(url.clone()),
        Some(fields) => {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish();
            client
                .post(url.clone())
                .header(
                    CONTENT_TYPE,
                    "application/x-www-form-urlencoded; charset=UTF-8",
                )
                .body(body)
        }
    }
    .timeout(timeout);
    if let Some(etag) = &req.etag {
        builder = builder.header(IF_NONE_MATCH, etag.as_str());
    }
    if let Some(date) = &req.last_modified {
        builder = builder.header(IF_MODIFIED_SINCE, date.as_str());
    }
    let response = builder.send().await.map_err(to_error)?;
    let status = response.status();
    if is_redirect(status) {
        // A Location that is not text (raw UTF-8 from some servers) is read leniently; the
        // URL parser percent-encodes it.
        if let Some(location) = response.headers().get(LOCATION) {
            let location = String::from_utf8_lossy(location.as_bytes())
                .trim()
                .to_string();
            if !location.is_empty() {
                return Ok(Answer::Redirect(location));
            }
        }
    }
    // What is kept of the headers, taken before the body consumes the response.
    let headers = response.headers();
    let content_type = header(headers, CONTENT_TYPE.as_str());
    let etag = header(headers, ETAG.as_str());
    let last_modified = header(headers, LAST_MODIFIED.as_str());
    let fetched = |bytes: Vec<u8>, final_url: String| Fetched {
        url: req.url.clone(),
        final_url,
        status: status.as_u16(),
        content_type: content_type.clone(),
        etag,
        last_modified,
        bytes,
        fetched_at: crate::pipeline::now_utc(),
        not_modified: status == StatusCode::NOT_MODIFIED,
    };
    let final_url = url.to_string();

    if status == StatusCode::NOT_MODIFIED {
        return Ok(Answer::Done(fetched(Vec::new(), final_url)));
    }
    if !status.is_success() {
        return Err(FetchError::new(
            req.url.clone(),
            FetchErrorKind::Status {
                status: status.as_u16(),
                retry_after: header(response.headers(), RETRY_AFTER.as_str()).and_then(|v| {
                    super::retry::parse_retry_after(&v, SystemTime::now(), config.backoff_max)
                }),
            },
        ));
    }
    let (limit, truncate) = match purpose {
        Purpose::Page => {
            if let Some(content_type) = &content_type {
                if clearly_not_html(content_type) {
                    return Err(FetchError::new(
                        req.url.clone(),
                        FetchErrorKind::NotHtml {
                            content_type: content_type.clone(),
                        },
                    ));
                }
            }
            (config.max_body_bytes, false)
        }
        Purpose::Robots => (config.robots_max_bytes, true),
        Purpose::Document => (config.max_body_bytes, false),
    };
    let bytes = read_body(response, limit, truncate, to_error, &req.url).await?;
    Ok(Answer::Done(fetched(bytes, final_url)))
}

/// The statuses whose Location is followed (RFC 9110 §15.4; every request here is a GET, so
/// 301/302/303 and 307/308 are all followed with a GET).
fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Reads the (decompressed) body, stopping as soon as it passes `limit`: an error for a
/// page, a truncation for robots.txt.
async fn read_body(
    response: reqwest::Response,
    limit: u64,
    truncate: bool,
    classify: impl Fn(reqwest::Error) -> FetchError,
    url: &str,
) -> Result<Vec<u8>, FetchError> {
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    // Content-Length is the size on the wire; reqwest drops it when it decompresses, so a
    // value here is the body's true size and a too-large one can be refused unread.
    if let Some(length) = response.content_length() {
        if length > limit && !truncate {
            return Err(FetchError::new(url, FetchErrorKind::TooLarge { limit }));
        }
    }
    let mut body = Vec::with_capacity(
        usize::try_from(response.content_length().unwrap_or(0))
            .unwrap_or(0)
            .min(limit_usize)
            .min(1 << 20),
    );
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(&classify)?;
        if body.len().saturating_add(chunk.len()) > limit_usize {
            if truncate {
                let room = limit_usize.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..room.min(chunk.len())]);
                break;
            }
            return Err(FetchError::new(url, FetchErrorKind::TooLarge { limit }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A header as text; values that are not visible ASCII are ignored.
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A Content-Type that is clearly not a web page. Anything text, HTML or XML passes, and so
/// do `application/octet-stream` and malformed values: county servers often send those for
/// real pages, and decode's sniffing and the pipeline's checks decide then.
pub(crate) fn clearly_not_html(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    match kind {
        "text" => false,
        "image" | "audio" | "video" | "font" | "model" | "multipart" => true,
        "application" => {
            !(subtype.contains("html")
                || subtype == "xml"
                || subtype.ends_with("+xml")
                || subtype == "octet-stream"
                || subtype == "unknown")
        }
        _ => false,
    }
}

/// Maps a reqwest error onto what it means for the caller; `timeout` is the request's.
fn classify(url: &str, e: reqwest::Error, config: &FetchConfig, timeout: Duration) -> FetchError {
    let url = url.to_string();
    if e.is_timeout() {
        let after = if e.is_connect() {
            config.connect_timeout.min(timeout)
        } else {
            timeout
        };
        return FetchError::new(url, FetchErrorKind::Timeout { after });
    }
    let reason = causes(&e);
    if e.is_connect() {
        FetchError::new(url, FetchErrorKind::Connect { reason })
    } else if e.is_decode() {
        FetchError::new(url, FetchErrorKind::Decode { reason })
    } else if e.is_body() || e.is_request() {
        FetchError::new(url, FetchErrorKind::Network { reason })
    } else {
        FetchError::new(url, FetchErrorKind::Http { reason })
    }
}

/// The causes under a reqwest error, innermost last, without reqwest's own "error sending
/// request for url (…)" line (the URL is in the FetchError already).
fn causes(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        // hyper-util's "client error (Connect)" only repeats what the variant says.
        if !text.starts_with("client error (") && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(e.to_string());
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::clearly_not_html;

    #[test]
    fn pdf_images_and_office_files_are_clearly_not_html() {
        for ct in [
            "application/pdf",
            "image/png",
            "IMAGE/JPEG",
            "application/msword",
            "application/vnd.ms-excel",
            "application/zip",
            "application/json",
            "video/mp4",
        ] {
            assert!(clearly_not_html(ct), "{ct}");
        }
    }

    #[test]
    fn html_text_xml_and_unknown_types_pass() {
        for ct in [
            "text/html; charset=gb2312",
            "text/plain",
            "application/xhtml+xml",
            "application/xml",
            "application/octet-stream",
            "html",
            "",
        ] {
            assert!(!clearly_not_html(ct), "{ct}");
        }
    }
}
