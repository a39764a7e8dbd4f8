//! Header texts -> fields: the synonym table, and finding the header row(s) of a grid.
//!
//! Adding a synonym is one line in [`SYNONYMS`] (and a test). Headers are compared with all
//! whitespace removed and full-width `（）％` folded, by containment, in the table's order:
//! `是否省市统一进度(全省县市区名次)` is a status column before it could be anything else.
//!
//! A header that matches more than one field is decided by its most specific part: in a
//! flattened two-row header the child part first (`完成情况/是否全省统一进度` is a status
//! column), and completion before progress_note (`完成情况/完成率` is completion_pct; `完成情况`
//! alone is progress_note).

use super::numbers::fold_width;
use super::status::scope_of;
use crate::extract::Grid;
use crate::record::Scope;

/// A field of the Record schema that a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Seq,
    /// A status cell (`是否…统一进度`): unified_progress, scopes, rank, status_note.
    Status,
    /// A separate 名次/排名 column.
    Rank,
    Completion,
    Content,
    Category,
    LeadUnit,
    Leader,
    /// The progress narrative (Record schema v2; v1 kept it in `extra`).
    ProgressNote,
}

/// Header synonyms, checked in this order; a header containing any synonym maps to its field.
pub const SYNONYMS: &[(Field, &[&str])] = &[
    (Field::Seq, &["序号", "编号"]),
    (Field::Status, &["统一进度"]),
    (Field::Rank, &["名次", "排名"]),
    (
        Field::Completion,
        &["完成率", "完成进度", "完成比例", "进度(%)"],
    ),
    (
        Field::Content,
        &[
            "项目内容",
            "目标任务",
            "建设内容",
            "工作任务",
            "主要内容",
            "任务内容",
        ],
    ),
    (Field::Category, &["名称", "类别", "领域"]),
    (
        Field::LeadUnit,
        &["牵头单位", "责任单位", "牵头部门", "责任部门"],
    ),
    (Field::Leader, &["分管领导", "责任领导", "牵头领导"]),
    // Last: `完成情况/完成率` is a completion column, `项目内容及进展情况` a content column.
    (
        Field::ProgressNote,
        &[
            "进展情况",
            "完成情况",
            "工作进展",
            "推进情况",
            "进度情况",
            "主要进展",
            "实施情况",
            "目前进展",
        ],
    ),
];

/// The comparison form of a header: no whitespace, full-width forms folded.
pub fn header_key(header: &str) -> String {
    fold_width(header)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The field a header text names, if any.
#[cfg(test)]
pub fn field_of(header: &str) -> Option<Field> {
    field_of_key(&header_key(header))
}

/// The field a header's comparison form ([`header_key`]) names, if any: a flattened
/// two-row header's child part first (`parent/child`), then the whole.
fn field_of_key(key: &str) -> Option<Field> {
    let in_synonyms = |part: &str| {
        SYNONYMS
            .iter()
            .find(|(_, words)| words.iter().any(|w| part.contains(w)))
            .map(|(field, _)| *field)
    };
    key.rsplit_once('/')
        .and_then(|(_, child)| in_synonyms(child))
        .or_else(|| in_synonyms(key))
}

/// What one column feeds.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Field {
        field: Field,
        /// For Rank columns: the scope the header names (`全市排名`).
        scope: Option<Scope>,
        /// For Completion columns: the header carries `%`, so bare numbers are percentages.
        percent: bool,
    },
    /// Goes to `extra` under the header text.
    Extra,
}

/// The header of a progress table.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Grid row where the header starts.
    pub start: usize,
    /// How many grid rows it takes (1 or 2).
    pub height: usize,
    /// Header text per column (`parent/child` for two-row headers).
    pub texts: Vec<String>,
    pub columns: Vec<Column>,
}

impl Header {
    /// The first grid row after the header.
    pub fn body_start(&self) -> usize {
        self.start + self.height
    }

    fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.columns.iter().filter_map(|c| match c {
            Column::Field { field, .. } => Some(*field),
            Column::Extra => None,
        })
    }

    /// A progress table maps at least three fields, one of them content or category.
    pub fn is_progress(&self) -> bool {
        let fields: Vec<Field> = self.fields().collect();
        fields.len() >= 3
            && fields
                .iter()
                .any(|f| matches!(f, Field::Content | Field::Category))
    }
}

/// Maps header texts to columns; when two columns name the same field the first wins and the
/// other goes to `extra`.
pub fn map_columns(texts: &[String]) -> Vec<Column> {
    let mut seen: Vec<Field> = Vec::new();
    texts
        .iter()
        .map(|text| {
            let key = header_key(text);
            (field_of_key(&key), key)
        })
        .map(|(field, key)| match field {
            Some(field) if !seen.contains(&field) => {
                seen.push(field);
                Column::Field {
                    field,
                    scope: if field == Field::Rank {
                        rank_scope(&key)
                    } else {
                        None
                    },
                    percent: key.contains('%'),
                }
            }
            _ => Column::Extra,
        })
        .collect()
}

fn rank_scope(key: &str) -> Option<Scope> {
    if let Some(at) = key.find("全省").or_else(|| key.find('省')) {
        return scope_of(&key[at..]);
    }
    key.find("全市")
        .or_else(|| key.find('市'))
        .and_then(|at| scope_of(&key[at..]))
}

/// How many rows from the top may stand before the header (caption rows, a title row).
const MAX_HEADER_SEARCH: usize = 8;

