//! Writes the attachment fixtures in `fixtures/attachments/` (issue 13).
//!
//! ```text
//! cargo run --example gen_attachments
//! ```
//!
//! What it builds, and how:
//! - xlsx with rust_xlsxwriter (`progress_merged.xlsx`, `several_sheets.xlsx`,
//!   `values.xlsx`): merged title rows, a 2-row merged header, vertically merged categories,
//!   group rows, 合计 and 备注 rows, 填报单位 / 填报日期 / 制表人 lines, hidden sheets, numbers as
//!   numbers and as text, percent formats (0.8 shown as 80%), dates as serials with date
//!   formats, in-cell line breaks, a table away from A1;
//! - docx by hand, as WordprocessingML in a ZIP (`progress.docx`, `nested_layout.docx`):
//!   gridSpan, vMerge restart/continue, gridBefore, w:br, two paragraphs in a cell, a 续表
//!   continuation, a table nested in a layout table;
//! - ods by hand, as OpenDocument `content.xml` in a ZIP (`progress.ods`): spanned and
//!   covered cells, percentage and date value types, a hidden table, LibreOffice's huge
//!   empty repeats;
//! - `password.xlsx`: an OLE compound file with `EncryptionInfo` and `EncryptedPackage`
//!   streams (what Excel writes for a password-protected workbook; the package inside is
//!   random bytes, not a real encryption), `corrupt.xlsx` (`progress_merged.xlsx` cut
//!   short), `report.pdf` (a minimal PDF) and `html_table.xls` (an HTML table saved with an
//!   Excel name, as county sites publish them) — for sniff and the error paths;
//! - with LibreOffice, once: `progress.xls` and `progress_lo.ods` converted from
//!   `progress_merged.xlsx`, `progress.doc` from `progress.docx` (`soffice --headless
//!   --convert-to xls|ods|doc`). xls and doc cannot be written from Rust with a current
//!   crate, so these three were made on a machine with LibreOffice 7.4 and are committed;
//!   without `soffice` on PATH the generator leaves them as they are. `progress.wps` and
//!   `progress.et` are copies of `progress.doc` and `progress.xls`: WPS Office writes the
//!   same OLE structures (a `WordDocument` / `Workbook` stream), and only the name tells them.
//!
//! Every file but `progress_lo.ods` (LibreOffice writes the time of the conversion into it)
//! is rewritten byte for byte the same on each run (fixed timestamps).

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/attachments");
    std::fs::create_dir_all(&dir)?;
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        std::fs::write(dir.join(name), bytes)?;
        println!("wrote {name} ({} bytes)", bytes.len());
        Ok(())
    };

    let progress = progress_merged_xlsx()?;
    write("progress_merged.xlsx", &progress)?;
    write("several_sheets.xlsx", &several_sheets_xlsx()?)?;
    write("values.xlsx", &values_xlsx()?)?;
    write("progress.docx", &progress_docx()?)?;
    write("nested_layout.docx", &nested_layout_docx()?)?;
    write("progress.ods", &progress_ods()?)?;
    write("password.xlsx", &password_ole()?)?;
    write("corrupt.xlsx", &progress[..progress.len() / 2])?;
    write("report.pdf", MINIMAL_PDF.as_bytes())?;
    write("html_table.xls", HTML_TABLE.as_bytes())?;

    match find_soffice() {
        Some(soffice) => {
            convert(
                &soffice,
                &dir,
                "progress_merged.xlsx",
                "xls",
                "progress.xls",
            )?;
            convert(
                &soffice,
                &dir,
                "progress_merged.xlsx",
                "ods",
                "progress_lo.ods",
            )?;
            convert(&soffice, &dir, "progress.docx", "doc", "progress.doc")?;
            std::fs::copy(dir.join("progress.doc"), dir.join("progress.wps"))?;
            std::fs::copy(dir.join("progress.xls"), dir.join("progress.et"))?;
            println!("copied progress.doc to progress.wps and progress.xls to progress.et");
        }
        None => println!(
            "soffice is not on PATH: progress.xls, progress_lo.ods, progress.doc, progress.wps \
             and progress.et are left as committed"
        ),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// xlsx

fn fixed_properties() -> Result<DocProperties> {
    let created = ExcelDateTime::from_ymd(2024, 7, 5)?.and_hms(9, 0, 0)?;
    Ok(DocProperties::new()
        .set_author("文成县发改局")
        .set_creation_datetime(&created))
}

fn date(y: u16, m: u8, d: u8) -> Result<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(y, m, d)?)
}

