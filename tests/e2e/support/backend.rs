//! Health backends for tests: tiny HTTP servers on loopback addresses whose answer (200 or 503)
//! the test switches, or that stop listening altogether.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// An HTTP health endpoint answering 200 while healthy, 503 otherwise.
pub struct Backend {
    pub address: SocketAddr,
    healthy: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// A port free on 127.0.0.1 (and so, in practice, on the other 127/8 addresses too).
/// A port free on 127.0.0.1 and never handed out before in this test process: tests bind it
/// on other loopback addresses (127.0.0.11, ...), where a port another test holds on the same
/// address would not show as taken on 127.0.0.1.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut given = GIVEN.lock().unwrap();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Backends on each of `ips` (127.0.0.0/8 addresses), all on one port, as a service's
/// targets share their check's port. A port [`free_port`] found free on 127.0.0.1 can still
/// be taken on another address, so the whole set is bound again on a new port until every
/// address takes it.
pub fn backends_on(ips: &[&str]) -> (u16, Vec<Backend>) {
    for _ in 0..20 {
        let port = free_port();
        let listeners: Result<Vec<_>, _> = ips
            .iter()
            .map(|ip| TcpListener::bind((*ip, port)))
            .collect();
        if let Ok(listeners) = listeners {
            return (port, listeners.into_iter().map(Backend::serve).collect());
        }
    }
    panic!("no port free on all of {ips:?}");
}

impl Backend {
    /// Listens on `ip:port` (any 127.0.0.0/8 address works on Linux without setup).
    pub fn start(ip: &str, port: u16) -> Backend {
        let listener =
            TcpListener::bind((ip, port)).unwrap_or_else(|e| panic!("bind {ip}:{port}: {e}"));
        Backend::serve(listener)
    }

    /// Answers health checks on `listener` until dropped.
    fn serve(listener: TcpListener) -> Backend {
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let healthy = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let healthy = healthy.clone();
            let stop = stop.clone();
            std::thread::spawn(move || serve(listener, healthy, stop))
        };
        Backend {
            address,
            healthy,
            stop,
            thread: Some(thread),
        }
    }

    pub fn set_healthy(&self, healthy: bool) {
        self.healthy.store(healthy, Ordering::SeqCst);
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: TcpListener, healthy: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => answer(stream, healthy.load(Ordering::SeqCst)),
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn answer(mut stream: TcpStream, healthy: bool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut request = [0u8; 2048];
    let mut read = 0;
    while read < request.len() {
        match stream.read(&mut request[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                read += n;
                if request[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    let status = if healthy {
        "200 OK"
    } else {
        "503 Service Unavailable"
    };
    let _ = stream.write_all(
        format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").as_bytes(),
    );
}
