//! A crawl of more hosts than its open-file limit allows (issue 16): the binary started with
//! soft = hard = 256 descriptors (so `main` cannot raise it), 300 county sites on one
//! 127.0.0.1 server, delay 1 s. A connection is not kept open across a host's delay
//! (src/fetch/client.rs), so what is open at once is bounded by `concurrency`, not by the
//! number of hosts: the run completes with every article and record saved and written. And
//! a run whose `concurrency` is past the limit fails only the requests that met it: what it
//! fetched is saved and written out.

use super::*;
use crate::support::{Reply, Server};
use std::os::unix::process::CommandExt;

const HOSTS: usize = 300;
const LIMIT: libc::rlim_t = 256;

fn host(i: usize) -> String {
    format!("site{i:03}.county.example")
}

/// One progress report of three projects, its text naming its site.
fn article(site: &str) -> String {
    let rows: String = (1..=3)
        .map(|r| {
            format!(
                "<tr><td>{r}</td><td>{site} 项目{r}：为全县老年人免费接种流感疫苗</td><td>{}%</td><td>县卫健局</td></tr>",
                r * 30
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>民生实事项目进度表 - {site}</title></head>\
         <body><h1>民生实事项目进度表</h1><div class=\"info\">发布日期:2024-08-28 来源:{site}</div><table>\
         <tr><td>序号</td><td>民生实事名称</td><td>完成率(%)</td><td>牵头单位</td></tr>{rows}</table></body></html>"
    )
}

fn list(i: usize) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>民生实事</title></head><body>\
         <ul class=\"list\"><li><a href=\"/art/2024/8/28/art_{i}.html\">民生实事项目进度表</a><span>2024-08-28</span></li></ul></body></html>"
    )
}

/// The sites (each its own list and article path on the one server) and a config for them.
/// With `robots_wait`, each robots.txt answers after that long, so that the first requests
/// of every host are open at once.
fn sites_and_config(dir: &Path, concurrency: usize, robots_wait: Duration) -> (Server, PathBuf) {
    let server = Server::start();
    let port = server.port();
    let html = "text/html; charset=utf-8";
    let robots = Reply::robots("User-agent: *\nAllow: /\n");
    server.route("/robots.txt", Reply::stall(robots_wait, robots));
    let mut resolve = String::new();
    let mut sources = String::new();
    for i in 0..HOSTS {
        let h = host(i);
        server.route(&format!("/col/{i}.html"), Reply::html(list(i), html));
        server.route(
            &format!("/art/2024/8/28/art_{i}.html"),
            Reply::html(article(&h), html),
        );
        resolve.push_str(&format!("\"{h}\" = \"127.0.0.1\"\n"));
        sources.push_str(&format!(
            "\n[[source]]\nname = \"{h}\"\npublisher = \"{h}\"\nstart = [\"http://{h}:{port}/col/{i}.html\"]\nfollow = '/art/2024/'\nmax_list_pages = 1\n"
        ));
    }
    let config = dir.join("sources.toml");
    fs::write(
        &config,
        format!(
            "[defaults]\ndelay_ms = 1000\nconcurrency = {concurrency}\nmax_attempts = 1\ntimeout_secs = 30\n\n\
             [defaults.resolve]\n{resolve}{sources}"
        ),
    )
    .unwrap();
    (server, config)
}

/// A crawl of the sites with `concurrency`, as a process limited to [`LIMIT`] descriptors:
/// its output and its directories.
fn crawl_limited(concurrency: usize, robots_wait: Duration) -> (Output, Dirs, Server) {
    let tmp = tempfile::tempdir().unwrap();
    let (server, config) = sites_and_config(tmp.path(), concurrency, robots_wait);
    let d = Dirs {
        config,
        db: tmp.path().join("minsheng.db"),
        out: tmp.path().join("out"),
        _tmp: tmp,
    };
    let mut cmd = crawl_command(&d, &[]);
    // SAFETY: setrlimit is async-signal-safe and touches only the child's own limits.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: LIMIT,
                rlim_max: LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    (cmd.output().unwrap(), d, server)
}

#[test]
fn a_crawl_of_more_hosts_than_its_open_file_limit_completes_and_saves_everything() {
    let (out, d, server) = crawl_limited(32, Duration::ZERO);
    assert_eq!(
        summary_line(&out),
        "minsheng crawl: list pages 300 (0 failed), articles found 300, fetched 300 (new 300, changed 0, no table 0), \
         unchanged 0, failed 0, suspect 0; records new 900, changed 0, removed 0",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(records(&d).len(), 900);
    assert_eq!(server.requests().len(), 3 * HOSTS);
}

#[test]
fn a_crawl_that_runs_out_of_descriptors_fails_those_requests_and_writes_what_it_fetched() {
    // 300 first requests open at once, past 256 descriptors: some cannot open a socket.
    let (out, d, _server) = crawl_limited(512, Duration::from_millis(500));
    let line = summary_line(&out);
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let (listed, failed) = (numbers[0], numbers[1]);
    assert!(failed > 0 && listed > 0, "{line}");
    assert_eq!(listed + failed, HOSTS, "{line}");
    assert_eq!(
        line,
        format!(
            "minsheng crawl: list pages {listed} ({failed} failed), articles found {listed}, fetched {listed} \
             (new {listed}, changed 0, no table 0), unchanged 0, failed 0, suspect 0; records new {}, changed 0, removed 0",
            3 * listed
        )
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Too many open files"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(records(&d).len(), 3 * listed);
}
