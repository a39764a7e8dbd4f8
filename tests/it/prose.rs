//! `scrape` of a prose page (fixtures/prose/): records.jsonl and pages.json as the page's
//! hand-written expected file says. The reader itself, on the whole corpus, is tested in
//! `src/prose/corpus_tests.rs`.

use serde_json::{json, Value};
use std::fs;
use std::path::Path;

fn expected(html: &Path) -> Value {
    let path = html.with_extension("expected.json");
    serde_json::from_str(&fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn scrape_of_a_prose_page_writes_its_records_and_the_prose_object() {
    let page = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/prose/01_hanweb_jcms_headings_and_sections.html");
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .arg("scrape")
        .arg(&page)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let records: Vec<Value> = fs::read_to_string(out.path().join("records.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want = expected(&page);
    let items = want["items"].as_array().unwrap();
    assert_eq!(records.len(), items.len());
    for (record, item) in records.iter().zip(items) {
        assert_eq!(record["source_format"], "prose");
        assert_eq!(record["content"], item["content"]);
        assert_eq!(record["completion_pct"], item["completion_pct"]);
        assert_eq!(record["lead_unit"], item["lead_unit"]);
    }
    let pages: Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("pages.json")).unwrap()).unwrap();
    let prose = &pages[0]["prose"];
    assert_eq!(prose["considered"], want["considered"]);
    assert_eq!(prose["read"], json!(items.len()));
    assert_eq!(
        prose["verdict"],
        format!("{} items read from prose", items.len())
    );
    assert_eq!(prose["rejected"][0]["reason"], "no progress signal");
    assert_eq!(pages[0]["error"], Value::Null);
}
