//! report.html: the timeline drawn for an analyst who would rather look than read (DESIGN.md
//! "Timeline and report").
//!
//! One self-contained file that opens from disk: inline CSS, inline SVG written here, no
//! script, no font, style or image fetched from anywhere (the fonts named in the CSS are the
//! reader's own). What it shows:
//! - a summary per county and report year: projects, reports, projects done and behind;
//! - the projects behind: below 50% at a half-year cut-off (as_of month ≤ 6), below 100% at
//!   year end (as_of `-12-31`), or falling between two successive reports;
//! - per county and year, the reports it has (linked), a bar chart of each project's latest completion,
//!   and a table of every project's completion per report with a line across its reports.
//!
//! Every completion number on the page — in a table, a bar's label or a point of a line — is
//! an `<a href>` to the source_url of the report it comes from (only `http`, `https` and
//! `file` URLs become links). Every text from the data is HTML-escaped, so a project text
//! that reads `<script>` stays text.

use crate::emit::set::{self, Generation};
use crate::emit::EmitError;
use crate::link::{Timeline, TimelineRow};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub const REPORT_HTML: &str = "report.html";

/// Writes `dir/report.html` for `records` and their `timeline`, as a set of its own that
/// keeps the folder's other outputs ([`set::write_alone`]); returns its path.
pub fn write(dir: &Path, records: &[Value], timeline: &Timeline) -> Result<PathBuf, EmitError> {
    set::write_alone(dir, |set| write_into(set, records, timeline))?;
    Ok(dir.join(REPORT_HTML))
}

/// Writes report.html into the set being written.
pub fn write_into(
    set: &mut Generation,
    records: &[Value],
    timeline: &Timeline,
) -> Result<(), EmitError> {
    set.write(REPORT_HTML, render(records, timeline).as_bytes())
}

/// HTML-escapes text for an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The URL as a link target, or None when it is not http(s) or file (a `javascript:` URL
/// never becomes a link).
fn link_target(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https" | "file").then(|| escape(parsed.as_str()))
}

/// `inner` (already HTML) wrapped in a link to `url` when it can be one.
fn linked(url: &str, inner: &str) -> String {
    match link_target(url) {
        Some(href) => format!("<a href=\"{href}\">{inner}</a>"),
        None => inner.to_string(),
    }
}

/// `80.0` → `80%`, `62.5` → `62.5%`.
fn percent(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}%")
    } else {
        format!("{rounded:.1}%")
    }
}

/// `1 project`, `2 projects`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// At most `max` characters of `text`, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// One report of a county: a column of its table and an x position of its lines.
struct Report<'a> {
    url: &'a str,
    as_of: Option<&'a str>,
    published_date: Option<&'a str>,
    title: Option<&'a str>,
}

impl<'a> Report<'a> {
    /// The report a row comes from (its title is filled in from the records).
    fn from_row(row: &'a TimelineRow) -> Report<'a> {
        Report {
            url: &row.source_url,
            as_of: row.as_of.as_deref(),
            published_date: row.published_date.as_deref(),
            title: None,
        }
    }

    /// The report's date for a column head: its as_of, else its published date.
    fn label(&self) -> String {
        match (self.as_of, self.published_date) {
            (Some(d), _) => d.to_string(),
            (None, Some(p)) => format!("published {p}"),
            (None, None) => "undated".to_string(),
        }
    }
}

/// One project of a county: its rows in report order.
struct Project<'a> {
    key: &'a str,
    rows: Vec<&'a TimelineRow>,
}

impl<'a> Project<'a> {
    /// The row that names it: its latest report's.
    fn named(&self) -> &'a TimelineRow {
        self.rows.last().expect("a project has a row")
    }

    fn name(&self) -> String {
        let row = self.named();
        row.content
            .clone()
            .or_else(|| row.category.clone())
            .unwrap_or_else(|| self.key.to_string())
    }

    fn seq(&self) -> String {
        self.named().seq.map(|s| s.to_string()).unwrap_or_default()
    }

    /// Its latest row with a completion number.
    fn latest(&self) -> Option<&'a TimelineRow> {
        self.rows
            .iter()
            .rev()
            .find(|r| r.completion_pct.is_some())
            .copied()
    }

    /// Why it is behind: each reason as HTML with its numbers linked.
    fn behind(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        let valued: Vec<(&TimelineRow, f64)> = self
            .rows
            .iter()
            .filter_map(|r| r.completion_pct.map(|p| (*r, p)))
            .collect();
        for &(row, pct) in &valued {
            let Some(as_of) = row.as_of.as_deref() else {
                continue;
            };
            let month: Option<u32> = as_of.get(5..7).and_then(|m| m.parse().ok());
            let number = linked(&row.source_url, &percent(pct));
            if month.is_some_and(|m| m <= 6) && pct < 50.0 {
                reasons.push(format!(
                    "{number} at {} (half-year, below 50%)",
                    escape(as_of)
                ));
            } else if as_of.ends_with("-12-31") && pct < 100.0 {
                reasons.push(format!(
                    "{number} at {} (year end, below 100%)",
                    escape(as_of)
                ));
            }
        }
        for pair in valued.windows(2) {
            let ((a, pa), (b, pb)) = (pair[0], pair[1]);
            if pb < pa {
                reasons.push(format!(
                    "fell from {} to {} ({} → {})",
                    linked(&a.source_url, &percent(pa)),
                    linked(&b.source_url, &percent(pb)),
                    escape(&Report::from_row(a).label()),
                    escape(&Report::from_row(b).label()),
                ));
            }
        }
        reasons
    }
}

