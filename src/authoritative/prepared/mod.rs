//! Answers written at load time (RFC 1035 §4.1.4 compression included), so that the common
//! query is answered by copying bytes: positive answers and CNAME chains at every name,
//! wildcard answers, referrals, and the authority section of NXDOMAIN and NODATA.
//!
//! This module owns their byte format: [`prepare`] writes it (`write.rs`), [`find`],
//! [`negative`] and [`referral`] read it (this file), and [`apply`] copies one into a response
//! (`apply.rs`). The zone only keeps the bytes ([`Zone::set_prepared`]): one arena, a range of
//! it in each node (a lookup has just read the node) and an entry for the zone.
//!
//! # Format
//!
//! ```text
//! node's range:  directory: count × (key u16, offset u32)   then that node's answers
//! answer:        counts 3 × u16 (answer, authority, additional) · pointers u8 · length u16 ·
//!                reference length u8 · targets u8 · suffix length u8 · labels length u8 ·
//!                pointer positions (pointers × u16) · labels · the sections' bytes
//! zone's entry:  the offset of the NXDOMAIN/NODATA authority section, an answer as above
//! ```
//!
//! A directory key is the query type the answer is for; a delegation's referral has the key
//! [`REFERRAL_KEY`]. All numbers are big-endian; offsets are into the whole arena.
//!
//! A second set of answers per node (for DO=1: with RRSIGs and NSEC/NSEC3 proofs) belongs here
//! too: [`prepare`] writes it by running the same walk with its signing step on, into the same
//! node range under keys that also name the set ([`Key`] gains a variant byte), [`find`] takes
//! the variant, [`apply`] is unchanged, and the zone still only stores bytes and ranges.

mod apply;
#[cfg(test)]
mod tests;
mod write;

pub use apply::apply;
pub use write::prepare;

use crate::zone::{NodeId, Zone};

/// Key of a delegation's referral among its prepared answers.
pub(crate) const REFERRAL_KEY: u16 = 0;
/// Bytes of one entry of a node's directory of prepared answers: key, offset.
const DIRECTORY_ENTRY: usize = 6;
/// Bytes before a prepared answer's pointer list.
const PREPARED_HEADER: usize = 13;

/// A directory key: which question a prepared answer is for (its query type, or
/// [`REFERRAL_KEY`]).
type Key = u16;

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
        }
    }
}

/// The answer to `qtype` at node `id` prepared at load time, if there is one: a positive
/// answer (also a CNAME chain through static data) whose owner is the question name.
#[inline]
pub fn find(zone: &Zone, id: NodeId, qtype: u16) -> Option<Prepared<'_>> {
    if qtype == REFERRAL_KEY {
        return None;
    }
    entry(zone, id, qtype)
}

/// The referral to the zone cut `cut`, relative to the cut's name.
pub fn referral(zone: &Zone, cut: NodeId) -> Option<Prepared<'_>> {
    entry(zone, cut, REFERRAL_KEY)
}

/// The authority section of NXDOMAIN and NODATA answers, relative to the origin.
#[inline]
pub fn negative(zone: &Zone) -> Option<Prepared<'_>> {
    let offset = zone.prepared_zone_entry()?;
    Some(Prepared::at(zone.prepared_arena(), offset))
}

/// The answer under `key` in node `id`'s directory.
#[inline]
fn entry(zone: &Zone, id: NodeId, key: Key) -> Option<Prepared<'_>> {
    let arena = zone.prepared_arena();
    let (start, len) = zone.prepared_range(id);
    let start = start as usize;
    let directory = arena.get(start..start + usize::from(len) * DIRECTORY_ENTRY)?;
    directory
        .chunks_exact(DIRECTORY_ENTRY)
        .find(|entry| entry[..2] == key.to_be_bytes())
        .map(|entry| {
            let offset = u32::from_be_bytes([entry[2], entry[3], entry[4], entry[5]]);
            Prepared::at(arena, offset)
        })
}
