//! DNS over TCP (RFC 7766): 2-byte length framing, several queries per connection, answers up
//! to 65535 bytes, an idle timeout, a deadline for receiving each whole query once it has begun
//! (slow clients cannot hold a connection open byte by byte), a cap on connections in total and
//! per client address, and a bound on queries answered per read (pipelining).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Shared;
use crate::answer::{MAX_MESSAGE, Request, Transport};
use crate::transfer::Handled;

/// Limits for TCP clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpLimits {
    pub idle_timeout: Duration,
    pub query_timeout: Duration,
    pub max_connections: usize,
    pub max_per_client: usize,
    pub max_pipeline: usize,
}

/// TCP state shared by every listener: the limits (replaced on reload; a connection keeps
/// the limits it was accepted under) and the connection counts the caps apply to.
pub struct TcpShared {
    limits: ArcSwap<TcpLimits>,
    active: Arc<AtomicUsize>,
    per_client: Arc<PerClient>,
}

impl TcpShared {
    pub fn new(limits: TcpLimits) -> TcpShared {
        TcpShared {
            limits: ArcSwap::from_pointee(limits),
            active: Arc::new(AtomicUsize::new(0)),
            per_client: Arc::new(PerClient::default()),
        }
    }

    /// Limits for connections accepted from now on.
    pub fn set_limits(&self, limits: TcpLimits) {
        self.limits.store(Arc::new(limits));
    }

    pub fn limits(&self) -> TcpLimits {
        **self.limits.load()
    }

    /// Open connections, all listeners together.
    pub fn active(&self) -> usize {
        self.active.load(Ordering::Relaxed)
    }

    /// A slot for a new connection from `ip`, or `None` when a cap is reached.
    fn admit(&self, ip: IpAddr, limits: &TcpLimits) -> Option<(ActiveSlot, ClientSlot)> {
        if self.active.fetch_add(1, Ordering::AcqRel) >= limits.max_connections {
            self.active.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let active = ActiveSlot(self.active.clone());
        let client = self.per_client.try_add(ip, limits.max_per_client)?;
        Some((active, client))
    }
}

/// Releases a connection slot when the connection ends.
struct ActiveSlot(Arc<AtomicUsize>);

impl Drop for ActiveSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Connections per client address, counted at accept and close (never on the query path).
#[derive(Default)]
struct PerClient {
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl PerClient {
    fn try_add(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(ip).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            owner: self.clone(),
            ip,
        })
    }
}

/// Releases a per-client slot when the connection ends.
struct ClientSlot {
    owner: Arc<PerClient>,
    ip: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut counts = self.owner.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// Accepts connections until `stop` turns true, then waits (up to `grace`) for connections to
/// finish the queries they have already received.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::debug!(error = %e, "TCP accept failed");
                        // Out of descriptors or similar: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let limits = shared.tcp.limits();
                let Some(slots) = shared.tcp.admit(peer.ip(), &limits) else {
                    shared.metrics.tcp_refused();
                    drop(stream);
                    continue;
                };
                let shared = shared.clone();
                let stop = stop.clone();
                connections.spawn(async move {
                    let _slots = slots;
                    let _ = stream.set_nodelay(true);
                    connection(stream, peer, shared, limits, stop).await;
                });
                while connections.try_join_next().is_some() {}
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
}

/// Serves one connection.
async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    limits: TcpLimits,
    mut stop: watch::Receiver<bool>,
) {
    let mut input: Vec<u8> = Vec::with_capacity(2048);
    let mut output: Vec<u8> = Vec::with_capacity(2048);
    let mut answer_buffer = vec![0u8; MAX_MESSAGE];
    loop {
        // Wait for the start of the next query: idle timeout, or shutdown between queries.
        if input.is_empty() {
            let read = tokio::select! {
                biased;
                read = tokio::time::timeout(limits.idle_timeout, stream.read_buf(&mut input)) => read,
                _ = stop.changed() => {
                    // Bytes that already arrived are a query in flight: answer it, then close.
                    match stream.try_read_buf(&mut input) {
                        Ok(n) if n > 0 => Ok(Ok(n)),
                        _ => return,
                    }
                }
            };
            match read {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
        }
        // Now a query has begun: it must arrive whole before the deadline.
        let deadline = tokio::time::Instant::now() + limits.query_timeout;
        while !has_whole_message(&input) {
            if input.len() > 2 + MAX_MESSAGE {
                return;
            }
            match tokio::time::timeout_at(deadline, stream.read_buf(&mut input)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
        }
        // Answer every whole query already received, up to the pipelining bound.
        output.clear();
        let mut consumed = 0usize;
        let mut answered = 0usize;
        let snapshot = shared.snapshot.load();
        let mut transfer = None;
        while answered < limits.max_pipeline {
            let rest = &input[consumed..];
            if !has_whole_message(rest) {
                break;
            }
            let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            let request = Request {
                packet: &rest[2..2 + len],
                source: peer,
                transport: Transport::Tcp,
            };
            if let Some(summary) = shared.answer(&snapshot, &request, &mut answer_buffer) {
                let bytes = &answer_buffer[..summary.len];
                match crate::transfer::intercepts(&summary, request.packet) {
                    false => push_framed(&mut output, bytes),
                    true => match transferred(&shared, &snapshot, &request) {
                        Some(Handled::Single(reply)) => push_framed(&mut output, &reply),
                        Some(Handled::Stream(outgoing)) => transfer = Some(outgoing),
                        None => push_framed(&mut output, bytes),
                    },
                }
            }
            consumed += 2 + len;
            answered += 1;
            if transfer.is_some() {
                break;
            }
        }
        drop(snapshot);
        input.drain(..consumed);
        if !output.is_empty() {
            let write = tokio::time::timeout(limits.idle_timeout, stream.write_all(&output));
            if !matches!(write.await, Ok(Ok(()))) {
                return;
            }
        }
        if let Some(outgoing) = transfer {
            let transfers = &shared.transfers;
            let timeout = limits.idle_timeout;
            if !crate::transfer::send(transfers, &mut stream, peer.ip(), outgoing, timeout).await {
                return;
            }
        }
        if *stop.borrow() {
            return;
        }
    }
}

fn push_framed(output: &mut Vec<u8>, message: &[u8]) {
    output.extend_from_slice(&(message.len() as u16).to_be_bytes());
    output.extend_from_slice(message);
}

/// A request the query path left to zone transfers (AXFR, IXFR, NOTIFY, TSIG).
#[cold]
#[inline(never)]
pub(super) fn transferred(
    shared: &Shared,
    snapshot: &Arc<crate::snapshot::Snapshot>,
    request: &Request<'_>,
) -> Option<Handled> {
    let mut scratch = vec![0u8; MAX_MESSAGE];
    crate::transfer::handle(&shared.transfers, snapshot, request, &mut scratch)
}

fn has_whole_message(input: &[u8]) -> bool {
    input.len() >= 2 && input.len() >= 2 + usize::from(u16::from_be_bytes([input[0], input[1]]))
}
