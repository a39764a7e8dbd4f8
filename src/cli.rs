//! The command line: clap definitions and `--help` text. The contract (DESIGN.md) is what
//! users' scripts depend on: `scrape INPUT... [--out DIR]`, exit 0 / 1 (some input failed) /
//! 2 (usage or config error).

use crate::config::DEFAULT_OUT_DIR;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "minsheng",
    version,
    about = "Turns Chinese county governments' progress-report pages into clean CSV / JSONL / JSON",
    after_help = "Exit status: 0 all inputs succeeded, 1 some input failed, 2 usage or config error."
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
}

#[derive(Debug, Args)]
pub struct ScrapeArgs {
    /// http(s) URLs, HTML files, or directories.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Output folder for records.csv, records.jsonl and pages.json.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT_DIR)]
    pub out: PathBuf,
    /// Start records.csv with a UTF-8 byte-order mark, so that Excel reads it as UTF-8.
    #[arg(long)]
    pub bom: bool,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// HTTP politeness and limits (defaults in config.rs).
#[derive(Debug, Args, Default)]
pub struct HttpArgs {
    /// Minimum milliseconds between two requests to the same host [default: 1000].
    #[arg(long, value_name = "MS")]
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
    /// Seconds allowed for one request, body included [default: 60].
    #[arg(long, value_name = "SECS")]
    pub timeout_secs: Option<u64>,
    /// Largest body accepted, in bytes after decompression [default: 20 MiB].
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<u64>,
}
