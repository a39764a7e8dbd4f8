//! `minsheng scrape INPUT...`: files, directories and URLs -> the three output files.
//!
//! Inputs are taken in the order given; a directory is walked recursively for pages
//! ([`PAGE_EXTENSIONS`]) in sorted path order, so two runs write the same files. Pages are
//! parsed in parallel (one worker per core, each taking the next input) and written in input order as they
//! complete, never more than `AHEAD` ahead of the writer, so memory stays flat however many
//! pages there are. One bad input is handed to the caller's [`Progress`] callback with its
//! name and reason (the binary prints it) and listed in pages.json; the rest go on.
//!
//! URL inputs are all started at once on a tokio runtime in the background (the `Fetcher`
//! keeps it polite per host), each parsed as soon as its bytes arrive, and written in their
//! input position: only finished reports wait, never raw bodies.
//!
//! The inputs are expanded and files read in `inputs.rs`, URLs fetched in `urls.rs`, and the
//! pages written in input order in `order.rs`; this file wires them into one run.

mod inputs;
mod order;
mod urls;

pub use inputs::{
    expand_inputs, file_url, process_file, process_file_within, read_page_file, Input, ReadError,
    PAGE_EXTENSIONS,
};
pub use urls::process_urls;

use crate::config::ScrapeOptions;
use crate::emit::{CsvFormat, EmitError, Output};
use crate::record::PageReport;
use order::{write_in_order, Finished, Written};
use std::sync::atomic::{AtomicUsize, Ordering};
use urls::UrlJobs;

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub pages: usize,
    pub failed: usize,
    /// Documents reported but not read on this machine (`needs LibreOffice`, `pdf not read`):
    /// warnings, not failures.
    pub warnings: usize,
    pub records: usize,
}

/// How far parsing may run ahead of writing, in pages: bounds memory (only finished
/// reports wait, at most this many) whatever the number of pages.
const AHEAD: usize = 256;

/// Runs a scrape: every input is processed and written; per-input failures are reported to
/// stderr and counted. Fails only when the outputs cannot be written.
///
/// `parse_threads` workers take the inputs in order, one at a time, parse each and render it
/// into the bytes of the three files, and hand that to one writer thread, which writes them
/// in input order as soon as the next one is there.
/// There is no batch to wait for: a worker that finished a page takes the next one while a
/// large page is still being parsed beside it.
pub fn run(args: &[String], opts: &ScrapeOptions) -> Result<Summary, EmitError> {
    run_with(args, opts, &|_| {})
}

/// How a scrape is going, told after each page is written, in input order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// Pages written so far, and the number of inputs.
    pub done: usize,
    pub total: usize,
    /// The page just written, when it has an error: its name and the reason (a warning when
    /// [`crate::pipeline::is_warning`] says so: read on another machine, not a failure).
    pub failed: Option<(&'a str, &'a str)>,
}

/// [`run`], telling `progress` about each page as it is written (a failed page with its name
/// and reason): the command prints those lines and draws its progress bar from it.
pub fn run_with(
    args: &[String],
    opts: &ScrapeOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Summary, EmitError> {
    let inputs = expand_inputs(args);
    let urls = UrlJobs::start(
        inputs
            .iter()
            .enumerate()
            .filter_map(|(i, input)| match input {
                Input::Url(url) => Some((i, url.clone())),
                _ => None,
            }),
        opts,
    );
    let format = CsvFormat {
        bom: opts.bom,
        raw: opts.raw_csv,
    };
    let mut out = Output::create(&opts.out_dir, format)?;
    out.derive(opts.derived);
    let keep_values = opts.derived.any();
    let total = inputs.len();
    let out_dir = opts.out_dir.clone();
    let next = AtomicUsize::new(0);
    let written = Written::default();
    let limit = opts.fetch.max_body_bytes;

    std::thread::scope(|scope| {
        let (done, received) = std::sync::mpsc::channel::<(usize, Vec<Finished>)>();
        let writer = scope.spawn(|| {
            let result = write_in_order(out, received, &written, total, progress);
            written.stop();
            result
        });
        for _ in 0..opts.parse_threads.max(1) {
            let done = done.clone();
            let (inputs, urls, next, written) = (&inputs, &urls, &next, &written);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { break };
                if !written.wait_for_room(i) {
                    break; // the writer stopped on an error; it reports it below
                }
                let reports = match input {
                    Input::File(path) => vec![process_file_within(path, limit)],
                    Input::Url(url) => urls.take(i, url),
                    Input::Invalid { input, reason } => {
                        vec![PageReport::failed(input.clone(), reason.clone())]
                    }
                };
                let finished = reports
                    .into_iter()
                    .map(|report| Finished::of(report, format, keep_values))
                    .collect();
                if done.send((i, finished)).is_err() {
                    break;
                }
            });
        }
        drop(done);
        writer.join().unwrap_or_else(|_| {
            Err(EmitError {
                path: out_dir,
                source: std::io::Error::other("the output writer stopped unexpectedly"),
            })
        })
    })
}
