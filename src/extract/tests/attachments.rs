//! The attachment readers on the fixtures of `fixtures/attachments/` (written by
//! `examples/gen_attachments.rs`); their bounds are in `bounds.rs`.
//!
//! Each fixture's grid is compared cell by cell with what its generator wrote; the files
//! LibreOffice made from the same source (xls, ods, doc) must give the same grids.
//!
//! Word files are in `attachments/word.rs`, the LibreOffice formats in
//! `attachments/libreoffice.rs`.

mod libreoffice;
mod word;

use crate::extract::convert::{self, ConvertError, DEFAULT_TIMEOUT};
use crate::extract::docx::{read_docx, DocxError};
use crate::extract::grid::{Grid, GridError};
use crate::extract::sheet::{read_workbook, SheetError, SheetGrid};
use crate::extract::{Page, PageMeta, Preceded, Table};
use crate::normalize::{normalize, Context};
use crate::sniff::{sniff, DocKind};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/attachments/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn texts(grid: &Grid) -> Vec<Vec<&str>> {
    grid.rows
        .iter()
        .map(|r| r.iter().map(|c| c.text.as_str()).collect())
        .collect()
}

/// (rowspan, colspan, origin) of one slot.
fn span(grid: &Grid, r: usize, c: usize) -> (usize, usize, Option<(usize, usize)>) {
    let cell = &grid.rows[r][c];
    (cell.rowspan, cell.colspan, cell.origin)
}

