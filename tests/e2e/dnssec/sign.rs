//! A zone signer for the interoperability tests only: it signs every authoritative RRset of a
//! parsed zone with the library's RRSIGs, adds the DNSKEY (and CDS/CDNSKEY) RRsets the key
//! lifecycle plan publishes, and an NSEC or NSEC3 chain (RFC 9276: SHA-1, no salt, 0
//! iterations, no opt-out), so that `dnssec-verify`, `ldns-verify-zone` and `kzonecheck` judge
//! what the library makes. The server's own signing of a snapshot is not this.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use switchyard::dnssec::canonical::canonical_name_cmp;
use switchyard::dnssec::command::key_infos;
use switchyard::dnssec::ds::ChildSync;
use switchyard::dnssec::keydir::StoredKey;
use switchyard::dnssec::nsec3::{HASH_LEN, SHA1, nsec3_hash};
use switchyard::dnssec::policy::KeyPolicy;
use switchyard::dnssec::rollover;
use switchyard::dnssec::rrsig::{RrsetHeader, SignScratch, Validity};
use switchyard::dnssec::validity::SignatureWindow;
use switchyard::wire::rtype::{self, CLASS_IN};
use switchyard::wire::{Name, base32hex, type_bitmap};
use switchyard::zone::{ParseOptions, parse_zone_text, rdata_to_text};

/// The denial of existence the chain gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    Nsec,
    Nsec3,
}

/// A lowercased owner in wire form, ordered canonically (RFC 4034 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner(Vec<u8>);

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

/// The RRsets of one owner: type → (TTL, rdatas).
type Node = BTreeMap<u16, (u32, Vec<Vec<u8>>)>;

/// Signs the zone `text` of `origin` with `keys` as the lifecycle plan at `plan_at` uses them
/// (published, zone signers, key signers, CDS), signatures valid over `window`. Returns the
/// signed zone in presentation form, one record a line.
pub fn sign_zone(
    text: &str,
    origin: &Name,
    keys: &[StoredKey],
    denial: Denial,
    plan_at: u64,
    window: SignatureWindow,
) -> String {
    let records = parse_zone_text(
        text,
        Path::new("interop.zone"),
        origin,
        &ParseOptions::default(),
    )
    .unwrap_or_else(|e| panic!("test zone: {e:?}"));
    let mut nodes: BTreeMap<Owner, Node> = BTreeMap::new();
    for record in records {
        let node = nodes.entry(owner(&record.owner)).or_default();
        let set = node.entry(record.rtype).or_insert((record.ttl, Vec::new()));
        set.1.push(record.rdata.into_vec());
    }
    let apex = owner(origin);
    let plan = rollover::plan(&key_infos(keys), &KeyPolicy::default(), plan_at);
    let dnskeys: Vec<&[u8]> = plan
        .publish()
        .iter()
        .map(|&i| keys[i].dnskey.as_slice())
        .collect();
    let sync = ChildSync::for_keys(
        origin,
        plan.cds().iter().map(|&i| keys[i].dnskey.as_slice()),
    );
    let apex_node = nodes.get_mut(&apex).expect("the zone has an apex");
    let soa = apex_node
        .get(&rtype::SOA)
        .expect("the zone has a SOA")
        .clone();
    let minimum = u32::from_be_bytes(soa.1[0][soa.1[0].len() - 4..].try_into().unwrap());
    let negative_ttl = soa.0.min(minimum);
    apex_node.insert(
        rtype::DNSKEY,
        (3600, dnskeys.iter().map(|k| k.to_vec()).collect()),
    );
    if !sync.cds.is_empty() {
        apex_node.insert(rtype::CDS, (3600, sync.cds.clone()));
        apex_node.insert(rtype::CDNSKEY, (3600, sync.cdnskey.clone()));
    }
    let cuts: BTreeSet<Owner> = nodes
        .iter()
        .filter(|(name, node)| **name != apex && node.contains_key(&rtype::NS))
        .map(|(name, _)| name.clone())
        .collect();
    // Glue and anything else below a cut: served as it is, neither signed nor chained.
    let occluded: Vec<Owner> = nodes
        .keys()
        .filter(|name| below_a_cut(name, &apex, &cuts))
        .cloned()
        .collect();
    let mut out = String::new();
    for name in occluded {
        let owner_name = Name::from_wire(&name.0).unwrap();
        for (rtype, (ttl, rdatas)) in nodes.remove(&name).unwrap() {
            for rdata in rdatas {
                out.push_str(&line(&owner_name, ttl, rtype, &rdata));
            }
        }
    }
    match denial {
        Denial::Nsec => add_nsec_chain(&mut nodes, negative_ttl),
        Denial::Nsec3 => add_nsec3_chain(&mut nodes, &apex, &cuts, negative_ttl),
    }
    let mut scratch = SignScratch::default();
    for (name, node) in &nodes {
        let owner_name = Name::from_wire(&name.0).unwrap();
        let mut signatures = Vec::new();
        for (&rtype, (ttl, rdatas)) in node {
            for rdata in rdatas {
                out.push_str(&line(&owner_name, *ttl, rtype, rdata));
            }
            let at_cut = cuts.contains(name);
            if at_cut && rtype != rtype::DS && rtype != rtype::NSEC {
                continue;
            }
            let by_keys = matches!(rtype, rtype::DNSKEY | rtype::CDS | rtype::CDNSKEY);
            let signers = if by_keys {
                plan.key_signers()
            } else {
                plan.zone_signers()
            };
            let header = RrsetHeader {
                owner: &owner_name,
                class: CLASS_IN,
                rtype,
                ttl: *ttl,
            };
            for i in signers {
                let rrsig = keys[i]
                    .signer()
                    .sign(
                        &header,
                        rdatas.iter().map(Vec::as_slice),
                        Validity::Window(window),
                        &mut scratch,
                    )
                    .unwrap();
                signatures.push((*ttl, rrsig));
            }
        }
        for (ttl, rrsig) in signatures {
            out.push_str(&line(&owner_name, ttl, rtype::RRSIG, &rrsig));
        }
    }
    out
}

