//! `minsheng reparse`: extract again from the stored raw pages, one line per page that could
//! not be, a summary line, exit 1 when some page failed.

use super::init_logging;
use crate::cli::{LogFormat, ReparseArgs};
use minsheng::crawl::reparse_with;
use minsheng::emit::CsvFormat;
use minsheng::sanitize::Escaped;
use std::process::ExitCode;

pub fn main(args: ReparseArgs) -> ExitCode {
    init_logging(LogFormat::Text, "warn");
    let format = CsvFormat {
        bom: args.outputs.bom,
        raw: args.raw_csv,
    };
    match reparse_with(&args.db, &args.out, format, args.outputs.derived()) {
        Ok(s) => {
            for (url, reason) in &s.failures {
                say!("minsheng reparse: {}: {}", Escaped(url), Escaped(reason));
            }
            say!(
                "minsheng reparse: {} page(s) extracted again, {} failed; records new {}, changed {}, removed {}; written to {}",
                s.pages,
                s.failed,
                s.records.new,
                s.records.changed,
                s.records.removed,
                Escaped(&args.out.display().to_string())
            );
            if s.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            say!("minsheng reparse: {}", Escaped(&e.to_string()));
            e.exit_code()
        }
    }
}