fn workbook(name: &str) -> Vec<SheetGrid> {
    let bytes = fixture(name);
    let kind = sniff(&bytes, None, Some(name));
    read_workbook(&bytes, &kind).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---------------------------------------------------------------------------------------
// sniff

#[test]
fn sniff_names_every_fixture_by_its_bytes() {
    for (name, kind) in [
        ("progress_merged.xlsx", DocKind::Xlsx),
        ("several_sheets.xlsx", DocKind::Xlsx),
        ("values.xlsx", DocKind::Xlsx),
        ("progress.xls", DocKind::Xls),
        ("progress.ods", DocKind::Ods),
        ("progress_lo.ods", DocKind::Ods),
        ("progress.docx", DocKind::Docx),
        ("nested_layout.docx", DocKind::Docx),
        ("progress.doc", DocKind::Doc),
        ("report.pdf", DocKind::Pdf),
        ("html_table.xls", DocKind::Html),
    ] {
        // The bytes alone decide, and a misleading name does not change the answer.
        assert_eq!(sniff(&fixture(name), None, None), kind, "{name}");
        assert_eq!(
            sniff(
                &fixture(name),
                Some("application/octet-stream"),
                Some("附件1.pdf")
            ),
            kind,
            "{name} named .pdf"
        );
    }
}

#[test]
fn sniff_tells_wps_and_et_from_word_and_excel_by_their_hints() {
    assert_eq!(
        sniff(&fixture("progress.wps"), None, Some("progress.wps")),
        DocKind::Wps
    );
    assert_eq!(
        sniff(&fixture("progress.et"), None, Some("progress.et")),
        DocKind::Et
    );
    assert_eq!(
        sniff(&fixture("progress.doc"), Some("application/kswps"), None),
        DocKind::Wps
    );
    assert_eq!(sniff(&fixture("progress.et"), None, None), DocKind::Xls);
}

#[test]
fn sniff_sends_an_encrypted_package_to_the_reader_its_name_says() {
    let bytes = fixture("password.xlsx");
    assert_eq!(sniff(&bytes, None, Some("password.xlsx")), DocKind::Xlsx);
    assert_eq!(sniff(&bytes, None, Some("附件.docx")), DocKind::Docx);
    assert_eq!(
        sniff(&bytes, None, None),
        DocKind::Unknown("a password-protected Office file (encrypted package)".into())
    );
}

// ---------------------------------------------------------------------------------------
// Workbooks

const MAIN_HEADER: [[&str; 7]; 2] = [
    [
        "序号",
        "项目名称",
        "建设内容",
        "项目进展",
        "项目进展",
        "牵头单位",
        "备注",
    ],
    [
        "序号",
        "项目名称",
        "建设内容",
        "完成率",
        "计划完成时间",
        "牵头单位",
        "备注",
    ],
];

fn assert_main_sheet(sheets: &[SheetGrid], source: &str) {
    assert_eq!(sheets.len(), 1, "{source}");
    let s = &sheets[0];
    assert_eq!(
        (s.sheet.as_str(), s.hidden, &s.problem),
        ("民生实事", false, &None)
    );
    assert_eq!(
        s.title.as_deref(),
        Some("文成县2024年民生实事项目上半年进展情况表"),
        "{source}"
    );
    assert_eq!(
        s.above,
        [
            "附件1",
            "文成县2024年民生实事项目上半年进展情况表",
            "填报单位：文成县发改局",
            "填报日期：2024年7月5日"
        ],
        "{source}"
    );
    assert_eq!(
        s.below,
        ["制表人：张三", "联系电话：0577-67871234"],
        "{source}"
    );
    let g = &s.grid;
    let rows = texts(g);
    assert_eq!(rows.len(), 10, "{source}");
    assert_eq!(rows[..2], MAIN_HEADER.map(|r| r.to_vec()), "{source}");
    assert_eq!(rows[2], ["一、教育"; 7], "{source}");
    assert_eq!(
        rows[3],
        [
            "1",
            "城区学校扩容工程",
            "新建文成县实验小学教学楼1幢，新增学位540个",
            "80%",
            "2024-12-31",
            "县教育局",
            ""
        ],
        "{source}"
    );
    assert_eq!(
        rows[4],
        [
            "2",
            "*中小学校“示范食堂”建设",
            "完成10所中小学校“示范食堂”创建",
            "100%",
            "2024-05-31",
            "县教育局",
            "提前完成"
        ],
        "{source}"
    );
    assert_eq!(
        rows[6],
        [
            "3",
            "医疗卫生★",
            "新增家庭医生签约服务人数5000人",
            "60%",
            "2024-09-30",
            "县卫生健康局",
            ""
        ],
        "{source}"
    );
    assert_eq!(
        rows[7],
        [
            "4",
            "医疗卫生★",
            "为65周岁以上老年人免费接种流感疫苗 2.3万剂",
            "45.5%",
            "2024-11-30",
            "县卫生健康局",
            "分批接种"
        ],
        "{source}"
    );
    assert_eq!(
        rows[8],
        ["合计", "合计", "合计", "71.4%", "", "", ""],
        "{source}"
    );
    assert_eq!(
        rows[9], ["备注：带★为省定民生实事项目，其余为县定项目。"; 7],
        "{source}"
    );
    // Spans, as grid.rs lays out the same table written in HTML.
    assert_eq!(span(g, 1, 0), (2, 1, Some((0, 0))), "{source}");
    assert_eq!(span(g, 0, 4), (1, 2, Some((0, 3))), "{source}");
    assert_eq!(span(g, 1, 3), (1, 1, Some((1, 3))), "{source}");
    assert_eq!(span(g, 2, 6), (1, 7, Some((2, 0))), "{source}");
    assert_eq!(span(g, 7, 1), (2, 1, Some((6, 1))), "{source}");
    assert_eq!(span(g, 7, 5), (2, 1, Some((6, 5))), "{source}");
    assert_eq!(span(g, 3, 6), (1, 1, Some((3, 6))), "{source}");
}

#[test]
fn xlsx_with_merged_title_header_and_categories_gives_the_expected_grid() {
    assert_main_sheet(&workbook("progress_merged.xlsx"), "xlsx");
}

#[test]
fn xls_converted_from_the_same_workbook_gives_the_same_sheet() {
    assert_main_sheet(&workbook("progress.xls"), "xls");
    assert_eq!(workbook("progress.xls"), workbook("progress_merged.xlsx"));
}

#[test]
fn ods_written_by_libreoffice_gives_the_same_sheet() {
    assert_eq!(
        workbook("progress_lo.ods"),
        workbook("progress_merged.xlsx")
    );
}

#[test]
fn every_sheet_is_read_in_order_hidden_ones_included() {
    let sheets = workbook("several_sheets.xlsx");
    let names: Vec<(&str, bool)> = sheets
        .iter()
        .map(|s| (s.sheet.as_str(), s.hidden))
        .collect();
    assert_eq!(
        names,
        [
            ("封面", false),
            ("进度表", false),
            ("隐藏表", true),
            ("空白", false)
        ]
    );
    // A cover of one column is left whole (normalize skips it: no header).
    assert_eq!(
        texts(&sheets[0].grid),
        [
            vec!["文成县2024年十方面民生实事项目进度"],
            vec![""],
            vec!["截至2024年6月30日"]
        ]
    );
    assert_eq!(
        texts(&sheets[2].grid),
        [
            vec!["序号", "项目名称", "目标任务", "完成进度", "责任单位"],
            vec![
                "3",
                "农村公路提升",
                "新改建农村公路30公里",
                "40%",
                "县交通运输局"
            ]
        ]
    );
    assert_eq!(sheets[3].grid, Grid::default());
}

#[test]
fn cell_values_are_written_as_a_reader_sees_them() {
    let sheets = workbook("values.xlsx");
    assert_eq!(
        texts(&sheets[0].grid),
        [
            vec![
                "序号",
                "项目名称",
                "完成率(%)",
                "完成比例",
                "投资额（万元）",
                "开工日期",
                "验收时间",
                "备注"
            ],
            vec![
                "1",
                "老旧小区改造",
                "85",
                "80%",
                "1250.5",
                "2024-03-15",
                "2024-06-30 14:30:00",
                "已完成 验收"
            ],
            vec![
                "2",
                "农村饮用水达标提标",
                "90",
                "75%",
                "3",
                "2024-04-01",
                "2024年6月底",
                "0.1"
            ],
            vec!["3", "城乡公交一体化", "100", "75.5%", "0", "", "", "TRUE"],
        ]
    );
    // The table starts at C3: the empty margin is not in the grid.
    assert_eq!(sheets[0].grid.rows[0][0].origin, Some((0, 0)));
}

#[test]
fn ods_spans_percentages_hidden_tables_and_label_values() {
    let sheets = workbook("progress.ods");
    assert_eq!(sheets.len(), 2);
    let s = &sheets[0];
    assert_eq!(s.title.as_deref(), Some("文成县2024年民生实事项目进展表"));
    assert_eq!(s.below, ["填报日期：2024-07-05"]);
    assert_eq!(
        texts(&s.grid),
        [
            vec!["序号", "项目名称", "建设内容", "完成率", "牵头单位"],
            vec!["一、住房保障"; 5],
            vec![
                "1",
                "保障性住房",
                "筹集保障性租赁住房300套",
                "60%",
                "县住建局"
            ],
            vec![
                "2",
                "保障性住房",
                "改造城镇老旧小区 5个",
                "100%",
                "县住建局"
            ],
        ]
    );
    assert_eq!(span(&s.grid, 3, 1), (2, 1, Some((2, 1))));
    assert_eq!(span(&s.grid, 1, 4), (1, 5, Some((1, 0))));
    assert_eq!((sheets[1].sheet.as_str(), sheets[1].hidden), ("备用", true));
    assert_eq!(texts(&sheets[1].grid), [vec!["旧版数据", "7"]]);
}

/// A sheet as an HTML page's table: what the pipeline hands to normalize.
fn as_page(grids: Vec<(Grid, Option<GridError>)>, title: Option<String>) -> Page {
    let tables = grids
        .into_iter()
        .enumerate()
        .map(|(position, (grid, problem))| Table {
            position,
            contains_tables: grid.holds_tables,
            grid,
            preceded_by: Preceded::Other,
            problem,
        })
        .collect();
    Page {
        meta: PageMeta {
            title,
            ..PageMeta::default()
        },
        tables,
        duplicates_dropped: 0,
        duplicates: Vec::new(),
        truncated: false,
        flattened: Default::default(),
    }
}

#[test]
fn a_sheet_meets_the_same_normalization_as_an_html_table() {
    let sheet = workbook("progress_merged.xlsx").remove(0);
    let page = as_page(vec![(sheet.grid, sheet.problem)], sheet.title);
    let out = normalize(&page, &Context::default());
    assert_eq!(
        out.title.as_deref(),
        Some("文成县2024年民生实事项目上半年进展情况表")
    );
    assert_eq!(out.tables.len(), 1);
    let rows: Vec<_> = out.tables[0]
        .rows
        .iter()
        .map(|r| {
            (
                r.seq,
                r.category.as_deref(),
                r.starred,
                r.completion_pct,
                r.lead_unit.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                Some(1),
                Some("城区学校扩容工程"),
                false,
                Some(80.0),
                Some("县教育局")
            ),
            (
                Some(2),
                Some("中小学校“示范食堂”建设"),
                true,
                Some(100.0),
                Some("县教育局")
            ),
            (
                Some(3),
                Some("医疗卫生"),
                true,
                Some(60.0),
                Some("县卫生健康局")
            ),
            (
                Some(4),
                Some("医疗卫生"),
                true,
                Some(45.5),
                Some("县卫生健康局")
            ),
        ]
    );
    assert_eq!(out.notes, ["带★为省定民生实事项目，其余为县定项目。"]);
}

#[test]
fn a_corrupt_workbook_is_a_clear_error() {
    let err = read_workbook(&fixture("corrupt.xlsx"), &DocKind::Xlsx).unwrap_err();
    assert!(
        matches!(err, SheetError::Corrupt { format: "xlsx", .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("corrupt xlsx workbook: not a readable ZIP file"),
        "{err}"
    );
    let err = read_workbook(&fixture("progress.docx"), &DocKind::Xlsx).unwrap_err();
    assert!(matches!(err, SheetError::Corrupt { .. }), "{err}");
    let err = read_workbook(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1garbage", &DocKind::Xls).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("corrupt xls workbook: not a readable OLE file"),
        "{err}"
    );
}

#[test]
fn a_password_protected_file_says_so() {
    let bytes = fixture("password.xlsx");
    let err = read_workbook(&bytes, &DocKind::Xlsx).unwrap_err();
    assert_eq!(err, SheetError::PasswordProtected { format: "xlsx" });
    assert_eq!(err.to_string(), "password-protected xlsx workbook");
    assert_eq!(read_docx(&bytes), Err(DocxError::PasswordProtected));
}
