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
//! header, question and OPT only) so that a real resolver behind a spoofed address retries over
//! TCP, which is never limited. `slip = 0` drops them all.
//!
//! # Cost and memory
//! The buckets are one fixed table of `table_size` 64-bit atomics (tag, second, balance),
//! two-way set associative, allocated when RRL is configured and shared by every worker: a
//! response costs one hash of the key and one compare-and-swap, no lock and no allocation.
//! Memory is `8 × table_size` bytes whatever the attacker sends. A key that finds both slots of
//! its set held by other networks currently being limited is answered without accounting
//! rather than evicting them. The clock is read once per received batch.

use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use arc_swap::ArcSwapOption;

use crate::answer::Summary;
use crate::config::RrlConfig;
use crate::wire::name::{MAX_NAME_LEN, wire_name_len};
use crate::wire::query::flags;
use crate::wire::rtype::{self, rcode};

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

/// Settings of an enabled limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub rate: u32,
    pub window: u32,
    pub slip: u32,
    pub ipv4_prefix: u8,
    pub ipv6_prefix: u8,
    /// Buckets in the table (a power of two).
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
            table_size: config.table_size.clamp(2, 1 << 26).next_power_of_two(),
        })
    }
}

/// The bucket table and its parameters; replaced whole when the settings change.
pub struct Limiter {
    settings: Settings,
    buckets: Box<[AtomicU64]>,
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
        let size = settings.table_size.max(2);
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

/// Responses limited, per worker slot (summed when read).
#[repr(align(64))]
#[derive(Default)]
struct SlotCounters {
    dropped: [AtomicU64; 3],
    slipped: [AtomicU64; 3],
}

const COUNTER_SLOTS: usize = 16;

/// What RRL has limited since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RrlStats {
    /// Responses not sent, by [`ResponseClass`] index.
    pub dropped: [u64; 3],
    /// Responses sent truncated instead, by [`ResponseClass`] index.
    pub slipped: [u64; 3],
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
        if current.as_ref().map(|l| l.settings) == settings {
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
            let slip = u64::from(limiter.settings.slip);
            if slip > 0 && self.limited.is_multiple_of(slip) {
                Verdict::Slip
            } else {
                Verdict::Drop
            }
        } else {
            Verdict::Send
        };
        let counters = &self.rrl.counters[self.slot];
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

/// The response's question name (lowercased) and type, written into `key`; empty without a
/// question.
fn question_key<'k>(response: &[u8], key: &'k mut [u8; MAX_NAME_LEN + 2]) -> &'k [u8] {
    let Some(name_len) = response.get(12..).and_then(wire_name_len) else {
        return &[];
    };
    let Some(question) = response.get(12..14 + name_len) else {
        return &[];
    };
    let key = &mut key[..name_len + 2];
    key.copy_from_slice(question);
    key[..name_len].make_ascii_lowercase();
    key
}

fn word(message: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *message.get(at)?,
        *message.get(at + 1)?,
    ]))
}

fn set_word(message: &mut [u8], at: usize, value: u16) {
    message[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

/// Rewrites the response in `out[..len]` as the truncated reply RRL slips: TC=1, header,
/// question and OPT record only; returns its length.
pub fn truncate_to_question(out: &mut [u8], len: usize) -> usize {
    if len < 12 || out.len() < len {
        return len;
    }
    let message = &out[..len];
    let question_end = match word(message, 4) {
        Some(1) => match wire_name_len(&message[12..]) {
            Some(name) if 12 + name + 4 <= len => 12 + name + 4,
            _ => 12,
        },
        _ => 12,
    };
    let opt = opt_record(message);
    let mut end = question_end;
    if let Some(opt) = &opt {
        out.copy_within(opt.clone(), question_end);
        end += opt.len();
    }
    let flags = word(out, 2).unwrap_or(0) | flags::TC;
    set_word(out, 2, flags);
    set_word(out, 4, u16::from(question_end > 12));
    set_word(out, 6, 0);
    set_word(out, 8, 0);
    set_word(out, 10, u16::from(opt.is_some()));
    end
}

/// Byte range of the OPT record in the additional section of a well-formed message.
pub fn opt_record(message: &[u8]) -> Option<Range<usize>> {
    let count = |i: usize| word(message, 4 + 2 * i).map(usize::from);
    let (questions, answers, authority, additional) = (count(0)?, count(1)?, count(2)?, count(3)?);
    let mut pos = 12;
    for _ in 0..questions {
        pos = skip_name(message, pos)? + 4;
    }
    let additional_from = answers + authority;
    for index in 0..additional_from + additional {
        let start = pos;
        pos = skip_name(message, pos)?;
        let rtype = word(message, pos)?;
        let rdlen = usize::from(word(message, pos + 8)?);
        pos += 10 + rdlen;
        if pos > message.len() {
            return None;
        }
        if index >= additional_from && rtype == rtype::OPT {
            return Some(start..pos);
        }
    }
    None
}

/// The position after the (possibly compressed) name at `pos`.
fn skip_name(message: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = *message.get(pos)?;
        match len & 0xC0 {
            0x00 if len == 0 => return Some(pos + 1),
            0x00 => pos += 1 + usize::from(len),
            0xC0 => return Some(pos + 2),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests;
