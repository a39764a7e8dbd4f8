//! Extract: decoded HTML -> `Page { meta, tables }`. Pure: no network, no disk.
//!
//! What this stage owns:
//! - every `<table>` in document order as a rectangular [`Grid`] (rowspan/colspan expanded,
//!   see `grid.rs`), with what stands between it and the previous table (nothing, a 续表
//!   heading, or other content) so that `normalize` can join continuation tables;
//! - duplicate sections dropped by *content*: the 文成县 seed page renders the article body twice
//!   (two CMS templates with different metadata lines), so a table whose cell texts equal an
//!   earlier table's is dropped and counted; two different tables both stay;
//! - the page's metadata text (title, 来源, 发布机构, 发布日期, 备注 lines), see `meta.rs`.
//!
//! What it does not do: decide which tables are progress tables or what a header means —
//! that is `normalize`, which knows the header synonyms.
//!
//! (The example is the test `module_example` at the end of this file.)

pub mod body;
pub mod convert;
pub mod docx;
pub mod dom;
pub mod grid;
mod guard;
pub mod links;
pub mod meta;
pub mod sheet;
pub mod text;

use dom::{Document, Edge, NodeData, NodeId};
use html5ever::local_name;
use std::collections::HashMap;

pub use dom::Flattened;
pub use grid::{Grid, GridError};
pub use guard::{MAX_DEPTH, MAX_FORMATTING};
pub use meta::PageMeta;

/// What stands between a table and the table boundary before it (the previous table's end,
/// or the enclosing table's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preceded {
    /// Only whitespace or empty elements (`<p>&nbsp;</p>`).
    Nothing,
    /// A 续表 ("continued") heading and nothing else.
    ContinuationHeading,
    /// Text, a heading, or the start of the document.
    Other,
}

/// One distinct table of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Position among all `<table>` elements of the page, duplicates included.
    pub position: usize,
    pub grid: Grid,
    pub preceded_by: Preceded,
    /// The table holds other tables in its cells (a layout frame).
    pub contains_tables: bool,
    /// The grid could not be built (e.g. absurd spans); `grid` is empty then.
    pub problem: Option<GridError>,
}

/// A table dropped because an earlier table has the same cell texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// Index in [`Page::tables`] of the table it repeats.
    pub same_as: usize,
    /// Its first row with text (distinct cell texts).
    pub first_row: Vec<String>,
}

/// Everything the later stages need from one HTML document.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub meta: PageMeta,
    /// Distinct tables in document order (outer tables before the tables inside them).
    pub tables: Vec<Table>,
    /// How many tables were dropped because an earlier table had the same cell texts.
    pub duplicates_dropped: usize,
    /// The dropped duplicates, in document order.
    pub duplicates: Vec<Duplicate>,
    /// The document has no `</body>` or `</html>`: the bytes stop mid-page.
    pub truncated: bool,
    /// Markup nested too deep for the parser, flattened (empty on real pages).
    pub flattened: Flattened,
}

/// Parses `html` and extracts its tables and metadata (the pipeline parses once and calls
/// [`extract_from`]).
#[cfg(test)]
pub fn extract(html: &str) -> Page {
    extract_from(&Document::parse(html), html)
}

/// [`extract`] on `document`, already parsed from `html`: the pipeline parses a page once and
/// reads its prose paragraphs and attachment links from the same tree.
pub fn extract_from(document: &Document, html: &str) -> Page {
    let mut walk = Walk::default();
    walk.run(document);

    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut duplicates = Vec::new();
    for table in walk.tables {
        let key = fingerprint(&table.grid);
        let candidates = seen.entry(key).or_default();
        let original = candidates
            .iter()
            .copied()
            .find(|&i| table.problem.is_none() && same_content(&tables[i], &table));
        if let Some(same_as) = original {
            duplicates.push(Duplicate {
                same_as,
                first_row: table.grid.first_row_texts(),
            });
            continue;
        }
        candidates.push(tables.len());
        tables.push(table);
    }

    Page {
        meta: meta::collect(
            walk.meta_title.take(),
            walk.html_title.take(),
            &walk.lines,
            &walk.headings,
        ),
        tables,
        duplicates_dropped: duplicates.len(),
        duplicates,
        truncated: is_truncated(html),
        flattened: document.flattened(),
    }
}

/// Two tables are the same when their cell texts are equal; a layout frame is never the same
/// as a table it holds, even when the frame's only cell has the same text.
fn same_content(a: &Table, b: &Table) -> bool {
    a.contains_tables == b.contains_tables
        && a.grid.width() == b.grid.width()
        && a.grid.texts().eq(b.grid.texts())
}

