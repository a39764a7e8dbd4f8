//! Scrape's inputs: arguments expanded into URLs, files and walked directories (sorted, an
//! unreadable entry reported in its place), and a local page file read within the body size
//! limit (regular files only) and processed.

use crate::pipeline::{self, Source};
use crate::record::PageReport;
use std::fs;
use std::path::{Path, PathBuf};

/// One input after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Url(String),
    /// An argument that cannot be read at all, with the reason.
    Invalid {
        input: String,
        reason: String,
    },
}

impl Input {
    /// The name used in messages and as `source_url`.
    pub fn source_url(&self) -> String {
        match self {
            Input::File(path) => file_url(path),
            Input::Url(url) => url.clone(),
            Input::Invalid { input, .. } => input.clone(),
        }
    }
}

/// `file://` URL of a path (absolute, symlinks resolved where possible).
pub fn file_url(path: &Path) -> String {
    let absolute = fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    });
    url::Url::from_file_path(&absolute)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("file://{}", absolute.display()))
}

/// File name extensions of the pages taken from a directory (in any ASCII case). One list:
/// formats read later join it here.
pub const PAGE_EXTENSIONS: &[&str] = &[
    "html", "htm", "shtml", "jhtml", "xhtml", "xlsx", "xls", "ods", "docx", "doc", "wps", "et",
];

/// Expands arguments into inputs: URLs as they are, files as they are, directories walked.
///
/// A directory is walked in sorted path order (each folder's entries by name, a folder's
/// files before the entries that sort after it). An entry that cannot be read (a folder
/// without permission) is one [`Input::Invalid`] in its place, and the walk goes on: one
/// unreadable folder once dropped every file after it.
pub fn expand_inputs(args: &[String]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for arg in args {
        if let Some((scheme, _)) = arg.split_once("://") {
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
                inputs.push(Input::Url(arg.clone()));
            } else {
                inputs.push(Input::Invalid {
                    input: arg.clone(),
                    reason: format!(
                        "unsupported URL scheme {scheme:?}: only http and https are fetched"
                    ),
                });
            }
            continue;
        }
        let path = PathBuf::from(arg);
        match fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, &mut inputs),
            // Whatever else it is, reading it says why it is not a page (a FIFO, a device).
            Ok(_) => inputs.push(Input::File(path)),
            Err(e) => inputs.push(Input::Invalid {
                input: arg.clone(),
                reason: format!("cannot read: {e}"),
            }),
        }
    }
    inputs
}

fn is_page_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PAGE_EXTENSIONS.iter().any(|p| e.eq_ignore_ascii_case(p)))
}

/// Adds the pages below `dir`, and an error for each entry that cannot be read. Symlinked
/// folders are not followed (no loops); a symlink to a page is taken.
fn walk(dir: &Path, inputs: &mut Vec<Input>) {
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let kind = entry.file_type();
                let symlink_to_dir = kind.is_symlink() && path.is_dir();
                if !kind.is_dir() && !symlink_to_dir && is_page_file(path) {
                    inputs.push(Input::File(entry.into_path()));
                }
            }
            Err(e) => {
                let path = e.path().unwrap_or(dir);
                let reason = match e.io_error() {
                    Some(io) => format!("cannot read directory {}: {io}", path.display()),
                    None => format!("cannot walk {}: {e}", path.display()),
                };
                inputs.push(Input::Invalid {
                    input: file_url(path),
                    reason,
                });
            }
        }
    }
}

/// Why a local file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: not a regular file ({kind})", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("cannot read {}: {len} bytes, over the limit of {limit} bytes (max_body_bytes)", path.display())]
    TooLarge { path: PathBuf, len: u64, limit: u64 },
    #[error("cannot read {}: it grew past the limit of {limit} bytes (max_body_bytes) while being read", path.display())]
    Grew { path: PathBuf, limit: u64 },
}

/// What a file that is not a regular file is, for the message.
fn file_kind(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Reads a local page: a regular file only (a FIFO would block, `/dev/zero` never ends), of
/// at most `limit` bytes. The size is checked on the metadata before reading, and the read
/// itself stops one byte past the limit, so a file that grows or lies is still bounded.
pub fn read_page_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let regular = |meta: &fs::Metadata| {
        if meta.is_file() {
            Ok(())
        } else {
            Err(ReadError::NotRegular {
                path: path.to_path_buf(),
                kind: file_kind(meta.file_type()),
            })
        }
    };
    let meta = fs::metadata(path).map_err(io)?;
    regular(&meta)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            len: meta.len(),
            limit,
        });
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Should the path become a FIFO between the check and the open, the open must not
        // wait for a writer.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    regular(&file.metadata().map_err(io)?)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::Grew {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// Reads and processes one local file, with the default body size limit.
pub fn process_file(path: &Path) -> PageReport {
    process_file_within(path, crate::config::FetchConfig::default().max_body_bytes)
}

/// Reads and processes one local file of at most `limit` bytes (see [`read_page_file`]).
pub fn process_file_within(path: &Path, limit: u64) -> PageReport {
    let url = file_url(path);
    match read_page_file(path, limit) {
        Ok(bytes) => pipeline::process(&Source::file(&url, &bytes, &pipeline::now_utc())),
        Err(e) => PageReport::failed(url, e.to_string()),
    }
}
