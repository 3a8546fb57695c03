//! The gossip library's transport: UDP datagrams sealed and checked by [`super::auth`].
//!
//! chitchat hands us typed messages; we encode them, seal them and send them, and we open and
//! decode what arrives before chitchat sees it. A datagram that fails any check is counted and
//! dropped here; `recv` only returns authentic, fresh, first-seen, well-formed messages. The
//! trait's `anyhow` results are the library's interface and stay inside this file.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use chitchat::transport::{Socket, Transport};
use chitchat::{ChitchatMessage, Deserializable, Serializable};

use super::auth::{Key, Opener, Rejection, Sealer};
use super::stats::Counters;
use crate::health::unix_ms;

/// The largest UDP payload (IPv4).
const MAX_DATAGRAM: usize = 65_507;

/// Decodes an opened message: all of it must be one chitchat message.
pub fn decode(message: &[u8]) -> Result<ChitchatMessage, Rejection> {
    let mut rest = message;
    match ChitchatMessage::deserialize(&mut rest) {
        Ok(decoded) if rest.is_empty() => Ok(decoded),
        _ => Err(Rejection::Undecodable),
    }
}

/// Opens and decodes one datagram. A panic in the library's decoder (none is known; the fuzz
/// target looks for them) drops the datagram like any other undecodable one.
pub fn receive(
    opener: &mut Opener,
    datagram: &[u8],
    now_unix_ms: u64,
) -> Result<(String, ChitchatMessage), Rejection> {
    let opened = opener.open(datagram, now_unix_ms)?;
    let message = std::panic::catch_unwind(AssertUnwindSafe(|| decode(opened.message)))
        .unwrap_or(Err(Rejection::Undecodable))?;
    Ok((opened.sender.to_string(), message))
}

/// Hands chitchat the socket bound when the fleet started.
pub struct SealedTransport {
    socket: Mutex<Option<tokio::net::UdpSocket>>,
    key: Key,
    node: String,
    epoch: u64,
    counters: Arc<Counters>,
}

impl SealedTransport {
    pub fn new(
        socket: tokio::net::UdpSocket,
        key: Key,
        node: &str,
        epoch: u64,
        counters: Arc<Counters>,
    ) -> SealedTransport {
        SealedTransport {
            socket: Mutex::new(Some(socket)),
            key,
            node: node.to_string(),
            epoch,
            counters,
        }
    }
}

#[async_trait]
impl Transport for SealedTransport {
    async fn open(&self, _listen: SocketAddr) -> anyhow::Result<Box<dyn Socket>> {
        let socket = self
            .socket
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| anyhow::anyhow!("the fleet's gossip socket is already open"))?;
        Ok(Box::new(SealedSocket {
            socket,
            sealer: Sealer::new(self.key.clone(), &self.node, self.epoch),
            opener: Opener::new(self.key.clone()),
            counters: self.counters.clone(),
            plain: Vec::new(),
            sealed: Vec::new(),
            received: vec![0; MAX_DATAGRAM + 1].into_boxed_slice(),
        }))
    }
}

struct SealedSocket {
    socket: tokio::net::UdpSocket,
    sealer: Sealer,
    opener: Opener,
    counters: Arc<Counters>,
    plain: Vec<u8>,
    sealed: Vec<u8>,
    received: Box<[u8]>,
}

#[async_trait]
impl Socket for SealedSocket {
    /// Never fails: a datagram the network refuses is counted, as UDP would lose it anyway.
    async fn send(&mut self, to: SocketAddr, message: ChitchatMessage) -> anyhow::Result<()> {
        self.plain.clear();
        message.serialize(&mut self.plain);
        self.sealer
            .seal(&self.plain, unix_ms(SystemTime::now()), &mut self.sealed);
        if self.sealed.len() > MAX_DATAGRAM {
            Counters::add(&self.counters.oversize, 1);
            tracing::warn!(
                peer = %to,
                bytes = self.sealed.len(),
                "fleet gossip message too large for one datagram; not sent"
            );
            return Ok(());
        }
        match self.socket.send_to(&self.sealed, to).await {
            Ok(sent) => {
                Counters::add(&self.counters.datagrams_out, 1);
                Counters::add(&self.counters.bytes_out, sent as u64);
            }
            Err(error) => {
                Counters::add(&self.counters.send_errors, 1);
                tracing::debug!(peer = %to, error = %error, "fleet gossip send failed");
            }
        }
        Ok(())
    }

    /// Waits for the next acceptable message; never fails (errors of the socket are retried).
    async fn recv(&mut self) -> anyhow::Result<(SocketAddr, ChitchatMessage)> {
        loop {
            let (length, from) = match self.socket.recv_from(&mut self.received).await {
                Ok(received) => received,
                Err(error) => {
                    tracing::debug!(error = %error, "fleet gossip receive failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            Counters::add(&self.counters.datagrams_in, 1);
            Counters::add(&self.counters.bytes_in, length as u64);
            let datagram = &self.received[..length.min(MAX_DATAGRAM)];
            match receive(&mut self.opener, datagram, unix_ms(SystemTime::now())) {
                Ok((_, message)) => return Ok((from, message)),
                Err(reason) => {
                    self.counters.count_dropped(reason);
                    log_drop(from, reason);
                }
            }
        }
    }
}

/// Drops are counted; a few reasons are worth a line (rate-limited by the log level: debug),
/// stale ones at warn because they mean clocks disagree.
fn log_drop(from: SocketAddr, reason: Rejection) {
    match reason {
        Rejection::Stale => tracing::warn!(
            peer = %from,
            reason = reason.as_str(),
            "fleet datagram dropped: sent too long ago or in the future (are the clocks in sync?)"
        ),
        _ => tracing::debug!(peer = %from, reason = reason.as_str(), "fleet datagram dropped"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_a_sealed_datagram() {
        let key = Key::new(b"secret");
        let mut sealer = Sealer::new(key.clone(), "ns2", 1);
        let mut opener = Opener::new(key);
        let mut plain = Vec::new();
        ChitchatMessage::BadCluster.serialize(&mut plain);
        let mut sealed = Vec::new();
        let now = unix_ms(SystemTime::now());
        sealer.seal(&plain, now, &mut sealed);
        let (sender, message) = receive(&mut opener, &sealed, now).unwrap();
        assert_eq!(
            (sender.as_str(), message),
            ("ns2", ChitchatMessage::BadCluster)
        );
        // Trailing bytes after the message: undecodable.
        plain.push(0);
        sealer.seal(&plain, now, &mut sealed);
        assert_eq!(
            receive(&mut opener, &sealed, now).unwrap_err(),
            Rejection::Undecodable
        );
        assert_eq!(decode(b"\x00\x01\x02"), Err(Rejection::Undecodable));
    }
}
