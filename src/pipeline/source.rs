//! One raw page and where it came from. [`Fetched`] is the raw page itself: the fetcher
//! produces it, the store keeps it (`store::Snapshot`) and reads it back for `reparse`;
//! [`Source`] is what the pipeline is handed, a borrow of those bytes and of what is known
//! about them, so no body is copied between the stages.

use crate::normalize::Context;

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
    /// When the body was read, as [`super::now_utc`] writes it.
    pub fetched_at: String,
    /// The server answered 304 Not Modified to a conditional GET.
    pub not_modified: bool,
}

/// The bytes of one document, borrowed, and what is known about where they came from.
///
/// From a response: `Source::fetched(&page)`; from a local file: `Source::file(url, bytes,
/// fetched_at)`; the context fields are set on the value that returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Source<'a> {
    /// The document URL (`file://` for a local file).
    pub url: &'a str,
    pub bytes: &'a [u8],
    /// The HTTP Content-Type header, when fetched.
    pub content_type: Option<&'a str>,
    /// ISO 8601 UTC time the bytes were read.
    pub fetched_at: &'a str,
    /// The URL after redirects and the final status, when fetched.
    pub final_url: Option<&'a str>,
    pub http_status: Option<u16>,
    /// The configured publisher for pages that name none.
    pub default_publisher: Option<&'a str>,
    /// For an attachment: the article that links it (None for an article or a local file).
    pub article_url: Option<&'a str>,
    /// For an attachment: the text of the link to it, as written.
    pub link_text: Option<&'a str>,
    /// For an attachment: the linking article's publisher and published_at (RFC 3339, as the
    /// article's report has it), which the attachment's records repeat.
    pub article_publisher: Option<&'a str>,
    pub article_published_at: Option<&'a str>,
    /// The crawl config's source name and county (None in scrape mode).
    pub source_name: Option<&'a str>,
    pub county: Option<&'a str>,
}

impl<'a> Source<'a> {
    /// A fetched page, under the URL it was asked for.
    pub fn fetched(page: &'a Fetched) -> Self {
        Source {
            url: &page.url,
            bytes: &page.bytes,
            content_type: page.content_type.as_deref(),
            fetched_at: &page.fetched_at,
            final_url: Some(&page.final_url),
            http_status: Some(page.status),
            ..Source::default()
        }
    }

    /// A local file's bytes under its `file://` URL, read at `fetched_at`.
    pub fn file(url: &'a str, bytes: &'a [u8], fetched_at: &'a str) -> Self {
        Source {
            url,
            bytes,
            fetched_at,
            ..Source::default()
        }
    }

    /// The normalize context of this document.
    pub(super) fn context(&self, sha: &str) -> Context {
        Context {
            source_url: self.url.to_string(),
            fetched_at: self.fetched_at.to_string(),
            content_sha256: sha.to_string(),
            default_publisher: self.default_publisher.map(str::to_string),
            source_name: self.source_name.map(str::to_string),
            county: self.county.map(str::to_string),
        }
    }

    /// The article this document belongs to: the linking article, else itself.
    pub(super) fn article(&self) -> String {
        self.article_url.unwrap_or(self.url).to_string()
    }
}
