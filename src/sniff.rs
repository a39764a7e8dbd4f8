//! Sniff: bytes (+ the server's Content-Type and the file name) -> which kind of document.
//!
//! DESIGN.md, "Attachments": the bytes decide, not the name. County sites serve workbooks as
//! `application/octet-stream`, name a docx `附件1`, and publish "xls" files that are HTML
//! tables saved with an Excel extension; so the order is:
//!
//! 1. the bytes: a ZIP (`PK\x03\x04`) is xlsx / docx / ods by the parts it holds (the central
//!    directory's names, and the ODF `mimetype` entry); an OLE compound file
//!    (`D0 CF 11 E0 A1 B1 1A E1`) is a workbook or a Word file by its streams (`Workbook` /
//!    `Book`, `WordDocument`); `%PDF` is pdf; markup that starts as an HTML document does
//!    (the WHATWG MIME-sniffing tags) is html;
//! 2. the Content-Type, then the extension of the name — only to choose between kinds the
//!    bytes leave open: WPS Writer files are OLE files with a `WordDocument` stream just like
//!    Word's, and WPS Spreadsheets (et) files hold a `Workbook` stream just like Excel's; and
//!    to name bytes with no signature at all. A hint never turns a ZIP into a doc or an OLE
//!    file into an xlsx.
//!
//! An OLE file holding `EncryptionInfo` / `EncryptedPackage` is a password-protected OOXML
//! file (xlsx or docx, which only the hints can tell): sniffed by its hints, so that the
//! reader of that kind reports it as password-protected rather than as an unknown file.
//!
//! Pure: no disk, no network; the ZIP and OLE directories are read from the bytes in memory
//! (names only — no entry is decompressed except ODF's few-byte `mimetype`).
//!
//! (The example is the test `module_example` at the end of this file.)

use std::io::{Cursor, Read};

/// The kind of a document, as DESIGN's `source_format` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocKind {
    Html,
    Xlsx,
    Xls,
    Ods,
    Docx,
    Doc,
    /// WPS Writer (Kingsoft): an OLE file with a `WordDocument` stream.
    Wps,
    /// WPS Spreadsheets (Kingsoft): an OLE file with a `Workbook` stream.
    Et,
    Pdf,
    /// None of the above; the reason says what the bytes looked like.
    Unknown(String),
}

impl DocKind {
    /// The `source_format` name: `html`, `xlsx`, `xls`, `ods`, `docx`, `doc`, `wps`, `et`,
    /// `pdf`, or `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DocKind::Html => "html",
            DocKind::Xlsx => "xlsx",
            DocKind::Xls => "xls",
            DocKind::Ods => "ods",
            DocKind::Docx => "docx",
            DocKind::Doc => "doc",
            DocKind::Wps => "wps",
            DocKind::Et => "et",
            DocKind::Pdf => "pdf",
            DocKind::Unknown(_) => "unknown",
        }
    }

    /// A workbook calamine reads (xlsx, xls, ods).
    pub fn is_workbook(&self) -> bool {
        matches!(self, DocKind::Xlsx | DocKind::Xls | DocKind::Ods)
    }

    /// A kind only LibreOffice can turn into one we read (doc, wps, et).
    pub fn needs_conversion(&self) -> bool {
        matches!(self, DocKind::Doc | DocKind::Wps | DocKind::Et)
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// An empty ZIP (end of central directory only) is still a ZIP.
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// The kind of document `bytes` is; `content_type` (the HTTP header, parameters allowed) and
/// `name` (a file name or URL path) only decide what the bytes leave open.
pub fn sniff(bytes: &[u8], content_type: Option<&str>, name: Option<&str>) -> DocKind {
    let hints = [
        content_type.and_then(kind_of_content_type),
        name.and_then(kind_of_name),
    ];
    let hinted = |allowed: &[DocKind]| {
        hints
            .iter()
            .flatten()
            .find(|kind| allowed.contains(kind))
            .cloned()
    };
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(ZIP_EMPTY_MAGIC) {
        return match zip_kind(bytes) {
            Some(kind) => kind,
            None => hinted(&[DocKind::Xlsx, DocKind::Docx, DocKind::Ods]).unwrap_or_else(|| {
                DocKind::Unknown("a ZIP file without a workbook or Word document part".into())
            }),
        };
    }
    if bytes.starts_with(OLE_MAGIC) {
        return ole_kind(bytes, &hinted);
    }
    if starts_like_pdf(bytes) {
        return DocKind::Pdf;
    }
    if looks_like_html(bytes) {
        return DocKind::Html;
    }
    // No signature: a hint may only name a kind that has none either.
    match hinted(&[DocKind::Html]) {
        Some(kind) => kind,
        None => DocKind::Unknown(match hints.iter().flatten().next() {
            Some(kind) => format!(
                "named or served as {} but without its signature",
                kind.as_str()
            ),
            None => "no known document signature".to_string(),
        }),
    }
}

/// xlsx / docx / ods by the ZIP's part names; `None` when the directory cannot be read or
/// names none of them.
fn zip_kind(bytes: &[u8]) -> Option<DocKind> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut has_mimetype = false;
    for name in archive.file_names_raw() {
        match name {
            b"xl/workbook.xml" | b"xl/workbook.bin" => return Some(DocKind::Xlsx),
            b"word/document.xml" => return Some(DocKind::Docx),
            b"mimetype" => has_mimetype = true,
            _ => {}
        }
    }
    if !has_mimetype {
        return None;
    }
    let mut mimetype = String::new();
    archive
        .by_name("mimetype")
        .ok()?
        .take(128)
        .read_to_string(&mut mimetype)
        .ok()?;
    (mimetype.trim() == ODS_MIMETYPE).then_some(DocKind::Ods)
}

