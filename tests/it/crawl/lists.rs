//! Reading a county column whole, whatever its template (issue 14): the Hanweb data proxy,
//! Hanweb `?uid=…&pageNum=N`, TRS `createPageHTML`, a configured JSON list; and no silent
//! loss: a column whose next pages repeat an earlier one, and a column longer than
//! `max_list_pages`, are warned about. Each test asserts the exact requests made.

use super::*;

const LISHUI_COL: &str = "/col/col1229436567/index.html";
const YUNHE_COL: &str = "/col/col1229512345/index.html";
const LONGQUAN_COL: &str = "/col/col1229600001/index.html";
const PINGYANG_COL: &str = "/col/zfxxgk/index.html";

/// A config of `sources` (TOML, `{port}` replaced) on the simulated sites.
fn list_dirs(sites: &Sites, sources: &str) -> Dirs {
    let hosts = [
        WENCHENG, QINGTIAN, JINGNING, LISHUI, YUNHE, LONGQUAN, PINGYANG, TAISHUN,
    ]
    .map(|h| format!("\"{h}\" = \"127.0.0.1\""))
    .join(", ");
    let text = format!(
        "[defaults]\ndelay_ms = 0\nconcurrency = 4\nmax_attempts = 1\ntimeout_secs = 10\n\
         resolve = {{ {hosts} }}\n\n{}",
        sources.replace("{port}", &sites.port().to_string())
    );
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sources.toml");
    fs::write(&config, text).unwrap();
    Dirs {
        db: tmp.path().join("state/minsheng.db"),
        out: tmp.path().join("out"),
        config,
        _tmp: tmp,
    }
}

/// Every request to `host` but robots.txt, as (method, path and query), in order.
fn requests(sites: &Sites, host: &str) -> Vec<(String, String)> {
    sites
        .hits()
        .into_iter()
        .filter(|h| h.host == host && h.target != "/robots.txt")
        .map(|h| (h.method, h.target))
        .collect()
}

/// The list requests (not article pages) to `host`, in order.
fn list_requests(sites: &Sites, host: &str) -> Vec<(String, String)> {
    requests(sites, host)
        .into_iter()
        .filter(|(_, t)| !is_article(t))
        .collect()
}

/// The article pages asked for on `host`.
fn article_requests(sites: &Sites, host: &str) -> BTreeSet<String> {
    requests(sites, host)
        .into_iter()
        .filter(|(_, t)| is_article(t))
        .map(|(_, t)| t)
        .collect()
}

fn is_article(target: &str) -> bool {
    target.starts_with("/art/") || target.contains("/t20")
}

fn get(target: &str) -> (String, String) {
    ("GET".to_string(), target.to_string())
}

