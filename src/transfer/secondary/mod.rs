//! The secondary role: a zone with `primary` is transferred from it (AXFR, then IXFR),
//! refreshed on its SOA timers and on the primary's NOTIFY (only from the primary, TSIG-checked
//! when the zone has a key), kept on disk at the zone's `file` and served from there by the
//! ordinary snapshot build, so steering applies to it as to any zone; after `expire` without
//! contact, or before the first transfer, it answers SERVFAIL.
//!
//! One task per zone ([`task`]); the registry here starts, replaces and stops them as the
//! configuration changes and hands them NOTIFY. The transfer reader ([`reader`]) is strict:
//! anything wrong rejects the whole transfer and the zone kept serves on.

pub mod client;
pub mod reader;
pub mod store;
pub mod task;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::serve::{Handled, Reply};
use super::watch::Reload;
use crate::server::Shared;
use crate::snapshot::Snapshot;
use crate::wire::Name;
use crate::wire::rtype::{self, rcode};
use crate::zone::{Record, SourceLocation};

/// What a zone's task was started with; a change restarts it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    primary: SocketAddr,
    key: Option<Vec<u8>>,
    file: PathBuf,
}

struct Running {
    wanted: Wanted,
    poke: Arc<Notify>,
    task: JoinHandle<()>,
}

/// The running secondary zones, by lowercased origin.
#[derive(Default)]
pub struct Secondaries {
    running: Mutex<HashMap<Vec<u8>, Running>>,
}

impl Secondaries {
    /// Starts a task for each secondary zone of `snapshot` that has none (or whose primary,
    /// key or file changed) and stops those of zones no longer secondary. On the tokio runtime.
    pub fn reconcile(&self, shared: &Arc<Shared>, snapshot: &Snapshot, reload: &Reload) {
        let mut wanted = HashMap::new();
        for (index, loaded) in snapshot.zones().iter().enumerate() {
            let Some(setup) = snapshot.transfer.of(index as u32) else {
                continue;
            };
            let Some(address) = setup.primary else {
                continue;
            };
            let primary = client::Primary {
                address,
                key: setup.key.clone(),
            };
            let want = Wanted {
                primary: address,
                key: setup.key.as_ref().map(|k| k.name.as_wire().to_vec()),
                file: loaded.file.clone(),
            };
            let origin = loaded.zone.origin().clone();
            wanted.insert(origin.as_wire().to_vec(), (want, primary, origin));
        }
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|origin, zone| {
            let keep = wanted.get(origin).is_some_and(|(w, ..)| *w == zone.wanted);
            if !keep {
                zone.task.abort();
            }
            keep
        });
        for (key, (want, primary, origin)) in wanted {
            if running.contains_key(&key) {
                continue;
            }
            let poke = Arc::new(Notify::new());
            let task = task::ZoneTask {
                origin,
                primary,
                file: want.file.clone(),
                poke: poke.clone(),
                shared: shared.clone(),
                reload: reload.clone(),
            };
            let task = tokio::spawn(task.run());
            running.insert(
                key,
                Running {
                    wanted: want,
                    poke,
                    task,
                },
            );
        }
    }

    /// Tells the task of the zone at `origin` (lowercase wire form) to refresh now.
    fn poke(&self, origin: &[u8]) -> bool {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running
            .get(origin)
            .map(|zone| zone.poke.notify_one())
            .is_some()
    }

    /// A NOTIFY (RFC 1996) for a secondary zone: from its primary's address and signed with
    /// its key when it has one, it is acknowledged and the zone refreshed; otherwise REFUSED.
    /// `None` for other zones (the query path answers NOTIMP).
    pub fn notified(
        &self,
        snapshot: &Arc<Snapshot>,
        reply: Reply<'_>,
        scratch: &mut [u8],
    ) -> Option<Handled> {
        let (qname, qtype, _) = &reply.message.questions[0];
        let lower = qname.to_ascii_lowercase();
        let zone = snapshot
            .find_zone(&lower)
            .filter(|&z| snapshot.zone(z).origin().as_wire() == lower.as_slice());
        let setup = zone.and_then(|z| snapshot.transfer.of(z));
        // Not a secondary zone: the query path's answer (NOTIMP) stands.
        let (setup, primary) = setup.and_then(|s| s.primary.map(|p| (s, p)))?;
        let code = match () {
            _ if *qtype != rtype::SOA => rcode::FORMERR,
            _ => {
                let signed_by = reply.session.as_ref().map(|s| &s.key);
                let key_ok = match (&setup.key, signed_by) {
                    (None, _) => true,
                    (Some(wanted), Some(got)) => wanted.name == got.name,
                    (Some(_), None) => false,
                };
                if reply.source.ip() != primary.ip() || !key_ok {
                    tracing::info!(zone = %String::from_utf8_lossy(qname), from = %reply.source,
                        "NOTIFY refused: not from the primary or not signed with the zone's key");
                    rcode::REFUSED
                } else {
                    self.poke(&lower);
                    rcode::NOERROR
                }
            }
        };
        Some(Handled::Single(reply.single(
            code,
            Vec::new(),
            None,
            scratch,
        )))
    }
}

/// The records of a secondary zone before its first transfer: an SOA and an NS at the apex
/// (as every zone must have), so the zone exists and answers SERVFAIL (see [`unavailable`]).
pub fn placeholder(origin: &Name, path: &Path) -> Vec<Record> {
    let record = |rtype: u16, rdata: Vec<u8>| Record {
        owner: origin.clone(),
        class: rtype::CLASS_IN,
        rtype,
        ttl: 0,
        rdata: rdata.into(),
        source: SourceLocation {
            file: Arc::from(path),
            line: 0,
        },
    };
    let mut soa = vec![0u8, 0];
    soa.extend_from_slice(&[0u8; 20]);
    vec![record(rtype::SOA, soa), record(rtype::NS, vec![0])]
}

/// Whether the secondary zone kept at `path` (its records read from there) must not be
/// served: nothing transferred yet, or its SOA's expire passed since the last contact.
pub fn unavailable(path: &Path, records: &[Record]) -> bool {
    let Some(soa) = records.iter().find(|r| r.rtype == rtype::SOA) else {
        return true;
    };
    if !path.exists() {
        return true;
    }
    let expire = soa
        .rdata
        .len()
        .checked_sub(8)
        .and_then(|at| soa.rdata.get(at..at + 4))
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    store::expires_at(path, expire).is_none_or(|at| at <= SystemTime::now())
}
