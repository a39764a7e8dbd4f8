//! The loading recipes of docs/schema.md, run as written there: the pandas block and the DuckDB
//! block are read from the doc, pointed at the outputs of `minsheng scrape fixtures/`, and run
//! with `python3 -c`. Each test checks the types an analyst needs (completion float,
//! starred / unified_progress nullable boolean, seq / rank / report_year nullable integers,
//! published_at a datetime with its +08:00 zone, published_date / as_of dates) and values
//! read off the seed page by hand.
//!
//! When python3 cannot import pandas (or duckdb) the test prints why and passes without
//! checking: the recipes need those packages, minsheng does not.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fenced block after `<!-- analyst-load:NAME -->` in docs/schema.md.
fn recipe(name: &str) -> String {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema.md"))
        .unwrap();
    let marker = format!("<!-- analyst-load:{name} -->");
    let after = &doc[doc
        .find(&marker)
        .unwrap_or_else(|| panic!("{marker} in docs/schema.md"))
        + marker.len()..];
    let start = after.find("```").unwrap();
    let body = &after[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

/// python3 can import `module`; otherwise why not.
fn python_has(module: &str) -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        // The traceback's last line: `ModuleNotFoundError: No module named 'pandas'`.
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr)
            .trim()
            .lines()
            .last()
            .unwrap_or("")
            .to_string()),
        Err(e) => Err(format!("python3: {e}")),
    }
}

/// `minsheng scrape` of the HTML table fixtures (the seed page twice and the variants)
/// `--out TMP`: every input gives records, so the run exits 0.
fn scrape_fixtures() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let status = Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .arg("scrape")
        .arg(fixtures.join("wencheng_2024_half_year.html"))
        .arg(fixtures.join("wencheng_2024_half_year_gbk.html"))
        .arg(fixtures.join("variants"))
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    (dir, out)
}

/// Runs `script` with python3 in `dir` and returns its stdout, failing on a non-zero exit.
fn python(dir: &Path, script: &str) -> String {
    let out = Command::new("python3")
        .args(["-W", "ignore", "-c", script])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python3 failed:\n{}\n--- script ---\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The seed page's row 3 (seq 3) and a page with no publish date, as one line per fact.
const PANDAS_CHECKS: &str = r#"
for name, df in [("csv", csv), ("jsonl", jsonl)]:
    t = {c: str(df[c].dtype) for c in ["completion_pct", "starred", "unified_progress", "seq", "rank", "report_year", "published_at", "published_date", "as_of"]}
    print(name, "types", " ".join(f"{k}={v}" for k, v in t.items()))
    seed = df[df["source_url"].str.endswith("/fixtures/wencheng_2024_half_year.html")]
    row = seed[seed["seq"] == 3].iloc[0]
    print(name, "seed row 3", row["completion_pct"], row["unified_progress"], row["rank"], row["report_year"], row["published_at"].isoformat(), row["published_date"].date().isoformat(), row["as_of"].date().isoformat())
    print(name, "seed unified_progress nulls", int(seed["unified_progress"].isna().sum()), "rank nulls", int(seed["rank"].isna().sum()))
    nodate = df[df["source_url"].str.endswith("16_chinese_numeral_seq_bom_nometa.html")]
    print(name, "no publish date", len(nodate), int(nodate["published_at"].isna().sum()), int(nodate["published_date"].isna().sum()), int(nodate["as_of"].isna().sum()))
"#;

#[test]
fn the_documented_pandas_one_liners_load_both_files_with_the_right_types() {
    if let Err(why) = python_has("pandas") {
        println!("skipped: python3 cannot import pandas ({why}); `pip install pandas` to run it");
        return;
    }
    let (dir, _out) = scrape_fixtures();
    let script = format!("{}\n{PANDAS_CHECKS}", recipe("pandas"));
    let got = python(dir.path(), &script);
    let types = "types completion_pct=float64 starred=boolean unified_progress=boolean seq=Int64 rank=Int64 report_year=Int64 published_at=datetime64[us, UTC+08:00] published_date=datetime64[us] as_of=datetime64[us]";
    // Seed row 3: 80%, 否 → false, 全市第一 → 1; 发布日期 2024-08-28 16:34:00; 半年度 → 06-30.
    // Of its 16 rows, 9 have a blank status cell and 11 no rank (seed.rs ROWS).
    // Fixture 16 has 12 records and no publish date, and says no period.
    let mut want = String::new();
    for name in ["csv", "jsonl"] {
        want += &format!(
            "{name} {types}\n\
             {name} seed row 3 80.0 False 1 2024 2024-08-28T16:34:00+08:00 2024-08-28 2024-06-30\n\
             {name} seed unified_progress nulls 9 rank nulls 11\n\
             {name} no publish date 12 12 12 12\n"
        );
    }
    assert_eq!(got, want);
}

#[test]
fn the_documented_duckdb_queries_load_both_files_with_the_right_types() {
    if let Err(why) = python_has("duckdb") {
        println!("skipped: python3 cannot import duckdb ({why}); `pip install duckdb` to run it");
        return;
    }
    let (dir, _out) = scrape_fixtures();
    let queries: Vec<String> = recipe("duckdb")
        .split(';')
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(queries.len(), 2, "one query per file");
    let script = format!(
        r#"
import duckdb
con = duckdb.connect()
for name, q in [("csv", {csv:?}), ("jsonl", {jsonl:?})]:
    types = dict((r[0], r[1]) for r in con.sql("DESCRIBE " + q).fetchall())
    print(name, " ".join(f"{{c}}={{types[c]}}" for c in ["completion_pct", "starred", "unified_progress", "seq", "rank", "report_year", "published_at", "published_date", "as_of", "source_name"]))
    row = con.sql(f"SELECT completion_pct, unified_progress, rank, report_year, published_date, as_of FROM ({{q}}) WHERE source_url LIKE '%/fixtures/wencheng_2024_half_year.html' AND seq = 3").fetchall()[0]
    print(name, row[0], row[1], row[2], row[3], row[4].isoformat(), row[5].isoformat())
"#,
        csv = queries[0],
        jsonl = queries[1],
    );
    let got = python(dir.path(), &script);
    let types = "completion_pct=DOUBLE starred=BOOLEAN unified_progress=BOOLEAN seq=BIGINT rank=BIGINT report_year=BIGINT published_at=TIMESTAMP WITH TIME ZONE published_date=DATE as_of=DATE source_name=VARCHAR";
    let mut want = String::new();
    for name in ["csv", "jsonl"] {
        want += &format!("{name} {types}\n{name} 80.0 False 1 2024 2024-08-28 2024-06-30\n");
    }
    assert_eq!(got, want);
}
