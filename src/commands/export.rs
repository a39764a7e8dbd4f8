//! `minsheng export`: the store's current records (and with --history every version) to
//! --out, one summary line, exit 0 or the error's status.

use super::init_logging;
use crate::cli::{ExportArgs, LogFormat};
use minsheng::crawl::{export, export_current};
use minsheng::emit::CsvFormat;
use minsheng::sanitize::Escaped;
use std::process::ExitCode;

pub fn main(args: ExportArgs) -> ExitCode {
    init_logging(LogFormat::Text, "warn");
    let format = CsvFormat {
        bom: args.outputs.bom,
        raw: args.raw_csv,
    };
    let derived = args.outputs.derived();
    match export_current(&args.db, &args.out, format, derived, args.history) {
        Ok(written) => {
            let history = if args.history {
                format!(
                    ", {} record version(s) to {}",
                    written.versions,
                    export::HISTORY_CSV
                )
            } else {
                String::new()
            };
            say!(
                "minsheng export: {} page(s), {} current record(s){history} written to {}",
                written.pages,
                written.records,
                Escaped(&args.out.display().to_string())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!("minsheng export: {}", Escaped(&e.to_string()));
            e.exit_code()
        }
    }
}
