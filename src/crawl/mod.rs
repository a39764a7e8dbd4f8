//! `minsheng crawl`: the scheduled, incremental crawl of many county columns, and its two
//! offline companions `export` and `reparse`.
//!
//! A run: read and check the whole config (exit 2 before any request when it is bad); take
//! the store's lock (`DB.lock`, an advisory lock released by the kernel even on SIGKILL;
//! a second run exits at once with status 3); for every source, read its list pages
//! ([`lists`]) following the pagination up to `max_list_pages` (`columns`: the Hanweb data
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
//! ([`prejudge_article`] and [`extract_article`], `columns::judge_list`; a small article that
//! hashes as before is judged on the
//! spot); the verdict is then written by the store's one
//! writer thread ([`writer`]), which commits every save waiting at that moment together, and
//! the task hears its result only after that commit. Reading a page's state before its fetch
//! is a quick indexed read on a read-only connection, which never waits for the writer. So
//! waiting never spins, and neither a parse nor a commit holds up a fetch.

mod columns;
mod commands;
pub mod config;
pub mod export;
pub mod lists;
mod lock;
mod stop;
mod summary;
mod workers;
pub mod writer;

pub use commands::{export_current, reparse, reparse_as, reparse_with, ReparseSummary};
pub use lock::{lock_path, lock_store, StoreLock};
pub use stop::{Stop, Stopped};
pub use summary::{SourceSummary, Summary};

use crate::emit::CsvFormat;
use crate::extract::links::AttachmentLink;
use crate::fetch::{FetchError, Fetched, Fetcher, Request};
use crate::pipeline::{self, sha256_hex, Source};
use crate::record::{AttachmentOutcome, AttachmentReport, PageReport};
use crate::sanitize::Escaped;
use crate::store::{PageKind, PageState, RecordChanges, Snapshot, Store, StoreError};
use columns::Column;
use config::{ConfigError, CrawlConfig, SourceConfig};
use export::ExportError;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::{HashMap, HashSet};
use std::fmt;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Exit status when another run holds the store's lock.
pub const EXIT_LOCKED: u8 = 3;

/// Why a crawl, export or reparse could not run or finish.
#[derive(Debug)]
pub enum CrawlError {
    Config(ConfigError),
    /// Another run holds the lock; `holder` is what it wrote there (its process id).
    Locked {
        lock: PathBuf,
        holder: String,
    },
    /// `export` / `reparse` on a store that does not exist.
    NoStore(PathBuf),
    Lock {
        lock: PathBuf,
        reason: String,
    },
    Fetcher(FetchError),
    Store(StoreError),
    Export(ExportError),
    Runtime(String),
}

impl CrawlError {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CrawlError::Config(_) | CrawlError::NoStore(_) | CrawlError::Fetcher(_) => 2,
            CrawlError::Locked { .. } => EXIT_LOCKED,
            _ => 1,
        })
    }
}

impl fmt::Display for CrawlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CrawlError::Config(e) => write!(f, "{e}"),
            CrawlError::Locked { lock, holder } => write!(
                f,
                "another minsheng run (pid {}) holds {}; not starting a second one on the same store",
                if holder.is_empty() { "unknown" } else { holder },
                lock.display()
            ),
            CrawlError::NoStore(path) => write!(
                f,
                "{}: no store here; run `minsheng crawl --db {}` first",
                path.display(),
                path.display()
            ),
            CrawlError::Lock { lock, reason } => {
                write!(f, "cannot lock {}: {reason}", lock.display())
            }
            CrawlError::Fetcher(e) => write!(f, "{e}"),
            CrawlError::Store(e) => write!(f, "{e}"),
            CrawlError::Export(e) => write!(f, "{e}"),
            CrawlError::Runtime(reason) => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for CrawlError {}

impl From<StoreError> for CrawlError {
    fn from(e: StoreError) -> Self {
        CrawlError::Store(e)
    }
}

impl From<ExportError> for CrawlError {
    fn from(e: ExportError) -> Self {
        CrawlError::Export(e)
    }
}

/// What became of one article.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    New(RecordChanges),
    Changed(RecordChanges),
    NoTable(String),
    Unchanged,
    Suspect(String),
    Failed(String),
}

