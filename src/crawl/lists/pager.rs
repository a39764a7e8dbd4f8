//! The pagers county CMSs draw with script instead of `<a>` links, read from a list page's
//! source text. Pure: no network, no disk.
//!
//! - **Hanweb jpage data proxy**: a Hanweb column page holds its first records in a
//!   `<datastore>` and the jpage plugin asks `/module/web/jpage/dataproxy.jsp?startrecord=…
//!   &endrecord=…&perpage=…` (POST, with the column's `col, appid, webid, path, columnid,
//!   sourceContentType, unitid, webname, permissiontype` as form fields) for the rest, a group
//!   of `groupSize` pages at a time. Many Hanweb sites answer `?uid=…&pageNum=N` with page 1
//!   again (the simulated 丽水 column of issue 14 did), so the proxy is the only way to the
//!   later records. The fields come from the jpage call's `ajaxParam`/options, else from the
//!   query of the datastore's `<nextgroup>` link.
//! - **TRS WCM**: `createPageHTML(countPage, currentPage, "index", "html")` draws the pager;
//!   page 1 is `index.html`, page N is `index_{N-1}.html`, beside the list page.
//! - **Declared page counts** (`<totalpage>`, `countPage`, `共N页`, `1/N页`): how many pages
//!   the column says it has, so that a column longer than `max_list_pages` is warned about.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use url::Url;

/// The form fields the jpage plugin posts to the data proxy, in its order.
pub const PROXY_FIELDS: [&str; 9] = [
    "col",
    "appid",
    "webid",
    "path",
    "columnid",
    "sourceContentType",
    "unitid",
    "webname",
    "permissiontype",
];

/// Where the jpage plugin's proxy path is when the page does not name one.
const DEFAULT_PROXY_PATH: &str = "/module/web/jpage/dataproxy.jsp";
/// jpage's defaults when the call does not set them.
const DEFAULT_PER_PAGE: usize = 15;
const DEFAULT_GROUP_SIZE: usize = 3;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|_| unreachable!("static regex")))
}

/// A Hanweb column's data proxy, as its page's jpage call would use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proxy {
    /// The proxy's absolute URL, without query.
    pub url: String,
    /// The form fields, in [`PROXY_FIELDS`] order (those the page gives).
    pub fields: Vec<(String, String)>,
    pub per_page: usize,
    pub group_size: usize,
}

impl Proxy {
    /// The requests that fetch records `first..=last` (1-based), a group at a time, as jpage
    /// asks for them.
    pub fn requests(&self, first: usize, last: usize) -> Vec<(Url, usize)> {
        let Ok(base) = Url::parse(&self.url) else {
            return Vec::new();
        };
        let step = (self.per_page * self.group_size).max(1);
        let mut out = Vec::new();
        let mut start = first.max(1);
        while start <= last {
            let end = (start + step - 1).min(last);
            let mut url = base.clone();
            url.set_query(Some(&format!(
                "startrecord={start}&endrecord={end}&perpage={}",
                self.per_page
            )));
            out.push((url, (end - start + 1).div_ceil(self.per_page.max(1))));
            start = end + 1;
        }
        out
    }
}

/// The value of option `name` in a script's object literal or a query (`name: '1'`,
/// `name:"x"`, `name=1`).
fn option(text: &str, name: &str) -> Option<String> {
    let pattern =
        format!(r#"[{{,\s&?'"]{name}['"]?\s*[:=]\s*(?:'([^']*)'|"([^"]*)"|([^,}}&\s'"]+))"#);
    let re = Regex::new(&pattern).ok()?;
    let c = re.captures(text)?;
    let value = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3))?.as_str();
    Some(value.trim().to_string())
}

fn number_option(text: &str, names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| option(text, n).and_then(|v| v.parse().ok()))
}

