//! `minsheng crawl` against three simulated county sites served from `tests/sites/` by a real
//! HTTP server on 127.0.0.1 inside the test process, reached by their real names through the
//! config's `resolve` table (no DNS query is made):
//!
//! - `www.wencheng.gov.cn`: a plain `<ul><li><a>` column over two list pages (下一页 /
//!   `index_2.html`), three progress reports among other notices;
//! - `www.qingtian.gov.cn`: a Hanweb JCMS column, the items in a `<datastore>` script, five
//!   reports over three list pages (`?uid=6204711&pageNum=N`);
//! - `www.jingning.gov.cn`: a GBK site (meta gb2312, no charset header), two reports.
//!
//! The simulator answers conditional requests as a CMS front end does (ETag / Last-Modified,
//! 304), can take a site down (500 for everything) and can change a page. Every test runs the
//! built binary, so exit statuses and the summary line are tested as a scheduler sees them.//!
//! The simulator is in `sites.rs`; the tests in `incremental.rs` (what a run stores and
//! reports), `process.rs` (the run as a process: kills, locks, signals) and `lists.rs`
//! (reading whole columns).

mod descriptors;
mod incremental;
mod lists;
mod process;
mod sites;

use serde_json::Value;
use sites::{Hit, Sites};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const WENCHENG: &str = "www.wencheng.gov.cn";
const QINGTIAN: &str = "www.qingtian.gov.cn";
const JINGNING: &str = "www.jingning.gov.cn";
const LISHUI: &str = "www.lishui.gov.cn";
const YUNHE: &str = "www.yunhe.gov.cn";
const LONGQUAN: &str = "www.longquan.gov.cn";
const PINGYANG: &str = "www.pingyang.gov.cn";
const TAISHUN: &str = "www.taishun.gov.cn";
const QINGTIAN_HALF_YEAR: &str = "/art/2024/7/31/art_1229411360_4052.html";
const WENCHENG_SEED: &str = "/art/2024/8/28/art_1229265580_59001.html";

// ---------------------------------------------------------------------------------------
// Running the binary

struct Dirs {
    _tmp: tempfile::TempDir,
    config: PathBuf,
    db: PathBuf,
    out: PathBuf,
}

fn config_text(sites: &Sites, delay_ms: u64) -> String {
    let port = sites.port();
    format!(
        r#"# three county columns on the simulated sites
[defaults]
delay_ms = {delay_ms}
concurrency = 4
max_attempts = 1
timeout_secs = 10
resolve = {{ "{WENCHENG}" = "127.0.0.1", "{QINGTIAN}" = "127.0.0.1", "{JINGNING}" = "127.0.0.1" }}

[[source]]
name = "文成县 民生实事"
publisher = "文成县"
start = ["http://{WENCHENG}:{port}/col/col1229265580/index.html"]
follow = '/art/\d{{4}}/\d+/\d+/art_\d+_\d+\.html$'
title_contains = ["民生实事", "七优享"]
max_list_pages = 5

[[source]]
name = "青田县 民生实事"
publisher = "青田县"
start = ["http://{QINGTIAN}:{port}/col/col1229411360/index.html"]
follow = '/art/\d{{4}}/\d+/\d+/art_1229411360_\d+\.html$'

[[source]]
name = "景宁畲族自治县 民生实事"
publisher = "景宁畲族自治县"
start = ["http://{JINGNING}:{port}/col/col1229302150/index.html"]
follow = '/art/\d{{4}}/\d+/\d+/art_\d+_\d+\.html$'
"#
    )
}

fn dirs(sites: &Sites, delay_ms: u64) -> Dirs {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sources.toml");
    fs::write(&config, config_text(sites, delay_ms)).unwrap();
    Dirs {
        db: tmp.path().join("state/minsheng.db"),
        out: tmp.path().join("out"),
        config,
        _tmp: tmp,
    }
}

fn minsheng(args: &[&std::ffi::OsStr]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minsheng"));
    cmd.args(args).env_remove("RUST_LOG");
    cmd
}

fn crawl_command(d: &Dirs, extra: &[&str]) -> Command {
    let mut cmd = minsheng(&[
        "crawl".as_ref(),
        "--config".as_ref(),
        d.config.as_os_str(),
        "--db".as_ref(),
        d.db.as_os_str(),
        "--out".as_ref(),
        d.out.as_os_str(),
    ]);
    cmd.args(extra);
    cmd
}

/// Runs a crawl to its end: exit status and the summary line.
fn crawl(d: &Dirs) -> (i32, String) {
    let out = crawl_command(d, &[]).output().unwrap();
    (out.status.code().unwrap_or(-1), summary_line(&out))
}

fn summary_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .rfind(|l| l.starts_with("minsheng crawl: "))
        .unwrap_or_else(|| panic!("no summary line in:\n{stderr}"))
        .to_string()
}

fn export(d: &Dirs, history: bool) -> Output {
    let mut cmd = minsheng(&[
        "export".as_ref(),
        "--db".as_ref(),
        d.db.as_os_str(),
        "--out".as_ref(),
        d.out.as_os_str(),
    ]);
    if history {
        cmd.arg("--history");
    }
    cmd.output().unwrap()
}

fn jsonl(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn records(d: &Dirs) -> Vec<Value> {
    jsonl(&d.out.join("records.jsonl"))
}

/// Records without the time they were read: what two runs must agree on.
fn timeless(records: &[Value]) -> Vec<Value> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("fetched_at");
            r
        })
        .collect()
}

fn count_by_page(records: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in records {
        let url = r["source_url"].as_str().unwrap();
        let path = url
            .split_once(".gov.cn:")
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .1;
        *counts.entry(format!("/{path}")).or_insert(0) += 1;
    }
    counts
}

const ALL_NEW: &str = "minsheng crawl: list pages 6 (0 failed), articles found 10, fetched 10 \
    (new 10, changed 0, no table 0), unchanged 0, failed 0, suspect 0; records new 160, changed 0, removed 0";
const ALL_UNCHANGED: &str = "minsheng crawl: list pages 6 (0 failed), articles found 10, fetched 0 \
    (new 0, changed 0, no table 0), unchanged 10, failed 0, suspect 0; records new 0, changed 0, removed 0";
