//! Normalize: `Page` -> typed records and the page's report. Pure: no network, no disk.
//!
//! The rules are DESIGN.md's "Normalization rules", each in one place:
//! - which columns mean what: `headers.rs` (the synonym table);
//! - the status cell: `status.rs`; numbers and percentages: `numbers.rs`; dates: `dates.rs`;
//! - the page-level fields of Record schema v2, `page.rs`: the county (`county.rs`), the
//!   period a report covers (`period.rs`: as_of, report_year), the project key (`key.rs`);
//! - which tables are progress tables, continuation tables (续表), and which rows are not
//!   records (empty, 合计, 备注, group labels): this file.
//!
//! Nothing is lost: a mapped cell that cannot be typed leaves its field null and keeps its
//! text in `extra` under its header; every table and row not emitted is listed with a reason.

pub mod county;
pub mod dates;
pub mod headers;
pub mod key;
pub mod numbers;
pub mod page;
pub mod period;
pub mod status;

use crate::extract::{meta::strip_note_label, Grid, Page, Preceded, Table};
use crate::record::{DropReason, DroppedRow, Record, SkippedTable, SourceFormat, TableReport};
use headers::{Column, Field, Header};
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// Facts about the page that do not come from its HTML.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Context {
    pub source_url: String,
    pub fetched_at: String,
    pub content_sha256: String,
    /// The configured publisher, used when the page names neither 来源 nor 发布机构.
    pub default_publisher: Option<String>,
    /// The crawl config's source name (Record `source_name`); None in scrape mode.
    pub source_name: Option<String>,
    /// The source's configured county, which beats the one read from the page.
    pub county: Option<String>,
}

/// A normalized page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Normalized {
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub published_at: Option<String>,
    pub notes: Vec<String>,
    pub tables: Vec<TableReport>,
    pub skipped_tables: Vec<SkippedTable>,
    pub dropped_rows: Vec<DroppedRow>,
}

/// Page-level fields copied into every record as it is built; the v2 page facts
/// ([`page::PageFacts`]) are filled in once the whole page has been read.
struct PageFields<'a> {
    ctx: &'a Context,
    published_at: Option<String>,
}

/// An emitted table being built (a continuation adds to it).
struct Building {
    header: Header,
    report: TableReport,
    /// Page table position of the last table that fed it.
    last_position: usize,
    /// Group label in force for rows without a category.
    group: Option<String>,
}

pub fn normalize(page: &Page, ctx: &Context) -> Normalized {
    let fields = PageFields {
        ctx,
        published_at: dates::most_precise(&page.meta.published),
    };

    let mut out = Normalized {
        title: page.meta.title.clone(),
        publisher: page
            .meta
            .sources
            .first()
            .or(page.meta.issuers.first())
            .cloned()
            .or_else(|| ctx.default_publisher.clone()),
        published_at: fields.published_at.clone(),
        ..Normalized::default()
    };
    let mut table_notes: Vec<String> = Vec::new();
    // Rows above the header of each emitted table (a caption row may state the cut-off).
    let mut captions: Vec<String> = Vec::new();
    let mut current: Option<Building> = None;

    for (position, table) in page.tables.iter().enumerate() {
        if let Some(reason) = unusable(table) {
            out.skipped_tables
                .push(skipped(position, &table.grid, reason));
            continue;
        }
        let own = headers::find_header(&table.grid);
        let continues = current
            .as_ref()
            .and_then(|b| continuation(b, position, table, own.as_ref()));
        let (header, is_continuation) = match continues {
            Some(header) => (header, true),
            None => match own {
                Some(header) => (header, false),
                None => {
                    let reason = no_header_reason(&table.grid);
                    out.skipped_tables
                        .push(skipped(position, &table.grid, reason));
                    continue;
                }
            },
        };
        if !is_continuation {
            for r in 0..header.start.min(table.grid.rows.len()) {
                captions.push(table.grid.distinct_row_texts(r).join(" "));
            }
            if let Some(done) = current.take() {
                out.tables.push(done.report);
            }
            current = Some(Building {
                report: TableReport {
                    table_index: out.tables.len(),
                    sheet: None,
                    headers: header.texts.clone(),
                    rows: Vec::new(),
                },
                header: header.clone(),
                last_position: position,
                group: None,
            });
        }
        let building = current.as_mut().expect("a table is being built");
        building.last_position = position;
        rows_of(
            &table.grid,
            &header,
            building,
            &fields,
            &mut out.dropped_rows,
            &mut table_notes,
        );
    }
    if let Some(done) = current.take() {
        out.tables.push(done.report);
    }

    for note in table_notes
        .into_iter()
        .chain(page.meta.notes.iter().cloned())
    {
        if !out.notes.contains(&note) {
            out.notes.push(note);
        }
    }

    let others = page
        .meta
        .headings
        .iter()
        .chain(&captions)
        .chain(&out.notes)
        .map(String::as_str);
    let facts = page::PageFacts::new(
        ctx,
        out.title.clone(),
        out.publisher.clone(),
        out.published_at.clone(),
        others,
    );
    for record in out.tables.iter_mut().flat_map(|t| t.rows.iter_mut()) {
        facts.fill(record);
    }
    out
}

