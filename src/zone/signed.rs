//! The DNSSEC data of a signed zone, kept beside the name tree for answers with DO=1: the
//! RRSIGs of each RRset (split from the owner's RRSIG RRset by type covered, each with its own
//! TTL), those of the negative SOA, the NSEC3 chain (kept out of the name tree, sorted by hash,
//! as RFC 5155 §7.1 names live in their own namespace) and the lookup structures set once the
//! zone is built (`crate::dnssec::denial::index`): the NSEC owners in canonical order and each
//! node's matching NSEC3. All of it is built off the query path; an unsigned zone has none.

use super::tree::{NodeId, RRsetRef, Span, Zone};

/// SHA-1, the only NSEC3 hash algorithm (RFC 5155 §11).
pub const NSEC3_HASH_LEN: usize = 20;
/// Marks a node with no NSEC3 of its own name (an opt-out delegation, a zone without NSEC3).
pub const NO_NSEC3: u32 = u32::MAX;

/// One name of the NSEC3 chain: its hash, the owner, its NSEC3 RRset and their RRSIGs.
#[derive(Debug, Clone)]
pub(crate) struct Nsec3Entry {
    pub hash: [u8; NSEC3_HASH_LEN],
    pub owner: Span,
    pub rrset: Span,
    pub sigs: Span,
}

/// A signed zone's DNSSEC data (see the module comment).
#[derive(Debug, Default)]
pub struct Signed {
    /// By RRset index: the pre-encoded RRSIG records covering that RRset (empty when none).
    pub(crate) sigs: Vec<Span>,
    /// The SOA's RRSIGs with the negative-caching TTL, to go with [`Zone::negative_soa`].
    pub(crate) negative_soa_sigs: Span,
    /// The NSEC3 chain of the zone's NSEC3PARAM, by hash, and the hashes' sort prefixes
    /// (bucketed: hashes are uniform).
    pub(crate) nsec3: Vec<Nsec3Entry>,
    pub(crate) nsec3_prefixes: PrefixIndex,
    /// NSEC3PARAM's salt and iterations, when the zone has an NSEC3 chain.
    pub(crate) nsec3_params: Option<(Box<[u8]>, u16)>,
    /// The lookup structures for denial of existence.
    pub(crate) denial: DenialIndex,
}

/// A sorted list of strings (NSEC3 hashes, canonical name keys) searched by their sort
/// prefixes ([`sort_prefix`]), comparing whole strings only where the prefixes are equal. For
/// hashes, which are uniform, the prefixes are also bucketed by their top bits: with about one
/// bucket per hash a lookup reads one bucket's few prefixes instead of searching them all (one
/// or two cache lines instead of a binary search's dozen).
#[derive(Debug, Default)]
pub struct PrefixIndex {
    prefixes: Vec<u64>,
    /// Bits of a prefix that pick its bucket (0: one bucket).
    bits: u32,
    /// `starts[b]`: the first prefix whose bucket is `b` or later; one more at the end. Empty
    /// when not bucketed.
    starts: Vec<u32>,
}

