//! The output folder as one set: every file of a run is replaced at the same instant, so a run
//! stopped at any point (SIGKILL included) leaves the previous set or the new one, never a
//! mix (issue 11: a kill between three renames once left records.csv of one run beside
//! pages.json of another).
//!
//! POSIX renames one name at a time, so the set lives in a folder of its own and one rename
//! switches folders:
//!
//! ```text
//! out/records.csv  -> .minsheng-outputs/current/records.csv     (symlinks, made once)
//! out/.minsheng-outputs/current -> g-4242-1a2b                   (the one switch)
//! out/.minsheng-outputs/g-4242-1a2b/{records.csv, ..., manifest.json}
//! out/.minsheng-outputs/lock                                      (one writer at a time)
//! ```
//!
//! A run writes its generation folder `g-…` (each file synced, then the folder), points a
//! new symlink at it and renames that over `current`: that rename is the commit. Then it makes
//! the top-level links that are missing and removes the previous generation. A file of the
//! previous set that this run does not write (`records_history.csv` after an `export`
//! without `--history`) is carried into the new generation by a hard link, so the set stays
//! whole — except the files derived from the records (records.xlsx, the timeline, report.html:
//! [`DERIVED`]), which describe the records they were made from and would contradict new
//! ones: a run that does not write them drops them ([`write_alone`], which leaves the records
//! as they are, keeps them). The folder lock makes writers take turns, and each start removes what killed runs
//! left: generation folders that are not `current`, stray `current.*` links, and the
//! `.records.csv.*.tmp` files of versions that renamed files one by one. A folder written by
//! such a version holds plain files: they are replaced by the links on the first commit (the
//! one moment a reader could see a mix, once per folder).
//!
//! `manifest.json` in each generation says what it holds (files, pages, records) and, for
//! outputs of the crawl store, which store and which generation of it: `export` refuses to
//! put an older state of the same store over newer outputs (a store that lost its -wal file).

use crate::emit::EmitError;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The hidden folder of generations inside the output folder.
pub const SETS_DIR: &str = ".minsheng-outputs";
/// The symlink naming the current generation.
const CURRENT: &str = "current";
/// Each generation's description.
pub const MANIFEST: &str = "manifest.json";
const LOCK: &str = "lock";

/// Temporary files of versions before the set (`.records.csv.XXXX.tmp`): removed when seen.
const LEGACY_TEMP_PREFIXES: [&str; 9] = [
    ".records.csv.",
    ".records.jsonl.",
    ".pages.json.",
    ".records_history.csv.",
    ".records_history.jsonl.",
    ".records.xlsx.",
    ".timeline.csv.",
    ".timeline.jsonl.",
    ".report.html.",
];

/// The files made from the records of their set (`--xlsx`, `--timeline`, `--report`): never
/// carried into a generation that did not write them, where they would describe other
/// records.
pub const DERIVED: [&str; 5] = [
    "records.xlsx",
    "timeline.csv",
    "timeline.jsonl",
    "timeline_merges.csv",
    "report.html",
];

/// What a generation holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Manifest {
    /// The files of the set, in the order written.
    pub files: Vec<String>,
    pub pages: usize,
    pub records: usize,
    pub written_at: String,
    /// For outputs of the crawl store: which store, at which generation.
    pub store: Option<StoreOrigin>,
}

/// The store state a set was written from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreOrigin {
    /// The store's canonical path.
    pub path: String,
    /// `outputs.generation` of the store when the set was written.
    pub generation: i64,
}

/// The steps of a commit, in order; a test stops after any of them to play a kill there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Every file of the generation written and synced; the files of the previous set that
    /// this run did not write linked in; the manifest written.
    Written,
    /// The generation folder synced.
    Synced,
    /// `current` points at the new generation: the commit.
    Switched,
    /// The top-level links exist.
    Linked,
    /// The previous generation is removed.
    Cleaned,
}

/// The generation being written, with the folder's lock.
pub struct Generation {
    dir: PathBuf,
    sets: PathBuf,
    name: String,
    files: Vec<String>,
    /// Carry the previous set's [`DERIVED`] files too: set by [`write_alone`], whose set keeps
    /// the records they were made from.
    carry_derived: bool,
    /// Held until the generation is committed or dropped.
    _lock: File,
    /// Committed (or, in a test, abandoned as a kill would): not removed on drop.
    keep: bool,
}

fn emit_err(path: &Path) -> impl FnOnce(io::Error) -> EmitError + '_ {
    move |source| EmitError {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens `path` for writing without following a symlink there (`O_NOFOLLOW`): a link planted
/// at a lock's name cannot make us write through it.
pub fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).map_err(|e| {
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            io::Error::other(format!(
                "it is a symbolic link; remove it (a lock file is never followed): {e}"
            ))
        } else {
            e
        }
    })
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::other(
        "an output set needs symbolic links, which minsheng makes on unix only",
    ))
}

