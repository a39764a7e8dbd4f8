//! JSON lists: a column whose items a provincial 集约化 platform serves from a JSON endpoint
//! (the page itself holds only an empty `<ul>` and a script that fills it). The endpoint
//! cannot be guessed from the page, so the source describes it in the config:
//!
//! ```toml
//! list_json = { url = "https://www.example.gov.cn/api/col/1229?page={page}&size=20",
//!               items = "data.list", url_field = "url", title_field = "title" }
//! ```
//!
//! `{page}` in the URL is the 1-based page number (without it there is one page); `items` is
//! the dotted path to the array of items (empty: the document is the array); `url_field` and
//! `title_field` are dotted paths inside an item. Pure: no network.

use super::{Link, Listing};
use serde_json::Value;
use url::Url;

/// A configured JSON list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonList {
    pub url: String,
    pub items: String,
    pub url_field: String,
    pub title_field: String,
}

/// Why a JSON list page gave no links.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonListError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("no array at `{0}`")]
    NoItems(String),
}

impl JsonList {
    /// Whether the URL has a `{page}` place.
    pub(crate) fn paginated(&self) -> bool {
        self.url.contains("{page}")
    }

    /// The URL of page `n` (1-based).
    pub(crate) fn page_url(&self, n: usize) -> Result<Url, url::ParseError> {
        Url::parse(&self.url.replace("{page}", &n.to_string()))
    }

    /// One response as a list page's [`Listing`]: its links, and no pagination of its own
    /// (the pages are `{page}`'s).
    pub(crate) fn listing(&self, text: &str, base: &Url) -> Result<Listing, JsonListError> {
        Ok(Listing {
            links: self.links(text, base)?,
            datastore: None,
            trs: None,
            stated_pages: None,
            json: true,
        })
    }

    /// The links one response lists, resolved against the response's URL; items without a
    /// URL string are left out.
    pub(crate) fn links(&self, text: &str, base: &Url) -> Result<Vec<Link>, JsonListError> {
        let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| JsonListError::NotJson(e.to_string()))?;
        let items = at(&doc, &self.items)
            .and_then(Value::as_array)
            .ok_or_else(|| JsonListError::NoItems(self.items.clone()))?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let href = at(item, &self.url_field)?.as_str()?.trim();
                let mut url = base.join(href).ok()?;
                if !matches!(url.scheme(), "http" | "https") {
                    return None;
                }
                url.set_fragment(None);
                let text = at(item, &self.title_field)
                    .and_then(Value::as_str)
                    .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default();
                Some(Link { url, text })
            })
            .collect())
    }
}

/// The value at a dotted path (`data.list`, `result.0.items`); the empty path is the value.
fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(value, |v, key| match v {
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => v.get(key),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &str) -> JsonList {
        JsonList {
            url: "http://127.0.0.1/api/list?page={page}".into(),
            items: items.into(),
            url_field: "link".into(),
            title_field: "info.title".into(),
        }
    }

    #[test]
    fn items_at_a_dotted_path_give_resolved_links_with_titles() {
        let text = r#"{"code":0,"data":{"list":[
            {"link":"/art/2024/7/1/art_9_1.html","info":{"title":"2024年民生实事  半年度进展"}},
            {"link":"http://www.example.gov.cn/art/2024/12/31/art_9_2.html#x","info":{"title":"年度进展"}},
            {"info":{"title":"没有链接"}},
            {"link":"javascript:void(0)","info":{"title":"脚本"}}
        ]}}"#;
        let base = Url::parse("http://www.example.gov.cn/api/list?page=1").unwrap();
        let links = list("data.list").links(text, &base).unwrap();
        let got: Vec<(&str, &str)> = links
            .iter()
            .map(|l| (l.url.as_str(), l.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "http://www.example.gov.cn/art/2024/7/1/art_9_1.html",
                    "2024年民生实事 半年度进展"
                ),
                (
                    "http://www.example.gov.cn/art/2024/12/31/art_9_2.html",
                    "年度进展"
                ),
            ]
        );
    }

    #[test]
    fn an_empty_items_path_reads_a_top_level_array() {
        let base = Url::parse("http://www.example.gov.cn/list.json").unwrap();
        let links = list("")
            .links(r#"[{"link":"a.html","info":{"title":"甲"}}]"#, &base)
            .unwrap();
        assert_eq!(links[0].url.as_str(), "http://www.example.gov.cn/a.html");
    }

    #[test]
    fn a_missing_array_or_bad_json_is_an_error_naming_it() {
        let base = Url::parse("http://www.example.gov.cn/list.json").unwrap();
        assert_eq!(
            list("data.rows").links(r#"{"data":{}}"#, &base),
            Err(JsonListError::NoItems("data.rows".into()))
        );
        assert!(matches!(
            list("data").links("<html>", &base),
            Err(JsonListError::NotJson(_))
        ));
    }

    #[test]
    fn page_urls_fill_the_page_place() {
        let l = list("data");
        assert!(l.paginated());
        assert_eq!(
            l.page_url(3).unwrap().as_str(),
            "http://127.0.0.1/api/list?page=3"
        );
    }
}
