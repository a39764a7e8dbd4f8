//! A source's columns read page by page: the requests the pagers give (a POST with the
//! form for the Hanweb data proxy, a GET otherwise), up to `max_list_pages` (a proxy request
//! counts the pages it covers), each page judged on a CPU slot and saved by the writer.
//!
//! No silent loss (issue 14): a page whose items were all on an earlier page of its column
//! is a *repeated page* (a site that answers `?pageNum=N` with page 1): the column stops
//! there, is warned about and the run exits 1. A column stating more pages than
//! `max_list_pages` lets the crawl read is warned about with both numbers. A configured JSON
//! list is read `{page}` by `{page}` until a page with no new items.

use super::config::SourceConfig;
use super::lists::{self, Filter, ListPage, Listing, NextPage};
use super::lock_ignoring_poison;
use super::run::Run;
use super::verdict::{request, Checked, Failure};
use crate::decode;
use crate::fetch::{FetchError, Fetched, Request};
use crate::pipeline;
use crate::pipeline::sha256_hex;
use crate::sanitize::Escaped;
use crate::store::{PageKind, PageState, Snapshot, Store, StoreError};
use regex::Regex;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use url::Url;

/// A column's `follow` pattern, compiled when one of its pages is judged (on a CPU slot) and
/// kept only while the column has a next page to read: a compiled pattern with Unicode
/// classes is some 115 KB, and kept for every source of a national config it was most of a
/// run's memory (issue 16); kept per column until the column ended, the 3,000 list pages
/// of one burst still held up to 3,000 of them while waiting for their saves.
type ColumnFollow = Arc<Mutex<Option<Regex>>>;

/// What a list page's response came to.
enum ListOutcome {
    Read(ListPage),
    Failed(String),
}

/// What a list page's response means, and the links of a page that was had (fresh, or the
/// stored copy after a 304); [`ListVerdict::save`] writes it.
enum ListVerdict {
    Failed(Failure),
    Unchanged(Checked, ListRead),
    Version(Snapshot, ListRead),
}

/// The links a source takes from a list page's version.
struct ListRead {
    page: ListPage,
    /// The version's links as parsed, to keep for the next run; None when they came from
    /// the store.
    keep: Option<KeptLinks>,
}

/// What [`Store::save_listing`] keeps.
struct KeptLinks {
    sha: String,
    final_url: String,
    listing: String,
}

impl ListRead {
    /// Keeps the parsed links. They are a cache: a failure is logged, and the next run
    /// parses the page again.
    fn keep(&self, store: &mut Store, url: &str) {
        if let Some(k) = &self.keep {
            if let Err(e) = store.save_listing(url, &k.sha, &k.final_url, &k.listing) {
                tracing::warn!(url = %Escaped(url), error = %e, "list page links not kept");
            }
        }
    }
}

/// Judges a list page's response and reads its links: from the store when this version of
/// the page was read before, else parsed (after a 304, from the stored copy).
fn judge_list(
    reader: &Mutex<Store>,
    src: &SourceConfig,
    follow: &ColumnFollow,
    url: &Url,
    state: Option<PageState>,
    result: Result<Fetched, FetchError>,
    json: bool,
) -> Result<ListVerdict, StoreError> {
    let kept = lock_ignoring_poison(follow).take();
    let compiled = match kept.map_or_else(|| src.follow.compile(), Ok) {
        Ok(compiled) => compiled,
        // A pattern that parses but cannot be compiled (larger than regex's size limit).
        Err(reason) => {
            return Ok(ListVerdict::Failed(Failure {
                status: None,
                reason: format!("source {:?}: {reason}", src.name),
                at: pipeline::now_utc(),
            }))
        }
    };
    let verdict = judge_list_with(reader, src, &compiled, url, state, result, json)?;
    let more = match &verdict {
        // A JSON list goes on page by page until one brings nothing new.
        ListVerdict::Unchanged(_, read) | ListVerdict::Version(_, read) => {
            json || !read.page.next_pages.is_empty()
        }
        ListVerdict::Failed(_) => false,
    };
    if more {
        *lock_ignoring_poison(follow) = Some(compiled);
    }
    Ok(verdict)
}

