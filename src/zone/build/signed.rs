//! The DNSSEC data of a signed zone (see [`crate::zone::signed`]), built once the RRsets are
//! encoded: each RRset's RRSIGs split out of the owner's RRSIG RRset by type covered, the
//! negative SOA's, and the NSEC3 chain of the zone's NSEC3PARAM, taken out of the name tree.

use super::super::record::Record;
use super::super::signed::{NSEC3_HASH_LEN, Nsec3Entry, PrefixIndex, Signed, sort_prefix};
use super::super::tree::{RRsetEntry, Span};
use super::arena::Draft;
use crate::wire::Name;
use crate::wire::base32hex;
use crate::wire::rtype;
use crate::wire::writer::{EncodedRecords, encode_record};

/// Takes the NSEC3 records, and the RRSIGs covering them, out of `records` (lowercased) when
/// the apex has an NSEC3PARAM: their owners are hashes, no names of the zone's tree (RFC 5155
/// §7.1).
pub(super) fn split_nsec3(records: &mut Vec<Record>, origin: &Name) -> Vec<Record> {
    let is_nsec3 = |r: &Record| {
        r.rtype == rtype::NSEC3
            || (r.rtype == rtype::RRSIG && r.rdata.get(..2) == Some(&rtype::NSEC3.to_be_bytes()))
    };
    // Without an NSEC3PARAM at the apex there is no chain to serve: NSEC3 records stay data.
    let has_param = records
        .iter()
        .any(|r| r.rtype == rtype::NSEC3PARAM && r.owner == *origin);
    if !has_param || !records.iter().any(is_nsec3) {
        return Vec::new();
    }
    let (nsec3, rest) = std::mem::take(records).into_iter().partition(is_nsec3);
    *records = rest;
    nsec3
}

/// The type an RRSIG covers, from its pre-encoded record.
fn covered(record: &[u8]) -> u16 {
    u16::from_be_bytes([record[10], record[11]])
}

/// The zone's DNSSEC data, or `None` for a zone without RRSIG, NSEC or NSEC3.
pub(super) fn build(
    draft: &mut Draft,
    rrsets: &[RRsetEntry],
    negative_soa: Span,
    nsec3: Vec<Record>,
) -> Option<Box<Signed>> {
    let signed_types = [rtype::RRSIG, rtype::NSEC];
    if nsec3.is_empty() && !rrsets.iter().any(|r| signed_types.contains(&r.rtype)) {
        return None;
    }
    let mut signed = Signed {
        sigs: vec![Span::default(); rrsets.len()],
        ..Signed::default()
    };
    let mut scratch = Vec::new();
    for node in 0..draft.nodes.len() {
        let start = draft.nodes[node].rrsets_start as usize;
        let range = start..start + draft.nodes[node].rrsets_len as usize;
        let Some(rrsig) = rrsets[range.clone()]
            .iter()
            .find(|r| r.rtype == rtype::RRSIG)
            .map(|r| r.data)
        else {
            continue;
        };
        covered_ttls(&mut draft.arena, &rrsets[range.clone()], rrsig);
        for index in range {
            let rtype = rrsets[index].rtype;
            if rtype == rtype::RRSIG {
                continue;
            }
            scratch.clear();
            for record in EncodedRecords::new(slice(&draft.arena, rrsig)) {
                if covered(record) == rtype {
                    scratch.extend_from_slice(record);
                }
            }
            signed.sigs[index] = append(&mut draft.arena, &scratch);
            if node == 0 && rtype == rtype::SOA {
                signed.negative_soa_sigs = negative_sigs(draft, signed.sigs[index], negative_soa);
            }
        }
    }
    chain(draft, rrsets, nsec3, &mut signed);
    Some(Box::new(signed))
}

/// RFC 4034 §3: the TTL of an RRSIG is that of the RRset it covers. A signer may write
/// another (`dnssec-signzone` caps it at the validity left); the owner's RRSIG records, in
/// place, get their RRsets' TTLs (as Knot DNS serves them). An RRSIG covering no RRset keeps
/// its own.
fn covered_ttls(arena: &mut [u8], node_rrsets: &[RRsetEntry], rrsig: Span) {
    let mut at = rrsig.start as usize;
    let end = at + rrsig.len as usize;
    while at + 12 <= end {
        let covered = u16::from_be_bytes([arena[at + 10], arena[at + 11]]);
        if let Some(set) = node_rrsets.iter().find(|r| r.rtype == covered) {
            arena[at + 4..at + 8].copy_from_slice(&set.ttl.to_be_bytes());
        }
        at += 10 + usize::from(u16::from_be_bytes([arena[at + 8], arena[at + 9]]));
    }
}

fn slice(arena: &[u8], span: Span) -> &[u8] {
    &arena[span.start as usize..(span.start + span.len) as usize]
}

