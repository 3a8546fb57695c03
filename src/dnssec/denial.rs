//! Lookups for denial of existence in a signed zone's NSEC or NSEC3 chain: which NSEC matches
//! or covers a name (RFC 4035 §3.1.3), which NSEC3 matches or covers a name's hash and the
//! closest provable encloser (RFC 5155 §7.2.1). [`index`] sets what they read once the zone is
//! built (the NSEC owners in canonical order with their canonical keys, each node's own NSEC3,
//! what denies each node's wildcard), off the query path; the
//! lookups then only compare names and hash what is not in the zone, without allocating.

use super::canonical::{CANONICAL_KEY_MAX, canonical_key};
use super::nsec3::nsec3_hash;
use crate::wire::name::MAX_NAME_LEN;
use crate::wire::rtype;
use crate::zone::signed::{DenialIndex, NO_NSEC3, PrefixIndex, sort_prefix};
use crate::zone::{NodeId, Zone};

/// Sets the zone's denial lookup structures (nothing for an unsigned zone).
pub fn index(zone: &mut Zone) {
    if !zone.is_signed() {
        return;
    }
    let origin_len = zone.origin().len();
    let mut key = [0u8; CANONICAL_KEY_MAX];
    let mut keyed: Vec<(Vec<u8>, NodeId)> = (0..zone.node_count() as NodeId)
        .filter(|&id| zone.node(id).rrset(rtype::NSEC).is_some())
        .map(|id| {
            let len = canonical_key(zone.node(id).name(), origin_len, &mut key);
            (key[..len].to_vec(), id)
        })
        .collect();
    keyed.sort_unstable();
    let mut denial = DenialIndex {
        nsec_order: Vec::with_capacity(keyed.len()),
        nsec_key_ends: Vec::with_capacity(keyed.len()),
        ..DenialIndex::default()
    };
    let mut prefixes = Vec::with_capacity(keyed.len());
    for (key, id) in keyed {
        denial.nsec_order.push(id);
        prefixes.push(sort_prefix(&key));
        denial.nsec_keys.extend_from_slice(&key);
        denial.nsec_key_ends.push(denial.nsec_keys.len() as u32);
    }
    // Canonical keys are not uniform (names share their first letters): no buckets.
    denial.nsec_prefixes = PrefixIndex::new(prefixes, false);
    denial.node_nsec3 = match zone.nsec3_params() {
        Some((salt, iterations)) => (0..zone.node_count() as NodeId)
            .map(|id| {
                let hash = nsec3_hash(zone.node(id).name(), salt, iterations);
                match zone.nsec3_search(&hash) {
                    Some(Ok(index)) => index,
                    _ => NO_NSEC3,
                }
            })
            .collect(),
        None => Vec::new(),
    };
    zone.set_denial(denial);
    // Needs the NSEC order set above.
    let mut buf = [0u8; MAX_NAME_LEN + 2];
    let node_wildcard = (0..zone.node_count() as NodeId)
        .map(|id| {
            let wildcard = wildcard_of(zone, id, &mut buf);
            let found = match zone.nsec3_params() {
                Some(_) => wildcard.and_then(|n| nsec3_of(zone, n)),
                None => wildcard.and_then(|n| nsec_for(zone, n)),
            };
            found.unwrap_or(NO_NSEC3)
        })
        .collect();
    zone.set_node_wildcard_denial(node_wildcard);
}

/// The node whose NSEC matches (same name) or covers `name` (a name of the zone): the last
/// NSEC owner not after it in canonical order, found by its canonical key.
pub fn nsec_for(zone: &Zone, name: &[u8]) -> Option<NodeId> {
    let order = zone.nsec_order();
    let mut buf = [0u8; CANONICAL_KEY_MAX];
    let len = canonical_key(name, zone.origin().len(), &mut buf);
    match zone.nsec_count_not_after(&buf[..len]) {
        0 => order.last().copied(),
        n => Some(order[n - 1]),
    }
}

/// Where `name`'s hash falls in the NSEC3 chain: `Ok(i)` matched by NSEC3 `i`, `Err(i)`
/// covered by it. `None` when the zone has no NSEC3 chain.
pub fn nsec3_for(zone: &Zone, name: &[u8]) -> Option<Result<u32, u32>> {
    let (salt, iterations) = zone.nsec3_params()?;
    zone.nsec3_search(&nsec3_hash(name, salt, iterations))
}

/// The NSEC3 matching or covering `name`'s hash, whichever it is.
pub fn nsec3_of(zone: &Zone, name: &[u8]) -> Option<u32> {
    nsec3_for(zone, name).map(|found| match found {
        Ok(i) | Err(i) => i,
    })
}

/// RFC 5155 §7.2.1: from `encloser` (a node at or above the closest encloser of `name`), the
/// closest provable encloser (the first ancestor with an NSEC3 of its own name: an opt-out
/// span has none) with its NSEC3, and the NSEC3 covering the next closer name.
pub fn closest_encloser_proof(
    zone: &Zone,
    name: &[u8],
    encloser: NodeId,
) -> Option<(NodeId, u32, Option<u32>)> {
    let (ce, matching) = provable_encloser(zone, encloser)?;
    Some((ce, matching, next_closer_nsec3(zone, name, ce)))
}

/// The closest provable encloser at or above node `encloser` (the first with an NSEC3 of its
/// own name) and that NSEC3: the half of [`closest_encloser_proof`] that does not depend on
/// the name being proved.
pub fn provable_encloser(zone: &Zone, encloser: NodeId) -> Option<(NodeId, u32)> {
    let mut ce = encloser;
    loop {
        if let Some(index) = zone.node_nsec3(ce) {
            return Some((ce, index));
        }
        ce = parent_node(zone, zone.node(ce).name())?;
    }
}

/// The NSEC3 matching or covering the hash of `name`'s next closer name below node `ce` (the
/// other half of [`closest_encloser_proof`]: one hash of a name not in the zone).
pub fn next_closer_nsec3(zone: &Zone, name: &[u8], ce: NodeId) -> Option<u32> {
    nsec3_of(zone, next_closer(name, zone.node(ce).name().len())?)
}

/// The name one label longer than the suffix of `name` of length `suffix_len`.
pub fn next_closer(name: &[u8], suffix_len: usize) -> Option<&[u8]> {
    let mut at = 0usize;
    while at < name.len() {
        let rest = &name[at..];
        let next = at + usize::from(name[at]) + 1;
        if name.len() - next == suffix_len {
            return Some(rest);
        }
        if name[at] == 0 {
            break;
        }
        at = next;
    }
    None
}

/// The node of the closest ancestor of `name` (strictly above) in the zone.
fn parent_node(zone: &Zone, name: &[u8]) -> Option<NodeId> {
    let origin_len = zone.origin().len();
    let mut at = 0usize;
    while name.len() - at > origin_len {
        at += usize::from(name[at]) + 1;
        if let Some(id) = zone.find(&name[at..]) {
            return Some(id);
        }
    }
    None
}

/// `*.` followed by the name of node `id`, written into `buf`.
pub fn wildcard_of<'b>(
    zone: &Zone,
    id: NodeId,
    buf: &'b mut [u8; MAX_NAME_LEN + 2],
) -> Option<&'b [u8]> {
    let name = zone.node(id).name();
    if name.len() + 2 > MAX_NAME_LEN {
        return None;
    }
    buf[0] = 1;
    buf[1] = b'*';
    buf[2..2 + name.len()].copy_from_slice(name);
    Some(&buf[..2 + name.len()])
}