fn unusable(table: &Table) -> Option<String> {
    if let Some(crate::extract::GridError::TooLarge { cells }) = &table.problem {
        return Some(format!("table too large to expand ({cells} cells)"));
    }
    if table.contains_tables {
        return Some("layout table: its cells hold other tables".to_string());
    }
    if table.grid.texts().all(str::is_empty) {
        return Some("empty table".to_string());
    }
    None
}

fn no_header_reason(grid: &Grid) -> String {
    let found = headers::best_effort_fields(grid);
    if found.is_empty() {
        "not a progress table: no header names a known field".to_string()
    } else {
        format!(
            "not a progress table: the best header row maps only {} ({}); a progress table needs 3 fields including 项目内容 or 名称",
            found.len(),
            found.join(", ")
        )
    }
}

fn skipped(position: usize, grid: &Grid, reason: String) -> SkippedTable {
    SkippedTable {
        position,
        first_row: grid.first_row_texts(),
        reason,
    }
}

/// The header under which `table` continues `building`, if it does: it is the next table on
/// the page and either follows a 续表 heading or directly follows with the same header.
fn continuation(
    building: &Building,
    position: usize,
    table: &Table,
    own: Option<&Header>,
) -> Option<Header> {
    if position != building.last_position + 1 {
        return None;
    }
    let own = own.cloned();
    match table.preceded_by {
        Preceded::ContinuationHeading => match own {
            Some(h) if h.texts == building.header.texts => Some(h),
            Some(_) => None,
            None => headers::header_like(&building.header, &table.grid),
        },
        Preceded::Nothing => own.filter(|h| h.texts == building.header.texts),
        Preceded::Other => None,
    }
}

static GROUP_NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[)）])\s*")
        .unwrap()
});

/// What a body row is.
enum RowKind {
    Record,
    Dropped(DropReason),
    Group(String),
    Note(String),
}