/// A county's reports and projects of one report year, in timeline order.
struct County<'a> {
    county: Option<&'a str>,
    year: Option<i64>,
    /// `文成县 2024`.
    name: String,
    reports: Vec<Report<'a>>,
    projects: Vec<Project<'a>>,
}

fn counties<'a>(records: &'a [Value], timeline: &'a Timeline) -> Vec<County<'a>> {
    let titles: HashMap<&str, &str> = records
        .iter()
        .filter_map(|r| Some((r.get("source_url")?.as_str()?, r.get("title")?.as_str()?)))
        .collect();
    let mut out: Vec<County> = Vec::new();
    for row in &timeline.rows {
        let (county, year) = (row.county.as_deref(), row.report_year);
        if out
            .last()
            .is_none_or(|c| (c.county, c.year) != (county, year))
        {
            let name = county.unwrap_or("(county unknown)");
            out.push(County {
                county,
                year,
                name: match year {
                    Some(year) => format!("{name} {year}"),
                    None => name.to_string(),
                },
                reports: Vec::new(),
                projects: Vec::new(),
            });
        }
        let county = out.last_mut().expect("just pushed");
        match county.projects.last_mut() {
            Some(p) if p.key == row.project_key => p.rows.push(row),
            _ => county.projects.push(Project {
                key: &row.project_key,
                rows: vec![row],
            }),
        }
    }
    for county in &mut out {
        let mut seen = BTreeSet::new();
        let mut reports: Vec<Report> = county
            .projects
            .iter()
            .flat_map(|p| p.rows.iter())
            .filter(|r| seen.insert(r.source_url.as_str()))
            .map(|r| Report {
                title: titles.get(r.source_url.as_str()).copied(),
                ..Report::from_row(r)
            })
            .collect();
        reports.sort_by(|a, b| {
            // As the timeline orders reports: as_of, then published_date, nulls last.
            let key = |r: &Report<'a>| {
                let dates = (r.as_of.is_none(), r.as_of);
                (dates, r.published_date.is_none(), r.published_date, r.url)
            };
            key(a).cmp(&key(b))
        });
        county.reports = reports;
    }
    out
}

const STYLE: &str = "body{margin:24px 32px;color:#1f2933;background:#fff;\
font:14px/1.5 \"Noto Sans CJK SC\",\"Source Han Sans SC\",\"PingFang SC\",\"Microsoft YaHei\",\
\"WenQuanYi Zen Hei\",system-ui,sans-serif}\
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid #d9e2ec}\
h3{font-size:15px;margin:18px 0 6px}p.lead{color:#52606d;margin:0 0 16px}\
table{border-collapse:collapse;margin:6px 0 12px}\
th,td{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;vertical-align:middle}\
th{background:#f0f4f8;font-weight:600}td.num{text-align:right;white-space:nowrap}\
a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}\
.behind{color:#b91c1c}.was{color:#7b8794;font-size:12px}.was a{color:#7b8794}ul.reports{margin:4px 0 10px;padding-left:20px}\
svg text{font-size:12px;fill:#334e68}svg .value{fill:#1d4ed8}\
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px}";

/// A merged project's earlier wordings, each with the report that used it, as a note under
/// its name (empty when the text never changed).
fn earlier_texts(project: &Project) -> String {
    let latest = project.named().content.as_deref();
    let mut seen = BTreeSet::new();
    let mut notes = String::new();
    for row in &project.rows {
        let Some(text) = row.content.as_deref() else {
            continue;
        };
        if Some(text) != latest && seen.insert(text) {
            let _ = write!(
                notes,
                "<div class=\"was\">{}: {}</div>",
                escape(&Report::from_row(row).label()),
                linked(&row.source_url, &escape(text))
            );
        }
    }
    notes
}

fn county_anchor(index: usize) -> String {
    format!("county-{index}")
}

