//! An article's attachment links (DESIGN "Attachments"). Pure: HTML text and the page's URL
//! in, links out.
//!
//! A link is an attachment when its URL path, a `filename` / `fileName` query parameter, or
//! its text ends in one of [`ATTACHMENT_EXTENSIONS`] (any case): `/attach/0/进度表.xlsx`,
//! `/module/download/downfile.jsp?classid=0&filename=2407051.xlsx`, and `<a href="/d?id=7">
//! 附件：进度表.docx</a>`. Only http(s) URLs are kept, each once (the first link wins), in
//! document order.
//!
//! (The example is the test `module_example` at the end of this file.)

use super::dom::{Document, NodeData};
use super::text::element_text;
use html5ever::local_name;
use url::Url;

/// The extensions of the documents an article may attach (lowercase).
pub const ATTACHMENT_EXTENSIONS: &[&str] =
    &["xls", "xlsx", "et", "ods", "doc", "docx", "wps", "pdf"];

/// One attachment link of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentLink {
    /// Absolute http(s) URL.
    pub url: String,
    /// The link's text, whitespace-normalized; None when it has none.
    pub link_text: Option<String>,
    /// The attachment extension that made it one (lowercase), from the path, the file-name
    /// parameter or the text, in that order.
    pub extension: String,
}

/// The attachment extension `name` ends in (lowercase), if any.
pub fn attachment_extension(name: &str) -> Option<String> {
    let (_, ext) = name.trim().rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    ATTACHMENT_EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

/// `进度表.xlsx` -> `进度表`: `name` without an attachment extension (other names as they are).
pub fn strip_attachment_extension(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, _)) if attachment_extension(name).is_some() => stem,
        _ => name,
    }
}

/// `%E8%BF%9B` -> the characters they encode (lossy UTF-8).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file name a URL names: a `filename` / `fileName` query parameter (download
/// endpoints), else the last path segment, percent-decoded; None for an empty one.
pub fn file_name_of(url: &Url) -> Option<String> {
    if let Some((_, v)) = url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case("filename"))
    {
        return Some(v.into_owned()).filter(|v| !v.trim().is_empty());
    }
    let last = url.path_segments()?.next_back()?;
    Some(percent_decoded(last)).filter(|n| !n.is_empty())
}

/// Why `url` (with link text `text`) is an attachment: the extension it ends in.
fn extension_of(url: &Url, text: &str) -> Option<String> {
    let path = percent_decoded(url.path());
    attachment_extension(&path)
        .or_else(|| {
            url.query_pairs()
                .filter(|(k, _)| k.eq_ignore_ascii_case("filename"))
                .find_map(|(_, v)| attachment_extension(&v))
        })
        .or_else(|| attachment_extension(text))
}

/// The attachment links of the HTML page `html` found at `base`.
#[cfg(test)]
pub fn attachment_links(html: &str, base: &Url) -> Vec<AttachmentLink> {
    attachment_links_of(&Document::parse(html), base)
}

