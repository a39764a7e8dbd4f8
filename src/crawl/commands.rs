//! The crawl's three commands as a process runs them: `minsheng crawl` (logging, the summary
//! line or object, the exit status), `minsheng export` and `minsheng reparse`. Each ends
//! with the store's log checkpointed into its database file (`store::health`).

use super::{checkpoint, export, lock_store, run_until, writer, CrawlError, CrawlOptions, Stop};
use crate::cli::{CrawlArgs, ExportArgs, LogFormat, ReparseArgs};
use crate::emit::CsvFormat;
use crate::pipeline::{self, Source};
use crate::sanitize::Escaped;
use crate::store::{RecordChanges, ReparseInput, Store, StoreError};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Sets up logging on stderr: text or one JSON object per line; `RUST_LOG` overrides the
/// level (default: warnings, the summary, and errors).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// `minsheng crawl`: run, summary line, exit status (0 all good, 1 some page or source
/// failed or was suspect, 2 config or usage error, 3 another run holds the lock).
pub fn main(args: CrawlArgs, stop: &Stop) -> ExitCode {
    init_logging(args.log_format);
    let opts = CrawlOptions {
        config: args.config,
        db: args.db,
        out: args.out,
        progress: args.log_format == LogFormat::Text && std::io::stderr().is_terminal(),
        raw_csv: args.raw_csv,
        max_run: args.max_run_secs.map(Duration::from_secs),
        bom: args.bom,
    };
    match run_until(&opts, stop) {
        Ok(s) => {
            match args.log_format {
                LogFormat::Text => {
                    for source in &s.sources {
                        eprintln!("minsheng crawl: {source}");
                    }
                    eprintln!("minsheng crawl: {s}");
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
                LogFormat::Text => eprintln!("minsheng crawl: {}", Escaped(&e.to_string())),
                LogFormat::Json => {
                    tracing::error!(error = %Escaped(&e.to_string()), "crawl not run")
                }
            }
            e.exit_code()
        }
    }
}

fn open_existing(db: &Path) -> Result<Store, CrawlError> {
    if !db.is_file() {
        return Err(CrawlError::NoStore(db.to_path_buf()));
    }
    Ok(Store::open(db)?)
}

/// `minsheng export`: the store's current records to --out; with --history, every version,
/// all one set. Reads only, so it may run beside a crawl (WAL readers do not block the
/// writer); it ends with a checkpoint, which a running crawl leaves for its own end.
pub fn export_main(args: ExportArgs) -> ExitCode {
    let format = CsvFormat {
        bom: args.bom,
        raw: args.raw_csv,
    };
    let result = (|| -> Result<export::Written, CrawlError> {
        let store = open_existing(&args.db)?;
        let written = export::write_current(&store, &args.out, format, args.history)?;
        checkpoint(&store)?;
        Ok(written)
    })();
    match result {
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
            eprintln!(
                "minsheng export: {} page(s), {} current record(s){history} written to {}",
                written.pages,
                written.records,
                Escaped(&args.out.display().to_string())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("minsheng export: {}", Escaped(&e.to_string()));
            e.exit_code()
        }
    }
}

/// What a reparse did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReparseSummary {
    pub pages: usize,
    pub failed: usize,
    pub records: RecordChanges,
}

/// Extracts every stored article again from its stored raw version, committing the record
/// changes (a changed record's new version is valid from now), then writes --out.
pub fn reparse(db: &Path, out: &Path) -> Result<ReparseSummary, CrawlError> {
    reparse_as(db, out, CsvFormat::default())
}

/// [`reparse`], writing records.csv in `format` (`--raw-csv`).
pub fn reparse_as(db: &Path, out: &Path, format: CsvFormat) -> Result<ReparseSummary, CrawlError> {
    if !db.is_file() {
        return Err(CrawlError::NoStore(db.to_path_buf()));
    }
    let _lock = lock_store(db)?;
    let mut store = open_existing(db)?;
    export::ensure_not_behind(&store, out)?;
    let mut summary = ReparseSummary::default();
    let now = pipeline::now_utc();
    let inputs = store.reparse_inputs()?;
    for group in inputs.chunks(writer::MAX_GROUP) {
        store.begin_group()?;
        reparse_group(&mut store, group, &now, &mut summary)?;
        store.commit_group()?;
    }
    export::write_current(&store, out, format, false)?;
    checkpoint(&store)?;
    Ok(summary)
}

/// Extracts and saves a group of stored articles (inside one transaction).
fn reparse_group(
    store: &mut Store,
    group: &[ReparseInput],
    now: &str,
    summary: &mut ReparseSummary,
) -> Result<(), StoreError> {
    for input in group {
        let Some(raw) = store.raw(&input.url, &input.sha256)? else {
            eprintln!(
                "minsheng reparse: {}: the stored version {} is missing",
                Escaped(&input.url),
                input.sha256
            );
            summary.failed += 1;
            continue;
        };
        let report = pipeline::process(&Source {
            url: input.url.clone(),
            bytes: raw.bytes,
            content_type: raw.content_type,
            fetched_at: raw.fetched_at,
            final_url: Some(raw.final_url),
            http_status: Some(raw.status),
            default_publisher: input.publisher.clone(),
            source_name: Some(input.source.clone()),
            // The config is not read here: the county comes from the page again.
            ..Default::default()
        });
        let changes = store.save_reparsed(&report, now)?;
        summary.pages += 1;
        summary.records += changes;
    }
    Ok(())
}

/// `minsheng reparse`.
pub fn reparse_main(args: ReparseArgs) -> ExitCode {
    let format = CsvFormat {
        bom: args.bom,
        raw: args.raw_csv,
    };
    match reparse_as(&args.db, &args.out, format) {
        Ok(s) => {
            eprintln!(
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
            eprintln!("minsheng reparse: {}", Escaped(&e.to_string()));
            e.exit_code()
        }
    }
}
