//! `minsheng scrape INPUT...`: files, directories and URLs -> the three output files.
//!
//! Inputs are taken in the order given; a directory is walked recursively for pages
//! ([`PAGE_EXTENSIONS`]) in sorted path order, so two runs write the same files. Pages are
//! parsed in parallel (one worker per core, each taking the next input) and written in input order as they
//! complete, never more than [`AHEAD`] ahead of the writer, so memory stays flat however many
//! pages there are. One bad input is handed to the caller's [`Progress`] callback with its
//! name and reason (the binary prints it) and listed in pages.json; the rest go on.
//!
//! URL inputs are all started at once on a tokio runtime in the background (the `Fetcher`
//! keeps it polite per host), each parsed as soon as its bytes arrive, and written in their
//! input position: only finished reports wait, never raw bodies.

use crate::config::ScrapeOptions;
use crate::emit::{self, CsvFormat, EmitError, Output, RenderError, Rendered};
use crate::extract::links::AttachmentLink;
use crate::fetch::{FetchError, Fetcher, Request};
use crate::pipeline::{self, Source};
use crate::record::{AttachmentReport, PageReport, SourceFormat};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

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
    /// Documents reported but not read on this machine (`needs LibreOffice`, `pdf not read`):
    /// warnings, not failures.
    pub warnings: usize,
    pub records: usize,
}

/// File name extensions of the pages taken from a directory (in any ASCII case). One list:
/// formats read later join it here.
pub const PAGE_EXTENSIONS: &[&str] = &[
    "html", "htm", "shtml", "jhtml", "xhtml", "xlsx", "xls", "ods", "docx", "doc", "wps", "et",
];

/// Expands arguments into inputs: URLs as they are, files as they are, directories walked.
///
/// A directory is walked in sorted path order (each folder's entries by name, a folder's
/// files before the entries that sort after it). An entry that cannot be read (a folder
/// without permission) is one [`Input::Invalid`] in its place, and the walk goes on: one
/// unreadable folder once dropped every file after it.
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
            Ok(meta) if meta.is_dir() => walk(&path, &mut inputs),
            // Whatever else it is, reading it says why it is not a page (a FIFO, a device).
            Ok(_) => inputs.push(Input::File(path)),
            Err(e) => inputs.push(Input::Invalid {
                input: arg.clone(),
                reason: format!("cannot read: {e}"),
            }),
        }
    }
    inputs
}

fn is_page_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PAGE_EXTENSIONS.iter().any(|p| e.eq_ignore_ascii_case(p)))
}

/// Adds the pages below `dir`, and an error for each entry that cannot be read. Symlinked
/// folders are not followed (no loops); a symlink to a page is taken.
fn walk(dir: &Path, inputs: &mut Vec<Input>) {
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let kind = entry.file_type();
                let symlink_to_dir = kind.is_symlink() && path.is_dir();
                if !kind.is_dir() && !symlink_to_dir && is_page_file(path) {
                    inputs.push(Input::File(entry.into_path()));
                }
            }
            Err(e) => {
                let path = e.path().unwrap_or(dir);
                let reason = match e.io_error() {
                    Some(io) => format!("cannot read directory {}: {io}", path.display()),
                    None => format!("cannot walk {}: {e}", path.display()),
                };
                inputs.push(Input::Invalid {
                    input: file_url(path),
                    reason,
                });
            }
        }
    }
}

/// Why a local file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: not a regular file ({kind})", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("cannot read {}: {len} bytes, over the limit of {limit} bytes (max_body_bytes)", path.display())]
    TooLarge { path: PathBuf, len: u64, limit: u64 },
    #[error("cannot read {}: it grew past the limit of {limit} bytes (max_body_bytes) while being read", path.display())]
    Grew { path: PathBuf, limit: u64 },
}

