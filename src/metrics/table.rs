//! A fixed-capacity, lock-free map from packed label keys to counters.
//!
//! Each thread adds to its own shard (see [`super::Metrics`]), so increments stay in the core's
//! cache; a scrape sums every shard. Keys are never removed; when a shard is full, counts go to
//! an overflow counter rather than allocating on the query path.

use std::sync::atomic::{AtomicU64, Ordering};

/// Slots per shard (a power of two).
const CAPACITY: usize = 4096;
/// Slots probed before giving up.
const MAX_PROBES: usize = 32;

pub struct CounterTable {
    keys: Box<[AtomicU64]>,
    values: Box<[AtomicU64]>,
    overflow: AtomicU64,
}

impl Default for CounterTable {
    fn default() -> Self {
        CounterTable {
            keys: (0..CAPACITY).map(|_| AtomicU64::new(0)).collect(),
            values: (0..CAPACITY).map(|_| AtomicU64::new(0)).collect(),
            overflow: AtomicU64::new(0),
        }
    }
}

impl CounterTable {
    /// Adds `amount` to the counter for `key` (which must not be 0).
    pub fn add(&self, key: u64, amount: u64) {
        debug_assert_ne!(key, 0);
        let mut slot = (mix(key) as usize) & (CAPACITY - 1);
        for _ in 0..MAX_PROBES {
            let current = self.keys[slot].load(Ordering::Acquire);
            if current == key {
                self.values[slot].fetch_add(amount, Ordering::Relaxed);
                return;
            }
            if current == 0 {
                match self.keys[slot].compare_exchange(0, key, Ordering::AcqRel, Ordering::Acquire)
                {
                    Ok(_) => {
                        self.values[slot].fetch_add(amount, Ordering::Relaxed);
                        return;
                    }
                    Err(other) if other == key => {
                        self.values[slot].fetch_add(amount, Ordering::Relaxed);
                        return;
                    }
                    Err(_) => {}
                }
            }
            slot = (slot + 1) & (CAPACITY - 1);
        }
        self.overflow.fetch_add(amount, Ordering::Relaxed);
    }

    /// Visits every (key, count).
    pub fn for_each(&self, mut visit: impl FnMut(u64, u64)) {
        for (key, value) in self.keys.iter().zip(self.values.iter()) {
            let key = key.load(Ordering::Acquire);
            if key != 0 {
                visit(key, value.load(Ordering::Relaxed));
            }
        }
    }

    /// Counts that found no free slot.
    pub fn overflow(&self) -> u64 {
        self.overflow.load(Ordering::Relaxed)
    }
}

/// A cheap 64-bit mixer (from SplitMix64) so packed keys spread over the table.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_overflows() {
        let table = CounterTable::default();
        table.add(7, 2);
        table.add(7, 3);
        table.add(9, 1);
        let mut seen = Vec::new();
        table.for_each(|k, v| seen.push((k, v)));
        seen.sort();
        assert_eq!(seen, vec![(7, 5), (9, 1)]);
        for key in 1..=(CAPACITY as u64 + 100) {
            table.add(key, 1);
        }
        assert!(table.overflow() > 0);
    }
}
