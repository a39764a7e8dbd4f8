//! `minsheng scrape INPUT...`: files, directories and URLs -> the three output files.
//!
//! Inputs are taken in the order given; a directory is walked recursively for `.html`/`.htm`
//! files in sorted path order, so two runs write the same files. Pages are parsed in parallel
//! (one per core) in bounded batches and written in input order as they complete, so memory
//! stays flat however many pages there are. One bad input is reported on stderr with its name
//! and reason and listed in pages.json; the rest go on.

use crate::cli::ScrapeArgs;
use crate::config::ScrapeOptions;
use crate::emit::{EmitError, Output};
use crate::pipeline::{self, Source};
use crate::record::PageReport;
use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// One input after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Url(String),
    /// An argument that cannot be read at all, with the reason.
    Invalid {
        input: String,
        reason: String,
    },
}

impl Input {
    /// The name used in messages and as `source_url`.
    pub fn source_url(&self) -> String {
        match self {
            Input::File(path) => file_url(path),
            Input::Url(url) => url.clone(),
            Input::Invalid { input, .. } => input.clone(),
        }
    }
}

/// `file://` URL of a path (absolute, symlinks resolved where possible).
pub fn file_url(path: &Path) -> String {
    let absolute = fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    });
    url::Url::from_file_path(&absolute)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("file://{}", absolute.display()))
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub pages: usize,
    pub failed: usize,
    pub records: usize,
}

/// Expands arguments into inputs: URLs as they are, files as they are, directories walked.
pub fn expand_inputs(args: &[String]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for arg in args {
        if let Some((scheme, _)) = arg.split_once("://") {
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
                inputs.push(Input::Url(arg.clone()));
            } else {
                inputs.push(Input::Invalid {
                    input: arg.clone(),
                    reason: format!(
                        "unsupported URL scheme {scheme:?}: only http and https are fetched"
                    ),
                });
            }
            continue;
        }
        let path = PathBuf::from(arg);
        match fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                let mut files = Vec::new();
                if let Err(reason) = walk(&path, &mut files) {
                    inputs.push(Input::Invalid {
                        input: arg.clone(),
                        reason,
                    });
                }
                files.sort();
                inputs.extend(files.into_iter().map(Input::File));
            }
            Ok(_) => inputs.push(Input::File(path)),
            Err(e) => inputs.push(Input::Invalid {
                input: arg.clone(),
                reason: format!("cannot read: {e}"),
            }),
        }
    }
    inputs
}

fn is_html_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// Collects `.html`/`.htm` files below `dir`. Symlinked directories are not followed (no loops).
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if kind.is_dir() {
            walk(&path, files)?;
        } else if is_html_file(&path) && (kind.is_file() || path.is_file()) {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads and processes one local file.
pub fn process_file(path: &Path) -> PageReport {
    let url = file_url(path);
    match fs::read(path) {
        Ok(bytes) => pipeline::process(&Source {
            url,
            bytes,
            content_type: None,
            fetched_at: pipeline::now_utc(),
            final_url: None,
            http_status: None,
            default_publisher: None,
        }),
        Err(e) => PageReport::failed(url, format!("cannot read {}: {e}", path.display())),
    }
}

/// How many files are parsed before their results are written: bounds memory, keeps order.
const BATCH: usize = 64;

/// Runs a scrape: every input is processed and written; per-input failures are reported to
/// stderr and counted. Fails only when the outputs cannot be written.
pub fn run(args: &[String], opts: &ScrapeOptions) -> Result<Summary, EmitError> {
    let inputs = expand_inputs(args);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.parse_threads.max(1))
        .build()
        .ok();
    let mut out = Output::create(&opts.out_dir, opts.bom)?;
    let mut summary = Summary::default();
    let mut record = |report: &PageReport, out: &mut Output| -> Result<(), EmitError> {
        summary.pages += 1;
        summary.records += report.records().count();
        if let Some(error) = &report.error {
            summary.failed += 1;
            eprintln!("minsheng: {}: {}", report.source_url, error);
        }
        out.write_page(report)
    };

    let mut i = 0;
    while i < inputs.len() {
        match &inputs[i] {
            Input::File(_) => {
                let end = (i..inputs.len())
                    .take(BATCH)
                    .take_while(|&j| matches!(inputs[j], Input::File(_)))
                    .last()
                    .map_or(i + 1, |j| j + 1);
                let paths: Vec<&Path> = inputs[i..end]
                    .iter()
                    .filter_map(|input| match input {
                        Input::File(p) => Some(p.as_path()),
                        _ => None,
                    })
                    .collect();
                let reports: Vec<PageReport> = match &pool {
                    Some(pool) => {
                        pool.install(|| paths.par_iter().map(|p| process_file(p)).collect())
                    }
                    None => paths.iter().map(|p| process_file(p)).collect(),
                };
                for report in &reports {
                    record(report, &mut out)?;
                }
                i = end;
            }
            Input::Url(url) => {
                let report = PageReport::failed(
                    url.clone(),
                    "http(s) inputs are not yet supported by this build",
                );
                record(&report, &mut out)?;
                i += 1;
            }
            Input::Invalid { input, reason } => {
                record(&PageReport::failed(input.clone(), reason.clone()), &mut out)?;
                i += 1;
            }
        }
    }
    out.finish()?;
    Ok(summary)
}

/// `minsheng scrape`: options from the arguments, run, summary line, exit status.
pub fn main(args: ScrapeArgs) -> ExitCode {
    let mut opts = ScrapeOptions {
        out_dir: args.out.clone(),
        bom: args.bom,
        ..ScrapeOptions::default()
    };
    let http = &args.http;
    let fetch = &mut opts.fetch;
    if let Some(ms) = http.delay_ms {
        fetch.delay = Duration::from_millis(ms);
    }
    if let Some(n) = http.concurrency {
        fetch.concurrency = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if http.ignore_robots {
        fetch.obey_robots = false;
    }
    if let Some(ua) = &http.user_agent {
        fetch.user_agent = ua.clone();
    }
    if let Some(secs) = http.timeout_secs {
        fetch.timeout = Duration::from_secs(secs);
    }
    if let Some(bytes) = http.max_body_bytes {
        fetch.max_body_bytes = bytes;
    }
    match run(&args.inputs, &opts) {
        Ok(summary) => {
            eprintln!(
                "minsheng: {} page(s), {} failed, {} record(s) written to {}",
                summary.pages,
                summary.failed,
                summary.records,
                opts.out_dir.display()
            );
            if summary.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("minsheng: {e} (previous outputs left unchanged)");
            ExitCode::from(1)
        }
    }
}