/// A key to find the earlier tables a table may repeat; `same_content` decides. The width
/// and every cell's text, mixed eight bytes at a time (as rustc's FxHasher does): the page's
/// own text needs no defence against chosen collisions, and SipHash over every cell cost
/// more than the comparisons it spares.
fn fingerprint(grid: &Grid) -> u64 {
    fn mix(hash: u64, word: u64) -> u64 {
        (hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
    }
    let mut hash = mix(0, grid.width() as u64);
    for text in grid.texts() {
        // The length first, so that ["ab", "c"] and ["a", "bc"] differ.
        hash = mix(hash, text.len() as u64);
        let mut words = text.as_bytes().chunks_exact(8);
        for word in &mut words {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            hash = mix(hash, u64::from_le_bytes(bytes));
        }
        let mut last = [0u8; 8];
        last[..words.remainder().len()].copy_from_slice(words.remainder());
        hash = mix(hash, u64::from_le_bytes(last));
    }
    hash
}

/// No `</html` or `</body` (in any ASCII case) in the last 64 KiB: the bytes stop mid-page.
/// Searched from the end, where a whole page has them, so a whole page costs a few bytes.
fn is_truncated(html: &str) -> bool {
    let tail = &html.as_bytes()[html.len().saturating_sub(64 * 1024)..];
    let mut end = tail.len();
    while let Some(at) = tail[..end].iter().rposition(|&b| b == b'<') {
        if let Some(name) = tail.get(at + 1..at + 6) {
            if name[0] == b'/'
                && (name[1..].eq_ignore_ascii_case(b"html")
                    || name[1..].eq_ignore_ascii_case(b"body"))
            {
                return false;
            }
        }
        end = at;
    }
    true
}

/// A line of page text, as a reader sees it between block boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// The line is inside a table cell.
    pub in_table: bool,
}

/// One pass over the document: tables with their context, text lines, heading candidates.
#[derive(Default)]
struct Walk<'a> {
    tables: Vec<Table>,
    lines: Vec<Line>,
    headings: Vec<String>,
    /// The text nodes of the current line, borrowed from the document: most lines are chrome
    /// without a label and are never copied.
    pieces: Vec<&'a str>,
    /// Room to join a line of several pieces, reused from line to line.
    joined: String,
    /// The last kept line held a label: keep the next one, it may hold the value.
    keep_next_line: bool,
    between: Between,
    html_title: Option<String>,
    meta_title: Option<String>,
    hidden_depth: usize,
    table_depth: usize,
    /// Heading candidates open around the walk: one inside another is read again with it.
    heading_depth: usize,
}

/// Heading candidates inside heading candidates whose text is read: each reads all of its
/// content, so a page of 100,000 nested `<div class="title">` would read its text 100,000
/// times over. A real headline sits at most two or three candidates deep.
const MAX_NESTED_HEADINGS: usize = 8;

