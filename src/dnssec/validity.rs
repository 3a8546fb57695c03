//! When a signature is valid, and when it must be made again.
//!
//! Inception lies in the past (validators' clocks may be behind), expiration is the validity
//! period ahead less a jitter that spreads re-signing over time. Both are functions of a time
//! bucket and a hash of what is signed (key, owner, type, content), not random: every node of a
//! fleet given the same key directory makes RRSIGs with the same window for the same RRset in
//! the same bucket.

/// The signature validity policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureTiming {
    /// Seconds from the bucket's start to the latest expiration (14 days by default, as Knot).
    pub validity: u32,
    /// Expiration is brought forward by up to this many seconds, chosen by the hash (1 day).
    pub jitter: u32,
    /// Inception is this many seconds before the bucket's start (1 hour).
    pub inception_offset: u32,
    /// The length of a time bucket: signatures made within one share their window (1 day).
    pub bucket: u32,
    /// A signature with less than this many seconds left is made again (7 days).
    pub refresh: u32,
}

impl Default for SignatureTiming {
    fn default() -> Self {
        const DAY: u32 = 86_400;
        SignatureTiming {
            validity: 14 * DAY,
            jitter: DAY,
            inception_offset: 3600,
            bucket: DAY,
            refresh: 7 * DAY,
        }
    }
}

/// Inception and expiration, seconds since 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureWindow {
    pub inception: u64,
    pub expiration: u64,
}

/// A timing whose parts do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimingError {
    #[error("the time bucket must be at least one second")]
    NoBucket,
    #[error(
        "refresh ({refresh}s) + bucket ({bucket}s) + jitter ({jitter}s) must be shorter than the validity ({validity}s), or new signatures would already need refreshing"
    )]
    RefreshTooLate {
        refresh: u32,
        bucket: u32,
        jitter: u32,
        validity: u32,
    },
}

impl SignatureTiming {
    /// Checks that a signature made at any moment of a bucket does not already need refreshing.
    pub fn check(&self) -> Result<(), TimingError> {
        if self.bucket == 0 {
            return Err(TimingError::NoBucket);
        }
        let used = u64::from(self.refresh) + u64::from(self.bucket) + u64::from(self.jitter);
        if used >= u64::from(self.validity) {
            return Err(TimingError::RefreshTooLate {
                refresh: self.refresh,
                bucket: self.bucket,
                jitter: self.jitter,
                validity: self.validity,
            });
        }
        Ok(())
    }

    /// The window of a signature made at `now` for content whose hash is `seed`.
    pub fn window(&self, seed: u64, now: u64) -> SignatureWindow {
        let bucket = u64::from(self.bucket.max(1));
        let start = now - now % bucket;
        let jitter = seed % (u64::from(self.jitter) + 1);
        SignatureWindow {
            inception: start.saturating_sub(u64::from(self.inception_offset)),
            expiration: start + u64::from(self.validity) - jitter.min(u64::from(self.validity)),
        }
    }

    /// Whether a signature that expires at `expiration` must be made again at `now`.
    pub fn needs_refresh(&self, expiration: u64, now: u64) -> bool {
        expiration < now.saturating_add(u64::from(self.refresh))
    }

    /// When a signature that expires at `expiration` is due to be made again.
    pub fn refresh_at(&self, expiration: u64) -> u64 {
        expiration.saturating_sub(u64::from(self.refresh))
    }
}

/// A 64-bit FNV-1a hash, stable across machines and releases (unlike std's hasher), for the
/// jitter seed.
#[derive(Debug, Clone, Copy)]
pub struct StableHash(u64);

impl Default for StableHash {
    fn default() -> Self {
        StableHash(0xcbf2_9ce4_8422_2325)
    }
}

impl StableHash {
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_796_483_063;

    #[test]
    fn windows_start_in_the_past_and_share_a_bucket() {
        let timing = SignatureTiming::default();
        timing.check().unwrap();
        let window = timing.window(12345, NOW);
        assert!(window.inception <= NOW - 3600);
        assert!(window.expiration > NOW + u64::from(timing.refresh));
        assert!(window.expiration <= NOW + 14 * 86_400);
        // Anywhere in the same day the same seed gives the same window; another seed another.
        let start = NOW - NOW % 86_400;
        assert_eq!(timing.window(12345, start), window);
        assert_eq!(timing.window(12345, start + 86_399), window);
        assert_ne!(timing.window(12345, start + 86_400), window);
        let spread: std::collections::HashSet<u64> = (0..100u64)
            .map(|s| timing.window(s * 7919, NOW).expiration)
            .collect();
        assert!(spread.len() > 50);
        assert!(!timing.needs_refresh(window.expiration, NOW + 86_399));
        assert!(timing.needs_refresh(window.expiration, timing.refresh_at(window.expiration) + 1));
    }

    #[test]
    fn timings_that_cannot_work_are_refused() {
        let timing = SignatureTiming {
            refresh: 13 * 86_400,
            ..SignatureTiming::default()
        };
        assert!(matches!(
            timing.check(),
            Err(TimingError::RefreshTooLate { .. })
        ));
        let timing = SignatureTiming {
            bucket: 0,
            ..SignatureTiming::default()
        };
        assert_eq!(timing.check(), Err(TimingError::NoBucket));
        // Even unchecked, a zero bucket or a jitter above the validity does not panic.
        let odd = SignatureTiming {
            bucket: 0,
            jitter: u32::MAX,
            validity: 10,
            ..SignatureTiming::default()
        };
        let window = odd.window(u64::MAX, NOW);
        assert!(window.expiration >= NOW);
    }

    #[test]
    fn stable_hash_is_fnv_1a() {
        let mut hash = StableHash::default();
        hash.write(b"a");
        assert_eq!(hash.finish(), 0xaf63_dc4c_8601_ec8c);
    }
}
