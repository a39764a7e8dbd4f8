//! `minsheng crawl`: run, summary line (or JSON object), exit status (0 all good, 1 some page
//! or source failed or was suspect, 2 config or usage error, 3 another run holds the lock).

use super::init_logging;
use crate::cli::{CrawlArgs, LogFormat};
use minsheng::crawl::{run_until, CrawlOptions, Stop};
use minsheng::sanitize::Escaped;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

pub fn main(args: CrawlArgs, stop: &Stop) -> ExitCode {
    init_logging(args.log_format, "info");
    let opts = CrawlOptions {
        config: args.config,
        db: args.db,
        out: args.out,
        progress: args.log_format == LogFormat::Text && std::io::stderr().is_terminal(),
        raw_csv: args.raw_csv,
        bom: args.outputs.bom,
        derived: args.outputs.derived(),
        max_run: args.max_run_secs.map(Duration::from_secs),
    };
    match run_until(&opts, stop) {
        Ok(s) => {
            match args.log_format {
                LogFormat::Text => {
                    for source in &s.sources {
                        say!("minsheng crawl: {source}");
                    }
                    say!("minsheng crawl: {s}");
                }
                LogFormat::Json => {
                    for source in &s.sources {
                        tracing::info!(
                            source = %Escaped(&source.name),
                            list_pages = source.list_pages,
                            list_failed = source.list_failed,
                            repeated_pages = source.repeated_pages,
                            articles = source.articles,
                            new = source.new,
                            no_table = source.no_table,
                            failed = source.failed,
                            warnings = %serde_json::Value::from(source.warnings.clone()),
                            "source finished"
                        );
                    }
                    tracing::info!(
                        list_pages = s.list_pages,
                        list_failed = s.list_failed,
                        repeated_pages = s.repeated_pages,
                        cut_short = s.cut_short,
                        outputs_kept = s.outputs_kept,
                        articles = s.articles,
                        fetched = s.fetched,
                        new_pages = s.new_pages,
                        changed_pages = s.changed_pages,
                        no_table = s.no_table,
                        unchanged = s.unchanged,
                        failed = s.failed,
                        suspect = s.suspect,
                        records_new = s.records.new,
                        records_changed = s.records.changed,
                        records_removed = s.records.removed,
                        outputs_written = s.outputs_written,
                        stopped = s.stopped.map(|why| why.to_string()),
                        not_checked = s.not_checked(),
                        out = %Escaped(&opts.out.display().to_string()),
                        "crawl finished"
                    );
                }
            }
            if s.has_failures() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            match args.log_format {
                LogFormat::Text => say!("minsheng crawl: {}", Escaped(&e.to_string())),
                LogFormat::Json => {
                    tracing::error!(error = %Escaped(&e.to_string()), "crawl not run")
                }
            }
            e.exit_code()
        }
    }
}
