//! The fetcher against a real HTTP server in the test process (tests/it/support): decoding of
//! pages as county servers send them, compression, retries, limits, redirects, robots.txt and
//! per-host politeness, the scrape command over HTTP, and the binary end to end.
//!
//! No test makes a DNS query: servers listen on 127.0.0.1, and site names are mapped to them
//! with `FetchConfig::resolve`. Delays and timeouts are short (see `config`).
//!
//! Here: decoding, transfer (compression, limits, redirects, validators) and the request
//! forms; by topic in `fetch/`: `retries.rs`, `robots.rs`, `politeness.rs`, `scrape.rs`,
//! and issue 11's network attacks in `safety.rs`.

use crate::support;
// Issue 11's network attacks (address policy, redirect hops, Referer, tarpit, Retry-After),
// in a file of their own: this one is long enough.
#[path = "fetch/safety.rs"]
mod safety;

mod politeness;
mod retries;
mod robots;
mod scrape;

use minsheng::config::{FetchConfig, ScrapeOptions};
use minsheng::fetch::{FetchError, FetchErrorKind, Fetcher, Request};
use minsheng::record::PageReport;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{closed_port_url, Reply, Seen, Server};

const DELAY: Duration = Duration::from_millis(200);

/// Short delays and timeouts so the whole file runs in seconds.
fn config() -> FetchConfig {
    FetchConfig {
        delay: DELAY,
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_secs(2),
        ..FetchConfig::default()
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn seed_utf8() -> Vec<u8> {
    std::fs::read(fixture("wencheng_2024_half_year.html")).unwrap()
}

fn seed_gbk() -> Vec<u8> {
    std::fs::read(fixture("wencheng_2024_half_year_gbk.html")).unwrap()
}

/// The GBK seed page with its `<meta charset=gb2312>` removed: no declaration anywhere.
fn seed_gbk_undeclared() -> Vec<u8> {
    let meta = br#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#;
    let bytes = seed_gbk();
    let at = bytes
        .windows(meta.len())
        .position(|w| w == meta)
        .expect("the GBK fixture declares gb2312");
    [&bytes[..at], &bytes[at + meta.len()..]].concat()
}

/// `scrape` of one URL, as pages.json would have it.
fn scrape_url(url: String, fetch: FetchConfig) -> PageReport {
    let opts = ScrapeOptions {
        fetch,
        ..ScrapeOptions::default()
    };
    let mut reports = minsheng::scrape::process_urls(&[url], &opts);
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

fn fetch_one(url: String, fetch: FetchConfig) -> Result<minsheng::fetch::Fetched, FetchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fetcher = Fetcher::new(&fetch).unwrap();
    runtime.block_on(fetcher.fetch(Request::new(url)))
}

fn gaps(seen: &[Seen]) -> Vec<Duration> {
    seen.windows(2).map(|w| w[1].at - w[0].at).collect()
}

// ---- decoding as a browser does ----------------------------------------------------------

#[test]
fn utf8_page_with_charset_header_is_decoded_by_the_header() {
    let server = Server::start();
    server.route(
        "/art.html",
        Reply::html(seed_utf8(), "text/html; charset=utf-8"),
    );
    let report = scrape_url(server.url("/art.html"), config());
    assert_eq!(report.error, None);
    assert_eq!(report.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(report.encoding_source.as_deref(), Some("header"));
    assert_eq!(report.encoding_note, None);
    assert_eq!(report.records().count(), 16);
    assert_eq!(report.http_status, Some(200));
    assert_eq!(report.final_url, Some(server.url("/art.html")));
}

#[test]
fn gbk_page_served_as_plain_text_html_is_decoded_by_its_meta() {
    let server = Server::start();
    server.route("/art.html", Reply::html(seed_gbk(), "text/html"));
    let report = scrape_url(server.url("/art.html"), config());
    assert_eq!(report.error, None);
    assert_eq!(report.encoding.as_deref(), Some("GBK"));
    assert_eq!(report.encoding_source.as_deref(), Some("meta"));
    assert_eq!(report.replacement_chars, 0);
    assert_eq!(report.records().count(), 16);
    assert_eq!(
        report.title.as_deref(),
        Some("公共服务“七优享”民生实事项目半年度进度表")
    );
}

#[test]
fn gbk_page_with_no_declaration_anywhere_is_sniffed() {
    let server = Server::start();
    server.route("/art.html", Reply::html(seed_gbk_undeclared(), "text/html"));
    let report = scrape_url(server.url("/art.html"), config());
    assert_eq!(report.error, None);
    assert_eq!(report.encoding.as_deref(), Some("GBK"));
    assert_eq!(report.encoding_source.as_deref(), Some("sniff"));
    assert_eq!(report.replacement_chars, 0);
    assert_eq!(report.records().count(), 16);
}

#[test]
fn gbk_page_served_as_utf8_falls_back_to_detection_and_says_so() {
    let server = Server::start();
    server.route(
        "/art.html",
        Reply::html(seed_gbk(), "text/html; charset=utf-8"),
    );
    let report = scrape_url(server.url("/art.html"), config());
    assert_eq!(report.error, None);
    assert_eq!(report.encoding.as_deref(), Some("GBK"));
    assert_eq!(report.encoding_source.as_deref(), Some("fallback"));
    let note = report.encoding_note.clone().unwrap_or_default();
    assert!(
        note.starts_with("the Content-Type header declares UTF-8, which left ")
            && note.ends_with(" malformed sequences; decoded as GBK instead"),
        "{note}"
    );
    assert_eq!(report.replacement_chars, 0);
    assert_eq!(report.records().count(), 16);
}

// ---- transfer --------------------------------------------------------------------------

#[test]
fn gzip_body_is_decompressed_and_hashed_as_the_page_bytes() {
    let server = Server::start();
    server.route(
        "/art.html",
        Reply::gzip(&seed_utf8(), "text/html; charset=utf-8"),
    );
    let report = scrape_url(server.url("/art.html"), config());
    assert_eq!(report.error, None);
    assert_eq!(report.records().count(), 16);
    assert_eq!(
        report.content_sha256,
        Some(minsheng::pipeline::sha256_hex(&seed_utf8()))
    );
    let seen = server.requests_to("/art.html");
    let accept = seen[0].header("accept-encoding").unwrap_or_default();
    assert!(accept.contains("gzip") && accept.contains("br") && accept.contains("deflate"));
}

#[test]
fn body_over_the_size_limit_is_refused() {
    let server = Server::start();
    server.route("/big.html", Reply::html(vec![b'a'; 5000], "text/html"));
    let fetch = FetchConfig {
        max_body_bytes: 1000,
        ..config()
    };
    let err = fetch_one(server.url("/big.html"), fetch).unwrap_err();
    assert_eq!(
        err,
        FetchError::new(
            server.url("/big.html"),
            FetchErrorKind::TooLarge { limit: 1000 }
        )
    );
    assert!(!err.is_retryable());
    assert_eq!(server.count("/big.html"), 1);
}

#[test]
fn decompression_bomb_stops_at_the_limit_counted_after_decompression() {
    let server = Server::start();
    // 16 MiB of zeros gzip to about 16 KiB: well under the limit on the wire, far over it
    // once decompressed.
    let bomb = Reply::gzip(&vec![0u8; 16 << 20], "text/html");
    if let Reply::Fixed { body, .. } = &bomb {
        assert!(body.len() < 100_000);
    }
    server.route("/bomb.html", bomb);
    let fetch = FetchConfig {
        max_body_bytes: 1 << 20,
        ..config()
    };
    let err = fetch_one(server.url("/bomb.html"), fetch).unwrap_err();
    assert_eq!(
        err,
        FetchError::new(
            server.url("/bomb.html"),
            FetchErrorKind::TooLarge { limit: 1 << 20 }
        )
    );
}

#[test]
fn corrupt_gzip_body_is_a_decode_error_and_not_retried() {
    let server = Server::start();
    server.route(
        "/broken.html",
        Reply::html(
            &b"\x1f\x8b\x08\x00 this is not deflate data"[..],
            "text/html",
        )
        .header("content-encoding", "gzip"),
    );
    let err = fetch_one(server.url("/broken.html"), config()).unwrap_err();
    assert!(
        matches!(&err, FetchError { url, kind: FetchErrorKind::Decode { .. } } if *url == server.url("/broken.html")),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.count("/broken.html"), 1);
}

#[test]
fn redirect_is_followed_and_the_final_url_recorded() {
    let server = Server::start();
    server.route("/old.html", Reply::redirect("/new.html"));
    server.route(
        "/new.html",
        Reply::html(seed_utf8(), "text/html; charset=utf-8"),
    );
    let report = scrape_url(server.url("/old.html"), config());
    assert_eq!(report.error, None);
    assert_eq!(report.source_url, server.url("/old.html"));
    assert_eq!(report.final_url, Some(server.url("/new.html")));
    assert_eq!(report.records().count(), 16);
}

#[test]
fn redirect_loop_fails_after_max_redirects() {
    let server = Server::start();
    server.route("/loop.html", Reply::redirect("/loop.html"));
    let err = fetch_one(server.url("/loop.html"), config()).unwrap_err();
    assert_eq!(
        err,
        FetchError::new(
            server.url("/loop.html"),
            FetchErrorKind::TooManyRedirects { max: 10 }
        )
    );
    assert!(!err.is_retryable());
    // The first request and ten redirects followed.
    assert_eq!(server.count("/loop.html"), 11);
}

#[test]
fn pdf_content_type_is_not_html() {
    let server = Server::start();
    server.route(
        "/report.pdf",
        Reply::html(&b"%PDF-1.7\n"[..], "application/pdf"),
    );
    let report = scrape_url(server.url("/report.pdf"), config());
    assert_eq!(
        report.error.as_deref(),
        Some("not an HTML page: the server sent Content-Type \"application/pdf\"")
    );
    assert!(report.tables.is_empty());
}

#[test]
fn non_http_scheme_is_refused_without_a_request() {
    let err = fetch_one("ftp://127.0.0.1/a.html".into(), config()).unwrap_err();
    assert_eq!(
        err.reason(),
        "unsupported URL scheme \"ftp\": only http and https are fetched"
    );
    assert_eq!(err.url(), "ftp://127.0.0.1/a.html");
}

#[test]
fn user_agent_names_minsheng_and_its_version() {
    let server = Server::start();
    server.route("/a.html", Reply::html(seed_utf8(), "text/html"));
    fetch_one(server.url("/a.html"), config()).unwrap();
    let expected = format!(
        "minsheng/{} (+https://github.com/minsheng/minsheng)",
        env!("CARGO_PKG_VERSION")
    );
    for seen in server.requests() {
        assert_eq!(
            seen.header("user-agent"),
            Some(expected.as_str()),
            "{}",
            seen.path
        );
    }
}

#[test]
fn user_agent_can_be_overridden() {
    let server = Server::start();
    server.route("/a.html", Reply::html(seed_utf8(), "text/html"));
    let fetch = FetchConfig {
        user_agent: "county-research/2.0 (ops@example.org)".into(),
        ..config()
    };
    fetch_one(server.url("/a.html"), fetch).unwrap();
    assert_eq!(
        server.requests_to("/a.html")[0].header("user-agent"),
        Some("county-research/2.0 (ops@example.org)")
    );
}

#[test]
fn conditional_get_sends_validators_and_reports_not_modified() {
    let server = Server::start();
    server.route("/a.html", Reply::status(304).header("etag", "\"v1\""));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(&config()).unwrap();
    let fetched = runtime
        .block_on(fetcher.fetch(Request {
            url: server.url("/a.html"),
            etag: Some("\"v1\"".into()),
            last_modified: Some("Wed, 28 Aug 2024 08:34:00 GMT".into()),
            ..Request::default()
        }))
        .unwrap();
    assert!(fetched.not_modified);
    assert_eq!(fetched.status, 304);
    assert!(fetched.bytes.is_empty());
    let seen = &server.requests_to("/a.html")[0];
    assert_eq!(seen.header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        seen.header("if-modified-since"),
        Some("Wed, 28 Aug 2024 08:34:00 GMT")
    );
}

#[test]
fn etag_and_last_modified_of_a_page_are_returned() {
    let server = Server::start();
    server.route(
        "/a.html",
        Reply::html(seed_utf8(), "text/html; charset=utf-8")
            .header("etag", "\"66cee3a8-b551\"")
            .header("last-modified", "Wed, 28 Aug 2024 08:34:00 GMT"),
    );
    let fetched = fetch_one(server.url("/a.html"), config()).unwrap();
    assert_eq!(fetched.status, 200);
    assert!(!fetched.not_modified);
    assert_eq!(fetched.etag.as_deref(), Some("\"66cee3a8-b551\""));
    assert_eq!(
        fetched.last_modified.as_deref(),
        Some("Wed, 28 Aug 2024 08:34:00 GMT")
    );
    assert_eq!(
        fetched.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(fetched.bytes, seed_utf8());
    assert_eq!(fetched.url, server.url("/a.html"));
    assert_eq!(fetched.final_url, server.url("/a.html"));
}

// ---- request forms ---------------------------------------------------------------------

#[test]
fn a_form_request_is_posted_with_its_fields_url_encoded() {
    let server = Server::start();
    server.route(
        "/module/web/jpage/dataproxy.jsp",
        Reply::html("<datastore></datastore>", "text/xml;charset=UTF-8"),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(&config()).unwrap();
    let fetched = runtime
        .block_on(
            fetcher.fetch(Request {
                url: server
                    .url("/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15"),
                form: Some(vec![
                    ("unitid".into(), "4436567".into()),
                    ("webname".into(), "丽水市 政府".into()),
                    ("path".into(), "/".into()),
                ]),
                ..Request::default()
            }),
        )
        .unwrap();
    assert_eq!(fetched.bytes, b"<datastore></datastore>");
    let seen = &server.requests_to("/module/web/jpage/dataproxy.jsp")[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.query.as_deref(),
        Some("startrecord=16&endrecord=30&perpage=15")
    );
    assert_eq!(
        String::from_utf8(seen.body.clone()).unwrap(),
        "unitid=4436567&webname=%E4%B8%BD%E6%B0%B4%E5%B8%82+%E6%94%BF%E5%BA%9C&path=%2F"
    );
    assert_eq!(
        seen.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=UTF-8")
    );
}

#[test]
fn a_document_request_takes_any_content_type_that_a_page_request_refuses() {
    let server = Server::start();
    let xlsx = b"PK\x03\x04 not really a workbook".to_vec();
    server.route(
        "/attach/0/a.xlsx",
        Reply::html(
            xlsx.clone(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(&config()).unwrap();
    let page = runtime.block_on(fetcher.fetch(Request::new(server.url("/attach/0/a.xlsx"))));
    assert!(
        matches!(
            page,
            Err(FetchError {
                kind: FetchErrorKind::NotHtml { .. },
                ..
            })
        ),
        "{page:?}"
    );
    let document = runtime
        .block_on(fetcher.fetch(Request {
            url: server.url("/attach/0/a.xlsx"),
            any_type: true,
            ..Request::default()
        }))
        .unwrap();
    assert_eq!(document.bytes, xlsx);
}
