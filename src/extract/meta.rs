//! Page metadata as written on the page: the headline, 来源, 发布机构, 发布日期 and the 备注
//! lines. Values are kept as text; `normalize` types them (dates) and chooses among them.
//!
//! County templates put these in a metadata line (`发布日期:2024-08-28 16:34:00 来源:文成县
//! 浏览量:`), in a 信息公开 key/value table (`发布机构 | 泰顺县人民政府办公室`), or both. A
//! label counts only where it stands as a label: `资金来源：` inside a project text is not
//! 来源, and 成文日期 is never a publication date.

use super::Line;

/// Metadata text found on the page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageMeta {
    /// The article headline.
    pub title: Option<String>,
    /// Values labelled 来源 / 信息来源, in document order.
    pub sources: Vec<String>,
    /// Values labelled 发布机构.
    pub issuers: Vec<String>,
    /// Values labelled 发布日期 / 发布时间 (raw text starting at the date).
    pub published: Vec<String>,
    /// 备注 lines outside tables, without the label, deduplicated, in document order.
    pub notes: Vec<String>,
    /// Heading candidates (`<h1>`–`<h3>`, title-classed elements), in document order: where
    /// a page may state its cut-off date when its title does not.
    pub headings: Vec<String>,
}

/// The raw text of a line names a label this module reads (or a 备注).
pub fn mentions_label(raw: &str) -> bool {
    names_label(raw, true)
}

/// Whether `text` holds 来源, 发布机构, 发布日期 or 发布时间 (and, with `notes`, 备注) anywhere,
/// label or not: the quick test that passes over the many lines without one.
///
/// A byte scan instead of a regex: the walk asks this of every line of the page, most of them
/// a few characters of chrome, where a regex's per-search set-up costs more than the scan.
/// Each label starts with 来, 发 or 备, whose UTF-8 encodings start with the byte 0xE5 or
/// 0xE6; such a byte always starts a character, so the comparisons stay on character bounds.
fn names_label(text: &str, notes: bool) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = bytes[from..].iter().position(|&b| b == 0xE5 || b == 0xE6) {
        let rest = &bytes[from + at..];
        let starts = |label: &str| rest.starts_with(label.as_bytes());
        if starts("来源")
            || (notes && starts("备注"))
            || (starts("发布") && {
                let after = &rest["发布".len()..];
                ["机构", "日期", "时间"]
                    .iter()
                    .any(|l| after.starts_with(l.as_bytes()))
            })
        {
            return true;
        }
        from += at + 1;
    }
    false
}

/// Words that end a metadata value written on one line with other labels.
const VALUE_STOPS: &[&str] = &[
    "浏览",
    "点击",
    "字体",
    "字号",
    "发布",
    "作者",
    "阅读",
    "访问",
    "打印",
    "分享",
    "责任编辑",
    "编辑",
    "信息来源",
    "来源",
    "【",
    "[",
    "|",
    "｜",
];

/// Chooses and reads the metadata from what the document walk saw.
pub fn collect(
    article_title: Option<String>,
    html_title: Option<String>,
    lines: &[Line],
    headings: &[String],
) -> PageMeta {
    let sources = labelled(lines, &["信息来源", "文章来源", "来源"])
        .into_iter()
        .filter_map(|v| first_word(&v))
        .collect();
    let issuers = labelled(lines, &["发布机构"])
        .into_iter()
        .filter_map(|v| first_word(&v))
        .collect();
    let published = labelled(lines, &["发布日期", "发布时间"]);

    let mut notes: Vec<String> = Vec::new();
    for line in lines.iter().filter(|l| !l.in_table) {
        if let Some(note) = strip_note_label(&line.text) {
            if !note.is_empty() && !notes.contains(&note) {
                notes.push(note);
            }
        }
    }

    PageMeta {
        title: choose_title(article_title, html_title, headings),
        sources,
        issuers,
        published,
        notes,
        headings: headings.to_vec(),
    }
}

/// `备注：xxx` -> `xxx`; `None` when the text does not start with the 备注 label.
pub fn strip_note_label(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix("备注")?;
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '：'));
    Some(rest.trim().to_string())
}

/// The headline: the CMS's ArticleTitle meta, else the heading that the `<title>`'s first
/// segment names (exactly, else by containment), else that segment, else the first heading.
/// A text that is only the site's or an agency's name (`文成县人民政府`, `泰顺县发展和改革局`,
/// `…门户网站`) is never the headline: such a `<title>` segment is passed over for the next,
/// and such a heading for the article's own.
fn choose_title(
    article_title: Option<String>,
    html_title: Option<String>,
    headings: &[String],
) -> Option<String> {
    if let Some(title) = article_title.filter(|t| !is_site_name(t)) {
        return Some(title);
    }
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let headings: Vec<&String> = headings.iter().filter(|h| !is_site_name(h)).collect();
    let segment = html_title
        .as_deref()
        .and_then(|t| segments(t).into_iter().find(|s| !is_site_name(s)));
    if let Some(segment) = segment {
        let seg = squeeze(segment);
        let exact = headings.iter().find(|h| squeeze(h) == seg);
        let near = || {
            headings.iter().find(|h| {
                let h = squeeze(h);
                h.chars().count() >= 4 && (h.contains(&seg) || seg.contains(&h))
            })
        };
        return Some(
            exact
                .or_else(near)
                .map(|h| h.to_string())
                .unwrap_or_else(|| segment.to_string()),
        );
    }
    headings.first().map(|h| h.to_string())
}