/// The attachment links of an already parsed document (see [`attachment_links`]).
pub fn attachment_links_of(doc: &Document, base: &Url) -> Vec<AttachmentLink> {
    let Some(root) = doc.root_element() else {
        return Vec::new();
    };
    let mut out: Vec<AttachmentLink> = Vec::new();
    for id in doc.descendants(root) {
        let NodeData::Element(el) = doc.data(id) else {
            continue;
        };
        if *el.name() != local_name!("a") {
            continue;
        }
        let Some(href) = el.attr(&local_name!("href")) else {
            continue;
        };
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        let text = element_text(doc, id);
        let Some(extension) = extension_of(&url, &text) else {
            continue;
        };
        let mut url = url;
        url.set_fragment(None);
        let url = url.to_string();
        if out.iter().any(|l| l.url == url) {
            continue;
        }
        out.push(AttachmentLink {
            url,
            link_text: (!text.is_empty()).then_some(text),
            extension,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(html: &str) -> Vec<(String, Option<String>, String)> {
        let base = Url::parse("http://www.ts.gov.cn/art/2024/7/5/art_1_2.html").unwrap();
        attachment_links(html, &base)
            .into_iter()
            .map(|l| (l.url, l.link_text, l.extension))
            .collect()
    }

    fn one(url: &str, text: Option<&str>, ext: &str) -> (String, Option<String>, String) {
        (url.into(), text.map(str::to_string), ext.into())
    }

    #[test]
    fn a_path_ending_in_an_attachment_extension_any_case_is_an_attachment() {
        assert_eq!(
            links(
                "<a href='/attach/0/a.XLSX'>进度表</a><a href='b.Doc'>b</a>\
                 <a href='http://x.gov.cn/c.pdf'>c</a><a href='d.et'></a><a href='e.wps'>e</a>\
                 <a href='f.ods'>f</a><a href='g.xls'>g</a><a href='h.docx'>h</a>"
            ),
            [
                one(
                    "http://www.ts.gov.cn/attach/0/a.XLSX",
                    Some("进度表"),
                    "xlsx"
                ),
                one("http://www.ts.gov.cn/art/2024/7/5/b.Doc", Some("b"), "doc"),
                one("http://x.gov.cn/c.pdf", Some("c"), "pdf"),
                one("http://www.ts.gov.cn/art/2024/7/5/d.et", None, "et"),
                one("http://www.ts.gov.cn/art/2024/7/5/e.wps", Some("e"), "wps"),
                one("http://www.ts.gov.cn/art/2024/7/5/f.ods", Some("f"), "ods"),
                one("http://www.ts.gov.cn/art/2024/7/5/g.xls", Some("g"), "xls"),
                one(
                    "http://www.ts.gov.cn/art/2024/7/5/h.docx",
                    Some("h"),
                    "docx"
                ),
            ]
        );
    }

    #[test]
    fn a_download_endpoint_is_an_attachment_by_its_filename_parameter() {
        assert_eq!(
            links(
                "<a href='/module/download/downfile.jsp?classid=0&amp;filename=2407051.xlsx'>下载</a>\
                 <a href='/d.jsp?fileName=%E8%BF%9B%E5%BA%A6.DOCX'>附件</a>"
            ),
            [
                one(
                    "http://www.ts.gov.cn/module/download/downfile.jsp?classid=0&filename=2407051.xlsx",
                    Some("下载"),
                    "xlsx"
                ),
                one(
                    "http://www.ts.gov.cn/d.jsp?fileName=%E8%BF%9B%E5%BA%A6.DOCX",
                    Some("附件"),
                    "docx"
                ),
            ]
        );
    }

    #[test]
    fn a_link_whose_text_names_an_attachment_is_one() {
        assert_eq!(
            links("<a href='/get?id=7'> 附件：2024年民生实事进度表.xlsx </a>"),
            [one(
                "http://www.ts.gov.cn/get?id=7",
                Some("附件：2024年民生实事进度表.xlsx"),
                "xlsx"
            )]
        );
    }

    #[test]
    fn pages_other_schemes_and_repeats_are_not_attachments() {
        assert_eq!(
            links(
                "<a href='/art/2.html'>上一篇</a><a href='mailto:a@b.cn'>x.xls</a>\
                 <a href='javascript:void(0)'>y.doc</a><a>z.xls</a><a href='/f.xlsx.html'>f</a>\
                 <a href='/a.xls#top'>1</a><a href='/a.xls'>2</a>"
            ),
            [one("http://www.ts.gov.cn/a.xls", Some("1"), "xls")]
        );
    }

    #[test]
    fn extensions_are_stripped_only_when_they_are_attachment_extensions() {
        assert_eq!(strip_attachment_extension("进度表.XLSX"), "进度表");
        assert_eq!(strip_attachment_extension("v1.2 进度"), "v1.2 进度");
        assert_eq!(strip_attachment_extension("进度表"), "进度表");
    }
}

#[cfg(test)]
mod module_example {
    #[test]
    fn module_example() {
        use crate::extract::links::attachment_links;
        let base = url::Url::parse("http://www.wencheng.gov.cn/art/2024/8/28/1.html").unwrap();
        let links = attachment_links(
            "<p><a href='/attach/0/jd.XLSX'>附件1</a> <a href='/art/2.html'>上一篇</a></p>",
            &base,
        );
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].url, "http://www.wencheng.gov.cn/attach/0/jd.XLSX");
        assert_eq!(links[0].extension, "xlsx");
    }
}
