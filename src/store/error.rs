//! Why a store operation failed: the database file, what was being done, the reason as text
//! (what the messages have always said), a [`StoreErrorKind`] to tell a full disk from a busy
//! or damaged store without reading that text, and the underlying error as `source()`.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// A store operation that failed: the database file, what was being done, and why.
/// `Display` is `PATH: CONTEXT: REASON`.
///
/// Clone, because the writer hands one failed commit to every save of its group: the
/// underlying error (a `rusqlite::Error` is not `Clone`) is kept behind an `Arc`. `Display`
/// and `Error` are written out rather than derived with `thiserror`: its `#[source]` would
/// hand out the `Arc` itself, which does not downcast to the `rusqlite::Error` inside.
#[derive(Debug, Clone)]
pub struct StoreError {
    pub path: PathBuf,
    pub context: String,
    /// The reason as text: the underlying error's message, or the store's own words.
    pub reason: String,
    pub kind: StoreErrorKind,
    source: Option<Arc<dyn Error + Send + Sync>>,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.path.display(),
            self.context,
            self.reason
        )
    }
}

impl Error for StoreError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        let cause: &(dyn Error + Send + Sync + 'static) = self.source.as_deref()?;
        Some(cause)
    }
}

/// What kind of failure a [`StoreError`] is, read from SQLite's result code or the I/O
/// error's kind, so that callers can tell what to do (wait, free space, restore) without
/// matching on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// Another connection holds the lock (`SQLITE_BUSY`, `SQLITE_LOCKED`): trying again later
    /// may work.
    Busy,
    /// No room left: the disk, a quota, or SQLite's page limit (`SQLITE_FULL`, `ENOSPC`).
    Full,
    /// The file is not a whole store (`SQLITE_CORRUPT`, `SQLITE_NOTADB`, a failed quick
    /// check, a file without its tables).
    Corrupt,
    /// Writing is not allowed: a read-only connection, file or file system, or permissions
    /// (`SQLITE_READONLY`, `SQLITE_PERM`, `EACCES`, `EROFS`).
    ReadOnly,
    /// The operating system could not read, write or open the file (`SQLITE_IOERR`,
    /// `SQLITE_CANTOPEN`, any other I/O error).
    Io,
    /// Anything else: a bug, a store from a newer minsheng, a record that cannot be encoded.
    Other,
}

impl StoreErrorKind {
    /// The kind of an underlying error: rusqlite's by its result code, std's by its kind,
    /// a store error's its own, any other `Other`.
    pub fn of(e: &(dyn Error + 'static)) -> StoreErrorKind {
        if let Some(e) = e.downcast_ref::<StoreError>() {
            return e.kind;
        }
        if let Some(e) = e.downcast_ref::<rusqlite::Error>() {
            return StoreErrorKind::of_sqlite(e);
        }
        if let Some(e) = e.downcast_ref::<io::Error>() {
            return StoreErrorKind::of_io(e);
        }
        StoreErrorKind::Other
    }

    fn of_sqlite(e: &rusqlite::Error) -> StoreErrorKind {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => StoreErrorKind::Busy,
            Some(C::DiskFull) => StoreErrorKind::Full,
            Some(C::DatabaseCorrupt | C::NotADatabase) => StoreErrorKind::Corrupt,
            Some(C::ReadOnly | C::PermissionDenied) => StoreErrorKind::ReadOnly,
            Some(C::SystemIoFailure | C::CannotOpen | C::FileLockingProtocolFailed) => {
                StoreErrorKind::Io
            }
            _ => StoreErrorKind::Other,
        }
    }

    fn of_io(e: &io::Error) -> StoreErrorKind {
        match e.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => StoreErrorKind::Full,
            io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied => {
                StoreErrorKind::ReadOnly
            }
            _ => StoreErrorKind::Io,
        }
    }
}

impl StoreError {
    /// A failure of the store's own finding, with no underlying error.
    pub fn new(
        path: impl Into<PathBuf>,
        context: impl Into<String>,
        kind: StoreErrorKind,
        reason: impl Into<String>,
    ) -> StoreError {
        StoreError {
            path: path.into(),
            context: context.into(),
            reason: reason.into(),
            kind,
            source: None,
        }
    }

    /// A failure caused by `cause`: its message is the reason, its kind the kind, and it is
    /// kept as the `source()`.
    pub fn caused_by(
        path: impl Into<PathBuf>,
        context: impl Into<String>,
        cause: impl Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError::described(path, context, cause.to_string(), cause)
    }

    /// A failure caused by `cause`, told in the store's own words (`reason`): the kind is
    /// still the cause's, and it is kept as the `source()`.
    pub(crate) fn described(
        path: impl Into<PathBuf>,
        context: impl Into<String>,
        reason: impl Into<String>,
        cause: impl Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError {
            path: path.into(),
            context: context.into(),
            reason: reason.into(),
            kind: StoreErrorKind::of(&cause),
            source: Some(Arc::new(cause)),
        }
    }

    /// The same failure, of another kind (a damaged store is `Corrupt` whatever SQLite
    /// said on the way).
    pub(crate) fn of_kind(mut self, kind: StoreErrorKind) -> StoreError {
        self.kind = kind;
        self
    }
}
