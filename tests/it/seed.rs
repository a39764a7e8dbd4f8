//! The seed page (../shared/seeds/000_0bee758d354ad43e.txt): 文成县
//! "公共服务“七优享”民生实事项目半年度进度表", as the county site serves it, in UTF-8 and in GBK.
//! Every field of all 16 records is checked against the seed text, through the real binary.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const TITLE: &str = "公共服务“七优享”民生实事项目半年度进度表";

/// (seq, content, completion_pct, unified_progress, unified_scope, rank_scope, rank,
///  status_note, lead_unit) per row, as the seed page writes them. Every row's category is
/// `*<name>` on the page: the marker is removed and sets `starred`.
#[allow(clippy::type_complexity)]
const ROWS: [(i64, &str, &str, f64, Option<bool>, Option<&str>, Option<&str>, Option<i64>, Option<&str>, &str); 16] = [
    (1, "医疗卫生", "为全县60岁以上老年人免费接种流感疫苗27758人。", 20.0, Some(true), Some("province"), None, None, None, "县卫健局"),
    (2, "医疗卫生", "为全县重点人群免费开展结直肠癌筛查,2024年重点筛查60岁以上人群16000人。", 40.0, Some(true), Some("province"), None, None, None, "县卫健局"),
    (3, "医疗卫生", "在公共场所新增配置自动体外除颤仪40台。", 80.0, Some(false), None, Some("city"), Some(1), None, "县卫健局"),
    (4, "医疗卫生", "培训应急救护人员200人以上。", 80.0, None, None, None, None, None, "县红十字会"),
    (5, "医疗卫生", "实行全省医保参保人员一地签约、全省共享基层门诊签约报销比例,全省基层医疗机构门诊报销比例=50%,各设区市基层医疗机构门诊报销比例=50%。", 90.0, None, None, None, None, None, "县医疗保障局"),
    (6, "医疗卫生", "实行全省医保参保人员一地签约、全省共享基层门诊签约报销比例,全省异地结算定点医院开通率达100%,各设区市异地结算定点医院开通率达100%。", 100.0, None, None, Some("province"), Some(1), None, "县医疗保障局"),
    (7, "教育助学", "持有居住证的义务教育段随迁子女就读公办学校比例达86%以上。", 70.0, Some(true), None, None, None, None, "县教育局"),
    (8, "教育助学", "实施中小学校“示范食堂”建设行动,2024年完成6家以上。", 80.0, None, None, None, None, None, "市场监督管理局"),
    (9, "养老帮困", "全面推行长期护理保险制度,2024年长护险参保人数达3.59万人以上。", 100.0, None, None, Some("province"), Some(1), None, "县医疗保障局"),
    (10, "关爱儿童", "为全市所有适龄女生免费接种二价HPV疫苗,2024年重点为13-14岁女生接种433人。", 20.0, Some(true), Some("province"), None, None, None, "县卫健局"),
    (11, "关爱儿童", "加强孤独症儿童医疗康复救治,孤独症门诊治疗享受住院医疗保障水平,全市儿童孤独症政策内报销比例≥60%。", 100.0, None, None, Some("province"), Some(1), None, "县医疗保障局"),
    (12, "就业创业", "新增残疾人就业60人以上。", 90.0, Some(false), None, Some("city"), Some(1), Some("目前"), "县残联"),
    (13, "就业创业", "为离校2年内未就业高校毕业生开发见习岗位200个以上。", 100.0, None, None, None, None, None, "县人社局"),
    (14, "就业创业", "培养持证数字高技能人才35人以上。", 90.0, None, None, None, None, None, "县人社局"),
    (15, "暖心服务", "实施户外劳动者暖心服务行动,2024年改造提升服务站点6家以上。", 80.0, None, None, None, None, None, "县总工会"),
    (16, "暖心服务", "实行群众“身后事”基本服务免费县。", 90.0, Some(true), Some("city"), None, None, Some("省厅还未组织验收。"), "县民政局"),
];

/// project_key per row: the first 16 hex digits of SHA-256 over `文成县|2024|<content>`, the
/// content after NFKC without whitespace and punctuation — computed outside the program
/// (Python: hashlib.sha256, unicodedata.normalize("NFKC"), category P*).
const KEYS: [&str; 16] = [
    "ec714f1f451e608f",
    "6bbc68a54a7153e6",
    "b9f29b1df8a229b7",
    "486d973ba3a62510",
    "a3735aa0162f46c4",
    "47a02bc3d79cdc9c",
    "22cc6bc1e82937e9",
    "a9e084cba68115cd",
    "d7d7f0934d5beb74",
    "cd8ef7ab2011f4d1",
    "dbee626ed03b6834",
    "9f5199937d383a66",
    "66e22a5eaf74ea4c",
    "7e1d93b44a48e820",
    "526fe4f238acd010",
    "ecf20f3397ccb5bb",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn sha256(path: &Path) -> String {
    minsheng::pipeline::sha256_hex(&std::fs::read(path).unwrap())
}

/// Runs `minsheng scrape FILE --out TMP` and returns (records.jsonl lines, pages.json).
fn scrape(file: &Path) -> (Vec<Value>, Value, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .arg("scrape")
        .arg(file)
        .arg("--out")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let jsonl = std::fs::read_to_string(out.path().join("records.jsonl")).unwrap();
    let records = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let pages =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("pages.json")).unwrap())
            .unwrap();
    (records, pages, out)
}

