//! The list readers' tests on county list pages: plain lists, Hanweb datastores with and
//! without the data proxy, TRS pagers, `<base href>`, and pagination that must not loop.

use super::*;

fn follow() -> Regex {
    Regex::new(r"/art/\d{4}/\d+/\d+/art_\d+_\d+\.html$").unwrap()
}

fn page(url: &str) -> Url {
    Url::parse(url).unwrap()
}

const PLAIN: &str = r#"<html><head><title>民生实事</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/col/col2/index.html">政务动态</a></div>
<ul class="list">
  <li><a href="/art/2024/8/28/art_1229265580_59001.html" title="公共服务“七优享”民生实事项目半年度进度表">公共服务“七优享”民生实事项目半年度进度表</a><span>2024-08-28</span></li>
  <li><a href="../../art/2024/5/6/art_1229265580_58000.html">关于开展安全生产检查的通知</a><span>2024-05-06</span></li>
  <li><a href="http://www.wencheng.gov.cn/art/2024/8/28/art_1229265580_59001.html#top">公共服务“七优享”民生实事项目半年度进度表</a></li>
  <li><a href="javascript:void(0)">民生实事</a></li>
</ul>
<div class="page"><a href="index.html">首页</a> <a href="index.html">上一页</a> <a href="index.html">1</a>
<a href="index_2.html">2</a> <a href="index_3.html">3</a> <a href="index_2.html">下一页</a> <a href="index_3.html">尾页</a>
<a href="/col/col9/index_2.html">其他栏目</a></div>
</body></html>"#;

#[test]
fn plain_list_gives_articles_in_order_resolved_and_deduplicated() {
    let follow = follow();
    let list = discover(
        PLAIN,
        &page("http://www.wencheng.gov.cn/col/col1229265580/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    let urls: Vec<&str> = list.articles.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "http://www.wencheng.gov.cn/art/2024/8/28/art_1229265580_59001.html",
            "http://www.wencheng.gov.cn/art/2024/5/6/art_1229265580_58000.html",
        ]
    );
    assert_eq!(
        list.articles[0].text,
        "公共服务“七优享”民生实事项目半年度进度表"
    );
    assert_eq!(list.form, ListForm::Plain);
}

#[test]
fn title_contains_keeps_only_matching_link_texts() {
    let follow = follow();
    let words = vec!["民生实事".to_string(), "七优享".to_string()];
    let list = discover(
        PLAIN,
        &page("http://www.wencheng.gov.cn/col/col1229265580/index.html"),
        Filter {
            follow: &follow,
            title_contains: &words,
            max_pages: 5,
        },
    );
    assert_eq!(list.articles.len(), 1);
    assert!(list.articles[0]
        .url
        .as_str()
        .ends_with("art_1229265580_59001.html"));
}

