//! Crawl on loopback against the politeness bound, at national scale: N simulated county
//! sites (names resolved to 127.0.0.1 through the config's `resolve`, no DNS), each with
//! robots.txt, one list page and 5 articles.
//!
//! The politeness bound is what the busiest host's requests need at least: 7 requests, so 6
//! delays (the delay counts from the end of one request to the start of the next). A crawl
//! should take at most 1.15× that. Each round also measures the floor: the same requests,
//! paced the same, through a bare reqwest client, and a bare parse of every page — what no
//! crawler of these sites can spend less than.
//!
//! Run: `cargo bench --bench crawl`. Settings, by environment variable:
//! - `MINSHENG_BENCH_HOSTS`: host counts, comma-separated (default `200`), e.g. `200,1000,3000`;
//! - `MINSHENG_BENCH_DELAY_MS`: the per-host delay (default 200);
//! - `MINSHENG_BENCH_CONCURRENCY`: the config's `concurrency` (default: the host count, at
//!   most 1,024, the largest the config takes);
//! - `MINSHENG_BENCH_ROUNDS`: rounds per host count, medians reported (default 3);
//! - `MINSHENG_BENCH_FOLLOW=distinct`: each source its own `follow` pattern, as real ones are;
//! - `MINSHENG_BENCH_WRAP` / `MINSHENG_BENCH_WRAP_RUN`: one run under a tool (heaptrack, perf).
//!
//! Every run is a process of its own (this binary started again in a role): the site server
//! (a multi-threaded runtime, so it is not the bottleneck: the floor's wall shows it), and for
//! each round a first crawl on a new store, an unchanged crawl of the same store, and the
//! floor. So each run's CPU time (the process CPU clock) is its own, and its peak RSS
//! (`VmHWM`) too. While a run goes, a sampler thread reads the CPU time of each thread
//! (`/proc/self/task/*/stat`) and the open descriptors every 100 ms. The server records each
//! request's host and arrival time: two arrivals on one host closer than the delay are a
//! politeness violation, counted per run.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The allocator the `minsheng` binary uses (src/main.rs), so that what is measured is what
/// ships: the library leaves that choice to the program.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "crawl_sites.rs"]
mod sites;
use sites::ARTICLES;
/// Requests per host: robots.txt, the list page, the articles.
const REQUESTS: u64 = 2 + ARTICLES as u64;
const ROLE: &str = "MINSHENG_BENCH_ROLE";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn delay() -> Duration {
    Duration::from_millis(env_or("MINSHENG_BENCH_DELAY_MS", 200))
}

fn host(i: usize) -> String {
    format!("site{i:04}.county.example")
}

/// CPU time of this process, all threads, to the nanosecond.
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

/// Peak resident set of this process, in MB (`VmHWM`).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(-1.0, |kb| kb / 1024.0)
}

/// Samples, every 100 ms until stopped, each thread's CPU time (kept by thread id, so a
/// thread that ended keeps its last figure) and the most descriptors open at once.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(BTreeMap<String, f64>, usize)>,
}

/// CPU seconds of a process or thread from its `stat` file (utime + stime, in 10 ms ticks).
fn stat_cpu(stat: &str) -> Option<(String, f64)> {
    // "tid (comm) state ppid …": utime and stime are fields 14 and 15, 11 and 12 after the
    // comm's closing parenthesis.
    let (open, close) = (stat.find('(')?, stat.rfind(')')?);
    let fields: Vec<&str> = stat.get(close + 2..)?.split(' ').collect();
    let cpu = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    Some((
        stat[open + 1..close].to_string(),
        (cpu(11)? + cpu(12)?) / 100.0,
    ))
}

fn sample_threads(threads: &mut HashMap<u32, (String, f64)>) {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return;
    };
    for entry in dir.flatten() {
        let Ok(tid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        if let Some(figures) = stat_cpu(&stat) {
            threads.insert(tid, figures);
        }
    }
}

impl Sampler {
    fn start() -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("bench-sampler".into())
            .spawn(move || {
                let mut threads = HashMap::new();
                let mut fds = 0;
                loop {
                    sample_threads(&mut threads);
                    let open = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
                    fds = fds.max(open);
                    if stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                let mut by_name = BTreeMap::new();
                for (name, secs) in threads.into_values() {
                    if name != "bench-sampler" {
                        *by_name.entry(name).or_insert(0.0) += secs;
                    }
                }
                (by_name, fds)
            })
            .expect("sampler thread");
        Sampler { stop, thread }
    }

