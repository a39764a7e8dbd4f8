//! One `<table>` -> a rectangular grid of cell texts, rowspan/colspan expanded.
//!
//! This is the HTML table model, simplified: rows come from the table's own `<tr>`s (directly
//! or through `<thead>`/`<tbody>`/`<tfoot>`, never from nested tables), a cell occupies every
//! slot its spans cover, and every slot it covers carries its text and its origin, so a
//! rowspan-merged 牵头单位 gives its text to each row and a group row spanning the table can
//! be recognised as one merged cell. Short rows are padded with empty slots.
//!
//! Spans are clamped as browsers clamp them (colspan ≤ 1000, rowspan to the table's end), and a
//! table whose expansion would exceed `MAX_CELLS` is refused rather than allowed to eat memory.

use super::dom::{Document, NodeId};
use super::text::cell_text;
use html5ever::local_name;

/// Browsers ignore colspan values above 1000.
const MAX_COLSPAN: usize = 1000;
/// A grid larger than this is not a progress table; refuse it instead of allocating it.
pub const MAX_CELLS: usize = 1_000_000;
/// A grid wider than this is not a progress table either (those have about ten columns):
/// refused as too large too, because reading a row costs `normalize` time in the square of
/// its width (200,000 columns took 56 s).
pub const MAX_COLUMNS: usize = 1_000;

/// One slot of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Normalized text of the originating cell (empty for padding).
    pub text: String,
    /// The originating cell was a `<th>`.
    pub is_th: bool,
    /// Row and column of the originating cell's top-left slot; `None` for padding.
    pub origin: Option<(usize, usize)>,
    /// The originating cell's spans (after clamping).
    pub rowspan: usize,
    pub colspan: usize,
}

impl Cell {
    fn padding() -> Cell {
        Cell {
            text: String::new(),
            is_th: false,
            origin: None,
            rowspan: 1,
            colspan: 1,
        }
    }
}

/// A table as a rectangle of slots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    /// The `<caption>` text, if any.
    pub caption: Option<String>,
    /// Some cell holds a table of its own: this table is a layout frame. The nested tables'
    /// text is not in this grid (they are tables of their own).
    pub holds_tables: bool,
    pub rows: Vec<Vec<Cell>>,
}

impl Grid {
    pub fn width(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    /// The cell texts, row by row: what duplicate detection compares.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().flatten().map(|c| c.text.as_str())
    }

    /// The non-empty texts of row `r`, a merged cell once.
    pub fn distinct_row_texts(&self, r: usize) -> Vec<String> {
        let mut texts: Vec<String> = Vec::new();
        let mut last_origin = None;
        for cell in self.rows.get(r).map_or(&[][..], Vec::as_slice) {
            if cell.origin.is_some() && cell.origin == last_origin {
                continue;
            }
            last_origin = cell.origin;
            if !cell.text.is_empty() {
                texts.push(cell.text.clone());
            }
        }
        texts
    }

    /// The first row that has text, as [`Grid::distinct_row_texts`].
    pub fn first_row_texts(&self) -> Vec<String> {
        (0..self.rows.len())
            .map(|r| self.distinct_row_texts(r))
            .find(|texts| !texts.is_empty())
            .unwrap_or_default()
    }

    /// The texts of one row.
    pub fn row_texts(&self, row: usize) -> Vec<String> {
        self.rows
            .get(row)
            .map(|r| r.iter().map(|c| c.text.clone()).collect())
            .unwrap_or_default()
    }
}

/// Why a table could not be turned into a grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridError {
    TooLarge { cells: usize },
}

struct RawCell {
    text: String,
    holds_table: bool,
    is_th: bool,
    rowspan: Option<usize>, // None = rowspan="0": to the end of the table
    colspan: usize,
}

/// The rows of `table` (not of nested tables), each as its cells.
fn raw_rows(doc: &Document, table: NodeId) -> (Option<String>, Vec<Vec<RawCell>>) {
    let mut caption = None;
    let mut rows = Vec::new();
    let mut scratch = String::new();
    for (child, el) in doc.child_elements(table) {
        match *el.name() {
            local_name!("caption") => {
                // Without nested tables, as a cell: they are tables of their own (and a page
                // of captions nesting tables would otherwise read each table once per caption).
                let (text, _) = cell_text(doc, child, &mut scratch);
                if !text.is_empty() {
                    caption = Some(text);
                }
            }
            local_name!("thead") | local_name!("tbody") | local_name!("tfoot") => {
                for (tr, el) in doc.child_elements(child) {
                    if *el.name() == local_name!("tr") {
                        rows.push(raw_cells(doc, tr, &mut scratch));
                    }
                }
            }
            local_name!("tr") => rows.push(raw_cells(doc, child, &mut scratch)),
            _ => {}
        }
    }
    (caption, rows)
}

