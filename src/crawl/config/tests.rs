//! The config's tests: each mistake rejected with its line, the defaults kept, the shipped
//! example valid, and a config of 10,000 sources checked whole.

use super::*;
use crate::config::DEFAULT_MAX_LIST_PAGES;

const GOOD: &str = r#"
[defaults]
delay_ms = 20
concurrency = 3
max_attempts = 2
resolve = { "www.wencheng.gov.cn" = "127.0.0.1:8080", "www.qingtian.gov.cn" = "127.0.0.2" }

[[source]]
name = "文成县 民生实事"
publisher = "文成县"
start = ["https://www.wencheng.gov.cn/col/col1229265580/index.html"]
follow = '/art/\d{4}/\d+/\d+/art_\d+_\d+\.html$'
title_contains = ["民生实事", "七优享"]
max_list_pages = 3

[[source]]
name = "青田县"
start = ["http://www.qingtian.gov.cn/col/col1/index.html"]
follow = 'art_'
"#;

fn parse_str(text: &str) -> Result<CrawlConfig, ConfigError> {
    parse(text, Path::new("sources.toml"))
}

fn error_of(text: &str) -> String {
    parse_str(text).unwrap_err().to_string()
}

#[test]
fn max_body_bytes_is_set_in_defaults_within_its_range() {
    let with = |n: &str| GOOD.replace("max_attempts = 2", &format!("max_body_bytes = {n}"));
    let c = parse_str(&with("1000000")).unwrap();
    assert_eq!(c.fetch.max_body_bytes, 1_000_000);
    assert_eq!(
        error_of(&with("0")),
        "sources.toml:5: max_body_bytes = 0 is out of range: it must be from 1 to 4294967296"
    );
}

#[test]
fn good_config_overrides_defaults_and_keeps_the_rest() {
    let c = parse_str(GOOD).unwrap();
    assert_eq!(c.fetch.delay, Duration::from_millis(20));
    assert_eq!(c.fetch.concurrency, 3);
    assert_eq!(c.fetch.max_attempts, 2);
    assert_eq!(c.fetch.timeout, FetchConfig::default().timeout);
    assert_eq!(
        c.fetch.resolve,
        vec![
            (
                "www.qingtian.gov.cn".to_string(),
                "127.0.0.2:0".parse().unwrap()
            ),
            (
                "www.wencheng.gov.cn".to_string(),
                "127.0.0.1:8080".parse().unwrap()
            ),
        ]
    );
    assert_eq!(c.sources.len(), 2);
    let s = &c.sources[0];
    assert_eq!(s.name, "文成县 民生实事");
    assert_eq!(s.publisher.as_deref(), Some("文成县"));
    assert_eq!(
        s.start[0].as_str(),
        "https://www.wencheng.gov.cn/col/col1229265580/index.html"
    );
    assert!(s
        .follow
        .is_match("https://www.wencheng.gov.cn/art/2024/8/28/art_1229265580_59001.html"));
    assert_eq!(s.title_contains, vec!["民生实事", "七优享"]);
    assert_eq!(s.max_list_pages, 3);
    assert_eq!(c.sources[1].publisher, None);
    assert_eq!(c.sources[1].max_list_pages, DEFAULT_MAX_LIST_PAGES);
}

#[test]
fn unknown_key_is_rejected_with_its_line() {
    let text = GOOD.replace("follow = 'art_'", "folow = 'art_'");
    let err = error_of(&text);
    assert!(
        err.starts_with("sources.toml:19: unknown field `folow`"),
        "{err}"
    );
}

#[test]
fn unknown_key_in_defaults_is_rejected_with_its_line() {
    let err = error_of(&GOOD.replace("delay_ms = 20", "delay = 20"));
    assert!(
        err.starts_with("sources.toml:3: unknown field `delay`"),
        "{err}"
    );
}