    fn finish(self) -> (BTreeMap<String, f64>, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("sampler")
    }
}

/// The figures of one run, as a child prints them on one line for its parent.
#[derive(Debug, Default, Clone)]
struct Figures {
    wall: f64,
    cpu: f64,
    rss_mb: f64,
    fds: usize,
    /// CPU seconds by thread name.
    threads: BTreeMap<String, f64>,
    /// The floor only: CPU seconds of the requests, the list parses, the article parses.
    parts: [f64; 3],
}

impl Figures {
    fn line(&self) -> String {
        let threads: Vec<String> = self
            .threads
            .iter()
            .map(|(n, s)| format!("{n}={s:.2}"))
            .collect();
        format!(
            "FIGURES {:.4} {:.4} {:.1} {} {:.4} {:.4} {:.4} {}",
            self.wall,
            self.cpu,
            self.rss_mb,
            self.fds,
            self.parts[0],
            self.parts[1],
            self.parts[2],
            threads.join(",")
        )
    }

    fn parse(line: &str) -> Option<Figures> {
        let mut p = line.strip_prefix("FIGURES ")?.split(' ');
        let mut f = || p.next().and_then(|v| v.parse::<f64>().ok());
        let mut figures = Figures {
            wall: f()?,
            cpu: f()?,
            rss_mb: f()?,
            fds: f()? as usize,
            parts: [f()?, f()?, f()?],
            ..Figures::default()
        };
        let rest = line.rsplit(' ').next().unwrap_or("");
        for pair in rest.split(',').filter(|p| p.contains('=')) {
            let (name, secs) = pair.split_once('=')?;
            figures.threads.insert(name.to_string(), secs.parse().ok()?);
        }
        Some(figures)
    }
}

fn config(dir: &Path, port: u16, hosts: usize, concurrency: usize) -> std::path::PathBuf {
    let mut toml = format!(
        "[defaults]\ndelay_ms = {}\nconcurrency = {concurrency}\n\n[defaults.resolve]\n",
        delay().as_millis()
    );
    for i in 0..hosts {
        toml.push_str(&format!("\"{}\" = \"127.0.0.1:{port}\"\n", host(i)));
    }
    // `MINSHENG_BENCH_FOLLOW=distinct`: each source its own pattern, as real columns have
    // (their column id in it), so each is compiled and kept apart.
    let distinct = std::env::var("MINSHENG_BENCH_FOLLOW").is_ok_and(|v| v == "distinct");
    for i in 0..hosts {
        let follow = if distinct {
            format!(r"/art/\d{{4}}/\d+/\d+/art_1_\d+\.html$|/col{i}/")
        } else {
            "/art/2024/".to_string()
        };
        toml.push_str(&format!(
            "\n[[source]]\nname = \"{h}\"\npublisher = \"{h}\"\nstart = [\"http://{h}:{port}/col/index.html\"]\nfollow = '{follow}'\nmax_list_pages = 1\n",
            h = host(i)
        ));
    }
    let path = dir.join("sources.toml");
    std::fs::write(&path, toml).expect("write config");
    path
}

/// One crawl of the store in `dir` (the config written there), as the `minsheng` binary
/// would run it: its figures on stdout.
fn crawl_child(dir: &Path, hosts: usize) {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let opts = minsheng::crawl::CrawlOptions {
        config: dir.join("sources.toml"),
        db: dir.join("minsheng.db"),
        out: dir.join("out"),
        progress: false,
        raw_csv: false,
        bom: false,
        derived: minsheng::emit::Derived::default(),
        max_run: None,
    };
    let sampler = Sampler::start();
    let cpu0 = cpu_time();
    let start = Instant::now();
    let summary = minsheng::crawl::run(&opts).expect("crawl runs");
    let wall = start.elapsed();
    let cpu = cpu_time() - cpu0;
    let (threads, fds) = sampler.finish();
    assert_eq!(summary.articles, hosts * ARTICLES, "{summary:?}");
    assert_eq!(summary.failed, 0, "{summary:?}");
    assert_eq!(summary.list_failed, 0, "{summary:?}");
    let figures = Figures {
        wall: wall.as_secs_f64(),
        cpu: cpu.as_secs_f64(),
        rss_mb: peak_rss_mb(),
        fds,
        threads,
        parts: [0.0; 3],
    };
    println!("{}", figures.line());
}

