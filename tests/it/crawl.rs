//! `minsheng crawl` against three simulated county sites served from `tests/sites/` by a real
//! HTTP server on 127.0.0.1 inside the test process, reached by their real names through the
//! config's `resolve` table (no DNS query is made):
//!
//! - `www.wencheng.gov.cn`: a plain `<ul><li><a>` column over two list pages (下一页 /
//!   `index_2.html`), three progress reports among other notices;
//! - `www.qingtian.gov.cn`: a Hanweb JCMS column, the items in a `<datastore>` script, five
//!   reports over three list pages (`?uid=6204711&pageNum=N`);
//! - `www.jingning.gov.cn`: a GBK site (meta gb2312, no charset header), two reports.
//!
//! The simulator answers conditional requests as a CMS front end does (ETag / Last-Modified,
//! 304), can take a site down (500 for everything) and can change a page. Every test runs the
//! built binary, so exit statuses and the summary line are tested as a scheduler sees them.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode};
use axum::Router;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const WENCHENG: &str = "www.wencheng.gov.cn";
const QINGTIAN: &str = "www.qingtian.gov.cn";
const JINGNING: &str = "www.jingning.gov.cn";
const LISHUI: &str = "www.lishui.gov.cn";
const YUNHE: &str = "www.yunhe.gov.cn";
const LONGQUAN: &str = "www.longquan.gov.cn";
const PINGYANG: &str = "www.pingyang.gov.cn";
const TAISHUN: &str = "www.taishun.gov.cn";
const QINGTIAN_HALF_YEAR: &str = "/art/2024/7/31/art_1229411360_4052.html";
const WENCHENG_SEED: &str = "/art/2024/8/28/art_1229265580_59001.html";

// ---------------------------------------------------------------------------------------
// The simulated sites

#[derive(Debug, Clone)]
struct Page {
    body: Vec<u8>,
    content_type: &'static str,
    last_modified: String,
}

impl Page {
    fn etag(&self) -> String {
        format!("\"{}\"", &hex::encode(Sha256::digest(&self.body))[..16])
    }
}

/// One request as a site saw it.
#[derive(Debug, Clone)]
struct Hit {
    method: String,
    /// A POST's form body.
    form: Option<String>,
    host: String,
    /// Path and query.
    target: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    status: u16,
}

#[derive(Debug, Default)]
struct SitesState {
    pages: Mutex<HashMap<(String, String), Page>>,
    down: Mutex<HashSet<String>>,
    hits: Mutex<Vec<Hit>>,
}