impl PrefixIndex {
    /// The index of `prefixes` (sorted), bucketed by their top `floor(log2(len))` bits (at
    /// most one bucket per prefix) when `bucketed`.
    pub fn new(prefixes: Vec<u64>, bucketed: bool) -> PrefixIndex {
        if !bucketed {
            return PrefixIndex {
                prefixes,
                bits: 0,
                starts: Vec::new(),
            };
        }
        let bits = prefixes.len().max(1).ilog2();
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        let mut at = 0usize;
        for bucket in 0..1u64 << bits {
            while at < prefixes.len() && bucket_of(prefixes[at], bits) < bucket {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(prefixes.len() as u32);
        PrefixIndex {
            prefixes,
            bits,
            starts,
        }
    }

    /// How many of the strings are not after `key`, where `string(i)` is the i-th.
    pub fn count_not_after<'s>(&self, key: &[u8], string: impl Fn(usize) -> &'s [u8]) -> usize {
        let prefix = sort_prefix(key);
        let (low, high) = self.span(prefix);
        let mut at = low + self.prefixes[low..high].partition_point(|&p| p < prefix);
        // Strings sharing the first eight bytes (usually none or one) are compared whole.
        while self.prefixes.get(at) == Some(&prefix) && string(at) <= key {
            at += 1;
        }
        at
    }

    /// The span of the prefixes in `prefix`'s bucket: all those before it are smaller, all
    /// those after larger (all of them when not bucketed).
    fn span(&self, prefix: u64) -> (usize, usize) {
        let bucket = bucket_of(prefix, self.bits) as usize;
        match self.starts.get(bucket..bucket + 2) {
            Some(&[low, high]) => (low as usize, high as usize),
            _ => (0, self.prefixes.len()),
        }
    }
}

/// The top `bits` bits of `prefix`.
fn bucket_of(prefix: u64, bits: u32) -> u64 {
    prefix.checked_shr(64 - bits).unwrap_or(0)
}

/// What answers read to deny existence, computed once the zone is built
/// (`crate::dnssec::denial::index`).
#[derive(Debug, Default)]
pub struct DenialIndex {
    /// The nodes that own an NSEC, in canonical order (RFC 4034 §6.1).
    pub nsec_order: Vec<NodeId>,
    /// The canonical key (`crate::dnssec::canonical::canonical_key`, below the origin) of each
    /// name of `nsec_order`, concatenated: the i-th ends at `nsec_key_ends[i]`; and their sort
    /// prefixes.
    pub nsec_keys: Vec<u8>,
    pub nsec_key_ends: Vec<u32>,
    pub nsec_prefixes: PrefixIndex,
    /// By node id: the index of the NSEC3 whose hash is the node's name's, or [`NO_NSEC3`].
    pub node_nsec3: Vec<u32>,
    /// By node id: what matches or covers `*.<node>`, the NSEC's node or the NSEC3's index
    /// (as the zone is denied), or [`NO_NSEC3`].
    pub node_wildcard: Vec<u32>,
}

/// One NSEC3 of the chain, as a proof writes it.
#[derive(Clone, Copy)]
pub struct Nsec3Ref<'z> {
    pub index: u32,
    /// Owner name (lowercased wire form).
    pub owner: &'z [u8],
    /// The NSEC3 record(s), pre-encoded without owner.
    pub encoded: &'z [u8],
    /// Their RRSIGs, pre-encoded without owner.
    pub signatures: &'z [u8],
}

