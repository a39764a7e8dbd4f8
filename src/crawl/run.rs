//! One run's shared state ([`Run`]): the fetcher, the store's reader and writer, the CPU
//! slots, the URLs already claimed, and the summary each article's outcome is counted into.
//! The article side is in `article.rs`, the attachment side in `attachment.rs`, the list
//! side in `columns.rs`.

use super::config::SourceConfig;
use super::verdict::Outcome;
use super::{lock_ignoring_poison, writer, SourceSummary, Summary};
use crate::fetch::Fetcher;
use crate::sanitize::Escaped;
use crate::store::{PageState, Store, StoreError, StoreErrorKind};
use crate::workers;
use indicatif::ProgressBar;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// Articles of one host in progress at once, per source: one whose fetch waits for (or
/// holds) the host's turn, one being judged and saved. The host takes one request at a
/// time anyway, so more only wait — and a waiting article is a whole fetch's state, some
/// 4 KB (issue 16: 3,000 sources' articles all started at once were 66 MB of a 3,000-host
/// crawl's peak, and a column of 200 articles would hold 200 of them). Two keep the host's
/// next request queued while the last one is saved.
pub(super) const ARTICLES_AT_ONCE: usize = 2;

/// An article to fetch: its URL and what the store knows of it.
pub(super) type Queued = (String, Option<PageState>);

/// A source's articles by host, hosts in the order first met, each host's in list order.
#[derive(Default)]
pub(super) struct HostQueues(pub(super) Vec<(String, Vec<Queued>)>);

impl HostQueues {
    pub(super) fn push(&mut self, url: String, state: Option<PageState>) {
        // An article URL came from a parsed link; one that no longer parses goes with the
        // others of no host, and fails at its fetch as before.
        let host = url::Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        match self.0.iter_mut().find(|(h, _)| *h == host) {
            Some((_, queue)) => queue.push((url, state)),
            None => self.0.push((host, vec![(url, state)])),
        }
    }
}

/// One run's shared state.
pub(super) struct Run {
    pub(super) fetcher: Fetcher,
    /// A read-only connection for what the store knows of a page before its fetch: quick
    /// indexed reads that see the last commit and never wait for the writer (WAL).
    pub(super) reader: Arc<Mutex<Store>>,
    /// The store's one writer thread, committing the saves of many pages at once.
    pub(super) writer: writer::Writer,
    /// The store's path, for errors.
    pub(super) db: PathBuf,
    /// The CPU slots for hashing and parsing, one thread per core: every page of a round of
    /// requests arrives at once, and they wait their turn there.
    pub(super) workers: workers::Workers,
    pub(super) summary: Mutex<Summary>,
    /// Each source's place in `summary.sources`.
    pub(super) source_index: HashMap<String, usize>,
    pub(super) progress: ProgressBar,
    /// Article URLs already taken by a source in this run: a page linked from two columns
    /// is fetched once.
    pub(super) claimed: Mutex<HashSet<String>>,
    /// Each source's suspect and failed articles, read once when the run starts. The same as
    /// asking the store when the source gets to them: only articles this run has claimed
    /// change state meanwhile, and a claimed article is not taken twice.
    pub(super) retries: Mutex<HashMap<String, Vec<String>>>,
}

impl Run {
    /// True the first time `url` is claimed in this run.
    pub(super) fn claim(&self, url: &str) -> bool {
        lock_ignoring_poison(&self.claimed).insert(url.to_string())
    }

    pub(super) fn summary(&self) -> MutexGuard<'_, Summary> {
        lock_ignoring_poison(&self.summary)
    }

    /// Runs `job` in one of the CPU slots, so that no hash or parse ever holds the thread
    /// that drives the fetches.
    pub(super) async fn cpu<T: Send + 'static>(
        &self,
        what: impl FnOnce() -> String,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        self.workers.run(job).await.ok_or_else(|| {
            StoreError::new(
                &self.db,
                what(),
                StoreErrorKind::Other,
                "the job panicked (a bug: please report it with the page)",
            )
        })
    }

    /// What the store knows of `url`: its state among the source's (read when the source
    /// started), else asked for — a page last saved under another source's name.
    pub(super) fn state(
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
    pub(super) fn of_source(&self, name: &str, change: impl FnOnce(&mut SourceSummary)) {
        if let Some(&i) = self.source_index.get(name) {
            if let Some(figures) = self.summary().sources.get_mut(i) {
                change(figures);
            }
        }
    }

    /// Adds what became of an article to the summary, and logs it.
    pub(super) fn count(&self, src: &SourceConfig, url: &str, outcome: &Outcome) {
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
}