/// xls / et / doc / wps by the OLE file's root streams, the hints choosing within a pair.
fn ole_kind(bytes: &[u8], hinted: &dyn Fn(&[DocKind]) -> Option<DocKind>) -> DocKind {
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return hinted(&[
            DocKind::Xls,
            DocKind::Et,
            DocKind::Doc,
            DocKind::Wps,
            DocKind::Xlsx,
            DocKind::Docx,
        ])
        .unwrap_or_else(|| DocKind::Unknown("an unreadable OLE compound file".into()));
    };
    let names: Vec<String> = file
        .read_root_storage()
        .map(|entry| entry.name().to_string())
        .collect();
    let has = |wanted: &str| names.iter().any(|n| n == wanted);
    if has("EncryptedPackage") || has("EncryptionInfo") {
        return hinted(&[DocKind::Xlsx, DocKind::Docx]).unwrap_or_else(|| {
            DocKind::Unknown("a password-protected Office file (encrypted package)".into())
        });
    }
    if has("Workbook") || has("Book") {
        return hinted(&[DocKind::Et]).unwrap_or(DocKind::Xls);
    }
    if has("WordDocument") {
        return hinted(&[DocKind::Wps]).unwrap_or(DocKind::Doc);
    }
    DocKind::Unknown(format!(
        "an OLE compound file without a workbook or Word stream (streams: {})",
        names.join(", ")
    ))
}

/// `%PDF-` within the first KiB (readers accept leading junk there).
fn starts_like_pdf(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

/// The WHATWG MIME-sniffing rule for HTML: after a BOM and whitespace, one of the tags it
/// lists, followed by a space or `>`.
fn looks_like_html(bytes: &[u8]) -> bool {
    const TAGS: &[&[u8]] = &[
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<script",
        b"<iframe",
        b"<h1",
        b"<div",
        b"<font",
        b"<table",
        b"<a",
        b"<style",
        b"<title",
        b"<b",
        b"<body",
        b"<br",
        b"<p",
        b"<!--",
        b"<meta",
        b"<link",
    ];
    let rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = rest
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C'))
        .unwrap_or(rest.len());
    let rest = &rest[start..];
    TAGS.iter().any(|tag| {
        rest.len() > tag.len()
            && rest[..tag.len()].eq_ignore_ascii_case(tag)
            && (tag == b"<!--" || matches!(rest[tag.len()], b' ' | b'>' | b'\t' | b'\n' | b'\r'))
    })
}

/// The kind a Content-Type names (`text/html; charset=gbk` included).
fn kind_of_content_type(content_type: &str) -> Option<DocKind> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(match essence.as_str() {
        "text/html" | "application/xhtml+xml" => DocKind::Html,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => DocKind::Xlsx,
        "application/vnd.ms-excel" | "application/excel" | "application/x-excel" => DocKind::Xls,
        ODS_MIMETYPE => DocKind::Ods,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => DocKind::Docx,
        "application/msword" => DocKind::Doc,
        "application/kswps" | "application/wps-office.wps" | "application/vnd.ms-works" => {
            DocKind::Wps
        }
        "application/kset" | "application/wps-office.et" => DocKind::Et,
        "application/pdf" => DocKind::Pdf,
        _ => return None,
    })
}