#[test]
fn plain_pagination_follows_numbered_next_and_index_n_links_of_the_same_column() {
    let follow = follow();
    let list = discover(
        PLAIN,
        &page("http://www.wencheng.gov.cn/col/col1229265580/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    let pages: Vec<&str> = list.next_pages.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(
        pages,
        vec![
            "http://www.wencheng.gov.cn/col/col1229265580/index_2.html",
            "http://www.wencheng.gov.cn/col/col1229265580/index_3.html",
        ]
    );
}

#[test]
fn base_href_decides_how_relative_links_resolve() {
    let follow = follow();
    let html = r#"<html><head><base href="http://www.example.gov.cn/"></head><body>
            <a href="art/2024/1/2/art_1_2.html">民生实事</a></body></html>"#;
    let list = discover(
        html,
        &page("http://www.example.gov.cn/col/col1/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    assert_eq!(
        list.articles[0].url.as_str(),
        "http://www.example.gov.cn/art/2024/1/2/art_1_2.html"
    );
}

const HANWEB: &str = r#"<html><head><title>民生实事</title></head><body>
<div class="nav"><a href="/">首页</a></div>
<div id="5372934"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3018&path=/&columnid=1229265580&unitid=5372934&webname=%E9%9D%92%E7%94%B0%E5%8E%BF&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[
<li><a href="/art/2024/12/30/art_1229265580_60102.html" title="青田县2024年民生实事项目年度进度表" target="_blank">青田县2024年民生实事项目年度进度表</a><span>2024-12-30</span></li>
]]></record>
<record><![CDATA[
<li><a href="http://www.qingtian.gov.cn/art/2024/8/29/art_1229265580_59871.html" target="_blank">青田县2024年民生实事项目半年度进度表</a><span>2024-08-29</span></li>
]]></record>
</recordset>
<totalrecord>6</totalrecord><totalpage>3</totalpage>
</datastore></script></div>
<script>var jpage = new Pager({unitid:'5372934', perpage:2});</script>
</body></html>"#;

#[test]
fn hanweb_datastore_records_are_articles() {
    let follow = follow();
    let list = discover(
        HANWEB,
        &page("http://www.qingtian.gov.cn/col/col1229265580/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    let urls: Vec<&str> = list.articles.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "http://www.qingtian.gov.cn/art/2024/12/30/art_1229265580_60102.html",
            "http://www.qingtian.gov.cn/art/2024/8/29/art_1229265580_59871.html",
        ]
    );
    assert_eq!(
        list.articles[1].text,
        "青田县2024年民生实事项目半年度进度表"
    );
    assert_eq!(
        list.form,
        ListForm::HanwebDatastore {
            total_pages: Some(3),
            total_records: Some(6)
        }
    );
}

/// The HANWEB page as the older templates serve it: no data proxy link.
fn hanweb_without_proxy() -> String {
    HANWEB
        .lines()
        .filter(|l| !l.contains("<nextgroup>"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn hanweb_with_a_proxy_asks_it_for_the_records_after_the_page_s_own() {
    let follow = follow();
    let list = discover(
        HANWEB,
        &page("http://www.qingtian.gov.cn/col/col1229265580/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    let pages: Vec<(&str, usize)> = list
        .next_pages
        .iter()
        .map(|p| (p.url.as_str(), p.pages))
        .collect();
    assert_eq!(
            pages,
            vec![(
                "http://www.qingtian.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=6&perpage=2",
                2
            )]
        );
    let form = list.next_pages[0].form.clone().unwrap();
    let names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "appid",
            "webid",
            "path",
            "columnid",
            "unitid",
            "webname",
            "permissiontype"
        ]
    );
    assert_eq!(form[5].1, "青田县");
    assert_eq!(list.stated_pages, Some(3));
}

#[test]
fn hanweb_proxy_requests_stop_at_max_list_pages() {
    let follow = follow();
    let list = discover(
        HANWEB,
        &page("http://www.qingtian.gov.cn/col/col1229265580/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 2,
        },
    );
    let pages: Vec<&str> = list.next_pages.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(
            pages,
            vec!["http://www.qingtian.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2"]
        );
}

#[test]
fn a_proxy_answer_lists_records_and_no_further_pages() {
    let follow = follow();
    let list = discover(
            HANWEB,
            &page("http://www.qingtian.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=6&perpage=2"),
            Filter {
                follow: &follow,
                title_contains: &[],
                max_pages: 5,
            },
        );
    assert_eq!(list.articles.len(), 2);
    assert!(list.next_pages.is_empty());
}

const TRS: &str = r#"<html><body><ul class="list">
<li><a href="./202408/t20240828_1.html">民生实事半年度进度表</a></li>
</ul><script>var currentPage = 0; var countPage = 3;
createPageHTML(countPage, currentPage, "index", "html");</script></body></html>"#;

#[test]
fn trs_pager_gives_index_n_pages_beside_the_list_page() {
    let follow = Regex::new(r"/t\d{8}_\d+\.html$").unwrap();
    let list = discover(
        TRS,
        &page("http://www.pingyang.gov.cn/col/zfxxgk/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    let pages: Vec<&str> = list.next_pages.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(
        pages,
        vec![
            "http://www.pingyang.gov.cn/col/zfxxgk/index_1.html",
            "http://www.pingyang.gov.cn/col/zfxxgk/index_2.html",
        ]
    );
    assert_eq!(
        list.articles[0].url.as_str(),
        "http://www.pingyang.gov.cn/col/zfxxgk/202408/t20240828_1.html"
    );
    assert_eq!(list.form, ListForm::Trs { count_pages: 3 });
    assert_eq!(list.stated_pages, Some(3));
}

#[test]
fn a_stated_page_count_is_reported_for_plain_lists() {
    let follow = follow();
    let list = discover(
        &PLAIN.replace("<div class=\"page\">", "<div class=\"page\">共3页 "),
        &page("http://www.wencheng.gov.cn/col/col1229265580/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    assert_eq!(list.stated_pages, Some(3));
}

#[test]
fn hanweb_without_a_proxy_paginates_by_the_column_url_with_uid_and_page_number() {
    let follow = follow();
    let list = discover(
        &hanweb_without_proxy(),
        &page("http://www.qingtian.gov.cn/col/col1229265580/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    let pages: Vec<&str> = list.next_pages.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(
        pages,
        vec![
            "http://www.qingtian.gov.cn/col/col1229265580/index.html?uid=5372934&pageNum=2",
            "http://www.qingtian.gov.cn/col/col1229265580/index.html?uid=5372934&pageNum=3",
        ]
    );
}

#[test]
fn hanweb_later_page_without_a_proxy_does_not_list_itself_again() {
    let follow = follow();
    let url = page("http://www.qingtian.gov.cn/col/col1229265580/index.html?uid=5372934&pageNum=2");
    let list = discover(
        &hanweb_without_proxy(),
        &url,
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    let pages: Vec<&str> = list.next_pages.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(
        pages,
        vec!["http://www.qingtian.gov.cn/col/col1229265580/index.html?uid=5372934&pageNum=3"]
    );
}

#[test]
fn kept_links_read_back_select_what_the_page_itself_gives() {
    let follow = follow();
    let filter = Filter {
        follow: &follow,
        title_contains: &[],
        max_pages: 5,
    };
    for (html, url) in [
        (
            PLAIN,
            "http://www.wencheng.gov.cn/col/col1229265580/index.html",
        ),
        (
            HANWEB,
            "http://www.qingtian.gov.cn/col/col1229265580/index.html",
        ),
    ] {
        let url = page(url);
        let listing = read(html, &url);
        let json = serde_json::to_string(&listing).unwrap();
        let back: Listing = serde_json::from_str(&json).unwrap();
        assert_eq!(back, listing);
        assert_eq!(back.select(&url, filter), discover(html, &url, filter));
    }
    let hanweb = read(
        HANWEB,
        &page("http://www.qingtian.gov.cn/col/col1229265580/index.html"),
    );
    assert_eq!(
        hanweb.datastore,
        Some(Datastore {
            total_pages: Some(3),
            total_records: Some(6),
            unit: Some("5372934".into()),
            proxy: pager::hanweb_proxy(HANWEB, &page("http://www.qingtian.gov.cn/")),
            records: 2,
        })
    );
}

#[test]
fn a_page_with_no_links_gives_nothing() {
    let follow = follow();
    let list = discover(
        "<html><body><p>系统维护中</p></body></html>",
        &page("http://www.example.gov.cn/col/col1/index.html"),
        Filter {
            follow: &follow,
            title_contains: &[],
            max_pages: 5,
        },
    );
    assert!(list.articles.is_empty());
    assert!(list.next_pages.is_empty());
}