#[test]
fn invalid_regex_is_rejected_with_its_line() {
    let err = error_of(&GOOD.replace("follow = 'art_'", "follow = 'art_(\\d+'"));
    assert!(
        err.starts_with("sources.toml:19: source \"青田县\": invalid regex in follow: "),
        "{err}"
    );
}

#[test]
fn non_http_start_url_is_rejected_with_its_line() {
    let err = error_of(&GOOD.replace(
        "http://www.qingtian.gov.cn/col/col1/index.html",
        "ftp://www.qingtian.gov.cn/col/col1/",
    ));
    assert_eq!(
            err,
            "sources.toml:18: source \"青田县\": start URL \"ftp://www.qingtian.gov.cn/col/col1/\" has scheme \"ftp\": only http and https are crawled"
        );
}

#[test]
fn relative_start_url_is_rejected() {
    let err = error_of(&GOOD.replace(
        "http://www.qingtian.gov.cn/col/col1/index.html",
        "/col/col1/index.html",
    ));
    assert!(
        err.starts_with(
            "sources.toml:18: source \"青田县\": start URL \"/col/col1/index.html\" is not a URL"
        ),
        "{err}"
    );
}

#[test]
fn duplicate_source_names_are_rejected() {
    let err = error_of(&GOOD.replace("name = \"青田县\"", "name = \"文成县 民生实事\""));
    assert!(
        err.starts_with("sources.toml:17: source name \"文成县 民生实事\" is used twice"),
        "{err}"
    );
}

#[test]
fn empty_start_and_zero_limits_are_rejected() {
    let err = error_of(&GOOD.replace(
        "start = [\"http://www.qingtian.gov.cn/col/col1/index.html\"]",
        "start = []",
    ));
    assert!(
        err.starts_with("sources.toml:18: source \"青田县\": start is empty"),
        "{err}"
    );
    let err = error_of(&GOOD.replace("concurrency = 3", "concurrency = 0"));
    assert_eq!(
        err,
        "sources.toml:4: concurrency = 0 is out of range: it must be from 1 to 1024"
    );
    let err = error_of(&GOOD.replace("max_list_pages = 3", "max_list_pages = 0"));
    assert_eq!(
            err,
            "sources.toml:14: source \"文成县 民生实事\": max_list_pages = 0 is out of range: it must be from 1 to 10000"
        );
}

#[test]
fn a_zero_timeout_and_a_day_long_delay_are_rejected_with_their_lines() {
    let err = error_of(&GOOD.replace("delay_ms = 20", "timeout_secs = 0"));
    assert_eq!(
        err,
        "sources.toml:3: timeout_secs = 0 is out of range: it must be from 1 to 3600"
    );
    let err = error_of(&GOOD.replace("delay_ms = 20", "delay_ms = 86400000"));
    assert_eq!(
        err,
        "sources.toml:3: delay_ms = 86400000 is out of range: it must be from 0 to 3600000"
    );
    let err = error_of(&GOOD.replace("max_attempts = 2", "max_attempts = 1000"));
    assert_eq!(
        err,
        "sources.toml:5: max_attempts = 1000 is out of range: it must be from 1 to 20"
    );
    let err = error_of(&GOOD.replace("delay_ms = 20", "max_run_secs = 0"));
    assert_eq!(
        err,
        "sources.toml:3: max_run_secs = 0 is out of range: it must be from 1 to 604800"
    );
    let c = parse_str(&GOOD.replace("delay_ms = 20", "max_run_secs = 600")).unwrap();
    assert_eq!(c.max_run, Some(Duration::from_secs(600)));
    assert_eq!(parse_str(GOOD).unwrap().max_run, None);
}

const JSON_SOURCE: &str = r#"
[defaults]
bom = true

[[source]]
name = "泰顺县"
county = "泰顺县"
follow = 'art_\d+_\d+\.html$'
list_json = { url = "https://www.taishun.gov.cn/api/col/1229/list?page={page}&size=20", items = "data.list", url_field = "url", title_field = "title" }
"#;

