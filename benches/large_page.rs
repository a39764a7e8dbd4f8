//! The 2 MB page of the performance issue, shared by benches/pipeline.rs and
//! examples/parse_cost.rs (included with `#[path]`; not a bench target of its own).

use std::path::Path;

/// A 2 MB county page: the seed page's header, chrome and cell markup around one table of
/// 2,000 rows made from the seed's own rows (numbered on, percentages varied).
pub fn large_page() -> Vec<u8> {
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/wencheng_2024_half_year.html"),
    )
    .unwrap();
    const ROW: &str = "<tr style=\"height:36px;\">";
    let first_row = seed.find(ROW).unwrap();
    let table_end = seed[first_row..].find("</tbody>").unwrap() + first_row;
    let rows: Vec<&str> = seed[first_row..table_end]
        .split(ROW)
        .filter(|r| !r.trim().is_empty())
        .collect();
    let mut page = String::with_capacity(2_200_000);
    page.push_str(&seed[..first_row]);
    for i in 0..2000 {
        let row = rows[i % rows.len()];
        let seq = format!(">{}<", i % rows.len() + 1);
        page.push_str(ROW);
        page.push_str(&row.replacen(&seq, &format!(">{}<", i + 1), 1).replacen(
            "0%<",
            &format!("{}%<", i % 10),
            1,
        ));
    }
    // The rest of the page after the first copy's table (its note, the chrome), without the
    // duplicated second copy.
    let rest = &seed[table_end..];
    let copy_b = rest.find("<div class=\"article-b\"").unwrap_or(rest.len());
    let footer = rest.find("<div class=\"footer\"").unwrap_or(rest.len());
    page.push_str(&rest[..copy_b]);
    page.push_str("</div>\n");
    page.push_str(&rest[footer..]);
    page.into_bytes()
}
