//! doc / wps / et -> docx / xlsx through LibreOffice, when it is installed.
//!
//! DESIGN.md, "Attachments": the old binary Word and WPS formats are not read by hand; when
//! `soffice` (or `libreoffice`) is on PATH the file is converted and the result read like any
//! docx or xlsx; without it the attachment is reported `needs LibreOffice`
//! ([`ConvertError::NeedsLibreOffice`]) and, in crawl mode, kept so that a later `reparse` on
//! a machine with LibreOffice reads it.
//!
//! Unlike the rest of `extract` this module touches the disk and starts a process — that
//! is what converting with another program is. Each conversion:
//! - works in its own private temporary folder (`tempfile::TempDir`, removed afterwards),
//!   with its own LibreOffice profile (`-env:UserInstallation=file://TMP/profile`), so that
//!   concurrent conversions and a user's running LibreOffice never share a profile or a lock;
//! - writes the input as `input.doc` / `input.xls`: a WPS Writer file is an OLE file with
//!   Word's streams and a WPS Spreadsheets file one with Excel's (that is how `sniff` told
//!   them), and LibreOffice's Word / Excel import reads them;
//! - runs `soffice --headless --norestore --nologo --nodefault --nolockcheck --convert-to
//!   docx|xlsx --outdir TMP/out TMP/input.…` in a process group of its own, killed whole
//!   (soffice starts `oosplash` and `soffice.bin`) when the time limit passes
//!   ([`DEFAULT_TIMEOUT`], 60 s);
//! - needs no network, and is given none where the system allows it: when `unshare
//!   --map-root-user --net` works (Linux with user namespaces), LibreOffice runs in an empty
//!   network namespace, so a document's remote links cannot be fetched; elsewhere it runs
//!   as is ([`Converted::network_isolated`] says which). Its stdout and stderr are kept out of
//!   the terminal (stderr is returned in the error when the conversion fails).
//!
//! Measured on this project's machine (Debian 12, LibreOffice 7.4 from
//! `libreoffice-writer-nogui libreoffice-calc-nogui`): a first conversion with a fresh
//! profile (every conversion has one) took about 4 s for `fixtures/attachments/progress.doc`
//! while the machine was busy with other builds; the install took under a minute.

use crate::sniff::DocKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long one conversion may take before LibreOffice is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A converted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// `Docx` for doc / wps, `Xlsx` for et.
    pub kind: DocKind,
    pub bytes: Vec<u8>,
    /// LibreOffice ran without a network (see the module documentation).
    pub network_isolated: bool,
}

/// Why a document could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// Neither `soffice` nor `libreoffice` is on PATH.
    #[error("needs LibreOffice")]
    NeedsLibreOffice,
    #[error("{kind} is not converted (only doc, wps and et are)")]
    NotConvertible { kind: &'static str },
    #[error("LibreOffice did not finish within {seconds} s")]
    TimedOut { seconds: u64 },
    #[error("LibreOffice failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    #[error("LibreOffice wrote no {target} file: {stderr}")]
    NoOutput {
        target: &'static str,
        stderr: String,
    },
    #[error("conversion folder: {0}")]
    Io(String),
}

impl ConvertError {
    /// The attachment should be kept for a machine with LibreOffice (a warning, not a
    /// failure, DESIGN says).
    pub fn needs_libreoffice(&self) -> bool {
        matches!(self, ConvertError::NeedsLibreOffice)
    }
}

fn io(e: std::io::Error) -> ConvertError {
    ConvertError::Io(e.to_string())
}

/// `soffice` or `libreoffice` on PATH.
pub fn find_soffice() -> Option<PathBuf> {
    find_soffice_in(&std::env::var_os("PATH")?)
}

