//! The map that holds signed steered variants by their content, read on the query path
//! without building a key: a [`Probe`] hashes the variant's fields as they are and compares
//! them with each candidate's stored key, so a lookup copies nothing and allocates nothing.
//!
//! # Key
//!
//! An entry's key is the variant's content written whole (no digest, so two variants never
//! share one): the tag of the first signing key (u16), type (u16), TTL (u32), the owner's
//! length (u8) and the owner (lowercased wire form), then each rdata, sorted and without
//! duplicates, as length (u16) and bytes. Numbers are big-endian. The entry keeps the hash
//! its probe gave, so the table never hashes stored keys again.

use std::hash::{BuildHasher, Hasher};

use hashbrown::{DefaultHashBuilder, HashTable};

use super::variants::VariantRrset;

/// The most records of a variant that can be looked up (and that `answer::variant_rrsig`
/// signs).
pub const MAX_KEYED: usize = 32;

/// Values of the map, by variant content.
#[derive(Debug, Clone)]
pub struct VariantMap<V> {
    table: HashTable<Entry<V>>,
}

#[derive(Debug, Clone)]
struct Entry<V> {
    hash: u64,
    key: Box<[u8]>,
    value: V,
}

impl<V> Default for VariantMap<V> {
    fn default() -> Self {
        VariantMap {
            table: HashTable::new(),
        }
    }
}

impl<V> VariantMap<V> {
    pub fn get(&self, probe: &Probe<'_>) -> Option<&V> {
        self.table
            .find(probe.hash, |e| probe.matches(&e.key))
            .map(|e| &e.value)
    }

    /// Holds `value` for the probed variant, in place of any it held.
    pub fn insert(&mut self, probe: &Probe<'_>, value: V) {
        let entry = Entry {
            hash: probe.hash,
            key: probe.key(),
            value,
        };
        self.insert_entry(entry);
    }

    fn insert_entry(&mut self, entry: Entry<V>) {
        let found = self
            .table
            .entry(entry.hash, |e| e.key == entry.key, |e| e.hash);
        match found {
            hashbrown::hash_table::Entry::Occupied(mut held) => *held.get_mut() = entry,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                vacant.insert(entry);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The entries of `self` whose value `keep` accepts, then at most `limit` of `other`'s
    /// (replacing those of `self` with the same key).
    pub fn merged(&self, keep: impl Fn(&V) -> bool, other: VariantMap<V>, limit: usize) -> Self
    where
        V: Clone,
    {
        let mut next = VariantMap::default();
        for entry in self.table.iter().filter(|e| keep(&e.value)) {
            next.table
                .insert_unique(entry.hash, entry.clone(), |e: &Entry<V>| e.hash);
        }
        for entry in other.table.into_iter().take(limit) {
            next.insert_entry(entry);
        }
        next
    }
}

/// Sorts `rdatas` and moves duplicates to the end; how many are left before them. A
/// variant's rdatas are put in this order before it is looked up.
pub fn sort_rdatas(rdatas: &mut [&[u8]]) -> usize {
    rdatas.sort_unstable();
    let mut unique = 0;
    for i in 0..rdatas.len() {
        if unique == 0 || rdatas[unique - 1] != rdatas[i] {
            rdatas.swap(unique, i);
            unique += 1;
        }
    }
    unique
}

/// One variant looked up: its fields and its hash by the map's hasher.
pub struct Probe<'a> {
    tag: u16,
    rrset: &'a VariantRrset<'a>,
    hash: u64,
}

impl<'a> Probe<'a> {
    /// `None` unless the rdatas are sorted without duplicates ([`sort_rdatas`]) and at most
    /// [`MAX_KEYED`].
    pub fn new(
        hasher: &DefaultHashBuilder,
        tag: u16,
        rrset: &'a VariantRrset<'a>,
    ) -> Option<Probe<'a>> {
        let rdatas = rrset.rdatas;
        if rdatas.len() > MAX_KEYED || !rdatas.windows(2).all(|w| w[0] < w[1]) {
            return None;
        }
        let mut h = hasher.build_hasher();
        h.write_u64(u64::from(tag) | u64::from(rrset.rtype) << 16 | u64::from(rrset.ttl) << 32);
        h.write(rrset.owner);
        for rdata in rdatas {
            h.write(rdata);
        }
        Some(Probe {
            tag,
            rrset,
            hash: h.finish(),
        })
    }

