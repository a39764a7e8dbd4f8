//! Attachments over HTTP, from the in-process server (tests/support): an article that links
//! an xlsx, a docx (through a `downfile.jsp?…&filename=` endpoint) and a doc, read by
//! `scrape URL` and by `crawl`.
//!
//! The doc needs LibreOffice: with `soffice` on PATH it is read like the docx it was saved
//! from; without it the attachment is reported `needs LibreOffice` (a warning).

use crate::support::{Reply, Server};
use minsheng::config::{FetchConfig, ScrapeOptions};
use minsheng::pipeline::find_soffice;
use minsheng::record::{AttachmentOutcome, PageReport};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn fixture(name: &str) -> Vec<u8> {
    fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/attachments")
            .join(name),
    )
    .unwrap()
}

const OCTET: &str = "application/octet-stream";
const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// An article whose progress tables are only in its attachments; `views` changes its bytes.
fn article(views: u32) -> String {
    format!(
        "<html><head><title>文成县人民政府</title></head><body>\
         <h1>文成县2024年民生实事项目上半年进展情况</h1>\
         <p>发布日期：2024-07-08 10:20:00 来源：文成县发展和改革局 浏览次数：{views}</p>\
         <p>现将我县民生实事项目上半年进展情况公布如下。</p>\
         <p>附件：</p>\
         <p><a href=\"/attach/0/jd.xlsx\">1.民生实事进展情况表.xlsx</a></p>\
         <p><a href=\"/module/download/downfile.jsp?classid=0&amp;filename=jd.docx\">2.进展情况表</a></p>\
         <p><a href=\"/attach/0/jd.doc\">3.进展情况表.doc</a></p>\
         <p><a href=\"/art/2.html\">上一篇</a></p>\
         </body></html>"
    )
}

fn fetch_config() -> FetchConfig {
    FetchConfig {
        delay: Duration::from_millis(10),
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(10),
        ..FetchConfig::default()
    }
}

fn serve_article(server: &Server) {
    server
        .route(
            "/art/1.html",
            Reply::html(article(1), "text/html; charset=utf-8"),
        )
        .route(
            "/attach/0/jd.xlsx",
            Reply::html(fixture("progress_merged.xlsx"), OCTET),
        )
        .route(
            "/module/download/downfile.jsp",
            Reply::html(fixture("progress.docx"), DOCX_TYPE),
        )
        .route(
            "/attach/0/jd.doc",
            Reply::html(fixture("progress.doc"), "application/msword"),
        );
}

fn scrape(server: &Server, attachments: bool) -> Vec<PageReport> {
    let opts = ScrapeOptions {
        fetch: fetch_config(),
        attachments,
        ..ScrapeOptions::default()
    };
    minsheng::scrape::process_urls(&[server.url("/art/1.html")], &opts)
}

