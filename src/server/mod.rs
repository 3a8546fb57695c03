//! Sockets: binds UDP (one `SO_REUSEPORT` socket per worker thread) and TCP on every listen
//! address, opens and closes listen addresses on reload ([`listeners`]), and stops cleanly. No
//! DNS policy lives here: [`Shared::answer`] hands each query to `answer::respond` and counts
//! the result.

pub mod hickory;
pub mod listeners;
pub mod tcp;
pub mod udp;

use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arc_swap::{ArcSwap, ArcSwapOption};
use socket2::{Domain, Protocol, Socket, Type};

use crate::answer::{Request, Summary, respond};
use crate::metrics::{Metrics, QueryKey, SteeringKey};
use crate::querylog::QueryLog;
use crate::rrl::Rrl;
use crate::snapshot::Snapshot;

/// State shared by every transport.
pub struct Shared {
    /// What queries are answered from; replaced whole on reload.
    pub snapshot: ArcSwap<Snapshot>,
    /// Set once at shutdown.
    pub stopping: AtomicBool,
    pub metrics: Metrics,
    /// TCP limits (replaced on reload) and connection counts.
    pub tcp: tcp::TcpShared,
    /// The query log, when `[log] queries` is set; `query_log_on` mirrors whether it is.
    query_log: ArcSwapOption<QueryLog>,
    query_log_on: AtomicBool,
    /// Response rate limiting for UDP (off unless `[rrl] enabled`).
    pub rrl: Rrl,
    /// Zone transfers, NOTIFY and TSIG: requests the query path leaves to them.
    pub transfers: crate::transfer::Transfers,
}

impl Shared {
    pub fn new(snapshot: Arc<Snapshot>, metrics: Metrics, tcp_limits: tcp::TcpLimits) -> Shared {
        Shared {
            snapshot: ArcSwap::new(snapshot),
            stopping: AtomicBool::new(false),
            metrics,
            tcp: tcp::TcpShared::new(tcp_limits),
            query_log: ArcSwapOption::empty(),
            query_log_on: AtomicBool::new(false),
            rrl: Rrl::default(),
            transfers: Default::default(),
        }
    }

    /// Answers one query into `out` and counts it; logs it when it is in the query-log sample.
    #[inline]
    pub fn answer(
        &self,
        snapshot: &Arc<Snapshot>,
        request: &Request<'_>,
        out: &mut [u8],
    ) -> Option<Summary> {
        let timer = self.metrics.start_timer();
        let summary = respond(snapshot, request, out)?;
        if let Some(started) = timer {
            self.metrics.observe_answer_time(started);
        }
        self.observe(snapshot, request, &summary);
        if self.query_log_on.load(Ordering::Relaxed) {
            self.log_query(snapshot, request, &summary);
        }
        Some(summary)
    }

    /// Counts an answered query.
    #[inline]
    pub fn observe(&self, snapshot: &Snapshot, request: &Request<'_>, summary: &Summary) {
        let zone = summary
            .zone
            .map_or(0, |index| snapshot.zone_metric_id(index));
        self.metrics.observe_query(
            QueryKey {
                zone,
                qtype: summary.qtype,
                rcode: summary.rcode,
                transport: request.transport,
            },
            summary.truncated,
        );
        if let Some(outcome) = summary.cookie {
            let badcookie = summary.rcode == crate::wire::rtype::rcode::BADCOOKIE;
            self.metrics.observe_cookie(outcome, badcookie);
        }
        if let Some(steering) = &summary.steering {
            let (service, datacenter) =
                snapshot.steering_metric_ids(steering.service, steering.datacenter);
            self.metrics.observe_steering(SteeringKey {
                service,
                datacenter,
                reason: steering.reason,
                ecs: steering.ecs,
            });
        }
    }

    #[cold]
    fn log_query(&self, snapshot: &Arc<Snapshot>, request: &Request<'_>, summary: &Summary) {
        let log = self.query_log.load();
        if let Some(log) = log.as_ref()
            && log.sampled()
        {
            log.record(snapshot, request, summary);
        }
    }

    /// Starts, replaces or stops the query log; returns the one it replaces (whose writer
    /// finishes on its own once the last query holding it is done).
    pub fn set_query_log(&self, log: Option<Arc<QueryLog>>) -> Option<Arc<QueryLog>> {
        self.query_log_on.store(log.is_some(), Ordering::Relaxed);
        self.query_log.swap(log)
    }

    /// The running query log.
    pub fn query_log(&self) -> Option<Arc<QueryLog>> {
        self.query_log.load_full()
    }
}

/// Sockets bound for one listen address.
pub struct Bound {
    pub address: SocketAddr,
    pub udp: Vec<UdpSocket>,
    pub tcp: StdTcpListener,
}

/// Binds `workers` UDP sockets and one TCP listener on `address`, all on the same port. With
/// port 0 the kernel picks a port free for both protocols.
pub fn bind(address: SocketAddr, workers: usize) -> io::Result<Bound> {
    let workers = workers.max(1);
    let mut last_error = None;
    for _ in 0..16 {
        match bind_once(address, workers) {
            Ok(bound) => return Ok(bound),
            // With port 0 the port the kernel chose for UDP may be taken for TCP: try again.
            Err(e) if address.port() == 0 && e.kind() == io::ErrorKind::AddrInUse => {
                last_error = Some(e)
            }
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("could not bind")))
}

fn bind_once(address: SocketAddr, workers: usize) -> io::Result<Bound> {
    let first = udp::bind(address)?;
    let actual = first.local_addr()?;
    let mut sockets = vec![first];
    for _ in 1..workers {
        sockets.push(udp::bind(actual)?);
    }
    let tcp = bind_tcp(actual)?;
    Ok(Bound {
        address: actual,
        udp: sockets,
        tcp,
    })
}

/// A listening TCP socket (also used by the admin server).
pub fn bind_tcp(address: SocketAddr) -> io::Result<StdTcpListener> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    if address.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}
