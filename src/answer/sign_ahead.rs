//! Signing steered answers ahead of the queries: for every steered name of a zone signed
//! here, the decisions the current health state makes for each datacenter order a client can
//! get (`policy::ahead`), and the RRset each writes ([`super::variant_rrsig::with_variant`],
//! the query path's own), signed into the zone's variant cache and published. Run off the
//! query path by the daemon's watcher thread: [`SignAhead::tick`] looks at the decisions
//! every few hundred milliseconds and signs when they change (a failover, a drain, a TTL
//! lowered while a target changes state), when a snapshot is built, and every
//! [`FULL_PASS`] seconds for the variants due for refreshing. The query that follows a
//! failover then finds its signature published instead of signing inline.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use super::variant_rrsig::with_variant;
use crate::policy::ahead::{candidate_orders, decide_in_order};
use crate::policy::{Decision, Family, Service};
use crate::snapshot::signing::ZoneSignatures;
use crate::snapshot::{LoadedZone, Snapshot};
use crate::wire::rtype;
use crate::zone::NodeRef;

/// Seconds between passes that sign whatever is missing even when no decision changed.
pub const FULL_PASS: u64 = 10;

/// What the last pass saw.
#[derive(Debug, Default)]
pub struct SignAhead {
    /// Snapshot generation and fingerprint of every decision.
    seen: Option<(u64, u64)>,
    last_pass: u64,
}

/// One steered name's place in a signed zone.
struct SteeredName<'s> {
    service: &'s Service,
    signed: &'s ZoneSignatures,
    node: NodeRef<'s>,
    owner: Vec<u8>,
}

impl SignAhead {
    /// Signs ahead when the decisions changed since the last call, the snapshot is new, or
    /// the last pass is [`FULL_PASS`] seconds old; the number of variants signed (0 when
    /// nothing was due).
    pub fn tick(&mut self, snapshot: &Snapshot, now: u64) -> usize {
        let names = steered_names(snapshot);
        if names.is_empty() {
            return 0;
        }
        let mut hasher = DefaultHasher::new();
        for name in &names {
            for_each_decision(name, |_, decision| fingerprint(decision, &mut hasher));
        }
        let seen = Some((snapshot.generation, hasher.finish()));
        if seen == self.seen && now < self.last_pass + FULL_PASS {
            return 0;
        }
        self.seen = seen;
        self.last_pass = now;
        sign(&names, now)
    }
}

/// Signs ahead every variant the current decisions write; how many were signed.
pub fn sign_ahead(snapshot: &Snapshot, now: u64) -> usize {
    sign(&steered_names(snapshot), now)
}

fn sign(names: &[SteeredName<'_>], now: u64) -> usize {
    let mut signed = 0;
    for name in names {
        let mut made = 0;
        for_each_decision(name, |qtype, decision| {
            let fallback = name.node.rrset(qtype);
            let owner = &name.owner;
            let fresh = with_variant(name.service, decision, owner, qtype, fallback, |rrset| {
                let zone = name.signed;
                zone.variants
                    .sign_ahead(&zone.keys, &zone.zone_signers, rrset, now)
            });
            made += usize::from(fresh == Some(true));
        });
        if made > 0 {
            name.signed.variants.publish(now);
        }
        signed += made;
    }
    signed
}

/// Calls `f` with the query type and decision of each family and datacenter order.
fn for_each_decision(name: &SteeredName<'_>, mut f: impl FnMut(u16, &Decision)) {
    for order in candidate_orders(name.service) {
        for (family, qtype) in [(Family::V4, rtype::A), (Family::V6, rtype::AAAA)] {
            let has_fallback = name.node.rrset(qtype).is_some();
            let decision = decide_in_order(name.service, family, &order, has_fallback);
            f(qtype, &decision);
        }
    }
}

fn fingerprint(decision: &Decision, hasher: &mut impl Hasher) {
    decision.reason.as_str().hash(hasher);
    decision.datacenter.hash(hasher);
    decision.picks().hash(hasher);
    decision.ttl.hash(hasher);
}

/// The steered names of the zones signed here.
fn steered_names(snapshot: &Snapshot) -> Vec<SteeredName<'_>> {
    let mut names = Vec::new();
    for (index, service) in snapshot.services().iter().enumerate() {
        let owner = service.name.to_lowercase().as_wire().to_vec();
        let Some(zone) = snapshot.find_zone(&owner) else {
            continue;
        };
        let Some(loaded) = snapshot.zones().get(zone as usize) else {
            continue;
        };
        let LoadedZone {
            zone,
            signatures: Some(signed),
            ..
        } = loaded
        else {
            continue;
        };
        let Some(node) = zone.find(&owner).map(|id| zone.node(id)) else {
            continue;
        };
        if node.service() == Some(index as u32) {
            names.push(SteeredName {
                service,
                signed,
                node,
                owner,
            });
        }
    }
    names
}

#[cfg(test)]
#[path = "tests/sign_ahead.rs"]
mod tests;
