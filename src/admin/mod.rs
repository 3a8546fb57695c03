//! The admin HTTP server on `[admin] listen` (hyper, HTTP/1.1):
//!
//! | request | what it does |
//! |---|---|
//! | `GET /` | the operator console (one page, its scripts and map under `/console/`) |
//! | `GET /healthz` | 200 once sockets are bound and the first snapshot is live; 503 otherwise |
//! | `GET /status` | JSON: generation, zones, datacenters, targets, overrides, last reload |
//! | `GET /metrics` | Prometheus text format 0.0.4 |
//! | `GET /events?after=N` | JSON: the latest health changes, drains, forced states, reloads |
//! | `GET /explain?name=&type=&client=` | JSON: the decision trace against the live state |
//! | `GET /map?service=&type=&country=` | JSON: the datacenter each country's clients get now |
//! | `POST /reload` | reloads; JSON with the outcome or every error |
//! | `POST /datacenters/{name}/drain`, `/undrain` | drains or undrains a datacenter |
//! | `POST /targets/{address}/force` | body or `?state=`: `up`, `down` or `auto` |
//!
//! GET requests never change anything. Mutating requests (POST) need `Authorization: Bearer
//! <token>` when `[admin] token_file` is set; without a token file they are accepted from
//! loopback peers only; either way not from a browser acting for another site
//! ([`guard`]). Every response carries `X-Content-Type-Options: nosniff`.

mod console;
mod dnssec;
mod exposition;
mod fleet;
mod guard;
mod handlers;
mod views;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;

use crate::daemon::Daemon;
use crate::daemon::reload::AdminListener;

/// Admin connections served at once; more are closed at accept.
const MAX_CONNECTIONS: usize = 64;
/// Time allowed for a request's headers to arrive.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// A response body.
pub type Body = Full<Bytes>;

/// The running admin server; dropping it stops accepting (requests in progress finish).
pub struct AdminServer {
    configured: SocketAddr,
    address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl AdminServer {
    /// Serves the admin API on `listener` for `daemon`.
    pub fn start(daemon: &Daemon, listener: AdminListener) -> std::io::Result<AdminServer> {
        let daemon = daemon
            .handle()
            .ok_or_else(|| std::io::Error::other("daemon is stopping"))?;
        let configured = listener.configured;
        let address = listener.listener.local_addr()?;
        let runtime = daemon.runtime().clone();
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener.listener)?
        };
        let task = runtime.spawn(accept_loop(listener, daemon));
        Ok(AdminServer {
            configured,
            address,
            task,
        })
    }

    /// The bound address (the port the kernel chose when configured with port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The address as written in `[admin] listen`.
    pub fn configured(&self) -> SocketAddr {
        self.configured
    }
}

impl Drop for AdminServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, daemon: Arc<Daemon>) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                tracing::debug!(error = %e, "admin accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let daemon = daemon.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = service_fn(move |request| {
                let daemon = daemon.clone();
                async move { Ok::<_, Infallible>(route(&daemon, peer, request).await) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, peer = %peer, "admin connection ended");
            }
        });
    }
}

/// Dispatches one request.
async fn route(
    daemon: &Arc<Daemon>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Response<Body> {
    let mut response = dispatch(daemon, peer, request).await;
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn dispatch(
    daemon: &Arc<Daemon>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Response<Body> {
    let path = request.uri().path().to_string();
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method().clone();
    let read_only = match segments.as_slice() {
        [""] | ["console", _] => true,
        ["healthz"] | ["status"] | ["metrics"] | ["events"] | ["explain"] | ["map"] => true,
        ["reload"] | ["datacenters", _, "drain" | "undrain"] | ["targets", _, "force"] => false,
        _ => return text(StatusCode::NOT_FOUND, "not found\n"),
    };
    let allowed = if read_only { Method::GET } else { Method::POST };
    if method != allowed && !(read_only && method == Method::HEAD) {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        response.headers_mut().insert(
            header::ALLOW,
            HeaderValue::from_static(if read_only { "GET, HEAD" } else { "POST" }),
        );
        return response;
    }
    if !read_only
        && let Some(refused) =
            guard::refuse(daemon.admin_token().as_deref(), peer, request.headers())
    {
        return refused;
    }
    let query = Query(request.uri().query().unwrap_or("").to_string());
    match segments.as_slice() {
        [""] => console::page(),
        ["console", file] => console::asset(file),
        ["healthz"] => handlers::healthz(daemon),
        ["status"] => handlers::status(daemon),
        ["metrics"] => exposition::metrics(daemon),
        ["events"] => views::events(daemon, &query),
        ["explain"] => views::explain(daemon, &query),
        ["map"] => views::map(daemon, &query),
        ["reload"] => handlers::reload(daemon).await,
        ["datacenters", name, action] => {
            handlers::drain(daemon, name.to_string(), *action == "drain").await
        }
        ["targets", address, "force"] => {
            let address = address.to_string();
            handlers::force(daemon, address, request).await
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// A request's query string (`a=1&b=x%20y`).
pub struct Query(String);

impl Query {
    /// The first value of `key`, decoded (`%XX` and `+` for a space).
    pub fn get(&self, key: &str) -> Option<String> {
        self.0.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name) == key).then(|| percent_decode(&value.replace('+', " ")))
        })
    }
}

/// Decodes `%XX` escapes in a path segment (invalid escapes stay as they are).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A plain-text response.
pub fn text(status: StatusCode, body: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A JSON response.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut body = serde_json::to_vec_pretty(value).unwrap_or_default();
    body.push(b'\n');
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(percent_decode("2001%3Adb8%3a%3A10"), "2001:db8::10");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        let query = Query("name=www.example.com&client=192.0.2.1%2F24&x&q=a+b".into());
        assert_eq!(query.get("client").as_deref(), Some("192.0.2.1/24"));
        assert_eq!(query.get("name").as_deref(), Some("www.example.com"));
        assert_eq!(query.get("x").as_deref(), Some(""));
        assert_eq!(query.get("q").as_deref(), Some("a b"));
        assert_eq!(query.get("missing"), None);
    }
}
