//! What a transfer carries for one zone: every record of the zone as loaded (glue included),
//! the SOA with the serial being served, and at each steered name the A/AAAA set a secondary
//! that cannot steer should serve.
//!
//! The default set at a steered name, per address family: the zone file's records there when it
//! has some (the same fallback the query path uses); otherwise the targets of the first
//! datacenter of the service's `default` rule (else its `order`, else its datacenters in
//! configuration order) that is not drained, with the service's TTL. When every one is
//! drained, the first is used (fail open, as the query path does).

use std::sync::Arc;

use crate::dnssec::sign::variant_map::sort_rdatas;
use crate::dnssec::sign::variants::VariantRrset;
use crate::policy::{Family, Service};
use crate::snapshot::Snapshot;
use crate::snapshot::signing::ZoneSignatures;
use crate::wire::rtype;
use crate::wire::writer::EncodedRecords;
use crate::zone::{NodeId, Zone};

/// The records of one zone as transferred, fixed for the length of one transfer.
pub struct Content {
    pub snapshot: Arc<Snapshot>,
    pub zone: u32,
    /// The SOA record (`TYPE CLASS TTL RDLENGTH RDATA`) with the served serial.
    pub soa: Vec<u8>,
    /// Steered names and the records added there, in node order.
    pub steered: Vec<(NodeId, Vec<Vec<u8>>)>,
}

impl Content {
    /// The zone at `zone` of `snapshot`, with `serial` in its SOA.
    pub fn new(snapshot: Arc<Snapshot>, zone: u32, serial: u32) -> Content {
        let z = snapshot.zone(zone);
        let mut soa = z
            .apex()
            .rrset(rtype::SOA)
            .and_then(|s| EncodedRecords::new(s.encoded()).next().map(<[u8]>::to_vec))
            .unwrap_or_default();
        set_serial(&mut soa, serial);
        let steered = snapshot
            .transfer
            .of(zone)
            .map_or_else(Vec::new, |setup| setup.defaults.clone());
        Content {
            snapshot,
            zone,
            soa,
            steered,
        }
    }

    pub fn zone(&self) -> &Zone {
        self.snapshot.zone(self.zone)
    }

    /// The SOA's serial.
    pub fn serial(&self) -> u32 {
        soa_serial(&self.soa).unwrap_or(0)
    }

    /// The zone's EDNS EXPIRE timer (RFC 7314): the SOA's expire field, or for a secondary
    /// zone what is left of it (see [`Snapshot::expire_timer`]).
    pub fn expire(&self) -> u32 {
        self.snapshot.expire_timer_now(self.zone)
    }

    /// Calls `each(owner, record)` for every record but the SOA, in node order.
    pub fn for_each(&self, mut each: impl FnMut(&[u8], &[u8])) {
        let mut cursor = Cursor::default();
        while let Some(()) = self.next(&mut cursor, &mut each) {}
    }

    /// Visits the record at `cursor` (the SOA excluded) and moves past it; `None` at the end.
    pub fn next(&self, cursor: &mut Cursor, each: &mut impl FnMut(&[u8], &[u8])) -> Option<()> {
        let zone = self.zone();
        loop {
            if cursor.node as usize >= zone.node_count() {
                return next_nsec3(zone, cursor, each);
            }
            let node = zone.node(cursor.node);
            if let Some(rrset) = node.rrsets().nth(cursor.rrset) {
                let encoded = rrset.encoded();
                let skip = cursor.node == 0 && rrset.rtype() == rtype::SOA;
                if skip || cursor.offset >= encoded.len() {
                    cursor.rrset += 1;
                    cursor.offset = 0;
                    continue;
                }
                let record = EncodedRecords::new(&encoded[cursor.offset..]).next()?;
                cursor.offset += record.len();
                each(node.name(), record);
                return Some(());
            }
            let extra = self
                .steered
                .binary_search_by_key(&cursor.node, |(id, _)| *id)
                .ok()
                .map(|i| &self.steered[i].1);
            if let Some(record) = extra.and_then(|records| records.get(cursor.extra)) {
                cursor.extra += 1;
                each(node.name(), record);
                return Some(());
            }
            *cursor = Cursor {
                node: cursor.node + 1,
                ..Cursor::default()
            };
        }
    }
}

/// After the name tree, the NSEC3 chain (kept out of the tree, RFC 5155 §7.1): each NSEC3
/// then its RRSIGs. For these the cursor's `node` counts on past the tree's nodes, `rrset` is
/// 0 for the NSEC3 records and 1 for their signatures.
fn next_nsec3(zone: &Zone, cursor: &mut Cursor, each: &mut impl FnMut(&[u8], &[u8])) -> Option<()> {
    loop {
        let index = cursor.node as usize - zone.node_count();
        if index >= zone.nsec3_count() {
            return None;
        }
        let nsec3 = zone.nsec3(index as u32);
        let part = match cursor.rrset {
            0 => nsec3.encoded,
            1 => nsec3.signatures,
            _ => {
                *cursor = Cursor {
                    node: cursor.node + 1,
                    ..Cursor::default()
                };
                continue;
            }
        };
        match EncodedRecords::new(&part[cursor.offset.min(part.len())..]).next() {
            Some(record) => {
                cursor.offset += record.len();
                each(nsec3.owner, record);
                return Some(());
            }
            None => {
                cursor.rrset += 1;
                cursor.offset = 0;
            }
        }
    }
}

/// A position in [`Content`]'s walk.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cursor {
    node: NodeId,
    rrset: usize,
    offset: usize,
    extra: usize,
}