/// Makes a file 0644 whatever the umask: outputs are for analysts to share.
fn readable_by_all(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Syncs a folder, so that the names made or renamed in it last.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The name of the current generation, if there is one.
fn current_name(sets: &Path) -> Option<String> {
    fs::read_link(sets.join(CURRENT))
        .ok()
        .and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()))
}

/// The manifest of the set currently in `dir`, if it has one.
pub fn current_manifest(dir: &Path) -> Option<Manifest> {
    let text = fs::read_to_string(dir.join(SETS_DIR).join(CURRENT).join(MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Removes what killed runs left in `dir` (the folder lock is held).
fn clean_leftovers(dir: &Path, sets: &Path) -> io::Result<()> {
    let current = current_name(sets);
    for entry in fs::read_dir(sets)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if name.starts_with("g-") && kind.is_dir() && Some(&name) != current.as_ref() {
            fs::remove_dir_all(entry.path())?;
        } else if name.starts_with("current.") && kind.is_symlink() {
            fs::remove_file(entry.path())?;
        }
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale_temp =
            name.ends_with(".tmp") && LEGACY_TEMP_PREFIXES.iter().any(|p| name.starts_with(p));
        let stale_link = name.starts_with('.') && name.ends_with(".link");
        if (stale_temp && entry.file_type()?.is_file())
            || (stale_link && entry.file_type()?.is_symlink())
        {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

impl Generation {
    /// Takes `dir`'s lock (waiting for another writer to finish), removes what killed runs
    /// left, and starts a new generation folder.
    pub fn start(dir: &Path) -> Result<Generation, EmitError> {
        fs::create_dir_all(dir).map_err(emit_err(dir))?;
        let sets = dir.join(SETS_DIR);
        match fs::symlink_metadata(&sets) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(EmitError {
                    path: sets,
                    source: io::Error::other("not a folder; move it away"),
                })
            }
            Err(_) => fs::create_dir(&sets).map_err(emit_err(&sets))?,
        }
        let lock_path = sets.join(LOCK);
        let lock = open_no_follow(&lock_path).map_err(emit_err(&lock_path))?;
        lock.lock().map_err(emit_err(&lock_path))?;
        clean_leftovers(dir, &sets).map_err(emit_err(&sets))?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut attempt = 0u32;
        let name = loop {
            let name = format!("g-{}-{stamp:x}-{attempt}", std::process::id());
            match fs::create_dir(sets.join(&name)) {
                Ok(()) => break name,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
                Err(e) => return Err(emit_err(&sets.join(&name))(e)),
            }
        };
        Ok(Generation {
            dir: dir.to_path_buf(),
            sets,
            name,
            files: Vec::new(),
            carry_derived: false,
            _lock: lock,
            keep: false,
        })
    }

    fn path(&self) -> PathBuf {
        self.sets.join(&self.name)
    }

    /// Creates `name` in the generation (0644) and counts it among the set's files.
    pub fn create(&mut self, name: &str) -> Result<File, EmitError> {
        let path = self.path().join(name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(emit_err(&self.dir.join(name)))?;
        readable_by_all(&file).map_err(emit_err(&self.dir.join(name)))?;
        if !self.files.iter().any(|f| f == name) {
            self.files.push(name.to_string());
        }
        Ok(file)
    }

    /// Commits the generation as the folder's set (see the module doc).
    /// The output folder the set is for.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the whole file `name` of the set: created, written, synced.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), EmitError> {
        let path = self.dir.join(name);
        let mut file = self.create(name)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(emit_err(&path))
    }

    pub fn commit(self, manifest: Manifest) -> Result<(), EmitError> {
        self.commit_until(manifest, Step::Cleaned)
    }

    /// Commits up to and including `last`; stopping earlier leaves the folder as a kill
    /// there would (nothing is undone).
    pub fn commit_until(mut self, mut manifest: Manifest, last: Step) -> Result<(), EmitError> {
        let path = self.path();
        let previous = current_name(&self.sets);
        let mut dropped = Vec::new();
        if let Some(previous) = &previous {
            let old = self.sets.join(previous);
            for name in manifest_of(&old).map(|m| m.files).unwrap_or_default() {
                if self.files.contains(&name) {
                    continue;
                }
                let derived = !self.carry_derived && DERIVED.contains(&name.as_str());
                if !derived && old.join(&name).is_file() {
                    link_or_copy(&old.join(&name), &path.join(&name))
                        .map_err(emit_err(&self.dir.join(&name)))?;
                    self.files.push(name);
                } else {
                    dropped.push(name);
                }
            }
        }
        manifest.files = self.files.clone();
        let files = manifest.files.clone();
        let mut file = self.create(MANIFEST)?;
        let manifest_path = self.dir.join(SETS_DIR).join(MANIFEST);
        serde_json::to_writer_pretty(&mut file, &manifest)
            .map_err(io::Error::from)
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(emit_err(&manifest_path))?;
        self.keep = last < Step::Cleaned;
        if last == Step::Written {
            return Ok(());
        }
        sync_dir(&path).map_err(emit_err(&path))?;
        if last == Step::Synced {
            return Ok(());
        }
        let temp = self.sets.join(format!("{CURRENT}.{}", self.name));
        match symlink(Path::new(&self.name), &temp) {
            Ok(()) => {}
            // EPERM / ENOTSUP: the file system has no symbolic links.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::PermissionDenied | io::ErrorKind::Unsupported
                ) =>
            {
                return self.commit_without_links(&files, e)
            }
            Err(e) => return Err(emit_err(&temp)(e)),
        }
        fs::rename(&temp, self.sets.join(CURRENT)).map_err(emit_err(&self.sets))?;
        sync_dir(&self.sets).map_err(emit_err(&self.sets))?;
        self.keep = true;
        if last == Step::Switched {
            return Ok(());
        }
        for name in &files {
            self.link(name)?;
        }
        for name in &dropped {
            self.unlink(name).map_err(emit_err(&self.dir.join(name)))?;
        }
        sync_dir(&self.dir).map_err(emit_err(&self.dir))?;
        if last == Step::Linked {
            return Ok(());
        }
        if let Some(previous) = previous.filter(|p| *p != self.name) {
            // The set is committed: a folder that cannot be removed now is removed next run.
            let _ = fs::remove_dir_all(self.sets.join(previous));
        }
        Ok(())
    }

    /// On a file system without symbolic links (FAT, some network shares): the files are
    /// renamed into place one by one, as minsheng did before sets, so a kill between two
    /// renames can leave a mix there. Refused when the folder already holds a set.
    fn commit_without_links(mut self, files: &[String], why: io::Error) -> Result<(), EmitError> {
        if current_name(&self.sets).is_some() {
            return Err(EmitError {
                path: self.sets.join(CURRENT),
                source: why,
            });
        }
        for name in files {
            let top = self.dir.join(name);
            fs::rename(self.path().join(name), &top).map_err(emit_err(&top))?;
        }
        sync_dir(&self.dir).map_err(emit_err(&self.dir))?;
        self.keep = false; // the emptied generation folder goes on drop
        Ok(())
    }

    /// Removes `dir/name` when it is the link into the set of a file the set no longer holds
    /// (a derived output a run did not write): a link left there would point at nothing.
    fn unlink(&self, name: &str) -> io::Result<()> {
        let top = self.dir.join(name);
        let target = Path::new(SETS_DIR).join(CURRENT).join(name);
        if fs::read_link(&top).is_ok_and(|t| t == target) {
            fs::remove_file(&top)?;
        }
        Ok(())
    }

    /// Makes `dir/name` the link into the current generation, replacing a plain file of an
    /// older version in one rename.
    fn link(&self, name: &str) -> Result<(), EmitError> {
        let top = self.dir.join(name);
        let target = Path::new(SETS_DIR).join(CURRENT).join(name);
        if fs::read_link(&top).is_ok_and(|t| t == target) {
            return Ok(());
        }
        if fs::symlink_metadata(&top).is_ok_and(|m| m.is_dir()) {
            return Err(EmitError {
                path: top,
                source: io::Error::other("a folder has the output's name; move it away"),
            });
        }
        let temp = self.dir.join(format!(".{name}.{}.link", self.name));
        symlink(&target, &temp).map_err(emit_err(&top))?;
        fs::rename(&temp, &top).map_err(emit_err(&top))
    }
}

/// Writes files into `dir` as a set of their own, through `write`, keeping the rest of the
/// current set (carried as [`Generation::commit`] does, its counts kept in the manifest):
/// for a file made apart from a run's outputs, such as a report from records already written.
pub fn write_alone<T>(
    dir: &Path,
    write: impl FnOnce(&mut Generation) -> Result<T, EmitError>,
) -> Result<T, EmitError> {
    let mut generation = Generation::start(dir)?;
    generation.carry_derived = true;
    let value = write(&mut generation)?;
    let previous = current_manifest(dir).unwrap_or_default();
    generation.commit(Manifest {
        files: Vec::new(),
        written_at: crate::pipeline::now_utc(),
        ..previous
    })?;
    Ok(value)
}

fn manifest_of(generation: &Path) -> Option<Manifest> {
    serde_json::from_str(&fs::read_to_string(generation.join(MANIFEST)).ok()?).ok()
}

fn link_or_copy(from: &Path, to: &Path) -> io::Result<()> {
    fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(|_| ()))
}

impl Drop for Generation {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: a folder left here is removed by the next run.
            let _ = fs::remove_dir_all(self.path());
        }
    }
}

#[cfg(test)]
mod tests;