    fn rdatas(&self) -> &[&'a [u8]] {
        self.rrset.rdatas
    }

    /// The first bytes of the key: tag, type, TTL, owner length.
    fn head(&self) -> [u8; 9] {
        let mut head = [0u8; 9];
        head[0..2].copy_from_slice(&self.tag.to_be_bytes());
        head[2..4].copy_from_slice(&self.rrset.rtype.to_be_bytes());
        head[4..8].copy_from_slice(&self.rrset.ttl.to_be_bytes());
        head[8] = self.rrset.owner.len() as u8;
        head
    }

    /// Whether `key` is this variant's (see the module comment).
    fn matches(&self, key: &[u8]) -> bool {
        let owner = self.rrset.owner;
        let Some(start) = key.get(..9 + owner.len()) else {
            return false;
        };
        if start[..9] != self.head() || start[9..] != *owner {
            return false;
        }
        let mut at = 9 + owner.len();
        for rdata in self.rdatas() {
            let Some(field) = key.get(at..at + 2 + rdata.len()) else {
                return false;
            };
            if field[..2] != (rdata.len() as u16).to_be_bytes() || field[2..] != **rdata {
                return false;
            }
            at += 2 + rdata.len();
        }
        at == key.len()
    }

    /// This variant's key, for a new entry.
    fn key(&self) -> Box<[u8]> {
        let mut key = self.head().to_vec();
        key.extend_from_slice(self.rrset.owner);
        for rdata in self.rdatas() {
            key.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            key.extend_from_slice(rdata);
        }
        key.into_boxed_slice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_found_by_content_in_any_order_and_only_by_it() {
        let hasher = DefaultHashBuilder::default();
        let set = |owner: &'static [u8], ttl, rdatas: &'static [&'static [u8]]| VariantRrset {
            owner,
            rtype: 1,
            ttl,
            rdatas,
        };
        let one = set(b"\x01a\x00", 30, &[&[192, 0, 2, 1], &[192, 0, 2, 2]]);
        let mut map = VariantMap::default();
        map.insert(&Probe::new(&hasher, 7, &one).unwrap(), "signed");
        let mut rdatas: [&[u8]; 3] = [&[192, 0, 2, 2], &[192, 0, 2, 1], &[192, 0, 2, 2]];
        assert!(
            Probe::new(
                &hasher,
                7,
                &VariantRrset {
                    rdatas: &rdatas,
                    ..one
                }
            )
            .is_none()
        );
        let unique = sort_rdatas(&mut rdatas);
        let sorted = VariantRrset {
            rdatas: &rdatas[..unique],
            ..one
        };
        assert_eq!(
            map.get(&Probe::new(&hasher, 7, &sorted).unwrap()),
            Some(&"signed")
        );
        for other in [
            set(b"\x01a\x00", 31, &[&[192, 0, 2, 1], &[192, 0, 2, 2]]),
            set(b"\x01b\x00", 30, &[&[192, 0, 2, 1], &[192, 0, 2, 2]]),
            set(b"\x01a\x00", 30, &[&[192, 0, 2, 1]]),
            set(
                b"\x01a\x00",
                30,
                &[&[192, 0, 2, 1], &[192, 0, 2, 2], &[192, 0, 2, 3]],
            ),
        ] {
            assert!(map.get(&Probe::new(&hasher, 7, &other).unwrap()).is_none());
        }
        assert!(map.get(&Probe::new(&hasher, 8, &one).unwrap()).is_none());
        let merged = map.merged(|_| true, VariantMap::default(), 10);
        assert_eq!(merged.len(), 1);
        assert!(
            merged
                .merged(|_| false, VariantMap::default(), 10)
                .is_empty()
        );
    }
}
