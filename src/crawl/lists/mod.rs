//! List-page discovery: a column (list) page's HTML -> the article links it lists and the
//! further list pages of its pagination. Pure: no network, no disk.
//!
//! County CMSs serve two forms (fixtures under `tests/sites/`):
//!
//! - **plain lists**: `<ul><li><a href=...>title</a><span>date</span></li>...` with a
//!   pagination bar of `首页 上一页 1 2 3 下一页 尾页` links to `index_2.html`, `index_3.html`
//!   (TRS WCM and most provincial 集约化 templates);
//! - **Hanweb JCMS**: the items sit inside `<script type="text/xml"><datastore><recordset>
//!   <record><![CDATA[<li><a href=...>...</a></li>]]></record>...`, rendered by JavaScript,
//!   with the page count in `<totalpage>`; page N is the column URL with
//!   `?uid=UNITID&pageNum=N` (UNITID is the list module's id, the `<div id>` around the script
//!   or its `unitid` parameter). An HTML parser sees the script as one text node, so the
//!   records are cut out of the source text and each CDATA parsed as a fragment.
//!
//! Further pages come from the pagers in [`pager`] (the Hanweb data proxy, TRS's
//! `createPageHTML`) before `<a>` pagination links; a JSON list configured for a source is read
//! by [`json`].
//!
//! Links are resolved against `<base href>` when present, else the page's URL; fragments are
//! dropped; an article link matches the source's `follow` regex on its absolute URL and, when
//! `title_contains` is given, has one of those words in its text or `title`.

pub mod json;
pub mod pager;

use pager::{Proxy, TrsPager};
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::OnceLock;
use url::Url;

/// What one list page offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// Article links, in page order, without duplicates.
    pub articles: Vec<Link>,
    /// Every link the `follow` pattern matches, before `title_contains` picks: the page's
    /// items, by which a page that repeats an earlier one is known.
    pub items: Vec<Url>,
    /// Further list pages of the same column, in page order, without duplicates.
    pub next_pages: Vec<NextPage>,
    pub form: ListForm,
    /// How many pages the column says it has (`<totalpage>`, `countPage`, `共N页`).
    pub stated_pages: Option<usize>,
}

/// A further list request of a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPage {
    pub url: Url,
    /// Form fields to POST (the Hanweb data proxy); None for a plain GET.
    pub form: Option<Vec<(String, String)>>,
    /// How many of the column's pages the request covers (a proxy request asks for a group).
    pub pages: usize,
}

impl NextPage {
    fn get(url: Url) -> NextPage {
        NextPage {
            url,
            form: None,
            pages: 1,
        }
    }
}

/// A link found on a list page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub url: Url,
    /// The link text, whitespace collapsed (the `title` attribute when the text is empty).
    pub text: String,
}

/// Which list form the page uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListForm {
    Plain,
    /// Hanweb JCMS datastore, with its declared totals.
    HanwebDatastore {
        total_pages: Option<usize>,
        total_records: Option<usize>,
    },
    /// A TRS WCM pager (`createPageHTML`).
    Trs {
        count_pages: usize,
    },
}

/// The article filter of a source, and how many of a column's pages it reads.
#[derive(Debug, Clone, Copy)]
pub struct Filter<'a> {
    pub follow: &'a Regex,
    pub title_contains: &'a [String],
    /// `max_list_pages`: no request is made up for pages past it.
    pub max_pages: usize,
}

impl Filter<'_> {
    /// The link is an article of the source: `follow` matches and a `title_contains` word
    /// (when any is given) is in its text.
    pub fn keeps(&self, link: &Link) -> bool {
        self.follow.is_match(link.url.as_str())
            && (self.title_contains.is_empty()
                || self
                    .title_contains
                    .iter()
                    .any(|w| link.text.contains(w.as_str())))
    }
}

fn selector(css: &'static str, cell: &'static OnceLock<Selector>) -> &'static Selector {
    cell.get_or_init(|| Selector::parse(css).unwrap_or_else(|_| unreachable!("static selector")))
}

fn anchors() -> &'static Selector {
    static CELL: OnceLock<Selector> = OnceLock::new();
    selector("a[href]", &CELL)
}

fn base_selector() -> &'static Selector {
    static CELL: OnceLock<Selector> = OnceLock::new();
    selector("base[href]", &CELL)
}

fn datastore_record() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    CELL.get_or_init(|| {
        Regex::new(r"(?s)<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>")
            .unwrap_or_else(|_| unreachable!())
    })
}