fn post(target: &str) -> (String, String) {
    ("POST".to_string(), target.to_string())
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

/// The per-source line of a text summary.
fn source_line(out: &Output, name: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let prefix = format!("minsheng crawl: source \"{name}\": ");
    stderr
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line for {name} in:\n{stderr}"))
        .to_string()
}

#[test]
fn a_hanweb_column_served_only_through_the_data_proxy_is_read_whole() {
    let sites = Sites::start();
    let d = list_dirs(
        &sites,
        r#"[[source]]
name = "丽水市 民生实事"
start = ["http://www.lishui.gov.cn:{port}/col/col1229436567/index.html"]
follow = '/art/\d{4}/\d+/\d+/art_1229436567_\d+\.html$'
"#,
    );
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // pages 2 and 3 through the proxy, a group (one page here) at a time; never ?pageNum=,
    // which this site answers with page 1
    assert_eq!(
        list_requests(&sites, LISHUI),
        vec![
            get(LISHUI_COL),
            post("/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=8&perpage=4"),
            post("/module/web/jpage/dataproxy.jsp?startrecord=9&endrecord=11&perpage=4"),
        ]
    );
    let form = sites
        .hits()
        .into_iter()
        .find(|h| h.method == "POST")
        .and_then(|h| h.form)
        .unwrap();
    assert_eq!(
        form,
        "col=1&appid=1&webid=2929&path=%2F&columnid=1229436567&sourceContentType=1&unitid=4436567\
         &webname=%E4%B8%BD%E6%B0%B4%E5%B8%82%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&permissiontype=0"
    );
    let all: Vec<String> = (0..11)
        .map(|i| {
            format!(
                "/art/2024/{}/{}/art_1229436567_{}.html",
                12 - i,
                10 + i,
                7000 + 11 - i
            )
        })
        .collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(article_requests(&sites, LISHUI), set(&all));
    assert_eq!(
        summary_line(&out),
        "minsheng crawl: list pages 3 (0 failed), articles found 11, fetched 11 (new 0, changed 0, no table 11), \
         unchanged 0, failed 0, suspect 0; records new 0, changed 0, removed 0"
    );
    assert_eq!(
        source_line(&out, "丽水市 民生实事"),
        "minsheng crawl: source \"丽水市 民生实事\": list pages 3 (0 failed, 0 repeated), articles found 11, \
         new 0, no table 11, failed 0"
    );
}

#[test]
fn a_hanweb_column_without_a_proxy_is_read_by_page_number() {
    let sites = Sites::start();
    let d = list_dirs(
        &sites,
        r#"[[source]]
name = "云和县"
start = ["http://www.yunhe.gov.cn:{port}/col/col1229512345/index.html"]
follow = 'art_1229512345_\d+\.html$'
"#,
    );
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        list_requests(&sites, YUNHE),
        vec![
            get(YUNHE_COL),
            get("/col/col1229512345/index.html?uid=5512345&pageNum=2"),
            get("/col/col1229512345/index.html?uid=5512345&pageNum=3"),
        ]
    );
    assert_eq!(
        article_requests(&sites, YUNHE),
        set(&[
            "/art/2024/9/1/art_1229512345_600.html",
            "/art/2024/8/1/art_1229512345_599.html",
            "/art/2024/7/1/art_1229512345_598.html",
            "/art/2024/6/1/art_1229512345_597.html",
            "/art/2024/5/1/art_1229512345_596.html",
        ])
    );
}

#[test]
fn a_trs_column_is_read_through_its_create_page_html_pager() {
    let sites = Sites::start();
    let d = list_dirs(
        &sites,
        r#"[[source]]
name = "平阳县"
start = ["http://www.pingyang.gov.cn:{port}/col/zfxxgk/index.html"]
follow = '/t\d{8}_\d+\.html$'
title_contains = ["民生实事"]
"#,
    );
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        list_requests(&sites, PINGYANG),
        vec![
            get(PINGYANG_COL),
            get("/col/zfxxgk/index_1.html"),
            get("/col/zfxxgk/index_2.html"),
        ]
    );
    // hrefs relative to the list page; the notice left out by title_contains
    assert_eq!(
        article_requests(&sites, PINGYANG),
        set(&[
            "/col/zfxxgk/202412/t20241230_101.html",
            "/col/zfxxgk/202410/t20241015_102.html",
            "/col/zfxxgk/202407/t20240731_103.html",
            "/col/zfxxgk/202404/t20240419_104.html",
            "/col/zfxxgk/202401/t20240105_105.html",
        ])
    );
}

#[test]
fn a_json_list_from_the_config_is_read_page_by_page_until_an_empty_page() {
    let sites = Sites::start();
    let d = list_dirs(
        &sites,
        r#"[[source]]
name = "泰顺县"
follow = 'art_1229700001_\d+\.html$'
title_contains = ["民生实事"]
list_json = { url = "http://www.taishun.gov.cn:{port}/api/col1229700001/list.json?page={page}&size=2", items = "data.list", url_field = "url", title_field = "title" }
"#,
    );
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        list_requests(&sites, TAISHUN),
        (1..=4)
            .map(|n| get(&format!("/api/col1229700001/list.json?page={n}&size=2")))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        article_requests(&sites, TAISHUN),
        set(&[
            "/art/2024/12/31/art_1229700001_901.html",
            "/art/2024/10/8/art_1229700001_880.html",
            "/art/2024/7/30/art_1229700001_851.html",
            "/art/2024/4/12/art_1229700001_820.html",
        ])
    );
    assert_eq!(
        source_line(&out, "泰顺县"),
        "minsheng crawl: source \"泰顺县\": list pages 4 (0 failed, 0 repeated), articles found 4, \
         new 0, no table 4, failed 0"
    );
}