/// A request with the stored version's validators, when there is one.
fn request(url: &str, state: Option<&PageState>) -> Request {
    let stored = state.filter(|s| s.sha256.is_some());
    Request {
        url: url.to_string(),
        etag: stored.and_then(|s| s.etag.clone()),
        last_modified: stored.and_then(|s| s.last_modified.clone()),
        ..Request::default()
    }
}

fn snapshot(f: Fetched) -> Snapshot {
    Snapshot {
        url: f.url,
        final_url: f.final_url,
        status: f.status,
        content_type: f.content_type,
        etag: f.etag,
        last_modified: f.last_modified,
        bytes: f.bytes,
        fetched_at: f.fetched_at,
    }
}

/// The value behind `mutex`, also after a thread panicked holding it: every value the crawl
/// guards stays consistent between statements (a set, counters, a store connection).
fn lock_ignoring_poison<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A response's validators and time, for refreshing the state of an unchanged page.
struct Checked {
    status: u16,
    at: String,
    etag: Option<String>,
    last_modified: Option<String>,
    /// The stored state says all this already but the time: the usual nightly case.
    only_the_time: bool,
}

impl Checked {
    /// `f`'s answer, beside what the store knew of the page — when that is still what the
    /// store holds: an article's state is (a run takes each article once), a list page's
    /// may not be (two sources can share a list page), so lists pass None.
    fn of(f: &Fetched, state: Option<&PageState>) -> Checked {
        let same =
            |sent: &Option<String>, stored: &Option<String>| sent.is_none() || sent == stored;
        Checked {
            status: f.status,
            at: f.fetched_at.clone(),
            etag: f.etag.clone(),
            last_modified: f.last_modified.clone(),
            only_the_time: state.is_some_and(|s| {
                s.status == Some(f.status)
                    && s.error.is_none()
                    && !s.suspect
                    && same(&f.etag, &s.etag)
                    && same(&f.last_modified, &s.last_modified)
            }),
        }
    }

    fn save(&self, store: &mut Store, url: &str) -> Result<(), StoreError> {
        if self.only_the_time {
            return store.save_checked_at(url, &self.at);
        }
        store.save_unchanged(
            url,
            self.status,
            &self.at,
            self.etag.as_deref(),
            self.last_modified.as_deref(),
        )
    }
}

/// A failed attempt: only the attempt is recorded; the stored version and its records stay
/// as they were.
struct Failure {
    status: Option<u16>,
    reason: String,
    at: String,
}

impl Failure {
    fn of_fetch(e: &FetchError) -> Failure {
        Failure {
            status: e.status(),
            reason: e.reason(),
            at: pipeline::now_utc(),
        }
    }

    fn save(
        &self,
        store: &mut Store,
        source: &str,
        kind: PageKind,
        url: &str,
    ) -> Result<(), StoreError> {
        store.save_failure(source, kind, url, self.status, &self.reason, &self.at)
    }
}

/// What an article's response means, decided without the store (hashing and extraction
/// happen here, on a CPU slot); [`ArticleVerdict::save`] then writes it on the store's thread.
enum ArticleVerdict {
    Failed(Failure),
    /// A 304, or a 200 whose body hashes as the stored version: nothing to extract.
    Unchanged(Checked),
    /// A 200 without the progress table the page had: set aside, the stored version kept.
    Suspect {
        snap: Snapshot,
        reason: String,
    },
    /// A new version, saved with its records.
    Version {
        snap: Snapshot,
        /// Boxed: a report is large beside the other verdicts.
        report: Box<PageReport>,
        /// No records; why.
        no_table: Option<String>,
        /// A version was stored before.
        replaces: bool,
    },
}

/// Bodies up to this size are hashed on the thread that drives the fetches (a few
/// microseconds): an unchanged article then costs no hand-off to a CPU slot and back.
/// Larger bodies, and every body that must be extracted, go to a CPU slot.
const HASH_INLINE_BYTES: usize = 256 * 1024;

/// An article's response, judged as far as it can be without extracting it.
enum Judged {
    Done(ArticleVerdict),
    /// A new body: extraction decides ([`extract_article`]).
    Extract {
        fetched: Fetched,
        state: Option<PageState>,
    },
}

