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
use hashbrown::DefaultHashBuilder;

use super::variant_map::{Probe, VariantMap};
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

/// Signed variants by their content.
type Map = VariantMap<Arc<Signed>>;

/// The variant signatures of one signed zone.
#[derive(Debug)]
pub struct Variants {
    /// Hashes the variants of both maps (carried over with them).
    hasher: DefaultHashBuilder,
    published: ArcSwap<Map>,
    parked: Mutex<Map>,
    capacity: usize,
    timing: SignatureTiming,
    /// Variants signed by a query that missed, and signed ahead of any query.
    inline: AtomicU64,
    ahead: AtomicU64,
}

/// One steered RRset: the owner (lowercased wire form), type, the TTL served and the rdatas
/// (sorted without duplicates, [`super::variant_map::sort_rdatas`]: otherwise it is never
/// signed).
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
        let map = previous.map_or_else(Map::default, |p| (**p.published.load()).clone());
        let (inline, ahead) = previous.map_or((0, 0), |p| (p.signed_inline(), p.signed_ahead()));
        Variants {
            hasher: previous.map_or_else(DefaultHashBuilder::default, |p| p.hasher.clone()),
            published: ArcSwap::from_pointee(map),
            parked: Mutex::new(Map::default()),
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
        let probe = Probe::new(&self.hasher, Self::tag(keys, signers)?, rrset)?;
        if let Some(found) = self
            .published
            .load()
            .get(&probe)
            .filter(|s| s.refresh_at > now)
        {
            return Some(write(&found.records));
        }
        self.miss(keys, signers, rrset, now, &probe, write)
    }

    /// Not published (yet): parked by an earlier miss, or signed now and parked.
    #[cold]
    fn miss<T>(
        &self,
        keys: &[StoredKey],
        signers: &[usize],
        rrset: &VariantRrset<'_>,
        now: u64,
        probe: &Probe<'_>,
        write: impl FnOnce(&[u8]) -> T,
    ) -> Option<T> {
        if let Some(found) = self.parked_get(probe, now) {
            return Some(write(&found.records));
        }
        let signed = Arc::new(self.sign(keys, signers, rrset, now)?);
        let out = write(&signed.records);
        self.inline.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut parked) = self.parked.lock() {
            parked.insert(probe, signed);
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
        let Some(probe) = Self::tag(keys, signers).and_then(|t| Probe::new(&self.hasher, t, rrset))
        else {
            return false;
        };
        let held = self
            .published
            .load()
            .get(&probe)
            .is_some_and(|s| s.refresh_at > now);
        if held || self.parked_get(&probe, now).is_some() {
            return false;
        }
        let Some(signed) = self.sign(keys, signers, rrset, now) else {
            return false;
        };
        self.ahead.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut parked) = self.parked.lock() {
            parked.insert(&probe, Arc::new(signed));
        }
        true
    }

    /// The tag of the first of `signers`, which names the variants it signs.
    fn tag(keys: &[StoredKey], signers: &[usize]) -> Option<u16> {
        Some(keys.get(*signers.first()?)?.tag)
    }

    fn parked_get(&self, probe: &Probe<'_>, now: u64) -> Option<Arc<Signed>> {
        let parked = self.parked.lock().ok()?;
        parked.get(probe).filter(|s| s.refresh_at > now).cloned()
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
            Err(_) => Map::default(),
        };
        let current = self.published.load();
        let parked_count = parked.len();
        // Past the capacity, only what queries asked for since the last fold stays.
        let full = current.len() + parked.len() > self.capacity;
        let next = current.merged(|s| !full && s.refresh_at > now, parked, self.capacity);
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
