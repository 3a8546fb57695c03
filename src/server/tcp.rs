//! DNS over TCP (RFC 7766): 2-byte length framing, several queries per connection, answers up
//! to 65535 bytes, an idle timeout, a deadline for receiving each whole query once it has begun
//! (slow clients cannot hold a connection open byte by byte), a cap on connections in total and
//! per client address, and a bound on queries answered per read (pipelining).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::Shared;
use crate::answer::{MAX_MESSAGE, Request, Transport, respond};

/// Limits for TCP clients.
#[derive(Debug, Clone, Copy)]
pub struct TcpLimits {
    pub idle_timeout: Duration,
    pub query_timeout: Duration,
    pub max_connections: usize,
    pub max_per_client: usize,
    pub max_pipeline: usize,
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
    limits: TcpLimits,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let per_client = Arc::new(PerClient::default());
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
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    shared.metrics.tcp_refused();
                    drop(stream);
                    continue;
                };
                let Some(slot) = per_client.try_add(peer.ip(), limits.max_per_client) else {
                    shared.metrics.tcp_refused();
                    drop(stream);
                    continue;
                };
                let shared = shared.clone();
                let stop = stop.clone();
                connections.spawn(async move {
                    let _permit = permit;
                    let _slot = slot;
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
                _ = stop.changed() => return,
                read = tokio::time::timeout(limits.idle_timeout, stream.read_buf(&mut input)) => read,
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
            if let Some(summary) = respond(&snapshot, &request, &mut answer_buffer) {
                shared.observe(&snapshot, &request, &summary);
                output.extend_from_slice(&(summary.len as u16).to_be_bytes());
                output.extend_from_slice(&answer_buffer[..summary.len]);
            }
            consumed += 2 + len;
            answered += 1;
        }
        drop(snapshot);
        input.drain(..consumed);
        if !output.is_empty() {
            let write = tokio::time::timeout(limits.idle_timeout, stream.write_all(&output));
            if !matches!(write.await, Ok(Ok(()))) {
                return;
            }
        }
        if *stop.borrow() {
            return;
        }
    }
}

fn has_whole_message(input: &[u8]) -> bool {
    input.len() >= 2 && input.len() >= 2 + usize::from(u16::from_be_bytes([input[0], input[1]]))
}
