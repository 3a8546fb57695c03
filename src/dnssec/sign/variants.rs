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
//!
//! [`Variants::sign_ahead`] signs a variant off the query path before any query asks for it
//! (the answers the current health state produces, `answer::sign_ahead`), so that a failover
//! is served from the published map from its first query. Both ways of signing are counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use hashbrown::HashMap;

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

/// Signed variants by their content ([`VariantKey`]'s bytes).
type Map = HashMap<Box<[u8]>, Arc<Signed>>;

/// The longest key written on the stack: the fixed fields, an owner, and 32 addresses or a
/// name, each with its length. A longer RRset (never configured) is keyed on the heap.
const KEY_STACK: usize = 9 + 255 + 32 * 18;

/// What names a variant, in bytes compared whole (no digest, so no two variants can share a
/// key): the first signing key's tag, type, TTL, owner (lowercased wire form, after its
/// length) and the rdatas
/// sorted without duplicates, each after its length. Built on the stack.
struct VariantKey {
    stack: [u8; KEY_STACK],
    len: usize,
    heap: Option<Vec<u8>>,
}

impl VariantKey {
    fn new(tag: u16, rrset: &VariantRrset<'_>) -> VariantKey {
        let mut key = VariantKey {
            stack: [0; KEY_STACK],
            len: 0,
            heap: None,
        };
        let count = rrset.rdatas.len();
        if count > MAX_KEYED {
            key.fill_from_heap(tag, rrset);
            return key;
        }
        let mut sorted: [&[u8]; MAX_KEYED] = [&[]; MAX_KEYED];
        sorted[..count].copy_from_slice(rrset.rdatas);
        let sorted = &mut sorted[..count];
        sorted.sort_unstable();
        key.fill(tag, rrset, sorted);
        key
    }

    /// More records than are sorted on the stack (never configured).
    #[cold]
    fn fill_from_heap(&mut self, tag: u16, rrset: &VariantRrset<'_>) {
        let mut sorted = rrset.rdatas.to_vec();
        sorted.sort_unstable();
        self.fill(tag, rrset, &sorted);
    }

    /// Writes the key of `rrset` whose rdatas, in order, are `sorted`.
    fn fill(&mut self, tag: u16, rrset: &VariantRrset<'_>, sorted: &[&[u8]]) {
        self.put(&tag.to_be_bytes());
        self.put(&rrset.rtype.to_be_bytes());
        self.put(&rrset.ttl.to_be_bytes());
        self.put(&[rrset.owner.len() as u8]);
        self.put(rrset.owner);
        let mut previous: Option<&[u8]> = None;
        for &rdata in sorted {
            if previous != Some(rdata) {
                self.put(&(rdata.len() as u16).to_be_bytes());
                self.put(rdata);
            }
            previous = Some(rdata);
        }
    }

    /// Appends `bytes`, moving to the heap when the stack is full.
    fn put(&mut self, bytes: &[u8]) {
        if self.heap.is_none() && self.len + bytes.len() > KEY_STACK {
            self.spill();
        }
        match &mut self.heap {
            Some(heap) => heap.extend_from_slice(bytes),
            None => {
                self.stack[self.len..self.len + bytes.len()].copy_from_slice(bytes);
                self.len += bytes.len();
            }
        }
    }

    #[cold]
    fn spill(&mut self) {
        self.heap = Some(self.stack[..self.len].to_vec());
    }

    fn bytes(&self) -> &[u8] {
        self.heap.as_deref().unwrap_or(&self.stack[..self.len])
    }
}

/// The most records of a variant whose key is built on the stack.
const MAX_KEYED: usize = 32;

/// The variant signatures of one signed zone.
#[derive(Debug)]
pub struct Variants {
    published: ArcSwap<Map>,
    parked: Mutex<Map>,
    capacity: usize,
    timing: SignatureTiming,
    /// Variants signed by a query that missed, and signed ahead of any query.
    inline: AtomicU64,
    ahead: AtomicU64,
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
    /// the zone, carried over whole (its entries are keyed by key tag and content) with its
    /// counts.
    pub fn new(capacity: usize, timing: SignatureTiming, previous: Option<&Variants>) -> Variants {
        let map = previous.map_or_else(Map::new, |p| (**p.published.load()).clone());
        let (inline, ahead) = previous.map_or((0, 0), |p| (p.signed_inline(), p.signed_ahead()));
        Variants {
            published: ArcSwap::from_pointee(map),
            parked: Mutex::new(Map::new()),
            capacity,
            timing,
            inline: AtomicU64::new(inline),
            ahead: AtomicU64::new(ahead),
        }
    }

    /// How many variants queries signed because they were not there yet.
    pub fn signed_inline(&self) -> u64 {
        self.inline.load(Ordering::Relaxed)
    }

    /// How many variants were signed ahead of the queries.
    pub fn signed_ahead(&self) -> u64 {
        self.ahead.load(Ordering::Relaxed)
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
        let key = Self::key(keys, signers, rrset)?;
        if let Some(found) = self
            .published
            .load()
            .get(key.bytes())
            .filter(|s| s.refresh_at > now)
        {
            return Some(write(&found.records));
        }
        self.miss(keys, signers, rrset, now, &key, write)
    }

    /// Not published (yet): parked by an earlier miss, or signed now and parked.
    #[cold]
    fn miss<T>(
        &self,
        keys: &[StoredKey],
        signers: &[usize],
        rrset: &VariantRrset<'_>,
        now: u64,
        key: &VariantKey,
        write: impl FnOnce(&[u8]) -> T,
    ) -> Option<T> {
        if let Some(found) = self.parked_get(key.bytes(), now) {
            return Some(write(&found.records));
        }
        let signed = Arc::new(self.sign(keys, signers, rrset, now)?);
        let out = write(&signed.records);
        self.inline.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut parked) = self.parked.lock() {
            parked.insert(key.bytes().into(), signed);
        }
        Some(out)
    }

    /// Signs `rrset` by the keys at `signers` unless it is held already and not due for
    /// refreshing; the signature is parked for the next [`Variants::publish`]. Whether it
    /// signed. Called off the query path.
    pub fn sign_ahead(
        &self,
        keys: &[StoredKey],
        signers: &[usize],
        rrset: &VariantRrset<'_>,
        now: u64,
    ) -> bool {
        let Some(key) = Self::key(keys, signers, rrset) else {
            return false;
        };
        let held = self
            .published
            .load()
            .get(key.bytes())
            .is_some_and(|s| s.refresh_at > now);
        if held || self.parked_get(key.bytes(), now).is_some() {
            return false;
        }
        let Some(signed) = self.sign(keys, signers, rrset, now) else {
            return false;
        };
        self.ahead.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut parked) = self.parked.lock() {
            parked.insert(key.bytes().into(), Arc::new(signed));
        }
        true
    }

    /// The key of `rrset` signed by the first of `signers`.
    fn key(keys: &[StoredKey], signers: &[usize], rrset: &VariantRrset<'_>) -> Option<VariantKey> {
        let first = keys.get(*signers.first()?)?;
        Some(VariantKey::new(first.tag, rrset))
    }

    fn parked_get(&self, key: &[u8], now: u64) -> Option<Arc<Signed>> {
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
                .map(|(k, s)| (k.clone(), s.clone()))
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
