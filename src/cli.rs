//! The command line: clap definitions and `--help` text, part of the binary (the library
//! takes plain option structs). The contract (DESIGN.md) is what users' scripts depend on:
//! `scrape INPUT... [--out DIR]`, `crawl --config FILE`, `export`, `reparse`, `report
//! RECORDS.jsonl... --out DIR`; on every command that writes outputs `--bom`, `--xlsx`,
//! `--timeline`, `--report`; exit 0 / 1 (some input failed, the run stopped early, the store
//! is damaged) / 2 (usage or config error) / 3 (another crawl holds the store's lock).

use clap::{Args, Parser, Subcommand, ValueEnum};
use minsheng::config::{FetchOverrides, DEFAULT_DB_PATH, DEFAULT_OUT_DIR, MAX_BODY_BYTES};
use minsheng::crawl::config::{MAX_ATTEMPTS, MAX_DELAY_MS, MAX_TIMEOUT_SECS};
use minsheng::emit::Derived;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "minsheng",
    version,
    about = "Turns Chinese county governments' progress-report pages into clean CSV / JSONL / JSON",
    after_help = "Exit status: 0 all inputs succeeded, 1 some input failed (or the run was stopped \
                  early by SIGTERM / SIGINT / --max-run-secs, or the store is damaged or behind \
                  its outputs), 2 usage or config error, 3 another crawl or reparse holds the \
                  store's lock (nothing was done)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract the progress tables of pages: URLs, HTML files, or directories of .html/.htm
    /// files (walked recursively, in sorted order).
    Scrape(ScrapeArgs),
    /// Crawl the sources of a config file incrementally into the store, then write the
    /// current records to --out. Meant for a scheduler: see "Running on a schedule" in the
    /// README.
    Crawl(CrawlArgs),
    /// Write the store's current records to --out (and, with --history, every version).
    Export(ExportArgs),
    /// Extract again from the stored raw pages (after a parser improvement), offline.
    Reparse(ReparseArgs),
    /// Build the timeline (timeline.csv, timeline.jsonl, timeline_merges.csv) and report.html
    /// from records already written (records.jsonl of scrape, crawl or export).
    Report(ReportArgs),
}

/// The outputs every command that writes records may add.
#[derive(Debug, Args, Default)]
pub struct OutputArgs {
    /// Start records.csv (and records_history.csv) with a UTF-8 byte-order mark, so that
    /// Excel reads it as UTF-8 (for crawl, also `bom = true` in the config's [defaults]).
    #[arg(long)]
    pub bom: bool,
    /// Also write records.xlsx: typed cells, frozen header, a filter (with the timeline's
    /// sheets when --timeline is given).
    #[arg(long)]
    pub xlsx: bool,
    /// Also write timeline.csv and timeline.jsonl (one row per project and report) and
    /// timeline_merges.csv (the near-identical project texts taken as one project).
    #[arg(long)]
    pub timeline: bool,
    /// Also write report.html: per county, the projects, their completion and those behind,
    /// as inline SVG charts; one file that opens from disk.
    #[arg(long)]
    pub report: bool,
}