/// What a file that is not a regular file is, for the message.
fn file_kind(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Reads a local page: a regular file only (a FIFO would block, `/dev/zero` never ends), of
/// at most `limit` bytes. The size is checked on the metadata before reading, and the read
/// itself stops one byte past the limit, so a file that grows or lies is still bounded.
pub fn read_page_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let regular = |meta: &fs::Metadata| {
        if meta.is_file() {
            Ok(())
        } else {
            Err(ReadError::NotRegular {
                path: path.to_path_buf(),
                kind: file_kind(meta.file_type()),
            })
        }
    };
    let meta = fs::metadata(path).map_err(io)?;
    regular(&meta)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            len: meta.len(),
            limit,
        });
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Should the path become a FIFO between the check and the open, the open must not
        // wait for a writer.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    regular(&file.metadata().map_err(io)?)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::Grew {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// Reads and processes one local file, with the default body size limit.
pub fn process_file(path: &Path) -> PageReport {
    process_file_within(path, crate::config::FetchConfig::default().max_body_bytes)
}

/// Reads and processes one local file of at most `limit` bytes (see [`read_page_file`]).
pub fn process_file_within(path: &Path, limit: u64) -> PageReport {
    let url = file_url(path);
    match read_page_file(path, limit) {
        Ok(bytes) => pipeline::process(&Source {
            url,
            bytes,
            fetched_at: pipeline::now_utc(),
            ..Default::default()
        }),
        Err(e) => PageReport::failed(url, e.to_string()),
    }
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
    /// [`pipeline::is_warning`] says so: read on another machine, not a failure).
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

/// How many reports the writer has written, for the workers to keep within [`AHEAD`].
#[derive(Default)]
struct Written {
    /// (reports written, the writer stopped)
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Written {
    fn lock(&self) -> MutexGuard<'_, (usize, bool)> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until input `index` is within [`AHEAD`] of the writer; false once it stopped.
    /// The input the writer waits for is always within reach, so this never deadlocks.
    fn wait_for_room(&self, index: usize) -> bool {
        let mut state = self.lock();
        while !state.1 && index >= state.0 + AHEAD {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        !state.1
    }

    fn advance(&self, count: usize) {
        self.lock().0 = count;
        self.changed.notify_all();
    }

    fn stop(&self) {
        self.lock().1 = true;
        self.changed.notify_all();
    }
}

/// A page ready for the writer: rendered by the worker that parsed it, with what the summary
/// needs.
struct Finished {
    source_url: String,
    error: Option<String>,
    records: usize,
    /// Or why it could not be rendered, and for which file.
    rendered: Result<Rendered, RenderError>,
}

impl Finished {
    fn of(report: PageReport, format: CsvFormat, keep_values: bool) -> Finished {
        Finished {
            rendered: emit::render_with(&report, format, keep_values),
            records: report.records().count(),
            source_url: report.source_url,
            error: report.error,
        }
    }
}

/// Writes pages in input order as they arrive (in any order), counting failures and telling
/// `progress` about each page.
fn write_in_order(
    mut out: Output,
    received: std::sync::mpsc::Receiver<(usize, Vec<Finished>)>,
    written: &Written,
    total: usize,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Summary, EmitError> {
    let mut summary = Summary::default();
    let mut waiting: BTreeMap<usize, Vec<Finished>> = BTreeMap::new();
    // Inputs written: an input gives its page and, for an article, its attachments.
    let mut inputs = 0;
    for (index, pages) in received {
        waiting.insert(index, pages);
        let before = inputs;
        while let Some(pages) = waiting.remove(&inputs) {
            inputs += 1;
            for page in pages {
                summary.pages += 1;
                summary.records += page.records;
                if let Some(error) = &page.error {
                    if pipeline::is_warning(error) {
                        summary.warnings += 1;
                    } else {
                        summary.failed += 1;
                    }
                }
                let rendered = page.rendered.map_err(|e| e.in_dir(out.dir()))?;
                out.write_rendered(&rendered)?;
                progress(Progress {
                    done: inputs,
                    total,
                    failed: page
                        .error
                        .as_deref()
                        .map(|error| (page.source_url.as_str(), error)),
                });
            }
        }
        if inputs > before {
            written.advance(inputs);
        }
    }
    out.finish()?;
    Ok(summary)
}

/// Each URL input's background job, by input position.
type Jobs = HashMap<usize, JoinHandle<Vec<PageReport>>>;

/// URL inputs being fetched and parsed in the background, by input position.
#[derive(Default)]
struct UrlJobs {
    runtime: Option<tokio::runtime::Runtime>,
    /// Taken out one by one, by whichever worker reaches that input.
    jobs: Mutex<Jobs>,
    /// Why no URL can be fetched at all (no runtime, a client that cannot be built).
    unavailable: Option<String>,
    /// `--max-run-secs`: when URLs stop being waited for, and the limit, for the message.
    deadline: Option<(Instant, Duration)>,
}

impl UrlJobs {
    /// Starts every URL at once; the `Fetcher` enforces politeness and `concurrency`.
    fn start(urls: impl Iterator<Item = (usize, String)>, opts: &ScrapeOptions) -> UrlJobs {
        let urls: Vec<(usize, String)> = urls.collect();
        if urls.is_empty() {
            return UrlJobs::default();
        }
        let deadline = opts.max_run.map(|limit| (Instant::now() + limit, limit));
        match Self::spawn_all(urls, opts) {
            Ok((runtime, jobs)) => UrlJobs {
                runtime: Some(runtime),
                jobs: Mutex::new(jobs),
                unavailable: None,
                deadline,
            },
            Err(reason) => UrlJobs {
                unavailable: Some(reason),
                ..UrlJobs::default()
            },
        }
    }

    fn spawn_all(
        urls: Vec<(usize, String)>,
        opts: &ScrapeOptions,
    ) -> Result<(tokio::runtime::Runtime, Jobs), String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
        let fetcher = Fetcher::new(&opts.fetch).map_err(|e| e.reason())?;
        let parse_slots = Arc::new(Semaphore::new(opts.parse_threads.max(1)));
        let jobs = urls
            .into_iter()
            .map(|(i, url)| {
                let job =
                    fetch_and_process(fetcher.clone(), url, parse_slots.clone(), opts.attachments);
                (i, runtime.spawn(job))
            })
            .collect();
        Ok((runtime, jobs))
    }

    /// Waits for the reports of the URL at input position `index`: its page, then the
    /// attachments it links.
    fn take(&self, index: usize, url: &str) -> Vec<PageReport> {
        let job = self
            .jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&index);
        match (&self.runtime, job) {
            (Some(runtime), Some(mut job)) => {
                let result = match self.deadline {
                    Some((at, limit)) => runtime.block_on(async {
                        let at = tokio::time::Instant::from_std(at);
                        match tokio::time::timeout_at(at, &mut job).await {
                            Ok(result) => Some(result),
                            Err(_) => {
                                job.abort();
                                None
                            }
                        }
                        .ok_or(limit)
                    }),
                    None => Ok(runtime.block_on(job)),
                };
                match result {
                    Ok(reports) => reports.unwrap_or_else(|e| {
                        vec![PageReport::failed(
                            url,
                            format!("internal error while fetching: {e}"),
                        )]
                    }),
                    Err(limit) => vec![PageReport::failed(
                        url,
                        format!(
                            "not fetched: the run time limit of {} s (--max-run-secs) was reached",
                            limit.as_secs()
                        ),
                    )],
                }
            }
            _ => vec![PageReport::failed(
                url,
                self.unavailable
                    .clone()
                    .unwrap_or_else(|| "internal error: this URL was never started".to_string()),
            )],
        }
    }
}

/// Fetches one URL and runs its bytes through the pipeline (at most `parse_threads` at once,
/// off the runtime's threads: parsing is CPU work); then, with `attachments`, each
/// attachment the page links, fetched by the same fetcher (politeness, robots, size limit)
/// and read as its own page. The article's report comes first and lists what became of each.
async fn fetch_and_process(
    fetcher: Fetcher,
    url: String,
    parse_slots: Arc<Semaphore>,
    attachments: bool,
) -> Vec<PageReport> {
    let fetched = match fetcher.fetch(Request::new(url.clone())).await {
        Ok(fetched) => fetched,
        Err(e) => return vec![fetch_failed(&url, &e)],
    };
    let source = Source {
        url: url.clone(),
        bytes: fetched.bytes,
        content_type: fetched.content_type,
        fetched_at: fetched.fetched_at,
        final_url: Some(fetched.final_url),
        http_status: Some(fetched.status),
        ..Source::default()
    };
    let parsed = parse(&parse_slots, move || {
        let report = pipeline::process(&source);
        let links = if attachments {
            pipeline::attachment_links(&source)
        } else {
            Vec::new()
        };
        (report, links)
    })
    .await;
    let (mut article, links) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            return vec![PageReport::failed(
                url,
                format!("internal error while parsing: {e}"),
            )]
        }
    };
    let mut reports = Vec::with_capacity(links.len() + 1);
    for link in links {
        let report = fetch_attachment(&fetcher, &parse_slots, &article, &link).await;
        article.attachments.push(AttachmentReport {
            url: link.url.clone(),
            link_text: link.link_text.clone(),
            format: match report.source_format {
                SourceFormat::Html if report.content_sha256.is_none() => None,
                format => Some(format.as_str().to_string()),
            },
            outcome: pipeline::attachment_outcome(&report),
        });
        reports.push(report);
    }
    // An article that carries its table in an attachment is not a failed page: its own
    // "no table" becomes a note once an attachment gave records.
    if reports.iter().any(|r| r.records().next().is_some()) {
        if let Some(error) = article.error.take() {
            article
                .notes
                .push(format!("{error}; its records come from its attachments"));
        }
    }
    reports.insert(0, article);
    reports
}

