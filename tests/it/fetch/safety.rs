//! Issue 11, the network half ("nobody let in"): each attack a hostile page or site made,
//! reproduced against the in-process servers, and shown to hold.
//!
//! No packet leaves the machine: a redirect to 169.254.169.254, 10.0.0.1 or fd00:ec2::254 is
//! refused before any connection (the refusal is an `AddressRefused` error naming that
//! address, and the server that sent the redirect saw exactly one request, not four). Where a
//! test must show that not even a TCP connection was attempted, the target is a
//! [`ConnectTally`] on 127.0.0.2 that counts connections, reached by its IP or by a name
//! mapped to it with `FetchConfig::resolve`.
//!
//! A site "on the internet" is played by a server on 127.0.0.1 that
//! `FetchConfig::count_as_public` names by its exact socket address: the only way a loopback
//! address is taken for a public one, settable only from code.

use super::{config, fetch_one, gaps, seed_utf8};
use crate::support::{ConnectTally, Reply, Seen, Server};
use minsheng::config::FetchConfig;
use minsheng::fetch::{AddressClass, FetchError, FetchErrorKind, Fetcher, Request};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use url::Url;

fn second_loopback() -> IpAddr {
    "127.0.0.2".parse().unwrap()
}

/// `config()` with `site` playing a public site.
fn public(site: &Server) -> FetchConfig {
    FetchConfig {
        count_as_public: vec![site.addr()],
        ..config()
    }
}

