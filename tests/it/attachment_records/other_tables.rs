//! The other progress tables: an ods with a date line below and a hidden table, several
//! sheets, cell values as a reader sees them, a Word table in a layout table, and an HTML
//! table saved as xls.

use super::*;

#[test]
fn ods_with_a_date_line_below_and_a_hidden_table_gives_every_field() {
    let page = PageFields {
        source_format: "ods",
        title: Some("文成县2024年民生实事项目进展表"),
        // No 填报单位 line; 填报日期：2024-07-05 below the table.
        publisher: None,
        published_at: Some("2024-07-05T00:00:00+08:00"),
        // From the title.
        county: Some("文成县"),
        report_year: Some(2024),
        as_of: None,
    };
    let row = |row: usize, content: &'static str, completion: f64, key: &'static str| Row {
        table: 0,
        row,
        seq: Some(row as i64 + 1),
        category: Some("保障性住房"),
        starred: false,
        content: Some(content),
        completion: Some(completion),
        lead_unit: Some("县住建局"),
        progress_note: None,
        extra: json!({}),
        project_key: key,
    };
    assert_records(
        "progress.ods",
        &page,
        &[
            row(0, "筹集保障性租赁住房300套", 60.0, "5fa48d6e0e9c6ad9"),
            row(1, "改造城镇老旧小区 5个", 100.0, "b41f43eaa0e97bb8"),
        ],
    );
}

/// A document with no title row, publisher or date: the title is the file name's stem.
fn bare_page(source_format: &'static str, title: &'static str) -> PageFields {
    PageFields {
        source_format,
        title: Some(title),
        publisher: None,
        published_at: None,
        county: None,
        report_year: None,
        as_of: None,
    }
}

#[test]
fn several_sheets_hidden_included_give_one_table_each() {
    let row = |table: usize,
               row: usize,
               seq: i64,
               category: &'static str,
               content: &'static str,
               completion: f64,
               lead_unit: &'static str,
               key: &'static str| Row {
        table,
        row,
        seq: Some(seq),
        category: Some(category),
        starred: false,
        content: Some(content),
        completion: Some(completion),
        lead_unit: Some(lead_unit),
        progress_note: None,
        extra: json!({}),
        project_key: key,
    };
    assert_records(
        "several_sheets.xlsx",
        &bare_page("xlsx", "several_sheets"),
        &[
            row(
                0,
                0,
                1,
                "城乡居民养老保险",
                "基础养老金每人每月提高20元",
                100.0,
                "县人力社保局",
                "95b2fec19d25704b",
            ),
            row(
                0,
                1,
                2,
                "残疾人康复服务",
                "为600名残疾人提供基本康复服务",
                75.0,
                "县残联",
                "0e961d30205dde62",
            ),
            row(
                1,
                0,
                3,
                "农村公路提升",
                "新改建农村公路30公里",
                40.0,
                "县交通运输局",
                "dd36bdba7c33a626",
            ),
        ],
    );
}

#[test]
fn cell_values_reach_the_records_as_a_reader_sees_them() {
    // 完成率(%) is the completion column (bare numbers are percentages); the second one,
    // 完成比例, goes to extra with the other unmapped columns.
    let row =
        |row: usize, category: &'static str, completion: f64, extra: Value, key: &'static str| {
            Row {
                table: 0,
                row,
                seq: Some(row as i64 + 1),
                category: Some(category),
                starred: false,
                content: None,
                completion: Some(completion),
                lead_unit: None,
                progress_note: None,
                extra,
                project_key: key,
            }
        };
    assert_records(
        "values.xlsx",
        &bare_page("xlsx", "values"),
        &[
            row(
                0,
                "老旧小区改造",
                85.0,
                json!({"完成比例": "80%", "投资额（万元）": "1250.5", "开工日期": "2024-03-15",
                       "验收时间": "2024-06-30 14:30:00", "备注": "已完成 验收"}),
                "268391ab1cdf4dca",
            ),
            row(
                1,
                "农村饮用水达标提标",
                90.0,
                json!({"完成比例": "75%", "投资额（万元）": "3", "开工日期": "2024-04-01",
                       "验收时间": "2024年6月底", "备注": "0.1"}),
                "e4e48f7712f57de9",
            ),
            row(
                2,
                "城乡公交一体化",
                100.0,
                json!({"完成比例": "75.5%", "投资额（万元）": "0", "备注": "TRUE"}),
                "760f755e26301156",
            ),
        ],
    );
}

#[test]
fn a_word_table_inside_a_layout_table_gives_every_field() {
    let row = |row: usize, seq: Option<i64>, content: &'static str, completion: f64, key| Row {
        table: 0,
        row,
        seq,
        category: Some("城乡环境"),
        starred: false,
        content: Some(content),
        completion: Some(completion),
        lead_unit: None,
        progress_note: None,
        extra: json!({}),
        project_key: key,
    };
    let mut page = bare_page("docx", "项目进度");
    page.title = Some("项目进度"); // the paragraph above the inner table
    assert_records(
        "nested_layout.docx",
        &page,
        &[
            row(
                0,
                Some(1),
                "完成农村生活污水治理提标改造20个",
                95.0,
                "3e284ece73208fb9",
            ),
            row(1, None, "新建公园绿地2处", 30.0, "d6173e0884a5fd32"),
        ],
    );
}

#[test]
fn an_html_table_saved_as_xls_is_read_as_html() {
    let page = PageFields {
        source_format: "html",
        title: None,
        publisher: None,
        published_at: None,
        county: None,
        report_year: None,
        as_of: None,
    };
    assert_records(
        "html_table.xls",
        &page,
        &[Row {
            table: 0,
            row: 0,
            seq: Some(1),
            category: Some("城区学校扩容工程"),
            starred: false,
            content: None,
            completion: Some(80.0),
            lead_unit: None,
            progress_note: None,
            extra: json!({}),
            project_key: "1dbfa89786d9de01",
        }],
    );
}