fn append(arena: &mut Vec<u8>, bytes: &[u8]) -> Span {
    let start = arena.len() as u32;
    arena.extend_from_slice(bytes);
    Span {
        start,
        len: bytes.len() as u32,
    }
}

/// The SOA's RRSIGs with the TTL of the negative SOA (RFC 4035 §3.1.3 has them go together).
fn negative_sigs(draft: &mut Draft, sigs: Span, negative_soa: Span) -> Span {
    let soa = slice(&draft.arena, negative_soa);
    let Some(ttl) = soa.get(4..8).map(|t| [t[0], t[1], t[2], t[3]]) else {
        return Span::default();
    };
    let mut bytes = slice(&draft.arena, sigs).to_vec();
    let mut at = 0;
    while at + 10 <= bytes.len() {
        bytes[at + 4..at + 8].copy_from_slice(&ttl);
        at += 10 + usize::from(u16::from_be_bytes([bytes[at + 8], bytes[at + 9]]));
    }
    append(&mut draft.arena, &bytes)
}

/// NSEC3PARAM's salt and iterations (RFC 5155 §4.2): algorithm, flags, iterations, salt.
fn params(rdata: &[u8]) -> Option<(&[u8], u16)> {
    let iterations = u16::from_be_bytes([*rdata.get(2)?, *rdata.get(3)?]);
    let salt_len = usize::from(*rdata.get(4)?);
    Some((rdata.get(5..5 + salt_len)?, iterations))
}

/// The NSEC3 chain of the apex's NSEC3PARAM: each hashed owner with its NSEC3 and their
/// RRSIGs, sorted by hash. NSEC3 records of other parameters (another chain being built) are
/// left out.
fn chain(draft: &mut Draft, rrsets: &[RRsetEntry], mut nsec3: Vec<Record>, signed: &mut Signed) {
    let apex = &draft.nodes[0];
    let start = apex.rrsets_start as usize;
    let Some(param) = rrsets[start..start + apex.rrsets_len as usize]
        .iter()
        .find(|r| r.rtype == rtype::NSEC3PARAM)
    else {
        return;
    };
    let Some(record) = EncodedRecords::new(slice(&draft.arena, param.data)).next() else {
        return;
    };
    let Some((salt, iterations)) = params(&record[10..]) else {
        return;
    };
    let (salt, iterations) = (Box::<[u8]>::from(salt), iterations);
    nsec3.retain(|r| r.rtype == rtype::RRSIG || params(&r.rdata) == Some((&salt, iterations)));
    super::arena::sort_records(&mut nsec3);
    let mut entries: Vec<Nsec3Entry> = Vec::new();
    let mut hash = Vec::with_capacity(NSEC3_HASH_LEN);
    // Sorted by owner then type: an owner's RRSIGs (46) come just before its NSEC3 (50).
    let mut sigs_of: &[Record] = &[];
    for set in super::arena::rrsets(&nsec3) {
        let first = &set[0];
        if first.rtype == rtype::RRSIG {
            sigs_of = set;
            continue;
        }
        let owner = first.owner.as_wire();
        hash.clear();
        let label = &owner[1..1 + usize::from(owner[0])];
        if base32hex::decode(label, &mut hash).is_err() || hash.len() != NSEC3_HASH_LEN {
            continue;
        }
        let owner = append(&mut draft.arena, owner);
        // The NSEC3 RRset takes its first record's TTL; each RRSIG keeps its own.
        let rrset = encode_all(&mut draft.arena, set.iter(), Some(first.ttl));
        let sigs = sigs_of.iter().filter(|r| r.owner == first.owner);
        let sigs = encode_all(&mut draft.arena, sigs, None);
        let mut key = [0u8; NSEC3_HASH_LEN];
        key.copy_from_slice(&hash);
        entries.push(Nsec3Entry {
            hash: key,
            owner,
            rrset,
            sigs,
        });
    }
    entries.sort_by_key(|e| e.hash);
    entries.dedup_by(|b, a| a.hash == b.hash);
    let prefixes = entries.iter().map(|e| sort_prefix(&e.hash)).collect();
    signed.nsec3_prefixes = PrefixIndex::new(prefixes, true);
    signed.nsec3 = entries;
    signed.nsec3_params = Some((salt, iterations));
}

/// Encodes `records` one after another (with `ttl`, else each its own): their span.
fn encode_all<'r>(
    arena: &mut Vec<u8>,
    records: impl Iterator<Item = &'r Record>,
    ttl: Option<u32>,
) -> Span {
    let start = arena.len() as u32;
    for record in records {
        let ttl = ttl.unwrap_or(record.ttl);
        encode_record(arena, record.rtype, rtype::CLASS_IN, ttl, &record.rdata);
    }
    Span {
        start,
        len: arena.len() as u32 - start,
    }
}