/// The kind the extension of a file name or URL path names (any case; a query or fragment
/// after the name is ignored).
fn kind_of_name(name: &str) -> Option<DocKind> {
    let name = name.split(['?', '#']).next().unwrap_or(name);
    let (_, ext) = name.rsplit_once('.')?;
    Some(match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" | "shtml" | "jhtml" | "xhtml" => DocKind::Html,
        "xlsx" => DocKind::Xlsx,
        "xls" => DocKind::Xls,
        "ods" => DocKind::Ods,
        "docx" => DocKind::Docx,
        "doc" => DocKind::Doc,
        "wps" => DocKind::Wps,
        "et" => DocKind::Et,
        "pdf" => DocKind::Pdf,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_signature_wins_over_every_hint() {
        assert_eq!(
            sniff(b"%PDF-1.4\n%\xE2\xE3", Some("text/html"), Some("a.xlsx")),
            DocKind::Pdf
        );
    }

    #[test]
    fn html_saved_as_xls_is_html() {
        let bytes = "\u{FEFF}\r\n<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><table>";
        assert_eq!(
            sniff(
                bytes.as_bytes(),
                Some("application/vnd.ms-excel"),
                Some("进度表.xls")
            ),
            DocKind::Html
        );
    }

    #[test]
    fn tag_must_end_with_space_or_bracket() {
        assert!(looks_like_html(b"<table border=1>"));
        assert!(looks_like_html(b"<p>"));
        assert!(!looks_like_html(b"<pre>"));
        assert!(!looks_like_html(b"plain text"));
    }

    #[test]
    fn text_without_markup_is_html_only_when_served_as_html() {
        assert_eq!(
            sniff("进度表".as_bytes(), Some("text/html; charset=utf-8"), None),
            DocKind::Html
        );
        assert_eq!(
            sniff("进度表".as_bytes(), None, Some("a.htm")),
            DocKind::Html
        );
        assert!(matches!(
            sniff("进度表".as_bytes(), None, Some("a.xlsx")),
            DocKind::Unknown(reason) if reason == "named or served as xlsx but without its signature"
        ));
        assert!(matches!(
            sniff(b"a,b,c\n", None, None),
            DocKind::Unknown(reason) if reason == "no known document signature"
        ));
    }

    #[test]
    fn unreadable_zip_takes_a_zip_kind_from_its_hints_only() {
        let truncated = b"PK\x03\x04\x14\x00\x00\x00";
        assert_eq!(
            sniff(
                truncated,
                Some("application/octet-stream"),
                Some("附件1.docx")
            ),
            DocKind::Docx
        );
        assert!(matches!(
            sniff(truncated, Some("application/msword"), Some("附件1.doc")),
            DocKind::Unknown(_)
        ));
    }

    #[test]
    fn content_type_is_read_before_the_name() {
        assert_eq!(
            kind_of_content_type("application/vnd.ms-excel; charset=x"),
            Some(DocKind::Xls)
        );
        assert_eq!(kind_of_name("/module/download/downfile.jsp?x=1"), None);
        assert_eq!(kind_of_name("/attach/2024/附件1.XLSX"), Some(DocKind::Xlsx));
        assert_eq!(kind_of_name("a.shtml?id=3"), Some(DocKind::Html));
    }

    #[test]
    fn source_format_names() {
        let names: Vec<&str> = [
            DocKind::Html,
            DocKind::Xlsx,
            DocKind::Xls,
            DocKind::Ods,
            DocKind::Docx,
            DocKind::Doc,
            DocKind::Wps,
            DocKind::Et,
            DocKind::Pdf,
            DocKind::Unknown(String::new()),
        ]
        .iter()
        .map(DocKind::as_str)
        .collect();
        assert_eq!(
            names,
            ["html", "xlsx", "xls", "ods", "docx", "doc", "wps", "et", "pdf", "unknown"]
        );
    }
}

#[cfg(test)]
mod module_example {
    #[test]
    fn module_example() {
        use crate::sniff::{sniff, DocKind};
        assert_eq!(sniff(b"%PDF-1.7\n", None, None), DocKind::Pdf);
        assert_eq!(
            sniff(
                b"<!DOCTYPE html><html>",
                Some("application/vnd.ms-excel"),
                None
            ),
            DocKind::Html
        );
        assert_eq!(DocKind::Xlsx.as_str(), "xlsx");
    }
}