/// `soffice` or `libreoffice` in the folders of a PATH-style list.
pub fn find_soffice_in(path: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .flat_map(|dir| ["soffice", "libreoffice"].map(|name| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Converts `bytes` (doc, wps or et) with the LibreOffice found on PATH.
pub fn convert(bytes: &[u8], kind: &DocKind, timeout: Duration) -> Result<Converted, ConvertError> {
    if !kind.needs_conversion() {
        return Err(ConvertError::NotConvertible {
            kind: kind.as_str(),
        });
    }
    let soffice = find_soffice().ok_or(ConvertError::NeedsLibreOffice)?;
    convert_with(&soffice, bytes, kind, timeout)
}

/// Converts `bytes` with the given `soffice` program.
pub fn convert_with(
    soffice: &Path,
    bytes: &[u8],
    kind: &DocKind,
    timeout: Duration,
) -> Result<Converted, ConvertError> {
    let (input_ext, target, filter, out_kind) = match kind {
        DocKind::Doc | DocKind::Wps => ("doc", "docx", "docx:MS Word 2007 XML", DocKind::Docx),
        DocKind::Et => ("xls", "xlsx", "xlsx:Calc MS Excel 2007 XML", DocKind::Xlsx),
        other => {
            return Err(ConvertError::NotConvertible {
                kind: other.as_str(),
            })
        }
    };
    let dir = tempfile::Builder::new()
        .prefix("minsheng-convert-")
        .tempdir()
        .map_err(io)?;
    let input = dir.path().join(format!("input.{input_ext}"));
    let out_dir = dir.path().join("out");
    let profile = dir.path().join("profile");
    std::fs::write(&input, bytes).map_err(io)?;
    std::fs::create_dir(&out_dir).map_err(io)?;
    let profile_url = url::Url::from_directory_path(&profile)
        .map_err(|()| ConvertError::Io(format!("{} is not absolute", profile.display())))?;
    let stderr_path = dir.path().join("stderr.txt");
    let stderr_file = std::fs::File::create(&stderr_path).map_err(io)?;

    let isolated = network_isolation_works();
    let mut command = if isolated {
        let mut c = Command::new("unshare");
        c.args(["--map-root-user", "--net", "--"]).arg(soffice);
        c
    } else {
        Command::new(soffice)
    };
    command
        .arg(format!("-env:UserInstallation={profile_url}"))
        .args([
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            filter,
            "--outdir",
        ])
        .arg(&out_dir)
        .arg(&input)
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(stderr_file));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(io)?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(io)? {
            break status;
        }
        if started.elapsed() >= timeout {
            kill_group(&mut child);
            return Err(ConvertError::TimedOut {
                seconds: timeout.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&stderr_path)
        .unwrap_or_default()
        .trim()
        .chars()
        .take(2000)
        .collect::<String>();
    if !status.success() {
        return Err(ConvertError::Failed {
            status: status.to_string(),
            stderr,
        });
    }
    let output = out_dir.join(format!("input.{target}"));
    let bytes = std::fs::read(&output).map_err(|_| ConvertError::NoOutput { target, stderr })?;
    Ok(Converted {
        kind: out_kind,
        bytes,
        network_isolated: isolated,
    })
}

/// Kills the conversion's whole process group (soffice, oosplash, soffice.bin), then reaps
/// the child.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads
        // (`process_group(0)` above); it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether `unshare --map-root-user --net` can run a program here (asked once).
fn network_isolation_works() -> bool {
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        Command::new("unshare")
            .args(["--map-root-user", "--net", "--", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_libreoffice_has_exactly_that_message() {
        assert_eq!(
            ConvertError::NeedsLibreOffice.to_string(),
            "needs LibreOffice"
        );
        assert!(ConvertError::NeedsLibreOffice.needs_libreoffice());
    }

    #[test]
    fn a_path_without_libreoffice_finds_none() {
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(find_soffice_in(empty.path().as_os_str()), None);
    }

    #[test]
    fn only_doc_wps_and_et_are_converted() {
        assert_eq!(
            convert(b"x", &DocKind::Xlsx, DEFAULT_TIMEOUT),
            Err(ConvertError::NotConvertible { kind: "xlsx" })
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_converter_that_hangs_is_killed_at_the_time_limit() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("soffice");
        std::fs::write(&fake, "#!/bin/sh\nsleep 30 &\nsleep 30\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = Instant::now();
        let result = convert_with(&fake, b"x", &DocKind::Doc, Duration::from_millis(300));
        assert_eq!(result, Err(ConvertError::TimedOut { seconds: 0 }));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[cfg(unix)]
    #[test]
    fn a_converter_that_writes_nothing_is_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("soffice");
        std::fs::write(
            &fake,
            "#!/bin/sh\necho 'Error: source file could not be loaded' >&2\n",
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let result = convert_with(&fake, b"x", &DocKind::Et, DEFAULT_TIMEOUT);
        assert_eq!(
            result,
            Err(ConvertError::NoOutput {
                target: "xlsx",
                stderr: "Error: source file could not be loaded".to_string()
            })
        );
    }
}