fn classify_row(grid: &Grid, r: usize, header: &Header) -> RowKind {
    let row = &grid.rows[r];
    let texts: Vec<&str> = row.iter().map(|c| c.text.as_str()).collect();
    if texts.iter().all(|t| t.is_empty()) {
        return RowKind::Dropped(DropReason::Empty);
    }
    let first = texts.iter().find(|t| !t.is_empty()).copied().unwrap_or("");
    if let Some(note) = strip_note_label(first) {
        let note = if note.is_empty() {
            let first_origin = row
                .iter()
                .find(|c| !c.text.is_empty())
                .and_then(|c| c.origin);
            let mut others: Vec<&str> = Vec::new();
            for cell in row
                .iter()
                .filter(|c| !c.text.is_empty() && c.origin != first_origin)
            {
                if !others.contains(&cell.text.as_str()) {
                    others.push(&cell.text);
                }
            }
            others.join(" ")
        } else {
            note
        };
        return RowKind::Note(note);
    }
    if texts.iter().any(|t| is_total_label(t)) || starts_with_total_label(first) {
        return RowKind::Dropped(DropReason::Total);
    }
    if row.len() > 1 && texts.iter().eq(header.texts.iter()) {
        return RowKind::Dropped(DropReason::RepeatedHeader);
    }
    let one_merged_cell = row.len() > 1
        && row
            .iter()
            .all(|c| c.origin.is_some() && c.origin == row[0].origin);
    let non_empty_origins: Vec<_> = {
        let mut v = Vec::new();
        for c in row.iter().filter(|c| !c.text.is_empty()) {
            if !v.contains(&c.origin) {
                v.push(c.origin);
            }
        }
        v
    };
    if one_merged_cell {
        return RowKind::Group(GROUP_NUMBERING.replace(first, "").trim().to_string());
    }
    if non_empty_origins.len() == 1 && GROUP_NUMBERING.is_match(first) {
        // A group label stands alone unless a rowspan from above reaches this row.
        let spans_from_above = row
            .iter()
            .filter(|c| !c.text.is_empty())
            .any(|c| c.origin.is_some_and(|(or, _)| or < r));
        if !spans_from_above {
            return RowKind::Group(GROUP_NUMBERING.replace(first, "").trim().to_string());
        }
    }
    RowKind::Record
}

/// The characters of `t` that are not whitespace.
fn non_space(t: &str) -> impl Iterator<Item = char> + '_ {
    t.chars().filter(|c| !c.is_whitespace())
}

/// `合计` / `总计`, whatever the spaces (`合　计`).
fn is_total_label(t: &str) -> bool {
    t.len() <= 24 && ["合计", "总计"].iter().any(|w| non_space(t).eq(w.chars()))
}

/// `合计（16项）`: a cell that starts with 合计 / 总计.
fn starts_with_total_label(t: &str) -> bool {
    ["合计", "总计"].iter().any(|w| {
        let mut chars = non_space(t);
        w.chars().all(|c| chars.next() == Some(c))
    })
}

fn rows_of(
    grid: &Grid,
    header: &Header,
    building: &mut Building,
    page: &PageFields<'_>,
    dropped: &mut Vec<DroppedRow>,
    notes: &mut Vec<String>,
) {
    let table_index = building.report.table_index;
    // Room for every body row at once: a record is large, and growing the list copies it.
    let body = header.body_start()..grid.rows.len();
    building.report.rows.reserve(body.len());
    for r in body {
        let drop = |reason| DroppedRow {
            table_index,
            row: r,
            reason,
            text: grid.distinct_row_texts(r).join(" | "),
        };
        match classify_row(grid, r, header) {
            RowKind::Dropped(reason) => dropped.push(drop(reason)),
            RowKind::Group(label) => {
                dropped.push(drop(DropReason::Group));
                building.group = (!label.is_empty()).then_some(label);
            }
            RowKind::Note(note) => {
                dropped.push(drop(DropReason::Note));
                if !note.is_empty() && !notes.contains(&note) {
                    notes.push(note);
                }
            }
            RowKind::Record => {
                let row_index = building.report.rows.len();
                let record = record(
                    grid,
                    r,
                    header,
                    building.group.as_deref(),
                    table_index,
                    row_index,
                    page,
                );
                building.report.rows.push(record);
            }
        }
    }
}

static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[*＊★]\s*|\s*[*＊★]\s*$").unwrap());

/// `*医疗卫生` -> (`医疗卫生`, true): a marker at either end of the name, with any space
/// beside it.
pub fn strip_marker(name: &str) -> (String, bool) {
    let stripped = MARKER.replace_all(name, "");
    let starred = stripped.len() != name.len();
    (stripped.trim().to_string(), starred)
}