/// The main workbook: one sheet shaped as county progress forms are.
fn progress_merged_xlsx() -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&fixed_properties()?);
    let sheet = workbook.add_worksheet();
    sheet.set_name("民生实事")?;
    let center = Format::new().set_align(FormatAlign::Center);
    let wrap = Format::new().set_text_wrap();
    let percent = Format::new().set_num_format("0%");
    let percent1 = Format::new().set_num_format("0.0%");
    let day = Format::new().set_num_format("yyyy-mm-dd");

    sheet.write_string(0, 0, "附件1")?;
    sheet.merge_range(
        1,
        0,
        1,
        6,
        "文成县2024年民生实事项目上半年进展情况表",
        &center,
    )?;
    sheet.write_string(2, 0, "填报单位：文成县发改局")?;
    sheet.write_string(2, 5, "填报日期：2024年7月5日")?;
    // The 2-row header.
    for (col, text) in [
        (0, "序号"),
        (1, "项目名称"),
        (2, "建设内容"),
        (5, "牵头单位"),
        (6, "备注"),
    ] {
        sheet.merge_range(3, col, 4, col, text, &center)?;
    }
    sheet.merge_range(3, 3, 3, 4, "项目进展", &center)?;
    sheet.write_string(4, 3, "完成率")?;
    sheet.write_string(4, 4, "计划完成时间")?;
    // 一、教育
    sheet.merge_range(5, 0, 5, 6, "一、教育", &Format::new())?;
    sheet.write_number(6, 0, 1)?;
    sheet.write_string(6, 1, "城区学校扩容工程")?;
    sheet.write_string(6, 2, "新建文成县实验小学教学楼1幢，新增学位540个")?;
    sheet.write_number_with_format(6, 3, 0.8, &percent)?;
    sheet.write_datetime_with_format(6, 4, date(2024, 12, 31)?, &day)?;
    sheet.write_string(6, 5, "县教育局")?;
    sheet.write_number(7, 0, 2)?;
    sheet.write_string(7, 1, "*中小学校“示范食堂”建设")?;
    sheet.write_string(7, 2, "完成10所中小学校“示范食堂”创建")?;
    sheet.write_number_with_format(7, 3, 1, &percent)?;
    sheet.write_datetime_with_format(7, 4, date(2024, 5, 31)?, &day)?;
    sheet.write_string(7, 5, "县教育局")?;
    sheet.write_string(7, 6, "提前完成")?;
    // 二、医疗卫生: the category and the lead unit merged down two rows.
    sheet.merge_range(8, 0, 8, 6, "二、医疗卫生", &Format::new())?;
    sheet.write_string(9, 0, "3")?; // a number written as text
    sheet.merge_range(9, 1, 10, 1, "医疗卫生★", &center)?;
    sheet.write_string(9, 2, "新增家庭医生签约服务人数5000人")?;
    sheet.write_string(9, 3, "60%")?; // a percentage written as text
    sheet.write_datetime_with_format(9, 4, date(2024, 9, 30)?, &day)?;
    sheet.merge_range(9, 5, 10, 5, "县卫生健康局", &center)?;
    sheet.write_number(10, 0, 4)?;
    sheet.write_string_with_format(10, 2, "为65周岁以上老年人免费接种流感疫苗\n2.3万剂", &wrap)?;
    sheet.write_number_with_format(10, 3, 0.455, &percent1)?;
    sheet.write_datetime_with_format(10, 4, date(2024, 11, 30)?, &day)?;
    sheet.write_string(10, 6, "分批接种")?;
    // 合计, 备注, and the sign-off line.
    sheet.merge_range(11, 0, 11, 2, "合计", &center)?;
    sheet.write_number_with_format(11, 3, 0.714, &percent1)?;
    sheet.merge_range(
        12,
        0,
        12,
        6,
        "备注：带★为省定民生实事项目，其余为县定项目。",
        &Format::new(),
    )?;
    sheet.write_string(13, 0, "制表人：张三")?;
    sheet.write_string(13, 4, "联系电话：0577-67871234")?;
    Ok(workbook.save_to_buffer()?)
}

