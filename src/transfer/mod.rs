//! Zone transfers: the primary role (AXFR/IXFR out, RFC 5936/1995, with `allow_transfer` and
//! TSIG, RFC 8945), with steered names carrying a default answer a plain secondary can serve
//! (see [`content`]), and the secondary role (zones transferred from a primary, see
//! [`secondary`]).
//!
//! The query path stays as it is: a request it refuses or cannot parse (AXFR, IXFR, NOTIFY, a
//! TSIG-signed query) is handed here by the transport, in a cold branch chosen from the answer
//! summary alone ([`intercepts`]); transfers then run in the connection's own task with
//! bounded concurrency ([`limits`]).

pub mod acl;
pub mod axfr;
pub mod catalog;
pub mod content;
pub mod history;
pub mod limits;
pub mod message;
pub mod notify;
pub mod secondary;
pub mod serial;
pub mod serve;
pub mod setup;
pub mod tsig;
pub mod watch;

use std::sync::Arc;

use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::answer::Summary;
use crate::snapshot::Snapshot;
use crate::wire::rtype::{self, rcode};
pub use serve::{Handled, handle};
pub use setup::{Setup, ZoneTransfer};

/// Whether the query path's answer is one zone transfers may replace: AXFR/IXFR it refused,
/// NOTIFY it does not implement, a TSIG-signed query it could not check. Reads only the
/// summary and the opcode in the header.
#[inline]
pub fn intercepts(summary: &Summary, packet: &[u8]) -> bool {
    match summary.rcode {
        rcode::NOTAUTH => true,
        rcode::REFUSED => matches!(summary.qtype, rtype::AXFR | rtype::IXFR),
        rcode::NOTIMP => packet
            .get(2)
            .is_some_and(|b| (b >> 3) & 0xF == serve::OPCODE_NOTIFY),
        _ => false,
    }
}

/// Runtime state of zone transfers, shared by every transport.
#[derive(Default)]
pub struct Transfers {
    pub limits: limits::Limits,
    pub history: history::History,
    pub notifier: notify::Notifier,
    pub secondaries: secondary::Secondaries,
}

impl Transfers {
    /// What a transfer of the zone at `zone` sends now.
    pub fn content(&self, snapshot: &Arc<Snapshot>, zone: u32) -> content::Content {
        let serial = snapshot.zone(zone).serial();
        content::Content::new(snapshot.clone(), zone, serial)
    }

    /// The IXFR records that bring a secondary at `client_serial` to `current` (owner, SOA),
    /// or `None` when only a whole zone will do.
    pub fn incremental(
        &self,
        snapshot: &Arc<Snapshot>,
        zone: u32,
        client_serial: u32,
        current: &(Vec<u8>, Vec<u8>),
    ) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
        let origin = snapshot.zone(zone).origin().as_wire();
        self.history.incremental(origin, client_serial, current)
    }

    /// A NOTIFY: acted on for secondary zones (see [`secondary::Secondaries::notified`]).
    pub fn notified(
        &self,
        snapshot: &Arc<Snapshot>,
        reply: serve::Reply<'_>,
        scratch: &mut [u8],
    ) -> Option<Handled> {
        self.secondaries.notified(snapshot, reply, scratch)
    }
}

/// RFC 1982 serial arithmetic: whether `a` is newer than `b`.
pub fn serial_newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

/// Sends a transfer on a TCP stream once a slot is free; returns false when the connection
/// should close (no slot, or a write failed or timed out).
pub async fn send<W: AsyncWrite + Unpin>(
    transfers: &Transfers,
    stream: &mut W,
    client: std::net::IpAddr,
    mut outgoing: Box<axfr::Outgoing>,
    write_timeout: std::time::Duration,
) -> bool {
    let Some(_slot) = transfers.limits.acquire(client).await else {
        tracing::warn!(%client, "zone transfer dropped: no transfer slot free");
        return false;
    };
    let mut scratch = vec![0u8; crate::answer::MAX_MESSAGE];
    let mut framed = Vec::with_capacity(crate::answer::MAX_MESSAGE + 2);
    while let Some(message) = outgoing.next_message(&mut scratch) {
        framed.clear();
        framed.extend_from_slice(&(message.len() as u16).to_be_bytes());
        framed.extend_from_slice(&message);
        let write = tokio::time::timeout(write_timeout, stream.write_all(&framed));
        if !matches!(write.await, Ok(Ok(()))) {
            return false;
        }
    }
    true
}