/// The three sites on one server; stops when dropped.
struct Sites {
    addr: SocketAddr,
    state: Arc<SitesState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

fn sites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sites")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

impl Sites {
    /// Serves every file under `tests/sites/HOST/`; a file named `index.html@QUERY` answers
    /// `index.html?QUERY`.
    fn start() -> Sites {
        let state = Arc::new(SitesState::default());
        let mut files = Vec::new();
        walk(&sites_dir(), &mut files);
        for file in files {
            let rel = file
                .strip_prefix(sites_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let (host, path) = rel.split_once('/').unwrap();
            let target = format!("/{}", path.replacen('@', "?", 1));
            let content_type = if host == JINGNING {
                "text/html"
            } else if target.contains(".json") {
                "application/json; charset=utf-8"
            } else if target.contains("dataproxy.jsp") {
                "text/xml; charset=utf-8"
            } else {
                "text/html; charset=utf-8"
            };
            state.pages.lock().unwrap().insert(
                (host.to_string(), target),
                Page {
                    body: fs::read(&file).unwrap(),
                    content_type,
                    last_modified: "Mon, 02 Sep 2024 08:00:00 GMT".into(),
                },
            );
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new().fallback(serve).with_state(state.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
        });
        Sites {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    fn url(&self, host: &str, target: &str) -> String {
        format!("http://{host}:{}{target}", self.port())
    }

    fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    /// Requests for pages (robots.txt is asked once per host and run, never conditionally).
    fn page_hits_since(&self, from: usize) -> Vec<Hit> {
        self.hits()[from..]
            .iter()
            .filter(|h| h.target != "/robots.txt")
            .cloned()
            .collect()
    }

    fn take_down(&self, host: &str) {
        self.state.down.lock().unwrap().insert(host.to_string());
    }

    /// Replaces a page's body; a new Last-Modified comes with it.
    fn change(&self, host: &str, target: &str, edit: impl FnOnce(&str) -> String) {
        let mut pages = self.state.pages.lock().unwrap();
        let page = pages
            .get_mut(&(host.to_string(), target.to_string()))
            .unwrap();
        let text = String::from_utf8(page.body.clone()).unwrap();
        page.body = edit(&text).into_bytes();
        page.last_modified = "Tue, 03 Dec 2024 08:00:00 GMT".into();
    }
}

impl Drop for Sites {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Hosts whose articles are not files: any `.html` page asked for there is a plain article
/// without a progress table, so that the list tests need no article fixtures.
const GENERATED_ARTICLES: [&str; 5] = [LISHUI, YUNHE, LONGQUAN, PINGYANG, TAISHUN];

type Form = Vec<(String, String)>;

/// A Hanweb data-proxy answer (`dataproxy.jsp@…`) starts with `<!-- form: k=v&… -->`: the
/// fields a POST must carry (the column's), as the real proxy answers only for its column.
fn proxy_form(body: &[u8]) -> Option<(Form, Vec<u8>)> {
    let text = std::str::from_utf8(body).ok()?;
    let rest = text.strip_prefix("<!-- form: ")?;
    let (fields, rest) = rest.split_once(" -->\n")?;
    let fields = url::form_urlencoded::parse(fields.as_bytes())
        .into_owned()
        .collect();
    Some((fields, rest.as_bytes().to_vec()))
}

async fn serve(State(state): State<Arc<SitesState>>, request: Request) -> Response<Body> {
    let method = request.method().as_str().to_string();
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let host = header("host").unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .map_or(host.clone(), |(name, _)| name.to_string());
    let target = parts
        .uri
        .path_and_query()
        .map_or("/".to_string(), |pq| pq.as_str().to_string());
    let if_none_match = header("if-none-match");
    let if_modified_since = header("if-modified-since");
    let content_type = header("content-type").unwrap_or_default();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let form = (method == "POST").then(|| String::from_utf8_lossy(&body).into_owned());
    let mut page = state
        .pages
        .lock()
        .unwrap()
        .get(&(host.clone(), target.clone()))
        .cloned();
    if page.is_none()
        && method == "GET"
        && GENERATED_ARTICLES.contains(&host.as_str())
        && target.ends_with(".html")
    {
        page = Some(Page {
            body: format!(
                "<html><head><title>{target}</title></head><body><h1>{target}</h1><p>正文</p></body></html>"
            )
            .into_bytes(),
            content_type: "text/html; charset=utf-8",
            last_modified: "Mon, 02 Sep 2024 08:00:00 GMT".into(),
        });
    }
    // A data-proxy answer: only to a POST carrying the column's form fields.
    let proxied = page.as_ref().and_then(|p| proxy_form(&p.body));
    let mut refused = None;
    if let Some((fields, answer)) = proxied {
        let posted: Vec<(String, String)> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        if method != "POST" {
            refused = Some(405);
        } else if !content_type.starts_with("application/x-www-form-urlencoded")
            || !fields.iter().all(|f| posted.contains(f))
        {
            refused = Some(400);
        } else if let Some(p) = page.as_mut() {
            p.body = answer;
        }
    } else if method != "GET" && method != "HEAD" {
        refused = Some(405);
    }
    let response = if state.down.lock().unwrap().contains(&host) {
        Response::builder()
            .status(500)
            .body(Body::from("Internal Server Error"))
    } else if let Some(status) = refused {
        Response::builder()
            .status(status)
            .body(Body::from("refused"))
    } else if let Some(page) = page {
        let etag = page.etag();
        // RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since.
        let fresh = match (&if_none_match, &if_modified_since) {
            (Some(inm), _) => inm == &etag,
            (None, Some(ims)) => ims == &page.last_modified,
            (None, None) => false,
        };
        let builder = Response::builder()
            .header("etag", &etag)
            .header("last-modified", &page.last_modified);
        if fresh {
            builder.status(304).body(Body::empty())
        } else {
            builder
                .status(200)
                .header("content-type", page.content_type)
                .body(Body::from(page.body))
        }
    } else {
        Response::builder()
            .status(404)
            .body(Body::from("Not Found"))
    };
    let response = response.unwrap_or_else(|_| {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    });
    state.hits.lock().unwrap().push(Hit {
        method,
        form,
        host,
        target,
        if_none_match,
        if_modified_since,
        status: response.status().as_u16(),
    });
    response
}

// ---------------------------------------------------------------------------------------
// Running the binary

struct Dirs {
    _tmp: tempfile::TempDir,
    config: PathBuf,
    db: PathBuf,
    out: PathBuf,
}

fn config_text(sites: &Sites, delay_ms: u64) -> String {
    let port = sites.port();
    format!(
        r#"# three county columns on the simulated sites
[defaults]
delay_ms = {delay_ms}
concurrency = 4
max_attempts = 1
timeout_secs = 10
resolve = {{ "{WENCHENG}" = "127.0.0.1", "{QINGTIAN}" = "127.0.0.1", "{JINGNING}" = "127.0.0.1" }}

[[source]]
name = "文成县 民生实事"
publisher = "文成县"
start = ["http://{WENCHENG}:{port}/col/col1229265580/index.html"]
follow = '/art/\d{{4}}/\d+/\d+/art_\d+_\d+\.html$'
title_contains = ["民生实事", "七优享"]
max_list_pages = 5

[[source]]
name = "青田县 民生实事"
publisher = "青田县"
start = ["http://{QINGTIAN}:{port}/col/col1229411360/index.html"]
follow = '/art/\d{{4}}/\d+/\d+/art_1229411360_\d+\.html$'

[[source]]
name = "景宁畲族自治县 民生实事"
publisher = "景宁畲族自治县"
start = ["http://{JINGNING}:{port}/col/col1229302150/index.html"]
follow = '/art/\d{{4}}/\d+/\d+/art_\d+_\d+\.html$'
"#
    )
}

fn dirs(sites: &Sites, delay_ms: u64) -> Dirs {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sources.toml");
    fs::write(&config, config_text(sites, delay_ms)).unwrap();
    Dirs {
        db: tmp.path().join("state/minsheng.db"),
        out: tmp.path().join("out"),
        config,
        _tmp: tmp,
    }
}

fn minsheng(args: &[&std::ffi::OsStr]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minsheng"));
    cmd.args(args).env_remove("RUST_LOG");
    cmd
}

fn crawl_command(d: &Dirs, extra: &[&str]) -> Command {
    let mut cmd = minsheng(&[
        "crawl".as_ref(),
        "--config".as_ref(),
        d.config.as_os_str(),
        "--db".as_ref(),
        d.db.as_os_str(),
        "--out".as_ref(),
        d.out.as_os_str(),
    ]);
    cmd.args(extra);
    cmd
}

/// Runs a crawl to its end: exit status and the summary line.
fn crawl(d: &Dirs) -> (i32, String) {
    let out = crawl_command(d, &[]).output().unwrap();
    (out.status.code().unwrap_or(-1), summary_line(&out))
}

fn summary_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .rfind(|l| l.starts_with("minsheng crawl: "))
        .unwrap_or_else(|| panic!("no summary line in:\n{stderr}"))
        .to_string()
}

fn export(d: &Dirs, history: bool) -> Output {
    let mut cmd = minsheng(&[
        "export".as_ref(),
        "--db".as_ref(),
        d.db.as_os_str(),
        "--out".as_ref(),
        d.out.as_os_str(),
    ]);
    if history {
        cmd.arg("--history");
    }
    cmd.output().unwrap()
}

fn jsonl(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn records(d: &Dirs) -> Vec<Value> {
    jsonl(&d.out.join("records.jsonl"))
}

/// Records without the time they were read: what two runs must agree on.
fn timeless(records: &[Value]) -> Vec<Value> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("fetched_at");
            r
        })
        .collect()
}

fn count_by_page(records: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in records {
        let url = r["source_url"].as_str().unwrap();
        let path = url
            .split_once(".gov.cn:")
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .1;
        *counts.entry(format!("/{path}")).or_insert(0) += 1;
    }
    counts
}

const ALL_NEW: &str = "minsheng crawl: list pages 6 (0 failed), articles found 10, fetched 10 \
    (new 10, changed 0, no table 0), unchanged 0, failed 0, suspect 0; records new 160, changed 0, removed 0";
const ALL_UNCHANGED: &str = "minsheng crawl: list pages 6 (0 failed), articles found 10, fetched 0 \
    (new 0, changed 0, no table 0), unchanged 10, failed 0, suspect 0; records new 0, changed 0, removed 0";

// ---------------------------------------------------------------------------------------
// The tests

#[test]
fn first_crawl_finds_and_extracts_every_article_of_the_three_sites() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d), (0, ALL_NEW.to_string()));

    let recs = records(&d);
    assert_eq!(recs.len(), 160);
    let expected: BTreeMap<String, usize> = [
        "/art/2023/12/29/art_1229265580_55012.html",
        "/art/2024/1/5/art_1229411360_3990.html",
        "/art/2024/10/15/art_1229411360_4088.html",
        "/art/2024/12/30/art_1229411360_4101.html",
        "/art/2024/3/28/art_1229302150_3260.html",
        "/art/2024/4/19/art_1229411360_4031.html",
        "/art/2024/5/10/art_1229265580_58873.html",
        QINGTIAN_HALF_YEAR,
        WENCHENG_SEED,
        "/art/2024/9/2/art_1229302150_3305.html",
    ]
    .into_iter()
    .map(|p| (p.to_string(), 16))
    .collect();
    assert_eq!(count_by_page(&recs), expected);

    // the GBK site decoded and its page fields read
    let gbk = recs
        .iter()
        .find(|r| r["source_url"] == sites.url(JINGNING, "/art/2024/9/2/art_1229302150_3305.html"))
        .unwrap();
    assert_eq!(gbk["publisher"], "景宁畲族自治县");
    assert_eq!(gbk["title"], "景宁畲族自治县2024年民生实事项目半年度进度表");
    assert_eq!(gbk["published_at"], "2024-09-02T16:34:00+08:00");
    assert_eq!(gbk["row_index"], 0);
    assert_eq!(gbk["seq"], 1);

    // every site was asked by its name; links filtered out by title_contains were never fetched
    let hits = sites.hits();
    let hosts: HashSet<&str> = hits.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(hosts, HashSet::from([WENCHENG, QINGTIAN, JINGNING]));
    assert!(!hits
        .iter()
        .any(|h| h.target.contains("58950") || h.target.contains("55020")));
    // Hanweb: pages 2 and 3 (records 3 to 5) in one data-proxy POST, as jpage asks for them
    let qingtian_lists: Vec<(&str, &str)> = hits
        .iter()
        .filter(|h| {
            h.host == QINGTIAN && !h.target.starts_with("/art/") && h.target != "/robots.txt"
        })
        .map(|h| (h.method.as_str(), h.target.as_str()))
        .collect();
    assert_eq!(
        qingtian_lists,
        vec![
            ("GET", "/col/col1229411360/index.html"),
            (
                "POST",
                "/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=5&perpage=2"
            ),
        ]
    );
    let post = hits.iter().find(|h| h.method == "POST").unwrap();
    assert_eq!(
        post.form.as_deref(),
        Some(
            "appid=1&webid=3021&path=%2F&columnid=1229411360&unitid=6204711\
             &webname=%E9%9D%92%E7%94%B0%E5%8E%BF%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&permissiontype=0"
        )
    );
    assert!(hits
        .iter()
        .all(|h| h.status == 200 || h.target == "/robots.txt"));

    let pages: Value =
        serde_json::from_str(&fs::read_to_string(d.out.join("pages.json")).unwrap()).unwrap();
    assert_eq!(pages.as_array().unwrap().len(), 10);
    assert!(pages
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["error"].is_null()));
}