fn simple_table(sheet: &mut Worksheet, rows: &[[&str; 5]]) -> Result<()> {
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                sheet.write_string(r as u32, c as u16, *text)?;
            }
        }
    }
    Ok(())
}

/// Several sheets, one of them hidden and one empty.
fn several_sheets_xlsx() -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&fixed_properties()?);
    let cover = workbook.add_worksheet();
    cover.set_name("封面")?;
    cover.write_string(1, 1, "文成县2024年十方面民生实事项目进度")?;
    cover.write_string(3, 1, "截至2024年6月30日")?;

    let main = workbook.add_worksheet();
    main.set_name("进度表")?;
    simple_table(
        main,
        &[
            ["序号", "项目名称", "目标任务", "完成进度", "责任单位"],
            [
                "1",
                "城乡居民养老保险",
                "基础养老金每人每月提高20元",
                "100%",
                "县人力社保局",
            ],
            [
                "2",
                "残疾人康复服务",
                "为600名残疾人提供基本康复服务",
                "75%",
                "县残联",
            ],
        ],
    )?;

    let hidden = workbook.add_worksheet();
    hidden.set_name("隐藏表")?;
    hidden.set_hidden(true);
    simple_table(
        hidden,
        &[
            ["序号", "项目名称", "目标任务", "完成进度", "责任单位"],
            [
                "3",
                "农村公路提升",
                "新改建农村公路30公里",
                "40%",
                "县交通运输局",
            ],
        ],
    )?;

    let empty = workbook.add_worksheet();
    empty.set_name("空白")?;
    Ok(workbook.save_to_buffer()?)
}

/// Values of every kind, the table away from A1 (empty margins to ignore).
fn values_xlsx() -> Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&fixed_properties()?);
    let sheet = workbook.add_worksheet();
    sheet.set_name("数值")?;
    let (r0, c0) = (2u32, 2u16);
    let headers = [
        "序号",
        "项目名称",
        "完成率(%)",
        "完成比例",
        "投资额（万元）",
        "开工日期",
        "验收时间",
        "备注",
    ];
    for (i, h) in headers.iter().enumerate() {
        sheet.write_string(r0, c0 + i as u16, *h)?;
    }
    let percent = Format::new().set_num_format("0%");
    let percent1 = Format::new().set_num_format("0.0%");
    let iso = Format::new().set_num_format("yyyy-mm-dd");
    let chinese_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let two_places = Format::new().set_num_format("0.00");
    let wrap = Format::new().set_text_wrap();

    let r = r0 + 1;
    sheet.write_number(r, c0, 1)?;
    sheet.write_string(r, c0 + 1, "老旧小区改造")?;
    sheet.write_number(r, c0 + 2, 85)?;
    sheet.write_number_with_format(r, c0 + 3, 0.8, &percent)?;
    sheet.write_number_with_format(r, c0 + 4, 1250.5, &two_places)?;
    sheet.write_datetime_with_format(r, c0 + 5, date(2024, 3, 15)?, &iso)?;
    sheet.write_datetime_with_format(
        r,
        c0 + 6,
        date(2024, 6, 30)?.and_hms(14, 30, 0)?,
        &date_time,
    )?;
    sheet.write_string_with_format(r, c0 + 7, "  已完成\n 验收  ", &wrap)?;

    let r = r0 + 2;
    sheet.write_string(r, c0, "2")?;
    sheet.write_string(r, c0 + 1, "农村饮用水达标提标")?;
    sheet.write_string(r, c0 + 2, "90")?;
    sheet.write_string(r, c0 + 3, "75%")?;
    sheet.write_number(r, c0 + 4, 3)?;
    sheet.write_datetime_with_format(r, c0 + 5, date(2024, 4, 1)?, &chinese_date)?;
    sheet.write_string(r, c0 + 6, "2024年6月底")?;
    sheet.write_number(r, c0 + 7, 0.1)?;

    let r = r0 + 3;
    sheet.write_number(r, c0, 3)?;
    sheet.write_string(r, c0 + 1, "城乡公交一体化")?;
    sheet.write_number(r, c0 + 2, 100)?;
    sheet.write_number_with_format(r, c0 + 3, 0.755, &percent1)?;
    sheet.write_number(r, c0 + 4, 0)?;
    sheet.write_boolean(r, c0 + 7, true)?;
    Ok(workbook.save_to_buffer()?)
}

