//! One HTTP GET with reqwest, and nothing else: no retries, no waiting (see `retry` and
//! `politeness`). Builds the client once from [`FetchConfig`]; reads the body as a stream so
//! that the size limit counts decompressed bytes (reqwest decodes gzip / brotli / deflate
//! transparently) and a decompression bomb stops at `max_body_bytes + 1`.

use super::error::FetchError;
use super::{Fetched, Request};
use crate::config::FetchConfig;
use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};
use reqwest::StatusCode;
use std::time::SystemTime;
use url::Url;

/// TLS for the client: rustls with the ring provider and the platform's certificate
/// verifier, handed to reqwest ready-made. reqwest's own rustls set-up would take aws-lc-rs
/// (a long C build) or a process-wide default provider (global state a library must not set).
fn tls() -> Result<rustls::ClientConfig, FetchError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| FetchError::Config {
            reason: format!("TLS set-up: {e}"),
        })?
        .with_no_client_auth();
    Ok(config)
}

/// Builds the one client of a `Fetcher`.
pub(crate) fn build(config: &FetchConfig) -> Result<reqwest::Client, FetchError> {
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls()?)
        .user_agent(config.user_agent.as_str())
        .connect_timeout(config.connect_timeout)
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::limited(config.max_redirects))
        .gzip(true)
        .brotli(true)
        .deflate(true);
    for (name, addr) in &config.resolve {
        builder = builder.resolve(name, *addr);
    }
    builder
        .build()
        .map_err(|e| FetchError::Config { reason: causes(&e) })
}

/// What the response must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A page: refuse bodies that are clearly not HTML, fail past the size limit.
    Page,
    /// robots.txt: any type; only the first `robots_max_bytes` are read.
    Robots,
}

/// Sends one GET and reads the body.
pub(crate) async fn get(
    client: &reqwest::Client,
    config: &FetchConfig,
    url: &Url,
    req: &Request,
    purpose: Purpose,
) -> Result<Fetched, FetchError> {
    let mut builder = client.get(url.clone());
    if let Some(etag) = &req.etag {
        builder = builder.header(IF_NONE_MATCH, etag.as_str());
    }
    if let Some(date) = &req.last_modified {
        builder = builder.header(IF_MODIFIED_SINCE, date.as_str());
    }
    let response = builder
        .send()
        .await
        .map_err(|e| classify(&req.url, e, config))?;
    let status = response.status();
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
    let final_url = response.url().to_string();

    if status == StatusCode::NOT_MODIFIED {
        return Ok(fetched(Vec::new(), final_url));
    }
    if !status.is_success() {
        return Err(FetchError::Status {
            url: req.url.clone(),
            status: status.as_u16(),
            retry_after: header(response.headers(), RETRY_AFTER.as_str())
                .and_then(|v| super::retry::parse_retry_after(&v, SystemTime::now())),
        });
    }
    let (limit, truncate) = match purpose {
        Purpose::Page => {
            if let Some(content_type) = &content_type {
                if clearly_not_html(content_type) {
                    return Err(FetchError::NotHtml {
                        url: req.url.clone(),
                        content_type: content_type.clone(),
                    });
                }
            }
            (config.max_body_bytes, false)
        }
        Purpose::Robots => (config.robots_max_bytes, true),
    };
    let bytes = read_body(response, &req.url, limit, truncate, config).await?;
    Ok(fetched(bytes, final_url))
}

/// Reads the (decompressed) body, stopping as soon as it passes `limit`: an error for a
/// page, a truncation for robots.txt.
async fn read_body(
    response: reqwest::Response,
    url: &str,
    limit: u64,
    truncate: bool,
    config: &FetchConfig,
) -> Result<Vec<u8>, FetchError> {
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    // Content-Length is the size on the wire; reqwest drops it when it decompresses, so a
    // value here is the body's true size and a too-large one can be refused unread.
    if let Some(length) = response.content_length() {
        if length > limit && !truncate {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
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
        let chunk = chunk.map_err(|e| classify(url, e, config))?;
        if body.len().saturating_add(chunk.len()) > limit_usize {
            if truncate {
                let room = limit_usize.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..room.min(chunk.len())]);
                break;
            }
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
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

/// Maps a reqwest error onto what it means for the caller.
fn classify(url: &str, e: reqwest::Error, config: &FetchConfig) -> FetchError {
    let url = url.to_string();
    if e.is_timeout() {
        let after = if e.is_connect() {
            config.connect_timeout
        } else {
            config.timeout
        };
        return FetchError::Timeout { url, after };
    }
    if e.is_redirect() {
        return FetchError::TooManyRedirects {
            url,
            max: config.max_redirects,
        };
    }
    let reason = causes(&e);
    if e.is_connect() {
        FetchError::Connect { url, reason }
    } else if e.is_decode() {
        FetchError::Decode { url, reason }
    } else if e.is_body() || e.is_request() {
        FetchError::Network { url, reason }
    } else {
        FetchError::Http { url, reason }
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
