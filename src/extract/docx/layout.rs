//! A Word table's rows as written (`w:tr` / `w:tc` with their `w:gridSpan`, `w:vMerge`,
//! `w:hMerge`, `w:gridBefore` / `w:gridAfter`) laid out as a [`Grid`]: spans become
//! colspans, vertical merges rowspans, padding slots empty cells — the shape `grid.rs` gives
//! the same table saved as HTML. Pure; the XML walk that fills the rows is in `docx.rs`.

use crate::extract::grid::{Cell, Grid, GridError, MAX_CELLS};
use crate::extract::text::collapse_whitespace;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Merge {
    None,
    Restart,
    Continue,
}

/// A `w:tc` as written.
pub(super) struct RawCell {
    pub(super) raw: String,
    pub(super) paragraphs: usize,
    pub(super) span: usize,
    pub(super) vmerge: Merge,
    pub(super) hmerge_continue: bool,
}

/// A `w:tr` as written.
#[derive(Default)]
pub(super) struct RawRow {
    pub(super) before: usize,
    pub(super) after: usize,
    pub(super) cells: Vec<RawCell>,
}

/// One merged range being laid out.
struct Region {
    top: usize,
    left: usize,
    rowspan: usize,
    colspan: usize,
    text: String,
}

/// The rows of a Word table as a grid: spans laid out, vertical merges joined.
pub(super) fn build_grid(rows: Vec<RawRow>) -> Result<Grid, GridError> {
    let width = rows
        .iter()
        .map(|row| {
            row.cells
                .iter()
                .fold(row.before.saturating_add(row.after), |w, c| {
                    w.saturating_add(c.span)
                })
        })
        .max()
        .unwrap_or(0);
    let cells = width.saturating_mul(rows.len());
    if cells > MAX_CELLS {
        return Err(GridError::TooLarge { cells });
    }
    let mut regions: Vec<Region> = Vec::new();
    let mut slots: Vec<Vec<Option<usize>>> = vec![vec![None; width]; rows.len()];
    for (r, row) in rows.into_iter().enumerate() {
        let mut c = row.before;
        for cell in row.cells {
            let span = cell.span;
            let above = (r > 0).then(|| slots[r - 1][c]).flatten();
            let previous = (c > 0).then(|| slots[r][c - 1]).flatten();
            let joined = match (cell.vmerge, above, cell.hmerge_continue, previous) {
                (Merge::Continue, Some(i), _, _)
                    if regions[i].left == c && regions[i].top + regions[i].rowspan == r =>
                {
                    regions[i].rowspan += 1;
                    Some(i)
                }
                (_, _, true, Some(i)) if regions[i].top == r => {
                    regions[i].colspan += span;
                    Some(i)
                }
                _ => None,
            };
            let index = joined.unwrap_or_else(|| {
                regions.push(Region {
                    top: r,
                    left: c,
                    rowspan: 1,
                    colspan: span,
                    text: collapse_whitespace(&cell.raw),
                });
                regions.len() - 1
            });
            for slot in slots[r].iter_mut().skip(c).take(span) {
                *slot = Some(index);
            }
            c += span;
        }
    }
    let rows = slots
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|slot| match slot {
                    Some(i) => {
                        let region = &regions[i];
                        Cell {
                            text: region.text.clone(),
                            is_th: false,
                            origin: Some((region.top, region.left)),
                            rowspan: region.rowspan,
                            colspan: region.colspan,
                        }
                    }
                    None => Cell {
                        text: String::new(),
                        is_th: false,
                        origin: None,
                        rowspan: 1,
                        colspan: 1,
                    },
                })
                .collect()
        })
        .collect();
    Ok(Grid {
        caption: None,
        holds_tables: false,
        rows,
    })
}
