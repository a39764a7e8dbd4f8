//! Deep and wide markup through the whole pipeline (issue 11, rows 7 and 8): the bytes are
//! a recipe, not the page. Each segment repeats a group of one to four pieces from a small
//! alphabet (tables, rows, cells, divs, paragraphs, `<b>`, `<font color=N>`, their end tags,
//! text) up to 100,000 times, so the fuzzer reaches nestings and widths that random bytes
//! never would. Run with `-timeout=2`: a page that takes longer is a failure, as a crash is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minsheng::pipeline::{process, Source};

/// The pieces a segment is made of.
const PIECES: [&str; 24] = [
    "<table>",
    "<tr>",
    "<td>",
    "<div>",
    "<b>",
    "<font color=",
    "<p>",
    "</td>",
    "</table>",
    "</div>",
    "</b>",
    "</font>",
    "</p>",
    "x",
    "<table><tr><td>",
    "<td colspan=3>",
    "</tr>",
    "<i>",
    "<a href=x>",
    "<div class=title>",
    "<th rowspan=2>",
    "序号",
    "<span>",
    "<br>",
];

/// Bytes of markup in a page at most: 100,000 `<div>`s or `<b>`s fit, 100,000 nested tables
/// do not (src/extract/tests/deep.rs has those). Large pages are linear but slow under the fuzzer's
/// instrumentation (a 1.3 MB page took 1 s), and the 2-second timeout is there to catch
/// quadratic shapes, not size.
const BUDGET: usize = 600_000;

/// The page the bytes describe.
fn page(data: &[u8]) -> String {
    let mut html = String::from("<html><head><title>t</title></head><body>");
    let Some((&first, mut rest)) = data.split_first() else {
        return html;
    };
    if first & 1 == 1 {
        // A progress table header first, so that normalize reads what follows as rows.
        html.push_str(
            "<table><tr><td>序号</td><td>项目内容</td><td>牵头单位</td></tr><tr><td>1</td>",
        );
    }
    let mut budget = BUDGET;
    while let [head, lo, hi, tail @ ..] = rest {
        let group_len = usize::from(head & 3) + 1;
        let Some((group, after)) = tail.split_at_checked(group_len.min(tail.len())) else {
            break;
        };
        rest = after;
        let count = if head & 4 == 4 {
            usize::from(u16::from_le_bytes([*lo, *hi])) * 100_000 / usize::from(u16::MAX)
        } else {
            usize::from(*lo % 16)
        };
        let texts: Vec<&str> = group
            .iter()
            .map(|&piece| PIECES[usize::from(piece) % PIECES.len()])
            .collect();
        // A colour adds up to three bytes.
        let group_bytes = texts.iter().map(|t| t.len() + 3).sum::<usize>().max(1);
        let count = count.min(budget / group_bytes);
        budget -= count * group_bytes;
        for i in 0..count {
            for (&text, &piece) in texts.iter().zip(group) {
                html.push_str(text);
                if text == "<font color=" {
                    // Distinct colours defeat the parser's three-copies rule.
                    let colour = if piece >= 128 {
                        i % 97
                    } else {
                        usize::from(piece % 4)
                    };
                    html.push_str(&format!("{colour}>"));
                }
            }
        }
    }
    html.push_str("</body></html>");
    html
}

fuzz_target!(|data: &[u8]| {
    let page = page(data);
    let report = process(&Source::file(
        "file:///deep.html",
        page.as_bytes(),
        "2026-01-01T00:00:00Z",
    ));
    serde_json::to_string(&report).expect("a report always serializes");
});