// ---------------------------------------------------------------------------------------
// docx

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A paragraph; `\n` in the text is a `w:br`.
fn p(text: &str) -> String {
    let runs: Vec<String> = text
        .split('\n')
        .map(|part| format!("<w:t xml:space=\"preserve\">{}</w:t>", esc(part)))
        .collect();
    format!("<w:p><w:r>{}</w:r></w:p>", runs.join("<w:br/>"))
}

/// A cell of paragraphs, with its `w:tcPr` content.
fn tc(props: &str, paragraphs: &[&str]) -> String {
    let body: String = if paragraphs.is_empty() {
        "<w:p/>".to_string()
    } else {
        paragraphs.iter().map(|t| p(t)).collect()
    };
    format!("<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>")
}

fn cell(text: &str) -> String {
    tc("", &[text])
}

fn span(n: usize, text: &str) -> String {
    tc(&format!("<w:gridSpan w:val=\"{n}\"/>"), &[text])
}

fn restart(text: &str) -> String {
    tc("<w:vMerge w:val=\"restart\"/>", &[text])
}

fn cont() -> String {
    tc("<w:vMerge/>", &[])
}

fn tr(cells: &[String]) -> String {
    format!("<w:tr>{}</w:tr>", cells.concat())
}

fn tbl(columns: usize, rows: &[String]) -> String {
    let grid: String = (0..columns).map(|_| "<w:gridCol w:w=\"1800\"/>").collect();
    format!(
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr>\
         <w:tblGrid>{grid}</w:tblGrid>{}</w:tbl>",
        rows.concat()
    )
}

