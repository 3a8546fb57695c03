//! Steering decisions: (service, client, health) → targets, TTL and ECS scope.
//!
//! Everything here is pure and allocation-free on the query path: the service's rules and
//! targets are prepared at load time, health is read from atomics, and the decision is a small
//! fixed-size value. The same code produces the explain trace through a [`Recorder`], and
//! places a location given directly (a country on the admin console's map) through
//! [`select_at`], which shares every step after the location with [`select`].

pub mod ahead;
pub mod build;
pub mod order;
pub mod pick;
#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use crate::config::PolicyKind;
use crate::geo::{GeoDatabase, Location};
use crate::health::{DatacenterHealth, TargetHealth};
use crate::wire::Name;
pub use order::Rules;

/// Most addresses in one answer.
pub const MAX_ANSWERS: usize = 16;
/// Most datacenters in one service.
pub const MAX_DATACENTERS: usize = 64;

/// A steered name, prepared for the query path.
pub struct Service {
    pub name: Name,
    pub policy: PolicyKind,
    pub ttl: u32,
    pub min_ttl: u32,
    pub answers: usize,
    pub sticky: bool,
    /// Zone transfers' default answer skips datacenters whose targets are all down (see
    /// `transfer::content`); otherwise only drains move it.
    pub transfer_follows_health: bool,
    pub datacenters: Vec<Datacenter>,
    pub targets: Vec<Target>,
    pub rules: Rules,
    /// Datacenter order for `failover` (and the order `weighted` fails open to).
    pub order: Vec<u16>,
}

/// One datacenter as seen by a service.
pub struct Datacenter {
    pub name: String,
    pub location: Option<(f64, f64)>,
    pub health: Arc<DatacenterHealth>,
    /// Indices into the service's targets.
    pub targets: Vec<u16>,
}

/// What a target answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    Cname(Name),
}

/// One answer candidate.
pub struct Target {
    pub datacenter: u16,
    pub address: Address,
    pub weight: u32,
    pub health: Arc<TargetHealth>,
    /// The A or AAAA record an answer holds for this target, encoded once (see
    /// [`AddressRecord`]); `None` for a CNAME target.
    pub record: Option<AddressRecord>,
}

impl Target {
    pub fn new(
        datacenter: u16,
        address: Address,
        weight: u32,
        health: Arc<TargetHealth>,
    ) -> Target {
        let record = AddressRecord::new(&address);
        Target {
            datacenter,
            address,
            weight,
            health,
            record,
        }
    }
}

/// `TYPE CLASS TTL RDLENGTH RDATA` of an A or AAAA record, without the owner; the TTL is
/// written per answer (a decision may lower it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRecord {
    bytes: [u8; 10 + 16],
    len: u8,
}

impl AddressRecord {
    fn new(address: &Address) -> Option<AddressRecord> {
        let mut bytes = [0u8; 26];
        let (rtype, rdlen): (u16, u16) = match address {
            Address::V4(a) => {
                bytes[10..14].copy_from_slice(&a.octets());
                (crate::wire::rtype::A, 4)
            }
            Address::V6(a) => {
                bytes[10..26].copy_from_slice(&a.octets());
                (crate::wire::rtype::AAAA, 16)
            }
            Address::Cname(_) => return None,
        };
        bytes[0..2].copy_from_slice(&rtype.to_be_bytes());
        bytes[2..4].copy_from_slice(&crate::wire::rtype::CLASS_IN.to_be_bytes());
        bytes[8..10].copy_from_slice(&rdlen.to_be_bytes());
        Some(AddressRecord {
            bytes,
            len: 10 + rdlen as u8,
        })
    }

    /// The record with `ttl`.
    #[inline]
    pub fn with_ttl(mut self, ttl: u32) -> AddressRecord {
        self.bytes[4..8].copy_from_slice(&ttl.to_be_bytes());
        self
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Address family of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Target {
    /// True when this target can answer a query of `family` (CNAME targets answer both).
    pub fn serves(&self, family: Family) -> bool {
        matches!(
            (&self.address, family),
            (Address::V4(_), Family::V4) | (Address::V6(_), Family::V6) | (Address::Cname(_), _)
        )
    }
}

/// Who is asking, as far as steering is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The address to locate: the ECS address when present, else the packet's source.
    pub address: IpAddr,
    /// ECS SOURCE PREFIX-LENGTH, or the full address length without ECS.
    pub source_prefix: u8,
    /// False when ECS said "do not use my address" (source prefix 0).
    pub use_address: bool,
}

impl Client {
    /// A client identified by the packet's source only.
    pub fn from_source(address: IpAddr) -> Client {
        Client {
            address,
            source_prefix: crate::geo::max_prefix(address),
            use_address: true,
        }
    }
}

/// Why the answer is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Geo,
    Nearest,
    Failover,
    Weighted,
    /// No healthy target: the zone file's records at the name.
    Fallback,
    /// No healthy target and no zone records: the first datacenter's targets anyway.
    FailOpen,
    /// The service has no target of the queried family: the zone file's records, if any.
    NoTargets,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Geo => "geo",
            Reason::Nearest => "nearest",
            Reason::Failover => "failover",
            Reason::Weighted => "weighted",
            Reason::Fallback => "fallback",
            Reason::FailOpen => "fail-open",
            Reason::NoTargets => "no-targets",
        }
    }
}