#[test]
fn a_column_whose_next_pages_repeat_the_first_is_stopped_warned_about_and_exits_1() {
    let sites = Sites::start();
    let d = list_dirs(
        &sites,
        r#"[[source]]
name = "龙泉市"
start = ["http://www.longquan.gov.cn:{port}/col/col1229600001/index.html"]
follow = 'art_1229600001_\d+\.html$'
"#,
    );
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    // page 2 answered page 1 again: page 3 is not asked for
    assert_eq!(
        list_requests(&sites, LONGQUAN),
        vec![
            get(LONGQUAN_COL),
            get("/col/col1229600001/index.html?uid=6600001&pageNum=2"),
        ]
    );
    assert_eq!(
        article_requests(&sites, LONGQUAN),
        set(&[
            "/art/2024/8/2/art_1229600001_90.html",
            "/art/2024/7/2/art_1229600001_89.html",
            "/art/2024/6/2/art_1229600001_88.html",
        ])
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("repeated list page: the column's later pages were not read"),
        "{stderr}"
    );
    assert_eq!(
        summary_line(&out),
        "minsheng crawl: list pages 2 (0 failed), articles found 3, fetched 3 (new 0, changed 0, no table 3), \
         unchanged 0, failed 0, suspect 0; records new 0, changed 0, removed 0; \
         repeated list pages 1 (their columns' later pages were not read)"
    );
    let col = sites.url(LONGQUAN, LONGQUAN_COL);
    assert_eq!(
        source_line(&out, "龙泉市"),
        format!(
            "minsheng crawl: source \"龙泉市\": list pages 2 (0 failed, 1 repeated), articles found 3, \
             new 0, no table 3, failed 0; warning: list page {col}?uid=6600001&pageNum=2 only repeats \
             items of an earlier page of the column {col}: the column's pagination was stopped there \
             and its later pages were not read"
        )
    );
}