/// [`judge_list`] with the column's pattern compiled.
fn judge_list_with(
    reader: &Mutex<Store>,
    src: &SourceConfig,
    follow: &Regex,
    url: &Url,
    state: Option<PageState>,
    result: Result<Fetched, FetchError>,
    json: bool,
) -> Result<ListVerdict, StoreError> {
    let key = url.as_str();
    let stored_sha = state.and_then(|s| s.sha256);
    let filter = Filter {
        follow,
        title_contains: &src.title_contains,
        max_pages: src.max_list_pages,
    };
    let base = |final_url: &str| Url::parse(final_url).unwrap_or_else(|_| url.clone());
    let kept = |sha: &str, final_url: &str| -> Result<Option<ListRead>, StoreError> {
        let json = lock_ignoring_poison(reader).listing(key, sha, final_url)?;
        // Links that do not read back (kept by another version of minsheng) are read again.
        let listing = json.and_then(|j| serde_json::from_str::<Listing>(&j).ok());
        Ok(listing.map(|listing| ListRead {
            page: listing.select(&base(final_url), filter),
            keep: None,
        }))
    };
    let parse = |bytes: &[u8], content_type: Option<&str>, final_url: &str, sha: String| {
        let base = base(final_url);
        let listing = match (json, &src.list_json) {
            (true, Some(list)) => {
                let text = String::from_utf8_lossy(bytes);
                list.listing(&text, &base)
                    .map_err(|e| format!("JSON list {}: {e}", base))?
            }
            _ => lists::read(&decode::decode(bytes, content_type).text, &base),
        };
        Ok::<ListRead, String>(ListRead {
            page: listing.select(&base, filter),
            keep: serde_json::to_string(&listing)
                .ok()
                .map(|listing| KeptLinks {
                    sha,
                    final_url: final_url.to_string(),
                    listing,
                }),
        })
    };
    // A body that does not read as its list (a JSON list that is not JSON) fails the page.
    let unreadable = |status: u16, reason: String| {
        ListVerdict::Failed(Failure {
            status: Some(status),
            reason,
            at: pipeline::now_utc(),
        })
    };
    Ok(match result {
        Err(e) => ListVerdict::Failed(Failure::of_fetch(&e)),
        Ok(f) if f.not_modified => {
            let no_copy = |f: &Fetched| {
                ListVerdict::Failed(Failure {
                    status: Some(f.status),
                    reason: "HTTP 304 Not Modified but no stored copy of the list page".into(),
                    at: pipeline::now_utc(),
                })
            };
            let Some(sha) = stored_sha else {
                return Ok(no_copy(&f));
            };
            if let Some(read) = kept(&sha, &f.final_url)? {
                return Ok(ListVerdict::Unchanged(Checked::of(&f, None), read));
            }
            let stored = lock_ignoring_poison(reader).raw(key, &sha)?;
            match stored {
                Some(stored) => {
                    let content_type = stored.content_type.as_deref();
                    match parse(&stored.bytes, content_type, &f.final_url, sha) {
                        Ok(read) => ListVerdict::Unchanged(Checked::of(&f, None), read),
                        Err(reason) => unreadable(f.status, reason),
                    }
                }
                None => no_copy(&f),
            }
        }
        Ok(f) if !(200..300).contains(&f.status) => ListVerdict::Failed(Failure {
            status: Some(f.status),
            reason: format!("unexpected HTTP status {}", f.status),
            at: pipeline::now_utc(),
        }),
        Ok(f) => {
            let sha = sha256_hex(&f.bytes);
            let same = stored_sha.as_deref() == Some(sha.as_str());
            let read = match kept(&sha, &f.final_url)?.filter(|_| same) {
                Some(read) => Ok(read),
                None => parse(&f.bytes, f.content_type.as_deref(), &f.final_url, sha),
            };
            match read {
                Err(reason) => unreadable(f.status, reason),
                Ok(read) if same => ListVerdict::Unchanged(Checked::of(&f, None), read),
                Ok(read) => ListVerdict::Version(f, read),
            }
        }
    })
}

