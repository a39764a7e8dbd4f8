//! The simulated county sites: every file under `tests/sites/HOST/` served on one
//! 127.0.0.1 server (tests/it/support's [`Running`], with this handler) as a CMS front end serves it (ETag / Last-Modified and 304, the Hanweb
//! data proxy's POST form), a site taken down (500 for everything) or a page changed on
//! demand, and every request recorded as a [`Hit`].

use super::*;
use crate::support::Running;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode};
use axum::Router;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub(super) struct Page {
    pub(super) body: Vec<u8>,
    pub(super) content_type: &'static str,
    pub(super) last_modified: String,
}

impl Page {
    pub(super) fn etag(&self) -> String {
        format!("\"{}\"", &hex::encode(Sha256::digest(&self.body))[..16])
    }
}

/// One request as a site saw it.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    pub(super) method: String,
    /// A POST's form body.
    pub(super) form: Option<String>,
    pub(super) host: String,
    /// Path and query.
    pub(super) target: String,
    pub(super) if_none_match: Option<String>,
    pub(super) if_modified_since: Option<String>,
    pub(super) status: u16,
}

#[derive(Debug, Default)]
pub(super) struct SitesState {
    pub(super) pages: Mutex<HashMap<(String, String), Page>>,
    pub(super) down: Mutex<HashSet<String>>,
    pub(super) hits: Mutex<Vec<Hit>>,
}

/// The sites on one server (the support module's [`Running`]); stops when dropped.
pub(super) struct Sites {
    server: Running,
    pub(super) state: Arc<SitesState>,
}

fn sites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sites")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

