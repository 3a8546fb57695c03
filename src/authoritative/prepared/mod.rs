//! Answers written at load time (RFC 1035 §4.1.4 compression included), so that the common
//! query is answered by copying bytes: positive answers and CNAME chains at every name,
//! wildcard answers, referrals, and the authority section of NXDOMAIN and NODATA. In a signed
//! zone a second set answers DO=1 queries: positive answers and CNAME chains at every name
//! (but the plain ones, [`plain_rrset`], which the walk writes from the zone's bytes)
//! (with their RRSIGs and any proof a chain through a wildcard owes), referrals (with the DS
//! or the proof of its absence), NODATA at every name (with its NSEC or NSEC3), and the part
//! of an NXDOMAIN at the apex that does not depend on the question name; the proof about the
//! question name itself (of a wildcard answer or an NXDOMAIN) the walk writes after the copy.
//!
//! This module owns their byte format: [`prepare`] writes it (`write.rs`), [`find`],
//! [`nodata`], [`negative`], [`nxdomain_at_apex`] and [`referral`] read it (this file), and
//! [`apply`] (or [`apply_open`], when more follows) copies one into a response (`apply.rs`).
//! The zone only keeps the bytes ([`Zone::set_prepared`]): one arena, a range of it in each
//! node (a lookup has just read the node) and an entry for the zone.
//!
//! # Format
//!
//! ```text
//! node's range:  directory: count × (key u16, what u8, offset u32)   then that node's answers
//! answer:        counts 3 × u16 (answer, authority, additional) · pointers u8 · length u16 ·
//!                reference length u8 · targets u8 · suffix length u8 · labels length u8 ·
//!                names u8 · pointer positions (pointers × u16) · labels · the sections' bytes ·
//!                names × (offset u16, length u8, literal u8)
//! zone's entry:  three offsets u32 (0xFFFFFFFF when none): the NXDOMAIN/NODATA authority
//!                section with DO=0, with DO=1 (a signed zone's), and with DO=1 the NXDOMAIN
//!                authority section when the apex is the closest encloser up to the proof
//!                about the question name (a signed zone's); answers as above
//! ```
//!
//! `names` are the compression targets the answer's own names add (offsets from the start of
//! its bytes), so that names written after a copied answer compress as they would after the
//! general path's ([`apply_open`]).
//!
//! A directory entry's `what` says which answer it is ([`What`]) and for which set (DO=0, or
//! DO=1 in a signed zone: +[`SIGNED`]); its key is the query type of a positive answer, 0
//! otherwise. All numbers are big-endian; offsets are into the whole arena.

mod apply;
#[cfg(test)]
mod tests;
mod write;

pub(crate) use apply::{Applied, apply_then};
pub use apply::{apply, apply_open};
pub use write::prepare;

use crate::wire::rtype;
use crate::zone::{NodeId, Zone};

/// Bytes of one entry of a node's directory of prepared answers: key, what, offset.
const DIRECTORY_ENTRY: usize = 7;
/// Bytes before a prepared answer's pointer list.
const PREPARED_HEADER: usize = 14;
/// Bytes of one of a prepared answer's compression targets: offset, length, literal.
const TARGET_ENTRY: usize = 4;
/// No answer, in the zone's entry.
const NO_OFFSET: u32 = u32::MAX;
/// Added to a [`What`] for the answers to DO=1 queries.
const SIGNED: u8 = 4;

/// Which answer of a node a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum What {
    /// The positive answer (or CNAME chain) for the query type in the key.
    Answer = 0,
    /// A delegation's referral.
    Referral = 1,
    /// NODATA for any type the node lacks (DO=1 only: at DO=0 it is the zone's negative
    /// authority section, [`negative`]).
    NoData = 2,
}

/// A directory entry's key and `what` byte.
fn tag(what: What, key: u16, dnssec: bool) -> (u16, u8) {
    (key, what as u8 + if dnssec { SIGNED } else { 0 })
}

/// A response's sections after the question, compressed and written at load time for a
/// question whose name is a reference name (the node's own name, the origin for negative
/// answers, the zone cut for referrals). A real question name longer by `delta` bytes puts the
/// reference name, and everything after the question, `delta` bytes further on: the
/// compression pointers listed in `pointers` move by `delta` (pointers to the whole question
/// name, the owner of wildcard answers, are not listed and stay). [`apply`] copies one only
/// where the result is byte for byte what the general path would write.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<'z> {
    /// Records in the answer, authority and additional sections.
    pub counts: [u16; 3],
    /// Length of the question name it was written for.
    pub reference_len: u8,
    /// Compression targets its names added after the question's.
    pub targets: u8,
    /// Length of the suffix of the question name that `labels` sit directly above.
    pub suffix_len: u8,
    /// Wire labels (lowercased) that some name in `bytes` has directly above that suffix: a
    /// question name with one of them there would let the general path compress further.
    pub labels: &'z [u8],
    /// Positions in `bytes` of the compression pointers to move, as big-endian pairs.
    pub pointers: &'z [u8],
    pub bytes: &'z [u8],
    /// Where in the arena the answer starts, to read its compression targets (see the module
    /// comment) only where they are needed.
    at: u32,
}