#[test]
fn a_json_list_source_needs_no_start_and_may_be_fetched_from_its_endpoint() {
    let c = parse_str(JSON_SOURCE).unwrap();
    assert!(c.bom);
    let s = &c.sources[0];
    assert!(s.start.is_empty());
    assert_eq!(s.county.as_deref(), Some("泰顺县"));
    assert_eq!(
        s.list_json,
        Some(JsonList {
            url: "https://www.taishun.gov.cn/api/col/1229/list?page={page}&size=20".into(),
            items: "data.list".into(),
            url_field: "url".into(),
            title_field: "title".into(),
        })
    );
    assert_eq!(
        s.origins.iter().map(Url::as_str).collect::<Vec<_>>(),
        vec!["https://www.taishun.gov.cn/api/col/1229/list?page=1&size=20"]
    );
    let plain = parse_str(GOOD).unwrap();
    assert!(!plain.bom);
    assert_eq!(plain.sources[0].county, None);
    assert_eq!(plain.sources[0].origins, plain.sources[0].start);
}

#[test]
fn a_bad_json_list_is_rejected_with_its_line() {
    let err = error_of(&JSON_SOURCE.replace("https://www.taishun", "ftp://www.taishun"));
    assert!(
            err.starts_with("sources.toml:9: source \"泰顺县\": list_json url \"ftp://www.taishun.gov.cn/api/col/1229/list?page=1&size=20\" has scheme \"ftp\""),
            "{err}"
        );
    let err = error_of(&JSON_SOURCE.replace("url_field = \"url\"", "url_field = \"\""));
    assert!(
        err.starts_with("sources.toml:9: source \"泰顺县\": list_json url_field is empty"),
        "{err}"
    );
    let err = error_of(&JSON_SOURCE.replace("items =", "item ="));
    assert!(
        err.starts_with("sources.toml:9: unknown field `item`"),
        "{err}"
    );
    let err = error_of(&JSON_SOURCE.replace("list_json", "list_jsn"));
    assert!(
        err.starts_with("sources.toml:9: unknown field `list_jsn`"),
        "{err}"
    );
}

#[test]
fn a_source_without_start_or_list_json_is_rejected_at_its_name() {
    let err = error_of(&GOOD.replace(
        "start = [\"http://www.qingtian.gov.cn/col/col1/index.html\"]\n",
        "",
    ));
    assert!(
        err.starts_with("sources.toml:17: source \"青田县\": start is empty"),
        "{err}"
    );
}

#[test]
fn a_follow_pattern_too_large_to_compile_is_reported_when_used() {
    let follow = Follow::new("\\w{1000}{1000}").unwrap();
    let err = follow.regex().unwrap_err();
    assert!(err.starts_with("invalid regex in follow: "), "{err}");
    assert!(!follow.is_match("art_1"));
}

#[test]
fn sources_with_the_same_follow_pattern_share_one_compiled_regex() {
    let text = GOOD.replace(
        "follow = 'art_'",
        "follow = '/art/\\d{4}/\\d+/\\d+/art_\\d+_\\d+\\.html$'",
    );
    let c = parse_str(&text).unwrap();
    assert!(Arc::ptr_eq(
        &c.sources[0].follow.shared,
        &c.sources[1].follow.shared
    ));
}

#[test]
fn bad_resolve_address_is_rejected() {
    let err = error_of(&GOOD.replace("\"127.0.0.2\"", "\"localhost\""));
    assert_eq!(
            err,
            "sources.toml:6: resolve.\"www.qingtian.gov.cn\": \"localhost\" is not an IP address or IP:port"
        );
}

#[test]
fn a_config_without_sources_is_rejected() {
    assert_eq!(
        error_of("[defaults]\ndelay_ms = 5\n"),
        "sources.toml: no [[source]]: nothing to crawl"
    );
}

