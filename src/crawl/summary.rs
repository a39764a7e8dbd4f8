//! What a crawl did, as the summary line (and object) shows it: the run's totals and each
//! source's figures and warnings.

use super::Stopped;
use crate::sanitize::Escaped;
use crate::store::RecordChanges;
use std::fmt;

/// What one crawl did; printed as the summary line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// List pages read (a 304 included): a data-proxy request counts the pages it covers.
    pub list_pages: usize,
    pub list_failed: usize,
    /// Distinct article URLs to check: found on list pages, plus earlier suspects and failures.
    pub articles: usize,
    /// Articles whose new body was extracted.
    pub fetched: usize,
    pub new_pages: usize,
    pub changed_pages: usize,
    /// Articles with no progress table that never had one.
    pub no_table: usize,
    /// 304, or the same bytes as the stored version.
    pub unchanged: usize,
    pub failed: usize,
    /// A 200 without the progress table the page had: the stored version is kept.
    pub suspect: usize,
    pub records: RecordChanges,
    /// List pages that only repeated items of an earlier page of their column (the column's
    /// pagination was stopped there, and its later pages are unread).
    pub repeated_pages: usize,
    /// Columns that state more pages than `max_list_pages` lets the crawl read.
    pub cut_short: usize,
    /// The outputs were written; false when the folder already held what the store holds.
    pub outputs_written: bool,
    /// Every list page failed, so the outputs were left as they were.
    pub outputs_kept: bool,
    /// The run stopped before its end (a signal, the run time limit), and why.
    pub stopped: Option<Stopped>,
    /// The figures of each source, in config order.
    pub sources: Vec<SourceSummary>,
}

/// What the crawl did for one source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceSummary {
    pub name: String,
    /// List pages read, as [`Summary::list_pages`] counts them.
    pub list_pages: usize,
    pub list_failed: usize,
    pub repeated_pages: usize,
    /// Article URLs to check.
    pub articles: usize,
    /// Articles stored for the first time with records.
    pub new: usize,
    /// Articles read without a progress table.
    pub no_table: usize,
    pub failed: usize,
    /// What the operator should look at: repeated pages, columns cut short.
    pub warnings: Vec<String>,
}

impl fmt::Display for SourceSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "source {}: list pages {} ({} failed, {} repeated), articles found {}, new {}, no table {}, failed {}",
            Escaped(&format!("{:?}", self.name)),
            self.list_pages,
            self.list_failed,
            self.repeated_pages,
            self.articles,
            self.new,
            self.no_table,
            self.failed
        )?;
        for warning in &self.warnings {
            write!(f, "; warning: {}", Escaped(warning))?;
        }
        Ok(())
    }
}

impl Summary {
    /// Something needs the operator's attention: exit status 1.
    pub fn has_failures(&self) -> bool {
        self.list_failed + self.failed + self.suspect + self.repeated_pages > 0
            || self.stopped.is_some()
    }

    /// Articles found but not checked (the run stopped before them).
    pub fn not_checked(&self) -> usize {
        self.articles
            .saturating_sub(self.fetched + self.unchanged + self.failed)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "list pages {} ({} failed), articles found {}, fetched {} (new {}, changed {}, no table {}), \
             unchanged {}, failed {}, suspect {}; records new {}, changed {}, removed {}",
            self.list_pages,
            self.list_failed,
            self.articles,
            self.fetched,
            self.new_pages,
            self.changed_pages,
            self.no_table,
            self.unchanged,
            self.failed,
            self.suspect,
            self.records.new,
            self.records.changed,
            self.records.removed
        )?;
        if self.repeated_pages > 0 {
            write!(
                f,
                "; repeated list pages {} (their columns' later pages were not read)",
                self.repeated_pages
            )?;
        }
        if self.cut_short > 0 {
            write!(f, "; columns longer than max_list_pages {}", self.cut_short)?;
        }
        if self.outputs_kept {
            write!(
                f,
                "; every list page failed: the outputs were left as they were"
            )?;
        }
        if let Some(why) = self.stopped {
            write!(
                f,
                "; stopped early: {why}, {} article(s) found but not checked (the next run checks them)",
                self.not_checked()
            )?;
        }
        Ok(())
    }
}