/// The cause of an error after a redirect, checking where the redirect led.
fn after_redirect(err: FetchError, to: &str) -> FetchError {
    match err {
        FetchError {
            kind: FetchErrorKind::Redirected { to: led, cause },
            ..
        } => {
            assert_eq!(led, to);
            *cause
        }
        other => panic!("not an error after a redirect: {other}"),
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

// ---- row 1: redirects to internal addresses --------------------------------------------

#[test]
fn redirect_to_the_metadata_address_in_any_spelling_or_a_private_one_is_refused_once() {
    let server = Server::start();
    let cases = [
        (
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254",
            AddressClass::Metadata,
        ),
        (
            "http://2852039166/latest/meta-data/",
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254",
            AddressClass::Metadata,
        ),
        (
            "http://0xa9fea9fe/latest/meta-data/",
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254",
            AddressClass::Metadata,
        ),
        (
            "http://10.0.0.1/latest/meta-data/",
            "http://10.0.0.1/latest/meta-data/",
            "10.0.0.1",
            AddressClass::Private,
        ),
        (
            "http://[fd00:ec2::254]/latest/meta-data/",
            "http://[fd00:ec2::254]/latest/meta-data/",
            "fd00:ec2::254",
            AddressClass::Metadata,
        ),
    ];
    for (i, (location, to, address, class)) in cases.into_iter().enumerate() {
        let path = format!("/r{i}.html");
        server.route(&path, Reply::redirect(location));
        let err = fetch_one(server.url(&path), config()).unwrap_err();
        assert!(!err.is_retryable(), "{err}");
        let cause = after_redirect(err, to);
        assert_eq!(
            cause,
            FetchError::new(
                to,
                FetchErrorKind::AddressRefused {
                    host: Url::parse(to).unwrap().host_str().unwrap().to_string(),
                    address: address.parse().unwrap(),
                    class
                }
            ),
            "{location}"
        );
        // Refused, not retried: the redirecting page was asked for once.
        assert_eq!(server.count(&path), 1, "{location}");
    }
}

#[test]
fn connect_tally_sees_a_connection_that_is_allowed() {
    // The instrument the "no connection" tests rely on: a loopback start may reach
    // 127.0.0.2, and the tally counts that connection (it answers nothing, so it fails).
    let inside = ConnectTally::start_on(second_loopback());
    let fetch = FetchConfig {
        obey_robots: false,
        max_attempts: 1,
        ..config()
    };
    let fetcher = Fetcher::new(&fetch).unwrap();
    let start = [Url::parse("http://127.0.0.1/list.html").unwrap()];
    let err =
        block_on(fetcher.fetch_from(&start, Request::new(inside.url("/a.html")))).unwrap_err();
    assert!(matches!(err.kind, FetchErrorKind::Network { .. }), "{err}");
    assert_eq!(inside.connections(), 1);
}

#[test]
fn public_site_redirecting_to_loopback_is_refused_without_a_connection() {
    let site = Server::start();
    let inside = ConnectTally::start_on(second_loopback());
    site.route("/by-ip.html", Reply::redirect(&inside.url("/admin")));
    let err = fetch_one(site.url("/by-ip.html"), public(&site)).unwrap_err();
    let cause = after_redirect(err, &inside.url("/admin"));
    assert!(
        matches!(
            cause.kind,
            FetchErrorKind::AddressRefused {
                class: AddressClass::Loopback,
                ..
            }
        ),
        "{cause}"
    );
    assert_eq!(inside.connections(), 0);
}

#[test]
fn redirect_to_a_name_that_resolves_to_a_refused_address_is_refused_without_a_connection() {
    let site = Server::start();
    let inside = ConnectTally::start_on(second_loopback());
    let target = format!("http://intranet.test:{}/admin", inside.port());
    site.route("/by-name.html", Reply::redirect(&target));
    let fetch = FetchConfig {
        resolve: vec![("intranet.test".into(), inside.addr())],
        ..public(&site)
    };
    let err = fetch_one(site.url("/by-name.html"), fetch).unwrap_err();
    let cause = after_redirect(err, &target);
    assert_eq!(
        cause,
        FetchError::new(
            target.clone(),
            FetchErrorKind::AddressRefused {
                host: "intranet.test".into(),
                address: second_loopback(),
                class: AddressClass::Loopback
            }
        )
    );
    assert_eq!(
        cause.reason(),
        "refused to connect to intranet.test at 127.0.0.2: a loopback address (this machine), which only a source whose start URL is at such an address may reach"
    );
    assert_eq!(inside.connections(), 0);
}

#[test]
fn name_with_one_refused_address_among_public_ones_is_refused() {
    let site = Server::start();
    site.route("/a.html", Reply::html(seed_utf8(), "text/html"));
    let url = site.url_as("mixed.test", "/a.html");
    let fetch = FetchConfig {
        resolve: vec![
            ("mixed.test".into(), site.addr()),
            ("mixed.test".into(), (second_loopback(), site.port()).into()),
        ],
        ..public(&site)
    };
    let fetcher = Fetcher::new(&fetch).unwrap();
    let start = [Url::parse(&site.url("/list.html")).unwrap()];
    let err = block_on(fetcher.fetch_from(&start, Request::new(url))).unwrap_err();
    assert!(
        matches!(&err.kind, FetchErrorKind::AddressRefused { address, .. } if *address == second_loopback()),
        "{err}"
    );
    assert!(site.requests().is_empty());
}

#[test]
fn robots_txt_redirecting_to_the_metadata_address_is_refused_and_the_page_not_read() {
    let server = Server::start();
    server.route(
        "/robots.txt",
        Reply::redirect("http://169.254.169.254/latest/meta-data/"),
    );
    server.route("/a.html", Reply::html(seed_utf8(), "text/html"));
    let err = fetch_one(server.url("/a.html"), config()).unwrap_err();
    let FetchErrorKind::RobotsUnavailable { cause } = &err.kind else {
        panic!("{err}");
    };
    let cause = after_redirect(
        (**cause).clone(),
        "http://169.254.169.254/latest/meta-data/",
    );
    assert!(
        matches!(
            cause.kind,
            FetchErrorKind::AddressRefused {
                class: AddressClass::Metadata,
                ..
            }
        ),
        "{cause}"
    );
    assert_eq!(server.count("/robots.txt"), 1);
    assert_eq!(server.count("/a.html"), 0);
}

#[test]
fn robots_txt_of_a_public_site_redirecting_inside_makes_no_connection() {
    let site = Server::start();
    let inside = ConnectTally::start_on(second_loopback());
    site.route("/robots.txt", Reply::redirect(&inside.url("/robots.txt")));
    site.route("/a.html", Reply::html(seed_utf8(), "text/html"));
    let err = fetch_one(site.url("/a.html"), public(&site)).unwrap_err();
    assert!(
        matches!(err.kind, FetchErrorKind::RobotsUnavailable { .. }),
        "{err}"
    );
    assert_eq!(inside.connections(), 0);
    assert_eq!(site.count("/a.html"), 0);
}

// ---- row 2: links a crawl found --------------------------------------------------------

#[test]
fn link_found_on_a_public_list_page_to_an_internal_address_is_refused_unread() {
    let site = Server::start();
    let inside = ConnectTally::start_on(second_loopback());
    let fetcher = Fetcher::new(&FetchConfig {
        resolve: vec![("intranet.test".into(), inside.addr())],
        ..public(&site)
    })
    .unwrap();
    let start = [Url::parse(&site.url("/col/list.html")).unwrap()];
    let links = [
        (
            "http://169.254.169.254/art/1.html".to_string(),
            AddressClass::Metadata,
        ),
        (inside.url("/art/2.html"), AddressClass::Loopback),
        (
            format!("http://intranet.test:{}/art/3.html", inside.port()),
            AddressClass::Loopback,
        ),
    ];
    for (link, class) in links {
        let err = block_on(fetcher.fetch_from(&start, Request::new(link.clone()))).unwrap_err();
        assert!(
            matches!(&err, FetchError { url, kind: FetchErrorKind::AddressRefused { class: c, .. } } if *url == link && *c == class),
            "{link}: {err}"
        );
    }
    assert_eq!(inside.connections(), 0);
    assert!(site.requests().is_empty(), "not even robots.txt was asked");
}

#[test]
fn link_from_a_loopback_start_to_another_loopback_address_is_fetched() {
    let list = Server::start();
    let other = Server::start_on(second_loopback());
    other.route("/art/1.html", Reply::html(seed_utf8(), "text/html"));
    let fetcher = Fetcher::new(&config()).unwrap();
    let start = [Url::parse(&list.url("/col/list.html")).unwrap()];
    let fetched =
        block_on(fetcher.fetch_from(&start, Request::new(other.url("/art/1.html")))).unwrap();
    assert_eq!(fetched.bytes, seed_utf8());
    assert_eq!(other.count("/art/1.html"), 1);
}

#[test]
fn url_given_by_the_user_may_be_on_any_address_and_redirect_within_its_class() {
    let first = Server::start();
    let second = Server::start_on(second_loopback());
    first.route("/old.html", Reply::redirect(&second.url("/new.html")));
    second.route("/new.html", Reply::html(seed_utf8(), "text/html"));
    let fetched = fetch_one(first.url("/old.html"), config()).unwrap();
    assert_eq!(fetched.url, first.url("/old.html"));
    assert_eq!(fetched.final_url, second.url("/new.html"));
    assert_eq!(second.count("/new.html"), 1);
}

// ---- row 3: a redirect's host gets its own robots.txt and delay -------------------------

#[test]
fn cross_host_redirect_obeys_the_robots_txt_of_the_host_it_leads_to() {
    let a = Server::start();
    let b = Server::start_on(second_loopback());
    a.route("/old.html", Reply::redirect(&b.url("/private/p.html")));
    b.route(
        "/robots.txt",
        Reply::robots("User-agent: *\nDisallow: /private/\n"),
    );
    b.route("/private/p.html", Reply::html(seed_utf8(), "text/html"));
    let err = fetch_one(a.url("/old.html"), config()).unwrap_err();
    assert_eq!(
        err.reason(),
        format!(
            "redirected to {}: disallowed by robots.txt (--ignore-robots overrides)",
            b.url("/private/p.html")
        )
    );
    let cause = after_redirect(err, &b.url("/private/p.html"));
    assert_eq!(
        cause,
        FetchError::new(b.url("/private/p.html"), FetchErrorKind::Disallowed)
    );
    assert_eq!(b.count("/robots.txt"), 1);
    assert_eq!(b.count("/private/p.html"), 0);
}

#[test]
fn cross_host_redirect_waits_the_crawl_delay_of_the_host_it_leads_to() {
    let a = Server::start();
    let b = Server::start_on(second_loopback());
    b.route(
        "/robots.txt",
        Reply::robots("User-agent: *\nCrawl-delay: 1\n"),
    );
    for i in 0..2 {
        a.route(
            &format!("/{i}.html"),
            Reply::redirect(&b.url(&format!("/p{i}.html"))),
        );
        b.route(
            &format!("/p{i}.html"),
            Reply::html(seed_utf8(), "text/html"),
        );
    }
    let fetcher = Fetcher::new(&config()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let results = runtime.block_on(fetcher.fetch_all(vec![a.url("/0.html"), a.url("/1.html")]));
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let pages: Vec<Seen> = b
        .requests()
        .into_iter()
        .filter(|s| s.path != "/robots.txt")
        .collect();
    assert_eq!(pages.len(), 2);
    // A's own delay is 200 ms; B asked for 1 s, and B's second page waited for it.
    let gap = pages[1].at - pages[0].done.expect("answered");
    assert!(gap >= Duration::from_secs(1), "{gap:?}");
    assert_eq!(b.count("/robots.txt"), 1);
}

// ---- row 18: no Referer across hosts ---------------------------------------------------

#[test]
fn redirect_sends_no_referer_and_validators_only_to_the_first_host() {
    let a = Server::start();
    let b = Server::start_on(second_loopback());
    a.route("/old.html", Reply::redirect("/moved.html"));
    a.route("/moved.html", Reply::redirect(&b.url("/new.html")));
    b.route("/new.html", Reply::html(seed_utf8(), "text/html"));
    let fetcher = Fetcher::new(&config()).unwrap();
    let fetched = block_on(fetcher.fetch(Request {
        url: a.url("/old.html?token=secret"),
        etag: Some("\"v1\"".into()),
        last_modified: None,
        ..Request::default()
    }))
    .unwrap();
    assert_eq!(fetched.final_url, b.url("/new.html"));
    for seen in a.requests().iter().chain(&b.requests()) {
        assert_eq!(seen.header("referer"), None, "{}", seen.path);
    }
    assert_eq!(
        a.requests_to("/old.html")[0].header("if-none-match"),
        Some("\"v1\"")
    );
    assert_eq!(
        a.requests_to("/moved.html")[0].header("if-none-match"),
        Some("\"v1\"")
    );
    assert_eq!(b.requests_to("/new.html")[0].header("if-none-match"), None);
}

// ---- row 19: a tarpit ------------------------------------------------------------------

#[test]
fn tarpit_dribbling_bytes_is_given_up_within_the_url_time_limit() {
    let server = Server::start();
    // 100 bytes at one every 100 ms: ten seconds for a page that never times out between
    // two bytes.
    server.route(
        "/tarpit.html",
        Reply::dribble(vec![b'a'; 100], Duration::from_millis(100)),
    );
    let fetch = FetchConfig {
        obey_robots: false,
        max_attempts: 4,
        max_url_time: Duration::from_millis(1500),
        ..config()
    };
    let started = Instant::now();
    let err = fetch_one(server.url("/tarpit.html"), fetch).unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        err,
        FetchError::new(
            server.url("/tarpit.html"),
            FetchErrorKind::OutOfTime {
                limit: Duration::from_millis(1500)
            }
        )
    );
    assert!(!err.is_retryable());
    // One full attempt (the 1 s timeout) and one cut to the half second left; four attempts
    // of a second each without the limit.
    assert_eq!(server.count("/tarpit.html"), 2);
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn no_retry_starts_when_its_wait_would_pass_the_url_time_limit() {
    let server = Server::start();
    server.route(
        "/busy.html",
        Reply::sequence([
            Reply::status(503).header("retry-after", "2"),
            Reply::html(seed_utf8(), "text/html"),
        ]),
    );
    let fetch = FetchConfig {
        obey_robots: false,
        max_url_time: Duration::from_millis(1500),
        ..config()
    };
    let err = fetch_one(server.url("/busy.html"), fetch).unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.count("/busy.html"), 1);
}

// ---- row 20: Retry-After of any size ---------------------------------------------------

#[test]
fn retry_after_too_big_for_u64_is_honoured_up_to_backoff_max() {
    let server = Server::start();
    server.route(
        "/a.html",
        Reply::sequence([
            Reply::status(503).header("retry-after", "99999999999999999999999999"),
            Reply::html(seed_utf8(), "text/html"),
        ]),
    );
    let fetch = FetchConfig {
        obey_robots: false,
        backoff_max: Duration::from_secs(1),
        ..config()
    };
    fetch_one(server.url("/a.html"), fetch).unwrap();
    let seen = server.requests_to("/a.html");
    assert_eq!(seen.len(), 2);
    // Not ignored (the backoff alone is 50 ms), and capped at backoff_max.
    let gap = gaps(&seen)[0];
    assert!(
        gap >= Duration::from_secs(1) && gap < Duration::from_secs(3),
        "{gap:?}"
    );
}

// ---- redirects the fetcher will not follow ---------------------------------------------

#[test]
fn redirect_to_a_file_url_or_an_unparsable_location_is_not_followed() {
    let server = Server::start();
    server.route("/file.html", Reply::redirect("file:///etc/passwd"));
    server.route("/broken.html", Reply::redirect("http://[::1"));
    let err = fetch_one(server.url("/file.html"), config()).unwrap_err();
    assert_eq!(
        after_redirect(err, "file:///etc/passwd"),
        FetchError::new(
            "file:///etc/passwd",
            FetchErrorKind::UnsupportedScheme {
                scheme: "file".into()
            }
        )
    );
    let err = fetch_one(server.url("/broken.html"), config()).unwrap_err();
    assert_eq!(
        err.reason(),
        "redirected to http://[::1: invalid URL: invalid IPv6 address"
    );
}