/// The outcome of [`select`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub reason: Reason,
    /// The datacenter answering, if one was chosen.
    pub datacenter: Option<u16>,
    picks: [u16; MAX_ANSWERS],
    pick_count: usize,
    pub ttl: u32,
    /// ECS SCOPE PREFIX-LENGTH for the response.
    pub scope: u8,
}

impl Decision {
    /// Nothing chosen yet: no target, no datacenter, the service's TTL.
    fn none(ttl: u32) -> Decision {
        Decision {
            reason: Reason::NoTargets,
            datacenter: None,
            picks: [0; MAX_ANSWERS],
            pick_count: 0,
            ttl,
            scope: 0,
        }
    }

    /// Indices of the chosen targets, in answer order.
    pub fn picks(&self) -> &[u16] {
        &self.picks[..self.pick_count]
    }
}

/// Receives the steps of a decision for the explain trace; [`NoRecord`] costs nothing.
pub trait Recorder {
    fn enabled(&self) -> bool;
    fn note(&mut self, line: String);
}

/// The query path's recorder: records nothing.
pub struct NoRecord;

impl Recorder for NoRecord {
    fn enabled(&self) -> bool {
        false
    }
    fn note(&mut self, _line: String) {}
}

/// Collects trace lines.
#[derive(Default)]
pub struct Trace {
    pub lines: Vec<String>,
}

impl Recorder for Trace {
    fn enabled(&self) -> bool {
        true
    }
    fn note(&mut self, line: String) {
        self.lines.push(line);
    }
}

/// Records a formatted line only when the recorder wants it.
#[macro_export]
macro_rules! trace_note {
    ($recorder:expr, $($arg:tt)*) => {
        if $recorder.enabled() {
            $recorder.note(format!($($arg)*));
        }
    };
}

/// Chooses the answer for `client` asking `family` at `service`. `has_fallback` says whether
/// the zone file holds records of that family at the name (used when nothing is healthy).
pub fn select(
    service: &Service,
    family: Family,
    client: &Client,
    geo: Option<&GeoDatabase>,
    has_fallback: bool,
    recorder: &mut impl Recorder,
) -> Decision {
    if let Some(none) = no_targets(service, family, recorder) {
        return none;
    }
    let ordering = order::datacenter_order(service, client, geo, recorder);
    let sticky_key = service.sticky.then(|| pick::sticky_key(client));
    let mut decision = decide(
        service,
        family,
        ordering.as_slice(),
        sticky_key.as_ref(),
        has_fallback,
        recorder,
    );
    let mut scope = ordering.scope;
    if let Some(key) = &sticky_key {
        scope = scope.max(key.prefix);
    }
    if decision.reason == Reason::Fallback {
        // The fallback is the same for every client.
        scope = 0;
    }
    decision.scope = if client.use_address {
        scope.min(client.source_prefix)
    } else {
        0
    };
    decision
}

/// Where clients at a location given directly (not looked up from an address) are sent now:
/// the console's map asks this for each country's representative point. The same rules,
/// distances, health and drains as [`select`]; `net:` rules and stickiness need an address and
/// do not apply.
pub fn select_at(
    service: &Service,
    family: Family,
    location: &Location,
    has_fallback: bool,
    recorder: &mut impl Recorder,
) -> Placement {
    if let Some(none) = no_targets(service, family, recorder) {
        return Placement {
            decision: none,
            first_choice: None,
        };
    }
    let ordering = order::location_order(service, location, recorder);
    let decision = decide(
        service,
        family,
        ordering.as_slice(),
        None,
        has_fallback,
        recorder,
    );
    Placement {
        decision,
        first_choice: ordering.as_slice().first().copied(),
    }
}

/// The outcome of [`select_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub decision: Decision,
    /// The datacenter the location prefers when everything is healthy.
    pub first_choice: Option<u16>,
}

/// The decision when the service has no target of `family` at all.
fn no_targets(service: &Service, family: Family, recorder: &mut impl Recorder) -> Option<Decision> {
    if service.targets.iter().any(|t| t.serves(family)) {
        return None;
    }
    trace_note!(recorder, "no {family:?} targets in this service");
    Some(Decision::none(service.ttl))
}