fn raw_cells(doc: &Document, tr: NodeId, scratch: &mut String) -> Vec<RawCell> {
    doc.child_elements(tr)
        .filter(|(_, el)| matches!(*el.name(), local_name!("td") | local_name!("th")))
        .map(|(cell, el)| {
            let (text, holds_table) = cell_text(doc, cell, scratch);
            let span = |name| el.attr(name).and_then(|v| v.trim().parse::<usize>().ok());
            RawCell {
                text,
                holds_table,
                is_th: *el.name() == local_name!("th"),
                colspan: span(&local_name!("colspan"))
                    .unwrap_or(1)
                    .clamp(1, MAX_COLSPAN),
                rowspan: match span(&local_name!("rowspan")) {
                    Some(0) => None,
                    Some(n) => Some(n),
                    None => Some(1),
                },
            }
        })
        .collect()
}

/// Builds the grid of the `<table>` element `table`.
pub fn build(doc: &Document, table: NodeId) -> Result<Grid, GridError> {
    let (caption, raw) = raw_rows(doc, table);
    let row_count = raw.len();
    // Room for the widest row as written, unless that alone is too large: one allocation per
    // row instead of one per cell.
    let width_hint = raw
        .iter()
        .map(|row| row.iter().map(|cell| cell.colspan).sum::<usize>())
        .max()
        .unwrap_or(0);
    if width_hint > MAX_COLUMNS {
        return Err(GridError::TooLarge {
            cells: width_hint.saturating_mul(row_count),
        });
    }
    let width_hint = if width_hint.saturating_mul(row_count) <= MAX_CELLS {
        width_hint
    } else {
        0
    };
    let mut slots: Vec<Vec<Option<Cell>>> = (0..row_count)
        .map(|_| Vec::with_capacity(width_hint))
        .collect();
    let mut cells = 0usize;
    let mut holds_tables = false;
    for (r, row) in raw.into_iter().enumerate() {
        let mut c = 0;
        for raw_cell in row {
            holds_tables |= raw_cell.holds_table;
            while slots[r].get(c).is_some_and(Option::is_some) {
                c += 1;
            }
            let rowspan = raw_cell
                .rowspan
                .unwrap_or(row_count - r)
                .clamp(1, row_count - r);
            let colspan = raw_cell.colspan;
            cells = cells.saturating_add(rowspan.saturating_mul(colspan));
            if cells > MAX_CELLS {
                return Err(GridError::TooLarge { cells });
            }
            // One copy of the text per covered slot; the last slot takes the original.
            let mut texts = std::iter::repeat_n(raw_cell.text, rowspan.saturating_mul(colspan));
            for slot_row in slots.iter_mut().skip(r).take(rowspan) {
                if slot_row.len() < c + colspan {
                    slot_row.resize(c + colspan, None);
                }
                for slot in slot_row.iter_mut().skip(c).take(colspan) {
                    *slot = Some(Cell {
                        text: texts.next().unwrap_or_default(),
                        is_th: raw_cell.is_th,
                        origin: Some((r, c)),
                        rowspan,
                        colspan,
                    });
                }
            }
            c += colspan;
        }
    }
    let width = slots.iter().map(Vec::len).max().unwrap_or(0);
    if width.saturating_mul(row_count) > MAX_CELLS || width > MAX_COLUMNS {
        return Err(GridError::TooLarge {
            cells: width.saturating_mul(row_count),
        });
    }
    let rows = slots
        .into_iter()
        .map(|row| {
            let mut row: Vec<Cell> = row
                .into_iter()
                .map(|s| s.unwrap_or_else(Cell::padding))
                .collect();
            row.resize_with(width, Cell::padding);
            row
        })
        .collect();
    Ok(Grid {
        caption,
        holds_tables,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grid of the first `<table>` of `html`.
    fn try_grid(html: &str) -> Result<Grid, GridError> {
        let doc = Document::parse(html);
        let root = doc.root_element().unwrap();
        let table = doc
            .descendants(root)
            .find(|&id| {
                doc.element(id)
                    .is_some_and(|el| *el.name() == local_name!("table"))
            })
            .unwrap();
        build(&doc, table)
    }

    fn grid(html: &str) -> Grid {
        try_grid(html).unwrap()
    }

    fn texts(g: &Grid) -> Vec<Vec<&str>> {
        g.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn rowspan_gives_its_text_to_every_covered_row() {
        let g = grid(
            "<table><tr><td rowspan=2>医疗卫生</td><td>a</td></tr><tr><td>b</td></tr></table>",
        );
        assert_eq!(
            texts(&g),
            vec![vec!["医疗卫生", "a"], vec!["医疗卫生", "b"]]
        );
        assert_eq!(g.rows[1][0].origin, Some((0, 0)));
    }

    #[test]
    fn colspan_fills_the_row_and_short_rows_are_padded() {
        let g = grid("<table><tr><td colspan=3>一、医疗卫生</td></tr><tr><td>1</td></tr></table>");
        assert_eq!(
            texts(&g),
            vec![
                vec!["一、医疗卫生", "一、医疗卫生", "一、医疗卫生"],
                vec!["1", "", ""]
            ]
        );
        assert_eq!(g.rows[1][1].origin, None);
    }

    #[test]
    fn rowspan_and_colspan_together_place_later_cells_right() {
        let g = grid(
            "<table><tr><td rowspan=2>序号</td><td colspan=2>完成情况</td></tr>\
             <tr><td>完成率</td><td>名次</td></tr></table>",
        );
        assert_eq!(
            texts(&g),
            vec![
                vec!["序号", "完成情况", "完成情况"],
                vec!["序号", "完成率", "名次"]
            ]
        );
    }

    #[test]
    fn rowspan_zero_and_oversized_spans_are_clamped_to_the_table() {
        let g = grid(
            "<table><tr><td rowspan=0>a</td><td rowspan=99>b</td></tr><tr><td>c</td></tr></table>",
        );
        assert_eq!(texts(&g), vec![vec!["a", "b", ""], vec!["a", "b", "c"]]);
    }

    #[test]
    fn nested_table_rows_are_not_the_outer_tables_rows() {
        let g = grid(
            "<table><tr><td>before<table><tr><td>x</td></tr><tr><td>y</td></tr></table>after</td></tr></table>",
        );
        assert_eq!(g.rows.len(), 1);
        assert_eq!(g.rows[0][0].text, "before after");
        assert!(g.holds_tables);
    }

    #[test]
    fn caption_is_kept_apart_from_rows() {
        let g = grid("<table><caption> 进度表 </caption><tr><td>1</td></tr></table>");
        assert_eq!(g.caption.as_deref(), Some("进度表"));
        assert_eq!(g.rows.len(), 1);
    }

    #[test]
    fn a_table_wider_than_the_column_limit_is_refused() {
        let row = |n: usize| format!("<tr>{}</tr>", "<td>x</td>".repeat(n));
        let at_limit = format!("<table>{}{}</table>", row(MAX_COLUMNS), row(1));
        assert_eq!(try_grid(&at_limit).map(|g| g.width()), Ok(MAX_COLUMNS));
        let wider = format!("<table>{}{}</table>", row(1), row(MAX_COLUMNS + 1));
        assert_eq!(
            try_grid(&wider),
            Err(GridError::TooLarge {
                cells: 2 * (MAX_COLUMNS + 1)
            })
        );
        // Wider through a rowspan from above, not in any row as written.
        let pushed = format!(
            "<table><tr><td rowspan=2>a</td>{}</tr><tr>{}</tr></table>",
            "<td>x</td>".repeat(MAX_COLUMNS - 1),
            "<td>y</td>".repeat(MAX_COLUMNS)
        );
        assert_eq!(
            try_grid(&pushed),
            Err(GridError::TooLarge {
                cells: 2 * (MAX_COLUMNS + 1)
            })
        );
    }

    #[test]
    fn huge_spans_are_refused_not_allocated() {
        let mut html = String::from("<table>");
        for _ in 0..2000 {
            html.push_str("<tr><td colspan=1000>x</td></tr>");
        }
        html.push_str("</table>");
        assert!(matches!(try_grid(&html), Err(GridError::TooLarge { .. })));
    }
}
