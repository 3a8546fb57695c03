//! NOTIFY (RFC 1996) to a zone's secondaries when its serial changes: one task per secondary,
//! over UDP, retried with doubling waits until a matching answer arrives; a newer serial
//! replaces a NOTIFY still being retried. Signed (RFC 8945) with the key of the first
//! `allow_transfer` entry naming a key whose network holds the secondary, as secondaries
//! usually expect NOTIFY signed like the transfers they make.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::message::Message;
use super::tsig::{self, Key, Session};
use crate::wire::rtype;

/// Tries before giving up on a secondary (the waits double from [`FIRST_WAIT`]).
pub const TRIES: u32 = 8;
/// Wait for the first answer.
pub const FIRST_WAIT: Duration = Duration::from_millis(500);

/// One NOTIFY to send.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The zone's origin, wire form.
    pub origin: Vec<u8>,
    /// The SOA record (`TYPE CLASS TTL RDLENGTH RDATA`) with the new serial.
    pub soa: Vec<u8>,
    pub target: SocketAddr,
    pub key: Option<Arc<Key>>,
}

/// A zone's origin and one of its secondaries.
type Target = (Vec<u8>, SocketAddr);

/// NOTIFY tasks in flight, by zone and secondary.
#[derive(Default)]
pub struct Notifier {
    running: Mutex<HashMap<Target, JoinHandle<()>>>,
}

impl Notifier {
    /// Sends `notice` (on the current tokio runtime), replacing one still retried for the
    /// same zone and secondary.
    pub fn send(&self, notice: Notice) {
        let key = (notice.origin.clone(), notice.target);
        let task = tokio::spawn(notify(notice));
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|_, task| !task.is_finished());
        if let Some(old) = running.insert(key, task) {
            old.abort();
        }
    }
}

/// The NOTIFY message: opcode NOTIFY, AA, the zone's SOA as question and answer.
pub fn message(id: u16, origin: &[u8], soa: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 2 * origin.len() + soa.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&(0x2000u16 | 0x0400).to_be_bytes()); // opcode 4, AA
    out.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0]);
    out.extend_from_slice(origin);
    out.extend_from_slice(&rtype::SOA.to_be_bytes());
    out.extend_from_slice(&rtype::CLASS_IN.to_be_bytes());
    out.extend_from_slice(origin);
    out.extend_from_slice(soa);
    out
}

async fn notify(notice: Notice) {
    let zone =
        crate::wire::Name::from_wire(&notice.origin).map_or(String::new(), |n| n.to_string());
    let serial = super::content::soa_serial(&notice.soa).unwrap_or(0);
    let bind: SocketAddr = match notice.target {
        SocketAddr::V4(_) => SocketAddr::from(([0, 0, 0, 0], 0)),
        SocketAddr::V6(_) => SocketAddr::from(([0u16; 8], 0)),
    };
    let Ok(socket) = UdpSocket::bind(bind).await else {
        return;
    };
    let mut wait = FIRST_WAIT;
    for attempt in 1..=TRIES {
        let id = fastrand::u16(..);
        let mut packet = message(id, &notice.origin, &notice.soa);
        let session = notice
            .key
            .as_ref()
            .map(|key| Session::sign_request(key, &mut packet, tsig::now()));
        if socket.send_to(&packet, notice.target).await.is_ok()
            && let Ok(answer) =
                tokio::time::timeout(wait, answered(&socket, &notice, id, session)).await
        {
            match answer {
                Ok(()) => {
                    tracing::info!(%zone, serial, secondary = %notice.target, attempt, "NOTIFY acknowledged");
                    return;
                }
                Err(why) => {
                    tracing::warn!(%zone, secondary = %notice.target, "NOTIFY answered with an error: {why}");
                    tokio::time::sleep(wait).await;
                }
            }
        }
        wait = wait.saturating_mul(2);
    }
    tracing::warn!(%zone, serial, secondary = %notice.target, tries = TRIES, "NOTIFY not acknowledged");
}

/// Waits for the answer to NOTIFY `id`; anything else arriving on the socket is ignored.
async fn answered(
    socket: &UdpSocket,
    notice: &Notice,
    id: u16,
    mut session: Option<Session>,
) -> Result<(), String> {
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok((len, from)) = socket.recv_from(&mut buf).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        if from != notice.target {
            continue;
        }
        let Ok(message) = Message::parse(&buf[..len]) else {
            continue;
        };
        if message.id != id || message.flags & 0x8000 == 0 || message.opcode() != 4 {
            continue;
        }
        if let Some(session) = session.as_mut() {
            session.verify(&message, &mut Vec::new(), tsig::now())?;
        }
        return match message.rcode() {
            0 => Ok(()),
            code => Err(format!("rcode {code}")),
        };
    }
}