fn docx(body: &str) -> Result<Vec<u8>> {
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document xmlns:w=\"{W_NS}\"><w:body>{body}<w:sectPr/></w:body></w:document>"
    );
    let parts = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
             </Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
             </Relationships>"
                .to_string(),
        ),
        ("word/document.xml", document),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    for (name, content) in parts {
        zip.start_file(name, options)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

fn progress_header() -> [String; 2] {
    [
        tr(&[
            restart("序号"),
            restart("项目名称"),
            span(2, "项目进展"),
            restart("牵头单位"),
        ]),
        tr(&[cont(), cont(), cell("完成率"), cell("目前进展"), cont()]),
    ]
}

/// A Word report: title paragraphs, a progress table, a 续表 continuation, closing text.
fn progress_docx() -> Result<Vec<u8>> {
    let [h1, h2] = progress_header();
    let first = tbl(
        5,
        &[
            h1.clone(),
            h2.clone(),
            tr(&[span(5, "一、社会保障")]),
            tr(&[
                cell("1"),
                cell("*困难群众救助"),
                cell("80%"),
                cell("已发放救助金\n1200万元"),
                cell("县民政局"),
            ]),
            tr(&[
                cell("2"),
                restart("养老服务"),
                cell("100%"),
                tc("", &["新建居家养老服务中心3家", "已全部投用"]),
                restart("县民政局"),
            ]),
            tr(&[
                cell("3"),
                cont(),
                cell("50%"),
                cell("老年食堂建设完成选址"),
                cont(),
            ]),
        ],
    );
    let second = tbl(
        5,
        &[
            h1,
            h2,
            tr(&[
                cell("4"),
                cell("就业创业"),
                cell("65%"),
                cell("城镇新增就业2100人"),
                cell("县人力社保局"),
            ]),
            tr(&[span(2, "合计"), cell("73.8%"), cell(""), cell("")]),
            tr(&[span(5, "备注：带*为省定民生实事项目。")]),
        ],
    );
    let body = [
        p("附件2"),
        p("文成县2024年民生实事项目进展情况表"),
        p("填报单位：文成县民政局    填报日期：2024年7月5日"),
        first,
        p("续表"),
        second,
        p("说明：以上数据截至2024年6月30日。"),
        p(""),
    ]
    .concat();
    docx(&body)
}

/// A progress table inside a one-cell layout table, with a row that skips a grid column.
fn nested_layout_docx() -> Result<Vec<u8>> {
    let inner = tbl(
        4,
        &[
            tr(&[
                cell("序号"),
                cell("实事名称"),
                cell("工作任务"),
                cell("完成比例"),
            ]),
            tr(&[
                cell("1"),
                cell("城乡环境"),
                cell("完成农村生活污水治理提标改造20个"),
                cell("95%"),
            ]),
            format!(
                "<w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>{}</w:tr>",
                [cell("城乡环境"), cell("新建公园绿地2处"), cell("30%")].concat()
            ),
        ],
    );
    let outer = format!(
        "<w:tbl><w:tblGrid><w:gridCol w:w=\"9000\"/></w:tblGrid><w:tr><w:tc>{}{}{}</w:tc></w:tr></w:tbl>",
        p("项目进度"),
        inner,
        p("（完）")
    );
    docx(&[p("文成县城乡环境类民生实事进度"), outer].concat())
}

// ---------------------------------------------------------------------------------------
// ods

fn ods_cell(text: &str) -> String {
    format!(
        "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
        esc(text)
    )
}

fn progress_ods() -> Result<Vec<u8>> {
    let row = |cells: &[String]| format!("<table:table-row>{}</table:table-row>", cells.concat());
    let covered = "<table:covered-table-cell/>".to_string();
    let percent = |v: &str, shown: &str| {
        format!(
            "<table:table-cell office:value-type=\"percentage\" office:value=\"{v}\"><text:p>{shown}</text:p></table:table-cell>"
        )
    };
    let float = |v: &str| {
        format!("<table:table-cell office:value-type=\"float\" office:value=\"{v}\"><text:p>{v}</text:p></table:table-cell>")
    };
    let rows = [
        row(&[
            "<table:table-cell table:number-columns-spanned=\"5\" office:value-type=\"string\"><text:p>文成县2024年民生实事项目进展表</text:p></table:table-cell>".to_string(),
            "<table:covered-table-cell table:number-columns-repeated=\"4\"/>".to_string(),
        ]),
        row(&[
            ods_cell("序号"),
            ods_cell("项目名称"),
            ods_cell("建设内容"),
            ods_cell("完成率"),
            ods_cell("牵头单位"),
        ]),
        row(&[
            "<table:table-cell table:number-columns-spanned=\"5\" office:value-type=\"string\"><text:p>一、住房保障</text:p></table:table-cell>".to_string(),
            "<table:covered-table-cell table:number-columns-repeated=\"4\"/>".to_string(),
        ]),
        row(&[
            float("1"),
            "<table:table-cell table:number-rows-spanned=\"2\" office:value-type=\"string\"><text:p>保障性住房</text:p></table:table-cell>".to_string(),
            ods_cell("筹集保障性租赁住房300套"),
            percent("0.6", "60%"),
            "<table:table-cell table:number-rows-spanned=\"2\" office:value-type=\"string\"><text:p>县住建局</text:p></table:table-cell>".to_string(),
        ]),
        row(&[
            float("2"),
            covered.clone(),
            "<table:table-cell office:value-type=\"string\"><text:p>改造城镇老旧小区</text:p><text:p>5个</text:p></table:table-cell>".to_string(),
            percent("1", "100%"),
            covered,
        ]),
        row(&[
            ods_cell("填报日期："),
            "<table:table-cell office:value-type=\"date\" office:date-value=\"2024-07-05\"><text:p>2024-07-05</text:p></table:table-cell>".to_string(),
        ]),
        "<table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>".to_string(),
    ];
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" office:version=\"1.3\">\
         <office:automatic-styles>\
         <style:style style:name=\"ta1\" style:family=\"table\"><style:table-properties table:display=\"true\"/></style:style>\
         <style:style style:name=\"ta2\" style:family=\"table\"><style:table-properties table:display=\"false\"/></style:style>\
         </office:automatic-styles><office:body><office:spreadsheet>\
         <table:table table:name=\"进度\" table:style-name=\"ta1\"><table:table-column table:number-columns-repeated=\"1024\"/>{}</table:table>\
         <table:table table:name=\"备用\" table:style-name=\"ta2\">{}</table:table>\
         </office:spreadsheet></office:body></office:document-content>",
        rows.concat(),
        row(&[ods_cell("旧版数据"), float("7")]),
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
        <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
        <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
        </manifest:manifest>";
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let deflated = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    zip.start_file("mimetype", stored)?;
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")?;
    zip.start_file("content.xml", deflated)?;
    zip.write_all(content.as_bytes())?;
    zip.start_file("META-INF/manifest.xml", deflated)?;
    zip.write_all(manifest.as_bytes())?;
    Ok(zip.finish()?.into_inner())
}

// ---------------------------------------------------------------------------------------
// The rest

/// What Excel writes for a workbook with a password: an OLE file whose streams hold the
/// encryption parameters and the encrypted package (here: fixed filler bytes).
fn password_ole() -> Result<Vec<u8>> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new()))?;
    let mut info = file.create_stream("/EncryptionInfo")?;
    info.write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])?;
    info.write_all(b"<?xml version=\"1.0\"?><encryption/>")?;
    drop(info);
    let mut package = file.create_stream("/EncryptedPackage")?;
    let filler: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    package.write_all(&filler)?;
    drop(package);
    file.flush()?;
    Ok(file.into_inner().into_inner())
}

const MINIMAL_PDF: &str = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

const HTML_TABLE: &str = "<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\">\n<head><meta charset=\"utf-8\"></head>\n\
<body><table><tr><td>序号</td><td>项目名称</td><td>完成率</td></tr><tr><td>1</td><td>城区学校扩容工程</td><td>80%</td></tr></table></body></html>\n";

fn find_soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["soffice", "libreoffice"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// `soffice --convert-to EXT` of `fixtures/attachments/FROM` into `TO`.
fn convert(soffice: &Path, dir: &Path, from: &str, ext: &str, to: &str) -> Result<()> {
    let work = tempfile::tempdir()?;
    let profile = url::Url::from_directory_path(work.path().join("profile"))
        .map_err(|()| "temporary folder is not absolute")?;
    let status = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--norestore", "--convert-to", ext, "--outdir"])
        .arg(work.path())
        .arg(dir.join(from))
        .status()?;
    if !status.success() {
        return Err(format!("soffice failed on {from}: {status}").into());
    }
    let stem = from.rsplit_once('.').map_or(from, |(s, _)| s);
    std::fs::copy(work.path().join(format!("{stem}.{ext}")), dir.join(to))?;
    println!("converted {from} to {to}");
    Ok(())
}
