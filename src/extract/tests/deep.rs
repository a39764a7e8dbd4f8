//! Deep markup (issue 11, row 7): nested tables and divs and unclosed formatting elements
//! are flattened by the parser guard with a note, and the page around them is intact. The
//! times are in docs/security.md (a test must not be timed); wide markup and the other
//! hostile inputs are in tests/it/inputs.rs.

use crate::extract::dom::{Document, Edge, NodeId};
use crate::extract::MAX_DEPTH;
use crate::pipeline::{process, Source};
use crate::record::PageReport;
use serde_json::Value;

const SEED: &[u8] = include_bytes!("../../../fixtures/wencheng_2024_half_year.html");

fn seed() -> Vec<u8> {
    SEED.to_vec()
}

fn report(bytes: Vec<u8>, content_type: Option<&str>) -> PageReport {
    process(&Source {
        content_type,
        ..Source::file("file:///page.html", &bytes, "2026-01-01T00:00:00Z")
    })
}

/// The records of a report as JSON, without the two fields that follow the bytes themselves
/// (their hash) rather than what the page says.
fn records(report: &PageReport) -> Vec<Value> {
    report
        .records()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap();
            let map = v.as_object_mut().unwrap();
            map.remove("content_sha256");
            map.remove("fetched_at");
            v
        })
        .collect()
}

/// `bytes` with `insert` put right after the first `marker`.
fn inserted_after(bytes: &[u8], marker: &str, insert: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())
        .unwrap()
        + marker.len();
    [&bytes[..at], insert, &bytes[at..]].concat()
}

/// Ancestors of the deepest node of the document.
fn deepest(doc: &Document) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for edge in doc.traverse(NodeId::DOCUMENT) {
        match edge {
            Edge::Open(_) => {
                deepest = deepest.max(depth);
                depth += 1;
            }
            Edge::Close(_) => depth -= 1,
        }
    }
    deepest
}

// Rows 7 and 8: deep and wide markup.

#[test]
fn hundred_thousand_nested_tables_beside_a_progress_table_leave_its_records_intact() {
    let clean = report(seed(), None);
    assert_eq!(records(&clean).len(), 16);
    let nested = format!(
        "<div>{}x{}</div>",
        "<table><tr><td>".repeat(100_000),
        "</td></tr></table>".repeat(100_000)
    );
    let hostile = inserted_after(&seed(), "<body>", nested.as_bytes());
    let doc = Document::parse(&String::from_utf8(hostile.clone()).unwrap());
    let flattened = doc.flattened();
    assert!(flattened.too_deep > 0 && flattened.formatting == 0);
    // Past the limit only the elements a tag names are closed; the `<tbody>` and `<tr>` the
    // parser adds around a `<td>` may stay, a few levels below it.
    assert!(deepest(&doc) <= MAX_DEPTH as usize + 4, "{}", deepest(&doc));

    let report = report(hostile, None);
    assert_eq!(records(&report), records(&clean));
    assert_eq!(
        report.notes.last().map(String::as_str),
        Some(
            format!(
                "markup flattened: {} element(s) nested deeper than 256 levels were closed at \
                 once; their text is kept",
                flattened.too_deep
            )
            .as_str()
        )
    );
}

#[test]
fn hundred_thousand_nested_divs_keep_256_levels_and_their_text() {
    let html = format!("<html><body>{}民生x</body></html>", "<div>".repeat(100_000));
    let doc = Document::parse(&html);
    // <div> n is at depth n + 2 (document, html, body): 254 of them fit in 256 levels.
    assert_eq!(doc.flattened().too_deep, 100_000 - 254);
    assert_eq!(deepest(&doc), 257);
    let report = report(html.into_bytes(), None);
    assert_eq!(
        report.error.as_deref(),
        Some("no table on the page; prose: no numbered items in the text")
    );
    assert_eq!(
        report.notes,
        ["markup flattened: 99746 element(s) nested deeper than 256 levels were closed at once; \
          their text is kept"]
    );
}

#[test]
fn hundred_thousand_unclosed_formatting_elements_are_ignored_past_sixteen_in_play() {
    // Distinct attributes, so that the parser's three-copies rule keeps none away: each
    // <font> is on the stack and in the list of active formatting elements, 2 per font, so
    // the 9th is the first beyond 16.
    let fonts: String = (0..100_000).map(|i| format!("<font id=f{i}>")).collect();
    let html = format!("<html><body>{fonts}民生<p>实事</p></body></html>");
    let doc = Document::parse(&html);
    assert_eq!(doc.flattened().formatting, 100_000 - 8);
    let report = report(html.into_bytes(), None);
    assert_eq!(
        report.notes,
        [
            "markup flattened: 99992 formatting tag(s) beyond 16 open ones were ignored; their \
          text is kept"
        ]
    );

    // The same <b> over and over: the list keeps 3 copies, so 13 fit (13 + 3 = 16).
    let html = format!("<html><body>{}x</body></html>", "<b>".repeat(100_000));
    assert_eq!(Document::parse(&html).flattened().formatting, 100_000 - 13);
}