impl<'z> Prepared<'z> {
    /// Reads the prepared answer at `offset` of the arena (see the format above).
    fn at(arena: &'z [u8], offset: u32) -> Prepared<'z> {
        let at = offset as usize;
        let word = |i: usize| u16::from_be_bytes([arena[at + i], arena[at + i + 1]]);
        let pointers = arena[at + 6] as usize;
        let len = word(7) as usize;
        let labels = arena[at + 12] as usize;
        let pointers_at = at + PREPARED_HEADER;
        let labels_at = pointers_at + 2 * pointers;
        let bytes_at = labels_at + labels;
        Prepared {
            counts: [word(0), word(2), word(4)],
            reference_len: arena[at + 9],
            targets: arena[at + 10],
            suffix_len: arena[at + 11],
            labels: &arena[labels_at..bytes_at],
            pointers: &arena[pointers_at..labels_at],
            bytes: &arena[bytes_at..bytes_at + len],
            at: offset,
        }
    }

    /// The compression targets its names add (offset in `bytes`, length, literal), read in
    /// `zone`'s arena.
    pub fn name_targets(&self, zone: &'z Zone) -> impl Iterator<Item = (usize, u8, bool)> + 'z {
        let (arena, at) = (zone.prepared_arena(), self.at as usize);
        let names = usize::from(arena[at + 13]);
        let names_at =
            at + PREPARED_HEADER + self.pointers.len() + self.labels.len() + self.bytes.len();
        arena[names_at..names_at + TARGET_ENTRY * names]
            .chunks_exact(TARGET_ENTRY)
            .map(|entry| {
                let offset = usize::from(u16::from_be_bytes([entry[0], entry[1]]));
                (offset, entry[2], entry[3] != 0)
            })
    }
}

/// The RRset of the answers most names get, at the node's own name: of a type whose rdata
/// holds no name to compress, with no additional records, at a node that is no zone cut and
/// has no CNAME and no steering service for that type. Its records (and with DO=1 its RRSIGs) are written each
/// after a pointer to the question: at DO=0 they are prepared like any answer, at DO=1 the walk
/// writes them so from the zone's own bytes ([`Writer::records_at_question`]), keeping the
/// signed set's memory to the answers that need more.
///
/// [`Writer::records_at_question`]: crate::wire::writer::Writer::records_at_question
#[inline]
pub fn plain_rrset<'z>(
    node: crate::zone::NodeRef<'z>,
    qtype: u16,
) -> Option<crate::zone::RRsetRef<'z>> {
    if node.is_delegation()
        || crate::wire::writer::compressible(qtype)
        || (node.service().is_some() && (qtype == rtype::A || qtype == rtype::AAAA))
    {
        return None;
    }
    // One pass over the node's RRsets: the one asked for, and no CNAME.
    let mut found = None;
    for set in node.rrsets() {
        match set.rtype() {
            rtype::CNAME => return None,
            t if t == qtype => found = Some(set),
            _ => {}
        }
    }
    let set = found?;
    (set.additional().is_empty() && set.len() <= usize::from(u16::MAX)).then_some(set)
}

/// The answer to `qtype` at node `id` prepared at load time, if there is one: a positive
/// answer (also a CNAME chain through static data) whose owner is the question name; with
/// `dnssec`, the one for DO=1 (a signed zone's only).
#[inline]
pub fn find(zone: &Zone, id: NodeId, qtype: u16, dnssec: bool) -> Option<Prepared<'_>> {
    entry(zone, id, tag(What::Answer, qtype, dnssec))
}

/// The referral to the zone cut `cut`, relative to the cut's name.
pub fn referral(zone: &Zone, cut: NodeId, dnssec: bool) -> Option<Prepared<'_>> {
    entry(zone, cut, tag(What::Referral, 0, dnssec))
}

/// NODATA with DO=1 at node `id` of a signed zone, for its own name: the negative SOA and the
/// node's NSEC or NSEC3, with their RRSIGs.
#[inline]
pub fn nodata(zone: &Zone, id: NodeId) -> Option<Prepared<'_>> {
    entry(zone, id, tag(What::NoData, 0, true))
}

/// The authority section of NXDOMAIN and NODATA answers, relative to the origin; with
/// `dnssec`, the negative SOA's RRSIGs included (a signed zone's only).
#[inline]
pub fn negative(zone: &Zone, dnssec: bool) -> Option<Prepared<'_>> {
    zone_answer(zone, usize::from(dnssec))
}

/// With DO=1 in a signed zone, the authority section of an NXDOMAIN whose closest encloser is
/// the apex, relative to the origin, up to the proof about the question name: the negative
/// SOA and what denies a match at the apex's wildcard, with their RRSIGs.
#[inline]
pub fn nxdomain_at_apex(zone: &Zone) -> Option<Prepared<'_>> {
    zone_answer(zone, 2)
}

/// The `index`-th answer of the zone's entry.
#[inline]
fn zone_answer(zone: &Zone, index: usize) -> Option<Prepared<'_>> {
    let arena = zone.prepared_arena();
    let at = zone.prepared_zone_entry()? as usize + 4 * index;
    let offset = u32::from_be_bytes(arena.get(at..at + 4)?.try_into().ok()?);
    (offset != NO_OFFSET).then(|| Prepared::at(arena, offset))
}

/// The answer tagged `(key, what)` in node `id`'s directory.
#[inline]
fn entry(zone: &Zone, id: NodeId, (key, what): (u16, u8)) -> Option<Prepared<'_>> {
    let arena = zone.prepared_arena();
    let (start, len) = zone.prepared_range(id);
    let start = start as usize;
    let directory = arena.get(start..start + usize::from(len) * DIRECTORY_ENTRY)?;
    let key = key.to_be_bytes();
    directory
        .chunks_exact(DIRECTORY_ENTRY)
        .find(|entry| entry[..2] == key && entry[2] == what)
        .map(|entry| {
            let offset = u32::from_be_bytes([entry[3], entry[4], entry[5], entry[6]]);
            Prepared::at(arena, offset)
        })
}
