//! A real HTTP server inside the test process, for the fetch and crawl tests.
//!
//! It listens on a loopback address with port 0 (the OS picks), runs on its own thread with
//! its own tokio runtime (so sync tests that start their own runtime, and the built binary,
//! can use it alike), never looks a name up and never reverse-resolves. Routes are set per
//! test and may change while it runs; every request is recorded with its path, arrival and
//! finish times, headers and Host header. Unknown paths answer 404. [`ConnectTally`] counts
//! bare TCP connections, for the tests that show an address was never even connected to.
//!
//! ```ignore
//! let server = Server::start();
//! server.route("/a.html", Reply::html(bytes, "text/html; charset=utf-8"));
//! server.route("/flaky", Reply::sequence([Reply::status(503), Reply::status(503), Reply::html(bytes, "text/html")]));
//! fetch(server.url("/a.html"));
//! assert_eq!(server.count("/flaky"), 3);
//! ```

#![allow(dead_code)] // each test file uses a different part of it

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Response, StatusCode};
use axum::Router;
use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a route answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status, headers and body, as given.
    Fixed {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Each request gets the next reply; the last one repeats.
    Sequence(Vec<Reply>),
    /// Waits (a stalled or slow server), then answers.
    Stall { wait: Duration, then: Box<Reply> },
    /// 200 with the headers sent at once and then `body` one byte every `every`: a tarpit,
    /// which never lets a read time out on its own.
    Dribble { body: Vec<u8>, every: Duration },
}

