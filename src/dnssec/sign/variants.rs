//! Signatures of steered answers ("variants": each A/AAAA RRset a service can answer, at
//! each TTL it answers with), kept by content.
//!
//! Reads take no lock: the signatures live in an immutable map behind an `ArcSwap`. A miss is
//! signed inline (the one signature the query path may make) and parked in a small map
//! behind a mutex; [`Variants::publish`], called off the query path, folds the parked
//! signatures into a new immutable map. The cache is bounded: when a fold would pass
//! [`Variants::capacity`], the signatures no query asked for since the last fold leave first.
//! The RRSIG's original TTL is the TTL served, so an answer whose TTL is lowered while a
//! target changes state is a different variant with its own signature.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use super::cache::{ContentKey, content_key};
use crate::dnssec::keydir::StoredKey;
use crate::dnssec::rrsig::{RrsetHeader, SignScratch, Validity};
use crate::dnssec::validity::SignatureTiming;
use crate::wire::Name;
use crate::wire::rtype;

/// A signed variant: the RRSIG records (`TYPE CLASS TTL RDLENGTH RDATA`, one per signing key,
/// concatenated) and the time they must be made again.
#[derive(Debug)]
struct Signed {
    records: Box<[u8]>,
    refresh_at: u64,
}

type Map = HashMap<ContentKey, Arc<Signed>>;

/// The variant signatures of one signed zone.
#[derive(Debug)]
pub struct Variants {
    published: ArcSwap<Map>,
    parked: Mutex<Map>,
    capacity: usize,
    timing: SignatureTiming,
}

/// One steered RRset: the owner (lowercased wire form), type, the TTL served and the rdatas.
#[derive(Debug, Clone, Copy)]
pub struct VariantRrset<'a> {
    pub owner: &'a [u8],
    pub rtype: u16,
    pub ttl: u32,
    pub rdatas: &'a [&'a [u8]],
}

/// Counts of what the cache did, for `/metrics`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct VariantCounts {
    pub cached: usize,
    pub parked: usize,
}

impl Variants {
    /// An empty cache for at most `capacity` variants, or the cache of the previous build of
    /// the zone, carried over whole (its entries are keyed by key tag and content).
    pub fn new(capacity: usize, timing: SignatureTiming, previous: Option<&Variants>) -> Variants {
        let map = previous.map_or_else(Map::new, |p| (**p.published.load()).clone());
        Variants {
            published: ArcSwap::from_pointee(map),
            parked: Mutex::new(Map::new()),
            capacity,
            timing,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Calls `write` with the RRSIG records of `rrset` by the keys at `signers` in `keys`,
    /// signing it on a miss. `None` when it cannot be signed (no signer, or the owner is
    /// outside the zone).
    pub fn with_rrsigs<T>(
        &self,
        keys: &[StoredKey],
        signers: &[usize],
        rrset: &VariantRrset<'_>,
        now: u64,
        write: impl FnOnce(&[u8]) -> T,
    ) -> Option<T> {
        let first = keys.get(*signers.first()?)?;
        let VariantRrset {
            owner,
            rtype,
            ttl,
            rdatas,
        } = *rrset;
        let key = content_key(first.tag, owner, rtype, ttl, rdatas.iter().copied());
        if let Some(found) = self
            .published
            .load()
            .get(&key)
            .filter(|s| s.refresh_at > now)
        {
            return Some(write(&found.records));
        }
        if let Some(found) = self.parked_get(&key, now) {
            return Some(write(&found.records));
        }
        let signed = Arc::new(self.sign(keys, signers, rrset, now)?);
        let out = write(&signed.records);
        if let Ok(mut parked) = self.parked.lock() {
            parked.insert(key, signed);
        }
        Some(out)
    }

    fn parked_get(&self, key: &ContentKey, now: u64) -> Option<Arc<Signed>> {
        let parked = self.parked.lock().ok()?;
        parked.get(key).filter(|s| s.refresh_at > now).cloned()
    }

    fn sign(
        &self,
        keys: &[StoredKey],
        signers: &[usize],
        rrset: &VariantRrset<'_>,
        now: u64,
    ) -> Option<Signed> {
        let (rdatas, ttl) = (rrset.rdatas, rrset.ttl);
        let owner = Name::from_wire(rrset.owner)?;
        let header = RrsetHeader {
            owner: &owner,
            class: rtype::CLASS_IN,
            rtype: rrset.rtype,
            ttl,
        };
        let validity = Validity::Timing {
            timing: &self.timing,
            now,
        };
        let mut scratch = SignScratch::default();
        let mut records = Vec::new();
        let mut refresh_at = u64::MAX;
        for &signer in signers {
            let rrsig = keys
                .get(signer)?
                .signer()
                .sign(&header, rdatas.iter().copied(), validity, &mut scratch)
                .ok()?;
            let signature = super::cache::CachedSignature::new(rrsig, now);
            refresh_at = refresh_at.min(self.timing.refresh_at(signature.expiration));
            records.extend_from_slice(&rtype::RRSIG.to_be_bytes());
            records.extend_from_slice(&rtype::CLASS_IN.to_be_bytes());
            records.extend_from_slice(&ttl.to_be_bytes());
            records.extend_from_slice(&(signature.rrsig.len() as u16).to_be_bytes());
            records.extend_from_slice(&signature.rrsig);
        }
        Some(Signed {
            records: records.into_boxed_slice(),
            refresh_at,
        })
    }

    /// Folds the parked signatures into a new published map, dropping those due for
    /// refreshing and, past the capacity, those not asked for since the last fold.
    pub fn publish(&self, now: u64) -> VariantCounts {
        let parked: Map = match self.parked.lock() {
            Ok(mut parked) => std::mem::take(&mut *parked),
            Err(_) => Map::new(),
        };
        let current = self.published.load();
        let parked_count = parked.len();
        let mut next: Map = if current.len() + parked.len() > self.capacity {
            Map::new()
        } else {
            current
                .iter()
                .filter(|(_, s)| s.refresh_at > now)
                .map(|(k, s)| (*k, s.clone()))
                .collect()
        };
        for (key, signed) in parked.into_iter().take(self.capacity) {
            next.insert(key, signed);
        }
        let counts = VariantCounts {
            cached: next.len(),
            parked: parked_count,
        };
        self.published.store(Arc::new(next));
        counts
    }

    /// How many variants are published.
    pub fn len(&self) -> usize {
        self.published.load().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
