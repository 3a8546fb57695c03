//! The histogram of time spent answering, and the sampling that keeps it off the common path.
//!
//! Reading the clock twice costs about as much as answering a small query from memory, so only
//! one query in [`TIME_ONE_IN`] per thread is timed: the others pay a thread-local countdown.
//! The distribution stays representative (every thread samples evenly over its own stream);
//! `_count` is therefore the number of timed queries, not of all queries.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Every this many queries per thread, one is timed.
pub const TIME_ONE_IN: u32 = 64;

/// Upper bounds of the buckets, nanoseconds (answers from memory take a few microseconds).
pub const BOUNDS_NS: [u64; 12] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000,
    10_000_000,
];

/// Bucket counts (the last is +Inf) and the sum of observations.
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS_NS.len() + 1],
    sum_ns: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_ns: AtomicU64::new(0),
        }
    }
}

/// A histogram's values at one moment (not cumulative).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistogramValues {
    pub buckets: [u64; BOUNDS_NS.len() + 1],
    pub sum_ns: u64,
}

impl HistogramValues {
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }

    pub fn add(&mut self, other: &HistogramValues) {
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
        self.sum_ns += other.sum_ns;
    }
}

impl Histogram {
    /// Counts one observation of `ns` nanoseconds.
    #[inline]
    pub fn observe_ns(&self, ns: u64) {
        let bucket = BOUNDS_NS
            .iter()
            .position(|&bound| ns <= bound)
            .unwrap_or(BOUNDS_NS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    pub fn values(&self) -> HistogramValues {
        HistogramValues {
            buckets: std::array::from_fn(|i| self.buckets[i].load(Ordering::Relaxed)),
            sum_ns: self.sum_ns.load(Ordering::Relaxed),
        }
    }
}

thread_local! {
    static COUNTDOWN: Cell<u32> = const { Cell::new(1) };
}

/// The start time when this thread's next query is one to time (one in [`TIME_ONE_IN`]).
#[inline]
pub fn start_timer() -> Option<Instant> {
    COUNTDOWN.with(|countdown| {
        let left = countdown.get();
        if left > 1 {
            countdown.set(left - 1);
            None
        } else {
            countdown.set(TIME_ONE_IN);
            Some(Instant::now())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_sampling() {
        let histogram = Histogram::default();
        histogram.observe_ns(500);
        histogram.observe_ns(1_000);
        histogram.observe_ns(7_000);
        histogram.observe_ns(u64::MAX / 4);
        let values = histogram.values();
        assert_eq!(values.buckets[0], 2);
        assert_eq!(values.buckets[3], 1);
        assert_eq!(values.buckets[BOUNDS_NS.len()], 1);
        assert_eq!(values.count(), 4);
        let timed = (0..TIME_ONE_IN * 10)
            .filter(|_| start_timer().is_some())
            .count();
        assert_eq!(timed, 10);
    }
}
