//! Failures and retries: a 503 retried, a 429's Retry-After waited, a 404 failing fast and
//! reported with its status, a stalled server timing out, a closed port, and one retry
//! budget for a whole run.

use super::*;

#[test]
fn status_503_twice_then_200_succeeds_after_three_requests() {
    let server = Server::start();
    server.route(
        "/a.html",
        Reply::sequence([
            Reply::status(503),
            Reply::status(503),
            Reply::html(seed_utf8(), "text/html; charset=utf-8"),
        ]),
    );
    let report = scrape_url(server.url("/a.html"), config());
    assert_eq!(report.error, None);
    assert_eq!(report.records().count(), 16);
    assert_eq!(server.count("/a.html"), 3);
}

#[test]
fn status_429_with_retry_after_waits_that_long_before_retrying() {
    let server = Server::start();
    server.route(
        "/a.html",
        Reply::sequence([
            Reply::status(429).header("retry-after", "1"),
            Reply::html(seed_utf8(), "text/html; charset=utf-8"),
        ]),
    );
    fetch_one(server.url("/a.html"), config()).unwrap();
    let seen = server.requests_to("/a.html");
    assert_eq!(seen.len(), 2);
    assert!(
        gaps(&seen)[0] >= Duration::from_secs(1),
        "{:?}",
        gaps(&seen)
    );
}

#[test]
fn status_404_fails_fast_with_one_request() {
    let server = Server::start();
    let err = fetch_one(server.url("/gone.html"), config()).unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        format!("{}: HTTP 404 Not Found", server.url("/gone.html"))
    );
    assert_eq!(server.count("/gone.html"), 1);
}

#[test]
fn status_404_is_reported_in_the_page_with_its_status() {
    let server = Server::start();
    let report = scrape_url(server.url("/gone.html"), config());
    assert_eq!(report.error.as_deref(), Some("HTTP 404 Not Found"));
    assert_eq!(report.http_status, Some(404));
    assert_eq!(report.source_url, server.url("/gone.html"));
}

#[test]
fn server_stalling_past_the_timeout_fails_with_a_timeout() {
    let server = Server::start();
    server.route(
        "/slow.html",
        Reply::stall(
            Duration::from_secs(5),
            Reply::html(seed_utf8(), "text/html"),
        ),
    );
    let fetch = FetchConfig {
        max_attempts: 1,
        ..config()
    };
    let err = fetch_one(server.url("/slow.html"), fetch).unwrap_err();
    assert_eq!(
        err,
        FetchError::new(
            server.url("/slow.html"),
            FetchErrorKind::Timeout {
                after: Duration::from_secs(1)
            }
        )
    );
    assert!(err.is_retryable());
    assert_eq!(server.count("/slow.html"), 1);
}

#[test]
fn closed_port_is_a_retryable_connect_error() {
    let url = closed_port_url("/a.html");
    let fetch = FetchConfig {
        obey_robots: false,
        max_attempts: 2,
        ..config()
    };
    let err = fetch_one(url.clone(), fetch).unwrap_err();
    assert!(
        matches!(&err, FetchError { url: u, kind: FetchErrorKind::Connect { .. } } if *u == url),
        "{err}"
    );
    assert!(err.is_retryable());
    assert!(err.reason().starts_with("cannot connect: "), "{err}");
}

#[test]
fn retry_budget_is_shared_by_all_urls_of_a_run() {
    let server = Server::start();
    server.route("/a.html", Reply::status(503));
    server.route("/b.html", Reply::status(503));
    let fetch = FetchConfig {
        retry_budget: 1,
        max_attempts: 4,
        obey_robots: false,
        ..config()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(&fetch).unwrap();
    let results =
        runtime.block_on(fetcher.fetch_all(vec![server.url("/a.html"), server.url("/b.html")]));
    assert!(results
        .iter()
        .all(|r| r.as_ref().err().and_then(FetchError::status) == Some(503)));
    // Two first attempts and the one retry the budget allows.
    assert_eq!(server.count("/a.html") + server.count("/b.html"), 3);
}
