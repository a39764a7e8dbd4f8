//! doc, wps and et: read through LibreOffice when `soffice` is on PATH (the same grids as
//! the files they were saved from), else reported as needing it.

use super::*;

#[test]
fn doc_wps_and_et_are_read_through_libreoffice_or_need_it() {
    if convert::find_soffice().is_none() {
        let result = convert::convert(&fixture("progress.doc"), &DocKind::Doc, DEFAULT_TIMEOUT);
        assert_eq!(result, Err(ConvertError::NeedsLibreOffice));
        assert_eq!(
            ConvertError::NeedsLibreOffice.to_string(),
            "needs LibreOffice"
        );
        return;
    }
    let doc = convert::convert(&fixture("progress.doc"), &DocKind::Doc, DEFAULT_TIMEOUT).unwrap();
    assert_eq!(doc.kind, DocKind::Docx);
    let converted = read_docx(&doc.bytes).unwrap();
    let original = read_docx(&fixture("progress.docx")).unwrap();
    let grids = |d: &crate::extract::docx::DocxDocument| {
        d.tables
            .iter()
            .map(|t| texts(&t.grid).concat().join("|"))
            .collect::<Vec<_>>()
    };
    assert_eq!(grids(&converted), grids(&original));

    let wps = convert::convert(&fixture("progress.wps"), &DocKind::Wps, DEFAULT_TIMEOUT).unwrap();
    assert_eq!(read_docx(&wps.bytes).unwrap().tables.len(), 2);

    let et = convert::convert(&fixture("progress.et"), &DocKind::Et, DEFAULT_TIMEOUT).unwrap();
    assert_eq!(et.kind, DocKind::Xlsx);
    assert_main_sheet(&read_workbook(&et.bytes, &DocKind::Xlsx).unwrap(), "et");
}