/// `张　三` -> `张三`: whitespace between two CJK characters is removed in names.
pub fn squeeze_cjk_spaces(text: &str) -> String {
    use crate::extract::text::is_cjk;
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let prev = out.chars().next_back();
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if let (Some(p), Some(n)) = (prev, next) {
                if is_cjk(p) && is_cjk(*n) {
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

fn record(
    grid: &Grid,
    r: usize,
    header: &Header,
    group: Option<&str>,
    table_index: usize,
    row_index: usize,
    page: &PageFields<'_>,
) -> Record {
    let mut rec = Record {
        source_url: page.ctx.source_url.clone(),
        // title, publisher and the v2 page facts are filled by `page::PageFacts::fill`.
        publisher: None,
        title: None,
        published_at: page.published_at.clone(),
        table_index,
        row_index,
        seq: None,
        category: None,
        starred: false,
        content: None,
        completion_pct: None,
        unified_progress: None,
        unified_scope: None,
        rank_scope: None,
        rank: None,
        status_note: None,
        lead_unit: None,
        leader: None,
        extra: Map::new(),
        fetched_at: page.ctx.fetched_at.clone(),
        content_sha256: page.ctx.content_sha256.clone(),
        published_date: None,
        source_name: None,
        county: None,
        source_format: SourceFormat::Html,
        article_url: String::new(),
        progress_note: None,
        report_year: None,
        as_of: None,
        project_key: String::new(),
    };
    let mut column_rank: Option<(i64, Option<crate::record::Scope>)> = None;
    for (c, cell) in grid.rows[r].iter().enumerate() {
        let text = cell.text.as_str();
        let heading = header.texts.get(c).map(String::as_str).unwrap_or("");
        let mut keep_in_extra = false;
        match header.columns.get(c).unwrap_or(&Column::Extra) {
            Column::Extra => keep_in_extra = true,
            Column::Field {
                field,
                scope,
                percent,
            } => match field {
                Field::Seq => {
                    rec.seq = numbers::parse_integer(text);
                    keep_in_extra = rec.seq.is_none();
                }
                Field::Category => {
                    let (name, starred) = strip_marker(text);
                    rec.category = non_empty(&name);
                    rec.starred = starred && rec.category.is_some();
                }
                Field::Content => rec.content = non_empty(text),
                Field::Completion => {
                    rec.completion_pct = numbers::parse_completion(text, *percent);
                    keep_in_extra = rec.completion_pct.is_none();
                }
                Field::Status => {
                    let s = status::parse_status(text);
                    rec.unified_progress = s.unified_progress;
                    rec.unified_scope = s.unified_scope;
                    if s.rank.is_some() {
                        rec.rank = s.rank;
                        rec.rank_scope = s.rank_scope;
                    }
                    rec.status_note = s.note;
                }
                Field::Rank => match numbers::parse_rank(text) {
                    Some(rank) => column_rank = Some((rank, *scope)),
                    None => keep_in_extra = true,
                },
                Field::LeadUnit => rec.lead_unit = non_empty(text),
                Field::Leader => rec.leader = non_empty(&squeeze_cjk_spaces(text)),
                Field::ProgressNote => rec.progress_note = non_empty(text),
            },
        }
        if keep_in_extra && !text.is_empty() {
            let mut key = heading.to_string();
            let mut n = 2;
            while rec.extra.contains_key(&key) {
                key = format!("{heading}#{n}");
                n += 1;
            }
            rec.extra.insert(key, Value::String(text.to_string()));
        }
    }
    if rec.rank.is_none() {
        if let Some((rank, scope)) = column_rank {
            rec.rank = Some(rank);
            rec.rank_scope = scope;
        }
    }
    if rec.category.is_none() {
        rec.category = group.map(str::to_string);
    }
    rec
}

#[cfg(test)]
mod tests;
