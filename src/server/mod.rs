//! Sockets: binds UDP (one `SO_REUSEPORT` socket per worker thread) and TCP on every listen
//! address, announces the bound addresses, and stops cleanly. No DNS policy lives here.

pub mod tcp;
pub mod udp;

use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use arc_swap::ArcSwap;
use socket2::{Domain, Protocol, Socket, Type};

use crate::answer::{Request, Summary};
use crate::metrics::Metrics;
use crate::rrl::Rrl;
use crate::snapshot::Snapshot;

/// State shared by every transport.
pub struct Shared {
    /// What queries are answered from; replaced whole on reload.
    pub snapshot: ArcSwap<Snapshot>,
    /// Set once at shutdown; UDP workers poll it.
    pub stopping: AtomicBool,
    pub metrics: Metrics,
    /// Response rate limiting for UDP (off unless `[rrl] enabled`).
    pub rrl: Rrl,
}

impl Shared {
    pub fn new(snapshot: Arc<Snapshot>, metrics: Metrics) -> Shared {
        Shared {
            snapshot: ArcSwap::new(snapshot),
            stopping: AtomicBool::new(false),
            metrics,
            rrl: Rrl::default(),
        }
    }

    /// Counts an answered query.
    pub fn observe(&self, snapshot: &Snapshot, request: &Request<'_>, summary: &Summary) {
        let zone_id = summary
            .zone
            .map_or(0, |index| snapshot.zone_metric_id(index));
        self.metrics.observe_query(zone_id, request, summary);
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

fn bind_tcp(address: SocketAddr) -> io::Result<StdTcpListener> {
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
