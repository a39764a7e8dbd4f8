//! The store's lock: one crawl or reparse per store at a time.
//!
//! `DB.lock` beside the store's canonical path, so that every name of a store (a symlinked
//! `--db`, a relative path) is one lock: issue 11 saw two crawls run at once on one store
//! through a symlink. The file is opened with `O_NOFOLLOW`: a symlink planted at its name is
//! refused, not followed and overwritten with our pid. std's advisory file lock, released by the
//! kernel when the process ends however it ends.

use super::CrawlError;
use crate::emit::set::open_no_follow;
use crate::store::canonical_store_path;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The lock file of a store: its path with `.lock` appended.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Held for the whole run; the kernel releases it when the process ends, however it ends.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// Takes the lock of the store at `db` (by its canonical path) without waiting: a scheduler
/// that starts a run while the last one is still going gets a refusal at once, not a queue
/// of runs.
pub fn lock_store(db: &Path) -> Result<StoreLock, CrawlError> {
    let lock = lock_path(&canonical_store_path(db)?);
    let fail = |reason: String| CrawlError::Lock {
        lock: lock.clone(),
        reason,
    };
    let mut file = open_no_follow(&lock).map_err(|e| fail(e.to_string()))?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(fail("not a regular file; move it away".into()));
    }
    // A hard link planted at the lock's name would have us truncate another file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if file.metadata().is_ok_and(|m| m.nlink() > 1) {
            return Err(fail(
                "it has other names (a hard link); remove it, a lock file is ours alone".into(),
            ));
        }
    }
    match file.try_lock() {
        Ok(()) => {
            // Only the holder writes: the pid is for the refusal message.
            let _ = file.set_len(0);
            let _ = writeln!(file, "{}", std::process::id());
            Ok(StoreLock { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&lock).unwrap_or_default();
            Err(CrawlError::Locked {
                lock,
                holder: holder.trim().to_string(),
            })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(fail(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_lock_s_name_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("precious.txt");
        fs::write(&victim, "keep me\n").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("m.db.lock")).unwrap();
        let err = lock_store(&dir.path().join("m.db"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("it is a symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_at_the_lock_s_name_is_refused_and_its_other_name_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("precious.txt");
        fs::write(&victim, "keep me\n").unwrap();
        fs::hard_link(&victim, dir.path().join("m.db.lock")).unwrap();
        let err = lock_store(&dir.path().join("m.db"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("it has other names (a hard link)"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_store_reached_through_a_symlink_has_the_same_lock() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::write(real.join("m.db"), b"").unwrap();
        std::os::unix::fs::symlink(real.join("m.db"), dir.path().join("link.db")).unwrap();
        let _held = lock_store(&real.join("m.db")).unwrap();
        match lock_store(&dir.path().join("link.db")) {
            Err(CrawlError::Locked { lock, .. }) => {
                assert_eq!(lock, fs::canonicalize(&real).unwrap().join("m.db.lock"))
            }
            other => panic!("{other:?}"),
        }
    }
}
