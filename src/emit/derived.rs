//! The outputs made from all the records of a run, beside the three files: records.xlsx
//! (`--xlsx`), timeline.csv / timeline.jsonl / timeline_merges.csv (`--timeline`) and
//! report.html (`--report`, which draws the timeline and so needs it computed, though its
//! files are written only when asked for). They are files of the same set as records.csv
//! (`emit::set`), committed with it at once.
//!
//! They need every record at once (the timeline links a county's reports across the run), so
//! the records are kept, as the JSON values records.jsonl holds, only when one of them is
//! asked for: a run without these flags still takes no more memory than one page.

use super::timeline;
use crate::emit::set::{self, Generation};
use crate::emit::{report, xlsx, EmitError};
use crate::link::{self, Timeline};
use serde_json::Value;
use std::path::Path;

/// Which derived outputs a run writes. Default none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Derived {
    /// records.xlsx, with the timeline's sheets when the timeline is asked for too.
    pub xlsx: bool,
    /// timeline.csv, timeline.jsonl and timeline_merges.csv.
    pub timeline: bool,
    /// report.html.
    pub report: bool,
}

impl Derived {
    /// True when any derived output is asked for: the run keeps its records for them.
    pub fn any(&self) -> bool {
        self.xlsx || self.timeline || self.report
    }

    /// The files these outputs are, in the order written.
    pub fn files(self) -> impl Iterator<Item = &'static str> {
        let timeline = [
            timeline::TIMELINE_CSV,
            timeline::TIMELINE_JSONL,
            timeline::TIMELINE_MERGES_CSV,
        ];
        let timeline = timeline.into_iter().filter(move |_| self.timeline);
        let report = std::iter::once(report::REPORT_HTML).filter(move |_| self.report);
        let xlsx = std::iter::once(xlsx::RECORDS_XLSX).filter(move |_| self.xlsx);
        timeline.chain(report).chain(xlsx)
    }

    /// Writes the derived outputs asked for, made from `records`, into the set being written
    /// (`raw_csv` as records.csv is written). Returns the timeline, when one was made.
    pub fn write(
        &self,
        set: &mut Generation,
        records: &[Value],
        raw_csv: bool,
    ) -> Result<Option<Timeline>, EmitError> {
        if !self.any() {
            return Ok(None);
        }
        let timeline = (self.timeline || self.report).then(|| link::timeline(records));
        if self.timeline {
            if let Some(timeline) = &timeline {
                timeline::write_into(set, timeline, raw_csv)?;
            }
        }
        if self.report {
            if let Some(timeline) = &timeline {
                report::write_into(set, records, timeline)?;
            }
        }
        if self.xlsx {
            let sheets = timeline.as_ref().filter(move |_| self.timeline);
            xlsx::write_into(set, records, sheets)?;
        }
        Ok(timeline)
    }

    /// Writes the derived outputs asked for into `dir` from records already written, as a
    /// set of their own that keeps the folder's other files (`minsheng report`).
    pub fn write_alone(
        &self,
        dir: &Path,
        records: &[Value],
        raw_csv: bool,
    ) -> Result<Option<Timeline>, EmitError> {
        set::write_alone(dir, |set| self.write(set, records, raw_csv))
    }
}
