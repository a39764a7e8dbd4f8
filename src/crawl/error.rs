//! Why a crawl, export or reparse could not run or finish, and the exit status each reason
//! gives (2 for a bad config or a missing store, 3 when another run holds the lock).

use super::config::ConfigError;
use super::export::ExportError;
use crate::fetch::FetchError;
use crate::store::StoreError;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status when another run holds the store's lock.
pub const EXIT_LOCKED: u8 = 3;

/// Why a crawl, export or reparse could not run or finish.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error(transparent)]
    Config(ConfigError),
    /// Another run holds the lock; `holder` is what it wrote there (its process id).
    #[error(
        "another minsheng run (pid {}) holds {}; not starting a second one on the same store",
        if holder.is_empty() { "unknown" } else { holder },
        lock.display()
    )]
    Locked { lock: PathBuf, holder: String },
    /// `export` / `reparse` on a store that does not exist.
    #[error("{}: no store here; run `minsheng crawl --db {}` first", .0.display(), .0.display())]
    NoStore(PathBuf),
    #[error("cannot lock {}: {reason}", lock.display())]
    Lock { lock: PathBuf, reason: String },
    #[error(transparent)]
    Fetcher(FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("{0}")]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::EmitError;
    use std::error::Error as _;
    use std::io;

    #[test]
    fn a_wrapped_error_reads_as_itself_and_hands_on_its_source() {
        let emit = EmitError {
            path: "/out/records.csv".into(),
            source: io::Error::new(io::ErrorKind::StorageFull, "No space left on device"),
        };
        let e = CrawlError::from(ExportError::from(emit));
        assert_eq!(
            e.to_string(),
            "cannot write /out/records.csv: No space left on device"
        );
        let source = e.source().unwrap().downcast_ref::<io::Error>().unwrap();
        assert_eq!(source.kind(), io::ErrorKind::StorageFull);
    }
}