#[test]
fn second_crawl_sends_only_conditional_requests_and_reports_everything_unchanged() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    let first = fs::read(d.out.join("records.jsonl")).unwrap();
    let before = sites.hits().len();

    assert_eq!(crawl(&d), (0, ALL_UNCHANGED.to_string()));
    let second = sites.page_hits_since(before);
    assert_eq!(second.len(), 15, "5 list requests and 10 articles");
    // A data-proxy POST answers for its form: it is asked again, unconditionally.
    let (posts, second): (Vec<Hit>, Vec<Hit>) =
        second.into_iter().partition(|h| h.method == "POST");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, 200);
    for hit in &second {
        assert!(
            hit.if_none_match.is_some(),
            "unconditional request: {hit:?}"
        );
        assert!(
            hit.if_modified_since.is_some(),
            "no If-Modified-Since: {hit:?}"
        );
        assert_eq!(hit.status, 304, "{hit:?}");
    }
    assert_eq!(fs::read(d.out.join("records.jsonl")).unwrap(), first);
}

#[test]
fn pages_stored_under_a_source_s_old_name_are_still_asked_conditionally_after_a_rename() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    // A run reads a source's page states by its name at once; pages saved under the old
    // name are then asked for one by one.
    let renamed = fs::read_to_string(&d.config)
        .unwrap()
        .replace(" 民生实事\"", " 民生实事项目\"");
    assert_eq!(renamed.matches("民生实事项目\"").count(), 3);
    fs::write(&d.config, renamed).unwrap();
    let before = sites.hits().len();

    assert_eq!(crawl(&d), (0, ALL_UNCHANGED.to_string()));
    let second = sites.page_hits_since(before);
    assert_eq!(second.len(), 15, "5 list requests and 10 articles");
    for hit in second.iter().filter(|h| h.method == "GET") {
        assert!(hit.if_none_match.is_some(), "unconditional: {hit:?}");
        assert_eq!(hit.status, 304, "{hit:?}");
    }
}