/// The first eight bytes of `bytes`, padded with 0, as a number. Padding with the least byte
/// keeps the order: a string not after another has a number not above the other's, so a sorted
/// list of strings (NSEC3 hashes, canonical name keys) is searched by number first, comparing
/// whole strings only where the numbers are equal.
pub fn sort_prefix(bytes: &[u8]) -> u64 {
    let mut first = [0u8; 8];
    let n = bytes.len().min(8);
    first[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(first)
}

impl Zone {
    /// True when the zone holds DNSSEC data (RRSIGs, NSEC or NSEC3).
    #[inline]
    pub fn is_signed(&self) -> bool {
        self.signed.is_some()
    }

    /// The zone's DNSSEC data.
    pub fn signed(&self) -> Option<&Signed> {
        self.signed.as_deref()
    }

    /// The RRSIGs of the negative SOA (TTL lowered as the SOA's), pre-encoded; empty when none.
    pub fn negative_soa_signatures(&self) -> &[u8] {
        self.signed
            .as_ref()
            .map_or(&[][..], |s| self.slice(s.negative_soa_sigs))
    }

    /// Salt and iterations of the zone's NSEC3 chain.
    pub fn nsec3_params(&self) -> Option<(&[u8], u16)> {
        let (salt, iterations) = self.signed.as_ref()?.nsec3_params.as_ref()?;
        Some((salt, *iterations))
    }

    /// Where `hash` falls in the NSEC3 chain: `Ok(i)` the NSEC3 `i` matches it, `Err(i)` the
    /// NSEC3 `i` covers it. `None` without a chain.
    pub fn nsec3_search(&self, hash: &[u8]) -> Option<Result<u32, u32>> {
        let signed = self.signed.as_ref()?;
        let chain = &signed.nsec3;
        if chain.is_empty() {
            return None;
        }
        let not_after = signed
            .nsec3_prefixes
            .count_not_after(hash, |i| &chain[i].hash);
        Some(match not_after {
            // Before the first hash, the last covers it (the chain wraps).
            0 => Err(chain.len() as u32 - 1),
            n if chain[n - 1].hash[..] == *hash => Ok(n as u32 - 1),
            n => Err(n as u32 - 1),
        })
    }

    /// How many names the NSEC3 chain has (0 in a zone without one).
    pub fn nsec3_count(&self) -> usize {
        self.signed.as_ref().map_or(0, |s| s.nsec3.len())
    }

    /// The NSEC3 `index` of the chain.
    pub fn nsec3(&self, index: u32) -> Nsec3Ref<'_> {
        let signed = self.signed.as_ref().expect("NSEC3 index of a signed zone");
        let entry = &signed.nsec3[index as usize];
        Nsec3Ref {
            index,
            owner: self.slice(entry.owner),
            encoded: self.slice(entry.rrset),
            signatures: self.slice(entry.sigs),
        }
    }

    /// The NSEC3 matching node `id`'s own name.
    pub fn node_nsec3(&self, id: NodeId) -> Option<u32> {
        let index = *self.signed.as_ref()?.denial.node_nsec3.get(id as usize)?;
        (index != NO_NSEC3).then_some(index)
    }

    /// The nodes that own an NSEC, in canonical order (empty before they are set).
    pub fn nsec_order(&self) -> &[NodeId] {
        self.signed.as_ref().map_or(&[], |s| &s.denial.nsec_order)
    }

    /// How many names of [`Zone::nsec_order`] are not after the name whose canonical key is
    /// `key` (0 in a zone without NSEC).
    pub fn nsec_count_not_after(&self, key: &[u8]) -> usize {
        let Some(denial) = self.signed.as_ref().map(|s| &s.denial) else {
            return 0;
        };
        let ends = &denial.nsec_key_ends;
        denial.nsec_prefixes.count_not_after(key, |i| {
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            &denial.nsec_keys[start..ends[i] as usize]
        })
    }

    /// What denies `*.<node id>`: the NSEC's node or the NSEC3's index.
    pub fn node_wildcard_denial(&self, id: NodeId) -> Option<u32> {
        let found = *self
            .signed
            .as_ref()?
            .denial
            .node_wildcard
            .get(id as usize)?;
        (found != NO_NSEC3).then_some(found)
    }

    /// Sets what denies each node's wildcard (computed once the rest of the denial index is).
    pub fn set_node_wildcard_denial(&mut self, node_wildcard: Vec<u32>) {
        if let Some(signed) = self.signed.as_mut() {
            signed.denial.node_wildcard = node_wildcard;
        }
    }

    /// Sets the denial lookup structures (computed by `crate::dnssec::denial::index`).
    pub fn set_denial(&mut self, denial: DenialIndex) {
        if let Some(signed) = self.signed.as_mut() {
            signed.denial = denial;
        }
    }
}

impl<'z> RRsetRef<'z> {
    /// The RRSIGs covering this RRset, pre-encoded without owner; empty when unsigned.
    #[inline]
    pub fn signatures(&self) -> &'z [u8] {
        match self.zone.signed.as_ref() {
            Some(signed) => signed
                .sigs
                .get(self.index as usize)
                .map_or(&[][..], |&span| self.zone.slice(span)),
            None => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_every_prefix_a_search_for_it_can_stop_at() {
        // Uniform, clustered, repeated and extreme prefixes; lists of 0 to 300.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in (0..40).chain([255, 256, 257, 300]) {
            let mut prefixes: Vec<u64> = (0..len)
                .map(|i| match i % 4 {
                    0 => next(),
                    1 => next() >> 40,
                    2 => u64::MAX - (next() >> 50),
                    _ => 0x8000_0000_0000_0000,
                })
                .collect();
            prefixes.sort_unstable();
            let buckets = PrefixIndex::new(prefixes.clone(), true);
            let probes = prefixes
                .iter()
                .flat_map(|&p| [p, p.wrapping_add(1), p.wrapping_sub(1)]);
            for prefix in probes.chain((0..200).map(|_| next())).chain([0, u64::MAX]) {
                let (low, high) = buckets.span(prefix);
                let found = low + prefixes[low..high].partition_point(|&p| p < prefix);
                assert_eq!(
                    found,
                    prefixes.partition_point(|&p| p < prefix),
                    "{len} {prefix:x}"
                );
                assert!(prefixes[..low].iter().all(|&p| p < prefix));
                assert!(prefixes[high..].iter().all(|&p| p > prefix));
            }
        }
    }
}
