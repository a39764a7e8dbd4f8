//! The page-level fields every record repeats (DESIGN.md "Record schema v2", "Page fields"):
//! published_at as a full `+08:00` timestamp and its local date, the source name, the county,
//! the period (as_of, report_year), the document's format and article, and each record's
//! project_key. Pure: the facts come from the page and the [`Context`].
//!
//! The same derivation upgrades a record stored under v1 ([`upgrade_v1`]), from what the
//! record itself carries, so that a store of the last release reads as v2 before any
//! `reparse`.

use super::{county, dates, key, period, Context};
use crate::record::{Record, SourceFormat};

/// What a page says once, copied into each of its records.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageFacts {
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub published_at: Option<String>,
    pub published_date: Option<String>,
    pub source_name: Option<String>,
    pub county: Option<String>,
    pub report_year: Option<i64>,
    pub as_of: Option<String>,
    pub source_format: SourceFormat,
    pub article_url: String,
}

impl PageFacts {
    /// The facts of a page: `others` are the texts besides the title that may state the
    /// cut-off (headings, caption rows above a table's header, notes), in that order.
    pub fn new<'a>(
        ctx: &Context,
        title: Option<String>,
        publisher: Option<String>,
        published_at: Option<String>,
        others: impl IntoIterator<Item = &'a str>,
    ) -> PageFacts {
        let county = county::county(
            ctx.county.as_deref(),
            publisher.as_deref(),
            title.as_deref(),
        );
        let as_of = period::as_of(title.as_deref(), others, published_at.as_deref());
        let report_year =
            period::report_year(title.as_deref(), as_of.as_deref(), published_at.as_deref());
        PageFacts {
            published_date: published_at.as_deref().and_then(dates::local_date),
            source_name: ctx.source_name.clone(),
            county,
            report_year,
            as_of,
            source_format: SourceFormat::Html,
            article_url: ctx.source_url.clone(),
            title,
            publisher,
            published_at,
        }
    }

    /// Sets the page-level fields of `record` and its project_key.
    pub fn fill(&self, record: &mut Record) {
        record.title.clone_from(&self.title);
        record.publisher.clone_from(&self.publisher);
        record.published_at.clone_from(&self.published_at);
        record.published_date.clone_from(&self.published_date);
        record.source_name.clone_from(&self.source_name);
        record.county.clone_from(&self.county);
        record.report_year = self.report_year;
        record.as_of.clone_from(&self.as_of);
        record.source_format = self.source_format;
        record.article_url.clone_from(&self.article_url);
        record.project_key = key::project_key(
            record.county.as_deref(),
            record.report_year,
            record.content.as_deref(),
            record.category.as_deref(),
        );
    }
}

