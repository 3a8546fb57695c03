//! Response rate limiting for UDP (RRL, as in BIND, Knot DNS and NSD): a server that answers
//! spoofed queries is a reflector; RRL caps how many responses one client network receives per
//! second for one kind of response, so the server stops amplifying floods while resolvers that
//! share the network keep being answered.
//!
//! # Accounting
//! Each response is charged to a bucket keyed by the client's network (`ipv4_prefix`,
//! `ipv6_prefix`), its class, and:
//! - answers (NOERROR, including NODATA and referrals): the question name and type, as in BIND
//!   and Knot. A reflection attack repeats the few names with big answers; keying by name
//!   limits exactly those, while a resolver's network asking for thousands of different names
//!   is not held back by its busiest one;
//! - NXDOMAIN: the zone, not the name, so that random-subdomain floods cannot spread over
//!   fresh buckets;
//! - errors (REFUSED, FORMERR, NOTIMP, NOTAUTH, BADVERS...): the network alone.
//!
//! A bucket holds a balance credited `rate` per second, capped at `rate`, and debited by every
//! response (limited or not) down to `-(window × rate)`: a network that stays above the rate is
//! limited until it slows down, for at most `window` seconds after it does (BIND's semantics).
//! A limited response is dropped, except every `slip`-th, sent as a truncated reply (TC=1,
//! header, question and OPT only, the OPT with Extended DNS Error 0 "rate limited", as Knot
//! Resolver sends) so that a real resolver behind a spoofed address retries over TCP, which is
//! never limited. `slip = 0` drops them all.
//!
//! A response to a client that presented a valid server cookie (RFC 7873; see
//! [`crate::cookies`]) is neither limited nor charged: its source address is proven, so it
//! cannot be the victim of a reflection (as in BIND and Knot DNS). Those are counted apart.
//!
//! # Cost and memory
//! The buckets are one fixed table of `table_size` 64-bit atomics (tag, second, balance),
//! two-way set associative, allocated when RRL is configured and shared by every worker: a
//! response costs one hash of the key and one compare-and-swap, no lock and no allocation.
//! Memory is `8 × table_size` bytes whatever the attacker sends. A key that finds both slots of
//! its set held by other networks currently being limited is answered without accounting
//! rather than evicting them. The clock is read once per received batch.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`Rrl`]: the limiter in force and the counters; [`RrlWorker`], a UDP worker's front |
//! | `limiter.rs` | [`Limiter`]: the bucket table and its accounting |
//! | `wire.rs` | reading the response's question, and rewriting it as the truncated reply |

mod limiter;
mod wire;

pub use limiter::{Limiter, Settings};
pub use wire::{opt_record, truncate_to_question};

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use arc_swap::ArcSwapOption;

use crate::answer::Summary;
use crate::config::RrlConfig;
use crate::wire::name::MAX_NAME_LEN;
use crate::wire::rtype::rcode;
use wire::question_key;

/// Kinds of response, each limited separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseClass {
    Answer = 0,
    NxDomain = 1,
    Error = 2,
}

impl ResponseClass {
    pub const ALL: [ResponseClass; 3] = [
        ResponseClass::Answer,
        ResponseClass::NxDomain,
        ResponseClass::Error,
    ];

    /// The class of a response with this rcode.
    pub fn of(rcode: u16) -> ResponseClass {
        match rcode {
            rcode::NOERROR => ResponseClass::Answer,
            rcode::NXDOMAIN => ResponseClass::NxDomain,
            _ => ResponseClass::Error,
        }
    }

    /// Label value for metrics: `answer`, `nxdomain`, `error`.
    pub fn name(self) -> &'static str {
        match self {
            ResponseClass::Answer => "answer",
            ResponseClass::NxDomain => "nxdomain",
            ResponseClass::Error => "error",
        }
    }
}

/// What to do with one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Send,
    /// Send a truncated reply instead (see [`truncate_to_question`]).
    Slip,
    Drop,
}

/// Responses limited, per worker slot (summed when read).
#[repr(align(64))]
#[derive(Default)]
struct SlotCounters {
    dropped: [AtomicU64; 3],
    slipped: [AtomicU64; 3],
    exempt: [AtomicU64; 3],
}

