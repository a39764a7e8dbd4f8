//! A document without a progress table, read as prose (DESIGN "Prose reports"): its
//! paragraphs go to `crate::prose::read`, and the items it returns become records with the
//! page's facts (county, report_year, as_of, project_key) through `normalize::page`.

use super::PageError;
use crate::normalize::page::PageFacts;
use crate::normalize::Context;
use crate::prose::{self, ProseItem, Verdict};
use crate::record::{PageReport, ProseRejected, ProseReport, Record, SourceFormat, TableReport};
use serde_json::Map;

/// Reads `paragraphs` as prose into `report` (whose title, publisher and published_at are
/// set): records on a `Read` verdict, else the error says both why there is no table and
/// what prose gave. `others` are the texts besides the title that may state the cut-off.
pub(super) fn read(
    ctx: &Context,
    paragraphs: &[String],
    others: &[&str],
    no_table: PageError,
    report: &mut PageReport,
) {
    let outcome = prose::read(paragraphs);
    report.prose = Some(ProseReport {
        considered: outcome.considered,
        read: outcome.items.len(),
        duplicates_dropped: outcome.duplicates_dropped,
        rejected: outcome
            .rejected
            .iter()
            .map(|r| ProseRejected {
                text: r.text.clone(),
                reason: r.reason.to_string(),
            })
            .collect(),
        verdict: outcome.verdict.to_string(),
    });
    if !matches!(outcome.verdict, Verdict::Read { .. }) {
        report.error = Some(format!("{no_table}; prose: {}", outcome.verdict));
        return;
    }
    let mut facts = PageFacts::new(
        ctx,
        report.title.clone(),
        report.publisher.clone(),
        report.published_at.clone(),
        others.iter().copied(),
    );
    facts.source_format = SourceFormat::Prose;
    facts.article_url.clone_from(&report.article_url);
    let rows = outcome
        .items
        .into_iter()
        .enumerate()
        .map(|(row_index, item)| {
            let mut record = record_of(ctx, row_index, item);
            facts.fill(&mut record);
            record
        })
        .collect();
    report.tables = vec![TableReport {
        table_index: 0,
        sheet: None,
        headers: Vec::new(),
        rows,
    }];
}

/// The record of one prose item; the page fields are filled by [`PageFacts::fill`].
fn record_of(ctx: &Context, row_index: usize, item: ProseItem) -> Record {
    Record {
        source_url: ctx.source_url.clone(),
        publisher: None,
        title: None,
        published_at: None,
        table_index: 0,
        row_index,
        seq: Some(item.seq),
        category: item.category,
        starred: false,
        content: Some(item.content),
        completion_pct: item.completion_pct,
        unified_progress: None,
        unified_scope: None,
        rank_scope: None,
        rank: None,
        status_note: None,
        lead_unit: item.lead_unit,
        leader: None,
        extra: Map::new(),
        fetched_at: ctx.fetched_at.clone(),
        content_sha256: ctx.content_sha256.clone(),
        published_date: None,
        source_name: None,
        county: None,
        source_format: SourceFormat::Prose,
        article_url: String::new(),
        progress_note: item.progress_note,
        report_year: None,
        as_of: None,
        project_key: String::new(),
    }
}