/// Brings a record stored under Record schema v1 to v2 from what it carries: published_at
/// gets its time (`T00:00:00+08:00` for a date alone), the county comes from its publisher or
/// title, the period from its title and publication, article_url is its source_url and the
/// format html (v1 read nothing else). What the record cannot say stays null: source_name
/// (unless given), a cut-off stated only in a heading, and progress_note, which v1 kept in
/// `extra` — `reparse` runs the whole pipeline and fills them. A record already at v2
/// (a non-empty project_key) is left as it is.
pub fn upgrade_v1(record: &mut Record, source_name: Option<&str>) {
    if !record.project_key.is_empty() {
        return;
    }
    let ctx = Context {
        source_url: record.source_url.clone(),
        source_name: source_name.map(str::to_string),
        ..Context::default()
    };
    let facts = PageFacts::new(
        &ctx,
        record.title.clone(),
        record.publisher.clone(),
        record.published_at.as_deref().map(dates::full_timestamp),
        [],
    );
    facts.fill(record);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn v1_record() -> Record {
        serde_json::from_str(
            r#"{"source_url":"http://www.x.gov.cn/a.html","publisher":"泰顺县发展和改革局",
            "title":"泰顺县2024年民生实事项目年度进度表","published_at":"2024-12-30",
            "table_index":0,"row_index":3,"seq":4,"category":"医疗卫生","starred":true,
            "content":"培训应急救护人员300人以上。","completion_pct":100.0,
            "unified_progress":null,"unified_scope":null,"rank_scope":null,"rank":null,
            "status_note":null,"lead_unit":"县红十字会","leader":"张伟","extra":{},
            "fetched_at":"2026-01-01T00:00:00Z","content_sha256":"ab"}"#,
        )
        .unwrap()
    }

    #[test]
    fn facts_come_from_publisher_title_and_publication() {
        let ctx = Context {
            source_url: "file:///a.html".into(),
            ..Context::default()
        };
        let facts = PageFacts::new(
            &ctx,
            Some("公共服务“七优享”民生实事项目半年度进度表".into()),
            Some("文成县".into()),
            Some("2024-08-28T16:34:00+08:00".into()),
            [],
        );
        assert_eq!(facts.county.as_deref(), Some("文成县"));
        assert_eq!(facts.as_of.as_deref(), Some("2024-06-30"));
        assert_eq!(facts.report_year, Some(2024));
        assert_eq!(facts.published_date.as_deref(), Some("2024-08-28"));
        assert_eq!(facts.article_url, "file:///a.html");
        assert_eq!(facts.source_name, None);
    }

    #[test]
    fn configured_county_and_source_name_come_from_the_context() {
        let ctx = Context {
            source_name: Some("文成县 民生实事".into()),
            county: Some("文成县".into()),
            ..Context::default()
        };
        let facts = PageFacts::new(&ctx, None, Some("温州市发改委".into()), None, []);
        assert_eq!(facts.county.as_deref(), Some("文成县"));
        assert_eq!(facts.source_name.as_deref(), Some("文成县 民生实事"));
        assert_eq!((facts.report_year, facts.as_of), (None, None));
    }

    #[test]
    fn a_site_name_title_and_an_empty_source_label_do_not_reach_the_records() {
        // `<title>` is only the site's name; the metadata line's 来源 is empty and followed by
        // 作者; the 发布机构 of the 信息公开 table names the agency.
        let html = "<html><head><title>泰顺县人民政府</title></head><body>\
            <div class=\"title\">泰顺县人民政府</div>\
            <h1>泰顺县2024年民生实事项目第三季度进度表</h1>\
            <p>发布日期：2024-10-15 来源： 作者：张三 浏览次数：</p>\
            <table><tr><td>发布机构</td><td>泰顺县发展和改革局</td></tr></table>\
            <table><tr><td>序号</td><td>项目内容</td><td>完成率(%)</td><td>牵头单位</td><td>进展情况</td></tr>\
            <tr><td>1</td><td>新增养老床位100张。</td><td>80</td><td>县民政局</td><td>已完成主体</td></tr></table>\
            </body></html>";
        let ctx = Context {
            source_url: "file:///t.html".into(),
            ..Context::default()
        };
        let n = super::super::normalize(&crate::extract::extract(html), &ctx);
        let r = &n.tables[0].rows[0];
        assert_eq!(
            r.title.as_deref(),
            Some("泰顺县2024年民生实事项目第三季度进度表")
        );
        assert_eq!(r.publisher.as_deref(), Some("泰顺县发展和改革局"));
        assert_eq!(r.county.as_deref(), Some("泰顺县"));
        assert_eq!(r.as_of.as_deref(), Some("2024-09-30"));
        assert_eq!(r.report_year, Some(2024));
        assert_eq!(r.published_at.as_deref(), Some("2024-10-15T00:00:00+08:00"));
        assert_eq!(r.published_date.as_deref(), Some("2024-10-15"));
        assert_eq!(r.progress_note.as_deref(), Some("已完成主体"));
        assert!(r.extra.is_empty());
        assert_eq!(r.article_url, "file:///t.html");
        // python3: hashlib.sha256("泰顺县|2024|新增养老床位100张".encode()).hexdigest()[:16]
        assert_eq!(r.project_key, "b33b98d7941c2fd6");
    }

    #[test]
    fn a_v1_record_is_upgraded_from_what_it_carries() {
        let mut record = v1_record();
        upgrade_v1(&mut record, Some("泰顺县"));
        assert_eq!(
            record.published_at.as_deref(),
            Some("2024-12-30T00:00:00+08:00")
        );
        assert_eq!(record.published_date.as_deref(), Some("2024-12-30"));
        assert_eq!(record.source_name.as_deref(), Some("泰顺县"));
        assert_eq!(record.county.as_deref(), Some("泰顺县"));
        assert_eq!(record.source_format, SourceFormat::Html);
        assert_eq!(record.article_url, "http://www.x.gov.cn/a.html");
        assert_eq!(record.progress_note, None);
        assert_eq!(record.report_year, Some(2024));
        assert_eq!(record.as_of.as_deref(), Some("2024-12-31"));
        // python3: hashlib.sha256("泰顺县|2024|培训应急救护人员300人以上".encode()).hexdigest()[:16]
        assert_eq!(record.project_key, "96ebd85e084e6715");
        let again = record.clone();
        upgrade_v1(&mut record, None);
        assert_eq!(record, again);
    }
}
