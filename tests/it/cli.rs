//! The command-line contract: bad inputs are reported one line each with the file and the
//! reason, the good inputs are still written, exit 1; usage errors exit 2.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/wencheng_2024_half_year.html")
}

fn minsheng(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .args(args)
        .output()
        .unwrap()
}

fn scrape(inputs: &[&Path], out: &Path) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["scrape".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.push("--out".as_ref());
    args.push(out.as_os_str());
    minsheng(&args)
}

fn pages(out: &Path) -> Vec<Value> {
    serde_json::from_str::<Value>(&fs::read_to_string(out.join("pages.json")).unwrap())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Writes `bytes` to `name` in a temp dir, scrapes it beside the seed page, and returns the
/// stderr line about it and its pages.json error.
fn bad_input(name: &str, bytes: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join(name);
    fs::write(&bad, bytes).unwrap();
    let out = dir.path().join("out");
    let result = scrape(&[&bad, &seed()], &out);
    assert_eq!(result.status.code(), Some(1), "exit status");
    let stderr = String::from_utf8(result.stderr).unwrap();
    let line = stderr
        .lines()
        .find(|l| l.contains(name))
        .unwrap_or_else(|| panic!("no stderr line names {name}: {stderr}"))
        .to_string();
    let pages = pages(&out);
    assert_eq!(pages.len(), 2);
    assert_eq!(
        pages[1]["tables"][0]["rows"].as_array().unwrap().len(),
        16,
        "good input still written"
    );
    let jsonl = fs::read_to_string(out.join("records.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), 16);
    (
        line,
        pages[0]["error"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn empty_file_is_reported_and_the_rest_is_written() {
    let (line, error) = bad_input("empty.html", b"");
    assert!(
        line.ends_with("empty.html: empty input: no bytes to parse"),
        "{line}"
    );
    assert_eq!(error, "empty input: no bytes to parse");
}

#[test]
fn binary_file_is_reported() {
    let (_, error) = bad_input(
        "blob.html",
        &[0x00, 0x9F, 0x92, 0x96, 0x00, 0x01, 0x02, 0xFF, 0x00],
    );
    assert_eq!(error, "not an HTML page: binary data");
}

#[test]
fn pdf_is_reported_as_a_warning_that_leaves_the_exit_status_alone() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.html");
    fs::write(
        &pdf,
        b"%PDF-1.4\n%\xC7\xEC\x8F\xA2\n5 0 obj\n<</Length 6 0 R>>\nstream\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let result = scrape(&[&pdf, &seed()], &out);
    assert_eq!(result.status.code(), Some(0), "a warning, not a failure");
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(
        stderr.contains("report.html: warning: pdf not read"),
        "{stderr}"
    );
    let pages = pages(&out);
    assert_eq!(pages[0]["error"], "pdf not read");
    assert_eq!(pages[0]["source_format"], "pdf");
}

#[test]
fn html_without_table_is_reported() {
    let (_, error) = bad_input(
        "notice.html",
        "<html><body><p>通知</p></body></html>".as_bytes(),
    );
    assert_eq!(
        error,
        "no table on the page; prose: no numbered items in the text"
    );
}

#[test]
fn truncated_page_is_reported() {
    let seed = fs::read(seed()).unwrap();
    let (_, error) = bad_input("cut.html", &seed[..seed.len() / 2]);
    assert_eq!(
        error,
        "truncated page: the document ends before </body> or </html>"
    );
}

#[test]
fn table_with_unknown_headers_is_reported_with_the_skipped_table() {
    let (_, error) = bad_input(
        "contacts.html",
        "<html><body><table><tr><td>联系人</td><td>电话</td></tr><tr><td>王五</td><td>0577-1</td></tr></table></body></html>".as_bytes(),
    );
    assert_eq!(
        error,
        "no recognised progress table (1 table(s) skipped, see skipped_tables); prose: no numbered items in the text"
    );
}

#[test]
fn missing_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.html");
    let out = dir.path().join("out");
    let result = scrape(&[&missing, &seed()], &out);
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(
        stderr.contains("nope.html: cannot read: No such file or directory"),
        "{stderr}"
    );
}

#[test]
fn non_http_url_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = minsheng(&[
        "scrape".as_ref(),
        "ftp://127.0.0.1/a.html".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(
        pages(&out)[0]["error"],
        "unsupported URL scheme \"ftp\": only http and https are fetched"
    );
}

#[test]
fn usage_error_exits_2() {
    assert_eq!(minsheng(&["scrape".as_ref()]).status.code(), Some(2));
    assert_eq!(
        minsheng(&["scrape".as_ref(), "x".as_ref(), "--bogus".as_ref()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn directories_are_walked_recursively_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    fs::create_dir_all(root.join("b")).unwrap();
    fs::create_dir_all(root.join("a")).unwrap();
    let page = fs::read(seed()).unwrap();
    fs::write(root.join("b/2.htm"), &page).unwrap();
    fs::write(root.join("a/1.HTML"), &page).unwrap();
    fs::write(root.join("c.html"), &page).unwrap();
    fs::write(root.join("notes.txt"), "not html").unwrap();
    let out = dir.path().join("out");
    let result = scrape(&[&root], &out);
    assert_eq!(result.status.code(), Some(0));
    let urls: Vec<String> = pages(&out)
        .iter()
        .map(|p| {
            let url = p["source_url"].as_str().unwrap();
            url[url.find("/in/").unwrap() + 4..].to_string()
        })
        .collect();
    assert_eq!(urls, vec!["a/1.HTML", "b/2.htm", "c.html"]);
}

#[test]
fn pages_are_written_in_input_order_however_the_parsers_finish() {
    // More inputs than the parsers may run ahead of the writer, large pages among small ones
    // (so parsers finish out of order), missing files among them, given in reverse name order.
    let dir = tempfile::tempdir().unwrap();
    let seed_page = fs::read(seed()).unwrap();
    let small = "<html><body><table><tr><td>序号</td><td>项目名称</td><td>完成率</td></tr>\
                 <tr><td>1</td><td>道路</td><td>50%</td></tr></table></body></html>";
    let mut inputs = Vec::new();
    for i in (0..600).rev() {
        let path = dir.path().join(format!("p{i:03}.html"));
        if i % 97 != 0 {
            let bytes = if i % 40 == 0 {
                seed_page.clone()
            } else {
                small.as_bytes().to_vec()
            };
            fs::write(&path, bytes).unwrap();
        }
        inputs.push(path);
    }
    let out = dir.path().join("out");
    let mut args: Vec<&std::ffi::OsStr> = vec!["scrape".as_ref(), "--jobs".as_ref(), "3".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend(["--out".as_ref(), out.as_os_str()]);
    let result = minsheng(&args);
    assert_eq!(result.status.code(), Some(1), "7 missing files");
    let names: Vec<String> = pages(&out)
        .iter()
        .map(|p| {
            let url = p["source_url"].as_str().unwrap();
            url.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    let expected: Vec<String> = (0..600).rev().map(|i| format!("p{i:03}.html")).collect();
    assert_eq!(names, expected);
    let records = fs::read_to_string(out.join("records.jsonl")).unwrap();
    // every 40th page is the seed page (16 records; p000 is missing), the rest give 1 each
    let seeds = (0..600).filter(|i| i % 40 == 0 && i % 97 != 0).count();
    let smalls = (0..600).filter(|i| i % 40 != 0 && i % 97 != 0).count();
    assert_eq!((seeds, smalls), (14, 579));
    assert_eq!(records.lines().count(), seeds * 16 + smalls);
}

#[test]
fn bom_flag_prefixes_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = minsheng(&[
        "scrape".as_ref(),
        seed().as_os_str(),
        "--bom".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(result.status.success());
    let csv = fs::read(out.join("records.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBFsource_url,"));
}

#[test]
fn unwritable_output_is_an_error_and_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("out");
    fs::write(&blocker, "a file where the output folder should be").unwrap();
    let result = scrape(&[&seed()], &blocker);
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(
        fs::read_to_string(&blocker).unwrap(),
        "a file where the output folder should be"
    );
}

// ---------------------------------------------------------------------------------------
// What a hostile page or file name may not carry out (issue 11)

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

/// The derived outputs, in the order a run writes them into its set.
const DERIVED: [&str; 5] = [
    "timeline.csv",
    "timeline.jsonl",
    "timeline_merges.csv",
    "report.html",
    "records.xlsx",
];

/// The files the current set of `out` holds, from its manifest.
fn set_files(out: &Path) -> Vec<String> {
    let manifest = out.join(".minsheng-outputs/current/manifest.json");
    let manifest: Value = serde_json::from_str(&fs::read_to_string(manifest).unwrap()).unwrap();
    serde_json::from_value(manifest["files"].clone()).unwrap()
}

/// `name` in `out` is the set's link to its file of the current generation.
fn is_link_into_the_set(out: &Path, name: &str) -> bool {
    fs::read_link(out.join(name)).ok() == Some(Path::new(".minsheng-outputs/current").join(name))
        && out.join(".minsheng-outputs/current").join(name).is_file()
}

fn jsonl_values(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn scrape_with_xlsx_timeline_and_report_writes_them_in_the_one_output_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = minsheng(&[
        "scrape".as_ref(),
        seed().as_os_str(),
        "--xlsx".as_ref(),
        "--timeline".as_ref(),
        "--report".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(0), "{result:?}");
    let mut expected = vec!["records.csv", "records.jsonl", "pages.json"];
    expected.extend(DERIVED);
    assert_eq!(set_files(&out), expected);
    for name in &expected {
        assert!(is_link_into_the_set(&out, name), "{name} is not in the set");
    }
    // One row per record of the half-year table, each naming its project and the page.
    let records = jsonl_values(&out.join("records.jsonl"));
    let rows = jsonl_values(&out.join("timeline.jsonl"));
    assert_eq!(rows.len(), 16);
    for (row, record) in rows.iter().zip(&records) {
        assert_eq!(row["project_key"], record["project_key"]);
        assert_eq!(row["content"], record["content"]);
        assert_eq!(row["source_url"], record["source_url"]);
        assert_eq!(row["county"], "文成县");
    }
    let merges = fs::read_to_string(out.join("timeline_merges.csv")).unwrap();
    assert_eq!(merges.lines().count(), 1, "header only: {merges}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<svg"), "no chart in the report");
    let xlsx = fs::read(out.join("records.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK\x03\x04"), "records.xlsx is not a zip");
}

#[test]
fn a_run_without_the_flags_drops_the_derived_outputs_of_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let with = minsheng(&[
        "scrape".as_ref(),
        seed().as_os_str(),
        "--xlsx".as_ref(),
        "--report".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(with.status.code(), Some(0), "{with:?}");
    assert!(out.join("report.html").is_file());
    let without = scrape(&[&seed()], &out);
    assert_eq!(without.status.code(), Some(0), "{without:?}");
    assert_eq!(
        set_files(&out),
        ["records.csv", "records.jsonl", "pages.json"]
    );
    for name in DERIVED {
        assert!(
            fs::symlink_metadata(out.join(name)).is_err(),
            "{name} left behind"
        );
    }
}

#[test]
fn report_builds_the_timeline_and_report_from_records_already_written() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/timeline");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let result = minsheng(&[
        "report".as_ref(),
        fixtures.join("records.jsonl").as_os_str(),
        "--xlsx".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(0), "{result:?}");
    assert_eq!(
        String::from_utf8(result.stderr).unwrap(),
        format!(
            "minsheng report: 30 record(s), 30 timeline row(s), 3 merge(s) written to {}\n",
            out.display()
        )
    );
    assert_eq!(set_files(&out), DERIVED);
    let expected: Value =
        serde_json::from_str(&fs::read_to_string(fixtures.join("expected_timeline.json")).unwrap())
            .unwrap();
    assert_eq!(
        Value::from(jsonl_values(&out.join("timeline.jsonl"))),
        expected["rows"]
    );
    let merges = fs::read_to_string(out.join("timeline_merges.csv")).unwrap();
    assert_eq!(merges.lines().count(), 1 + 3, "{merges}");
    assert!(fs::read_to_string(out.join("report.html"))
        .unwrap()
        .contains("<svg"));
}

#[test]
fn report_into_a_scrape_folder_keeps_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(scrape(&[&seed()], &out).status.code(), Some(0));
    let records = fs::read(out.join("records.csv")).unwrap();
    let copy = dir.path().join("records.jsonl");
    fs::copy(out.join("records.jsonl"), &copy).unwrap();
    let result = minsheng(&[
        "report".as_ref(),
        copy.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(0), "{result:?}");
    let mut expected = vec!["timeline.csv", "timeline.jsonl", "timeline_merges.csv"];
    expected.extend(["report.html", "records.csv", "records.jsonl", "pages.json"]);
    assert_eq!(set_files(&out), expected);
    assert_eq!(fs::read(out.join("records.csv")).unwrap(), records);
}

#[test]
fn report_on_a_file_that_is_not_records_is_a_usage_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("records.jsonl");
    fs::write(&bad, "{\"seq\": 1}\nnot json\n").unwrap();
    let out = dir.path().join("out");
    let result = minsheng(&[
        "report".as_ref(),
        bad.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "minsheng report: {}:2: not a JSON record: ",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");
}

/// A store holding the seed page as one crawled article (16 records).
fn store_with_the_seed(db: &Path) {
    use minsheng::pipeline::{self, Source};
    use minsheng::store::{Snapshot, Store};
    let url = "http://www.wencheng.gov.cn/art/2024/8/28/art_1.html".to_string();
    let at = "2026-11-29T00:00:00Z".to_string();
    let bytes = fs::read(seed()).unwrap();
    let report = pipeline::process(&Source {
        url: url.clone(),
        bytes: bytes.clone(),
        content_type: Some("text/html; charset=utf-8".into()),
        fetched_at: at.clone(),
        final_url: Some(url.clone()),
        http_status: Some(200),
        ..Default::default()
    });
    let snap = Snapshot {
        url: url.clone(),
        final_url: url,
        status: 200,
        content_type: Some("text/html; charset=utf-8".into()),
        etag: None,
        last_modified: None,
        bytes,
        fetched_at: at.clone(),
    };
    let mut store = Store::open(db).unwrap();
    store
        .save_article("文成", None, &snap, &report, &at)
        .unwrap();
}

#[test]
fn export_and_reparse_write_the_derived_outputs_asked_for_in_their_set() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("minsheng.db");
    store_with_the_seed(&db);
    let out = dir.path().join("out");
    let exported = minsheng(&[
        "export".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--bom".as_ref(),
        "--xlsx".as_ref(),
        "--timeline".as_ref(),
        "--report".as_ref(),
    ]);
    assert_eq!(exported.status.code(), Some(0), "{exported:?}");
    let mut expected = vec!["records.csv", "records.jsonl", "pages.json"];
    expected.extend(DERIVED);
    assert_eq!(set_files(&out), expected);
    assert!(fs::read(out.join("records.csv"))
        .unwrap()
        .starts_with(b"\xEF\xBB\xBFsource_url,"));
    assert_eq!(jsonl_values(&out.join("timeline.jsonl")).len(), 16);

    let reparsed = minsheng(&[
        "reparse".as_ref(),
        "--db".as_ref(),
        db.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--timeline".as_ref(),
    ]);
    assert_eq!(reparsed.status.code(), Some(0), "{reparsed:?}");
    assert_eq!(
        set_files(&out),
        [
            "records.csv",
            "records.jsonl",
            "pages.json",
            "timeline.csv",
            "timeline.jsonl",
            "timeline_merges.csv"
        ]
    );
    assert!(fs::read(out.join("records.csv"))
        .unwrap()
        .starts_with(b"source_url,"));
}

#[test]
fn crawl_writes_derived_outputs_newly_asked_for_though_the_store_did_not_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("minsheng.db");
    store_with_the_seed(&db);
    // A column whose list page links no article: the run reads its list (a crawl whose lists
    // all failed keeps the outputs as they were) and the stored article is the output.
    let server = crate::support::Server::start();
    server.route(
        "/col/index.html",
        crate::support::Reply::html("<html><body><ul></ul></body></html>", "text/html"),
    );
    let config = dir.path().join("sources.toml");
    fs::write(
        &config,
        format!(
            "[defaults]\ndelay_ms = 0\nresolve = {{ \"www.wencheng.gov.cn\" = \"127.0.0.1\" }}\n\n[[source]]\nname = \"文成\"\nstart = [\"{}\"]\nfollow = 'art_'\n",
            server.url_as("www.wencheng.gov.cn", "/col/index.html")
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let crawl = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "crawl".as_ref(),
            "--config".as_ref(),
            config.as_os_str(),
            "--db".as_ref(),
            db.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        minsheng(&args)
    };
    let first = crawl(&[]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    assert_eq!(
        set_files(&out),
        ["records.csv", "records.jsonl", "pages.json"]
    );
    let second = crawl(&["--xlsx", "--report"]);
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    assert_eq!(
        set_files(&out),
        [
            "records.csv",
            "records.jsonl",
            "pages.json",
            "report.html",
            "records.xlsx"
        ]
    );
}