/// Finds the header: the first row (or two-row block) whose texts make a progress table.
pub fn find_header(grid: &Grid) -> Option<Header> {
    let rows = grid.rows.len();
    for start in 0..rows.min(MAX_HEADER_SEARCH) {
        if start + 1 < rows {
            if let Some(texts) = two_row_texts(grid, start) {
                let header = make(start, 2, texts);
                if header.is_progress() {
                    return Some(header);
                }
            }
        }
        let header = make(start, 1, grid.row_texts(start));
        if header.is_progress() {
            return Some(header);
        }
    }
    None
}

/// The header of a table that continues another: the other's columns, when widths agree.
pub fn header_like(previous: &Header, grid: &Grid) -> Option<Header> {
    (grid.width() == previous.texts.len()).then(|| Header {
        start: 0,
        height: 0,
        texts: previous.texts.clone(),
        columns: previous.columns.clone(),
    })
}

/// The fields the best row maps, for a skipped table's reason.
pub fn best_effort_fields(grid: &Grid) -> Vec<String> {
    (0..grid.rows.len().min(MAX_HEADER_SEARCH))
        .map(|r| grid.row_texts(r))
        .map(|texts| {
            let columns = map_columns(&texts);
            texts
                .into_iter()
                .zip(columns)
                .filter(|(_, c)| matches!(c, Column::Field { .. }))
                .map(|(t, _)| t)
                .collect::<Vec<_>>()
        })
        .max_by_key(Vec::len)
        .unwrap_or_default()
}

fn make(start: usize, height: usize, texts: Vec<String>) -> Header {
    let columns = map_columns(&texts);
    Header {
        start,
        height,
        texts,
        columns,
    }
}

/// Row `r` and `r + 1` as one header: row `r` has a colspan parent, and every column is either
/// under a parent (child text from row `r + 1`) or one cell spanning both rows.
fn two_row_texts(grid: &Grid, r: usize) -> Option<Vec<String>> {
    let top = &grid.rows[r];
    let bottom = &grid.rows[r + 1];
    // A cell spanning the whole row is a caption row above the header, not a parent.
    if top.iter().all(|c| c.origin == top[0].origin) {
        return None;
    }
    let has_parent = top
        .iter()
        .any(|c| c.colspan > 1 && c.origin.is_some_and(|(row, _)| row == r));
    if !has_parent {
        return None;
    }
    let mut texts = Vec::with_capacity(top.len());
    for (t, b) in top.iter().zip(bottom) {
        if t.origin.is_some() && t.origin == b.origin {
            texts.push(t.text.clone());
        } else if t.colspan > 1 && b.origin.is_some() {
            texts.push(format!("{}/{}", t.text, b.text));
        } else {
            return None;
        }
    }
    Some(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_synonym_maps_to_its_field() {
        for (field, words) in SYNONYMS {
            for word in *words {
                assert_eq!(field_of(word), Some(*field), "{word}");
            }
        }
    }

    #[test]
    fn seed_headers_map_as_the_design_says() {
        let fields: Vec<_> = [
            "序号",
            "省政府十大 民生实事名称",
            "项目内容",
            "完成率(%)",
            "是否省市统一进度(全省县市区名次)",
            "牵头单位",
            "分管领导",
        ]
        .iter()
        .map(|h| field_of(h))
        .collect();
        assert_eq!(
            fields,
            vec![
                Some(Field::Seq),
                Some(Field::Category),
                Some(Field::Content),
                Some(Field::Completion),
                Some(Field::Status),
                Some(Field::LeadUnit),
                Some(Field::Leader)
            ]
        );
    }

    #[test]
    fn full_width_percent_header_is_a_percent_completion_column() {
        let columns = map_columns(&["进度（％）".to_string()]);
        assert_eq!(
            columns,
            vec![Column::Field {
                field: Field::Completion,
                scope: None,
                percent: true
            }]
        );
    }

    #[test]
    fn second_column_for_a_field_goes_to_extra() {
        let columns = map_columns(&["类别".to_string(), "项目名称".to_string()]);
        assert_eq!(columns[1], Column::Extra);
    }

    #[test]
    fn rank_column_scope_comes_from_its_header() {
        let columns = map_columns(&["全市排名".to_string()]);
        assert_eq!(
            columns,
            vec![Column::Field {
                field: Field::Rank,
                scope: Some(Scope::City),
                percent: false
            }]
        );
    }

    #[test]
    fn unmapped_headers_are_extra() {
        assert_eq!(field_of("配合单位"), None);
        assert_eq!(field_of("备注"), None);
        assert_eq!(field_of("计划投资(万元)"), None);
    }

    #[test]
    fn progress_narrative_headers_are_progress_note() {
        for header in [
            "进展情况",
            "完成情况",
            "工作 进展",
            "目前进展情况",
            "1-6月推进情况",
        ] {
            assert_eq!(field_of(header), Some(Field::ProgressNote), "{header}");
        }
    }

    #[test]
    fn completion_is_more_specific_than_progress_note() {
        assert_eq!(field_of("完成情况/完成率(%)"), Some(Field::Completion));
        assert_eq!(field_of("完成情况/主要进展"), Some(Field::ProgressNote));
        assert_eq!(field_of("完成情况"), Some(Field::ProgressNote));
        assert_eq!(field_of("完成进度情况"), Some(Field::Completion));
    }

    #[test]
    fn a_two_row_header_is_decided_by_its_child_part_first() {
        assert_eq!(field_of("完成情况/是否全省统一进度"), Some(Field::Status));
        // The child names no field: the parent decides.
        assert_eq!(field_of("进展情况/说明"), Some(Field::ProgressNote));
    }
}