/// Runs `job` on a blocking thread once a parse slot is free.
async fn parse<T: Send + 'static>(
    slots: &Semaphore,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    let _slot = slots.acquire().await.ok();
    tokio::task::spawn_blocking(job).await
}

/// Fetches and reads one attachment of `article`.
async fn fetch_attachment(
    fetcher: &Fetcher,
    parse_slots: &Semaphore,
    article: &PageReport,
    link: &AttachmentLink,
) -> PageReport {
    let request = Request {
        url: link.url.clone(),
        any_type: true,
        ..Request::default()
    };
    let with_article = |mut report: PageReport| {
        report.article_url.clone_from(&article.source_url);
        report
    };
    let fetched = match fetcher.fetch(request).await {
        Ok(fetched) => fetched,
        Err(e) => return with_article(fetch_failed(&link.url, &e)),
    };
    let source = Source {
        url: link.url.clone(),
        bytes: fetched.bytes,
        content_type: fetched.content_type,
        fetched_at: fetched.fetched_at,
        final_url: Some(fetched.final_url),
        http_status: Some(fetched.status),
        article_url: Some(article.source_url.clone()),
        link_text: link.link_text.clone(),
        article_publisher: article.publisher.clone(),
        article_published_at: article.published_at.clone(),
        ..Source::default()
    };
    parse(parse_slots, move || pipeline::process(&source))
        .await
        .unwrap_or_else(|e| {
            with_article(PageReport::failed(
                link.url.clone(),
                format!("internal error while parsing: {e}"),
            ))
        })
}

/// The pages.json entry of a URL that could not be had: the reason, and the status if any.
fn fetch_failed(url: &str, error: &FetchError) -> PageReport {
    let mut report = PageReport::failed(url, error.reason());
    report.http_status = error.status();
    report
}

/// Fetches and processes URLs (politely, hosts in parallel) and returns their reports in
/// input order, each article followed by its attachments. What `run` does for URL inputs, without writing anything. Like `run`, it
/// starts its own tokio runtime: call it from synchronous code, not from inside a runtime.
pub fn process_urls(urls: &[String], opts: &ScrapeOptions) -> Vec<PageReport> {
    let jobs = UrlJobs::start(urls.iter().cloned().enumerate(), opts);
    urls.iter()
        .enumerate()
        .flat_map(|(i, url)| jobs.take(i, url))
        .collect()
}