const COUNTER_SLOTS: usize = 16;

/// What RRL has limited since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RrlStats {
    /// Responses not sent, by [`ResponseClass`] index.
    pub dropped: [u64; 3],
    /// Responses sent truncated instead, by [`ResponseClass`] index.
    pub slipped: [u64; 3],
    /// Responses sent without accounting because the client had a valid server cookie.
    pub exempt: [u64; 3],
}

/// The server's RRL state: the current limiter (none when off) and counters that survive
/// reloads.
#[derive(Default)]
pub struct Rrl {
    limiter: ArcSwapOption<Limiter>,
    counters: [SlotCounters; COUNTER_SLOTS],
    next_worker: AtomicUsize,
}

impl Rrl {
    /// Applies `[rrl]`: off, the same limiter kept when the settings are unchanged (buckets keep
    /// their state across reloads), or a new one.
    pub fn configure(&self, config: &RrlConfig) {
        let settings = Settings::from_config(config);
        let current = self.limiter.load();
        if current.as_ref().map(|l| *l.settings()) == settings {
            return;
        }
        self.limiter
            .store(settings.map(|s| Arc::new(Limiter::new(s))));
    }

    /// The limiter in force, if any (one atomic load; hold it for a batch).
    pub fn limiter(&self) -> arc_swap::Guard<Option<Arc<Limiter>>> {
        self.limiter.load()
    }

    /// Per-worker state for a UDP worker thread.
    pub fn worker(&self) -> RrlWorker<'_> {
        RrlWorker {
            rrl: self,
            slot: self.next_worker.fetch_add(1, Ordering::Relaxed) % COUNTER_SLOTS,
            limited: 0,
        }
    }

    /// Totals for metrics.
    pub fn stats(&self) -> RrlStats {
        let mut stats = RrlStats::default();
        for slot in &self.counters {
            for class in 0..3 {
                stats.dropped[class] += slot.dropped[class].load(Ordering::Relaxed);
                stats.slipped[class] += slot.slipped[class].load(Ordering::Relaxed);
                stats.exempt[class] += slot.exempt[class].load(Ordering::Relaxed);
            }
        }
        stats
    }
}

/// One UDP worker's view: its counter slot and its count of limited responses (for `slip`).
pub struct RrlWorker<'a> {
    rrl: &'a Rrl,
    slot: usize,
    limited: u64,
}

impl RrlWorker<'_> {
    /// Decides the fate of the response in `out[..summary.len]` to `source`; returns the length
    /// to send (the response rewritten as a truncated reply when slipped), or `None` to drop it.
    pub fn apply(
        &mut self,
        limiter: &Limiter,
        now: u32,
        source: IpAddr,
        summary: &Summary,
        out: &mut [u8],
    ) -> Option<usize> {
        let response = out.get(..summary.len)?;
        let class = ResponseClass::of(summary.rcode);
        let counters = &self.rrl.counters[self.slot];
        if summary.cookie_valid() {
            counters.exempt[class as usize].fetch_add(1, Ordering::Relaxed);
            return Some(summary.len);
        }
        let mut key = [0u8; MAX_NAME_LEN + 2];
        let discriminator: &[u8] = match class {
            ResponseClass::Answer => question_key(response, &mut key),
            ResponseClass::NxDomain => {
                key[..4].copy_from_slice(&summary.zone.unwrap_or(u32::MAX).to_be_bytes());
                &key[..4]
            }
            ResponseClass::Error => &[],
        };
        let verdict = if limiter.is_limited(now, source, class, discriminator) {
            self.limited += 1;
            let slip = u64::from(limiter.settings().slip);
            if slip > 0 && self.limited.is_multiple_of(slip) {
                Verdict::Slip
            } else {
                Verdict::Drop
            }
        } else {
            Verdict::Send
        };
        match verdict {
            Verdict::Send => Some(summary.len),
            Verdict::Slip => {
                counters.slipped[class as usize].fetch_add(1, Ordering::Relaxed);
                Some(truncate_to_question(out, summary.len))
            }
            Verdict::Drop => {
                counters.dropped[class as usize].fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
