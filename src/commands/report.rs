//! `minsheng report RECORDS.jsonl... --out DIR [--xlsx]`: the timeline and report.html (and
//! records.xlsx) from records already written, as one set in DIR that keeps DIR's other
//! outputs. Exit 0, 1 when the outputs could not be written, 2 when the records cannot be
//! read (a report over part of them would mislead).

use super::init_logging;
use crate::cli::{LogFormat, ReportArgs};
use minsheng::emit::Derived;
use minsheng::link::input::read_records;
use minsheng::sanitize::Escaped;
use std::process::ExitCode;

pub fn main(args: ReportArgs) -> ExitCode {
    init_logging(LogFormat::Text, "warn");
    let records = match read_records(&args.records) {
        Ok(records) => records,
        Err(e) => {
            say!("minsheng report: {}", Escaped(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let derived = Derived {
        xlsx: args.xlsx,
        timeline: true,
        report: true,
    };
    match derived.write_alone(&args.out, &records, args.raw_csv) {
        Ok(timeline) => {
            let (rows, merges) = timeline.map_or((0, 0), |t| (t.rows.len(), t.merges.len()));
            say!(
                "minsheng report: {} record(s), {} timeline row(s), {} merge(s) written to {}",
                records.len(),
                rows,
                merges,
                Escaped(&args.out.display().to_string())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!(
                "minsheng report: {} (previous outputs left unchanged)",
                Escaped(&e.to_string())
            );
            ExitCode::from(1)
        }
    }
}