#[test]
fn scrape_reads_an_article_s_xlsx_and_docx_and_reads_or_reports_its_doc() {
    let server = Server::start();
    serve_article(&server);
    let reports = scrape(&server, true);
    let article_url = server.url("/art/1.html");
    let xlsx = server.url("/attach/0/jd.xlsx");
    let docx = server.url("/module/download/downfile.jsp?classid=0&filename=jd.docx");
    let doc = server.url("/attach/0/jd.doc");
    let urls: Vec<&str> = reports.iter().map(|r| r.source_url.as_str()).collect();
    assert_eq!(urls, [&article_url, &xlsx, &docx, &doc]);

    // The article: no table of its own, its attachments listed with what became of each.
    let a = &reports[0];
    assert_eq!(a.error, None, "{:?}", a.notes);
    assert_eq!(
        a.notes.last().map(String::as_str),
        Some("no table on the page; prose: no numbered items in the text; its records come from its attachments")
    );
    let listed: Vec<(&str, Option<&str>, Option<&str>)> = a
        .attachments
        .iter()
        .map(|x| (x.url.as_str(), x.link_text.as_deref(), x.format.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                xlsx.as_str(),
                Some("1.民生实事进展情况表.xlsx"),
                Some("xlsx")
            ),
            (docx.as_str(), Some("2.进展情况表"), Some("docx")),
            (doc.as_str(), Some("3.进展情况表.doc"), Some("doc")),
        ]
    );
    assert_eq!(a.attachments[0].outcome, AttachmentOutcome::Read);
    assert_eq!(a.attachments[1].outcome, AttachmentOutcome::Read);

    // The attachments: their records name themselves and the article, and repeat the
    // article's publisher and date.
    for (report, format, rows) in [(&reports[1], "xlsx", 4), (&reports[2], "docx", 4)] {
        assert_eq!(report.error, None, "{format}");
        assert_eq!(report.article_url, article_url, "{format}");
        assert_eq!(report.source_format.as_str(), format);
        let records: Vec<_> = report.records().collect();
        assert_eq!(records.len(), rows, "{format}");
        for r in records {
            assert_eq!(r.source_url, report.source_url, "{format}");
            assert_eq!(r.article_url, article_url, "{format}");
            assert_eq!(r.source_format.as_str(), format);
            assert_eq!(
                r.publisher.as_deref(),
                Some("文成县发展和改革局"),
                "{format}"
            );
            assert_eq!(
                r.published_at.as_deref(),
                Some("2024-07-08T10:20:00+08:00"),
                "{format}"
            );
            assert_eq!(r.county.as_deref(), Some("文成县"), "{format}");
        }
    }
    assert_eq!(
        reports[1].title.as_deref(),
        Some("文成县2024年民生实事项目上半年进展情况表")
    );
    assert_eq!(reports[1].tables[0].sheet.as_deref(), Some("民生实事"));
    assert_eq!(reports[2].tables[0].sheet, None);

    let d = &reports[3];
    assert_eq!(d.article_url, article_url);
    assert_eq!(d.source_format.as_str(), "doc");
    if find_soffice().is_some() {
        eprintln!("soffice present: the doc is read");
        assert_eq!(d.error, None);
        assert_eq!(a.attachments[2].outcome, AttachmentOutcome::Read);
        let got: Vec<_> = d.records().map(|r| (r.seq, r.category.clone())).collect();
        let want: Vec<_> = reports[2]
            .records()
            .map(|r| (r.seq, r.category.clone()))
            .collect();
        assert_eq!(got, want);
        assert!(d.records().all(|r| r.source_format.as_str() == "doc"));
    } else {
        eprintln!("soffice absent: the doc needs LibreOffice");
        assert_eq!(d.error.as_deref(), Some("needs LibreOffice"));
        assert_eq!(
            a.attachments[2].outcome,
            AttachmentOutcome::Skipped("needs LibreOffice".into())
        );
        assert!(!minsheng::pipeline::is_failure(d));
    }
    // Each document was asked for once, by the fetcher (robots.txt included).
    for path in [
        "/attach/0/jd.xlsx",
        "/module/download/downfile.jsp",
        "/attach/0/jd.doc",
    ] {
        assert_eq!(server.count(path), 1, "{path}");
    }
    assert_eq!(
        server.count("/art/2.html"),
        0,
        "a page link is not an attachment"
    );
}

#[test]
fn no_attachments_leaves_the_links_alone() {
    let server = Server::start();
    serve_article(&server);
    let reports = scrape(&server, false);
    assert_eq!(reports.len(), 1);
    assert!(reports[0].attachments.is_empty());
    assert_eq!(
        reports[0].error.as_deref(),
        Some("no table on the page; prose: no numbered items in the text")
    );
    assert_eq!(server.count("/attach/0/jd.xlsx"), 0);
}

// ---------------------------------------------------------------------------------------
// crawl

fn minsheng(args: &[&std::ffi::OsStr]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minsheng"));
    cmd.args(args).env_remove("RUST_LOG");
    cmd
}

