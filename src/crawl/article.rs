//! The article side of a run: a source's articles (those its lists found, plus its earlier
//! suspects and failures) fetched conditionally, judged ([`super::verdict`]), their
//! attachments fetched when the body is new, and the verdict saved and counted.

use super::columns::Column;
use super::config::SourceConfig;
use super::lock_ignoring_poison;
use super::run::{HostQueues, Run, ARTICLES_AT_ONCE};
use super::verdict::{
    extract_article, prejudge_article, request, ArticleOf, ArticleVerdict, Judged, Outcome,
    HASH_INLINE_BYTES,
};
use crate::store::{PageState, StoreError};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::Arc;

impl Run {
    pub(super) async fn source(&self, src: Arc<SourceConfig>) -> Result<(), StoreError> {
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
        let mut queues = HostQueues::default();
        for url in articles {
            let state = self.state(&mut known, &url)?;
            queues.push(url, state);
        }
        // Each host's articles in turn, a few at once (run.rs: ARTICLES_AT_ONCE); hosts
        // in parallel.
        let hosts = queues.0.into_iter().map(|(_, queue)| {
            futures_util::stream::iter(queue)
                .map(|(url, state)| self.article(Arc::clone(&src), url, state))
                .buffered(ARTICLES_AT_ONCE)
                .collect::<Vec<_>>()
        });
        let results = futures_util::future::join_all(hosts).await;
        results.into_iter().flatten().collect()
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
    pub(super) async fn save_document(
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
}
