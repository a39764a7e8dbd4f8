//! Crawl on loopback against the politeness bound: 200 simulated county sites (names resolved
//! to 127.0.0.1 through the config's `resolve`, no DNS), each with robots.txt, one list page
//! and 5 articles; delay 200 ms, concurrency 200.
//!
//! The politeness bound is the busiest host's requests × delay (7 × 200 ms = 1.4 s): no polite
//! crawler can finish sooner. The run should take at most 1.15× that, and its CPU time should
//! stay under 10% of the wall time (waiting must not spin). Each round also measures the
//! floor: the same requests, paced the same, through a bare reqwest client, and a bare parse
//! of every page — what no crawler of these sites can spend less than.
//!
//! Run: `cargo bench --bench crawl`. The sites are served by this same binary re-started as a
//! child process, so the CPU time measured (the process CPU clock) is the crawler's alone. Five
//! rounds, each on a new store, and their medians: `MINSHENG_BENCH_ROUNDS` sets how many.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The allocator the `minsheng` binary uses (src/main.rs), so that what is measured is what
/// ships: the library leaves that choice to the program.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HOSTS: usize = 200;
const ARTICLES: usize = 5;
/// Per-host delay; `MINSHENG_BENCH_DELAY_MS` overrides it (to show that CPU time does not
/// grow with waiting).
fn delay_ms() -> u64 {
    std::env::var("MINSHENG_BENCH_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}
const SERVER_ENV: &str = "MINSHENG_BENCH_SERVER";
/// Rounds of (first crawl, unchanged crawl, floor), each on a new store; the medians are the
/// result (this machine's speed drifts within seconds). `MINSHENG_BENCH_ROUNDS` overrides it.
fn rounds() -> usize {
    std::env::var("MINSHENG_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1)
}

fn host(i: usize) -> String {
    format!("site{i:03}.county.example")
}

fn article(site: &str, k: usize) -> String {
    let mut rows = String::new();
    for r in 1..=5 {
        rows.push_str(&format!(
            "<tr><td>{r}</td><td>*医疗卫生</td><td>{site} 第{k}篇 项目{r}：为全县老年人免费接种流感疫苗。</td>\
             <td>{}%</td><td>是,全省统一进度</td><td>县卫健局</td><td></td></tr>",
            (r * 17 + k) % 100
        ));
    }
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>民生实事项目进度表{k} - {site}</title></head>\
         <body><div class=\"bread\">您现在的位置:首页 &gt; 民生实事</div><h1>民生实事项目进度表{k}</h1>\
         <div class=\"info\">发布日期:2024-08-28 16:34:00 来源:{site}</div><table>\
         <tr><td>序号</td><td>民生实事名称</td><td>项目内容</td><td>完成率(%)</td>\
         <td>是否省市统一进度</td><td>牵头单位</td><td>分管领导</td></tr>{rows}</table>\
         <p>备注:标*的为省十大民生实事。</p></body></html>"
    )
}

fn list(site: &str) -> String {
    let items: String = (0..ARTICLES)
        .map(|k| format!("<li><a href=\"/art/2024/8/28/art_1_{k}.html\">民生实事项目进度表{k}</a><span>2024-08-28</span></li>"))
        .collect();
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>民生实事 - {site}</title></head><body><ul class=\"list\">{items}</ul></body></html>")
}

/// The child process: serves every site by its Host header, prints its port, runs until
/// killed.
fn serve() {
    use axum::http::{header, HeaderMap, StatusCode, Uri};
    use axum::response::IntoResponse;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        println!("{port}");
        std::io::stdout().flush().expect("flush");
        let app = axum::Router::new().fallback(|headers: HeaderMap, uri: Uri| async move {
            let site = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .and_then(|h| h.split(':').next())
                .unwrap_or("")
                .to_string();
            let path = uri.path();
            let html = |body: String| {
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
            };
            if path == "/robots.txt" {
                (
                    [(header::CONTENT_TYPE, "text/plain")],
                    "User-agent: *\nAllow: /\n",
                )
                    .into_response()
            } else if path == "/col/index.html" {
                html(list(&site))
            } else if let Some(k) = path
                .strip_prefix("/art/2024/8/28/art_1_")
                .and_then(|p| p.strip_suffix(".html"))
                .and_then(|k| k.parse::<usize>().ok())
            {
                html(article(&site, k))
            } else {
                StatusCode::NOT_FOUND.into_response()
            }
        });
        axum::serve(listener, app).await.expect("serve");
    });
}

/// CPU time of this process, all threads, to the nanosecond (`/proc/self/stat` counts in
/// 10 ms ticks, too coarse for the floor's parts).
fn cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to write; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn config(dir: &Path, port: u16) -> std::path::PathBuf {
    let mut toml = format!(
        "[defaults]\ndelay_ms = {}\nconcurrency = {HOSTS}\n\n[defaults.resolve]\n",
        delay_ms()
    );
    for i in 0..HOSTS {
        toml.push_str(&format!("\"{}\" = \"127.0.0.1:{port}\"\n", host(i)));
    }
    for i in 0..HOSTS {
        toml.push_str(&format!(
            "\n[[source]]\nname = \"{h}\"\npublisher = \"{h}\"\nstart = [\"http://{h}:{port}/col/index.html\"]\nfollow = '/art/2024/'\nmax_list_pages = 1\n",
            h = host(i)
        ));
    }
    let path = dir.join("sources.toml");
    std::fs::write(&path, toml).expect("write config");
    path
}