#[test]
fn an_unchanged_list_page_is_read_from_its_kept_links_not_parsed_again() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    // Without its stored copy, a list page answered 304 could only be read from the links
    // kept when it was parsed.
    let db = rusqlite::Connection::open(&d.db).unwrap();
    let kept: i64 = db
        .query_row("SELECT COUNT(*) FROM list_links", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 5, "one row per list request");
    let removed = db
        .execute(
            "DELETE FROM raw_versions WHERE url IN (SELECT url FROM pages WHERE kind = 'list')",
            [],
        )
        .unwrap();
    assert_eq!(removed, 5);
    drop(db);

    assert_eq!(crawl(&d), (0, ALL_UNCHANGED.to_string()));
}

#[test]
fn a_crawl_that_changes_nothing_leaves_the_outputs_as_they_were_and_rewrites_missing_ones() {
    use std::os::unix::fs::MetadataExt;
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d), (0, ALL_NEW.to_string()));
    // Written files are renamed into place, so a file written again is a new inode.
    let inode = |name: &str| fs::metadata(d.out.join(name)).unwrap().ino();
    let first = ["records.csv", "records.jsonl", "pages.json"].map(inode);

    assert_eq!(crawl(&d), (0, ALL_UNCHANGED.to_string()));
    assert_eq!(
        ["records.csv", "records.jsonl", "pages.json"].map(inode),
        first
    );

    fs::remove_file(d.out.join("pages.json")).unwrap();
    assert_eq!(crawl(&d), (0, ALL_UNCHANGED.to_string()));
    let again = ["records.csv", "records.jsonl", "pages.json"].map(inode);
    assert_ne!(again[0], first[0], "records.csv written again");
    assert_eq!(jsonl(&d.out.join("records.jsonl")).len(), 160);
    let pages: Value =
        serde_json::from_str(&fs::read_to_string(d.out.join("pages.json")).unwrap()).unwrap();
    assert_eq!(pages.as_array().unwrap().len(), 10);
}

