//! The crawl benchmark's county sites (benches/crawl.rs): every site by its Host header, each
//! with robots.txt, one list page and 5 articles, on a multi-threaded runtime; and the
//! politeness check, from each request's host and arrival time.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const ARTICLES: usize = 5;

pub fn article(site: &str, k: usize) -> String {
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

pub fn list(site: &str) -> String {
    let items: String = (0..ARTICLES)
        .map(|k| format!("<li><a href=\"/art/2024/8/28/art_1_{k}.html\">民生实事项目进度表{k}</a><span>2024-08-28</span></li>"))
        .collect();
    format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>民生实事 - {site}</title></head><body><ul class=\"list\">{items}</ul></body></html>")
}

/// Arrival of each request, per host, for the politeness check.
#[derive(Default)]
struct Arrivals {
    /// Each host's first and last arrival.
    hosts: HashMap<String, (Instant, Instant)>,
    /// The first and last arrival of all, as Unix times, for the parent to compare.
    first: Option<SystemTime>,
    last: Option<SystemTime>,
    requests: u64,
    violations: u64,
    /// The shortest gap seen between two requests to one host.
    min_gap: Option<Duration>,
}

/// The site server: serves every site by its Host header, prints its port, runs until
/// killed. `GET /__bench/arrivals` answers with an [`Arrived`] since the last such question,
/// and starts counting again.
pub fn serve(delay: Duration) {
    use axum::http::{header, HeaderMap, StatusCode, Uri};
    use axum::response::IntoResponse;
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let arrivals = Arc::new(Mutex::new(Arrivals::default()));
    runtime.block_on(async move {
        // A backlog for every host's first connection at once (tokio's `bind` listens with
        // 1,024: past that, connections wait for a SYN retransmit, a second later).
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(([127, 0, 0, 1], 0).into())
            .expect("bind a loopback port");
        let listener = socket.listen(65_535).expect("listen");
        let port = listener.local_addr().expect("addr").port();
        println!("{port}");
        std::io::stdout().flush().expect("flush");
        let app = axum::Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
            let arrivals = Arc::clone(&arrivals);
            async move {
                let now = Instant::now();
                let site = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .and_then(|h| h.split(':').next())
                    .unwrap_or("")
                    .to_string();
                let path = uri.path();
                if path == "/__bench/arrivals" {
                    let mut a = arrivals.lock().unwrap();
                    let unix = |t: Option<SystemTime>| {
                        t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                            .map_or(-1.0, |d| d.as_secs_f64())
                    };
                    let span = a.hosts.values().map(|(f, l)| *l - *f).max();
                    let answer = format!(
                        "{} {} {:.1} {:.1} {:.6} {:.6}",
                        a.requests,
                        a.violations,
                        a.min_gap.map_or(-1.0, |g| g.as_secs_f64() * 1e3),
                        span.map_or(-1.0, |g| g.as_secs_f64() * 1e3),
                        unix(a.first),
                        unix(a.last),
                    );
                    *a = Arrivals::default();
                    return answer.into_response();
                }
                {
                    let mut a = arrivals.lock().unwrap();
                    a.requests += 1;
                    let wall = SystemTime::now();
                    a.first.get_or_insert(wall);
                    a.last = Some(wall);
                    let times = a.hosts.entry(site.clone()).or_insert((now, now));
                    let last = std::mem::replace(&mut times.1, now);
                    if last != now {
                        let gap = now.saturating_duration_since(last);
                        a.min_gap = Some(a.min_gap.map_or(gap, |m| m.min(gap)));
                        if gap < delay {
                            a.violations += 1;
                        }
                    }
                }
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
            }
        });
        axum::serve(listener, app).await.expect("serve");
    });
}

/// Asks the server what arrived since the last question: (requests, violations, min gap ms).
/// What the server saw of one run.
#[derive(Debug, Default, Clone)]
pub struct Arrived {
    pub requests: u64,
    pub violations: u64,
    pub min_gap_ms: f64,
    /// The busiest host's first to last request.
    pub span_ms: f64,
    /// The first and last request of all, as Unix times in seconds.
    pub first: f64,
    pub last: f64,
}

pub fn arrivals(port: u16) -> Arrived {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .write_all(b"GET /__bench/arrivals HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        .expect("ask");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let mut parts = body.split_whitespace();
    let mut next = || {
        parts
            .next()
            .and_then(|p| p.parse::<f64>().ok())
            .unwrap_or(-1.0)
    };
    Arrived {
        requests: next() as u64,
        violations: next() as u64,
        min_gap_ms: next(),
        span_ms: next(),
        first: next(),
        last: next(),
    }
}