/// The text of the jpage call (`$(…).jpage({…})`) and of any script naming the proxy.
fn jpage_scripts(html: &str) -> String {
    static CELL: OnceLock<Regex> = OnceLock::new();
    let scripts = re(&CELL, r"(?is)<script\b([^>]*)>(.*?)</script>");
    scripts
        .captures_iter(html)
        // The datastore's own `<script type="text/xml">` is data, not the call.
        .filter(|c| !c[1].contains("text/xml"))
        .filter_map(|c| c.get(2))
        .map(|m| m.as_str())
        .filter(|s| s.contains("jpage") || s.contains("dataproxy"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `<nextgroup>` link's href, whose query carries the proxy's fields.
fn next_group_href(html: &str) -> Option<String> {
    static CELL: OnceLock<Regex> = OnceLock::new();
    let re = re(
        &CELL,
        r#"(?is)<nextgroup>\s*<!\[CDATA\[.*?href\s*=\s*["']([^"']+)["']"#,
    );
    re.captures(html)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().replace("&amp;", "&"))
}

/// The Hanweb data proxy of a column page, when the page uses one.
pub fn hanweb_proxy(html: &str, base: &Url) -> Option<Proxy> {
    let script = jpage_scripts(html);
    let group = next_group_href(html).filter(|h| h.contains("dataproxy"));
    static PROXY_URL: OnceLock<Regex> = OnceLock::new();
    let named = re(&PROXY_URL, r#"proxyUrl\s*:\s*['"]([^'"]+)['"]"#)
        .captures(&script)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string());
    let path = match (&named, &group) {
        (Some(p), _) => p.clone(),
        (None, Some(href)) => href.split('?').next().unwrap_or(href).to_string(),
        (None, None) if script.contains(".jpage(") => DEFAULT_PROXY_PATH.to_string(),
        (None, None) => return None,
    };
    let mut url = base.join(path.trim()).ok()?;
    url.set_query(None);
    url.set_fragment(None);

    let query: Vec<(String, String)> = group
        .as_deref()
        .and_then(|h| base.join(h).ok())
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    let fields: Vec<(String, String)> = PROXY_FIELDS
        .iter()
        .filter_map(|name| {
            let value = option(&script, name).or_else(|| {
                query
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })?;
            Some((name.to_string(), value))
        })
        .collect();
    // The unit id is what ties the request to this column: without it the proxy cannot
    // answer for this list, so the page is read as if it had no proxy.
    fields.iter().find(|(k, _)| k == "unitid")?;
    Some(Proxy {
        url: url.to_string(),
        fields,
        per_page: number_option(&script, &["perPage", "perpage"])
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_PER_PAGE),
        group_size: number_option(&script, &["groupSize", "groupsize"])
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_GROUP_SIZE),
    })
}

/// `totalRecord: 33` in a jpage call, when the datastore does not say it.
pub fn script_total_records(html: &str) -> Option<usize> {
    number_option(&jpage_scripts(html), &["totalRecord", "totalrecord"])
}

/// A TRS WCM pager: `createPageHTML(countPage, currentPage, "index", "html")`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrsPager {
    pub count: usize,
    pub current: usize,
    pub stem: String,
    pub ext: String,
}

impl TrsPager {
    /// Page `n` (0-based, as TRS counts) beside `page_url`: `index.html`, `index_1.html`, ….
    pub fn page(&self, page_url: &Url, n: usize) -> Option<Url> {
        let name = if n == 0 {
            format!("{}.{}", self.stem, self.ext)
        } else {
            format!("{}_{n}.{}", self.stem, self.ext)
        };
        page_url.join(&name).ok()
    }
}

/// Reads the `createPageHTML(…)` call. Its arguments may be numbers or the names of
/// variables set earlier (`var countPage = 5;`); newer templates put a div id first and the
/// record count last (`createPageHTML('page_div', 5, 0, 'index', 'html', 68)`).
pub fn trs_pager(html: &str) -> Option<TrsPager> {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = re(&CALL, r"createPageHTML\s*\(([^)]*)\)")
        .captures_iter(html)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .find(|args| !args.contains("function"))?;
    let mut numbers = Vec::new();
    let mut strings = Vec::new();
    for arg in call.split(',').map(str::trim) {
        let quoted = (arg.starts_with('"') && arg.ends_with('"') && arg.len() >= 2)
            || (arg.starts_with('\'') && arg.ends_with('\'') && arg.len() >= 2);
        if quoted {
            if numbers.len() >= 2 {
                strings.push(arg[1..arg.len() - 1].to_string());
            }
        } else if let Ok(n) = arg.parse::<usize>() {
            numbers.push(n);
        } else if let Some(n) = variable(html, arg) {
            numbers.push(n);
        } else {
            return None;
        }
    }
    let (count, current) = (*numbers.first()?, *numbers.get(1)?);
    let stem = strings.first().cloned().unwrap_or_else(|| "index".into());
    let ext = strings.get(1).cloned().unwrap_or_else(|| "html".into());
    let safe = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !safe(&stem) || !safe(&ext) {
        return None;
    }
    Some(TrsPager {
        count,
        current,
        stem,
        ext,
    })
}

/// The number a script variable is set to (`var countPage = 5;`, `countPage=5`).
fn variable(html: &str, name: &str) -> Option<usize> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let re = Regex::new(&format!(r"\b{name}\s*=\s*(\d+)")).ok()?;
    re.captures(html)?.get(1)?.as_str().parse().ok()
}

/// The number of pages a plain list's pager text states: `共5页`, `1/5页`, `第1页/共5页`.
pub fn stated_pages(text: &str) -> Option<usize> {
    static CELL: OnceLock<Regex> = OnceLock::new();
    let re = re(&CELL, r"共\s*(\d{1,6})\s*页|\d{1,6}\s*/\s*(\d{1,6})\s*页");
    re.captures_iter(text)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .filter_map(|m| m.as_str().parse().ok())
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://www.lishui.gov.cn/col/col1229287845/index.html").unwrap()
    }

    const JPAGE: &str = r#"<div id="4436567"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=2747&path=/&columnid=1229287845&unitid=4436567&webname=%E4%B8%BD%E6%B0%B4%E5%B8%82&permissiontype=0"></a>]]></nextgroup>