fn raise_row_3_to_85_percent(text: &str) -> String {
    // row seq 3 of both copies of the article: 80% -> 85%
    let changed: String = text
        .split_inclusive('\n')
        .map(|line| {
            if line.contains("font-size:12pt;\">3</span>") {
                line.replacen("80%", "85%", 1)
            } else {
                line.to_string()
            }
        })
        .collect();
    assert_eq!(changed.matches("85%").count(), 2);
    changed
}

#[test]
fn a_changed_article_is_one_changed_page_and_history_keeps_both_versions_of_its_row() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    assert_eq!(crawl(&d).0, 0);
    sites.change(QINGTIAN, QINGTIAN_HALF_YEAR, raise_row_3_to_85_percent);

    assert_eq!(
        crawl(&d),
        (
            0,
            "minsheng crawl: list pages 6 (0 failed), articles found 10, fetched 1 (new 0, changed 1, no table 0), \
             unchanged 9, failed 0, suspect 0; records new 0, changed 1, removed 0"
                .to_string()
        )
    );

    // The crawl wrote its outputs again: the changed row is there.
    let url = sites.url(QINGTIAN, QINGTIAN_HALF_YEAR);
    let current: Vec<Value> = jsonl(&d.out.join("records.jsonl"))
        .into_iter()
        .filter(|r| r["source_url"] == url.as_str() && r["seq"] == 3)
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["completion_pct"], 85.0);

    let out = export(&d, true);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "minsheng export: 10 page(s), 160 current record(s), 161 record version(s) to records_history.csv written to {}",
            d.out.display()
        )
    );
    let history = jsonl(&d.out.join("records_history.jsonl"));
    assert_eq!(history.len(), 161);
    let row3: Vec<&Value> = history
        .iter()
        .filter(|v| v["source_url"] == url.as_str() && v["seq"] == 3)
        .collect();
    assert_eq!(row3.len(), 2);
    assert_eq!(row3[0]["completion_pct"], 80.0);
    assert_eq!(row3[1]["completion_pct"], 85.0);
    assert_eq!(row3[0]["valid_to"], row3[1]["valid_from"]);
    assert!(row3[1]["valid_to"].is_null());
    assert_ne!(row3[0]["content_sha256"], row3[1]["content_sha256"]);
    // the other rows of the page have one version, still open
    let others = history
        .iter()
        .filter(|v| v["source_url"] == url.as_str() && v["seq"] != 3);
    assert!(others.clone().all(|v| v["valid_to"].is_null()));
    assert_eq!(others.count(), 15);

    // the CSV carries the same versions, with the two extra columns last
    let csv = fs::read_to_string(d.out.join("records_history.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("source_url,publisher,title,published_at,table_index,row_index,seq,")
    );
    assert!(header.ends_with(",fetched_at,content_sha256,published_date,source_name,county,source_format,article_url,progress_note,report_year,as_of,project_key,valid_from,valid_to"));
    assert_eq!(csv.lines().count(), 162);

    // the current records have the new value
    let current = records(&d);
    assert_eq!(current.len(), 160);
    let now = current
        .iter()
        .find(|r| r["source_url"] == url.as_str() && r["seq"] == 3)
        .unwrap();
    assert_eq!(now["completion_pct"], 85.0);
}