fn crawl(config: &Path, db: &Path, out: &Path) -> String {
    let result = minsheng(&[
        "crawl".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr).to_string();
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    stderr
}

fn jsonl(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn crawl_asks_again_conditionally_and_versions_a_changed_attachment() {
    let server = Server::start();
    let host = "www.wencheng.gov.cn";
    server
        .route(
            "/col/index.html",
            Reply::html(
                "<html><body><ul><li><a href=\"/art/1.html\">文成县2024年民生实事项目上半年进展情况</a></li></ul></body></html>",
                "text/html; charset=utf-8",
            ),
        )
        // The article changes between the runs (its view counter), so it is read again.
        .route(
            "/art/1.html",
            Reply::sequence([
                Reply::html(article(1), "text/html; charset=utf-8"),
                Reply::html(article(2), "text/html; charset=utf-8"),
            ]),
        )
        // Unchanged: the second request must carry the ETag, and gets a 304.
        .route(
            "/attach/0/jd.xlsx",
            Reply::sequence([
                Reply::html(fixture("several_sheets.xlsx"), OCTET).header("etag", "\"a1\""),
                Reply::status(304).header("etag", "\"a1\""),
            ]),
        )
        // Changed: a new workbook under the same URL.
        .route(
            "/module/download/downfile.jsp",
            Reply::sequence([
                Reply::html(fixture("progress_merged.xlsx"), OCTET).header("etag", "\"b1\""),
                Reply::html(fixture("values.xlsx"), OCTET).header("etag", "\"b2\""),
            ]),
        )
        // A pdf behind the .doc link: reported, kept, and a warning only.
        .route("/attach/0/jd.doc", Reply::html(fixture("report.pdf"), OCTET));
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sources.toml");
    fs::write(
        &config,
        format!(
            r#"[defaults]
delay_ms = 10
concurrency = 2
max_attempts = 1
timeout_secs = 10
resolve = {{ "{host}" = "127.0.0.1" }}

[[source]]
name = "文成县 民生实事"
publisher = "文成县"
start = ["http://{host}:{port}/col/index.html"]
follow = '/art/\d+\.html$'
"#,
            port = server.port()
        ),
    )
    .unwrap();
    let (db, out) = (tmp.path().join("minsheng.db"), tmp.path().join("out"));
    let article_url = format!("http://{host}:{}/art/1.html", server.port());
    let xlsx = format!("http://{host}:{}/attach/0/jd.xlsx", server.port());
    let endpoint = format!(
        "http://{host}:{}/module/download/downfile.jsp?classid=0&filename=jd.docx",
        server.port()
    );

    crawl(&config, &db, &out);
    let first = jsonl(&out.join("records.jsonl"));
    let pages: Value =
        serde_json::from_str(&fs::read_to_string(out.join("pages.json")).unwrap()).unwrap();
    let statuses = |pages: &Value| -> Vec<Value> {
        let article_page = pages
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["source_url"] == article_url.as_str())
            .unwrap();
        article_page["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["outcome"].clone())
            .collect()
    };
    assert_eq!(
        statuses(&pages),
        [
            serde_json::json!({"status": "read"}),
            serde_json::json!({"status": "read"}),
            serde_json::json!({"status": "skipped", "reason": "pdf not read"}),
        ]
    );
    let by_source = |records: &[Value], url: &str| -> Vec<String> {
        records
            .iter()
            .filter(|r| r["source_url"] == url)
            .map(|r| r["category"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        by_source(&first, &xlsx),
        ["城乡居民养老保险", "残疾人康复服务", "农村公路提升"]
    );
    assert_eq!(by_source(&first, &endpoint).len(), 4);
    assert!(first
        .iter()
        .all(|r| r["article_url"] == article_url.as_str()));
    assert!(first.iter().all(|r| r["source_format"] == "xlsx"));

    crawl(&config, &db, &out);
    // The unchanged attachment was asked conditionally and answered 304.
    let asks = server.requests_to("/attach/0/jd.xlsx");
    assert_eq!(asks.len(), 2);
    assert_eq!(asks[0].header("if-none-match"), None);
    assert_eq!(asks[1].header("if-none-match"), Some("\"a1\""));
    let second = jsonl(&out.join("records.jsonl"));
    assert_eq!(by_source(&second, &xlsx), by_source(&first, &xlsx));
    // The changed one: its new rows are the current records.
    assert_eq!(
        by_source(&second, &endpoint),
        ["老旧小区改造", "农村饮用水达标提标", "城乡公交一体化"]
    );
    let pages: Value =
        serde_json::from_str(&fs::read_to_string(out.join("pages.json")).unwrap()).unwrap();
    let article_page = pages
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["source_url"] == article_url.as_str())
        .unwrap();
    let outcomes: Vec<&Value> = article_page["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["outcome"]["status"])
        .collect();
    assert_eq!(outcomes, ["not_modified", "read", "not_modified"]);

    // History keeps the replaced rows of the changed attachment, closed.
    let exported = minsheng(&[
        "export".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--history".as_ref(),
    ])
    .output()
    .unwrap();
    assert_eq!(exported.status.code(), Some(0));
    let history = jsonl(&out.join("records_history.jsonl"));
    let closed: Vec<&Value> = history
        .iter()
        .filter(|v| v["source_url"] == endpoint.as_str() && !v["valid_to"].is_null())
        .collect();
    assert_eq!(closed.len(), 4);
    let open_xlsx = history
        .iter()
        .filter(|v| v["source_url"] == xlsx.as_str() && v["valid_to"].is_null())
        .count();
    assert_eq!(
        open_xlsx, 3,
        "the unchanged attachment keeps its one version"
    );
}
