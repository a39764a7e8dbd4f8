//! What is not read: a PDF, a corrupt file and a password-protected one each say why.

use super::*;

#[test]
fn pdf_corrupt_and_password_protected_files_say_why() {
    let cases = [
        ("report.pdf", "pdf not read", false),
        (
            "corrupt.xlsx",
            "corrupt xlsx workbook: not a readable ZIP file (invalid Zip archive: Could not find EOCD)",
            true,
        ),
        ("password.xlsx", "password-protected xlsx workbook", true),
    ];
    for (file, error, failure) in cases {
        let report = minsheng::scrape::process_file(&fixture(file));
        assert_eq!(report.error.as_deref(), Some(error), "{file}");
        assert_eq!(pipeline::is_failure(&report), failure, "{file}");
        assert!(report.tables.is_empty(), "{file}");
    }
}