/// The number in `<totalpage>` / `<totalrecord>`.
fn datastore_number(html: &str, tag: &str) -> Option<usize> {
    static CELL: OnceLock<Regex> = OnceLock::new();
    let re = CELL.get_or_init(|| {
        Regex::new(r"<(totalpage|totalrecord)>\s*(\d+)\s*</(?:totalpage|totalrecord)>")
            .unwrap_or_else(|_| unreachable!())
    });
    re.captures_iter(html)
        .find(|c| &c[1] == tag)
        .and_then(|c| c[2].parse().ok())
}

fn hanweb_unit_id() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    CELL.get_or_init(|| {
        Regex::new(r#"(?:<div id="(\d+)">\s*<script type="text/xml">|\bunitid\W{1,3}(\d+))"#)
            .unwrap_or_else(|_| unreachable!())
    })
}

/// Text of an element with whitespace runs collapsed to one space, trimmed.
fn link_text(a: &ElementRef) -> String {
    let text: String = a.text().collect::<Vec<_>>().join(" ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        a.value()
            .attr("title")
            .unwrap_or_default()
            .trim()
            .to_string()
    } else {
        match a.value().attr("title") {
            Some(title) if !title.trim().is_empty() && !text.contains(title.trim()) => {
                format!("{text} {}", title.trim())
            }
            _ => text,
        }
    }
}

/// Resolves `href` against `base`: http(s) only, fragment dropped.
fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// Every `<a href>` of a parsed document or fragment, resolved.
fn links_of(html: &Html, base: &Url) -> Vec<Link> {
    html.select(anchors())
        .filter_map(|a| {
            let url = resolve(base, a.value().attr("href")?)?;
            Some(Link {
                url,
                text: link_text(&a),
            })
        })
        .collect()
}

/// Everything a list page offers before a source's filter picks from it: what [`read`]
/// finds in the HTML. The crawl store keeps it beside the page's stored version, so that a
/// list page that has not changed is not parsed again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// Every link, resolved, in page order (duplicates kept).
    pub links: Vec<Link>,
    /// A Hanweb JCMS datastore, when the page has one.
    pub datastore: Option<Datastore>,
    /// A TRS WCM pager, when the page draws one.
    #[serde(default)]
    pub trs: Option<TrsPager>,
    /// The page count a plain pager's text states (`共N页`, `1/N页`).
    #[serde(default)]
    pub stated_pages: Option<usize>,
    /// A configured JSON list's page: links only, no pagination of its own.
    #[serde(default)]
    pub json: bool,
}

/// What a Hanweb datastore declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Datastore {
    pub total_pages: Option<usize>,
    pub total_records: Option<usize>,
    /// The list module's id, for the `?uid=…&pageNum=N` of pages 2..N.
    pub unit: Option<String>,
    /// The column's data proxy, when the page's jpage call names one.
    #[serde(default)]
    pub proxy: Option<Proxy>,
    /// How many records this page's datastore holds (the proxy is asked for the rest).
    #[serde(default)]
    pub records: usize,
}

/// Reads one list page. `page_url` is the URL the page was served from (after redirects).
/// (The crawl reads a page once and selects per source: [`read`], then `Listing::select`.)
#[cfg(test)]
pub fn discover(html: &str, page_url: &Url, filter: Filter) -> ListPage {
    read(html, page_url).select(page_url, filter)
}

/// Every link of one list page and its datastore: the parse, without any filter.
pub fn read(html: &str, page_url: &Url) -> Listing {
    let doc = Html::parse_document(html);
    let base = doc
        .select(base_selector())
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone());

    let mut links = links_of(&doc, &base);
    let mut records = 0;
    for fragment in datastore_record()
        .captures_iter(html)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
    {
        records += 1;
        links.extend(links_of(&Html::parse_fragment(fragment), &base));
    }
    let datastore = html.contains("<datastore>").then(|| Datastore {
        total_pages: datastore_number(html, "totalpage"),
        total_records: datastore_number(html, "totalrecord")
            .or_else(|| pager::script_total_records(html)),
        unit: hanweb_unit_id().captures(html).and_then(|c| {
            c.get(1)
                .or_else(|| c.get(2))
                .map(|m| m.as_str().to_string())
        }),
        proxy: pager::hanweb_proxy(html, &base),
        records,
    });
    let trs = pager::trs_pager(html);
    let stated_pages = if datastore.is_none() && trs.is_none() {
        pager::stated_pages(&doc.root_element().text().collect::<String>())
    } else {
        None
    };
    Listing {
        links,
        datastore,
        trs,
        stated_pages,
        json: false,
    }
}

/// A Hanweb data proxy's own answer: it lists records and never paginates by itself.
fn is_proxy_answer(url: &Url) -> bool {
    url.path().ends_with("dataproxy.jsp")
}

