//! Scrape's URL inputs: all started at once on a tokio runtime in the background (the
//! fetcher keeps each host polite), each parsed as soon as its bytes arrive, the attachments
//! it links fetched and read after it, and taken by input position by whichever worker
//! reaches it.

use crate::config::ScrapeOptions;
use crate::extract::links::AttachmentLink;
use crate::fetch::{FetchError, Fetcher, Request};
use crate::pipeline::{self, Source};
use crate::record::{AttachmentReport, PageReport, SourceFormat};
use crate::workers::Workers;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Each URL input's background job, by input position.
type Jobs = HashMap<usize, JoinHandle<Vec<PageReport>>>;

/// URL inputs being fetched and parsed in the background, by input position.
#[derive(Default)]
pub(super) struct UrlJobs {
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
    pub(super) fn start(
        urls: impl Iterator<Item = (usize, String)>,
        opts: &ScrapeOptions,
    ) -> UrlJobs {
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
        let workers = Arc::new(
            Workers::start(opts.parse_threads.max(1))
                .map_err(|e| format!("cannot start the parser threads: {e}"))?,
        );
        let jobs = urls
            .into_iter()
            .map(|(i, url)| {
                let job =
                    fetch_and_process(fetcher.clone(), url, workers.clone(), opts.attachments);
                (i, runtime.spawn(job))
            })
            .collect();
        Ok((runtime, jobs))
    }

    /// Waits for the reports of the URL at input position `index`: its page, then the
    /// attachments it links.
    pub(super) fn take(&self, index: usize, url: &str) -> Vec<PageReport> {
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
    workers: Arc<Workers>,
    attachments: bool,
) -> Vec<PageReport> {
    let fetched = match fetcher.fetch(Request::new(url.clone())).await {
        Ok(fetched) => fetched,
        Err(e) => return vec![fetch_failed(&url, &e)],
    };
    let parsed = workers
        .run(move || {
            let source = Source::fetched(&fetched);
            if attachments {
                pipeline::process_with_links(&source)
            } else {
                (pipeline::process(&source), Vec::new())
            }
        })
        .await;
    let (mut article, links) = match parsed {
        Some(parsed) => parsed,
        None => {
            return vec![PageReport::failed(
                url,
                "internal error while parsing: the parser panicked".to_string(),
            )]
        }
    };
    let mut reports = Vec::with_capacity(links.len() + 1);
    for link in links {
        let report = fetch_attachment(&fetcher, &workers, &article, &link).await;
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

/// Fetches and reads one attachment of `article`.
async fn fetch_attachment(
    fetcher: &Fetcher,
    workers: &Workers,
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
    let (article_url, link_text) = (article.source_url.clone(), link.link_text.clone());
    let (publisher, published_at) = (article.publisher.clone(), article.published_at.clone());
    workers
        .run(move || {
            pipeline::process(&Source {
                article_url: Some(&article_url),
                link_text: link_text.as_deref(),
                article_publisher: publisher.as_deref(),
                article_published_at: published_at.as_deref(),
                ..Source::fetched(&fetched)
            })
        })
        .await
        .unwrap_or_else(|| {
            with_article(PageReport::failed(
                link.url.clone(),
                "internal error while parsing: the parser panicked".to_string(),
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
