//! The xlsx fixtures, written with rust_xlsxwriter: `progress_merged.xlsx` (merged title and
//! header, merged categories, group, 合计 and 备注 rows), `several_sheets.xlsx` (hidden
//! sheets, a table away from A1) and `values.xlsx` (numbers, text, percents, dates).

use super::*;

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
pub(super) fn progress_merged_xlsx() -> Result<Vec<u8>> {
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
pub(super) fn several_sheets_xlsx() -> Result<Vec<u8>> {
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
pub(super) fn values_xlsx() -> Result<Vec<u8>> {
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