<recordset></recordset><totalrecord>11</totalrecord><totalpage>3</totalpage></datastore></script></div>
<script>$(document).ready(function(){ $('#4436567').jpage({ dataStore: dataStore, perPage: 4, groupSize: 1, proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: { col: 1, appid: 1, webid: 2747, path: '/', columnid: 1229287845, sourceContentType: 1, unitid: 4436567, webname: '丽水市人民政府', permissiontype: 0 } }); });</script>"#;

    #[test]
    fn jpage_call_gives_the_proxy_its_fields_and_page_size() {
        let proxy = hanweb_proxy(JPAGE, &base()).unwrap();
        assert_eq!(
            proxy.url,
            "http://www.lishui.gov.cn/module/web/jpage/dataproxy.jsp"
        );
        let fields: Vec<(&str, &str)> = proxy
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("col", "1"),
                ("appid", "1"),
                ("webid", "2747"),
                ("path", "/"),
                ("columnid", "1229287845"),
                ("sourceContentType", "1"),
                ("unitid", "4436567"),
                ("webname", "丽水市人民政府"),
                ("permissiontype", "0"),
            ]
        );
        assert_eq!((proxy.per_page, proxy.group_size), (4, 1));
    }

    #[test]
    fn next_group_link_gives_the_fields_when_the_call_has_none() {
        let html = r#"<datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&amp;appid=1&amp;webid=3018&amp;path=/&amp;columnid=77&amp;unitid=5372934&amp;webname=%E9%9D%92%E7%94%B0%E5%8E%BF&amp;permissiontype=0"></a>]]></nextgroup></datastore>"#;
        let proxy = hanweb_proxy(html, &base()).unwrap();
        assert_eq!(
            proxy.fields,
            vec![
                ("appid".to_string(), "1".to_string()),
                ("webid".into(), "3018".into()),
                ("path".into(), "/".into()),
                ("columnid".into(), "77".into()),
                ("unitid".into(), "5372934".into()),
                ("webname".into(), "青田县".into()),
                ("permissiontype".into(), "0".into()),
            ]
        );
        assert_eq!((proxy.per_page, proxy.group_size), (15, 3));
    }

    #[test]
    fn a_page_without_jpage_or_proxy_link_has_no_proxy() {
        let html = r#"<datastore><recordset></recordset><totalpage>3</totalpage></datastore>
            <script>var unitid = 5372934;</script>"#;
        assert_eq!(hanweb_proxy(html, &base()), None);
    }

    #[test]
    fn proxy_requests_cover_the_records_a_group_at_a_time() {
        let proxy = Proxy {
            url: "http://www.lishui.gov.cn/module/web/jpage/dataproxy.jsp".into(),
            fields: Vec::new(),
            per_page: 15,
            group_size: 3,
        };
        let got: Vec<(String, usize)> = proxy
            .requests(46, 100)
            .into_iter()
            .map(|(u, pages)| (u.to_string(), pages))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "http://www.lishui.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15".to_string(),
                    3
                ),
                (
                    "http://www.lishui.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=100&perpage=15".to_string(),
                    1
                ),
            ]
        );
        assert!(proxy.requests(101, 100).is_empty());
    }

    #[test]
    fn trs_pager_reads_literal_and_variable_arguments() {
        assert_eq!(
            trs_pager(r#"<script>createPageHTML(3, 0, "index", "html");</script>"#),
            Some(TrsPager {
                count: 3,
                current: 0,
                stem: "index".into(),
                ext: "html".into()
            })
        );
        let vars = r#"<script language="JavaScript">
var currentPage = 1;//所在页从0开始
var prevPage = currentPage-1
var countPage = 4//共多少页数
createPageHTML(countPage, currentPage, "index", "shtml");</script>"#;
        assert_eq!(
            trs_pager(vars),
            Some(TrsPager {
                count: 4,
                current: 1,
                stem: "index".into(),
                ext: "shtml".into()
            })
        );
        let newer = r#"createPageHTML('page_div',5, 0,'index','html',68);"#;
        assert_eq!(trs_pager(newer).map(|p| (p.count, p.current)), Some((5, 0)));
    }

    #[test]
    fn trs_function_definition_is_not_a_pager() {
        let html = "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}";
        assert_eq!(trs_pager(html), None);
    }

    #[test]
    fn trs_page_n_is_index_underscore_n_beside_the_list_page() {
        let pager = trs_pager(r#"createPageHTML(3, 0, "index", "html");"#).unwrap();
        let got: Vec<String> = (0..3)
            .filter_map(|n| pager.page(&base(), n))
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            got,
            vec![
                "http://www.lishui.gov.cn/col/col1229287845/index.html",
                "http://www.lishui.gov.cn/col/col1229287845/index_1.html",
                "http://www.lishui.gov.cn/col/col1229287845/index_2.html",
            ]
        );
    }

    #[test]
    fn stated_page_counts_are_read_in_the_usual_forms() {
        assert_eq!(stated_pages("共4条 1/2页 首页"), Some(2));
        assert_eq!(stated_pages("第1页/共12页"), Some(12));
        assert_eq!(stated_pages("共 7 页"), Some(7));
        assert_eq!(stated_pages("2024年1月"), None);
    }
}