#[test]
fn a_column_longer_than_max_list_pages_is_warned_about_with_both_numbers() {
    let sites = Sites::start();
    let d = list_dirs(
        &sites,
        r#"[[source]]
name = "平阳县"
start = ["http://www.pingyang.gov.cn:{port}/col/zfxxgk/index.html"]
follow = '/t\d{8}_\d+\.html$'
title_contains = ["民生实事"]
max_list_pages = 2
"#,
    );
    let out = crawl_command(&d, &["--log-format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        list_requests(&sites, PINGYANG),
        vec![get(PINGYANG_COL), get("/col/zfxxgk/index_1.html")]
    );
    assert_eq!(
        article_requests(&sites, PINGYANG),
        set(&[
            "/col/zfxxgk/202412/t20241230_101.html",
            "/col/zfxxgk/202410/t20241015_102.html",
            "/col/zfxxgk/202407/t20240731_103.html",
            "/col/zfxxgk/202404/t20240419_104.html",
        ])
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let events: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let warned = events
        .iter()
        .find(|e| e["message"] == "the column has more list pages than max_list_pages")
        .unwrap();
    assert_eq!(warned["level"], "WARN");
    assert_eq!(warned["stated_pages"], 3);
    assert_eq!(warned["max_list_pages"], 2);
    let source = events
        .iter()
        .find(|e| e["message"] == "source finished")
        .unwrap();
    assert_eq!(source["source"], "平阳县");
    assert_eq!(source["list_pages"], 2);
    assert_eq!(source["articles"], 4);
    assert_eq!(source["repeated_pages"], 0);
    let warnings: Value = serde_json::from_str(source["warnings"].as_str().unwrap()).unwrap();
    assert_eq!(
        warnings,
        serde_json::json!([format!(
            "the column {} states 3 list pages but max_list_pages is 2: its later pages are not read \
             (raise max_list_pages for this source)",
            sites.url(PINGYANG, PINGYANG_COL)
        )])
    );
    let last = events.last().unwrap();
    assert_eq!(last["message"], "crawl finished");
    assert_eq!(last["cut_short"], 1);
}

#[test]
fn records_carry_their_source_s_name_and_configured_county() {
    let sites = Sites::start();
    let d = dirs(&sites, 0);
    let text = fs::read_to_string(&d.config).unwrap().replace(
        "publisher = \"青田县\"\n",
        "publisher = \"青田县\"\ncounty = \"浙江省青田县\"\n",
    );
    fs::write(&d.config, text).unwrap();
    assert_eq!(crawl(&d), (0, ALL_NEW.to_string()));
    let recs = records(&d);
    let qingtian = sites.url(QINGTIAN, "/");
    for r in &recs {
        let url = r["source_url"].as_str().unwrap();
        if url.starts_with(&qingtian) {
            assert_eq!(r["source_name"], "青田县 民生实事");
            assert_eq!(r["county"], "浙江省青田县");
        } else if url.contains(WENCHENG) {
            assert_eq!(r["source_name"], "文成县 民生实事");
            assert_eq!(r["county"], "文成县");
        }
    }
    assert_eq!(
        recs.iter()
            .filter(|r| r["county"] == "浙江省青田县")
            .count(),
        80
    );
}

#[test]
fn a_crawl_whose_list_pages_all_failed_leaves_the_outputs_as_they_were() {
    let sites = Sites::start();
    let d = dirs(&sites, 0);
    assert_eq!(crawl(&d).0, 0);
    let before = fs::read(d.out.join("records.jsonl")).unwrap();
    for host in [WENCHENG, QINGTIAN, JINGNING] {
        sites.take_down(host);
    }
    let out = crawl_command(&d, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        summary_line(&out),
        "minsheng crawl: list pages 0 (3 failed), articles found 0, fetched 0 (new 0, changed 0, no table 0), \
         unchanged 0, failed 0, suspect 0; records new 0, changed 0, removed 0; \
         every list page failed: the outputs were left as they were"
    );
    assert_eq!(fs::read(d.out.join("records.jsonl")).unwrap(), before);
}

#[test]
fn bom_on_crawl_export_and_reparse_and_every_output_file_is_0644() {
    use std::os::unix::fs::PermissionsExt;
    let sites = Sites::start();
    let d = dirs(&sites, 0);
    let starts_with_bom = |d: &Dirs| {
        fs::read(d.out.join("records.csv"))
            .unwrap()
            .starts_with(b"\xEF\xBB\xBF")
    };
    let out = crawl_command(&d, &["--bom"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(starts_with_bom(&d));

    let mut cmd = minsheng(&[
        "export".as_ref(),
        "--db".as_ref(),
        d.db.as_os_str(),
        "--out".as_ref(),
        d.out.as_os_str(),
        "--history".as_ref(),
    ]);
    assert_eq!(cmd.output().unwrap().status.code(), Some(0));
    assert!(!starts_with_bom(&d), "export without --bom");
    cmd.arg("--bom");
    assert_eq!(cmd.output().unwrap().status.code(), Some(0));
    assert!(starts_with_bom(&d));
    assert!(fs::read(d.out.join("records_history.csv"))
        .unwrap()
        .starts_with(b"\xEF\xBB\xBF"));
    // The output names are links into the current set: their targets' modes.
    for name in [
        "records.csv",
        "records.jsonl",
        "pages.json",
        "records_history.csv",
        "records_history.jsonl",
    ] {
        let mode = fs::metadata(d.out.join(name)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{name}");
    }

    let out = minsheng(&[
        "reparse".as_ref(),
        "--db".as_ref(),
        d.db.as_os_str(),
        "--out".as_ref(),
        d.out.as_os_str(),
        "--bom".as_ref(),
    ])
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(starts_with_bom(&d));

    // `bom = true` in the config's [defaults]
    let text = fs::read_to_string(&d.config)
        .unwrap()
        .replace("[defaults]\n", "[defaults]\nbom = true\n");
    fs::write(&d.config, text).unwrap();
    fs::remove_file(d.out.join("records.csv")).unwrap();
    assert_eq!(crawl(&d).0, 0);
    assert!(starts_with_bom(&d));
}
