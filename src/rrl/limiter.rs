//! The limiter's buckets: one fixed table of 64-bit atomics (tag, second, balance), two-way
//! set associative, charged by hashing a response's key and one compare-and-swap.

use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::ResponseClass;
use crate::config::RrlConfig;

/// Settings of an enabled limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub rate: u32,
    pub window: u32,
    pub slip: u32,
    pub ipv4_prefix: u8,
    pub ipv6_prefix: u8,
    /// Buckets in the table: a power of two, at least 2 (see [`Settings::from_config`]).
    pub table_size: usize,
}

impl Settings {
    /// The settings of `config`, or `None` when RRL is off.
    pub fn from_config(config: &RrlConfig) -> Option<Settings> {
        config.enabled.then(|| Settings {
            rate: config.rate.max(1),
            window: config.window.max(1),
            slip: config.slip,
            ipv4_prefix: config.ipv4_prefix.min(32),
            ipv6_prefix: config.ipv6_prefix.min(128),
            table_size: buckets(config.table_size),
        })
    }
}

/// Buckets for `[rrl] table_size`: rounded up to a power of two, within the sizes a
/// configuration may give (which validation holds it to).
fn buckets(table_size: usize) -> usize {
    let sizes = crate::config::RRL_TABLE_SIZES;
    table_size.clamp(2, *sizes.end()).next_power_of_two()
}

/// The bucket table and its parameters; replaced whole when the settings change.
pub struct Limiter {
    settings: Settings,
    pub(super) buckets: Box<[AtomicU64]>,
    /// Sets of two buckets, minus one.
    set_mask: usize,
    rate: i64,
    floor: i64,
    hasher: hashbrown::DefaultHashBuilder,
    epoch: Instant,
}

const TAG_SHIFT: u32 = 48;
const STAMP_SHIFT: u32 = 32;

fn pack(tag: u16, stamp: u16, balance: i64) -> u64 {
    (u64::from(tag) << TAG_SHIFT)
        | (u64::from(stamp) << STAMP_SHIFT)
        | u64::from(balance as i32 as u32)
}

fn unpack(entry: u64) -> (u16, u16, i64) {
    (
        (entry >> TAG_SHIFT) as u16,
        (entry >> STAMP_SHIFT) as u16,
        i64::from(entry as u32 as i32),
    )
}

impl Limiter {
    pub fn new(settings: Settings) -> Limiter {
        let size = settings.table_size;
        debug_assert!(size >= 2 && size.is_power_of_two(), "{size} buckets");
        let rate = i64::from(settings.rate);
        Limiter {
            settings,
            buckets: (0..size).map(|_| AtomicU64::new(0)).collect(),
            set_mask: size / 2 - 1,
            rate,
            floor: (-rate * i64::from(settings.window)).max(-i64::from(i32::MAX)),
            hasher: hashbrown::DefaultHashBuilder::default(),
            epoch: Instant::now(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The limiter's clock in whole seconds; read once per batch of queries.
    pub fn now(&self) -> u32 {
        self.epoch.elapsed().as_secs() as u32
    }

    /// Charges one response of `class` to `source`'s network; true when it is over the limit.
    /// `discriminator` separates buckets within a class (the question, the zone).
    pub fn is_limited(
        &self,
        now: u32,
        source: IpAddr,
        class: ResponseClass,
        discriminator: &[u8],
    ) -> bool {
        let (network, family) = match source.to_canonical() {
            IpAddr::V4(v4) => {
                let prefix = u32::from(self.settings.ipv4_prefix);
                let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                (u128::from(u32::from(v4) & mask), 4u8)
            }
            IpAddr::V6(v6) => {
                let prefix = u32::from(self.settings.ipv6_prefix);
                let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
                (u128::from(v6) & mask, 6u8)
            }
        };
        let mut hasher = self.hasher.build_hasher();
        hasher.write_u128(network);
        hasher.write_u8(family << 4 | class as u8);
        hasher.write(discriminator);
        self.charge(now as u16, hasher.finish())
    }

    fn charge(&self, now: u16, hash: u64) -> bool {
        let tag = ((hash >> TAG_SHIFT) as u16) | 1;
        let set = (hash as usize) & self.set_mask;
        let pair = &self.buckets[2 * set..2 * set + 2];
        for bucket in pair {
            let mut current = bucket.load(Ordering::Relaxed);
            while unpack(current).0 == tag {
                let (balance, limited) = self.debit(current, now);
                match bucket.compare_exchange_weak(
                    current,
                    pack(tag, now, balance),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return limited,
                    Err(actual) => current = actual,
                }
            }
        }
        // Not tracked yet: take the slot that is empty, idle past the window or least limited;
        // never evict a network that is being limited right now.
        let [first, second] = [
            pair[0].load(Ordering::Relaxed),
            pair[1].load(Ordering::Relaxed),
        ];
        let standing = |entry: u64| {
            let (_, stamp, balance) = unpack(entry);
            let idle = i64::from(now.wrapping_sub(stamp));
            if entry == 0 || idle > i64::from(self.settings.window) {
                i64::MAX
            } else {
                (balance + idle * self.rate).min(self.rate)
            }
        };
        let (victim, old) = if standing(first) >= standing(second) {
            (&pair[0], first)
        } else {
            (&pair[1], second)
        };
        if standing(old) < 0 {
            return false;
        }
        let fresh = pack(tag, now, self.rate - 1);
        let _ = victim.compare_exchange(old, fresh, Ordering::Relaxed, Ordering::Relaxed);
        false
    }

    /// The balance after one more response, and whether that response is over the limit.
    fn debit(&self, entry: u64, now: u16) -> (i64, bool) {
        let (_, stamp, balance) = unpack(entry);
        let elapsed = i64::from(now.wrapping_sub(stamp));
        let credited = (balance + elapsed * self.rate).min(self.rate);
        let after = credited - 1;
        (after.max(self.floor), after < 0)
    }
}