/// What no crawler of these sites can do with less: the same 1,400 requests, paced the same
/// way (one host's requests one after another, `delay` apart, all hosts at once), through a
/// bare reqwest client on one thread — no robots rules, retries, store or outputs; then a bare
/// `scraper::Html::parse_document` of every page, timed apart.
struct Floor {
    wall: Duration,
    /// CPU time of the requests alone.
    requests: Duration,
    /// CPU time of parsing the 200 list pages.
    lists: Duration,
    /// CPU time of parsing the 1,000 articles.
    articles: Duration,
}

fn floor(port: u16) -> Floor {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // reqwest is built without a TLS provider (Cargo.toml says why); the floor speaks plain
    // HTTP, but building a client still needs one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder();
    for i in 0..HOSTS {
        builder = builder.resolve(&host(i), ([127, 0, 0, 1], port).into());
    }
    let client = builder.build().expect("client");
    let delay = Duration::from_millis(delay_ms());
    let cpu0 = cpu_time();
    let start = Instant::now();
    let pages: Vec<Vec<String>> = runtime.block_on(async {
        let sites = (0..HOSTS).map(|i| {
            let client = &client;
            async move {
                let base = format!("http://{}:{port}", host(i));
                let mut paths = vec!["/robots.txt".to_string(), "/col/index.html".to_string()];
                paths.extend((0..ARTICLES).map(|k| format!("/art/2024/8/28/art_1_{k}.html")));
                let mut bodies = Vec::new();
                for (n, path) in paths.iter().enumerate() {
                    if n > 0 {
                        tokio::time::sleep(delay).await;
                    }
                    let response = client.get(format!("{base}{path}")).send().await;
                    bodies.push(response.expect("send").text().await.expect("body"));
                }
                bodies
            }
        });
        futures_util::future::join_all(sites).await
    });
    let wall = start.elapsed();
    let requests = cpu_time() - cpu0;
    let parse = |which: &dyn Fn(usize) -> bool| {
        let cpu0 = cpu_time();
        for bodies in &pages {
            for (_, body) in bodies.iter().enumerate().filter(|(n, _)| which(*n)) {
                std::hint::black_box(scraper::Html::parse_document(body));
            }
        }
        cpu_time() - cpu0
    };
    Floor {
        wall,
        requests,
        lists: parse(&|n| n == 1),
        articles: parse(&|n| n > 1),
    }
}

fn main() {
    if std::env::var_os(SERVER_ENV).is_some() {
        serve();
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .env(SERVER_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the site server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port");
    let port: u16 = line.trim().parse().expect("port number");

    let bound = Duration::from_millis(delay_ms() * (2 + ARTICLES as u64));
    println!(
        "crawl: {HOSTS} hosts x (robots.txt + list + {ARTICLES} articles), delay {} ms, concurrency {HOSTS}",
        delay_ms()
    );
    println!(
        "politeness bound (busiest host's requests x delay): {:.3} s",
        bound.as_secs_f64()
    );
    let rounds = rounds();
    let mut shares: [Vec<f64>; 4] = Default::default();
    let mut walls: [Vec<f64>; 2] = Default::default();
    for round in 1..=rounds {
        println!("round {round} of {rounds}");
        let dir = tempfile::tempdir().expect("temp dir");
        let opts = minsheng::crawl::CrawlOptions {
            config: config(dir.path(), port),
            db: dir.path().join("minsheng.db"),
            out: dir.path().join("out"),
            progress: false,
            raw_csv: false,
            bom: false,
            derived: minsheng::emit::Derived::default(),
            max_run: None,
        };
        for (i, run) in ["first crawl (all new)", "second crawl (nothing changed)"]
            .into_iter()
            .enumerate()
        {
            let cpu0 = cpu_time();
            let start = Instant::now();
            let summary = minsheng::crawl::run(&opts).expect("crawl runs");
            let wall = start.elapsed();
            let cpu = cpu_time() - cpu0;
            assert_eq!(summary.articles, HOSTS * ARTICLES, "{summary:?}");
            assert_eq!(summary.failed, 0, "{summary:?}");
            let share = 100.0 * cpu.as_secs_f64() / wall.as_secs_f64();
            println!(
                "  {run}: wall {:.3} s = {:.3}x the bound; CPU {:.3} s = {share:.1}% of wall",
                wall.as_secs_f64(),
                wall.as_secs_f64() / bound.as_secs_f64(),
                cpu.as_secs_f64(),
            );
            walls[i].push(wall.as_secs_f64() / bound.as_secs_f64());
            shares[i].push(share);
        }
        let records =
            std::fs::read_to_string(dir.path().join("out/records.jsonl")).expect("records");
        assert_eq!(records.lines().count(), HOSTS * ARTICLES * 5);

        let f = floor(port);
        let share = |cpu: Duration| 100.0 * cpu.as_secs_f64() / f.wall.as_secs_f64();
        println!(
            "  floor: requests through a bare reqwest client {:.3} s = {:.1}% of wall {:.3} s; \
             bare Html::parse_document of the lists {:.1}%, of the articles {:.1}%",
            f.requests.as_secs_f64(),
            share(f.requests),
            f.wall.as_secs_f64(),
            share(f.lists),
            share(f.articles)
        );
        shares[2].push(share(f.requests + f.lists + f.articles));
        shares[3].push(share(f.requests + f.lists));
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!("medians of {rounds} rounds:");
    println!(
        "  first crawl: wall {:.3}x the bound, CPU {:.1}% of wall (floor: requests + every parse, {:.1}%)",
        median(&walls[0]),
        median(&shares[0]),
        median(&shares[2])
    );
    println!(
        "  unchanged crawl: wall {:.3}x the bound, CPU {:.1}% of wall (floor: requests + list parses, {:.1}%)",
        median(&walls[1]),
        median(&shares[1]),
        median(&shares[3])
    );
    let _ = child.kill();
    let _ = child.wait();
}
