//! A TCP backend inside a lab host: accepts and closes connections (what a `tcp` check needs)
//! and remembers who connected when, so tests can count probes per node.

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::netns::Host;

/// The port every backend listens on and every check probes.
pub const PORT: u16 = 8080;

pub struct Backend {
    connections: Arc<Mutex<Vec<(IpAddr, Instant)>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Backend {
    /// Listens on `host`'s address, port [`PORT`].
    pub fn start(host: &Host) -> Backend {
        let address = SocketAddr::from((host.address, PORT));
        let listener = host.enter(|| TcpListener::bind(address).expect("bind backend"));
        listener.set_nonblocking(true).unwrap();
        let connections = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let connections = connections.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, peer)) => {
                            connections
                                .lock()
                                .unwrap()
                                .push((peer.ip(), Instant::now()));
                            drop(stream);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        Backend {
            connections,
            stop,
            thread: Some(thread),
        }
    }

    /// Connections accepted since `since`, by source address.
    pub fn probes_since(&self, since: Instant) -> Vec<IpAddr> {
        self.connections
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, at)| *at >= since)
            .map(|(ip, _)| *ip)
            .collect()
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