#[test]
fn a_site_answering_500_for_everything_fails_alone_and_the_run_exits_1() {
    let sites = Sites::start();
    sites.take_down(QINGTIAN);
    let d = dirs(&sites, 20);
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        summary_line(&out),
        "minsheng crawl: list pages 3 (1 failed), articles found 5, fetched 5 (new 5, changed 0, no table 0), \
         unchanged 0, failed 0, suspect 0; records new 80, changed 0, removed 0"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "url={}",
            sites.url(QINGTIAN, "/col/col1229411360/index.html")
        )),
        "{stderr}"
    );
    let recs = records(&d);
    assert_eq!(recs.len(), 80);
    assert!(recs
        .iter()
        .all(|r| !r["source_url"].as_str().unwrap().contains(QINGTIAN)));
}

#[test]
fn a_maintenance_page_is_a_suspect_fetch_that_keeps_the_good_version_and_is_retried() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    let good = fs::read(d.out.join("records.jsonl")).unwrap();
    let original = {
        let pages = sites.state.pages.lock().unwrap();
        pages[&(WENCHENG.to_string(), WENCHENG_SEED.to_string())].clone()
    };
    sites.change(WENCHENG, WENCHENG_SEED, |_| {
        "<html><head><title>系统维护</title></head><body><div class=\"notice\">系统维护中，请稍后访问。</div></body></html>"
            .to_string()
    });

    assert_eq!(
        crawl(&d),
        (
            1,
            "minsheng crawl: list pages 6 (0 failed), articles found 10, fetched 1 (new 0, changed 0, no table 0), \
             unchanged 9, failed 0, suspect 1; records new 0, changed 0, removed 0"
                .to_string()
        )
    );
    assert_eq!(fs::read(d.out.join("records.jsonl")).unwrap(), good);

    // the site is back: the next run asks again, conditionally on the good version
    sites.state.pages.lock().unwrap().insert(
        (WENCHENG.to_string(), WENCHENG_SEED.to_string()),
        original.clone(),
    );
    let before = sites.hits().len();
    assert_eq!(crawl(&d), (0, ALL_UNCHANGED.to_string()));
    let retried: Vec<Hit> = sites
        .page_hits_since(before)
        .into_iter()
        .filter(|h| h.target == WENCHENG_SEED)
        .collect();
    assert_eq!(retried.len(), 1);
    assert_eq!(
        retried[0].if_none_match.as_deref(),
        Some(original.etag().as_str())
    );
    assert_eq!(retried[0].status, 304);
    assert_eq!(fs::read(d.out.join("records.jsonl")).unwrap(), good);
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn article_hits(sites: &Sites) -> usize {
    sites
        .hits()
        .iter()
        .filter(|h| h.target.starts_with("/art/"))
        .count()
}