/// The cheap half of judging an article: failures, 304s and bodies that hash as the stored
/// version are decided here.
fn prejudge_article(state: Option<PageState>, result: Result<Fetched, FetchError>) -> Judged {
    let fetched = match result {
        Ok(f) => f,
        Err(e) => return Judged::Done(ArticleVerdict::Failed(Failure::of_fetch(&e))),
    };
    let stored_sha = state.as_ref().and_then(|s| s.sha256.as_deref());
    if fetched.not_modified {
        if stored_sha.is_none() {
            return Judged::Done(ArticleVerdict::Failed(Failure {
                status: Some(fetched.status),
                reason: "HTTP 304 Not Modified to a request without validators".to_string(),
                at: fetched.fetched_at,
            }));
        }
        return Judged::Done(ArticleVerdict::Unchanged(Checked::of(
            &fetched,
            state.as_ref(),
        )));
    }
    if !(200..300).contains(&fetched.status) {
        return Judged::Done(ArticleVerdict::Failed(Failure {
            status: Some(fetched.status),
            reason: format!("unexpected HTTP status {}", fetched.status),
            at: fetched.fetched_at,
        }));
    }
    if stored_sha.is_some_and(|stored| stored == sha256_hex(&fetched.bytes)) {
        return Judged::Done(ArticleVerdict::Unchanged(Checked::of(
            &fetched,
            state.as_ref(),
        )));
    }
    Judged::Extract { fetched, state }
}

/// The costly half: a new body extracted, and what its records mean beside the stored ones.
/// `of` says which article links this document when it is an attachment (None for an
/// article); an article's attachment links come back with the verdict.
fn extract_article(
    source: &SourceConfig,
    url: &str,
    state: Option<PageState>,
    fetched: Fetched,
    of: Option<&ArticleOf>,
) -> (ArticleVerdict, Vec<AttachmentLink>) {
    let doc = Source {
        url: url.to_string(),
        bytes: fetched.bytes.clone(),
        content_type: fetched.content_type.clone(),
        fetched_at: fetched.fetched_at.clone(),
        final_url: Some(fetched.final_url.clone()),
        http_status: Some(fetched.status),
        default_publisher: source.publisher.clone(),
        article_url: of.map(|a| a.url.clone()),
        link_text: of.and_then(|a| a.link_text.clone()),
        article_publisher: of.and_then(|a| a.publisher.clone()),
        article_published_at: of.and_then(|a| a.published_at.clone()),
        source_name: Some(source.name.clone()),
        county: source.county.clone(),
    };
    let report = pipeline::process(&doc);
    let links = if of.is_none() {
        pipeline::attachment_links(&doc)
    } else {
        Vec::new()
    };
    let has_records = report.records().next().is_some();
    let had_records = state.as_ref().is_some_and(|s| s.has_records);
    let why = report
        .error
        .clone()
        .unwrap_or_else(|| "no records".to_string());
    let snap = snapshot(fetched);
    if !has_records && had_records {
        let reason = format!(
            "HTTP {} without the progress table this page had ({why}); the stored version is kept",
            snap.status
        );
        return (ArticleVerdict::Suspect { snap, reason }, links);
    }
    let verdict = ArticleVerdict::Version {
        snap,
        report: Box::new(report),
        no_table: (!has_records).then_some(why),
        replaces: state.is_some_and(|s| s.sha256.is_some()),
    };
    (verdict, links)
}

/// The article an attachment belongs to: what its records repeat of it.
#[derive(Debug, Clone)]
struct ArticleOf {
    url: String,
    link_text: Option<String>,
    publisher: Option<String>,
    published_at: Option<String>,
}

impl ArticleVerdict {
    /// Writes the verdict (one savepoint) and says what became of the article.
    fn save(
        self,
        store: &mut Store,
        source: &SourceConfig,
        url: &str,
    ) -> Result<Outcome, StoreError> {
        match self {
            ArticleVerdict::Failed(failure) => {
                failure.save(store, &source.name, PageKind::Article, url)?;
                Ok(Outcome::Failed(failure.reason))
            }
            ArticleVerdict::Unchanged(checked) => {
                checked.save(store, url)?;
                Ok(Outcome::Unchanged)
            }
            ArticleVerdict::Suspect { snap, reason } => {
                store.save_suspect(&snap, &reason)?;
                Ok(Outcome::Suspect(reason))
            }
            ArticleVerdict::Version {
                snap,
                report,
                no_table,
                replaces,
            } => {
                let changes = store.save_article(
                    &source.name,
                    source.publisher.as_deref(),
                    &snap,
                    &report,
                    &snap.fetched_at,
                )?;
                Ok(match no_table {
                    Some(why) => Outcome::NoTable(why),
                    None if replaces => Outcome::Changed(changes),
                    None => Outcome::New(changes),
                })
            }
        }
    }
}