fn owner(name: &Name) -> Owner {
    Owner(name.to_lowercase().as_wire().to_vec())
}

fn line(owner: &Name, ttl: u32, rtype: u16, rdata: &[u8]) -> String {
    let mnemonic = rtype::type_to_string(rtype);
    format!(
        "{owner} {ttl} IN {mnemonic} {}\n",
        rdata_to_text(rtype, rdata)
    )
}

/// Whether `name` lies strictly below a delegation (glue and other occluded data).
fn below_a_cut(name: &Owner, apex: &Owner, cuts: &BTreeSet<Owner>) -> bool {
    let mut current = Name::from_wire(&name.0).unwrap().parent();
    while let Some(ancestor) = current {
        let ancestor_owner = owner(&ancestor);
        if ancestor_owner == *apex || ancestor_owner.0.len() < apex.0.len() {
            return false;
        }
        if cuts.contains(&ancestor_owner) {
            return true;
        }
        current = ancestor.parent();
    }
    false
}

/// NSEC at every owner, in canonical order, the last pointing back at the apex (RFC 4034 §4).
fn add_nsec_chain(nodes: &mut BTreeMap<Owner, Node>, ttl: u32) {
    let names: Vec<Owner> = nodes.keys().cloned().collect();
    for (i, name) in names.iter().enumerate() {
        let next = &names[(i + 1) % names.len()];
        let node = nodes.get_mut(name).unwrap();
        let types = node.keys().copied().chain([rtype::RRSIG, rtype::NSEC]);
        let mut rdata = next.0.clone();
        type_bitmap::encode(types, &mut rdata);
        node.insert(rtype::NSEC, (ttl, vec![rdata]));
    }
}

/// NSEC3 for every owner and empty non-terminal (RFC 5155 §7.1), NSEC3PARAM at the apex.
fn add_nsec3_chain(
    nodes: &mut BTreeMap<Owner, Node>,
    apex: &Owner,
    cuts: &BTreeSet<Owner>,
    ttl: u32,
) {
    nodes
        .get_mut(apex)
        .unwrap()
        .insert(rtype::NSEC3PARAM, (0, vec![vec![SHA1, 0, 0, 0, 0]]));
    let mut hashed: BTreeMap<[u8; HASH_LEN], Vec<u16>> = BTreeMap::new();
    for (name, node) in nodes.iter() {
        let insecure_cut = cuts.contains(name) && !node.contains_key(&rtype::DS);
        let mut types: Vec<u16> = node.keys().copied().collect();
        if !insecure_cut {
            types.push(rtype::RRSIG);
        }
        hashed.insert(nsec3_hash(&name.0, &[], 0), types);
        // Empty non-terminals between the owner and the apex.
        let mut current = Name::from_wire(&name.0).unwrap().parent();
        while let Some(ancestor) = current.filter(|a| owner(a).0.len() > apex.0.len()) {
            hashed
                .entry(nsec3_hash(ancestor.as_wire(), &[], 0))
                .or_default();
            current = ancestor.parent();
        }
    }
    let hashes: Vec<[u8; HASH_LEN]> = hashed.keys().copied().collect();
    let zone = Name::from_wire(&apex.0).unwrap();
    for (i, hash) in hashes.iter().enumerate() {
        let next = hashes[(i + 1) % hashes.len()];
        let mut rdata = vec![SHA1, 0, 0, 0, 0, HASH_LEN as u8];
        rdata.extend_from_slice(&next);
        type_bitmap::encode(hashed[hash].iter().copied(), &mut rdata);
        let label = base32hex::encode(hash);
        let name = zone.prepend_label(label.as_bytes()).unwrap();
        nodes
            .entry(owner(&name))
            .or_default()
            .insert(rtype::NSEC3, (ttl, vec![rdata]));
    }
}