/// Walks `order` (or, for `weighted`, every target) and applies health, drains, the zone-file
/// fallback, fail-open and TTL lowering. The scope is left to the caller.
fn decide(
    service: &Service,
    family: Family,
    order: &[u16],
    sticky_key: Option<&pick::StickyKey>,
    has_fallback: bool,
    recorder: &mut impl Recorder,
) -> Decision {
    let mut decision = Decision::none(service.ttl);
    let reason = match service.policy {
        PolicyKind::Geo => Reason::Geo,
        PolicyKind::Nearest => Reason::Nearest,
        PolicyKind::Failover => Reason::Failover,
        PolicyKind::Weighted => Reason::Weighted,
    };
    let (chosen, mut changing) = if service.policy == PolicyKind::Weighted {
        pick_weighted(service, family, sticky_key, &mut decision.picks, recorder)
    } else {
        pick_in_order(
            service,
            family,
            order,
            sticky_key,
            &mut decision.picks,
            recorder,
        )
    };
    match chosen {
        Some((dc, count)) => {
            decision.reason = reason;
            decision.datacenter = dc;
            decision.pick_count = count;
        }
        None if has_fallback => {
            decision.reason = Reason::Fallback;
            trace_note!(
                recorder,
                "nothing healthy: zone file records are the fallback"
            );
        }
        None => {
            decision.reason = Reason::FailOpen;
            let first = order
                .first()
                .copied()
                .or_else(|| service.order.first().copied())
                .unwrap_or(0);
            let datacenter = &service.datacenters[first as usize];
            let all = |t: &Target| t.serves(family);
            let members = datacenter.targets.iter().map(|&t| t as usize);
            decision.pick_count = pick::pick(
                service,
                members,
                &all,
                sticky_key,
                &mut decision.picks,
                service.answers,
            );
            decision.datacenter = Some(first);
            trace_note!(
                recorder,
                "nothing healthy and no zone records: failing open to {}",
                datacenter.name
            );
            changing = true;
        }
    }
    if changing && decision.reason != Reason::Fallback {
        decision.ttl = service.min_ttl.min(service.ttl);
        trace_note!(
            recorder,
            "a candidate is changing state: TTL lowered to {}",
            decision.ttl
        );
    }
    decision
}

/// A chosen datacenter (`None` for `weighted`, which spans them) and how many picks.
type Chosen = Option<(Option<u16>, usize)>;

/// `weighted`: picks across every healthy target. Also says whether a candidate is changing.
fn pick_weighted(
    service: &Service,
    family: Family,
    sticky_key: Option<&pick::StickyKey>,
    picks: &mut [u16; MAX_ANSWERS],
    recorder: &mut impl Recorder,
) -> (Chosen, bool) {
    let healthy = |t: &Target| t.serves(family) && is_healthy(service, t);
    let changing = service
        .targets
        .iter()
        .any(|t| t.serves(family) && t.health.is_changing());
    let count = pick::pick(
        service,
        0..service.targets.len(),
        &healthy,
        sticky_key,
        picks,
        service.answers,
    );
    trace_note!(
        recorder,
        "weighted across all datacenters: {count} healthy pick(s)"
    );
    ((count > 0).then_some((None, count)), changing)
}

/// The first datacenter in `order` that is not drained and has a healthy target. Also says
/// whether a candidate up to it is changing.
fn pick_in_order(
    service: &Service,
    family: Family,
    order: &[u16],
    sticky_key: Option<&pick::StickyKey>,
    picks: &mut [u16; MAX_ANSWERS],
    recorder: &mut impl Recorder,
) -> (Chosen, bool) {
    let mut changing = false;
    for &dc in order {
        let datacenter = &service.datacenters[dc as usize];
        let members = datacenter.targets.iter().map(|&t| t as usize);
        changing |= members.clone().any(|t| {
            let target = &service.targets[t];
            target.serves(family) && target.health.is_changing()
        });
        if datacenter.health.is_drained() {
            trace_note!(recorder, "datacenter {}: drained, skipped", datacenter.name);
            continue;
        }
        let healthy = |t: &Target| t.serves(family) && is_healthy(service, t);
        let count = pick::pick(
            service,
            members,
            &healthy,
            sticky_key,
            picks,
            service.answers,
        );
        if count > 0 {
            trace_note!(
                recorder,
                "datacenter {}: {count} healthy pick(s)",
                datacenter.name
            );
            return (Some((Some(dc), count)), changing);
        }
        trace_note!(
            recorder,
            "datacenter {}: no healthy {family:?} target, next",
            datacenter.name
        );
    }
    (None, changing)
}

/// Healthy means: the target's state is up and its datacenter is not drained.
fn is_healthy(service: &Service, target: &Target) -> bool {
    target.health.is_up()
        && !service.datacenters[target.datacenter as usize]
            .health
            .is_drained()
}
