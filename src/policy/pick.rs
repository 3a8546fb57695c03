//! Picking targets by weight: at random, or sticky through weighted rendezvous hashing of the
//! client's network (one resolver keeps its answer; few clients move when a target goes down).

use std::net::IpAddr;

use super::{Client, MAX_ANSWERS, Service, Target};
use crate::geo::mask_address;

/// Most candidates considered in one pick.
pub const MAX_CANDIDATES: usize = 256;
/// Networks that stick together: IPv4 /24, IPv6 /56.
const STICKY_V4: u8 = 24;
const STICKY_V6: u8 = 56;

/// The client's network that sticky picks hash.
#[derive(Debug, Clone, Copy)]
pub struct StickyKey {
    pub hash: u64,
    /// The prefix the answer depends on (the ECS scope it implies).
    pub prefix: u8,
}

/// The sticky key of a client: its /24 or /56 (or the ECS source prefix when shorter).
pub fn sticky_key(client: &Client) -> StickyKey {
    if !client.use_address {
        return StickyKey { hash: 0, prefix: 0 };
    }
    let wanted = match client.address {
        IpAddr::V4(_) => STICKY_V4,
        IpAddr::V6(_) => STICKY_V6,
    };
    let prefix = wanted.min(client.source_prefix);
    let network = mask_address(client.address, prefix);
    let bits = match network {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a) ^ (1u128 << 127),
    };
    StickyKey {
        hash: mix((bits as u64) ^ mix((bits >> 64) as u64) ^ u64::from(prefix)),
        prefix,
    }
}

/// Candidates held on the stack in the common case; more spill into a full-size list.
const FEW_CANDIDATES: usize = 16;

/// Picks up to `answers` targets among `members` that pass `eligible`, by weight; writes their
/// indices to `out` and returns how many.
pub fn pick(
    service: &Service,
    members: impl Iterator<Item = usize> + Clone,
    eligible: &dyn Fn(&Target) -> bool,
    sticky: Option<&StickyKey>,
    out: &mut [u16; MAX_ANSWERS],
    answers: usize,
) -> usize {
    // A service has a handful of targets: collect them into a small list, and only when there
    // are more build the full one (initialising 256 entries costs more than the pick itself).
    let mut few = [(0u16, 0u32); FEW_CANDIDATES];
    match collect(service, members.clone(), eligible, &mut few) {
        Some(count) => choose(&mut few[..count], sticky, out, answers),
        None => {
            let mut candidates = [(0u16, 0u32); MAX_CANDIDATES];
            let count =
                collect(service, members, eligible, &mut candidates).unwrap_or(MAX_CANDIDATES);
            choose(&mut candidates[..count], sticky, out, answers)
        }
    }
}

/// Fills `candidates` with (index, weight) of the eligible members, in member order; `None`
/// when more are eligible than it holds, except for the full-size list, which keeps the first
/// [`MAX_CANDIDATES`].
fn collect(
    service: &Service,
    members: impl Iterator<Item = usize>,
    eligible: &dyn Fn(&Target) -> bool,
    candidates: &mut [(u16, u32)],
) -> Option<usize> {
    let mut count = 0usize;
    for index in members {
        let target = &service.targets[index];
        if eligible(target) {
            if count == candidates.len() {
                return (candidates.len() == MAX_CANDIDATES).then_some(count);
            }
            candidates[count] = (index as u16, target.weight.max(1));
            count += 1;
        }
    }
    Some(count)
}

fn choose(
    candidates: &mut [(u16, u32)],
    sticky: Option<&StickyKey>,
    out: &mut [u16; MAX_ANSWERS],
    answers: usize,
) -> usize {
    let wanted = answers.min(candidates.len()).min(MAX_ANSWERS);
    match sticky {
        Some(key) => rendezvous(candidates, key, &mut out[..wanted]),
        None => random(candidates, &mut out[..wanted]),
    }
    wanted
}

/// Weighted sampling without replacement.
fn random(candidates: &mut [(u16, u32)], out: &mut [u16]) {
    let mut remaining = candidates.len();
    for slot in out.iter_mut() {
        let total: u64 = candidates[..remaining].iter().map(|c| u64::from(c.1)).sum();
        let mut ticket = fastrand::u64(0..total.max(1));
        let mut chosen = 0;
        for (i, candidate) in candidates[..remaining].iter().enumerate() {
            let weight = u64::from(candidate.1);
            if ticket < weight {
                chosen = i;
                break;
            }
            ticket -= weight;
        }
        *slot = candidates[chosen].0;
        candidates.swap(chosen, remaining - 1);
        remaining -= 1;
    }
}

/// Weighted rendezvous hashing: each candidate scores `-ln(u) / weight` with `u` from a hash of
/// (client network, target); the lowest scores win.
fn rendezvous(candidates: &mut [(u16, u32)], key: &StickyKey, out: &mut [u16]) {
    let score = |&(index, weight): &(u16, u32)| {
        let h = mix(key.hash ^ mix(u64::from(index) + 1));
        // u in (0, 1]: never 0, so the logarithm is finite.
        let u = ((h >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        -u.ln() / f64::from(weight)
    };
    candidates.sort_by(|a, b| score(a).total_cmp(&score(b)));
    for (slot, candidate) in out.iter_mut().zip(candidates.iter()) {
        *slot = candidate.0;
    }
}

/// SplitMix64 finaliser.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
