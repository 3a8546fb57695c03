//! The listen addresses being served, each with its UDP worker threads and its TCP accept
//! task, and the live changes a reload makes to them: new addresses are bound before the new
//! configuration is applied (so a reload that cannot bind is rejected whole), addresses that
//! stay keep their sockets, and removed ones stop accepting and finish what is in flight.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::watch;

use super::{Bound, Shared, bind, hickory, tcp, udp};
use crate::config::Engine;

/// How long TCP connections get to finish after their listener stops.
pub const TCP_GRACE: Duration = Duration::from_secs(3);

/// One served listen address.
struct Listener {
    /// As written in `server.listen` (port 0 stays 0 here).
    configured: SocketAddr,
    /// What the sockets are bound to.
    bound: SocketAddr,
    stop_udp: Arc<AtomicBool>,
    udp_threads: Vec<JoinHandle<()>>,
    stop_tcp: watch::Sender<bool>,
    tcp_task: tokio::task::JoinHandle<()>,
}

impl Listener {
    fn stop(&self) {
        self.stop_udp.store(true, Ordering::Relaxed);
        let _ = self.stop_tcp.send(true);
    }
}

/// Sockets bound for addresses a reload adds, not serving yet.
pub struct Fresh {
    bound: Vec<(SocketAddr, Bound)>,
}

/// A listen address that could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot bind {address}: {source}")]
pub struct BindError {
    pub address: SocketAddr,
    #[source]
    pub source: io::Error,
}

/// Every served address.
pub struct Listeners {
    runtime: Handle,
    shared: Arc<Shared>,
    /// UDP sockets (and threads) per address, fixed at start.
    workers: usize,
    engine: Engine,
    active: Vec<Listener>,
    /// Listeners a reload removed, still finishing; joined at shutdown.
    retired: Vec<Listener>,
}

impl Listeners {
    pub fn new(runtime: Handle, shared: Arc<Shared>, workers: usize, engine: Engine) -> Listeners {
        // hickory-server reads one UDP socket per address itself.
        let workers = if engine == Engine::Hickory {
            1
        } else {
            workers.max(1)
        };
        Listeners {
            runtime,
            shared,
            workers,
            engine,
            active: Vec::new(),
            retired: Vec::new(),
        }
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Binds every address of `wanted` not served yet. Nothing changes for what is served.
    pub fn prepare(&self, wanted: &[SocketAddr]) -> Result<Fresh, BindError> {
        let mut bound = Vec::new();
        for &address in wanted {
            let served = self.active.iter().any(|l| l.configured == address);
            if served || bound.iter().any(|(a, _)| *a == address) {
                continue;
            }
            let sockets =
                bind(address, self.workers).map_err(|source| BindError { address, source })?;
            bound.push((address, sockets));
        }
        Ok(Fresh { bound })
    }

    /// Serves exactly `wanted`: starts the addresses bound by [`Listeners::prepare`] and stops
    /// those no longer wanted. Returns the (bound) addresses opened and closed.
    pub fn commit(
        &mut self,
        wanted: &[SocketAddr],
        fresh: Fresh,
    ) -> io::Result<(Vec<SocketAddr>, Vec<SocketAddr>)> {
        let mut opened = Vec::new();
        for (configured, sockets) in fresh.bound {
            opened.push(sockets.address);
            let listener = self.start(configured, sockets)?;
            self.active.push(listener);
        }
        // Listeners retired by earlier reloads that have finished are forgotten.
        self.retired.retain(|l| {
            !(l.tcp_task.is_finished() && l.udp_threads.iter().all(JoinHandle::is_finished))
        });
        let mut closed = Vec::new();
        let mut kept = Vec::new();
        for listener in self.active.drain(..) {
            if wanted.contains(&listener.configured) {
                kept.push(listener);
            } else {
                listener.stop();
                closed.push(listener.bound);
                self.retired.push(listener);
            }
        }
        // Keep the configured order (the first address is the one announced first).
        kept.sort_by_key(|l| wanted.iter().position(|w| *w == l.configured));
        self.active = kept;
        Ok((opened, closed))
    }

    fn start(&self, configured: SocketAddr, sockets: Bound) -> io::Result<Listener> {
        if self.engine == Engine::Hickory {
            return self.start_hickory(configured, sockets);
        }
        let stop_udp = Arc::new(AtomicBool::new(false));
        let mut udp_threads = Vec::with_capacity(sockets.udp.len());
        for (i, socket) in sockets.udp.into_iter().enumerate() {
            let shared = self.shared.clone();
            let stop = stop_udp.clone();
            let thread = std::thread::Builder::new()
                .name(format!("switchyard-udp-{i}"))
                .spawn(move || udp::run_worker(socket, shared, stop));
            match thread {
                Ok(thread) => udp_threads.push(thread),
                Err(e) => {
                    stop_udp.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        let listener = {
            let _guard = self.runtime.enter();
            tokio::net::TcpListener::from_std(sockets.tcp)
        };
        let listener = match listener {
            Ok(listener) => listener,
            Err(e) => {
                stop_udp.store(true, Ordering::Relaxed);
                return Err(e);
            }
        };
        let (stop_tcp, stop_rx) = watch::channel(false);
        let tcp_task = self.runtime.spawn(tcp::serve(
            listener,
            self.shared.clone(),
            stop_rx,
            TCP_GRACE,
        ));
        Ok(Listener {
            configured,
            bound: sockets.address,
            stop_udp,
            udp_threads,
            stop_tcp,
            tcp_task,
        })
    }

    /// Serves an address with hickory-server: one task for its UDP socket and TCP listener.
    fn start_hickory(&self, configured: SocketAddr, sockets: Bound) -> io::Result<Listener> {
        let address = sockets.address;
        let udp = sockets
            .udp
            .into_iter()
            .next()
            .ok_or_else(|| io::Error::other("no UDP socket bound"))?;
        let (stop_tcp, stop_rx) = watch::channel(false);
        let idle_timeout = self.shared.tcp.limits().idle_timeout;
        let shared = self.shared.clone();
        let tcp_task = {
            let _guard = self.runtime.enter();
            let serving = hickory::serve(udp, sockets.tcp, shared, idle_timeout, stop_rx);
            self.runtime.spawn(async move {
                if let Err(error) = serving.await {
                    tracing::error!(%error, %address, "hickory-server engine stopped");
                }
            })
        };
        Ok(Listener {
            configured,
            bound: address,
            stop_udp: Arc::new(AtomicBool::new(false)),
            udp_threads: Vec::new(),
            stop_tcp,
            tcp_task,
        })
    }

    /// The bound addresses, in configured order.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.active.iter().map(|l| l.bound).collect()
    }

    /// Stops accepting everywhere and waits for in-flight work: TCP connections get
    /// [`TCP_GRACE`] to finish the queries they received, UDP workers answer what is queued.
    pub fn shutdown(self) {
        let all: Vec<Listener> = self.active.into_iter().chain(self.retired).collect();
        for listener in &all {
            listener.stop();
        }
        let mut threads = Vec::new();
        let mut tasks = Vec::new();
        for listener in all {
            threads.extend(listener.udp_threads);
            tasks.push(listener.tcp_task);
        }
        self.runtime.block_on(async {
            for task in tasks {
                let _ = task.await;
            }
        });
        for thread in threads {
            let _ = thread.join();
        }
    }
}