/// The serial of an encoded SOA record.
pub fn soa_serial(record: &[u8]) -> Option<u32> {
    soa_field(record, 0)
}

/// The 32-bit field `n` of an encoded SOA record's fixed part: 0 serial, 1 refresh, 2 retry,
/// 3 expire, 4 minimum (RFC 1035 §3.3.13).
pub fn soa_field(record: &[u8], n: usize) -> Option<u32> {
    let at = record.len().checked_sub(20)? + 4 * n;
    let bytes = record.get(at..at + 4)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

/// Writes `serial` into an encoded SOA record.
pub fn set_serial(record: &mut [u8], serial: u32) {
    if let Some(at) = record.len().checked_sub(20) {
        record[at..at + 4].copy_from_slice(&serial.to_be_bytes());
    }
}

/// Records added at steered names, by node.
pub type Defaults = Vec<(NodeId, Vec<Vec<u8>>)>;

/// The records added at each steered name of `zone` (see the module documentation), with the
/// datacenters drained now.
pub fn steered_defaults(services: &[Service], zone: &Zone) -> Defaults {
    let mut out = Vec::new();
    for service in services {
        let Some(id) = zone.find(service.name.to_lowercase().as_wire()) else {
            continue;
        };
        let node = zone.node(id);
        if node.service().is_none() {
            continue;
        }
        let mut records = Vec::new();
        for (family, rtype) in [(Family::V4, rtype::A), (Family::V6, rtype::AAAA)] {
            if node.rrset(rtype).is_none() {
                records.extend(default_targets(service, family));
            }
        }
        if !records.is_empty() {
            out.push((id, records));
        }
    }
    out.sort_by_key(|(id, _)| *id);
    out
}

/// Adds to each default set of an online-signed zone its RRSIGs, from the zone's cache of
/// steered-answer signatures (the ones the query path serves for the same RRset), so that a
/// secondary serves the steered names signed. A set that cannot be signed stays unsigned.
pub fn sign_defaults(defaults: &mut Defaults, zone: &Zone, signatures: &ZoneSignatures, now: u64) {
    for (id, records) in defaults.iter_mut() {
        let owner = zone.node(*id).name();
        let mut rrsigs = Vec::new();
        for rtype in [rtype::A, rtype::AAAA] {
            let set: Vec<&[u8]> = records
                .iter()
                .filter(|r| r.get(..2) == Some(&rtype.to_be_bytes()[..]) && r.len() >= 10)
                .map(Vec::as_slice)
                .collect();
            let Some(first) = set.first() else {
                continue;
            };
            let mut rdatas: Vec<&[u8]> = set.iter().map(|r| &r[10..]).collect();
            let unique = sort_rdatas(&mut rdatas);
            let rrset = VariantRrset {
                owner,
                rtype,
                ttl: u32::from_be_bytes([first[4], first[5], first[6], first[7]]),
                rdatas: &rdatas[..unique],
            };
            let (keys, signers) = (&signatures.keys, &signatures.zone_signers);
            // Off the query path: signed ahead, then read back like any cached variant.
            signatures.variants.sign_ahead(keys, signers, &rrset, now);
            signatures
                .variants
                .with_rrsigs(keys, signers, &rrset, now, |signed| {
                    rrsigs.extend(EncodedRecords::new(signed).map(<[u8]>::to_vec));
                });
        }
        records.extend(rrsigs);
    }
}

/// The encoded A or AAAA records of the first undrained datacenter in the default order;
/// with `transfer_follows_health`, of the first undrained one with a healthy target (its
/// healthy targets), when there is one.
pub fn default_targets(service: &Service, family: Family) -> Vec<Vec<u8>> {
    if service.transfer_follows_health {
        let healthy = chosen_targets(service, family, true);
        if !healthy.is_empty() {
            return healthy;
        }
    }
    chosen_targets(service, family, false)
}

/// [`default_targets`], counting only targets that are up when `healthy_only`.
fn chosen_targets(service: &Service, family: Family, healthy_only: bool) -> Vec<Vec<u8>> {
    let listed: Vec<u16> = match (&service.rules.default, service.order.is_empty()) {
        (Some(list), _) => list.to_vec(),
        (None, false) => service.order.clone(),
        (None, true) => (0..service.datacenters.len() as u16).collect(),
    };
    let serving = |d: u16| {
        service
            .targets
            .iter()
            .filter(move |t| t.datacenter == d && t.serves(family))
            .filter(move |t| !healthy_only || t.health.is_up())
            .filter_map(|t| t.record.map(|r| r.with_ttl(service.ttl).bytes().to_vec()))
    };
    let chosen = listed
        .iter()
        .copied()
        .find(|&d| {
            let drained = service
                .datacenters
                .get(usize::from(d))
                .is_none_or(|dc| dc.health.is_drained());
            !drained && serving(d).next().is_some()
        })
        .or_else(|| {
            if healthy_only {
                return None;
            }
            listed
                .iter()
                .copied()
                .find(|&d| serving(d).next().is_some())
        });
    chosen.map_or_else(Vec::new, |d| serving(d).collect())
}

/// A stable digest (FNV-1a) of the defaults at `zone`'s steered names: when it changes, the
/// zone's content changed without its file changing.
pub fn fingerprint(defaults: &Defaults, zone: &Zone) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (node, records) in defaults {
        eat(zone.node(*node).name());
        for record in records {
            eat(record);
        }
    }
    hash
}
