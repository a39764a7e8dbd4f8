//! The attachment side of a run: one document an article links (xlsx, docx, a PDF...)
//! fetched with any Content-Type and kept as a page of its own, versioned like an article,
//! and what became of it reported on the article.

use super::config::SourceConfig;
use super::lock_ignoring_poison;
use super::run::Run;
use super::verdict::{
    extract_article, prejudge_article, request, ArticleOf, ArticleVerdict, Judged, Outcome,
};
use crate::extract::links::AttachmentLink;
use crate::fetch::Request;
use crate::pipeline;
use crate::record::{AttachmentOutcome, AttachmentReport};
use crate::sanitize::Escaped;
use crate::store::StoreError;
use std::sync::Arc;

impl Run {
    /// Fetches one attachment of an article (conditionally, any Content-Type) and commits
    /// what it yields as a page of its own: a 304 or the same bytes is not parsed again, a
    /// new body gives new record versions, and one this machine cannot read (`needs
    /// LibreOffice`, `pdf not read`) is kept with its bytes for a later `reparse`.
    pub(super) async fn attachment(
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