impl ListVerdict {
    fn save(
        self,
        store: &mut Store,
        src: &SourceConfig,
        url: &str,
    ) -> Result<ListOutcome, StoreError> {
        match self {
            ListVerdict::Failed(failure) => {
                failure.save(store, &src.name, PageKind::List, url)?;
                Ok(ListOutcome::Failed(failure.reason))
            }
            ListVerdict::Unchanged(checked, read) => {
                checked.save(store, url)?;
                read.keep(store, url);
                Ok(ListOutcome::Read(read.page))
            }
            ListVerdict::Version(snap, read) => {
                store.save_list(&src.name, &snap)?;
                read.keep(store, url);
                Ok(ListOutcome::Read(read.page))
            }
        }
    }
}

/// What a source's columns gave so far.
pub(super) struct Column {
    /// List requests made (their URLs), so that no page is read twice.
    pub(super) listed: HashSet<String>,
    /// Article URLs claimed, in the order found.
    pub(super) articles: Vec<String>,
}

impl Run {
    /// Takes the articles of a list page the column had not seen.
    fn take_articles(&self, page: &ListPage, column: &mut Column) {
        for link in &page.articles {
            let link = link.url.to_string();
            if self.claim(&link) {
                column.articles.push(link);
            }
        }
    }

    /// Notes a list page that only repeats items of an earlier page of its column.
    fn repeated(&self, src: &SourceConfig, start: &str, url: &str) {
        let warning = format!(
            "list page {url} only repeats items of an earlier page of the column {start}: \
             the column's pagination was stopped there and its later pages were not read"
        );
        tracing::warn!(source = %Escaped(&src.name), column = %Escaped(start), url = %Escaped(url), "repeated list page: the column's later pages were not read");
        self.summary().repeated_pages += 1;
        self.of_source(&src.name, |s| {
            s.repeated_pages += 1;
            s.warnings.push(warning);
        });
    }

    /// Reads one HTML column from `start`: its pages as the pagers give them, up to
    /// `max_list_pages`, stopping at a page that repeats an earlier one.
    pub(super) async fn html_column(
        &self,
        src: &Arc<SourceConfig>,
        known: &mut HashMap<String, PageState>,
        column: &mut Column,
        start: &Url,
    ) -> Result<(), StoreError> {
        let first = NextPage {
            url: start.clone(),
            form: None,
            pages: 1,
        };
        let mut queue = VecDeque::from([first]);
        let follow = ColumnFollow::default();
        let mut read = 0;
        let mut seen_items: HashSet<Url> = HashSet::new();
        let mut had_page = false;
        let mut warned_long = false;
        while let Some(next) = queue.pop_front() {
            if read >= src.max_list_pages {
                break;
            }
            let key = next.url.to_string();
            if !column.listed.insert(key.clone()) {
                continue;
            }
            read += next.pages;
            let state = self.state(known, &key)?;
            let Some(page) = self.list_page(src, &follow, &next, state, false).await? else {
                continue;
            };
            if had_page
                && !page.items.is_empty()
                && page.items.iter().all(|u| seen_items.contains(u))
            {
                self.repeated(src, start.as_str(), &key);
                break;
            }
            had_page = true;
            seen_items.extend(page.items.iter().cloned());
            if let Some(stated) = page.stated_pages.filter(|&n| n > src.max_list_pages) {
                if !warned_long {
                    warned_long = true;
                    self.cut_short(src, start.as_str(), stated);
                }
            }
            self.take_articles(&page, column);
            queue.extend(page.next_pages);
        }
        Ok(())
    }

    /// Notes a column that states more pages than `max_list_pages` lets the crawl read.
    fn cut_short(&self, src: &SourceConfig, start: &str, stated: usize) {
        let warning = format!(
            "the column {start} states {stated} list pages but max_list_pages is {}: \
             its later pages are not read (raise max_list_pages for this source)",
            src.max_list_pages
        );
        tracing::warn!(source = %Escaped(&src.name), column = %Escaped(start), stated_pages = stated, max_list_pages = src.max_list_pages, "the column has more list pages than max_list_pages");
        self.summary().cut_short += 1;
        self.of_source(&src.name, |s| s.warnings.push(warning));
    }