/// `进度表 - 文成县人民政府` -> [`进度表`, `文成县人民政府`]: a `<title>`'s parts around the
/// separators CMSs put before the site name.
fn segments(title: &str) -> Vec<&str> {
    const SEPARATORS: &[&str] = &[" - ", " _ ", "_", "|", "｜", " — ", "－", "--", " -"];
    let mut out = Vec::new();
    let mut rest = title;
    loop {
        let next = SEPARATORS
            .iter()
            .filter_map(|sep| rest.find(sep).map(|at| (at, sep.len())))
            .filter(|&(at, _)| at > 0)
            .min();
        let (end, skip) = next.unwrap_or((rest.len(), 0));
        let segment = rest[..end].trim().trim_matches('-').trim();
        if !segment.is_empty() {
            out.push(segment);
        }
        if next.is_none() {
            return out;
        }
        rest = &rest[end + skip..];
    }
}

/// A text that names a site or an agency and nothing else: `文成县人民政府`,
/// `泰顺县发展和改革局`, `浙江政务服务网`, `…门户网站`. An article's title says what it is about
/// (a year, 进度, 民生实事, 通知…), which a bare name never does.
pub fn is_site_name(text: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "人民政府",
        "政府",
        "门户网站",
        "网站",
        "政务网",
        "服务网",
        "政府网",
        "局",
        "委员会",
        "委",
        "办公室",
        "办",
        "中心",
        "信息公开",
        "政府信息公开",
    ];
    const ABOUT: &[&str] = &[
        "进度", "进展", "民生", "实事", "项目", "情况", "通知", "公告", "报告", "计划", "关于",
        "表",
    ];
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    !text.is_empty()
        && text.chars().count() <= 24
        && !text.chars().any(|c| c.is_ascii_digit())
        && ENDINGS.iter().any(|e| text.ends_with(e))
        && !ABOUT.iter().any(|w| text.contains(w))
}

/// Values written after any of `labels`: `label:value` on one line, or a line holding only the
/// label (a key/value table cell) followed by the value on the next line.
fn labelled(lines: &[Line], labels: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let text = line.text.as_str();
        if !names_label(text, false) {
            continue;
        }
        let mut search_from = 0;
        while let Some((at, label)) = find_label(text, search_from, labels) {
            search_from = at + label.len();
            let rest = &text[at + label.len()..];
            let trimmed = rest.trim_start();
            if let Some(value) = trimmed
                .strip_prefix(':')
                .or_else(|| trimmed.strip_prefix('：'))
            {
                let value = value.trim();
                if starts_with_label(value) {
                    // `来源： 作者：张三`: the label is empty; the rest is the next label's.
                } else if !value.is_empty() {
                    values.push(value.to_string());
                } else if let Some(next) = lines.get(i + 1).filter(|n| !is_label_line(&n.text)) {
                    values.push(next.text.clone());
                }
            } else if trimmed.is_empty() && text[..at].trim().is_empty() {
                if let Some(next) = lines.get(i + 1).filter(|n| !is_label_line(&n.text)) {
                    values.push(next.text.clone());
                }
            }
        }
    }
    values
}

/// Labels of metadata lines and 信息公开 tables, read or not: a value never starts with one.
const LABELS: &[&str] = &[
    "信息来源",
    "文章来源",
    "来源",
    "发布机构",
    "发布日期",
    "发布时间",
    "作者",
    "撰稿",
    "供稿",
    "责任编辑",
    "编辑",
    "审核",
    "校对",
    "摄影",
    "浏览次数",
    "浏览量",
    "浏览",
    "点击数",
    "点击率",
    "点击",
    "访问量",
    "阅读量",
    "阅读",
    "字体",
    "字号",
    "索引号",
    "文号",
    "发文字号",
    "成文日期",
    "主题分类",
    "信息分类",
    "有效性",
    "发布人",
];

/// `作者：张三`, `浏览次数: 12`, `作者`: the text begins with a label (a known one standing
/// alone or before a colon, or up to five Chinese characters before a colon).
fn starts_with_label(text: &str) -> bool {
    let text = text.trim_start();
    let colon_after = |rest: &str| {
        let rest = rest.trim_start();
        rest.is_empty() || rest.starts_with(':') || rest.starts_with('：')
    };
    if LABELS
        .iter()
        .any(|l| text.strip_prefix(l).is_some_and(colon_after))
    {
        return true;
    }
    let han = text.chars().take_while(|c| is_han(*c)).count();
    (1..=5).contains(&han)
        && text
            .char_indices()
            .nth(han)
            .is_some_and(|(at, _)| matches!(text[at..].chars().next(), Some(':' | '：')))
}

/// A line that is a label itself (`作者：`, `浏览次数：12`, `发布机构`), so it is no value of the
/// label before it.
fn is_label_line(text: &str) -> bool {
    starts_with_label(text)
}

/// The first occurrence at or after `from` of a label that stands as a label: at the start,
/// or after a character that is not a Chinese character.
fn find_label<'l>(text: &str, from: usize, labels: &[&'l str]) -> Option<(usize, &'l str)> {
    let mut best: Option<(usize, &str)> = None;
    for &label in labels {
        let mut start = from;
        while let Some(pos) = text[start..].find(label) {
            let at = start + pos;
            let before = text[..at].chars().next_back();
            let stands_alone = before.is_none_or(|c| !is_han(c));
            if stands_alone {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, label));
                }
                break;
            }
            start = at + label.len();
        }
    }
    best
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFD)
}

/// A publisher value written on a metadata line: up to the first space or the next label.
fn first_word(value: &str) -> Option<String> {
    let mut end = value.find(char::is_whitespace).unwrap_or(value.len());
    for stop in VALUE_STOPS {
        if let Some(at) = value[..end].find(stop) {
            if at > 0 {
                end = end.min(at);
            }
        }
    }
    let word = value[..end].trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '：' | ',' | '，' | ';' | '；')
    });
    (!word.is_empty()).then(|| word.to_string())
}

#[cfg(test)]
mod tests;