#[test]
fn a_crawl_killed_mid_way_and_run_again_ends_like_a_clean_run() {
    let sites = Sites::start();
    let clean = dirs(&sites, 20);
    assert_eq!(crawl(&clean).0, 0);
    let clean_records = records(&clean);

    let killed = dirs(&sites, 150);
    let before = article_hits(&sites);
    let mut child: Child = crawl_command(&killed, &[])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("4 article requests", Duration::from_secs(60), || {
        article_hits(&sites) >= before + 4
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !killed.out.join("records.jsonl").exists(),
        "the run finished before it was killed"
    );

    let (code, _) = crawl(&killed);
    assert_eq!(code, 0);
    let rerun = records(&killed);
    assert_eq!(rerun.len(), 160);
    assert_eq!(timeless(&rerun), timeless(&clean_records));

    // no record version was written twice
    let out = export(&killed, true);
    assert_eq!(out.status.code(), Some(0));
    let history = jsonl(&killed.out.join("records_history.jsonl"));
    assert_eq!(history.len(), 160);
    let keys: HashSet<(String, u64, u64)> = history
        .iter()
        .map(|v| {
            (
                v["source_url"].as_str().unwrap().to_string(),
                v["table_index"].as_u64().unwrap(),
                v["row_index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(keys.len(), 160);
}

#[test]
fn overlapping_runs_the_second_is_refused_with_status_3() {
    let sites = Sites::start();
    let d = dirs(&sites, 300);
    let mut first = crawl_command(&d, &[])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = PathBuf::from(format!("{}.lock", d.db.display()));
    wait_for(
        "the first run's first request",
        Duration::from_secs(60),
        || !sites.hits().is_empty(),
    );

    let second = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(second.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "minsheng crawl: another minsheng run (pid {}) holds {}; not starting a second one on the same store",
            first.id(),
            lock.display()
        )
    );

    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(records(&d).len(), 160);
}

#[test]
fn a_bad_config_is_rejected_before_any_request_with_file_line_and_reason() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    let text = config_text(&sites, 20).replace("title_contains =", "title_contain =");
    fs::write(&d.config, text).unwrap();
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "minsheng crawl: {}:14: unknown field `title_contain`",
        d.config.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(sites.hits().is_empty());
    assert!(!d.db.exists());

    let text = config_text(&sites, 20).replace(r"art_1229411360_\d+", r"art_1229411360_(\d+");
    fs::write(&d.config, text).unwrap();
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "minsheng crawl: {}:21: source \"青田县 民生实事\": invalid regex in follow: ",
        d.config.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(sites.hits().is_empty());
}

#[test]
fn json_logs_end_with_one_summary_object() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    let out = crawl_command(&d, &["--log-format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["message"], "crawl finished");
    assert_eq!(last["level"], "INFO");
    assert_eq!(last["list_pages"], 6);
    assert_eq!(last["articles"], 10);
    assert_eq!(last["fetched"], 10);
    assert_eq!(last["unchanged"], 0);
    assert_eq!(last["failed"], 0);
    assert_eq!(last["records_new"], 160);
}

#[test]
fn reparse_extracts_again_offline_from_the_stored_raw_pages() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    let before = fs::read(d.out.join("records.jsonl")).unwrap();
    drop(sites); // offline from here on
    fs::remove_dir_all(&d.out).unwrap();

    let out = minsheng(&[
        "reparse".as_ref(),
        "--db".as_ref(),
        d.db.as_os_str(),
        "--out".as_ref(),
        d.out.as_os_str(),
    ])
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "minsheng reparse: 10 page(s) extracted again, 0 failed; records new 0, changed 0, removed 0; written to {}",
            d.out.display()
        )
    );
    assert_eq!(fs::read(d.out.join("records.jsonl")).unwrap(), before);
}

#[test]
fn export_of_a_missing_store_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("none.db");
    let out = minsheng(&["export".as_ref(), "--db".as_ref(), db.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "minsheng export: {}: no store here; run `minsheng crawl --db {}` first",
            db.display(),
            db.display()
        )
    );
    assert!(!db.exists());
}

