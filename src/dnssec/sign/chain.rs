//! The denial-of-existence chain over a zone's names: NSEC at every owner (RFC 4034 §4), or
//! NSEC3 for every owner and empty non-terminal with NSEC3PARAM at the apex (RFC 5155 §7.1,
//! with the parameters of RFC 9276: SHA-1, no salt, 0 iterations, no opt-out).

use std::collections::BTreeMap;

use super::nodes::{Nodes, Owner, Rrset};
use crate::dnssec::nsec3::{HASH_LEN, SHA1, nsec3_hash};
use crate::wire::{base32hex, rtype, type_bitmap};

/// Adds an NSEC to every owner of `nodes`, in canonical order, the last pointing back at the
/// apex.
pub fn add_nsec(nodes: &mut Nodes, ttl: u32) {
    let names: Vec<Owner> = nodes.nodes.keys().cloned().collect();
    for (i, name) in names.iter().enumerate() {
        let next = &names[(i + 1) % names.len()];
        let node = nodes.nodes.get_mut(name).expect("a listed owner");
        let types = node.keys().copied().chain([rtype::RRSIG, rtype::NSEC]);
        let mut rdata = next.0.clone();
        type_bitmap::encode(types, &mut rdata);
        node.insert(
            rtype::NSEC,
            Rrset {
                ttl,
                rdatas: vec![rdata],
            },
        );
    }
}

/// The zone's name is too long for an NSEC3 owner (a 32-character label) below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRoomForHash;

/// Adds the NSEC3 chain and the apex's NSEC3PARAM; `Err` when the zone's name leaves no room
/// for a hash label.
pub fn add_nsec3(nodes: &mut Nodes, ttl: u32) -> Result<(), NoRoomForHash> {
    nodes.nodes.get_mut(&nodes.apex).expect("the apex").insert(
        rtype::NSEC3PARAM,
        Rrset {
            ttl: 0,
            rdatas: vec![vec![SHA1, 0, 0, 0, 0]],
        },
    );
    let apex_len = nodes.apex.0.len();
    let mut hashed: BTreeMap<[u8; HASH_LEN], Vec<u16>> = BTreeMap::new();
    for (name, node) in &nodes.nodes {
        let insecure_cut = nodes.cuts.contains(name) && !node.contains_key(&rtype::DS);
        let mut types: Vec<u16> = node.keys().copied().collect();
        if !insecure_cut {
            types.push(rtype::RRSIG);
        }
        hashed.insert(nsec3_hash(&name.0, &[], 0), types);
        // Empty non-terminals between the owner and the apex.
        let mut current = name.name().parent();
        while let Some(ancestor) = current.filter(|a| a.as_wire().len() > apex_len) {
            hashed
                .entry(nsec3_hash(&Owner::of(&ancestor).0, &[], 0))
                .or_default();
            current = ancestor.parent();
        }
    }
    let hashes: Vec<[u8; HASH_LEN]> = hashed.keys().copied().collect();
    let zone = nodes.apex.name();
    for (i, hash) in hashes.iter().enumerate() {
        let next = hashes[(i + 1) % hashes.len()];
        let mut rdata = vec![SHA1, 0, 0, 0, 0, HASH_LEN as u8];
        rdata.extend_from_slice(&next);
        type_bitmap::encode(hashed[hash].iter().copied(), &mut rdata);
        let label = base32hex::encode(hash);
        let name = zone.prepend_label(label.as_bytes()).ok_or(NoRoomForHash)?;
        nodes.nodes.entry(Owner::of(&name)).or_default().insert(
            rtype::NSEC3,
            Rrset {
                ttl,
                rdatas: vec![rdata],
            },
        );
    }
    Ok(())
}
