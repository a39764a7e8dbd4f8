//! Why a crawl, export or reparse could not run or finish, and the exit status each reason
//! gives (2 for a bad config or a missing store, 3 when another run holds the lock).

use super::config::ConfigError;
use super::export::ExportError;
use crate::fetch::FetchError;
use crate::store::StoreError;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

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