impl<'a> Walk<'a> {
    fn run(&mut self, doc: &'a Document) {
        let Some(root) = doc.root_element() else {
            return;
        };
        for edge in doc.traverse(root) {
            match edge {
                Edge::Open(node) => match doc.data(node) {
                    NodeData::Element(el) => {
                        let name = el.name();
                        match *name {
                            local_name!("title") if self.html_title.is_none() => {
                                self.html_title =
                                    Some(text::element_text(doc, node)).filter(|t| !t.is_empty());
                            }
                            local_name!("meta") => self.read_meta(el),
                            _ => {}
                        }
                        if text::is_hidden_element(name) {
                            self.hidden_depth += 1;
                            continue;
                        }
                        if self.hidden_depth > 0 {
                            continue;
                        }
                        if text::is_block_element(name) {
                            self.flush_line();
                        }
                        if *name == local_name!("table") {
                            self.open_table(doc, node);
                        } else if is_heading_candidate(el) {
                            if self.heading_depth < MAX_NESTED_HEADINGS {
                                let heading = text::element_text(doc, node);
                                if !heading.is_empty() {
                                    self.headings.push(heading);
                                }
                            }
                            self.heading_depth += 1;
                        }
                    }
                    NodeData::Text(t) if self.hidden_depth == 0 => {
                        self.pieces.push(t);
                        self.between.push(t);
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if let Some(el) = doc.element(node) {
                        let name = el.name();
                        if text::is_hidden_element(name) {
                            self.hidden_depth = self.hidden_depth.saturating_sub(1);
                            continue;
                        }
                        if self.hidden_depth > 0 {
                            continue;
                        }
                        if text::is_block_element(name) {
                            self.flush_line();
                        }
                        if *name == local_name!("table") {
                            self.table_depth = self.table_depth.saturating_sub(1);
                            self.between.clear();
                        } else if is_heading_candidate(el) {
                            self.heading_depth = self.heading_depth.saturating_sub(1);
                        }
                    }
                }
            }
        }
        self.flush_line();
    }

    fn open_table(&mut self, doc: &Document, table: NodeId) {
        let preceded_by = self.between.classify();
        self.between.clear();
        let (grid, problem) = match grid::build(doc, table) {
            Ok(grid) => (grid, None),
            Err(e) => (Grid::default(), Some(e)),
        };
        let contains_tables = grid.holds_tables;
        self.tables.push(Table {
            position: self.tables.len(),
            grid,
            preceded_by,
            contains_tables,
            problem,
        });
        self.table_depth += 1;
    }

    fn read_meta(&mut self, el: &dom::Element) {
        let is_title = el
            .attr(&local_name!("name"))
            .is_some_and(|n| n.eq_ignore_ascii_case("ArticleTitle"));
        if is_title && self.meta_title.is_none() {
            self.meta_title = el
                .attr(&local_name!("content"))
                .map(text::normalize_space)
                .filter(|t| !t.is_empty());
        }
    }

    /// Ends the current line. Only lines that can hold metadata are kept (a label, or the
    /// line right after one: the value cell of a key/value table); most of a page is chrome,
    /// and collapsing its whitespace would cost as much as the tables.
    ///
    /// A label may be split across text nodes (`<span>发布</span><span>日期</span>`), so a line
    /// of several pieces is joined before it is searched.
    fn flush_line(&mut self) {
        let raw = match self.pieces[..] {
            [] => return,
            [one] => one,
            ref several => {
                self.joined.clear();
                several.iter().for_each(|p| self.joined.push_str(p));
                &self.joined
            }
        };
        let labelled = meta::mentions_label(raw);
        if labelled || self.keep_next_line {
            let text = text::collapse_source_text(raw);
            if !text.is_empty() {
                self.lines.push(Line {
                    text,
                    in_table: self.table_depth > 0,
                });
                self.keep_next_line = labelled;
            }
        }
        self.pieces.clear();
    }
}

/// What has been seen since the last table boundary: only its first characters are kept,
/// enough to recognise a 续表 heading.
#[derive(Default)]
struct Between {
    start: String,
    chars: usize,
}

impl Between {
    const KEEP: usize = 24;

    fn push(&mut self, text: &str) {
        if self.chars > Self::KEEP {
            return; // already more than a heading: nothing more to learn
        }
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            self.chars += 1;
            if self.chars <= Self::KEEP {
                self.start.push(c);
            }
        }
    }

    fn clear(&mut self) {
        self.start.clear();
        self.chars = 0;
    }

    fn classify(&self) -> Preceded {
        if self.chars == 0 {
            return Preceded::Nothing;
        }
        let bare: String = self
            .start
            .chars()
            .filter(|c| !"()（）:：【】[]".contains(*c))
            .collect();
        if bare.starts_with("续表") && self.chars <= 12 {
            Preceded::ContinuationHeading
        } else {
            Preceded::Other
        }
    }
}

/// Elements that may hold the article headline: `<h1>`–`<h3>` and elements with a class
/// naming a title (`con-title`, `article-title`, `title`, `tit`).
fn is_heading_candidate(el: &dom::Element) -> bool {
    matches!(
        *el.name(),
        local_name!("h1") | local_name!("h2") | local_name!("h3")
    ) || el.attr(&local_name!("class")).is_some_and(|classes| {
        // The raw attribute, split here: interning each class name would cost more.
        classes.split_ascii_whitespace().any(|c| {
            let c = c.as_bytes();
            c.windows(5).any(|w| w.eq_ignore_ascii_case(b"title"))
                || c.eq_ignore_ascii_case(b"tit")
                || (c.len() > 4 && c[c.len() - 4..].eq_ignore_ascii_case(b"-tit")
                    || c.len() > 4 && c[c.len() - 4..].eq_ignore_ascii_case(b"_tit"))
        })
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod module_example {
    #[test]
    fn module_example() {
        let page = crate::extract::extract(
            "<html><body><h1>进度表</h1><table><tr><td>序号</td></tr></table>\
             <table><tr><td>序号</td></tr></table></body></html>",
        );
        assert_eq!((page.tables.len(), page.duplicates_dropped), (1, 1));
    }
}
