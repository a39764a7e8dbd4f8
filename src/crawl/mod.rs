//! `minsheng crawl`: the scheduled, incremental crawl of many county columns, and its two
//! offline companions `export` and `reparse`.
//!
//! A run: read and check the whole config (exit 2 before any request when it is bad); take
//! the store's lock (`DB.lock`, an advisory lock released by the kernel even on SIGKILL;
//! a second run exits at once with status 3); for every source, read its list pages
//! (`lists`) following the pagination up to `max_list_pages` (`columns`: the Hanweb data
//! proxy POSTed as its page does, a page repeating an earlier one stopping its column with a
//! warning and exit 1), then fetch every article
//! found plus those left suspect or failed by an earlier run. Every request is conditional
//! when a version is stored (ETag / Last-Modified); a 304 or a body with the stored hash is
//! not extracted again. A new body goes through `pipeline::process` and is saved with its
//! records as one savepoint ([`crate::store`]), so a run killed at any point and started
//! again ends in the same store. A 200 without a progress table on a page that had one (a
//! maintenance page, a WAF interstitial, an empty template) is a *suspect fetch*: set aside,
//! never replacing the good version, retried next run. Finally the current records are
//! written to `--out` (unless every list page failed: a site or network down must not empty
//! the outputs), and the summary ends the run: one line per source (list pages, articles
//! found, new, failed, warnings), then the totals.
//!
//! Hosts are fetched in parallel and each host politely (the fetcher's per-host delay and
//! robots.txt). One thread drives every fetch (a current-thread runtime: the async side only
//! waits and moves bytes, and a second thread there cost more in wake-ups than it gave). Each
//! response is judged away from it: hashing and parsing on worker threads, one per core
//! (`verdict::prejudge_article` and `verdict::extract_article`, `columns::judge_list`; a small
//! article that hashes as before is judged on the spot); the verdict is then written by the
//! store's one writer thread (`writer`), which commits every save waiting at that moment
//! together, and the task hears its result only after that commit. Reading a page's state
//! before its fetch is a quick indexed read on a read-only connection, which never waits for
//! the writer. So waiting never spins, and neither a parse nor a commit holds up a fetch. The
//! run is wired here (`run_until`); its shared state and counting are in `run.rs`, the article
//! side in `article.rs`, the attachment side in `attachment.rs`, the judging in `verdict.rs`,
//! the lists in `columns.rs`.

mod article;
mod attachment;
mod columns;
mod commands;
pub mod config;
mod error;
pub mod export;
pub(crate) mod lists;
mod lock;
mod run;
mod stop;
mod summary;
mod verdict;
pub(crate) mod writer;

pub use commands::{export_current, reparse, reparse_as, reparse_with, ReparseSummary};
pub use error::{CrawlError, EXIT_LOCKED};
pub use lock::{lock_path, lock_store, StoreLock};
pub use stop::{Stop, Stopped};
pub use summary::{SourceSummary, Summary};

use crate::emit::CsvFormat;
use crate::fetch::Fetcher;
use crate::sanitize::Escaped;
use crate::store::{Store, StoreError};
use config::CrawlConfig;
use indicatif::{ProgressBar, ProgressStyle};
use run::Run;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The value behind `mutex`, also after a thread panicked holding it: every value the crawl
/// guards stays consistent between statements (a set, counters, a store connection).
fn lock_ignoring_poison<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Options of one crawl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlOptions {
    pub config: PathBuf,
    pub db: PathBuf,
    pub out: PathBuf,
    /// Draw a progress bar on stderr (only when it is a terminal and logs are text).
    pub progress: bool,
    /// records.csv cells as they are (`--raw-csv`): no formula neutralization.
    pub raw_csv: bool,
    /// The outputs made from all the records (`--xlsx`, `--timeline`, `--report`).
    pub derived: crate::emit::Derived,
    /// Stop fetching after this long (`--max-run-secs`, over the config's `max_run_secs`).
    pub max_run: Option<Duration>,
    /// records.csv with a UTF-8 byte-order mark (`--bom`, or the config's `bom = true`).
    pub bom: bool,
}

/// Runs one crawl: config, lock, sources, outputs. Per-page failures are counted in the
/// summary; an error is returned only when the run could not start or finish.
pub fn run(opts: &CrawlOptions) -> Result<Summary, CrawlError> {
    run_until(opts, &Stop::new())
}

