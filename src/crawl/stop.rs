//! Stopping a crawl cleanly before its end: on a signal (SIGTERM from a scheduler, Ctrl-C)
//! or when `--max-run-secs` / `max_run_secs` is reached. Fetching stops, every save already
//! handed to the store's writer is committed, the outputs are written with what was had, the
//! log is checkpointed, and the run exits 1 saying why. What was not checked is checked by
//! the next run.
//!
//! The library never installs signal handlers itself (that is the process's business,
//! `main.rs`): the process hands the crawl a [`Stop`] and calls [`Stop::request`] from its
//! handler.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Why a run stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// `--max-run-secs` / `max_run_secs` was reached.
    TimeLimit(Duration),
    /// A signal asked for it (its name: `SIGTERM`, `SIGINT`).
    Signal(&'static str),
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stopped::TimeLimit(limit) => {
                write!(f, "the run time limit of {} s was reached", limit.as_secs())
            }
            Stopped::Signal(name) => write!(f, "{name} received"),
        }
    }
}

/// A request to stop, made from anywhere (a signal handler's thread), heard by the crawl.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    inner: Arc<(Notify, Mutex<Option<&'static str>>)>,
}

impl Stop {
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Asks the run to stop; `why` names the signal.
    pub fn request(&self, why: &'static str) {
        let (notify, reason) = &*self.inner;
        *reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
        // A permit is kept when the run is not waiting yet: it stops as soon as it looks.
        notify.notify_one();
    }

    /// Waits until a stop is requested; its reason.
    pub async fn requested(&self) -> Stopped {
        let (notify, reason) = &*self.inner;
        notify.notified().await;
        Stopped::Signal(
            reason
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or("a stop request"),
        )
    }
}

/// Waits until `limit` has passed since `start`; forever without a limit.
pub async fn time_limit(start: tokio::time::Instant, limit: Option<Duration>) -> Stopped {
    match limit {
        Some(limit) => {
            tokio::time::sleep_until(start + limit).await;
            Stopped::TimeLimit(limit)
        }
        None => std::future::pending().await,
    }
}
