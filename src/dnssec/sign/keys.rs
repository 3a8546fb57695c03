//! A signed zone's keys when its snapshot is built: the checked keys of its directory, the
//! lifecycle plan at this moment and, for the serving daemon, the plan's due changes carried
//! out first (the zone's first CSK made on first start, a ZSK or CSK roll begun when its
//! lifetime ends, a retired key removed). `check` only reads.
//! Also the signature timing and key policy a `[zones."…".dnssec]` table gives.

use super::super::Algorithm;
use super::super::command::{KeySet, apply_changes, key_infos};
use super::super::keydir::StoredKey;
use super::super::policy::{KeyPolicy, Layout};
use super::super::rollover::{self, Plan};
use super::super::validity::SignatureTiming;
use crate::config::zones::DnssecConfig;

/// Whether the build may change the key directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAccess {
    /// The serving daemon: makes the first key and carries out due changes.
    Apply,
    /// `check`, `explain`: reads only.
    ReadOnly,
}

/// A zone's keys ready for signing.
pub struct ZoneKeys {
    pub keys: Vec<StoredKey>,
    pub plan: Plan,
    /// What was done to the key directory, one line each.
    pub done: Vec<String>,
}

/// The zone's keys at `now`; `Ok(None)` when it has none and `access` forbids making one.
/// Every problem is a `file: reason` line.
pub fn prepare(
    set: &KeySet,
    policy: &KeyPolicy,
    now: u64,
    access: KeyAccess,
) -> Result<Option<ZoneKeys>, Vec<String>> {
    let lines = |errors: Vec<super::super::keydir::KeyError>| {
        errors.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let mut keys =
        super::super::keydir::load_zone_keys(&set.dir, &set.zone, set.algorithm).map_err(lines)?;
    let algorithm = set
        .algorithm
        .or_else(|| keys.first().map(|k| k.algorithm))
        .unwrap_or(Algorithm::EcdsaP256Sha256);
    let mut done = Vec::new();
    // A change applied makes the next plan due nothing more; the bound is a safety net.
    for _ in 0..4 {
        let plan = rollover::plan(&key_infos(&keys), policy, now);
        if plan.due.is_empty() || access == KeyAccess::ReadOnly {
            if keys.is_empty() {
                return Ok(None);
            }
            return Ok(Some(ZoneKeys { keys, plan, done }));
        }
        done.extend(
            apply_changes(set, &mut keys, plan.due, algorithm).map_err(|e| vec![e.to_string()])?,
        );
    }
    let plan = rollover::plan(&key_infos(&keys), policy, now);
    Ok(Some(ZoneKeys { keys, plan, done }))
}

/// The key policy of a `dnssec` table; `max_zone_ttl` is the zone's longest TTL.
pub fn key_policy(config: &DnssecConfig, max_zone_ttl: u32) -> KeyPolicy {
    let secs = |d: crate::config::Duration| d.get().as_secs();
    let ttl = |d: crate::config::Duration| u32::try_from(secs(d)).unwrap_or(u32::MAX);
    KeyPolicy {
        layout: Layout::Csk,
        zsk_lifetime: Some(secs(config.zsk_lifetime)).filter(|&s| s > 0),
        csk_lifetime: config.csk_lifetime.map(secs).filter(|&s| s > 0),
        dnskey_ttl: ttl(config.dnskey_ttl),
        max_zone_ttl,
        propagation_delay: ttl(config.propagation_delay),
        parent_ds_ttl: ttl(config.parent_ds_ttl),
    }
}

/// The signature timing of a `dnssec` table: its validity and refresh, inception an hour back,
/// and a bucket and jitter of a day, or less when validity less refresh leaves less room.
pub fn signature_timing(config: &DnssecConfig) -> SignatureTiming {
    const DAY: u32 = 86_400;
    let secs = |d: crate::config::Duration| u32::try_from(d.get().as_secs()).unwrap_or(u32::MAX);
    let validity = secs(config.signature_validity);
    let refresh = secs(config.signature_refresh);
    let room = validity.saturating_sub(refresh) / 4;
    SignatureTiming {
        validity,
        refresh,
        jitter: DAY.min(room),
        bucket: DAY.min(room).max(1),
        inception_offset: 3600,
    }
}