impl Sites {
    /// Serves every file under `tests/sites/HOST/`; a file named `index.html@QUERY` answers
    /// `index.html?QUERY`.
    pub(super) fn start() -> Sites {
        let state = Arc::new(SitesState::default());
        let mut files = Vec::new();
        walk(&sites_dir(), &mut files);
        for file in files {
            let rel = file
                .strip_prefix(sites_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let (host, path) = rel.split_once('/').unwrap();
            let target = format!("/{}", path.replacen('@', "?", 1));
            let content_type = if host == JINGNING {
                "text/html"
            } else if target.contains(".json") {
                "application/json; charset=utf-8"
            } else if target.contains("dataproxy.jsp") {
                "text/xml; charset=utf-8"
            } else {
                "text/html; charset=utf-8"
            };
            state.pages.lock().unwrap().insert(
                (host.to_string(), target),
                Page {
                    body: fs::read(&file).unwrap(),
                    content_type,
                    last_modified: "Mon, 02 Sep 2024 08:00:00 GMT".into(),
                },
            );
        }
        let app = Router::new().fallback(serve).with_state(state.clone());
        let server = Running::start(Ipv4Addr::LOCALHOST.into(), app);
        Sites { server, state }
    }

    pub(super) fn port(&self) -> u16 {
        self.server.addr().port()
    }

    pub(super) fn url(&self, host: &str, target: &str) -> String {
        format!("http://{host}:{}{target}", self.port())
    }

    pub(super) fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    /// Requests for pages (robots.txt is asked once per host and run, never conditionally).
    pub(super) fn page_hits_since(&self, from: usize) -> Vec<Hit> {
        self.hits()[from..]
            .iter()
            .filter(|h| h.target != "/robots.txt")
            .cloned()
            .collect()
    }

    pub(super) fn take_down(&self, host: &str) {
        self.state.down.lock().unwrap().insert(host.to_string());
    }

    /// Replaces a page's body; a new Last-Modified comes with it.
    pub(super) fn change(&self, host: &str, target: &str, edit: impl FnOnce(&str) -> String) {
        let mut pages = self.state.pages.lock().unwrap();
        let page = pages
            .get_mut(&(host.to_string(), target.to_string()))
            .unwrap();
        let text = String::from_utf8(page.body.clone()).unwrap();
        page.body = edit(&text).into_bytes();
        page.last_modified = "Tue, 03 Dec 2024 08:00:00 GMT".into();
    }
}

/// Hosts whose articles are not files: any `.html` page asked for there is a plain article
/// without a progress table, so that the list tests need no article fixtures.
const GENERATED_ARTICLES: [&str; 5] = [LISHUI, YUNHE, LONGQUAN, PINGYANG, TAISHUN];

type Form = Vec<(String, String)>;

/// A Hanweb data-proxy answer (`dataproxy.jsp@…`) starts with `<!-- form: k=v&… -->`: the
/// fields a POST must carry (the column's), as the real proxy answers only for its column.
fn proxy_form(body: &[u8]) -> Option<(Form, Vec<u8>)> {
    let text = std::str::from_utf8(body).ok()?;
    let rest = text.strip_prefix("<!-- form: ")?;
    let (fields, rest) = rest.split_once(" -->\n")?;
    let fields = url::form_urlencoded::parse(fields.as_bytes())
        .into_owned()
        .collect();
    Some((fields, rest.as_bytes().to_vec()))
}

async fn serve(State(state): State<Arc<SitesState>>, request: Request) -> Response<Body> {
    let method = request.method().as_str().to_string();
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let host = header("host").unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .map_or(host.clone(), |(name, _)| name.to_string());
    let target = parts
        .uri
        .path_and_query()
        .map_or("/".to_string(), |pq| pq.as_str().to_string());
    let if_none_match = header("if-none-match");
    let if_modified_since = header("if-modified-since");
    let content_type = header("content-type").unwrap_or_default();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let form = (method == "POST").then(|| String::from_utf8_lossy(&body).into_owned());
    let mut page = state
        .pages
        .lock()
        .unwrap()
        .get(&(host.clone(), target.clone()))
        .cloned();
    if page.is_none()
        && method == "GET"
        && GENERATED_ARTICLES.contains(&host.as_str())
        && target.ends_with(".html")
    {
        page = Some(Page {
            body: format!(
                "<html><head><title>{target}</title></head><body><h1>{target}</h1><p>正文</p></body></html>"
            )
            .into_bytes(),
            content_type: "text/html; charset=utf-8",
            last_modified: "Mon, 02 Sep 2024 08:00:00 GMT".into(),
        });
    }
    // A data-proxy answer: only to a POST carrying the column's form fields.
    let proxied = page.as_ref().and_then(|p| proxy_form(&p.body));
    let mut refused = None;
    if let Some((fields, answer)) = proxied {
        let posted: Vec<(String, String)> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        if method != "POST" {
            refused = Some(405);
        } else if !content_type.starts_with("application/x-www-form-urlencoded")
            || !fields.iter().all(|f| posted.contains(f))
        {
            refused = Some(400);
        } else if let Some(p) = page.as_mut() {
            p.body = answer;
        }
    } else if method != "GET" && method != "HEAD" {
        refused = Some(405);
    }
    let response = if state.down.lock().unwrap().contains(&host) {
        Response::builder()
            .status(500)
            .body(Body::from("Internal Server Error"))
    } else if let Some(status) = refused {
        Response::builder()
            .status(status)
            .body(Body::from("refused"))
    } else if let Some(page) = page {
        let etag = page.etag();
        // RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since.
        let fresh = match (&if_none_match, &if_modified_since) {
            (Some(inm), _) => inm == &etag,
            (None, Some(ims)) => ims == &page.last_modified,
            (None, None) => false,
        };
        let builder = Response::builder()
            .header("etag", &etag)
            .header("last-modified", &page.last_modified);
        if fresh {
            builder.status(304).body(Body::empty())
        } else {
            builder
                .status(200)
                .header("content-type", page.content_type)
                .body(Body::from(page.body))
        }
    } else {
        Response::builder()
            .status(404)
            .body(Body::from("Not Found"))
    };
    let response = response.unwrap_or_else(|_| {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    });
    state.hits.lock().unwrap().push(Hit {
        method,
        form,
        host,
        target,
        if_none_match,
        if_modified_since,
        status: response.status().as_u16(),
    });
    response
}