/// One run's shared state.
struct Run {
    fetcher: Fetcher,
    /// A read-only connection for what the store knows of a page before its fetch: quick
    /// indexed reads that see the last commit and never wait for the writer (WAL).
    reader: Arc<Mutex<Store>>,
    /// The store's one writer thread, committing the saves of many pages at once.
    writer: writer::Writer,
    /// The store's path, for errors.
    db: PathBuf,
    /// The CPU slots for hashing and parsing, one thread per core: every page of a round of
    /// requests arrives at once, and they wait their turn there.
    workers: workers::Workers,
    summary: Mutex<Summary>,
    /// Each source's place in `summary.sources`.
    source_index: HashMap<String, usize>,
    progress: ProgressBar,
    /// Article URLs already taken by a source in this run: a page linked from two columns
    /// is fetched once.
    claimed: Mutex<HashSet<String>>,
    /// Each source's suspect and failed articles, read once when the run starts. The same as
    /// asking the store when the source gets to them: only articles this run has claimed
    /// change state meanwhile, and a claimed article is not taken twice.
    retries: Mutex<HashMap<String, Vec<String>>>,
}

impl Run {
    /// True the first time `url` is claimed in this run.
    fn claim(&self, url: &str) -> bool {
        lock_ignoring_poison(&self.claimed).insert(url.to_string())
    }

