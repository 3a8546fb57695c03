//! Tiny real HTTP backends for the probe tests: healthy ones and every kind of sick one.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// How a backend answers each connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Behavior {
    /// Answers with the current status (see [`Backend::set_status`]) and a short body.
    Normal,
    /// Reads the request and never answers.
    Silent,
    /// Sends part of the status line and headers, then nothing.
    HangMidHeaders,
    /// Sends a valid response one byte per step.
    Trickle(Duration),
    /// Answers 200 and then body bytes for as long as the client reads.
    EndlessBody,
    /// Answers 302 to the path that was asked for.
    RedirectLoop,
    /// Reads the request and resets the connection.
    Reset,
    /// Answers with bytes that are not HTTP.
    Garbage,
}

#[derive(Debug, Default)]
pub(crate) struct Stats {
    status: AtomicU16,
    requests: Mutex<Vec<String>>,
    /// Connections accepted and not yet closed by either side.
    open: AtomicUsize,
    /// Most connections open at once.
    peak_open: AtomicUsize,
    /// Endless body: bytes written before the client went away.
    body_bytes: AtomicU64,
    /// Endless body: the client closed the connection.
    body_stopped: AtomicBool,
    /// TLS handshakes that failed (the probe refused the certificate, or the reverse).
    tls_failures: AtomicUsize,
}

/// A backend listening on a local port until dropped.
pub(crate) struct Backend {
    pub addr: SocketAddr,
    stats: Arc<Stats>,
    task: JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Backend {
    /// A plain HTTP backend on 127.0.0.1.
    pub(crate) async fn start(behavior: Behavior) -> Backend {
        Backend::start_on("127.0.0.1:0".parse().unwrap(), behavior, None)
            .await
            .expect("bind 127.0.0.1")
    }

    /// A backend on `addr` (port 0 picks one), over TLS when `tls` is given.
    pub(crate) async fn start_on(
        addr: SocketAddr,
        behavior: Behavior,
        tls: Option<TlsAcceptor>,
    ) -> std::io::Result<Backend> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Stats {
            status: AtomicU16::new(200),
            ..Stats::default()
        });
        let task = tokio::spawn(accept_loop(listener, behavior, tls, stats.clone()));
        Ok(Backend { addr, stats, task })
    }

    pub(crate) fn set_status(&self, status: u16) {
        self.stats.status.store(status, Ordering::Relaxed);
    }

    /// The request heads received so far.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.stats.requests.lock().unwrap().clone()
    }

    pub(crate) fn request_count(&self) -> usize {
        self.stats.requests.lock().unwrap().len()
    }

    pub(crate) fn open_connections(&self) -> usize {
        self.stats.open.load(Ordering::Relaxed)
    }

    pub(crate) fn peak_open_connections(&self) -> usize {
        self.stats.peak_open.load(Ordering::Relaxed)
    }

    pub(crate) fn body_stopped(&self) -> bool {
        self.stats.body_stopped.load(Ordering::Relaxed)
    }

    pub(crate) fn body_bytes(&self) -> u64 {
        self.stats.body_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn tls_failures(&self) -> usize {
        self.stats.tls_failures.load(Ordering::Relaxed)
    }
}

async fn accept_loop(
    listener: TcpListener,
    behavior: Behavior,
    tls: Option<TlsAcceptor>,
    stats: Arc<Stats>,
) {
    // Handlers live in this set, so aborting the accept loop closes their connections too.
    let mut handlers = JoinSet::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => continue,
            },
            Some(_) = handlers.join_next(), if !handlers.is_empty() => continue,
        };
        let stats = stats.clone();
        let tls = tls.clone();
        handlers.spawn(async move {
            let open = stats.open.fetch_add(1, Ordering::Relaxed) + 1;
            stats.peak_open.fetch_max(open, Ordering::Relaxed);
            handle(stream, behavior, tls, &stats).await;
            stats.open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

async fn handle(stream: TcpStream, behavior: Behavior, tls: Option<TlsAcceptor>, stats: &Stats) {
    if behavior == Behavior::Reset {
        let mut stream = stream;
        if read_head(&mut stream, stats).await {
            let _ = stream.set_zero_linger();
        }
        return;
    }
    match tls {
        None => serve(stream, behavior, stats).await,
        Some(acceptor) => match acceptor.accept(stream).await {
            Ok(stream) => serve(stream, behavior, stats).await,
            Err(_) => {
                stats.tls_failures.fetch_add(1, Ordering::Relaxed);
            }
        },
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    behavior: Behavior,
    stats: &Stats,
) {
    if !read_head(&mut stream, stats).await {
        return;
    }
    match behavior {
        Behavior::Normal => {
            let status = stats.status.load(Ordering::Relaxed);
            let response = format!(
                "HTTP/1.1 {status} Test\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Behavior::Silent => wait_for_close(&mut stream).await,
        Behavior::HangMidHeaders => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Le").await;
            wait_for_close(&mut stream).await;
        }
        Behavior::Trickle(step) => {
            let response = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
            for byte in response {
                if stream.write_all(&[*byte]).await.is_err() || stream.flush().await.is_err() {
                    return;
                }
                tokio::time::sleep(step).await;
            }
        }
        Behavior::EndlessBody => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
            if stream.write_all(head).await.is_err() {
                return;
            }
            let chunk = [b'x'; 16 * 1024];
            while stream.write_all(&chunk).await.is_ok() {
                stats
                    .body_bytes
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
            stats.body_stopped.store(true, Ordering::Relaxed);
        }
        Behavior::RedirectLoop => {
            let response = b"HTTP/1.1 302 Found\r\nLocation: /healthz\r\nContent-Length: 0\r\n\r\n";
            let _ = stream.write_all(response).await;
            let _ = stream.shutdown().await;
        }
        Behavior::Garbage => {
            let _ = stream
                .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\x13garbage\r\n\r\n")
                .await;
            wait_for_close(&mut stream).await;
        }
        Behavior::Reset => {}
    }
}

/// Reads a request head (up to 16 KiB) and records it; false if the client went away first.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S, stats: &Stats) -> bool {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return false;
        }
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    stats.requests.lock().unwrap().push(text);
    true
}

/// Holds the connection until the client closes it.
async fn wait_for_close<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut buffer = [0u8; 256];
    while let Ok(n) = stream.read(&mut buffer).await {
        if n == 0 {
            break;
        }
    }
}