impl Reply {
    /// 200 with `body` and this Content-Type.
    pub fn html(body: impl Into<Vec<u8>>, content_type: &str) -> Reply {
        Reply::Fixed {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// 200 with a body gzip-compressed on the wire (`Content-Encoding: gzip`).
    pub fn gzip(body: &[u8], content_type: &str) -> Reply {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(body).expect("gzip into memory");
        let compressed = encoder.finish().expect("gzip into memory");
        Reply::html(compressed, content_type).header("content-encoding", "gzip")
    }

    /// A status with an empty body.
    pub fn status(status: u16) -> Reply {
        Reply::Fixed {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// 302 to `location`.
    pub fn redirect(location: &str) -> Reply {
        Reply::status(302).header("location", location)
    }

    /// robots.txt text.
    pub fn robots(text: &str) -> Reply {
        Reply::html(text, "text/plain")
    }

    /// Answers `then` after `wait`.
    pub fn stall(wait: Duration, then: Reply) -> Reply {
        Reply::Stall {
            wait,
            then: Box::new(then),
        }
    }

    /// A tarpit: `body` one byte every `every` (see [`Reply::Dribble`]).
    pub fn dribble(body: impl Into<Vec<u8>>, every: Duration) -> Reply {
        Reply::Dribble {
            body: body.into(),
            every,
        }
    }

    pub fn sequence(replies: impl IntoIterator<Item = Reply>) -> Reply {
        Reply::Sequence(replies.into_iter().collect())
    }

    /// Adds a header (to a `Fixed` reply; to the final reply of the others).
    pub fn header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Fixed {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.into(), value.into()));
                Reply::Fixed {
                    status,
                    headers,
                    body,
                }
            }
            Reply::Stall { wait, then } => Reply::Stall {
                wait,
                then: Box::new(then.header(name, value)),
            },
            Reply::Sequence(mut replies) => {
                if let Some(last) = replies.pop() {
                    replies.push(last.header(name, value));
                }
                Reply::Sequence(replies)
            }
            dribble @ Reply::Dribble { .. } => dribble,
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// The request body (a form POST's fields).
    pub body: Vec<u8>,
    /// When the handler got it.
    pub at: Instant,
    /// When the reply was handed back (after any stall).
    pub done: Option<Instant>,
    /// The Host header (`a.test:PORT` for a name mapped with reqwest's resolve override).
    pub host: Option<String>,
    pub headers: HeaderMap,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The Host header without the port.
    pub fn host_name(&self) -> Option<&str> {
        let host = self.host.as_deref()?;
        Some(host.rsplit_once(':').map_or(host, |(name, _)| name))
    }
}

#[derive(Debug)]
struct Route {
    reply: Reply,
    hits: usize,
}

#[derive(Debug, Default)]
struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    seen: Mutex<Vec<Seen>>,
}

/// An axum app served on a loopback address (port 0: the OS picks) from its own thread and
/// tokio runtime; stops when dropped. [`Server`] is one; so are the simulated county sites
/// of the crawl tests (`crawl/sites.rs`), which bring their own handler.
pub struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    pub fn start(ip: IpAddr, app: Router) -> Running {
        let listener = TcpListener::bind(SocketAddr::new(ip, 0)).expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test server runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here cancels stalled handlers and open connections.
        });
        Running {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The running server; stops when dropped.
pub struct Server {
    running: Running,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Server {
    /// A server on 127.0.0.1.
    pub fn start() -> Server {
        Server::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// A server on another loopback address (127.0.0.2 is loopback on Linux too).
    pub fn start_on(ip: IpAddr) -> Server {
        let shared = Arc::new(Shared::default());
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let running = Running::start(ip, app);
        Server {
            addr: running.addr(),
            running,
            shared,
        }
    }

    /// Sets (or replaces) what `path` answers.
    pub fn route(&self, path: &str, reply: Reply) -> &Server {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), Route { reply, hits: 0 });
        self
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://IP:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `http://NAME:PORT/path`, for a name mapped to this server with `FetchConfig::resolve`.
    pub fn url_as(&self, name: &str, path: &str) -> String {
        format!("http://{}:{}{}", name, self.addr.port(), path)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The requests for `path`, in arrival order.
    pub fn requests_to(&self, path: &str) -> Vec<Seen> {
        self.requests()
            .into_iter()
            .filter(|s| s.path == path)
            .collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests_to(path).len()
    }
}

/// A listener that only counts the TCP connections made to it (and closes them): where a
/// test must show that no connection was even attempted, which a server's request log
/// cannot (a refused request after connecting would leave no request behind).
pub struct ConnectTally {
    addr: SocketAddr,
    count: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ConnectTally {
    /// Listens on `ip`, port 0.
    pub fn start_on(ip: IpAddr) -> ConnectTally {
        let listener = TcpListener::bind(SocketAddr::new(ip, 0)).expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let count = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (count, stop) = (count.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            count.fetch_add(1, Ordering::SeqCst);
                            drop(stream);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        ConnectTally {
            addr,
            count,
            stop,
            thread: Some(thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://IP:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Connections accepted so far (after a short wait, so that one made just now is in).
    pub fn connections(&self) -> usize {
        std::thread::sleep(Duration::from_millis(50));
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for ConnectTally {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A URL on 127.0.0.1 where nothing listens (the port was bound, then released).
pub fn closed_port_url(path: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}{path}")
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response<Body> {
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let method = request.method().to_string();
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let index = {
        let mut seen = shared.seen.lock().unwrap();
        seen.push(Seen {
            method,
            path: path.clone(),
            query,
            body,
            at: Instant::now(),
            done: None,
            host: headers
                .get("host")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            headers,
        });
        seen.len() - 1
    };
    let reply = {
        let mut routes = shared.routes.lock().unwrap();
        match routes.get_mut(&path) {
            Some(route) => {
                route.hits += 1;
                pick(&route.reply, route.hits - 1)
            }
            None => Reply::status(404),
        }
    };
    let response = answer(reply).await;
    if let Some(seen) = shared.seen.lock().unwrap().get_mut(index) {
        seen.done = Some(Instant::now());
    }
    response
}

/// The reply for the `hit`-th request (0-based) of a route.
fn pick(reply: &Reply, hit: usize) -> Reply {
    match reply {
        Reply::Sequence(replies) => match replies.get(hit).or(replies.last()) {
            Some(r) => pick(r, 0),
            None => Reply::status(500),
        },
        other => other.clone(),
    }
}

async fn answer(reply: Reply) -> Response<Body> {
    let mut reply = reply;
    loop {
        match reply {
            Reply::Stall { wait, then } => {
                tokio::time::sleep(wait).await;
                reply = *then;
            }
            Reply::Sequence(mut replies) => {
                reply = replies.pop().unwrap_or(Reply::status(500));
            }
            Reply::Dribble { body, every } => {
                let bytes =
                    futures_util::stream::unfold(body.into_iter(), move |mut rest| async move {
                        let byte = rest.next()?;
                        tokio::time::sleep(every).await;
                        Some((Ok::<_, std::io::Error>(vec![byte]), rest))
                    });
                let mut response = Response::new(Body::from_stream(bytes));
                response.headers_mut().insert(
                    "content-type",
                    axum::http::HeaderValue::from_static("text/html"),
                );
                return response;
            }
            Reply::Fixed {
                status,
                headers,
                body,
            } => {
                let mut response = Response::new(Body::from(body));
                *response.status_mut() =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                for (name, value) in headers {
                    if let (Ok(name), Ok(value)) = (
                        axum::http::HeaderName::from_bytes(name.as_bytes()),
                        axum::http::HeaderValue::from_str(&value),
                    ) {
                        response.headers_mut().append(name, value);
                    }
                }
                return response;
            }
        }
    }
}