impl OutputArgs {
    pub fn derived(&self) -> Derived {
        Derived {
            xlsx: self.xlsx,
            timeline: self.timeline,
            report: self.report,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// records.jsonl files (of one run or several), read in the order given.
    #[arg(required = true, value_name = "RECORDS.jsonl")]
    pub records: Vec<PathBuf>,
    /// Output folder for timeline.csv, timeline.jsonl, timeline_merges.csv and report.html.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT_DIR)]
    pub out: PathBuf,
    /// Also write records.xlsx, with the timeline's sheets.
    #[arg(long)]
    pub xlsx: bool,
    /// Write timeline CSV cells exactly as read: no `'` before a cell that a spreadsheet would
    /// run as a formula.
    #[arg(long)]
    pub raw_csv: bool,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// The crawl config (TOML): [defaults] and one [[source]] per column; see
    /// sources.example.toml.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The SQLite store (created if missing); its lock file is PATH.lock.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DB_PATH)]
    pub db: PathBuf,
    /// Where the current records.csv, records.jsonl and pages.json are written after the run.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT_DIR)]
    pub out: PathBuf,
    /// Log line format on stderr.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Write records.csv cells exactly as read: no `'` before a cell that a spreadsheet would
    /// run as a formula (=, +, -, @, tab, CR at its start and not a plain number).
    #[arg(long)]
    pub raw_csv: bool,
    /// Stop fetching after SECS seconds, save and write what was fetched, and exit 1
    /// [default: the config's max_run_secs, else no limit].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_run_secs: Option<u64>,
    #[command(flatten)]
    pub outputs: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The SQLite store written by `crawl`.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DB_PATH)]
    pub db: PathBuf,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT_DIR)]
    pub out: PathBuf,
    /// Also write every record version with valid_from / valid_to to records_history.csv and
    /// records_history.jsonl.
    #[arg(long)]
    pub history: bool,
    /// Write CSV cells exactly as stored: no `'` before a cell that a spreadsheet would run as
    /// a formula.
    #[arg(long)]
    pub raw_csv: bool,
    #[command(flatten)]
    pub outputs: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ReparseArgs {
    /// The SQLite store written by `crawl`.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DB_PATH)]
    pub db: PathBuf,
    /// Where the current records are written afterwards.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT_DIR)]
    pub out: PathBuf,
    /// Write records.csv cells exactly as read: no `'` before a cell that a spreadsheet would
    /// run as a formula.
    #[arg(long)]
    pub raw_csv: bool,
    #[command(flatten)]
    pub outputs: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ScrapeArgs {
    /// http(s) URLs, HTML files, or directories.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Output folder for records.csv, records.jsonl and pages.json.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT_DIR)]
    pub out: PathBuf,
    #[command(flatten)]
    pub outputs: OutputArgs,
    /// Write records.csv cells exactly as read: no `'` before a cell that a spreadsheet would
    /// run as a formula (=, +, -, @, tab, CR at its start and not a plain number).
    #[arg(long)]
    pub raw_csv: bool,
    /// Stop fetching URLs after SECS seconds: those not had by then are reported failed, and
    /// everything else is written.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_run_secs: Option<u64>,
    /// Pages parsed at the same time [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,
    /// Do not fetch the attachments (xlsx, docx, …) that a fetched article links.
    #[arg(long)]
    pub no_attachments: bool,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// HTTP politeness and limits (defaults in the library's config.rs; a crawl config's
/// `[defaults]` sets the same ones).
#[derive(Debug, Args, Default)]
pub struct HttpArgs {
    /// Minimum milliseconds between two requests to the same host, at most an hour
    /// [default: 1000].
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    pub delay_ms: Option<u64>,
    /// Hosts fetched at the same time [default: 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub concurrency: Option<u64>,
    /// Do not fetch or obey robots.txt.
    #[arg(long)]
    pub ignore_robots: bool,
    /// User-Agent header [default: minsheng/VERSION (+https://github.com/minsheng/minsheng)].
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,
    /// Seconds allowed for one request, body included, 1 to 3600 [default: 60].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS))]
    pub timeout_secs: Option<u64>,
    /// Largest body accepted, in bytes after decompression, at most 4 GiB [default: 20 MiB].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..=MAX_BODY_BYTES))]
    pub max_body_bytes: Option<u64>,
    /// Attempts per URL for retryable failures (connect errors, timeouts, 429, 5xx), 1 to 20
    /// [default: 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_ATTEMPTS)))]
    pub max_attempts: Option<u32>,
}

impl HttpArgs {
    /// The fetch settings given, as the crawl config gives them too.
    pub fn overrides(&self) -> FetchOverrides {
        FetchOverrides {
            delay: self.delay_ms.map(Duration::from_millis),
            concurrency: self
                .concurrency
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            obey_robots: self.ignore_robots.then_some(false),
            user_agent: self.user_agent.clone(),
            timeout: self.timeout_secs.map(Duration::from_secs),
            max_body_bytes: self.max_body_bytes,
            max_attempts: self.max_attempts,
        }
    }
}