impl Listing {
    /// What `filter` takes from the page served from `page_url`: its article links and
    /// its further list pages.
    pub fn select(&self, page_url: &Url, filter: Filter) -> ListPage {
        let mut seen = HashSet::new();
        let articles: Vec<Link> = self
            .links
            .iter()
            .filter(|l| filter.keeps(l))
            .filter(|l| seen.insert(l.url.clone()))
            .cloned()
            .collect();
        let mut seen_items = HashSet::new();
        let items: Vec<Url> = self
            .links
            .iter()
            .filter(|l| filter.follow.is_match(l.url.as_str()))
            .filter(|l| seen_items.insert(l.url.clone()))
            .map(|l| l.url.clone())
            .collect();
        if self.json {
            return ListPage {
                articles,
                items,
                next_pages: Vec::new(),
                form: ListForm::Plain,
                stated_pages: None,
            };
        }

        let mut next_pages = Vec::new();
        let mut seen_pages: HashSet<Url> = HashSet::from([page_url.clone()]);
        let mut push = |page: NextPage, next_pages: &mut Vec<NextPage>| {
            if seen_pages.insert(page.url.clone()) {
                next_pages.push(page);
            }
        };
        let max = filter.max_pages;
        let (form, stated_pages) = match (&self.datastore, &self.trs) {
            _ if is_proxy_answer(page_url) => (ListForm::Plain, None),
            (Some(store), _) => {
                let per_page = store.proxy.as_ref().map(|p| p.per_page);
                let stated = store
                    .total_pages
                    .or_else(|| Some(store.total_records?.div_ceil(per_page.unwrap_or(1).max(1))));
                match &store.proxy {
                    Some(proxy) => {
                        // The records of the pages this run may read, past those on the page.
                        let total = store
                            .total_records
                            .or_else(|| Some(store.total_pages? * proxy.per_page))
                            .unwrap_or(0);
                        let last = total.min(max.saturating_mul(proxy.per_page));
                        for (url, pages) in proxy.requests(store.records + 1, last) {
                            let form = Some(proxy.fields.clone());
                            push(NextPage { url, form, pages }, &mut next_pages);
                        }
                    }
                    None => {
                        let mut column = page_url.clone();
                        column.set_query(None);
                        column.set_fragment(None);
                        for n in 2..=store.total_pages.unwrap_or(1).min(max) {
                            let mut url = column.clone();
                            match &store.unit {
                                Some(uid) => url.set_query(Some(&format!("uid={uid}&pageNum={n}"))),
                                None => url.set_query(Some(&format!("pageNum={n}"))),
                            }
                            push(NextPage::get(url), &mut next_pages);
                        }
                    }
                }
                let form = ListForm::HanwebDatastore {
                    total_pages: store.total_pages,
                    total_records: store.total_records,
                };
                (form, stated)
            }
            (None, Some(trs)) => {
                // Page 0 is the column's first page, where the crawl started.
                for n in 1..trs.count.min(max) {
                    if let Some(url) = trs.page(page_url, n) {
                        push(NextPage::get(url), &mut next_pages);
                    }
                }
                let form = ListForm::Trs {
                    count_pages: trs.count,
                };
                (form, Some(trs.count))
            }
            (None, None) => (ListForm::Plain, self.stated_pages),
        };

        for link in &self.links {
            if is_pagination(link, page_url, filter) {
                push(NextPage::get(link.url.clone()), &mut next_pages);
            }
        }
        ListPage {
            articles,
            items,
            next_pages,
            form,
            stated_pages,
        }
    }
}

/// A link of the pagination bar: same host and folder as the list page, not an article, and
/// labelled 下一页 / a page number, or named `index_N.html`.
fn is_pagination(link: &Link, page_url: &Url, filter: Filter) -> bool {
    static INDEX_N: OnceLock<Regex> = OnceLock::new();
    let index_n = INDEX_N
        .get_or_init(|| Regex::new(r"/index_\d+\.s?html?$").unwrap_or_else(|_| unreachable!()));
    if link.url.host_str() != page_url.host_str()
        || link.url.port_or_known_default() != page_url.port_or_known_default()
        || filter.follow.is_match(link.url.as_str())
    {
        return false;
    }
    let folder = |u: &Url| {
        let path = u.path();
        path[..path.rfind('/').map_or(0, |i| i + 1)].to_string()
    };
    if folder(&link.url) != folder(page_url) {
        return false;
    }
    let text = link.text.trim();
    matches!(
        text,
        "下一页" | "下页" | "后一页" | "下一页>" | "下一页>>" | ">"
    ) || (!text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) && text != "1")
        || index_n.is_match(link.url.path())
}

#[cfg(test)]
mod tests;
