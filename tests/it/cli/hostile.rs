//! What a hostile page or file name may not carry out (issue 11): formula cells neutralized
//! in records.csv, control characters kept out of every output and off stderr, a scrape
//! killed at any moment leaving one whole output set, and `max_run_secs` against a tarpit.

use super::*;

/// A progress table whose cells are `cells` (序号, 项目名称, 项目内容, 完成率, 牵头单位 per row).
fn table_page(rows: &[[&str; 5]]) -> String {
    let mut html = String::from(
        "<html><head><meta charset=\"utf-8\"><title>进度表</title></head><body><table>\
         <tr><td>序号</td><td>项目名称</td><td>项目内容</td><td>完成率</td><td>牵头单位</td></tr>",
    );
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            html.push_str(&format!("<td>{cell}</td>"));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table></body></html>");
    html
}

fn csv_rows(out: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(out.join("records.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn formula_cells_get_a_leading_quote_in_records_csv_and_raw_csv_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("formulas.html");
    fs::write(
        &page,
        table_page(&[
            [
                "1",
                "=HYPERLINK(\"http://x\",\"y\")",
                "=cmd|' /C calc'!A0",
                "50%",
                "@SUM(1+1)",
            ],
            ["2", "+1+2", "-3+4", "60%", "\t=1+1"],
        ]),
    )
    .unwrap();
    let out = dir.path().join("out");
    assert_eq!(scrape(&[&page], &out).status.code(), Some(0));
    let rows = csv_rows(&out);
    // category, content, completion_pct, lead_unit
    let cells = |r: &csv::StringRecord| {
        [
            r[7].to_string(),
            r[9].to_string(),
            r[10].to_string(),
            r[16].to_string(),
        ]
    };
    assert_eq!(
        cells(&rows[0]),
        [
            "'=HYPERLINK(\"http://x\",\"y\")",
            "'=cmd|' /C calc'!A0",
            "50.0",
            "'@SUM(1+1)"
        ]
    );
    assert_eq!(cells(&rows[1]), ["'+1+2", "'-3+4", "60.0", "'=1+1"]);
    let jsonl = fs::read_to_string(out.join("records.jsonl")).unwrap();
    let first: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["category"], "=HYPERLINK(\"http://x\",\"y\")",
        "JSONL as read"
    );

    let raw = dir.path().join("raw");
    let result = minsheng(&[
        "scrape".as_ref(),
        page.as_os_str(),
        "--raw-csv".as_ref(),
        "--out".as_ref(),
        raw.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(0));
    let rows = csv_rows(&raw);
    assert_eq!(
        cells(&rows[0]),
        [
            "=HYPERLINK(\"http://x\",\"y\")",
            "=cmd|' /C calc'!A0",
            "50.0",
            "@SUM(1+1)"
        ]
    );
}

#[test]
fn esc_and_bel_inside_page_text_reach_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("esc.html");
    fs::write(
        &page,
        table_page(&[[
            "1",
            "医疗\u{1b}]0;pwned\u{7}卫生",
            "新增\u{1b}[2J除颤仪",
            "50%",
            "县\u{7}卫健局",
        ]]),
    )
    .unwrap();
    let out = dir.path().join("out");
    assert_eq!(scrape(&[&page], &out).status.code(), Some(0));
    for name in ["records.csv", "records.jsonl", "pages.json"] {
        let text = fs::read_to_string(out.join(name)).unwrap();
        assert!(
            !text.contains(['\u{1b}', '\u{7}'])
                && !text.contains("\\u001b")
                && !text.contains("\\u0007"),
            "{name}: {text}"
        );
    }
    let rows = csv_rows(&out);
    assert_eq!(&rows[0][7], "医疗]0;pwned卫生");
    assert_eq!(&rows[0][9], "新增[2J除颤仪");
    assert_eq!(&rows[0][16], "县卫健局");
}

#[test]
fn a_file_name_with_esc_and_newline_cannot_forge_a_line_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let forged = "x\n\u{1b}[2Kminsheng: 9 page(s), 0 failed, 144 record(s) written to out\n.html";
    let bad = dir.path().join(forged);
    let out = dir.path().join("out");
    let result = scrape(&[&bad, &seed()], &out);
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].ends_with(
            "x\\u{a}\\u{1b}[2Kminsheng: 9 page(s), 0 failed, 144 record(s) written to out\\u{a}.html: \
             cannot read: No such file or directory (os error 2)"
        ),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("minsheng: 2 page(s), 1 failed, 16 record(s) written to "),
        "{stderr}"
    );
}

/// The pages held by each of the three outputs (each page of the seed gives 16 records).
fn set_counts(out: &Path) -> [usize; 3] {
    let csv = fs::read_to_string(out.join("records.csv")).unwrap();
    let jsonl = fs::read_to_string(out.join("records.jsonl")).unwrap();
    [
        (csv.lines().count() - 1) / 16,
        jsonl.lines().count() / 16,
        pages(out).len(),
    ]
}

#[test]
fn a_scrape_killed_at_any_moment_leaves_the_old_set_or_the_new_one_and_the_next_run_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    let page = fs::read(seed()).unwrap();
    for i in 0..30 {
        fs::write(input.join(format!("{i:02}.html")), &page).unwrap();
    }
    let out = dir.path().join("out");
    assert_eq!(scrape(&[&seed()], &out).status.code(), Some(0));
    for delay_ms in [0, 20, 60, 120, 200, 300, 450, 650, 900, 1300] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_minsheng"))
            .arg("scrape")
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL, or the run had finished
        child.wait().unwrap();
        let counts = set_counts(&out);
        assert!(
            counts == [1; 3] || counts == [30; 3],
            "killed after {delay_ms} ms: {counts:?}"
        );
        // Back to the old set for the next round.
        assert_eq!(scrape(&[&seed()], &out).status.code(), Some(0));
    }
    let sets: Vec<String> = fs::read_dir(out.join(".minsheng-outputs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        sets.len(),
        3,
        "only current, lock and one generation: {sets:?}"
    );
}

#[test]
fn max_run_secs_stops_waiting_for_a_tarpit_and_writes_the_rest() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and never answers.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let url = format!("http://127.0.0.1:{port}/art/1.html");
    let started = std::time::Instant::now();
    let result = minsheng(&[
        "scrape".as_ref(),
        url.as_ref(),
        seed().as_os_str(),
        "--max-run-secs".as_ref(),
        "1".as_ref(),
        "--timeout-secs".as_ref(),
        "600".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(result.status.code(), Some(1));
    let pages = pages(&out);
    assert_eq!(
        pages[0]["error"],
        "not fetched: the run time limit of 1 s (--max-run-secs) was reached"
    );
    assert_eq!(pages[1]["tables"][0]["rows"].as_array().unwrap().len(), 16);
}