fn expected(file: &Path, fetched_at: &Value) -> Vec<Value> {
    let url = url::Url::from_file_path(std::fs::canonicalize(file).unwrap())
        .unwrap()
        .to_string();
    let sha = sha256(file);
    ROWS.iter()
        .enumerate()
        .map(
            |(i, (seq, category, content, pct, up, us, rs, rank, note, unit))| {
                json!({
                    "source_url": url,
                    "publisher": "文成县",
                    "title": TITLE,
                    "published_at": "2024-08-28T16:34:00+08:00",
                    "table_index": 0,
                    "row_index": i,
                    "seq": seq,
                    "category": category,
                    "starred": true,
                    "content": content,
                    "completion_pct": pct,
                    "unified_progress": up,
                    "unified_scope": us,
                    "rank_scope": rs,
                    "rank": rank,
                    "status_note": note,
                    "lead_unit": unit,
                    "leader": null,
                    "extra": {},
                    "fetched_at": fetched_at,
                    "content_sha256": sha,
                    // v2: 来源 文成县 is the county; the title says 半年度 and no year, so
                    // the cut-off is 06-30 of the publication year and the year is as_of's.
                    "published_date": "2024-08-28",
                    "source_name": null,
                    "county": "文成县",
                    "source_format": "html",
                    "article_url": url,
                    "progress_note": null,
                    "report_year": 2024,
                    "as_of": "2024-06-30",
                    "project_key": KEYS[i],
                })
            },
        )
        .collect()
}

fn check_seed_fixture(name: &str, encoding: &str) {
    let file = fixture(name);
    let (records, pages, _out) = scrape(&file);
    assert_eq!(records.len(), 16);
    let fetched_at = records[0]["fetched_at"].clone();
    assert!(fetched_at.as_str().unwrap().ends_with('Z'));
    let want = expected(&file, &fetched_at);
    for (got, want) in records.iter().zip(&want) {
        assert_eq!(got, want);
        let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
        assert_eq!(keys, minsheng::emit::COLUMNS.to_vec());
    }

    let page = &pages[0];
    assert_eq!(page["schema"], 2);
    assert_eq!(page["source_format"], "html");
    assert_eq!(page["article_url"], want[0]["source_url"]);
    assert_eq!(page["attachments"], json!([]));
    assert_eq!(page["tables"][0]["sheet"], Value::Null);
    assert_eq!(page["title"], TITLE);
    assert_eq!(page["publisher"], "文成县");
    assert_eq!(page["published_at"], "2024-08-28T16:34:00+08:00");
    assert_eq!(page["encoding"], encoding);
    assert_eq!(page["encoding_source"], "meta");
    assert_eq!(page["replacement_chars"], 0);
    assert_eq!(page["duplicates_dropped"], 1);
    assert_eq!(
        page["duplicate_tables"],
        json!([{"same_as": 0, "first_row": ["序号", "省政府十大 民生实事名称", "项目内容", "完成率(%)", "是否省市统一进度(全省县市区名次)", "牵头单位", "分管领导"]}])
    );
    assert_eq!(page["error"], Value::Null);
    assert_eq!(
        page["notes"],
        json!(["省政府十大民生实事名称前标*的16个项目,同时是七优享民生实事项目。"])
    );
    assert_eq!(page["tables"].as_array().unwrap().len(), 1);
    assert_eq!(
        page["tables"][0]["headers"],
        json!([
            "序号",
            "省政府十大 民生实事名称",
            "项目内容",
            "完成率(%)",
            "是否省市统一进度(全省县市区名次)",
            "牵头单位",
            "分管领导"
        ])
    );
    assert_eq!(page["tables"][0]["rows"], json!(want));
    assert_eq!(page["skipped_tables"], json!([]));
    assert_eq!(page["dropped_rows"], json!([]));
}

#[test]
fn seed_page_utf8_gives_all_16_records_field_by_field() {
    check_seed_fixture("wencheng_2024_half_year.html", "UTF-8");
}

#[test]
fn seed_page_gbk_gives_all_16_records_field_by_field() {
    check_seed_fixture("wencheng_2024_half_year_gbk.html", "GBK");
}

#[test]
fn seed_page_csv_has_the_schema_header_and_16_rows() {
    let file = fixture("wencheng_2024_half_year_gbk.html");
    let (_, _, out) = scrape(&file);
    let mut reader = csv::Reader::from_path(out.path().join("records.csv")).unwrap();
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(headers, minsheng::emit::COLUMNS.to_vec());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 16);
    // row 16: 90%, unified true (city), note; empty fields for null
    let last = &rows[15];
    assert_eq!(&last[6], "16");
    assert_eq!(&last[10], "90.0");
    assert_eq!(&last[11], "true");
    assert_eq!(&last[12], "city");
    assert_eq!(&last[14], "");
    assert_eq!(&last[15], "省厅还未组织验收。");
    assert_eq!(&last[17], "");
    assert_eq!(&last[18], "{}");
    // v2 columns: published_date, source_name, county, source_format, article_url,
    // progress_note, report_year, as_of, project_key.
    assert_eq!(&last[21], "2024-08-28");
    assert_eq!(&last[22], "");
    assert_eq!(&last[23], "文成县");
    assert_eq!(&last[24], "html");
    assert_eq!(&last[25], &last[0]);
    assert_eq!(&last[26], "");
    assert_eq!(&last[27], "2024");
    assert_eq!(&last[28], "2024-06-30");
    assert_eq!(&last[29], KEYS[15]);
}
