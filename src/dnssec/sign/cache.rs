//! Signatures kept by the content they sign, so that a reload re-signs only the RRsets that
//! changed: the key is a SHA-256 digest of the signing key's tag, the owner, type, TTL and the
//! RRset's rdatas in sorted order; the value is the RRSIG rdata and its window. A signature is
//! carried over while its window holds (and, under a deterministic timing, until it is due
//! for refreshing).

use std::collections::HashMap;

use ring::digest::{Context, SHA256};

use crate::dnssec::rrsig::Validity;
use crate::dnssec::time::from_serial;

/// What identifies one signature's content.
pub type ContentKey = [u8; 32];

/// One signature and its window (seconds since 1970).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedSignature {
    pub rrsig: Box<[u8]>,
    pub inception: u64,
    pub expiration: u64,
}

impl CachedSignature {
    /// Reads the window of an RRSIG rdata made around `now`.
    pub fn new(rrsig: Vec<u8>, now: u64) -> CachedSignature {
        let field = |at: usize| u32::from_be_bytes(rrsig[at..at + 4].try_into().unwrap_or([0; 4]));
        CachedSignature {
            expiration: from_serial(field(8), now),
            inception: from_serial(field(12), now),
            rrsig: rrsig.into_boxed_slice(),
        }
    }

    /// Whether this signature may still be served as what `validity` asks for at `now`.
    pub fn usable(&self, validity: &Validity<'_>, now: u64) -> bool {
        match validity {
            Validity::Window(window) => {
                window.inception == self.inception && window.expiration == self.expiration
            }
            Validity::Timing { timing, .. } => {
                self.inception <= now && !timing.needs_refresh(self.expiration, now)
            }
        }
    }
}

/// The digest naming a signature by `tag` over the RRset `owner` (lowercased wire form),
/// `rtype`, `ttl`, `rdatas`.
pub fn content_key<'r>(
    tag: u16,
    owner: &[u8],
    rtype: u16,
    ttl: u32,
    rdatas: impl IntoIterator<Item = &'r [u8]>,
) -> ContentKey {
    let mut sorted: Vec<&[u8]> = rdatas.into_iter().collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut context = Context::new(&SHA256);
    context.update(&tag.to_be_bytes());
    context.update(owner);
    context.update(&rtype.to_be_bytes());
    context.update(&ttl.to_be_bytes());
    for rdata in sorted {
        context.update(&(rdata.len() as u16).to_be_bytes());
        context.update(rdata);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(context.finish().as_ref());
    key
}

/// The signatures of one build of a zone, handed to the next build.
#[derive(Debug, Default)]
pub struct SignatureCache {
    entries: HashMap<ContentKey, CachedSignature>,
}

impl SignatureCache {
    pub fn get(&self, key: &ContentKey) -> Option<&CachedSignature> {
        self.entries.get(key)
    }

    pub fn insert(&mut self, key: ContentKey, signature: CachedSignature) {
        self.entries.insert(key, signature);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The earliest time one of the signatures must be made again under `validity`.
    pub fn refresh_at(&self, validity: &Validity<'_>) -> Option<u64> {
        match validity {
            Validity::Window(_) => None,
            Validity::Timing { timing, .. } => self
                .entries
                .values()
                .map(|s| timing.refresh_at(s.expiration))
                .min(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_record_order_and_duplicates() {
        let a: &[u8] = &[1, 2, 3, 4];
        let b: &[u8] = &[5, 6, 7, 8];
        let one = content_key(1, b"\x01a\x00", 1, 300, [a, b]);
        assert_eq!(one, content_key(1, b"\x01a\x00", 1, 300, [b, a, b]));
        assert_ne!(one, content_key(1, b"\x01a\x00", 1, 301, [a, b]));
        assert_ne!(one, content_key(2, b"\x01a\x00", 1, 300, [a, b]));
        assert_ne!(one, content_key(1, b"\x01a\x00", 1, 300, [a]));
    }
}
