//! What a fetched article or attachment means beside what the store holds, decided without
//! the store: a failure, an unchanged page (304, or the stored hash), a suspect fetch (a 200
//! without the progress table the page had), or a new version with its records. The cheap
//! half ([`prejudge_article`]) runs on the thread that drives the fetches, the costly half
//! ([`extract_article`]) on a CPU slot; [`ArticleVerdict::save`] then writes the verdict on
//! the store's writer thread. Must not fetch or wait: it is handed the response and the state.

use super::config::SourceConfig;
use crate::extract::links::AttachmentLink;
use crate::fetch::{FetchError, Fetched, Request};
use crate::pipeline::{self, sha256_hex, Source};
use crate::record::PageReport;
use crate::store::{PageKind, PageState, RecordChanges, Snapshot, Store, StoreError};

/// What became of one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    New(RecordChanges),
    Changed(RecordChanges),
    NoTable(String),
    Unchanged,
    Suspect(String),
    Failed(String),
}

/// A request with the stored version's validators, when there is one.
pub(super) fn request(url: &str, state: Option<&PageState>) -> Request {
    let stored = state.filter(|s| s.sha256.is_some());
    Request {
        url: url.to_string(),
        etag: stored.and_then(|s| s.etag.clone()),
        last_modified: stored.and_then(|s| s.last_modified.clone()),
        ..Request::default()
    }
}

/// A response's validators and time, for refreshing the state of an unchanged page.
pub(super) struct Checked {
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
    pub(super) fn of(f: &Fetched, state: Option<&PageState>) -> Checked {
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

    pub(super) fn save(&self, store: &mut Store, url: &str) -> Result<(), StoreError> {
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
pub(super) struct Failure {
    pub(super) status: Option<u16>,
    pub(super) reason: String,
    pub(super) at: String,
}

impl Failure {
    pub(super) fn of_fetch(e: &FetchError) -> Failure {
        Failure {
            status: e.status(),
            reason: e.reason(),
            at: pipeline::now_utc(),
        }
    }

    pub(super) fn save(
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
pub(super) enum ArticleVerdict {
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
pub(super) const HASH_INLINE_BYTES: usize = 256 * 1024;

/// An article's response, judged as far as it can be without extracting it.
pub(super) enum Judged {
    Done(ArticleVerdict),
    /// A new body: extraction decides ([`extract_article`]).
    Extract {
        fetched: Fetched,
        state: Option<PageState>,
    },
}

/// The cheap half of judging an article: failures, 304s and bodies that hash as the stored
/// version are decided here.
pub(super) fn prejudge_article(
    state: Option<PageState>,
    result: Result<Fetched, FetchError>,
) -> Judged {
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
pub(super) fn extract_article(
    source: &SourceConfig,
    url: &str,
    state: Option<PageState>,
    fetched: Fetched,
    of: Option<&ArticleOf>,
) -> (ArticleVerdict, Vec<AttachmentLink>) {
    // The pipeline borrows the body; the same value then goes to the store.
    let doc = Source {
        url,
        default_publisher: source.publisher.as_deref(),
        article_url: of.map(|a| a.url.as_str()),
        link_text: of.and_then(|a| a.link_text.as_deref()),
        article_publisher: of.and_then(|a| a.publisher.as_deref()),
        article_published_at: of.and_then(|a| a.published_at.as_deref()),
        source_name: Some(&source.name),
        county: source.county.as_deref(),
        ..Source::fetched(&fetched)
    };
    // An article's attachment links come from the same parse as its tables; an attachment
    // links nothing further.
    let (report, links) = if of.is_none() {
        pipeline::process_with_links(&doc)
    } else {
        (pipeline::process(&doc), Vec::new())
    };
    let has_records = report.records().next().is_some();
    let had_records = state.as_ref().is_some_and(|s| s.has_records);
    let why = report
        .error
        .clone()
        .unwrap_or_else(|| "no records".to_string());
    let snap = fetched;
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
pub(super) struct ArticleOf {
    pub(super) url: String,
    pub(super) link_text: Option<String>,
    pub(super) publisher: Option<String>,
    pub(super) published_at: Option<String>,
}

impl ArticleVerdict {
    /// Writes the verdict (one savepoint) and says what became of the article.
    pub(super) fn save(
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
