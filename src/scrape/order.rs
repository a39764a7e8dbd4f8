//! Scrape's ordered writing: the workers' rendered pages reach the one writer thread in any
//! order and are written in input order, the workers kept at most [`super::AHEAD`] pages ahead.

use super::{Progress, Summary, AHEAD};
use crate::emit::{self, CsvFormat, EmitError, Output, RenderError, Rendered};
use crate::pipeline;
use crate::record::PageReport;
use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// How many reports the writer has written, for the workers to keep within [`AHEAD`].
#[derive(Default)]
pub(super) struct Written {
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
    pub(super) fn wait_for_room(&self, index: usize) -> bool {
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

    pub(super) fn stop(&self) {
        self.lock().1 = true;
        self.changed.notify_all();
    }
}

/// A page ready for the writer: rendered by the worker that parsed it, with what the summary
/// needs.
pub(super) struct Finished {
    source_url: String,
    error: Option<String>,
    records: usize,
    /// Or why it could not be rendered, and for which file.
    rendered: Result<Rendered, RenderError>,
}

impl Finished {
    pub(super) fn of(report: PageReport, format: CsvFormat, keep_values: bool) -> Finished {
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
pub(super) fn write_in_order(
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
