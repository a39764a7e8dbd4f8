//! The scrape command over HTTP: the same records as offline, and the binary against three
//! URLs with one server down writing the two and exiting 1.

use super::*;

fn records_jsonl(out: &Path) -> Vec<serde_json::Map<String, Value>> {
    std::fs::read_to_string(out.join("records.jsonl"))
        .unwrap()
        .lines()
        .map(|line| match serde_json::from_str(line).unwrap() {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

#[test]
fn records_over_http_equal_records_extracted_offline() {
    let file = fixture("wencheng_2024_half_year_gbk.html");
    let server = Server::start();
    server.route("/art.html", Reply::html(seed_gbk(), "text/html"));
    let online = tempfile::tempdir().unwrap();
    let offline = tempfile::tempdir().unwrap();
    let run = |input: String, out: &Path| {
        let opts = ScrapeOptions {
            out_dir: out.to_path_buf(),
            fetch: config(),
            ..ScrapeOptions::default()
        };
        let summary = minsheng::scrape::run(&[input], &opts).unwrap();
        assert_eq!((summary.pages, summary.failed), (1, 0));
    };
    run(server.url("/art.html"), online.path());
    run(file.to_string_lossy().into_owned(), offline.path());

    let (http, disk) = (records_jsonl(online.path()), records_jsonl(offline.path()));
    assert_eq!(http.len(), 16);
    assert_eq!(http.len(), disk.len());
    for (h, d) in http.iter().zip(&disk) {
        assert_eq!(h.len(), d.len());
        for (key, value) in d {
            match key.as_str() {
                "source_url" | "article_url" => {
                    assert_eq!(h[key], Value::String(server.url("/art.html")))
                }
                "fetched_at" => {}
                _ => assert_eq!(&h[key], value, "field {key}"),
            }
        }
    }
}

#[test]
fn binary_scrapes_three_urls_with_one_server_down_writes_the_two_and_exits_1() {
    let first = Server::start();
    first.route(
        "/a.html",
        Reply::html(seed_utf8(), "text/html; charset=utf-8"),
    );
    let second = Server::start_on("127.0.0.2".parse().unwrap());
    second.route("/b.html", Reply::html(seed_gbk(), "text/html"));
    let down = closed_port_url("/c.html");
    let out = tempfile::tempdir().unwrap();

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .arg("scrape")
        .arg(first.url("/a.html"))
        .arg(&down)
        .arg(second.url("/b.html"))
        .args(["--delay-ms", "100", "--timeout-secs", "2", "--out"])
        .arg(out.path())
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let about_down: Vec<&str> = stderr.lines().filter(|l| l.contains(&down)).collect();
    assert_eq!(about_down.len(), 1, "{stderr}");
    assert!(about_down[0].contains("cannot connect"), "{stderr}");

    let records = records_jsonl(out.path());
    assert_eq!(records.len(), 32);
    assert!(records[..16]
        .iter()
        .all(|r| r["source_url"] == first.url("/a.html")));
    assert!(records[16..]
        .iter()
        .all(|r| r["source_url"] == second.url("/b.html")));

    let pages: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("pages.json")).unwrap())
            .unwrap();
    let urls: Vec<&str> = pages
        .iter()
        .map(|p| p["source_url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [first.url("/a.html"), down.clone(), second.url("/b.html")]
    );
    assert!(pages[0]["error"].is_null());
    assert!(pages[1]["error"]
        .as_str()
        .unwrap()
        .contains("cannot connect"));
    assert!(pages[2]["error"].is_null());
}
