//! Writes the attachment fixtures in `fixtures/attachments/` (issue 13).
//!
//! ```text
//! cargo run --example gen_attachments
//! ```
//!
//! What it builds, and how:
//! - xlsx with rust_xlsxwriter (`progress_merged.xlsx`, `several_sheets.xlsx`,
//!   `values.xlsx`): merged title rows, a 2-row merged header, vertically merged categories,
//!   group rows, 合计 and 备注 rows, 填报单位 / 填报日期 / 制表人 lines, hidden sheets, numbers as
//!   numbers and as text, percent formats (0.8 shown as 80%), dates as serials with date
//!   formats, in-cell line breaks, a table away from A1;
//! - docx by hand, as WordprocessingML in a ZIP (`progress.docx`, `nested_layout.docx`):
//!   gridSpan, vMerge restart/continue, gridBefore, w:br, two paragraphs in a cell, a 续表
//!   continuation, a table nested in a layout table;
//! - ods by hand, as OpenDocument `content.xml` in a ZIP (`progress.ods`): spanned and
//!   covered cells, percentage and date value types, a hidden table, LibreOffice's huge
//!   empty repeats;
//! - `password.xlsx`: an OLE compound file with `EncryptionInfo` and `EncryptedPackage`
//!   streams (what Excel writes for a password-protected workbook; the package inside is
//!   random bytes, not a real encryption), `corrupt.xlsx` (`progress_merged.xlsx` cut
//!   short), `report.pdf` (a minimal PDF) and `html_table.xls` (an HTML table saved with an
//!   Excel name, as county sites publish them) — for sniff and the error paths;
//! - with LibreOffice, once: `progress.xls` and `progress_lo.ods` converted from
//!   `progress_merged.xlsx`, `progress.doc` from `progress.docx` (`soffice --headless
//!   --convert-to xls|ods|doc`). xls and doc cannot be written from Rust with a current
//!   crate, so these three were made on a machine with LibreOffice 7.4 and are committed;
//!   without `soffice` on PATH the generator leaves them as they are. `progress.wps` and
//!   `progress.et` are copies of `progress.doc` and `progress.xls`: WPS Office writes the
//!   same OLE structures (a `WordDocument` / `Workbook` stream), and only the name tells them.
//!
//! Every file but `progress_lo.ods` (LibreOffice writes the time of the conversion into it)
//! is rewritten byte for byte the same on each run (fixed timestamps).

#[path = "gen_attachments/docx.rs"]
mod docx;
#[path = "gen_attachments/xlsx.rs"]
mod xlsx;

use docx::{nested_layout_docx, progress_docx};
use xlsx::{progress_merged_xlsx, several_sheets_xlsx, values_xlsx};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/attachments");
    std::fs::create_dir_all(&dir)?;
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        std::fs::write(dir.join(name), bytes)?;
        println!("wrote {name} ({} bytes)", bytes.len());
        Ok(())
    };

    let progress = progress_merged_xlsx()?;
    write("progress_merged.xlsx", &progress)?;
    write("several_sheets.xlsx", &several_sheets_xlsx()?)?;
    write("values.xlsx", &values_xlsx()?)?;
    write("progress.docx", &progress_docx()?)?;
    write("nested_layout.docx", &nested_layout_docx()?)?;
    write("progress.ods", &progress_ods()?)?;
    write("password.xlsx", &password_ole()?)?;
    write("corrupt.xlsx", &progress[..progress.len() / 2])?;
    write("report.pdf", MINIMAL_PDF.as_bytes())?;
    write("html_table.xls", HTML_TABLE.as_bytes())?;

    match find_soffice() {
        Some(soffice) => {
            convert(
                &soffice,
                &dir,
                "progress_merged.xlsx",
                "xls",
                "progress.xls",
            )?;
            convert(
                &soffice,
                &dir,
                "progress_merged.xlsx",
                "ods",
                "progress_lo.ods",
            )?;
            convert(&soffice, &dir, "progress.docx", "doc", "progress.doc")?;
            std::fs::copy(dir.join("progress.doc"), dir.join("progress.wps"))?;
            std::fs::copy(dir.join("progress.xls"), dir.join("progress.et"))?;
            println!("copied progress.doc to progress.wps and progress.xls to progress.et");
        }
        None => println!(
            "soffice is not on PATH: progress.xls, progress_lo.ods, progress.doc, progress.wps \
             and progress.et are left as committed"
        ),
    }
    Ok(())
}

/// Text escaped for XML content (docx and ods).
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// ---------------------------------------------------------------------------------------
// ods

fn ods_cell(text: &str) -> String {
    format!(
        "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
        esc(text)
    )
}

