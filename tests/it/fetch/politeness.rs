//! Politeness: requests to one host at least the delay apart whoever asks, two hosts in
//! parallel each at its own pace, and `concurrency = 1` keeping hosts one at a time.

use super::*;

#[test]
fn requests_to_one_host_from_concurrent_callers_are_at_least_the_delay_apart() {
    let server = Server::start();
    for i in 0..5 {
        server.route(&format!("/{i}.html"), Reply::html(seed_utf8(), "text/html"));
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(&config()).unwrap();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..5)
            .map(|i| {
                let fetcher = fetcher.clone();
                let url = server.url(&format!("/{i}.html"));
                tokio::spawn(async move { fetcher.fetch(Request::new(url)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    });
    let seen = server.requests();
    assert_eq!(seen.len(), 6, "robots.txt and five pages");
    for pair in seen.windows(2) {
        let previous_done = pair[0].done.expect("answered");
        assert!(pair[1].at >= previous_done, "one request at a time");
        assert!(
            pair[1].at - previous_done >= DELAY,
            "{:?}",
            pair[1].at - previous_done
        );
    }
}

#[test]
fn two_hosts_are_served_in_parallel_each_at_its_own_pace() {
    let server = Server::start();
    for i in 0..3 {
        // A slow page: each request takes 300 ms, so the two hosts' requests overlap only if
        // they really are in flight at the same time.
        server.route(
            &format!("/{i}.html"),
            Reply::stall(
                Duration::from_millis(300),
                Reply::html(seed_utf8(), "text/html"),
            ),
        );
    }
    let fetch = FetchConfig {
        resolve: vec![
            ("county-a.test".into(), server.addr()),
            ("county-b.test".into(), server.addr()),
        ],
        obey_robots: false,
        ..config()
    };
    let urls: Vec<String> = ["county-a.test", "county-b.test"]
        .iter()
        .flat_map(|host| (0..3).map(move |i| (*host, i)))
        .map(|(host, i)| server.url_as(host, &format!("/{i}.html")))
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(&fetch).unwrap();
    let results = runtime.block_on(fetcher.fetch_all(urls.clone()));
    for (url, result) in urls.iter().zip(&results) {
        assert_eq!(
            result.as_ref().map(|f| f.url.as_str()).ok(),
            Some(url.as_str())
        );
    }

    let seen = server.requests();
    let of = |host: &str| -> Vec<Seen> {
        seen.iter()
            .filter(|s| s.host_name() == Some(host))
            .cloned()
            .collect()
    };
    let (a, b) = (of("county-a.test"), of("county-b.test"));
    assert_eq!((a.len(), b.len()), (3, 3));
    for host in [&a, &b] {
        for pair in host.windows(2) {
            let previous_done = pair[0].done.expect("answered");
            assert!(pair[1].at - previous_done >= DELAY);
        }
    }
    let overlaps = |x: &Seen, y: &Seen| x.at < y.done.unwrap() && y.at < x.done.unwrap();
    assert!(
        a.iter().any(|x| b.iter().any(|y| overlaps(x, y))),
        "the two hosts were never in flight together"
    );
}

#[test]
fn concurrency_one_never_has_two_hosts_in_flight_together() {
    let server = Server::start();
    for i in 0..2 {
        server.route(
            &format!("/{i}.html"),
            Reply::stall(
                Duration::from_millis(200),
                Reply::html(seed_utf8(), "text/html"),
            ),
        );
    }
    let fetch = FetchConfig {
        resolve: vec![
            ("county-a.test".into(), server.addr()),
            ("county-b.test".into(), server.addr()),
        ],
        obey_robots: false,
        concurrency: 1,
        ..config()
    };
    let urls: Vec<String> = ["county-a.test", "county-b.test"]
        .iter()
        .flat_map(|host| (0..2).map(move |i| (*host, i)))
        .map(|(host, i)| server.url_as(host, &format!("/{i}.html")))
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(&fetch).unwrap();
    let results = runtime.block_on(fetcher.fetch_all(urls));
    assert!(results.iter().all(Result::is_ok));
    let seen = server.requests();
    assert_eq!(seen.len(), 4);
    for pair in seen.windows(2) {
        assert!(pair[1].at >= pair[0].done.expect("answered"));
    }
}