// ---------------------------------------------------------------------------------------
// The store survives its own files; a run stops cleanly (issue 11)

#[test]
fn after_a_clean_crawl_the_database_file_alone_holds_the_store() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    assert_eq!(crawl(&d).0, 0);
    let wal = PathBuf::from(format!("{}-wal", d.db.display()));
    assert_eq!(
        fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
        0,
        "log left"
    );
    assert!(fs::metadata(&d.db).unwrap().len() > 64 * 1024);
    // The log deleted, cut or overwritten: nothing is lost.
    for damage in ["deleted", "noise"] {
        match damage {
            "deleted" => drop(fs::remove_file(&wal)),
            _ => fs::write(&wal, vec![0x5a; 8192]).unwrap(),
        }
        let out = export(&d, false);
        assert_eq!(out.status.code(), Some(0), "{damage}: {out:?}");
        assert_eq!(records(&d).len(), 160, "{damage}");
    }
}

/// Sends `signal` to the child process.
fn signal(child: &Child, signal: i32) {
    let pid = i32::try_from(child.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

#[test]
fn a_crawl_stopped_by_sigterm_saves_what_it_fetched_writes_the_outputs_and_checkpoints() {
    let sites = Sites::start();
    let d = dirs(&sites, 400);
    let before = article_hits(&sites);
    let child = crawl_command(&d, &[])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Six requests over three hosts: some host has answered twice, so something was saved.
    wait_for("6 article requests", Duration::from_secs(60), || {
        article_hits(&sites) >= before + 6
    });
    signal(&child, libc::SIGTERM);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line = summary_line(&out);
    assert!(
        line.contains("; stopped early: SIGTERM received, "),
        "{line}"
    );
    let fetched = records(&d);
    assert!(
        !fetched.is_empty() && fetched.len() < 160,
        "{}",
        fetched.len()
    );
    let wal = PathBuf::from(format!("{}-wal", d.db.display()));
    assert_eq!(fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    // The next run checks the rest.
    assert_eq!(crawl(&d).0, 0);
    assert_eq!(records(&d).len(), 160);
}

#[test]
fn max_run_secs_stops_fetching_writes_what_was_had_and_exits_1() {
    let sites = Sites::start();
    let d = dirs(&sites, 700);
    let started = Instant::now();
    let out = crawl_command(&d, &["--max-run-secs", "2"])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line = summary_line(&out);
    assert!(
        line.contains("; stopped early: the run time limit of 2 s was reached, "),
        "{line}"
    );
    assert!(
        line.ends_with("article(s) found but not checked (the next run checks them)"),
        "{line}"
    );
    assert!(records(&d).len() < 160);
    assert!(d.out.join("pages.json").is_file());

    // The config's max_run_secs does the same.
    let config = fs::read_to_string(&d.config).unwrap();
    fs::write(
        &d.config,
        config.replace("[defaults]", "[defaults]\nmax_run_secs = 1"),
    )
    .unwrap();
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(summary_line(&out).contains("the run time limit of 1 s was reached"));
}

#[test]
fn a_zero_timeout_or_a_day_long_delay_in_the_config_is_refused_before_any_request() {
    let sites = Sites::start();
    let d = dirs(&sites, 20);
    let config = fs::read_to_string(&d.config).unwrap();
    for (from, to, line, reason) in [
        (
            "timeout_secs = 10",
            "timeout_secs = 0",
            6,
            "timeout_secs = 0 is out of range: it must be from 1 to 3600",
        ),
        (
            "delay_ms = 20",
            "delay_ms = 86400000",
            3,
            "delay_ms = 86400000 is out of range: it must be from 0 to 3600000",
        ),
    ] {
        fs::write(&d.config, config.replace(from, to)).unwrap();
        let out = crawl_command(&d, &[]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim(),
            format!("minsheng crawl: {}:{line}: {reason}", d.config.display())
        );
    }
    assert!(sites.hits().is_empty());
}

#[path = "crawl/lists.rs"]
mod lists;
