//! robots.txt: a disallowed page refused without a request, rules for minsheng applied,
//! `obey_robots = false`, one robots.txt per host with its Crawl-delay, and a server error
//! there counted as disallowed.

use super::*;

#[test]
fn robots_txt_disallowing_the_page_refuses_it_without_requesting_it() {
    let server = Server::start();
    server.route(
        "/robots.txt",
        Reply::robots("User-agent: *\nDisallow: /private/\n"),
    );
    server.route("/private/a.html", Reply::html(seed_utf8(), "text/html"));
    let err = fetch_one(server.url("/private/a.html"), config()).unwrap_err();
    assert_eq!(
        err,
        FetchError::new(server.url("/private/a.html"), FetchErrorKind::Disallowed)
    );
    assert_eq!(server.count("/private/a.html"), 0);
    assert_eq!(server.count("/robots.txt"), 1);
}

#[test]
fn robots_txt_rules_for_minsheng_apply_to_minsheng() {
    let server = Server::start();
    server.route(
        "/robots.txt",
        Reply::robots("User-agent: minsheng\nDisallow: /\n\nUser-agent: *\nAllow: /\n"),
    );
    let err = fetch_one(server.url("/a.html"), config()).unwrap_err();
    assert!(matches!(err.kind, FetchErrorKind::Disallowed), "{err}");
}

#[test]
fn ignore_robots_fetches_a_disallowed_page_without_reading_robots_txt() {
    let server = Server::start();
    server.route("/robots.txt", Reply::robots("User-agent: *\nDisallow: /\n"));
    server.route("/a.html", Reply::html(seed_utf8(), "text/html"));
    let fetch = FetchConfig {
        obey_robots: false,
        ..config()
    };
    fetch_one(server.url("/a.html"), fetch).unwrap();
    assert_eq!(server.count("/robots.txt"), 0);
    assert_eq!(server.count("/a.html"), 1);
}

#[test]
fn robots_txt_is_fetched_once_per_host_and_its_crawl_delay_raises_the_delay() {
    let server = Server::start();
    server.route(
        "/robots.txt",
        Reply::robots("User-agent: *\nCrawl-delay: 1\n"),
    );
    for page in ["/a.html", "/b.html", "/c.html"] {
        server.route(page, Reply::html(seed_utf8(), "text/html"));
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(&config()).unwrap();
    let urls = ["/a.html", "/b.html", "/c.html"]
        .map(|p| server.url(p))
        .to_vec();
    let results = runtime.block_on(fetcher.fetch_all(urls));
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.count("/robots.txt"), 1);
    let pages: Vec<Seen> = server
        .requests()
        .into_iter()
        .filter(|s| s.path != "/robots.txt")
        .collect();
    assert_eq!(pages.len(), 3);
    for gap in gaps(&pages) {
        assert!(gap >= Duration::from_secs(1), "{gap:?}");
    }
}

#[test]
fn robots_txt_server_error_counts_as_disallowed() {
    let server = Server::start();
    server.route("/robots.txt", Reply::status(500));
    server.route("/a.html", Reply::html(seed_utf8(), "text/html"));
    let fetch = FetchConfig {
        max_attempts: 2,
        ..config()
    };
    let err = fetch_one(server.url("/a.html"), fetch).unwrap_err();
    assert_eq!(
        err.reason(),
        "robots.txt could not be fetched (HTTP 500 Internal Server Error), so the site counts as disallowed (RFC 9309; --ignore-robots overrides)"
    );
    assert_eq!(server.count("/a.html"), 0);
    assert_eq!(server.count("/robots.txt"), 2);
}