/// [`run`], stopping cleanly when `stop` is requested or the run time limit is reached: the
/// fetching stops, what was fetched is saved, the outputs are written (`crawl::stop`).
pub fn run_until(opts: &CrawlOptions, stop: &Stop) -> Result<Summary, CrawlError> {
    let started = tokio::time::Instant::now();
    let config: CrawlConfig = config::load(&opts.config).map_err(CrawlError::Config)?;
    let max_run = opts.max_run.or(config.max_run);
    let fetcher = Fetcher::new(&config.fetch).map_err(CrawlError::Fetcher)?;
    let _lock = lock_store(&opts.db)?;
    let store = Store::open(&opts.db)?;
    // A store that went back (a lost -wal file) would start its history again and write
    // less over the outputs: refused before any request.
    export::ensure_not_behind(&store, &opts.out)?;
    let db = store.path().to_path_buf();
    let progress = if opts.progress {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template("{spinner} {pos}/{len} articles {wide_bar}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    let retries = Mutex::new(store.retry_urls_by_source()?);
    let reader = Store::open_read_only(&db)?;
    let run = Run {
        retries,
        fetcher,
        reader: Arc::new(Mutex::new(reader)),
        writer: writer::Writer::start(store)?,
        db: db.clone(),
        workers: crate::workers::Workers::start(parallelism).map_err(|e| {
            CrawlError::Runtime(format!("cannot start the CPU worker threads: {e}"))
        })?,
        summary: Mutex::new(Summary {
            sources: config
                .sources
                .iter()
                .map(|s| SourceSummary {
                    name: s.name.clone(),
                    ..SourceSummary::default()
                })
                .collect(),
            ..Summary::default()
        }),
        source_index: config
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect(),
        progress,
        claimed: Mutex::new(HashSet::new()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CrawlError::Runtime(format!("cannot start the async runtime: {e}")))?;
    let sources = futures_util::future::join_all(
        config
            .sources
            .into_iter()
            .map(|src| run.source(Arc::new(src))),
    );
    let finished = runtime.block_on(async {
        tokio::select! {
            results = sources => Ok(results),
            stopped = stop::time_limit(started, max_run) => Err(stopped),
            stopped = stop.requested() => Err(stopped),
        }
    });
    let Run {
        writer,
        reader,
        progress,
        summary,
        fetcher,
        ..
    } = run;
    // Every connection closed (the client's pool, and the runtime's tasks that hold them)
    // before the outputs are written: a run that met the open-file limit has descriptors
    // for them again (issue 16).
    drop(fetcher);
    drop(runtime);
    progress.finish_and_clear();
    drop(reader);
    let mut summary = std::mem::take(&mut *lock_ignoring_poison(&summary));
    // Every save handed to the writer is committed, a stopped run's included.
    let store = writer.finish()?;
    match finished {
        Ok(results) => results.into_iter().collect::<Result<(), StoreError>>()?,
        Err(stopped) => {
            tracing::warn!(reason = %stopped, "stopping early: writing what was fetched");
            summary.stopped = Some(stopped);
        }
    }
    let format = CsvFormat {
        bom: opts.bom || config.bom,
        raw: opts.raw_csv,
    };
    if summary.list_pages == 0 && summary.list_failed > 0 {
        // Nothing was listed: a site or network down, not a column emptied. What the outputs
        // hold stays until a run reads the lists again.
        tracing::warn!(out = %Escaped(&opts.out.display().to_string()), "every list page failed: the outputs are left as they were");
        summary.outputs_kept = true;
    } else {
        summary.outputs_written =
            export::refresh_current(&store, &opts.out, format, opts.derived)?.is_some();
    }
    if !summary.outputs_written && !summary.outputs_kept {
        tracing::debug!(out = %opts.out.display(), "outputs already current, not written again");
    }
    checkpoint(&store)?;
    Ok(summary)
}

/// Ends a command that opened the store: the log moved into the database file.
fn checkpoint(store: &Store) -> Result<(), StoreError> {
    if !store.checkpoint()? {
        tracing::debug!(db = %store.path().display(), "checkpoint left for the run using the store");
    }
    Ok(())
}