fn progress_ods() -> Result<Vec<u8>> {
    let row = |cells: &[String]| format!("<table:table-row>{}</table:table-row>", cells.concat());
    let covered = "<table:covered-table-cell/>".to_string();
    let percent = |v: &str, shown: &str| {
        format!(
            "<table:table-cell office:value-type=\"percentage\" office:value=\"{v}\"><text:p>{shown}</text:p></table:table-cell>"
        )
    };
    let float = |v: &str| {
        format!("<table:table-cell office:value-type=\"float\" office:value=\"{v}\"><text:p>{v}</text:p></table:table-cell>")
    };
    let rows = [
        row(&[
            "<table:table-cell table:number-columns-spanned=\"5\" office:value-type=\"string\"><text:p>文成县2024年民生实事项目进展表</text:p></table:table-cell>".to_string(),
            "<table:covered-table-cell table:number-columns-repeated=\"4\"/>".to_string(),
        ]),
        row(&[
            ods_cell("序号"),
            ods_cell("项目名称"),
            ods_cell("建设内容"),
            ods_cell("完成率"),
            ods_cell("牵头单位"),
        ]),
        row(&[
            "<table:table-cell table:number-columns-spanned=\"5\" office:value-type=\"string\"><text:p>一、住房保障</text:p></table:table-cell>".to_string(),
            "<table:covered-table-cell table:number-columns-repeated=\"4\"/>".to_string(),
        ]),
        row(&[
            float("1"),
            "<table:table-cell table:number-rows-spanned=\"2\" office:value-type=\"string\"><text:p>保障性住房</text:p></table:table-cell>".to_string(),
            ods_cell("筹集保障性租赁住房300套"),
            percent("0.6", "60%"),
            "<table:table-cell table:number-rows-spanned=\"2\" office:value-type=\"string\"><text:p>县住建局</text:p></table:table-cell>".to_string(),
        ]),
        row(&[
            float("2"),
            covered.clone(),
            "<table:table-cell office:value-type=\"string\"><text:p>改造城镇老旧小区</text:p><text:p>5个</text:p></table:table-cell>".to_string(),
            percent("1", "100%"),
            covered,
        ]),
        row(&[
            ods_cell("填报日期："),
            "<table:table-cell office:value-type=\"date\" office:date-value=\"2024-07-05\"><text:p>2024-07-05</text:p></table:table-cell>".to_string(),
        ]),
        "<table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>".to_string(),
    ];
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" office:version=\"1.3\">\
         <office:automatic-styles>\
         <style:style style:name=\"ta1\" style:family=\"table\"><style:table-properties table:display=\"true\"/></style:style>\
         <style:style style:name=\"ta2\" style:family=\"table\"><style:table-properties table:display=\"false\"/></style:style>\
         </office:automatic-styles><office:body><office:spreadsheet>\
         <table:table table:name=\"进度\" table:style-name=\"ta1\"><table:table-column table:number-columns-repeated=\"1024\"/>{}</table:table>\
         <table:table table:name=\"备用\" table:style-name=\"ta2\">{}</table:table>\
         </office:spreadsheet></office:body></office:document-content>",
        rows.concat(),
        row(&[ods_cell("旧版数据"), float("7")]),
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
        <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
        <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
        </manifest:manifest>";
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let deflated = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    zip.start_file("mimetype", stored)?;
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")?;
    zip.start_file("content.xml", deflated)?;
    zip.write_all(content.as_bytes())?;
    zip.start_file("META-INF/manifest.xml", deflated)?;
    zip.write_all(manifest.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

// ---------------------------------------------------------------------------------------
// The rest

/// What Excel writes for a workbook with a password: an OLE file whose streams hold the
/// encryption parameters and the encrypted package (here: fixed filler bytes).
fn password_ole() -> Result<Vec<u8>> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new()))?;
    let mut info = file.create_stream("/EncryptionInfo")?;
    info.write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])?;
    info.write_all(b"<?xml version=\"1.0\"?><encryption/>")?;
    drop(info);
    let mut package = file.create_stream("/EncryptedPackage")?;
    let filler: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    package.write_all(&filler)?;
    drop(package);
    file.flush()?;
    Ok(file.into_inner().into_inner())
}

const MINIMAL_PDF: &str = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

const HTML_TABLE: &str = "<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\">\n<head><meta charset=\"utf-8\"></head>\n\
<body><table><tr><td>序号</td><td>项目名称</td><td>完成率</td></tr><tr><td>1</td><td>城区学校扩容工程</td><td>80%</td></tr></table></body></html>\n";

fn find_soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["soffice", "libreoffice"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// `soffice --convert-to EXT` of `fixtures/attachments/FROM` into `TO`.
fn convert(soffice: &Path, dir: &Path, from: &str, ext: &str, to: &str) -> Result<()> {
    let work = tempfile::tempdir()?;
    let profile = url::Url::from_directory_path(work.path().join("profile"))
        .map_err(|()| "temporary folder is not absolute")?;
    let status = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--norestore", "--convert-to", ext, "--outdir"])
        .arg(work.path())
        .arg(dir.join(from))
        .status()?;
    if !status.success() {
        return Err(format!("soffice failed on {from}: {status}").into());
    }
    let stem = from.rsplit_once('.').map_or(from, |(s, _)| s);
    std::fs::copy(work.path().join(format!("{stem}.{ext}")), dir.join(to))?;
    println!("converted {from} to {to}");
    Ok(())
}