/// What no crawler of these sites can do with less: the same requests, paced the same way
/// (one host's requests one after another, `delay` apart, all hosts at once), through a bare
/// reqwest client on one thread — no robots rules, retries, store or outputs; then a bare
/// `scraper::Html::parse_document` of every page, timed apart.
fn floor_child(port: u16, hosts: usize) {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // reqwest is built without a TLS provider (Cargo.toml says why); the floor speaks plain
    // HTTP, but building a client still needs one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder();
    for i in 0..hosts {
        builder = builder.resolve(&host(i), ([127, 0, 0, 1], port).into());
    }
    let client = builder.build().expect("client");
    let delay = delay();
    let sampler = Sampler::start();
    let cpu0 = cpu_time();
    let start = Instant::now();
    let pages: Vec<Vec<String>> = runtime.block_on(async {
        let sites = (0..hosts).map(|i| {
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
    let lists = parse(&|n| n == 1);
    let articles = parse(&|n| n > 1);
    let (threads, fds) = sampler.finish();
    let figures = Figures {
        wall: wall.as_secs_f64(),
        cpu: (requests + lists + articles).as_secs_f64(),
        rss_mb: peak_rss_mb(),
        fds,
        threads,
        parts: [
            requests.as_secs_f64(),
            lists.as_secs_f64(),
            articles.as_secs_f64(),
        ],
    };
    println!("{}", figures.line());
}

/// Runs this binary again in `role` and reads its figures.
/// `MINSHENG_BENCH_WRAP` (a command and its arguments, e.g. `heaptrack -o /tmp/crawl`) runs
/// the run named by `MINSHENG_BENCH_WRAP_RUN` (`first`, the default, or `unchanged`) under
/// that tool; its figures are then the tool's too.
fn child(run: &str, dir: &Path, port: u16, hosts: usize) -> Figures {
    let role = if run == "floor" { "floor" } else { "crawl" };
    let exe = std::env::current_exe().expect("own path");
    let wrap = std::env::var("MINSHENG_BENCH_WRAP").unwrap_or_default();
    let mut words: Vec<&std::ffi::OsStr> = wrap.split_whitespace().map(|w| w.as_ref()).collect();
    if std::env::var("MINSHENG_BENCH_WRAP_RUN").unwrap_or_else(|_| "first".into()) != run {
        words.clear();
    }
    words.push(exe.as_os_str());
    let output = Command::new(words[0])
        .args(&words[1..])
        .env(ROLE, role)
        .env("MINSHENG_BENCH_DIR", dir)
        .env("MINSHENG_BENCH_PORT", port.to_string())
        .env("MINSHENG_BENCH_N", hosts.to_string())
        .stderr(Stdio::inherit())
        .output()
        .expect("start a run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{role} failed: {stdout}");
    stdout
        .lines()
        .find_map(Figures::parse)
        .unwrap_or_else(|| panic!("{role} printed no figures: {stdout}"))
}

/// One run's figures and what the server saw of it.
struct Run {
    figures: Figures,
    /// CPU seconds the site server spent meanwhile.
    server_cpu: f64,
    seen: sites::Arrived,
    /// From the start of the process to its first request, and from its last request to
    /// its end (seconds).
    startup: f64,
    tail: f64,
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Thread CPU seconds in groups: the thread driving the fetches (the process's first
/// thread), the parse workers, the store writer, the rest.
fn thread_groups(threads: &BTreeMap<String, f64>) -> [f64; 4] {
    let mut groups = [0.0; 4];
    for (name, secs) in threads {
        let i = if name.starts_with("minsheng-cpu") {
            1
        } else if name == "minsheng-store" {
            2
        } else if name.starts_with("crawl-") {
            0
        } else {
            3
        };
        groups[i] += secs;
    }
    groups
}

fn report(hosts: usize, what: &str, runs: &[Run], bound: f64) {
    let m = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
    let threads = |i: usize| m(&|r| thread_groups(&r.figures.threads)[i]);
    println!(
        "| {hosts} | {what} | {:.3}× | {:.1}% | {:.0} MB | {:.0} | {:.0} | {:.0} | {:.2} + {:.2} + {:.2} s | {:.2} / {:.2} / {:.2} / {:.2} s | {:.3} s | {:.2} s |",
        m(&|r| r.figures.wall / bound),
        m(&|r| 100.0 * r.figures.cpu / r.figures.wall),
        m(&|r| r.figures.rss_mb),
        m(&|r| r.seen.violations as f64),
        m(&|r| r.figures.fds as f64),
        m(&|r| r.seen.requests as f64),
        m(&|r| r.startup),
        m(&|r| r.seen.span_ms / 1e3),
        m(&|r| r.tail),
        threads(0),
        threads(1),
        threads(2),
        threads(3),
        m(&|r| r.figures.cpu),
        m(&|r| r.server_cpu),
    );
}

fn main() {
    let role = std::env::var(ROLE).unwrap_or_default();
    let dir = std::env::var_os("MINSHENG_BENCH_DIR").map(std::path::PathBuf::from);
    let n: usize = env_or("MINSHENG_BENCH_N", 0);
    let port: u16 = env_or("MINSHENG_BENCH_PORT", 0);
    match role.as_str() {
        "server" => return sites::serve(delay()),
        "crawl" => return crawl_child(&dir.expect("dir"), n),
        "floor" => return floor_child(port, n),
        _ => {}
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut server = Server(
        Command::new(std::env::current_exe().expect("own path"))
            .env(ROLE, "server")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the site server"),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port");
    let port: u16 = line.trim().parse().expect("port number");
    let counts: Vec<usize> = std::env::var("MINSHENG_BENCH_HOSTS")
        .unwrap_or_else(|_| "200".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let rounds: usize = env_or("MINSHENG_BENCH_ROUNDS", 3usize).max(1);
    let bound = delay().as_secs_f64() * (REQUESTS - 1) as f64;
    println!(
        "crawl: hosts {counts:?} x (robots.txt + list + {ARTICLES} articles), delay {} ms, {rounds} rounds",
        delay().as_millis()
    );
    println!("politeness bound (the busiest host's 6 delays): {bound:.3} s");
    let mut table = Vec::new();
    for &hosts in &counts {
        let concurrency = env_or("MINSHENG_BENCH_CONCURRENCY", hosts.min(1024));
        let mut runs: [Vec<Run>; 3] = Default::default();
        for round in 1..=rounds {
            let dir = tempfile::tempdir().expect("temp dir");
            config(dir.path(), port, hosts, concurrency);
            let _ = sites::arrivals(port);
            for (i, which) in ["first", "unchanged", "floor"].into_iter().enumerate() {
                let server0 = server.cpu();
                let spawned = unix_now();
                let figures = child(which, dir.path(), port, hosts);
                let ended = unix_now();
                let server_cpu = server.cpu() - server0;
                let seen = sites::arrivals(port);
                let run = Run {
                    figures,
                    server_cpu,
                    startup: seen.first - spawned,
                    tail: ended - seen.last,
                    seen,
                };
                let f = &run.figures;
                println!(
                    "  {hosts} hosts, round {round}, {}: wall {:.3} s = {:.3}x; CPU {:.3} s = {:.1}%; peak RSS {:.0} MB; fds {}; requests {}, violations {} (min gap {:.1} ms); busiest host {:.3} s, process start to first request {:.3} s, last request to end {:.3} s; server CPU {:.3} s; threads {:?}; floor parts {:?}",
                    which,
                    f.wall,
                    f.wall / bound,
                    f.cpu,
                    100.0 * f.cpu / f.wall,
                    f.rss_mb,
                    f.fds,
                    run.seen.requests,
                    run.seen.violations,
                    run.seen.min_gap_ms,
                    run.seen.span_ms / 1e3,
                    run.startup,
                    run.tail,
                    run.server_cpu,
                    f.threads,
                    f.parts,
                );
                runs[i].push(run);
            }
        }
        table.push((hosts, runs));
    }
    println!("\nmedians of {rounds} rounds (bound {bound:.3} s):");
    println!("| hosts | run | wall / bound | CPU % of wall | peak RSS | violations | most fds | requests | start + busiest host + end | CPU by thread: I/O / parse / store / other | CPU | server CPU |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (hosts, runs) in &table {
        for (i, what) in ["first", "unchanged", "floor"].into_iter().enumerate() {
            report(*hosts, what, &runs[i], bound);
        }
    }
}

/// The site server's process, ended when the bench ends (a failed run's panic included).
struct Server(std::process::Child);

impl Server {
    fn cpu(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0.id()));
        stat.ok()
            .and_then(|s| stat_cpu(&s))
            .map_or(0.0, |(_, cpu)| cpu)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
