//! The incremental crawl: a first run finds and extracts every article; later runs ask
//! conditionally and store only what changed (a changed row is a new version, a renamed
//! source keeps its pages, an unchanged list page is not parsed again); a site down fails
//! alone; a maintenance page is a suspect fetch that keeps the good version.

use super::*;

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