    /// Reads the source's configured JSON list: pages 1, 2, … (`{page}`) until a page with
    /// no items, a page that repeats an earlier one (an endpoint that answers past its last
    /// page with the last page again), a failure, or `max_list_pages`.
    pub(super) async fn json_column(
        &self,
        src: &Arc<SourceConfig>,
        known: &mut HashMap<String, PageState>,
        column: &mut Column,
    ) -> Result<(), StoreError> {
        let Some(list) = src.list_json.as_ref() else {
            return Ok(());
        };
        let last = if list.paginated() {
            src.max_list_pages
        } else {
            1
        };
        let mut seen_items: HashSet<Url> = HashSet::new();
        let follow = ColumnFollow::default();
        for n in 1..=last {
            // Checked when the config was read; a page number that breaks the URL ends it.
            let Ok(url) = list.page_url(n) else { break };
            let key = url.to_string();
            if !column.listed.insert(key.clone()) {
                break;
            }
            let state = self.state(known, &key)?;
            let next = NextPage {
                url,
                form: None,
                pages: 1,
            };
            let Some(page) = self.list_page(src, &follow, &next, state, true).await? else {
                break;
            };
            if page.items.is_empty() || page.items.iter().all(|u| seen_items.contains(u)) {
                tracing::debug!(source = %Escaped(&src.name), url = %Escaped(&key), "JSON list ends");
                break;
            }
            seen_items.extend(page.items.iter().cloned());
            self.take_articles(&page, column);
            if n == last && list.paginated() {
                let warning = format!(
                    "the JSON list {} still had items on page {n}, and max_list_pages is {}: \
                     its later pages are not read (raise max_list_pages for this source)",
                    list.url, src.max_list_pages
                );
                tracing::warn!(source = %Escaped(&src.name), url = %Escaped(&list.url), max_list_pages = src.max_list_pages, "the JSON list has more pages than max_list_pages");
                self.summary().cut_short += 1;
                self.of_source(&src.name, |s| s.warnings.push(warning));
            }
        }
        Ok(())
    }

    /// Reads one list page (conditionally, unless it is a POST); None when it could not be
    /// had. Stored under its URL.
    async fn list_page(
        &self,
        src: &Arc<SourceConfig>,
        follow: &ColumnFollow,
        next: &NextPage,
        state: Option<PageState>,
        json: bool,
    ) -> Result<Option<ListPage>, StoreError> {
        let url = next.url.clone();
        let key = url.to_string();
        let req = match &next.form {
            // A data-proxy POST: its answer depends on the form, so no validators.
            Some(form) => Request {
                url: key.clone(),
                form: Some(form.clone()),
                ..Request::default()
            },
            None => Request {
                any_type: json,
                ..request(&key, state.as_ref())
            },
        };
        let result = self.fetcher.fetch_from(&src.origins, req).await;
        let (reader, source) = (Arc::clone(&self.reader), Arc::clone(src));
        let follow = Arc::clone(follow);
        let verdict = self
            .cpu(
                || format!("the worker reading {key} stopped"),
                move || judge_list(&reader, &source, &follow, &url, state, result, json),
            )
            .await??;
        let (source, page_url) = (Arc::clone(src), key.clone());
        let outcome = self
            .writer
            .write(
                || format!("cannot save {key}"),
                move |store| verdict.save(store, &source, &page_url),
            )
            .await?;
        match outcome {
            ListOutcome::Failed(reason) => {
                tracing::warn!(source = %Escaped(&src.name), url = %Escaped(&key), reason = %Escaped(&reason), "list page failed");
                self.summary().list_failed += 1;
                self.of_source(&src.name, |s| s.list_failed += 1);
                Ok(None)
            }
            ListOutcome::Read(page) => {
                self.summary().list_pages += next.pages;
                self.of_source(&src.name, |s| s.list_pages += next.pages);
                tracing::debug!(
                    source = %Escaped(&src.name), url = %Escaped(&key), articles = page.articles.len(),
                    next_pages = page.next_pages.len(), "list page read"
                );
                Ok(Some(page))
            }
        }
    }
}