fn summary(out: &mut String, counties: &[County]) {
    out.push_str(
        "<table class=\"summary\"><tr><th>County</th><th>Projects</th><th>Reports</th>\
         <th>Done (latest ≥ 100%)</th><th>Behind</th></tr>",
    );
    for (i, c) in counties.iter().enumerate() {
        let done = c
            .projects
            .iter()
            .filter(|p| {
                p.latest()
                    .and_then(|r| r.completion_pct)
                    .is_some_and(|v| v >= 100.0)
            })
            .count();
        let behind = c.projects.iter().filter(|p| !p.behind().is_empty()).count();
        let _ = write!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{done}</td><td class=\"num{}\">{behind}</td></tr>",
            county_anchor(i),
            escape(&c.name),
            c.projects.len(),
            c.reports.len(),
            if behind > 0 { " behind" } else { "" }
        );
    }
    out.push_str("</table>");
}

fn behind_section(out: &mut String, counties: &[County]) {
    out.push_str("<h2 id=\"behind\">Projects behind</h2>");
    let mut any = false;
    let mut table =
        String::from("<table><tr><th>County</th><th>No.</th><th>Project</th><th>Why</th></tr>");
    for c in counties {
        for p in &c.projects {
            let reasons = p.behind();
            if reasons.is_empty() {
                continue;
            }
            any = true;
            let _ = write!(
                table,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"behind\">{}</td></tr>",
                escape(&c.name),
                escape(&p.seq()),
                escape(&p.name()),
                reasons.join("<br>")
            );
        }
    }
    table.push_str("</table>");
    if any {
        out.push_str(&table);
    } else {
        out.push_str("<p>None: every project is on track in every report.</p>");
    }
}

fn county_section(out: &mut String, index: usize, c: &County) {
    let _ = write!(
        out,
        "<section><h2 id=\"{}\">{}</h2><p class=\"lead\">{} across {}.</p>\
         <ul class=\"reports\">",
        county_anchor(index),
        escape(&c.name),
        count(c.projects.len(), "project"),
        count(c.reports.len(), "report")
    );
    for r in &c.reports {
        let title = r.title.map(escape).unwrap_or_else(|| escape(r.url));
        let published = r
            .published_date
            .map(|d| format!(", published {}", escape(d)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<li>{}{published}: {}</li>",
            escape(&r.label()),
            linked(r.url, &title)
        );
    }
    out.push_str("</ul><h3>Latest completion per project</h3>");
    out.push_str(&svg::bar_chart(c));
    out.push_str(
        "<div class=\"legend\"><span style=\"background:#2f9e44\"></span>done\
         <span style=\"background:#3b82f6\"></span>50% or more\
         <span style=\"background:#f59f00\"></span>below 50%</div>",
    );
    out.push_str("<h3>Every report</h3><table><tr><th>No.</th><th>Category</th><th>Project</th>");
    for r in &c.reports {
        let _ = write!(out, "<th>{}</th>", escape(&r.label()));
    }
    out.push_str("<th>Across reports</th></tr>");
    for p in &c.projects {
        let category = p.named().category.as_deref().unwrap_or("");
        let _ = write!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}{}</td>",
            escape(&p.seq()),
            escape(category),
            escape(&p.name()),
            earlier_texts(p)
        );
        for r in &c.reports {
            let cell = p
                .rows
                .iter()
                .find(|row| row.source_url == r.url)
                .map(|row| {
                    let shown = row.completion_pct.map_or("—".to_string(), percent);
                    // The progress note, when there is one, shows on hover.
                    let shown = match &row.progress_note {
                        Some(note) => format!("<span title=\"{}\">{shown}</span>", escape(note)),
                        None => shown,
                    };
                    linked(&row.source_url, &shown)
                })
                .unwrap_or_default();
            let _ = write!(out, "<td class=\"num\">{cell}</td>");
        }
        let _ = write!(out, "<td>{}</td></tr>", svg::sparkline(p, &c.reports));
    }
    out.push_str("</table></section>");
}

/// The whole report.html for `records` (their titles name the reports) and `timeline`.
pub fn render(records: &[Value], timeline: &Timeline) -> String {
    let counties = counties(records, timeline);
    let projects: usize = counties.iter().map(|c| c.projects.len()).sum();
    let reports: usize = counties.iter().map(|c| c.reports.len()).sum();
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>minsheng progress report</title><style>{STYLE}</style></head><body>\
         <h1>Progress report</h1><p class=\"lead\">{} in {}, from {}; near-identical \
         project texts linked across reports: {}. Every completion number links to the report \
         it comes from.</p>",
        count(projects, "project"),
        if counties.len() == 1 {
            "1 county".to_string()
        } else {
            format!("{} counties", counties.len())
        },
        count(reports, "report"),
        timeline.merges.len()
    );
    summary(&mut out, &counties);
    behind_section(&mut out, &counties);
    for (i, c) in counties.iter().enumerate() {
        county_section(&mut out, i, c);
    }
    out.push_str("</body></html>\n");
    out
}

mod svg;
#[cfg(test)]
mod tests;
