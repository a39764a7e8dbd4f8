//! report.html in a real browser: headless Chromium renders the report of the fixture reports
//! (fixtures/timeline/records.jsonl) and the test checks that the page drew (a screenshot of
//! the window's size that is not blank), that the DOM holds the SVG charts (a `<rect>` per bar,
//! a `<polyline>` per project line), and that nothing is fetched: the HTML names no URL
//! outside its links, and Chromium, sent through a recording proxy on 127.0.0.1 (so it resolves
//! and reaches nothing itself), asks for nothing but its own services. A control page with one
//! external image shows that the proxy does see a page's requests.
//!
//! Skipped with a note when no `chromium` is on PATH (`.ci/run` installs it, with
//! fonts-noto-cjk so the Chinese shows). `MINSHENG_REPORT_PNG=docs/report.png` also copies the
//! screenshot there (how docs/report.png is made).

use minsheng::emit::report;
use minsheng::link;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 2000;
/// Bars in the fixture's charts: 文成县's 7 projects and 青田县's 4 with a number (its greenway
/// project reports only a note).
const BARS: usize = 11;
/// Project lines with two points or more: all 7 of 文成县 and 4 of 青田县.
const LINES: usize = 11;

fn records() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/timeline/records.jsonl");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect()
}

/// The report of the fixture records, written into `dir`.
fn write_report(dir: &Path) -> PathBuf {
    let records = records();
    report::write(dir, &records, &link::timeline(&records)).expect("report.html written")
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Hosts Chromium itself calls (sign-in, component updates, network time) even with
/// background networking off; seen through the proxy, and never contacted for real.
const CHROMIUM_OWN_HOSTS: [&str; 4] = [
    "accounts.google.com",
    "update.googleapis.com",
    "clients2.google.com",
    "clients1.google.com",
];

/// A proxy on 127.0.0.1 that records the host each request is for and answers 502.
fn recording_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().unwrap().port();
    let hosts = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&hosts);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut head = [0u8; 1024];
            let n = stream.read(&mut head).unwrap_or(0);
            let line = String::from_utf8_lossy(&head[..n]);
            // `CONNECT host:443 HTTP/1.1` or `GET http://host/path HTTP/1.1`.
            let target = line.split_whitespace().nth(1).unwrap_or("");
            let host = target
                .trim_start_matches("http://")
                .split(['/', ':'])
                .next()
                .unwrap_or("")
                .to_string();
            seen.lock().unwrap().push(host);
            let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (port, hosts)
}

/// The hosts requested through the proxy, less Chromium's own.
fn page_requests(hosts: &Mutex<Vec<String>>) -> Vec<String> {
    let hosts = hosts.lock().unwrap();
    hosts
        .iter()
        .filter(|h| !CHROMIUM_OWN_HOSTS.contains(&h.as_str()))
        .cloned()
        .collect()
}

/// Runs headless Chromium on `page` with `extra` arguments; kills it after two minutes.
fn run_chromium(
    browser: &str,
    profile: &Path,
    proxy: u16,
    page: &Path,
    extra: &[String],
) -> Output {
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--dns-prefetch-disable",
            "--no-pings",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-default-apps",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,\
             AutofillServerCommunication,CertificateTransparencyComponentUpdater,Translate",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--proxy-server=http://127.0.0.1:{proxy}"))
        .arg("--proxy-bypass-list=<-loopback>")
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).map(|_| buf)
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap().unwrap_or_default(),
        stderr: err_reader.join().unwrap().unwrap_or_default(),
    }
}

#[test]
fn the_html_fetches_nothing_it_only_links() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(write_report(dir.path())).unwrap();
    for banned in [
        "src=", "url(", "<script", "<link", "@import", "<img", "<iframe",
    ] {
        assert!(!html.contains(banned), "report.html contains {banned}");
    }
    // Every http(s) URL is the target of an <a href="…">.
    let mut urls = 0;
    for (at, _) in html.match_indices("http") {
        let rest = &html[at..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            continue;
        }
        urls += 1;
        assert!(
            html[..at].ends_with("<a href=\""),
            "a URL outside a link at byte {at}: {}",
            &html[at.saturating_sub(40)..(at + 60).min(html.len())]
        );
    }
    assert!(urls > 0, "the report links its sources");
}

#[test]
fn chromium_renders_the_report_with_its_charts_and_fetches_nothing() {
    let Some(browser) = chromium() else {
        eprintln!("note: no chromium on PATH; report rendering test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = write_report(dir.path());
    let (proxy, hosts) = recording_proxy();

    let shot = dir.path().join("report.png");
    let out = run_chromium(
        browser,
        &dir.path().join("profile-shot"),
        proxy,
        &page,
        &[format!("--screenshot={}", shot.display())],
    );
    assert!(
        out.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("the screenshot was written"),
    ));
    let mut reader = decoder.read_info().expect("the screenshot is a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let frame = reader.next_frame(&mut pixels).expect("a frame");
    assert_eq!((frame.width, frame.height), (WIDTH, HEIGHT));
    let channels = frame.color_type.samples();
    assert!(
        channels >= 3,
        "colour screenshot, got {:?}",
        frame.color_type
    );
    let mut colours = std::collections::HashSet::new();
    let mut non_white = 0usize;
    for px in pixels[..frame.buffer_size()].chunks(channels) {
        let rgb = (px[0], px[1], px[2]);
        colours.insert(rgb);
        if rgb != (255, 255, 255) {
            non_white += 1;
        }
    }
    let total = (WIDTH * HEIGHT) as usize;
    assert!(colours.len() > 50, "only {} colours", colours.len());
    assert!(
        non_white * 100 > total * 3,
        "only {non_white} of {total} pixels are not white"
    );
    // The three bar colours (done, 50% or more, below 50%) are on screen.
    for colour in [(0x2f, 0x9e, 0x44), (0x3b, 0x82, 0xf6), (0xf5, 0x9f, 0x00)] {
        assert!(colours.contains(&colour), "no pixel of {colour:?}");
    }
    if let Some(target) = std::env::var_os("MINSHENG_REPORT_PNG") {
        std::fs::copy(&shot, &target).expect("copy the screenshot");
    }

    let out = run_chromium(
        browser,
        &dir.path().join("profile-dom"),
        proxy,
        &page,
        &["--dump-dom".to_string()],
    );
    assert!(out.status.success(), "chromium --dump-dom failed");
    let dom = String::from_utf8(out.stdout).expect("UTF-8 DOM");
    assert!(dom.contains("<svg"), "no <svg in the DOM");
    assert_eq!(dom.matches("<rect").count(), BARS, "one <rect> per bar");
    assert_eq!(
        dom.matches("<polyline").count(),
        LINES,
        "one line per project"
    );
    assert!(dom.contains("文成县") && dom.contains("青田县"));

    assert_eq!(
        page_requests(&hosts),
        Vec::<String>::new(),
        "the report made requests"
    );
}

#[test]
fn the_proxy_sees_the_requests_of_a_page_that_fetches() {
    let Some(browser) = chromium() else {
        eprintln!("note: no chromium on PATH; proxy control test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("fetches.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://report-leak.invalid/x.png\"></body></html>",
    )
    .unwrap();
    let (proxy, hosts) = recording_proxy();
    let out = run_chromium(
        browser,
        &dir.path().join("profile"),
        proxy,
        &page,
        &["--dump-dom".to_string()],
    );
    assert!(out.status.success(), "chromium --dump-dom failed");
    assert!(
        page_requests(&hosts).contains(&"report-leak.invalid".to_string()),
        "{:?}",
        hosts.lock().unwrap()
    );
}
