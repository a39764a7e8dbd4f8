//! The docx fixtures, written by hand as WordprocessingML in a ZIP: `progress.docx`
//! (gridSpan, vMerge, gridBefore, w:br, a 续表 continuation) and `nested_layout.docx` (a
//! table nested in a layout table).

use super::*;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

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
pub(super) fn progress_docx() -> Result<Vec<u8>> {
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
pub(super) fn nested_layout_docx() -> Result<Vec<u8>> {
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