#[test]
fn toml_syntax_error_names_the_line() {
    let err = error_of("[defaults]\ndelay_ms = \n");
    assert!(err.starts_with("sources.toml:2: "), "{err}");
}

#[test]
fn the_shipped_example_config_is_valid() {
    let c = parse(
        include_str!("../../../sources.example.toml"),
        Path::new("sources.example.toml"),
    )
    .unwrap();
    let names: Vec<&str> = c.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "文成县 民生实事",
            "青田县 民生实事",
            "景宁畲族自治县 民生实事"
        ]
    );
    assert_eq!(
        c.sources[0].start[0].as_str(),
        "https://www.wencheng.gov.cn/col/col1229265580/index.html"
    );
    assert_eq!(c.sources[0].county.as_deref(), Some("文成县"));
    // The commented template examples are valid too.
    let all = include_str!("../../../sources.example.toml").replace("\n#~ ", "\n");
    let all = parse(&all, Path::new("sources.example.toml")).unwrap();
    let json = all.sources.last().unwrap();
    assert_eq!(json.name, "泰顺县 民生实事");
    assert_eq!(
        json.list_json.as_ref().map(|j| j.items.as_str()),
        Some("data.list")
    );
    assert_eq!(all.sources.len(), 5);
    assert_eq!(c.fetch.delay, Duration::from_millis(1000));
}

#[test]
fn a_missing_file_names_the_file() {
    let err = load(Path::new("/nonexistent/sources.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("/nonexistent/sources.toml: cannot read the config: "),
        "{err}"
    );
}

#[cfg(test)]
mod large {
    use super::*;

    /// A config of `n` sources, each its own column and follow pattern.
    pub(super) fn many_sources(n: usize) -> String {
        let mut text = String::from("[defaults]\ndelay_ms = 1000\n");
        for i in 0..n {
            text.push_str(&format!(
                "\n[[source]]\nname = \"县{i} 民生实事\"\npublisher = \"县{i}\"\n\
                 start = [\"https://www.county{i}.gov.cn/col/col{i}/index.html\"]\n\
                 follow = '/art/\\d{{4}}/\\d+/\\d+/art_{i}_\\d+\\.html$'\n\
                 title_contains = [\"民生实事\"]\n"
            ));
        }
        text
    }

    #[test]
    fn a_config_of_ten_thousand_sources_is_validated_whole() {
        let text = many_sources(10_000);
        let c = parse(&text, Path::new("big.toml")).unwrap();
        assert_eq!(c.sources.len(), 10_000);
        let last = &c.sources[9_999];
        assert_eq!(last.name, "县9999 民生实事");
        assert_eq!(
            last.start[0].as_str(),
            "https://www.county9999.gov.cn/col/col9999/index.html"
        );
        assert!(last
            .follow
            .is_match("https://www.county9999.gov.cn/art/2024/8/28/art_9999_59001.html"));
        assert!(!last
            .follow
            .is_match("https://www.county9999.gov.cn/art/2024/8/28/art_9998_59001.html"));
        let bad = text.replace("art_9999_", "art_(9999_");
        let err = parse(&bad, Path::new("big.toml")).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "big.toml:{}: source \"县9999 民生实事\": invalid regex in follow",
                3 + 9_999 * 7 + 5
            )),
            "{err}"
        );
    }
}

#[test]
fn an_error_underneath_is_the_source_of_the_config_error() {
    use std::error::Error;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("sources.toml");
    let err = load(&missing).unwrap_err();
    let io = err
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("the read error is the source");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);

    let err = parse_str("[[source]\nname = 1").unwrap_err();
    assert_eq!(err.line, Some(1));
    assert!(err
        .source()
        .is_some_and(|s| s.downcast_ref::<toml::de::Error>().is_some()));
    // A rule of minsheng's own has nothing underneath.
    let err = parse_str("[defaults]\ndelay_ms = 0\n").unwrap_err();
    assert!(err.source().is_none(), "{err}");
}