    fn summary(&self) -> MutexGuard<'_, Summary> {
        lock_ignoring_poison(&self.summary)
    }

    /// Runs `job` in one of the CPU slots, so that no hash or parse ever holds the thread
    /// that drives the fetches.
    async fn cpu<T: Send + 'static>(
        &self,
        what: impl FnOnce() -> String,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        self.workers.run(job).await.ok_or_else(|| StoreError {
            path: self.db.clone(),
            context: what(),
            reason: "the job panicked (a bug: please report it with the page)".into(),
        })
    }

    /// What the store knows of `url`: its state among the source's (read when the source
    /// started), else asked for — a page last saved under another source's name.
    fn state(
        &self,
        known: &mut HashMap<String, PageState>,
        url: &str,
    ) -> Result<Option<PageState>, StoreError> {
        match known.remove(url) {
            Some(state) => Ok(Some(state)),
            None => lock_ignoring_poison(&self.reader).page(url),
        }
    }

    /// Changes the figures of source `name`.
    fn of_source(&self, name: &str, change: impl FnOnce(&mut SourceSummary)) {
        if let Some(&i) = self.source_index.get(name) {
            if let Some(figures) = self.summary().sources.get_mut(i) {
                change(figures);
            }
        }
    }

    async fn source(&self, src: Arc<SourceConfig>) -> Result<(), StoreError> {
        // Only this run changes the store meanwhile, and it takes each article once.
        let mut known = lock_ignoring_poison(&self.reader).pages_of(&src.name)?;
        let mut column = Column {
            listed: HashSet::new(),
            articles: Vec::new(),
        };
        for start in &src.start {
            self.html_column(&src, &mut known, &mut column, start)
                .await?;
        }
        if src.list_json.is_some() {
            self.json_column(&src, &mut known, &mut column).await?;
        }
        let mut articles = column.articles;
        let retries = lock_ignoring_poison(&self.retries)
            .remove(&src.name)
            .unwrap_or_default();
        for url in retries {
            if self.claim(&url) {
                articles.push(url);
            }
        }
        self.summary().articles += articles.len();
        self.of_source(&src.name, |s| s.articles += articles.len());
        self.progress.inc_length(articles.len() as u64);
        let mut fetches = Vec::with_capacity(articles.len());
        for url in articles {
            let state = self.state(&mut known, &url)?;
            fetches.push(self.article(Arc::clone(&src), url, state));
        }
        let results = futures_util::future::join_all(fetches).await;
        results.into_iter().collect()
    }

    /// Fetches one article and commits what it yields: first its attachments, when its body
    /// is new (each stored and versioned as a page of its own), then the article with what
    /// became of each.
    async fn article(
        &self,
        src: Arc<SourceConfig>,
        url: String,
        state: Option<PageState>,
    ) -> Result<(), StoreError> {
        let result = self
            .fetcher
            .fetch_from(&src.origins, request(&url, state.as_ref()))
            .await;
        let (source, page_url) = (Arc::clone(&src), url.clone());
        let stopped = || format!("the worker extracting {url} stopped");
        let (mut verdict, links) = match result {
            Ok(fetched) if fetched.bytes.len() > HASH_INLINE_BYTES => {
                self.cpu(stopped, move || {
                    match prejudge_article(state, Ok(fetched)) {
                        Judged::Done(verdict) => (verdict, Vec::new()),
                        Judged::Extract { fetched, state } => {
                            extract_article(&source, &page_url, state, fetched, None)
                        }
                    }
                })
                .await?
            }
            result => match prejudge_article(state, result) {
                Judged::Done(verdict) => (verdict, Vec::new()),
                Judged::Extract { fetched, state } => {
                    self.cpu(stopped, move || {
                        extract_article(&source, &page_url, state, fetched, None)
                    })
                    .await?
                }
            },
        };
        if let ArticleVerdict::Version { report, .. } = &mut verdict {
            let of = ArticleOf {
                url: url.clone(),
                link_text: None,
                publisher: report.publisher.clone(),
                published_at: report.published_at.clone(),
            };
            for link in links {
                let of = ArticleOf {
                    link_text: link.link_text.clone(),
                    ..of.clone()
                };
                let outcome = self.attachment(&src, &link, of).await?;
                report.attachments.push(outcome);
            }
        }
        let outcome = self.save_document(&src, &url, verdict).await?;
        self.count(&src, &url, &outcome);
        self.progress.inc(1);
        Ok(())
    }

    /// Writes a document's verdict on the store's thread.
    async fn save_document(
        &self,
        src: &Arc<SourceConfig>,
        url: &str,
        verdict: ArticleVerdict,
    ) -> Result<Outcome, StoreError> {
        let (source, page_url) = (Arc::clone(src), url.to_string());
        self.writer
            .write(
                || format!("cannot save {url}"),
                move |store| verdict.save(store, &source, &page_url),
            )
            .await
    }

    /// Adds what became of an article to the summary, and logs it.
    fn count(&self, src: &SourceConfig, url: &str, outcome: &Outcome) {
        {
            let mut s = self.summary();
            match outcome {
                Outcome::New(changes) => {
                    s.fetched += 1;
                    s.new_pages += 1;
                    s.records += *changes;
                }
                Outcome::Changed(changes) => {
                    s.fetched += 1;
                    s.changed_pages += 1;
                    s.records += *changes;
                }
                Outcome::NoTable(_) => {
                    s.fetched += 1;
                    s.no_table += 1;
                }
                Outcome::Unchanged => s.unchanged += 1,
                Outcome::Suspect(_) => {
                    s.fetched += 1;
                    s.suspect += 1;
                }
                Outcome::Failed(_) => s.failed += 1,
            }
        }
        self.of_source(&src.name, |s| match outcome {
            Outcome::New(_) => s.new += 1,
            Outcome::NoTable(_) => s.no_table += 1,
            Outcome::Failed(_) => s.failed += 1,
            _ => {}
        });
        match outcome {
            Outcome::Failed(reason) => {
                tracing::warn!(source = %Escaped(&src.name), url = %Escaped(url), reason = %Escaped(reason), "article failed")
            }
            Outcome::Suspect(reason) => {
                tracing::warn!(source = %Escaped(&src.name), url = %Escaped(url), reason = %Escaped(reason), "suspect fetch")
            }
            Outcome::NoTable(reason) => {
                tracing::warn!(source = %Escaped(&src.name), url = %Escaped(url), reason = %Escaped(reason), "article without a progress table")
            }
            other => {
                tracing::debug!(source = %Escaped(&src.name), url = %Escaped(url), outcome = ?other, "article")
            }
        }
    }

    /// Fetches one attachment of an article (conditionally, any Content-Type) and commits
    /// what it yields as a page of its own: a 304 or the same bytes is not parsed again, a
    /// new body gives new record versions, and one this machine cannot read (`needs
    /// LibreOffice`, `pdf not read`) is kept with its bytes for a later `reparse`.
    async fn attachment(
        &self,
        src: &Arc<SourceConfig>,
        link: &AttachmentLink,
        of: ArticleOf,
    ) -> Result<AttachmentReport, StoreError> {
        let url = link.url.clone();
        let mut report = AttachmentReport {
            url: url.clone(),
            link_text: link.link_text.clone(),
            format: None,
            outcome: AttachmentOutcome::Read,
        };
        if !self.claim(&url) {
            report.outcome = AttachmentOutcome::Skipped("already checked in this run".to_string());
            return Ok(report);
        }
        let state = lock_ignoring_poison(&self.reader).page(&url)?;
        let request = Request {
            any_type: true,
            ..request(&url, state.as_ref())
        };
        let result = self.fetcher.fetch(request).await;
        let verdict = match prejudge_article(state, result) {
            Judged::Done(verdict) => verdict,
            Judged::Extract { fetched, state } => {
                let (source, page_url) = (Arc::clone(src), url.clone());
                self.cpu(
                    || format!("the worker extracting {url} stopped"),
                    move || extract_article(&source, &page_url, state, fetched, Some(&of)).0,
                )
                .await?
            }
        };
        if let ArticleVerdict::Version { report: doc, .. } = &verdict {
            report.format = Some(doc.source_format.as_str().to_string());
            report.outcome = pipeline::attachment_outcome(doc);
        }
        let outcome = self.save_document(src, &url, verdict).await?;
        match &outcome {
            Outcome::New(changes) | Outcome::Changed(changes) => {
                self.summary().records += *changes;
            }
            Outcome::Unchanged => report.outcome = AttachmentOutcome::NotModified,
            Outcome::Failed(reason) | Outcome::Suspect(reason) => {
                self.summary().failed += 1;
                report.outcome = AttachmentOutcome::Failed(reason.clone());
            }
            Outcome::NoTable(_) => {}
        }
        if let AttachmentOutcome::Failed(reason) | AttachmentOutcome::Skipped(reason) =
            &report.outcome
        {
            tracing::warn!(source = %Escaped(&src.name), url = %Escaped(&url), reason = %Escaped(reason), "attachment not read");
        }
        Ok(report)
    }
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
/// fetching stops, what was fetched is saved, the outputs are written ([`stop`]).
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
        workers: workers::Workers::start(parallelism).map_err(|e| {
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
        ..
    } = run;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PageKind;

    const URL: &str = "http://www.wencheng.gov.cn/art/2024/8/28/art_1229265580_59001.html";

    fn answer(status: u16, etag: Option<&str>) -> Fetched {
        Fetched {
            url: URL.into(),
            final_url: URL.into(),
            status,
            content_type: None,
            etag: etag.map(str::to_string),
            last_modified: None,
            bytes: Vec::new(),
            fetched_at: "2026-11-29T00:00:00Z".into(),
            not_modified: status == 304,
        }
    }

    fn stored(status: u16, etag: Option<&str>, error: Option<&str>, suspect: bool) -> PageState {
        PageState {
            url: URL.into(),
            kind: PageKind::Article,
            source: "文成".into(),
            publisher: None,
            etag: etag.map(str::to_string),
            last_modified: Some("Wed, 28 Aug 2024 08:34:00 GMT".into()),
            sha256: Some("ab".into()),
            status: Some(status),
            checked_at: Some("2026-11-28T00:00:00Z".into()),
            error: error.map(str::to_string),
            suspect,
            has_records: true,
        }
    }

    #[test]
    fn only_the_check_time_is_written_when_the_answer_says_nothing_new() {
        let only_time =
            |f: Fetched, s: Option<PageState>| Checked::of(&f, s.as_ref()).only_the_time;
        let ok = stored(304, Some("\"a\""), None, false);
        assert!(only_time(answer(304, Some("\"a\"")), Some(ok.clone())));
        assert!(
            only_time(answer(304, None), Some(ok.clone())),
            "no validator sent"
        );
        assert!(
            !only_time(answer(304, Some("\"b\"")), Some(ok.clone())),
            "a new ETag"
        );
        assert!(
            !only_time(answer(200, Some("\"a\"")), Some(ok)),
            "another status"
        );
        let failed = stored(304, Some("\"a\""), Some("HTTP 500"), false);
        assert!(
            !only_time(answer(304, Some("\"a\"")), Some(failed)),
            "an error to clear"
        );
        let suspect = stored(304, Some("\"a\""), None, true);
        assert!(
            !only_time(answer(304, Some("\"a\"")), Some(suspect)),
            "a suspect mark to clear"
        );
        assert!(
            !only_time(answer(304, Some("\"a\"")), None),
            "nothing known"
        );
    }
}
