//! A zone's records grouped for signing: owners in canonical order (RFC 4034 §6.1), each with
//! its RRsets (type → TTL and rdatas), the zone cuts, and the names below them (glue and other
//! occluded data, served as they are, neither signed nor chained).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::dnssec::canonical::canonical_name_cmp;
use crate::wire::{Name, rtype};
use crate::zone::Record;

/// A lowercased owner in wire form, ordered canonically.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owner(pub Vec<u8>);

impl Ord for Owner {
    fn cmp(&self, other: &Self) -> Ordering {
        canonical_name_cmp(&self.0, &other.0)
    }
}

impl PartialOrd for Owner {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Owner {
    pub fn of(name: &Name) -> Owner {
        Owner(name.to_lowercase().as_wire().to_vec())
    }

    pub fn name(&self) -> Name {
        Name::from_wire(&self.0).expect("an owner is a valid name")
    }
}

/// One RRset: the TTL it is served with (its first record's, as the zone builder keeps) and
/// its distinct rdatas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rrset {
    pub ttl: u32,
    pub rdatas: Vec<Vec<u8>>,
}

/// The RRsets of one owner, by type. A type with no rdatas is a steered one: answered by the
/// steering (its signatures are the variants'), present only in the denial chain's bitmaps.
pub type Node = BTreeMap<u16, Rrset>;

/// The types a signer makes itself: whatever the zone file holds of them is replaced.
pub const SIGNER_TYPES: [u16; 7] = [
    rtype::RRSIG,
    rtype::NSEC,
    rtype::NSEC3,
    rtype::NSEC3PARAM,
    rtype::DNSKEY,
    rtype::CDS,
    rtype::CDNSKEY,
];

/// The zone's names and RRsets, cuts and occluded names.
#[derive(Debug)]
pub struct Nodes {
    pub apex: Owner,
    pub nodes: BTreeMap<Owner, Node>,
    /// Delegations (NS below the apex).
    pub cuts: BTreeSet<Owner>,
}

impl Nodes {
    /// Groups `records` (the signer's own types skipped) and adds each steered name with its
    /// answer types.
    pub fn group(origin: &Name, records: &[Record], steered: &[(Name, Vec<u16>)]) -> Nodes {
        let apex = Owner::of(origin);
        let mut nodes: BTreeMap<Owner, Node> = BTreeMap::new();
        for record in records {
            if SIGNER_TYPES.contains(&record.rtype) {
                continue;
            }
            let node = nodes.entry(Owner::of(&record.owner)).or_default();
            let set = node.entry(record.rtype).or_insert_with(|| Rrset {
                ttl: record.ttl,
                rdatas: Vec::new(),
            });
            if !set.rdatas.iter().any(|r| **r == *record.rdata) {
                set.rdatas.push(record.rdata.to_vec());
            }
        }
        for (name, types) in steered {
            let node = nodes.entry(Owner::of(name)).or_default();
            for &t in types {
                node.entry(t).or_default();
            }
        }
        let cuts = nodes
            .iter()
            .filter(|(name, node)| **name != apex && node.contains_key(&rtype::NS))
            .map(|(name, _)| name.clone())
            .collect();
        Nodes { apex, nodes, cuts }
    }

    /// Removes and returns the names strictly below a delegation.
    pub fn take_occluded(&mut self) -> Vec<Owner> {
        let occluded: Vec<Owner> = self
            .nodes
            .keys()
            .filter(|name| self.below_a_cut(name))
            .cloned()
            .collect();
        for name in &occluded {
            self.nodes.remove(name);
        }
        occluded
    }

    /// Whether `name` lies strictly below a delegation.
    fn below_a_cut(&self, name: &Owner) -> bool {
        let mut current = name.name().parent();
        while let Some(ancestor) = current {
            let ancestor_owner = Owner::of(&ancestor);
            if ancestor_owner.0.len() <= self.apex.0.len() {
                return false;
            }
            if self.cuts.contains(&ancestor_owner) {
                return true;
            }
            current = ancestor.parent();
        }
        false
    }

    /// The negative-answer TTL: the smaller of the SOA's TTL and its MINIMUM (RFC 9077).
    pub fn negative_ttl(&self) -> Option<u32> {
        let soa = self.nodes.get(&self.apex)?.get(&rtype::SOA)?;
        let rdata = soa.rdatas.first()?;
        let minimum =
            u32::from_be_bytes(rdata.get(rdata.len().checked_sub(4)?..)?.try_into().ok()?);
        Some(soa.ttl.min(minimum))
    }
}
