//! Counters of the fleet, read by `/metrics`: gossip datagrams and bytes each way, datagrams
//! dropped by reason, and the changes the fleet made (membership, verdicts, overrides).

use std::sync::atomic::{AtomicU64, Ordering};

use super::auth::Rejection;

/// Monotonic counters, shared by the gossip socket and the fleet's rounds.
#[derive(Debug, Default)]
pub struct Counters {
    pub datagrams_in: AtomicU64,
    pub bytes_in: AtomicU64,
    pub datagrams_out: AtomicU64,
    pub bytes_out: AtomicU64,
    /// Sends the network refused (a peer unreachable, for example).
    pub send_errors: AtomicU64,
    /// Messages too large for one datagram once sealed (not sent).
    pub oversize: AtomicU64,
    dropped: [AtomicU64; Rejection::ALL.len()],
    /// Members that joined or left (as this node sees them).
    pub membership_changes: AtomicU64,
    /// Fleet verdicts that changed a target's state.
    pub verdict_changes: AtomicU64,
    /// Drains and forced states taken from other nodes.
    pub overrides_received: AtomicU64,
    /// Rounds run (one per gossip interval, more when observations change).
    pub rounds: AtomicU64,
}

impl Counters {
    pub fn count_dropped(&self, reason: Rejection) {
        self.dropped[reason.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Datagrams dropped for `reason` so far.
    pub fn dropped(&self, reason: Rejection) -> u64 {
        self.dropped[reason.index()].load(Ordering::Relaxed)
    }

    pub fn add(counter: &AtomicU64, value: u64) {
        counter.fetch_add(value, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
